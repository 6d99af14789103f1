"""A thresholds file applies to both detection modes against the real PostGIS: the periodic detector
(:func:`tracking.detect.run_detection`) and the streaming stage (:class:`tracking.stream.stage.DetectionStage`,
as ``seasight track --detect`` and ``seasight replay`` run it). A changed encounter distance changes the
flags, each flag records the value and digest that fired it, and re-evaluation under the new thresholds
updates the same flag (its natural key does not involve the thresholds) with the reason in its history.

Runs in a database of its own, so the stage's rebuild reads no other test's positions."""

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
from tracking.rules.geo import destination
from tracking.store import write_positions
from tracking.stream.stage import DetectionStage
from tracking.thresholds import Thresholds, parse_thresholds

pytestmark = pytest.mark.integration

T0 = datetime(2031, 7, 20, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def url(stack: RunningStack) -> str:
    return fresh_database(stack, "seasight_thresholds").database_url


@pytest.fixture
def conn(url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(url) as c:
        yield c
        c.rollback()


def pair(a: int, b: int, apart_m: float, start: datetime) -> list[PositionReport]:
    """Two slow vessels ``apart_m`` apart for 3 h in the open Andaman Sea (> 100 nm from shore and ports)."""
    every = timedelta(minutes=5)
    first = line(a, 10.0, 95.5, course=200, speed_kn=0.8, every=every, count=37, start=start)
    lat, lon = destination(10.0, 95.5, 110, apart_m / 1852)
    second = line(b, lat, lon, course=200, speed_kn=0.8, every=every, count=37, start=start, msg_type=18)
    return sorted(as_reports(first + second, "test"), key=lambda r: r.observed_at)


def encounters(conn: psycopg.Connection[Any], mmsis: list[int]) -> list[tuple[Any, ...]]:
    return conn.execute(
        """SELECT id, mmsi, status, version, rule_version, parameters FROM flag
           WHERE rule_id = 'encounter' AND mmsi = ANY(%s) ORDER BY mmsi""",
        (mmsis,),
    ).fetchall()


def distance(limit_m: float) -> Thresholds:
    return parse_thresholds(f"[encounter]\nmax_distance_m = {limit_m:g}\n", f"encounter-{limit_m:g}.toml")


def test_the_detector_uses_the_file_and_each_flag_records_the_thresholds_that_fired_it(
    conn: psycopg.Connection[Any],
) -> None:
    a, b = 563700001, 533700002
    write_positions(conn, pair(a, b, 400, T0))
    end = T0 + timedelta(hours=4)

    run_detection(conn, end=end, distance_to_shore=lambda lat, lon: 120.0)  # built-in: 500 m
    first = encounters(conn, [a, b])
    assert [r[1] for r in first] == sorted([a, b])
    assert all(r[5]["max_distance_m"]["value"] == 500.0 and r[5]["thresholds"]["tuned"] == [] for r in first)

    narrower = distance(450)  # still an encounter at 400 m: the same flags, updated, saying 450 m
    run_detection(conn, end=end, rules=narrower.rules, distance_to_shore=lambda lat, lon: 120.0)
    second = encounters(conn, [a, b])
    assert [r[0] for r in second] == [r[0] for r in first]  # natural key unchanged: no second flag
    for row in second:
        _id, _mmsi, status, version, rule_version, parameters = row
        assert status == "open" and version == 2 and rule_version == first[0][4]  # logic unchanged
        assert parameters["max_distance_m"]["value"] == 450.0
        assert parameters["thresholds"] == {"digest": narrower.rules.encounter.digest(), "tuned": ["max_distance_m"]}
    reasons = conn.execute(
        "SELECT reason, parameters FROM flag_version WHERE flag_id = %s AND version = 2", (first[0][0],)
    ).fetchone()
    assert reasons is not None and reasons[0].startswith("thresholds changed (")
    assert "max_distance_m = 450" in reasons[0] and reasons[1]["max_distance_m"]["value"] == 450.0

    again = run_detection(conn, end=end, rules=narrower.rules, distance_to_shore=lambda lat, lon: 120.0)
    assert again.raised == again.updated == 0  # the same file again changes nothing

    run_detection(conn, end=end, rules=distance(300).rules, distance_to_shore=lambda lat, lon: 120.0)
    assert [r[2] for r in encounters(conn, [a, b])] == ["withdrawn", "withdrawn"]  # 400 m is now too far


def test_the_streaming_stage_uses_the_file(conn: psycopg.Connection[Any]) -> None:
    a, b = 563700011, 533700012
    positions = pair(a, b, 800, T0 + timedelta(days=2))  # 800 m: no encounter by the 500 m default
    write_positions(conn, positions)

    built_in = DetectionStage(distance_to_shore=lambda lat, lon: 120.0)
    built_in.process(conn, positions=positions)
    assert encounters(conn, [a, b]) == []

    wider = distance(1000)
    stage = DetectionStage(rules=wider.rules, distance_to_shore=lambda lat, lon: 120.0)
    stage.process(conn, positions=positions)
    rows = encounters(conn, [a, b])
    assert [r[1] for r in rows] == sorted([a, b])
    for row in rows:
        assert row[5]["max_distance_m"]["value"] == 1000.0
        assert row[5]["thresholds"] == {"digest": wider.rules.encounter.digest(), "tuned": ["max_distance_m"]}
