"""Benchmark of ingest (``run_benchmark() -> dict``, collected by ``seasight bench``): what decoding and
publishing cost beyond pyais itself, on the Danish Maritime Authority stream in ../shared/data (real
network traffic with ``$PGHP`` wrappers and multi-sentence messages, 8,551 lines, 4,500 VDM).

Figures (messages are decoded AIS messages; rates are the best of ``rounds`` runs over the stream
repeated ``repeat`` times):

* ``pyais_baseline_msgs_per_s`` — pyais alone (``IterMessages`` + ``decode()``, no checksum enforcement,
  no records), the floor docs/architecture.md asks us to stay close to;
* ``decode_msgs_per_s`` — Seasight's reader: tag blocks / wrappers, checksum, bounded reassembly, pyais
  decoding, typed records, rejects and the feed ledger;
* ``decode_overhead_vs_pyais`` — baseline rate / reader rate (1.0 = no cost beyond pyais);
* ``decode_publish_msgs_per_s`` — the real ``seasight ingest ais FILE`` path (file source thread, reader,
  JSON encoding, idempotent acks=all producer) to a fresh local broker: every record, reject and health
  snapshot sent, flushed and acknowledged before the clock stops;
* ``serialize_msgs_per_s`` — the JSON encoding of the records alone.

This is a benchmark, not a test: it asserts nothing about speed.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from ingest.ais import AisReader, Decoded, Rejected
from seasight.clock import system_clock
from seasight.schemas import Message

log = logging.getLogger("seasight.ingest.bench")

STREAM = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "ais_nmea" / "dma_aislib" / "stream_example.txt"
)


def _reader_pass(lines: list[bytes]) -> tuple[int, int, float, list[Any]]:
    reader = AisReader("bench", "bench")
    now = system_clock()
    messages = rejected = 0
    outcomes: list[Any] = []
    started = time.perf_counter()
    for line in lines:
        for outcome in reader.feed_line(line, now):
            outcomes.append(outcome)
            if isinstance(outcome, Decoded):
                messages += 1
            else:
                rejected += 1
    outcomes += reader.finish(now)
    return messages, rejected, time.perf_counter() - started, outcomes


def _pyais_pass(lines: list[bytes]) -> tuple[int, float]:
    from pyais.stream import IterMessages

    decoded = 0
    started = time.perf_counter()
    for message in IterMessages(lines):
        try:
            message.decode()
            decoded += 1
        except Exception:  # pyais raises for unknown types and empty payloads; the baseline skips them
            continue
    return decoded, time.perf_counter() - started


def decode_figures(lines: list[bytes], rounds: int = 3) -> dict[str, Any]:
    best_reader = best_pyais = float("inf")
    messages = rejected = pyais_messages = 0
    outcomes: list[Any] = []
    for _ in range(rounds):
        messages, rejected, seconds, outcomes = _reader_pass(lines)
        best_reader = min(best_reader, seconds)
        pyais_messages, seconds = _pyais_pass(lines)
        best_pyais = min(best_pyais, seconds)
    records: list[Message] = [r for o in outcomes if isinstance(o, Decoded) for r in o.records]
    records += [o.rejection for o in outcomes if isinstance(o, Rejected)]
    started = time.perf_counter()
    for record in records:
        record.to_json()
    serialize_s = time.perf_counter() - started
    reader_rate = messages / best_reader
    pyais_rate = pyais_messages / best_pyais
    return {
        "lines": len(lines),
        "messages": messages,
        "rejected": rejected,
        "pyais_baseline_msgs_per_s": round(pyais_rate),
        "decode_msgs_per_s": round(reader_rate),
        "decode_overhead_vs_pyais": round(pyais_rate / reader_rate, 2),
        "serialize_msgs_per_s": round(len(records) / serialize_s),
    }


def publish_figures(lines: list[bytes], bootstrap: str, folder: Path) -> dict[str, Any]:
    """The real ingest path (``run_feeds``: file source thread, reader, publisher) to a fresh broker."""
    import threading

    from ingest.pipeline import run_feeds
    from ingest.publish import Publisher
    from ingest.sources import FileSource
    from seasight.kafka import ensure_topics

    ensure_topics(bootstrap)
    feed = folder / "bench-stream.nmea"
    feed.write_bytes(b"\n".join(lines) + b"\n")
    publisher = Publisher.connect(bootstrap)
    try:
        warm = folder / "warm.nmea"  # connection and metadata before the clock starts
        warm.write_bytes(b"\n".join(lines[:200]) + b"\n")
        run_feeds([FileSource(warm)], publisher, "bench", threading.Event())
        sent_before = sum(publisher.sent.values())
        started = time.perf_counter()
        summary = run_feeds([FileSource(feed)], publisher, "bench", threading.Event())
        seconds = time.perf_counter() - started  # run_feeds returns after the producer's flush
    finally:
        publisher.close()
    messages = summary.health[0].messages_decoded
    return {
        "decode_publish_msgs_per_s": round(messages / seconds),
        "published_records": sum(publisher.sent.values()) - sent_before,
    }


def run_benchmark(repeat: int = 5, rounds: int = 3) -> dict[str, Any]:
    """All figures; the publishing ones on a fresh local stack started (and destroyed) here."""
    from seasight.errors import SeasightError
    from seasight.stack import LocalStack

    if not STREAM.is_file():
        return {"skipped": f"benchmark input missing: {STREAM}"}
    lines = STREAM.read_bytes().splitlines() * repeat
    figures = decode_figures(lines, rounds)
    with tempfile.TemporaryDirectory(prefix="seasight-ingest-bench-") as folder:
        stack = LocalStack(Path(folder))
        try:
            state = stack.up(partitions=3)
            figures.update(publish_figures(lines, stack.kafka_bootstrap(state), Path(folder)))
        except SeasightError as exc:
            log.warning("ingest publish benchmark skipped: %s", exc)
            figures["publish_skipped"] = str(exc)
        finally:
            stack.destroy()
    return figures


if __name__ == "__main__":  # manual run: python -m ingest.bench
    logging.basicConfig(level=logging.INFO)
    for key, value in run_benchmark().items():
        print(f"{key:32} {value}")
