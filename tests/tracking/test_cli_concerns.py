"""`seasight concerns` and `seasight vessel` through the real CLI against the test stack's PostGIS.

The data is committed (the CLI runs in a subprocess) on a date no other test uses, under MMSIs and sighting
ids of its own, and deleted again at the end."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from tests.conftest import RunningStack, run_cli
from tests.tracking.test_detect_db import _sighting, reports
from tests.tracking.tracks import line
from tracking.detect import run_detection
from tracking.rules.geo import destination
from tracking.rules.risk import RiskParameters
from tracking.store import write_positions

pytestmark = pytest.mark.integration

T0 = datetime(2032, 7, 9, 0, 0, tzinfo=UTC)
LISTED, PASSER, SHIP = 506200001, 563200002, 563200003
MMSIS = [LISTED, PASSER, SHIP]
DRILL = "00000000-0000-4000-8000-000000002041"  # exercise sighting: people at risk, no AIS
MATCHED = "00000000-0000-4000-8000-000000002042"  # a sighting of SHIP
SIGHTINGS = [DRILL, MATCHED]
END = T0 + timedelta(hours=20)


def _clean(conn: psycopg.Connection[Any]) -> None:
    conn.execute("DELETE FROM flag WHERE mmsi = ANY(%s) OR sighting_id = ANY(%s::uuid[])", (MMSIS, SIGHTINGS))
    conn.execute("DELETE FROM sighting WHERE id = ANY(%s::uuid[])", (SIGHTINGS,))
    conn.execute("DELETE FROM position WHERE mmsi = ANY(%s)", (MMSIS,))
    conn.execute("DELETE FROM vessel_state WHERE mmsi = ANY(%s)", (MMSIS,))
    conn.execute("DELETE FROM vessel_identity_change WHERE mmsi = ANY(%s)", (MMSIS,))
    conn.execute("DELETE FROM vessel WHERE mmsi = ANY(%s)", (MMSIS,))
    conn.execute("DELETE FROM watchlist_entry WHERE id = 'T-2032-CLI'")
    conn.execute("DELETE FROM zone WHERE name = 'test CLI box 2032'")
    conn.commit()


@pytest.fixture(scope="module")
def picture(stack: RunningStack) -> Iterator[RunningStack]:
    every = timedelta(minutes=20)
    listed = line(LISTED, 11.0, 94.2, course=90, speed_kn=8, every=every, count=16, start=T0)  # 5 h, then dark
    # A slow neighbour keeps the feed hearing the listed vessel's area while it is dark (event-time went-dark
    # needs that coverage: within 20 nm of the last report once the silence has lasted 6 h).
    passer = line(PASSER, 11.2, 94.2, course=90, speed_kn=2.5, every=every, count=61, start=T0)
    ship = line(SHIP, 8.0, 93.0, course=90, speed_kn=10, every=timedelta(minutes=3), count=401, start=T0)  # to END
    with psycopg.connect(stack.database_url) as conn:
        _clean(conn)
        # The authored reference zones (loaded into the shared database by other tests) cover these waters:
        # set them aside so the test's own zone is the only one, and restore them afterwards.
        set_aside = [r[0] for r in conn.execute("UPDATE zone SET active = false WHERE active RETURNING id")]
        write_positions(conn, reports(listed + passer + ship))
        conn.execute("""INSERT INTO zone (name, kind, reason, geom) VALUES ('test CLI box 2032', 'watch',
                        'CLI test', ST_Multi(ST_MakeEnvelope(94.5, 10.5, 96.0, 11.5, 4326)))""")
        conn.execute(
            """INSERT INTO vessel (mmsi, name, callsign) VALUES (%s, 'KM CAHAYA 2032', 'YBCL')
               ON CONFLICT (mmsi) DO UPDATE SET name = excluded.name, callsign = excluded.callsign""",
            (LISTED,),
        )
        conn.execute(
            """INSERT INTO vessel_identity_change (mmsi, observed_at, field, old_value, new_value)
               VALUES (%s, %s, 'name', 'SEA STAR', 'KM CAHAYA 2032')""",
            (LISTED, T0 + timedelta(hours=1)),
        )
        conn.execute("""INSERT INTO watchlist_entry (id, reason, name, owner, acted_by)
                        VALUES ('T-2032-CLI', 'facilitator vessel (test)', 'Cahaya 2032', 'IDN', 'test')""")
        at = T0 + timedelta(minutes=30)
        _sighting(
            conn,
            DRILL,
            at,
            7.2,
            92.5,
            persons=70,
            conditions=("overcrowded", "persons_in_water"),
            ais_seen="no",
            exercise=True,
        )
        on_track = destination(8.0, 93.0, 90, 5.0)
        _sighting(conn, MATCHED, at, on_track[0], on_track[1])
        run_detection(conn, end=END, lookback=timedelta(hours=24))
        conn.commit()
    try:
        yield stack
    finally:
        with psycopg.connect(stack.database_url) as conn:
            _clean(conn)
            conn.execute("UPDATE zone SET active = true WHERE id = ANY(%s)", (set_aside,))
            conn.commit()


def _concerns(stack: RunningStack, *args: str) -> list[dict[str, Any]]:
    done = run_cli("concerns", "--json", *args, env=stack.env())
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    out = json.loads(done.stdout)
    assert isinstance(out, list)
    return out


def test_concerns_json_keeps_the_contract(picture: RunningStack) -> None:
    items = _concerns(picture)
    for item in items:
        assert item["kind"] in ("vessel", "contact")
        assert (item["mmsi"] is None) == (item["kind"] == "contact")
        assert 0.0 <= item["score"] <= 1.0 and item["flags"]
        for f in item["flags"]:
            assert {"rule", "severity", "first_seen", "last_seen", "evidence", "exercise"} <= set(f)
            assert datetime.fromisoformat(f["first_seen"]) <= datetime.fromisoformat(f["last_seen"])

    vessel = next(i for i in items if i["mmsi"] == LISTED)
    assert vessel["kind"] == "vessel" and vessel["name"] == "KM CAHAYA 2032" and vessel["exercise"] is False
    rules = {f["rule"]: f for f in vessel["flags"]}
    assert {"watchlist", "went_dark", "reachability", "identity_change"} <= set(rules)
    reach = rules["reachability"]["evidence"]
    assert reach["zones_in_reach"][0]["name"] == "test CLI box 2032"
    assert reach["last_fix"]["mmsi"] == LISTED and reach["top_speed_kn"] == 8.0
    # The score is risk.assess_all's noisy-OR of the strongest flag per rule, and it explains itself.
    weights = RiskParameters()
    best: dict[str, float] = {}
    for f in vessel["flags"]:
        best[f["rule"]] = max(best.get(f["rule"], 0.0), f["score"])
    expected = 1 - math.prod(1 - round(weights.weight(r) * s, 4) for r, s in best.items())
    assert vessel["score"] == pytest.approx(expected, abs=1e-3)
    assert vessel["explanation"].startswith(f"risk {vessel['score']:.2f}") and "watchlist" in vessel["explanation"]

    contact = next(i for i in items if i["kind"] == "contact" and i["sighting_id"] == DRILL)
    assert contact["mmsi"] is None and contact["exercise"] is True and contact["severity"] == "distress"
    by_rule = {f["rule"]: f for f in contact["flags"]}
    assert by_rule["people_at_risk"]["evidence"]["suggested_phase"] == "distress"
    assert by_rule["people_at_risk"]["exercise"] is True
    assert by_rule["unidentified_craft"]["evidence"]["matched"] is False
    # Distress comes first in the list.
    assert items.index(contact) < items.index(vessel)


def test_info_only_subjects_and_exercise_are_filtered_on_request(picture: RunningStack) -> None:
    default = _concerns(picture)
    ship_default = [[(f["rule"], f["severity"]) for f in i["flags"]] for i in default if i["mmsi"] == SHIP]
    assert not ship_default, ship_default
    everything = _concerns(picture, "--all")
    ship = next(i for i in everything if i["mmsi"] == SHIP)
    matched = next(f for f in ship["flags"] if f["rule"] == "sighting_matched")
    assert matched["evidence"]["mmsi"] == SHIP and matched["sighting_id"] == MATCHED and ship["score"] == 0.0
    real = _concerns(picture, "--no-exercise")
    assert not [i for i in real if i.get("sighting_id") == DRILL]
    assert [i for i in real if i["mmsi"] == LISTED]


def test_concerns_text_output(picture: RunningStack) -> None:
    done = run_cli("concerns", env=picture.env())
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    text = done.stdout.decode()
    assert f"vessel {LISTED} KM CAHAYA 2032" in text and f"contact {DRILL} [EXERCISE]" in text
    assert "people_at_risk v2 (distress" in text and "subject(s) of concern" in text  # the rule version shown


def test_vessel_json_shows_identity_track_and_flag_history(picture: RunningStack) -> None:
    done = run_cli("vessel", str(LISTED), "--json", env=picture.env())
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    report = json.loads(done.stdout)
    assert report["mmsi"] == LISTED
    assert report["identity"]["name"] == "KM CAHAYA 2032" and report["identity"]["callsign"] == "YBCL"
    assert report["identity_changes"] == [
        {
            "observed_at": (T0 + timedelta(hours=1)).isoformat(),
            "field": "name",
            "old": "SEA STAR",
            "new": "KM CAHAYA 2032",
            "station": None,
        }
    ]
    track = report["track"]
    assert track["fixes"] == 16
    assert datetime.fromisoformat(track["first_fix"]) == T0
    assert datetime.fromisoformat(track["last_fix"]) == T0 + timedelta(hours=5)
    assert track["distance_sailed_nm"] == pytest.approx(8 * 5, rel=0.01)  # 8 kn for 5 h
    last = destination(11.0, 94.2, 90, 40.0)
    assert track["last_position"]["lat"] == pytest.approx(last[0], abs=1e-4)
    assert track["last_position"]["lon"] == pytest.approx(last[1], abs=1e-4)
    rules = {f["rule"] for f in report["flags"]}
    assert {"watchlist", "went_dark", "reachability", "identity_change"} <= rules
    for f in report["flags"]:
        assert f["versions"] and f["versions"][0]["action"] == "raised" and f["versions"][0]["version"] == 1
    assert report["score"] > 0.9 and report["severity"] == "high"


def test_vessel_text_and_unknown_mmsi(picture: RunningStack) -> None:
    done = run_cli("vessel", str(LISTED), env=picture.env())
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    text = done.stdout.decode()
    assert "KM CAHAYA 2032" in text and "'SEA STAR' -> 'KM CAHAYA 2032'" in text
    assert "track: 16 fixes" in text and "v1 " in text and "raised" in text
    unknown = run_cli("vessel", "999999998", env=picture.env())
    assert unknown.returncode == 1 and b"nothing is stored about MMSI 999999998" in unknown.stderr
    bad = run_cli("vessel", "1234567890", env=picture.env())
    assert bad.returncode == 1 and b"at most 9 digits" in bad.stderr
