"""kafka-python checksums every record batch with CRC32C (Kafka record format v2); Seasight installs the
``crc32c`` package so that runs in C rather than in kafka-python's pure-Python fallback (17.8 % of the
tracker's time in a profile of 300,000 positions)."""

from __future__ import annotations

from kafka.record import util
from kafka.record._crc32c import crc as pure_python_crc32c


def test_kafka_python_checksums_in_c_with_the_same_result() -> None:
    assert util.crc32c_c is not None, "the crc32c package is not installed: kafka-python falls back to Python"
    batch = bytes(range(256)) * 64
    assert util.calc_crc32c(batch) == pure_python_crc32c(batch) == util.crc32c_c(batch)
