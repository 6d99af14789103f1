"""Property tests (hypothesis) of the reader: whatever is done to real sentences — bytes corrupted, lines
truncated, fragments reordered or dropped — nothing raises out of the reader, every line is counted once,
and the memory of pending fragments stays within its bound."""

from __future__ import annotations

import functools
import operator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.ais import AisReader
from ingest.nmea import ReassemblyLimits
from tests.conftest import SHARED_DATA

START = datetime(2026, 11, 23, tzinfo=UTC)
LIMITS = ReassemblyLimits(max_pending=16, ttl_s=2.0)


def _corpus() -> list[bytes]:
    lines: list[bytes] = []
    for relative in (
        "pyais/nmea_data_sample.txt",
        "aisdb/test_data_20211101.nm4",
        "dma_aislib/stream_example.txt",
    ):
        lines += (SHARED_DATA / "ais_nmea" / relative).read_bytes().splitlines()[:600]
    return lines


CORPUS = _corpus()
MULTIPART = [line for line in CORPUS if b"VDM,2," in line or b"VDO,2," in line or b"VDM,3," in line]


def feed_all(lines: list[bytes], step_s: float = 0.01) -> AisReader:
    reader = AisReader("prop", "prop", limits=LIMITS)
    now = START
    for line in lines:
        reader.feed_line(line, now)
        assert len(reader.fragments) <= LIMITS.max_pending
        now += timedelta(seconds=step_s)
    reader.finish(now)
    ledger = reader.ledger
    assert ledger.lines_in == len(lines)
    assert ledger.lines_decoded + ledger.lines_rejected + ledger.lines_metadata == len(lines)
    assert len(reader.fragments) == 0
    return reader


line_indexes = st.lists(st.integers(0, len(CORPUS) - 1), min_size=1, max_size=60)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(indexes=line_indexes, data=st.data())
def test_corrupted_bytes_never_raise(indexes: list[int], data: st.DataObject) -> None:
    lines = []
    for index in indexes:
        line = bytearray(CORPUS[index])
        for _ in range(data.draw(st.integers(0, 3))):
            if line:
                position = data.draw(st.integers(0, len(line) - 1))
                line[position] = data.draw(st.integers(0, 255))
        lines.append(bytes(line))
    feed_all(lines)


@settings(max_examples=150, deadline=None)
@given(indexes=line_indexes, data=st.data())
def test_truncated_lines_never_raise(indexes: list[int], data: st.DataObject) -> None:
    lines = [CORPUS[i][: data.draw(st.integers(0, len(CORPUS[i])))] for i in indexes]
    feed_all(lines)


@settings(max_examples=150, deadline=None)
@given(st.permutations(MULTIPART[:40]), st.lists(st.booleans(), min_size=40, max_size=40))
def test_reordered_and_dropped_fragments(order: list[bytes], keep: list[bool]) -> None:
    lines = [line for line, kept in zip(order, keep, strict=False) if kept]
    feed_all(lines)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300), st.text(max_size=200))
def test_arbitrary_bytes_never_raise(blob: bytes, text: str) -> None:
    feed_all([blob, text.encode("utf-8", "replace"), b"\\" + blob, b"!AIVDM," + blob, b"$PGHP," + blob])


def test_a_flood_of_first_fragments_keeps_memory_bounded() -> None:
    """Fifty thousand first fragments of distinct messages (tag-block groups) that never complete: pending
    stays at the bound however many arrive, and every one is counted as an orphan."""
    reader = AisReader("flood", "flood", limits=ReassemblyLimits(max_pending=100, ttl_s=3600))
    body = b"AIVDM,2,1,,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0"
    sentence = b"!" + body + b"*%02X" % functools.reduce(operator.xor, body, 0)
    count = 50_000
    for n in range(count):
        tag = b"g:1-2-%d" % n
        line = b"\\" + tag + b"*%02X\\" % functools.reduce(operator.xor, tag, 0) + sentence
        reader.feed_line(line, START)
        assert len(reader.fragments) <= 100 and reader.fragments.pending_sentences <= 100
    assert len(reader.fragments) == 100
    reader.finish(START)
    assert reader.ledger.rejects_by_reason["orphan_fragment"] == count
    assert reader.ledger.lines_rejected == count


def test_corpus_is_real() -> None:
    assert len(MULTIPART) >= 40 and Path(SHARED_DATA).exists()
