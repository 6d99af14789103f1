"""A dark period longer than the 24 h detection window, against the real PostGIS (issue 16): 4 of 4 dark
periods of 26-28 h were lost with the default window. Both detection modes now follow the silence from the
vessel's last stored report before the window (``max_silence_h``, 72 h):

* periodic ``detect`` (:func:`tracking.detect.run_detection`, one 24 h round) looks that report up;
* the streaming stage (:class:`tracking.stream.stage.DetectionStage`, as ``seasight track --detect`` runs it)
  keeps it across a silence longer than its state's 24 h horizon, whether the vessel was already forgotten
  (hourly batches) or is heard again in the batch that crosses the horizon (8 h batches).

Runs in a database of its own (the stage's rebuild reads every vessel heard recently), each test in a
transaction rolled back at its end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from seasight.schemas import PositionReport
from tests.conftest import RunningStack, fresh_database
from tests.tracking.tracks import as_reports, line
from tracking.detect import run_detection
from tracking.rules.model import TrackPoint
from tracking.store import write_positions
from tracking.stream.stage import DetectionStage

pytestmark = pytest.mark.integration

T0 = datetime(2031, 9, 10, 0, 0, tzinfo=UTC)
END = T0 + timedelta(hours=32)
DARK = 525016101  # 3 h of reports, 27 h of silence, heard again at T0 + 30 h
STILL = 525016102  # 4 h of reports, then silent to the end: 28 h at END
NEIGHBOURS = [563016110 + k for k in range(4)]
OFFSHORE = 120.0  # nm: the open Andaman Sea


def scenario() -> list[PositionReport]:
    every = timedelta(minutes=10)
    points: list[TrackPoint] = []
    points += line(DARK, 10.0, 95.5, course=90, speed_kn=9, every=every, count=19, start=T0)
    points += line(DARK, 10.0, 96.2, course=90, speed_kn=9, every=every, count=13, start=T0 + timedelta(hours=30))
    points += line(STILL, 10.2, 95.7, course=90, speed_kn=2, every=every, count=25, start=T0)
    for k, mmsi in enumerate(NEIGHBOURS):  # slow vessels near both, heard every 20 min throughout
        points += line(
            mmsi, 10.05 + 0.04 * k, 95.8, course=0, speed_kn=0.2, every=timedelta(minutes=20), count=97, start=T0
        )
    return as_reports(sorted(points, key=lambda q: (q.observed_at, q.mmsi)), "test")


@pytest.fixture(scope="module")
def url(stack: RunningStack) -> str:
    return fresh_database(stack, "seasight_long_silences").database_url


@pytest.fixture
def conn(url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(url) as c:
        yield c
        c.rollback()


def went_dark(conn: psycopg.Connection[Any], mmsi: int) -> list[tuple[Any, ...]]:
    return conn.execute(
        """SELECT window_start, window_end, severity, status, rule_version, evidence FROM flag
           WHERE rule_id = 'went_dark' AND mmsi = %s ORDER BY window_start""",
        (mmsi,),
    ).fetchall()


def test_periodic_detect_flags_a_27_h_and_a_28_h_dark_period_in_one_24_h_round(conn: psycopg.Connection[Any]) -> None:
    write_positions(conn, scenario())
    run_detection(conn, end=END, distance_to_shore=lambda lat, lon: OFFSHORE)  # lookback: the default 24 h

    (dark,) = went_dark(conn, DARK)
    start, stop, severity, status, rule_version, evidence = dark
    assert (start, stop) == (T0 + timedelta(hours=3), T0 + timedelta(hours=30))
    assert severity == "high" and status == "open" and rule_version == 3
    assert evidence["gap_hours"] == 27.0 and evidence["feed_live_hours"] == 27.0
    assert evidence["ongoing"] is False and evidence["prior_track_held"] is False
    assert evidence["other_vessels_heard"] == NEIGHBOURS

    (still,) = went_dark(conn, STILL)  # silent throughout the window: a window of its last report alone
    assert still[0] == T0 + timedelta(hours=4) and still[1] == END
    assert still[5]["ongoing"] is True and still[5]["gap_hours"] == 28.0 and still[2] == "high"
    assert not [m for m in NEIGHBOURS if went_dark(conn, m)]

    again = run_detection(conn, end=END, distance_to_shore=lambda lat, lon: OFFSHORE)
    assert again.raised == again.updated == again.withdrawn == 0  # the same round again changes nothing


@pytest.mark.parametrize("batch_h", [1, 8])
def test_the_streaming_stage_flags_a_27_h_dark_period(conn: psycopg.Connection[Any], batch_h: int) -> None:
    reports = scenario()
    stage = DetectionStage(distance_to_shore=lambda lat, lon: OFFSHORE)
    at = T0
    while at <= END:
        batch = [r for r in reports if at <= r.observed_at < at + timedelta(hours=batch_h)]
        write_positions(conn, batch)  # the tracker writes a batch, then the stage runs in its transaction
        stage.process(conn, positions=batch)
        at += timedelta(hours=batch_h)

    (dark,) = went_dark(conn, DARK)  # the ongoing flag raised during the silence, closed when heard again
    start, stop, severity, status, rule_version, evidence = dark
    assert (start, stop) == (T0 + timedelta(hours=3), T0 + timedelta(hours=30))
    assert severity == "high" and status == "open" and rule_version == 3
    assert evidence["gap_hours"] == 27.0 and evidence["ongoing"] is False
    assert evidence["prior_track_held"] is False
    assert not [m for m in NEIGHBOURS if went_dark(conn, m)]
