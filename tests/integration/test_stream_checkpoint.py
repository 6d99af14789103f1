"""The streaming stage's checkpoint (migration 0061): a restart loads what the committed batches left,
exactly — without reading the positions again."""

from __future__ import annotations

import psycopg
import pytest

from tests.conftest import RunningStack, fresh_database
from tests.integration.test_stream_detection import capture
from tracking.store import write_positions
from tracking.stream.stage import DetectionStage

pytestmark = pytest.mark.integration

BATCH = 500


def snapshot(stage: DetectionStage) -> dict[str, object]:
    """What the stage holds, by value: every vessel's kept reports and latest report, the feed timelines,
    the gap queue's vessels. (The grid is compared apart: a live grid may still hold candidates whose
    reports in a cell have aged out, until its next rebuild; the rules measure exactly, so those matter
    to no flag.)"""
    return {
        "points": {m: s.points(stage.book) for m, s in stage.states.items()},
        "tagged": {m: s.tagged(stage.book) for m, s in stage.states.items()},
        "feeds": stage.feeds.snapshot(),
        "queued": set(stage._queued),
    }


def grid_holds(bigger: DetectionStage, smaller: DetectionStage) -> bool:
    return all(set(v) <= set(bigger.grid.cells.get(k, ())) for k, v in smaller.grid.cells.items())


def test_a_restart_loads_the_checkpoint_not_the_positions(stack: RunningStack) -> None:
    url = fresh_database(stack, "seasight_stream_checkpoint").database_url
    reports = capture()
    half = len(reports) // 2 // BATCH * BATCH
    live = DetectionStage()
    live.checkpoint_group = "checkpoint-test"
    with psycopg.connect(url) as conn:
        for i in range(0, half, BATCH):
            with conn.transaction():
                write_positions(conn, reports[i : i + BATCH])
                live.process(conn, positions=reports[i : i + BATCH])
        stored = conn.execute("SELECT count(*), sum(length(records)) FROM detection_track").fetchone()
        assert stored is not None and stored[0] == len(live.states)
        # Nothing to rebuild from: the restarted stage can only have its state from the checkpoint.
        conn.execute("DELETE FROM position")
        conn.commit()
        restarted = DetectionStage()
        restarted.checkpoint_group = "checkpoint-test"
        with conn.transaction():
            restarted.start(conn)
        assert snapshot(restarted) == snapshot(live)
        assert grid_holds(live, restarted)
        # ... and both go on alike: the same batches give the same state.
        for stage in (live, restarted):
            with conn.transaction():
                write_positions(conn, reports[half : half + 2 * BATCH])
                stage.process(conn, positions=reports[half : half + 2 * BATCH])
        assert snapshot(restarted) == snapshot(live)


def test_without_a_checkpoint_the_stage_rebuilds_from_the_positions_and_writes_one(stack: RunningStack) -> None:
    url = fresh_database(stack, "seasight_stream_checkpoint_rebuild").database_url
    reports = capture()[:3000]
    plain = DetectionStage()  # no checkpoint (as the benchmark runs it)
    with psycopg.connect(url) as conn:
        for i in range(0, len(reports), BATCH):
            with conn.transaction():
                write_positions(conn, reports[i : i + BATCH])
                plain.process(conn, positions=reports[i : i + BATCH])
        assert conn.execute("SELECT count(*) FROM detection_track").fetchone() == (0,)
        conn.commit()
        restarted = DetectionStage()
        restarted.checkpoint_group = "rebuild-test"
        with conn.transaction():
            restarted.start(conn)
        assert {m: s.points(restarted.book) for m, s in restarted.states.items()} == {
            m: s.points(plain.book) for m, s in plain.states.items()
        }
        assert conn.execute("SELECT count(*) FROM detection_track").fetchone() == (len(plain.states),)
        assert conn.execute(
            "SELECT count(*) FROM detection_feeds WHERE consumer_group = 'rebuild-test'"
        ).fetchone() == (1,)
