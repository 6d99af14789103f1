"""Cooldowns against the real PostGIS: a vessel that goes dark twice within the cooldown gets one flag whose
repeat count and last-seen time say so (migration 0140); with the cooldown at 0 it gets two. Evaluating the
same data again changes nothing. Runs in the ``db`` fixture's transaction, on a date no other test uses."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from tests.tracking.test_detect_db import reports
from tests.tracking.tracks import line
from tracking.detect import RuleSet, run_detection
from tracking.rules.model import TrackPoint
from tracking.store import write_positions

pytestmark = pytest.mark.integration

T0 = datetime(2031, 7, 2, 0, 0, tzinfo=UTC)
TWICE = 525140001
NEIGHBOURS = [563140010 + k for k in range(3)]
EVERY = timedelta(minutes=10)


def twice_dark(start: datetime) -> list[TrackPoint]:
    """Open Andaman Sea (> 100 nm offshore): heard 0-2 h, silent 7 h, heard 9-11 h, silent 7 h, heard 18-20 h;
    three slow neighbours within 10 nm heard hourly throughout (the feed covered the area)."""
    legs = [(0, 95.50), (9, 95.60), (18, 95.70)]
    own = [
        p
        for h, lon in legs
        for p in line(TWICE, 10.0, lon, course=90, speed_kn=1, every=EVERY, count=13, start=start + timedelta(hours=h))
    ]
    others = [
        p
        for k, mmsi in enumerate(NEIGHBOURS)
        for p in line(
            mmsi, 10.05 + 0.03 * k, 95.55, course=180, speed_kn=0.3, every=timedelta(hours=1), count=22, start=start
        )
    ]
    return own + others


def dark_flags(db: psycopg.Connection[Any], start: datetime) -> list[Any]:
    return db.execute(
        """SELECT id, window_start, window_end, repeats, last_seen_at, repeat_starts, version, status
           FROM flag WHERE rule_id = 'went_dark' AND mmsi = %s AND window_start >= %s ORDER BY window_start""",
        (TWICE, start),
    ).fetchall()


def test_a_second_gap_within_the_cooldown_updates_the_first_flag(db: psycopg.Connection[Any]) -> None:
    write_positions(db, reports(twice_dark(T0)))
    end = T0 + timedelta(hours=21)
    first = run_detection(db, end=end, rules=RuleSet())
    rows = dark_flags(db, T0)
    assert len(rows) == 1, rows
    flag_id, window_start, window_end, repeats, last_seen_at, repeat_starts, version, status = rows[0]
    assert window_start == T0 + timedelta(hours=2) and window_end == T0 + timedelta(hours=9)
    second_start = T0 + timedelta(hours=11)
    assert repeats == 1 and repeat_starts == [second_start] and last_seen_at == T0 + timedelta(hours=18)
    assert status == "open" and version == 2
    history = db.execute(
        "SELECT version, action, reason, window_start FROM flag_version WHERE flag_id = %s ORDER BY version",
        (flag_id,),
    ).fetchall()
    assert [h[1] for h in history] == ["raised", "updated"]
    assert history[1][2].startswith("repeat 1 within the 12 h cooldown") and history[1][3] == second_start
    assert [c.action for c in first.changes if c.flag_id == flag_id] == ["raised", "updated"]

    again = run_detection(db, end=end, rules=RuleSet())
    assert again.raised == again.updated == again.withdrawn == 0
    assert dark_flags(db, T0) == rows

    # A later round whose window no longer holds the first gap still groups the second onto it.
    later = run_detection(db, end=end + timedelta(hours=8), rules=RuleSet())
    assert later.raised == 0 and dark_flags(db, T0)[0][3] == 1


def test_with_the_cooldown_at_zero_every_repeat_is_its_own_flag(db: psycopg.Connection[Any]) -> None:
    start = T0 + timedelta(days=3)
    write_positions(db, reports(twice_dark(start)))
    rules = RuleSet(cooldown=dataclasses.replace(RuleSet().cooldown, went_dark_h=0.0))
    run_detection(db, end=start + timedelta(hours=21), rules=rules)
    rows = dark_flags(db, start)
    assert [r[1] for r in rows] == [start + timedelta(hours=2), start + timedelta(hours=11)]
    assert all(r[3] == 0 and r[4] is None for r in rows)
