"""Replay a historical capture through the streaming detection stage: ``seasight replay FILE``.

The capture's records go through the tracker's own writers and the same :class:`DetectionStage` as the
live tracker, in batches, in file order, paced by *message time*: at ``speed`` N a record observed ``d``
after the capture's first record is processed ``d / N`` of wall time after the start (``speed=None``: as
fast as possible). Rules decide on message time only, so the flags do not depend on the pace or on the
batch boundaries: a capture replayed at any speed gives the live run's flags. ``until`` stops at message
time T — what would have been flagged at T. Each batch is one transaction (positions, then flags), and
flag changes are published to ``seasight.flag`` after its commit when a producer is given.

Captures: NMEA 0183 with tag-block times (``c:``; lines without a time are timed by their receipt and are
therefore *not* a historical capture) or a positions CSV (``ingest csv`` layouts).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

from seasight.clock import Clock, system_clock
from seasight.errors import SeasightError
from seasight.kafka import TOPIC_FLAG
from seasight.schemas import FeedHealth, Message, PositionReport, SafetyBroadcast, Sighting, StaticVoyageReport
from tracking.detect import StoredChange, StoreResult
from tracking.store import write_positions, write_safety, write_sightings, write_static
from tracking.stream.stage import DetectionStage

log = logging.getLogger("seasight.tracking.replay")

Writer = Callable[[psycopg.Connection[Any], Sequence[Any]], int]
WRITERS: tuple[tuple[type[Message], Writer], ...] = (
    (PositionReport, write_positions),
    (StaticVoyageReport, write_static),
    (SafetyBroadcast, write_safety),
    (Sighting, write_sightings),
)


class ReplayError(SeasightError):
    """A capture that cannot be replayed (named file and reason)."""


@dataclass
class ReplayResult:
    records: int = 0
    batches: int = 0
    raised: int = 0
    updated: int = 0
    withdrawn: int = 0
    published: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None
    changes: list[StoredChange] = field(default_factory=list)


def _event_time(m: Message) -> datetime | None:
    t = getattr(m, "observed_at", None)
    return t if isinstance(t, datetime) else None


def read_capture(path: Path, *, layout: str | None = None, station: str | None = None) -> Iterator[Message]:
    """The records of a capture file, in file order (rejected lines are counted and skipped)."""
    if not path.is_file():
        raise ReplayError(f"capture {str(path)!r}: no such file")
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz")):
        from ingest.history_csv import read_csv_history
        from seasight.schemas import RejectedInput

        for row in read_csv_history(path, layout, station):
            if not isinstance(row, RejectedInput):
                yield from row
        return
    from ingest.ais import AisReader, Decoded

    reader = AisReader(f"file:{path.name}", station or path.stem)
    untimed = 0
    opener: Any = open
    if name.endswith(".gz"):
        import gzip

        opener = gzip.open
    with opener(path, "rb") as fh:
        for outcome in reader.read(fh):
            if not isinstance(outcome, Decoded):
                continue
            for record in outcome.records:
                if isinstance(record, FeedHealth):
                    continue
                if getattr(record, "observed_at", None) == getattr(record, "received_at", object()):
                    untimed += 1
                yield record
    if untimed:
        log.warning("%s: %d records carried no time of their own (timed by their reading)", path, untimed)


def replay(
    conn: psycopg.Connection[Any],
    records: Iterable[Message],
    *,
    stage: DetectionStage | None = None,
    speed: float | None = None,
    until: datetime | None = None,
    batch_size: int = 5000,
    producer: Any = None,
    clock: Clock = system_clock,
    sleep: Callable[[float], None] = time.sleep,
) -> ReplayResult:
    """Replay ``records`` into the database through the detection stage (see the module docstring)."""
    if speed is not None and speed <= 0:
        raise ReplayError(f"--speed must be a positive factor of message time, got {speed}")
    stage = stage or DetectionStage()
    result = ReplayResult()
    batch: list[Message] = []
    started = time.monotonic()

    def flush() -> None:
        if not batch:
            return
        with conn.transaction():
            for cls, write in WRITERS:
                of_kind = [m for m in batch if isinstance(m, cls)]
                if of_kind:
                    write(conn, of_kind)
            stored = stage.process(
                conn,
                positions=[m for m in batch if isinstance(m, PositionReport)],
                sightings=[m for m in batch if isinstance(m, Sighting)],
                safety=[m for m in batch if isinstance(m, SafetyBroadcast)],
                static_mmsis={m.mmsi for m in batch if isinstance(m, StaticVoyageReport)},
            )
        # committed: now (and only now) tell the world
        record(stored)
        result.batches += 1
        batch.clear()

    def record(stored: StoreResult) -> None:
        result.raised += stored.raised + stored.reraised
        result.updated += stored.updated
        result.withdrawn += stored.withdrawn
        result.changes.extend(stored.changes)
        if producer is not None and stored.changes:
            from tracking.flag_events import flag_events

            for event in flag_events(conn, stored.changes, clock()):
                producer.send(TOPIC_FLAG, key=event.subject, value=event.to_json())
                result.published += 1
            producer.flush()
            conn.rollback()  # the read above opened a transaction

    for m in records:
        t = _event_time(m)
        if t is not None and until is not None and t > until:
            break
        if t is not None:
            if result.first_at is None:
                result.first_at = t
            result.last_at = t if result.last_at is None else max(result.last_at, t)
            if speed is not None:
                due = started + (t - result.first_at).total_seconds() / speed
                wait = due - time.monotonic()
                if wait > 0:
                    flush()  # what is due so far goes in before waiting for the next record
                    wait = due - time.monotonic()
                    if wait > 0:
                        sleep(wait)
        batch.append(m)
        result.records += 1
        if len(batch) >= batch_size:
            flush()
    flush()
    with conn.transaction():
        final = stage.flush(conn)  # the last silences, judged on the capture's final watermarks
    record(final)
    return result
