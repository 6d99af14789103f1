"""The stored-through marks in the real database (migration 0062 ``mark_ingest_stored``): a mark moves only
over an unbroken run of record numbers, never across a missing one; repeats change nothing; a break is
counted and remembered until the missing records arrive."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from ingest.publish import Mark, read_marks
from tracking.stored_through import mark_stored_through, stored_runs

pytestmark = pytest.mark.integration

TOPIC = "seasight.ais.position"


def _batch(conn: psycopg.Connection, buffer_id: str, *seqs: int, partition: int = 0) -> Mark:
    mark_stored_through(conn, stored_runs({(buffer_id, TOPIC, partition): list(seqs)}))
    return read_marks(conn, buffer_id)[(TOPIC, partition)]


def test_a_mark_moves_only_over_unbroken_runs(db: psycopg.Connection) -> None:
    b = f"test-{uuid.uuid4().hex[:8]}"
    assert _batch(db, b, 1, 2, 3) == Mark(3, None, 0)
    assert _batch(db, b, 2, 3, 4, 5) == Mark(5, None, 0)  # repeats before the mark: harmless
    # 6 and 7 lost on the way (a broker restart): 8..9 are stored but the mark waits
    assert _batch(db, b, 8, 9) == Mark(5, 9, 1)
    assert _batch(db, b, 10) == Mark(5, 10, 2)
    # the publisher sends everything above the mark again, in order: the mark catches up at once
    assert _batch(db, b, 6, 7, 8, 9, 10) == Mark(10, None, 2)
    # a batch with a break inside: the run from its lowest counts, the rest is remembered
    assert _batch(db, b, 11, 12, 14) == Mark(12, 14, 3)
    assert _batch(db, b, 13, 14) == Mark(14, None, 3)


def test_a_first_batch_that_does_not_start_at_one_holds_the_mark_at_zero(db: psycopg.Connection) -> None:
    b = f"test-{uuid.uuid4().hex[:8]}"
    assert _batch(db, b, 3, 4) == Mark(0, 4, 1)
    assert _batch(db, b, 1, 2, 3, 4) == Mark(4, None, 1)
    # other partitions of the same buffer have marks of their own
    assert _batch(db, b, 1, partition=2) == Mark(1, None, 0)
    assert set(read_marks(db, b)) == {(TOPIC, 0), (TOPIC, 2)}
