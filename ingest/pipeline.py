"""Running AIS feeds: sources → reader → publisher, with the feed-health ledger on the side.

Each source is read in its own thread (so a slow TCP receiver never holds up another feed) into one
bounded queue (back-pressure: a source waits when the publisher is behind, nothing is dropped); the main
thread owns the readers and the producer. Every ``health_interval_s`` and at the end, each feed's ledger
snapshot goes to ``seasight.feed.health``. Order at the end: finish the readers (pending fragments become
orphan rejections), send the last health snapshots, then flush the producer so that everything counted as
published is acknowledged by the broker (acks=all) before the summary is printed.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ingest.ais import AisReader, Decoded, Outcome
from ingest.ledger import FeedLedger
from ingest.nmea import ReassemblyLimits
from ingest.publish import Publisher
from ingest.sources import Source
from seasight.clock import Clock, system_clock
from seasight.schemas import FeedHealth

log = logging.getLogger("seasight.ingest.pipeline")

HEALTH_INTERVAL_S = 10.0
"""How often (s, default 10, range 1..3600) each feed's ledger snapshot is published while running."""

QUEUE_CHUNKS = 64  # chunks waiting between the source threads and the publisher (back-pressure bound)


@dataclass
class IngestSummary:
    """What a run did: records per topic and each feed's last health snapshot."""

    sent_by_topic: dict[str, int] = field(default_factory=dict)
    health: list[FeedHealth] = field(default_factory=list)
    source_errors: list[str] = field(default_factory=list)


_END = object()


def _pump(
    index: int, source: Source, out: queue.Queue[tuple[int, object]], stop: threading.Event, errors: list[str]
) -> None:
    try:
        for chunk in source.chunks(stop):
            out.put((index, chunk))
    except Exception as exc:  # reported by the main thread; other feeds go on
        log.exception("feed %s failed", source.name)
        errors.append(f"{source.name}: {exc}")
    finally:
        source.close()
        out.put((index, _END))


def run_feeds(
    sources: list[Source],
    publisher: Publisher,
    station: str | None,
    stop: threading.Event | None = None,
    health_interval_s: float = HEALTH_INTERVAL_S,
    limits: ReassemblyLimits | None = None,
    on_health: Callable[[FeedHealth], None] | None = None,
    clock: Clock = system_clock,
) -> IngestSummary:
    """Ingest every source until all have ended (or ``stop`` is set); return the summary. ``clock`` stamps
    the time each chunk of lines is received (the system clock for a live feed)."""
    if not 1 <= health_interval_s <= 3600:
        raise ValueError(f"health_interval_s={health_interval_s} outside 1..3600")
    stop = stop or threading.Event()
    summary = IngestSummary()
    opened = clock()
    readers = [AisReader(s.name, station, FeedLedger(s.name, station, opened), limits) for s in sources]
    chunks: queue.Queue[tuple[int, object]] = queue.Queue(maxsize=QUEUE_CHUNKS)
    threads = [
        threading.Thread(
            target=_pump, args=(i, s, chunks, stop, summary.source_errors), name=f"feed-{s.name}", daemon=True
        )
        for i, s in enumerate(sources)
    ]
    for thread in threads:
        thread.start()
    running = len(threads)
    next_health = time.monotonic() + health_interval_s

    def publish_health() -> None:
        now = clock()
        for reader in readers:
            snapshot = reader.ledger.snapshot(now, reader.fragments.pending_sentences)
            publisher.send(snapshot)
            if on_health is not None:
                on_health(snapshot)

    try:
        while running:
            try:
                index, item = chunks.get(timeout=0.5)
            except queue.Empty:
                item = None
                index = -1
            if item is _END:
                running -= 1
                reader = readers[index]
                for outcome in reader.finish(clock()):
                    _send(outcome, publisher, reader.ledger)
            elif item is not None:
                reader = readers[index]
                received_at = clock()
                ledger = reader.ledger
                # Decode the whole chunk, then send its records back to back: kafka-python's sender
                # thread competes for the GIL, and a send between every two decodes costs it about
                # twice as much per record as a burst (measured with ingest/bench.py).
                outcomes: list[Outcome] = []
                for line in item:  # type: ignore[attr-defined]
                    outcomes += reader.feed_line(line, received_at)
                for outcome in outcomes:
                    _send(outcome, publisher, ledger)
            if time.monotonic() >= next_health:
                publish_health()
                publisher.checkpoint()  # never waits on an absent broker: what it missed is kept on disk
                next_health = time.monotonic() + health_interval_s
    except KeyboardInterrupt:
        log.info("interrupted: finishing the feeds")
        stop.set()
        for reader in readers:
            for outcome in reader.finish(clock()):
                _send(outcome, publisher, reader.ledger)
    finally:
        stop.set()
    publish_health()
    publisher.flush()
    summary.sent_by_topic = dict(publisher.sent)
    now = clock()
    summary.health = [r.ledger.snapshot(now, r.fragments.pending_sentences) for r in readers]
    return summary


def _send(outcome: object, publisher: Publisher, ledger: FeedLedger) -> None:
    if isinstance(outcome, Decoded):
        for record in outcome.records:
            publisher.send(record, ledger)
    else:
        publisher.send(outcome.rejection)  # type: ignore[attr-defined]
