"""The tracker's side of the ingest buffers: advance each buffer's stored-through mark in the transaction
that stores its records (ingest/buffer.py; migration 0062 ``mark_ingest_stored``).

A record sent through a buffer carries the buffer's id and its number within (buffer, topic, partition)
in two headers (:func:`seasight.kafka.buffer_number`). Per batch, for each (buffer, topic, partition), the
tracker passes the unbroken run of numbers from the lowest it holds and the highest it holds at all; the
database moves the mark only over a run that starts at or below mark + 1, so a record lost on the way (a
broker that restarted, a send that failed) holds the mark back until the publisher sends it again. Records
without the headers (benchmarks, other producers) are stored as always and leave no mark.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import psycopg

BufferPartition = tuple[str, str, int]
"""(buffer id, topic, partition)."""


@dataclass(frozen=True, slots=True)
class StoredRun:
    """What one batch holds of one (buffer, topic, partition): the unbroken run first..last from its lowest
    number, and the highest number it holds at all (above ``last`` only when the batch has a break)."""

    buffer_id: str
    topic: str
    partition: int
    first: int
    last: int
    seen_max: int


def stored_runs(numbers: Mapping[BufferPartition, Iterable[int]]) -> list[StoredRun]:
    """The runs of a batch's record numbers (repeats allowed, any order)."""
    runs: list[StoredRun] = []
    for (buffer_id, topic, partition), seqs in numbers.items():
        ordered = sorted(set(seqs))
        if not ordered:
            continue
        last = ordered[0]
        for seq in ordered[1:]:
            if seq != last + 1:
                break
            last = seq
        runs.append(StoredRun(buffer_id, topic, partition, ordered[0], last, ordered[-1]))
    return runs


def mark_stored_through(conn: psycopg.Connection, runs: list[StoredRun]) -> None:
    """Advance the marks, inside the caller's transaction (the one that stored the records)."""
    if not runs:
        return
    conn.execute(
        "SELECT mark_ingest_stored(%s, %s, %s, %s, %s, %s)",
        (
            [r.buffer_id for r in runs],
            [r.topic for r in runs],
            [r.partition for r in runs],
            [r.first for r in runs],
            [r.last for r in runs],
            [r.seen_max for r in runs],
        ),
    )
