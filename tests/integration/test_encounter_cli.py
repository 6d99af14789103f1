"""Done means (issue 16), tried as a new user would through the CLI: ``seasight detect --once --thresholds
FILE`` over stored positions, and ``seasight concerns --json`` to see the flags.

* a satellite-sampled rendezvous (each vessel heard every 40 min, never at the same instants, 29 m apart for
  12.5 h — as in Global Fishing Watch's recorded encounter of 07:40–20:10 UTC) and a pair near Fiji
  straddling 180° (214 m apart) both show as encounters with the encounter distance at 500 m;
* the analyst changes the encounter distance to 150 m in the thresholds file and runs ``detect`` again:
  the Fiji pair's flags are withdrawn, the rendezvous's flags say the 150 m and the new thresholds digest
  that fired them, and the rule version they show changes (``2`` → ``2+<digest>``).

The positions are written as the tracker writes them (``tracking.store.write_positions``) into a database of
the test's own."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from seasight.schemas import PositionReport
from tests.conftest import RunningStack, fresh_database, run_cli
from tests.tracking.tracks import as_reports, line
from tracking.rules.geo import destination, distance_m, interpolate
from tracking.rules.model import TrackPoint
from tracking.store import write_positions

pytestmark = pytest.mark.integration

DAY = datetime(2026, 3, 14, tzinfo=UTC)  # before TEST_NOW: a report stamped after its reading is quarantined
END = DAY + timedelta(hours=22)
REEFER, LONGLINER = 563016301, 416016302  # the sparse rendezvous, open Andaman Sea
FIJI_E, FIJI_W = 520016303, 529016304  # the pair either side of 180, north of Vanua Levu


def sparse_rendezvous() -> list[TrackPoint]:
    """Two vessels drifting together at 0.4 kn, 29 m apart, 07:40–20:10, each heard every 40 min (the second
    20 min after the first): no two fixes at the same instant, none closer than 20 min in time."""
    start = DAY + timedelta(hours=7, minutes=40)
    every = timedelta(minutes=40)
    a = line(REEFER, 9.8, 94.9, course=135, speed_kn=0.4, every=every, count=19, start=start)
    # the second vessel's first fix: 29 m off where the first vessel is 20 min after its first fix
    b_lat, b_lon = destination(*destination(9.8, 94.9, 135, 0.4 * (every / 2) / timedelta(hours=1)), 45, 29 / 1852)
    b = line(
        LONGLINER, b_lat, b_lon, course=135, speed_kn=0.4, every=every, count=19, start=start + every / 2, msg_type=18
    )
    return a + b


def fiji_pair() -> list[TrackPoint]:
    """Two slow vessels at 15.8 S, at 179.999 E and 179.999 W (214 m apart across 180), every 10 min for 3 h."""
    start = DAY + timedelta(hours=9)
    every = timedelta(minutes=10)
    a = line(FIJI_E, -15.8, 179.999, course=180, speed_kn=0.3, every=every, count=19, start=start)
    b = line(FIJI_W, -15.8, -179.999, course=180, speed_kn=0.3, every=every, count=19, start=start)
    return a + b


def reports(points: list[TrackPoint]) -> list[PositionReport]:
    return as_reports(sorted(points, key=lambda q: (q.observed_at, q.mmsi)), "sat")


def detect(env: dict[str, str], thresholds: Path) -> None:
    done = run_cli("detect", "--once", "--end", END.isoformat(), "--thresholds", str(thresholds), env=env, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-2000:]


def encounter_flags(env: dict[str, str]) -> dict[int, dict[str, Any]]:
    """``seasight concerns --json``: each MMSI's open encounter flag."""
    done = run_cli("concerns", "--json", "--all", env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    out: dict[int, dict[str, Any]] = {}
    for subject in json.loads(done.stdout):
        for f in subject["flags"]:
            if f["rule"] == "encounter" and subject.get("mmsi") is not None:
                out[subject["mmsi"]] = f
    return out


def test_a_new_user_sees_sparse_and_antimeridian_encounters_and_tunes_the_distance(
    stack: RunningStack, tmp_path: Path
) -> None:
    points = sparse_rendezvous() + fiji_pair()
    # The pairs as built: the rendezvous 29 m apart, the Fiji pair 214 m apart across 180.
    a_at_b = interpolate(points[0].lat, points[0].lon, points[1].lat, points[1].lon, 0.5)  # where a is at b's fix
    assert 28 < distance_m(*a_at_b, points[19].lat, points[19].lon) < 30
    fiji = fiji_pair()
    assert 200 < distance_m(fiji[0].lat, fiji[0].lon, fiji[19].lat, fiji[19].lon) < 230

    own = fresh_database(stack, f"seasight_encounter_cli_{uuid.uuid4().hex[:6]}")
    env = own.env()
    with psycopg.connect(own.database_url) as conn:
        write_positions(conn, reports(points))
        conn.commit()

    thresholds = tmp_path / "thresholds.toml"
    thresholds.write_text("# the analyst's file\n[encounter]\nmax_distance_m = 500\n")
    detect(env, thresholds)
    first = encounter_flags(env)
    assert set(first) == {REEFER, LONGLINER, FIJI_E, FIJI_W}, first
    for mmsi, f in first.items():
        assert f["parameters"]["max_distance_m"]["value"] == 500.0
        assert f["effective_rule_version"] == str(f["rule_version"]) == "2"  # 500 m is the default: untuned
        assert f["thresholds"]["tuned"] == []
        assert f["lat"] is not None and -180.0 <= f["lon"] < 180.0, (mmsi, f["lon"])
    sparse = first[REEFER]["evidence"]
    assert sparse["median_distance_m"] == pytest.approx(29.0, abs=3.0) and sparse["hours"] >= 11.5
    assert first[FIJI_E]["evidence"]["median_distance_m"] == pytest.approx(214.0, abs=10.0)
    assert abs(first[FIJI_E]["lon"]) > 179.99  # placed at 180, not at longitude 0
    print(
        f"500 m: rendezvous median {sparse['median_distance_m']} m over {sparse['hours']} h; "
        f"Fiji pair median {first[FIJI_E]['evidence']['median_distance_m']} m"
    )

    thresholds.write_text("# the analyst's file\n[encounter]\nmax_distance_m = 150\n")
    detect(env, thresholds)
    second = encounter_flags(env)
    assert set(second) == {REEFER, LONGLINER}, second  # 214 m is beyond 150 m: the Fiji pair's flags went
    for mmsi in (REEFER, LONGLINER):
        f = second[mmsi]
        assert f["flag_id"] == first[mmsi]["flag_id"] and f["version"] == first[mmsi]["version"] + 1
        assert f["parameters"]["max_distance_m"]["value"] == 150.0
        assert f["thresholds"]["tuned"] == ["max_distance_m"]
        digest = f["thresholds"]["digest"]
        assert digest != first[mmsi]["thresholds"]["digest"]
        assert f["rule_version"] == 2 and f["effective_rule_version"] == f"2+{digest[:8]}"
    with psycopg.connect(own.database_url) as conn:
        rows = conn.execute(
            """SELECT f.mmsi, f.status, v.reason FROM flag f JOIN flag_version v ON v.flag_id = f.id
               AND v.version = f.version WHERE f.rule_id = 'encounter' AND f.mmsi = ANY(%s) ORDER BY f.mmsi""",
            ([FIJI_E, FIJI_W],),
        ).fetchall()
    assert [(r[0], r[1]) for r in rows] == [(FIJI_E, "withdrawn"), (FIJI_W, "withdrawn")], rows

    text = run_cli("concerns", "--all", env=env, timeout=120)
    assert text.returncode == 0 and f"encounter v2+{second[REEFER]['thresholds']['digest'][:8]}" in text.stdout.decode()
