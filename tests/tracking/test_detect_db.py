"""Detection against the real PostGIS: load windows, run the rules, store versioned flags idempotently.

Everything happens in the ``db`` fixture's transaction (rolled back at the end), on a date no other test
uses, so the shared test database is left as it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from seasight.schemas import PositionReport
from tests.tracking.tracks import as_reports, line
from tracking.detect import RuleSet, run_detection
from tracking.rules.geo import destination
from tracking.rules.model import TrackPoint
from tracking.store import write_positions

pytestmark = pytest.mark.integration

T0 = datetime(2031, 3, 15, 0, 0, tzinfo=UTC)
DARK, MOTHER, SKIFF, SART, LISTED = 525100001, 572100002, 533100003, 970100004, 506100005
OTHERS = [563100010 + k for k in range(4)]
MOB_ONLY_TEXT = 972100006  # heard only through its message 14, never a position
NEIGHBOUR = 563100020  # keeps the feed hearing LISTED's area (and the feed's watermark) up to the end


def reports(points: list[TrackPoint]) -> list[PositionReport]:
    return as_reports(points, "test")


def scenario() -> tuple[list[TrackPoint], list[TrackPoint]]:
    """(stored now, late fixes of DARK that fill its gap). Open Andaman Sea, > 100 nm from shore."""
    every = timedelta(minutes=10)
    dark_before = line(DARK, 10.0, 95.5, course=90, speed_kn=9, every=every, count=13, start=T0)
    resume = T0 + timedelta(hours=16)
    dark_after = line(DARK, 10.0, 96.3, course=90, speed_kn=9, every=every, count=13, start=resume)
    late = line(
        DARK,
        dark_before[-1].lat,
        dark_before[-1].lon,
        course=90,
        speed_kn=2,
        every=timedelta(minutes=30),
        count=28,
        start=dark_before[-1].observed_at + timedelta(minutes=30),
    )
    others = [
        p
        for k, mmsi in enumerate(OTHERS)
        for p in line(
            mmsi,
            10.1 + 0.05 * k,
            95.7,
            course=180,
            speed_kn=5,
            every=timedelta(hours=1),
            count=20,
            start=T0 + timedelta(minutes=5),
        )
    ]
    mother = line(MOTHER, 9.0, 95.0, course=200, speed_kn=0.7, every=timedelta(minutes=5), count=40, start=T0)
    lat, lon = destination(9.0, 95.0, 100, 0.15)
    skiff = line(SKIFF, lat, lon, course=200, speed_kn=0.7, every=timedelta(minutes=5), count=40, start=T0, msg_type=18)
    sart = line(
        SART,
        9.6,
        96.5,
        course=45,
        speed_kn=0.5,
        every=timedelta(minutes=1),
        count=10,
        start=T0 + timedelta(hours=3),
        nav_status=14,
    )
    listed = line(
        LISTED,
        11.0,
        94.2,
        course=90,
        speed_kn=8,
        every=timedelta(minutes=30),
        count=12,
        start=T0 + timedelta(hours=1),
    )
    # Event-time went-dark: LISTED is silent only up to the feed's watermark, and only where the feed still
    # hears others; this slow passer-by gives both (10 nm from LISTED's last report, reporting to the end).
    neighbour = line(NEIGHBOUR, 11.15, 95.2, course=270, speed_kn=3, every=timedelta(hours=1), count=25, start=T0)
    return dark_before + dark_after + others + mother + skiff + sart + listed + neighbour, late


def snapshot(conn: psycopg.Connection[Any]) -> tuple[list[Any], list[Any]]:
    mine = [DARK, MOTHER, SKIFF, SART, LISTED, MOB_ONLY_TEXT, NEIGHBOUR, *OTHERS]
    flags = conn.execute(
        """SELECT id, rule_id, mmsi, window_start, window_end, severity, score, status, version, summary,
                  evidence, parameters, updated_at FROM flag WHERE mmsi = ANY(%s) ORDER BY id""",
        (mine,),
    ).fetchall()
    versions = conn.execute(
        """SELECT flag_id, version, action, severity, score, evidence FROM flag_version
           WHERE flag_id IN (SELECT id FROM flag WHERE mmsi = ANY(%s)) ORDER BY flag_id, version""",
        (mine,),
    ).fetchall()
    return flags, versions


def test_detect_store_replay_and_withdraw(db: psycopg.Connection[Any]) -> None:
    stored, late = scenario()
    write_positions(db, reports(stored))
    db.execute("""INSERT INTO zone (name, kind, reason, geom) VALUES ('test Andaman box 2031', 'watch',
                  'integration test', ST_Multi(ST_MakeEnvelope(94.5, 10.5, 96.0, 11.5, 4326)))""")
    db.execute(
        """INSERT INTO vessel (mmsi, name) VALUES (%s, 'KM BINTANG LAUT')
                  ON CONFLICT (mmsi) DO UPDATE SET name = excluded.name""",
        (LISTED,),
    )
    db.execute("""INSERT INTO watchlist_entry (id, reason, name, owner, acted_by)
                  VALUES ('T-2031', 'facilitator vessel (test)', 'Bintang Laut', 'THA', 'test')""")
    db.execute(
        """INSERT INTO safety_broadcast (mmsi, observed_at, text, device, geom, received_at)
           VALUES (%s, %s, 'MOB ACTIVE', 'man_overboard', ST_SetSRID(ST_MakePoint(96.1, 9.8), 4326), %s)""",
        (MOB_ONLY_TEXT, T0 + timedelta(hours=5), T0 + timedelta(hours=5)),
    )
    db.execute(
        """INSERT INTO vessel_identity_change (mmsi, observed_at, field, old_value, new_value)
           VALUES (%s, %s, 'name', 'SEA PRINCESS', 'KM BINTANG LAUT')""",
        (LISTED, T0 + timedelta(hours=2)),
    )
    end = T0 + timedelta(hours=24)

    result = run_detection(db, end=end, rules=RuleSet())
    flags, versions = snapshot(db)
    fired = {(r[1], r[2]) for r in flags}
    assert ("went_dark", DARK) in fired
    assert ("encounter", MOTHER) in fired and ("encounter", SKIFF) in fired
    assert ("distress", SART) in fired
    assert ("watchlist", LISTED) in fired and ("entered_watch_zone", LISTED) in fired
    assert ("identity_change", LISTED) in fired
    assert ("distress", MOB_ONLY_TEXT) in fired
    # Rule 8: the watchlisted vessel is still silent at the end; at 8 kn it could be anywhere in the box.
    assert ("reachability", LISTED) in fired
    reach = next(r for r in flags if r[1] == "reachability" and r[2] == LISTED)
    assert reach[5] == "high" and reach[10]["top_speed_kn"] == 8.0
    # the test's own zone is in reach (the authored Andaman Sea corridor may be too, when another test
    # loaded the reference layers into the shared database first)
    assert "test Andaman box 2031" in {z["name"] for z in reach[10]["zones_in_reach"]}
    assert reach[10]["hours_silent"] == 17.0  # 17.5 h silent, counted in whole hours (step_h)
    assert ("reachability", SART) not in fired  # a distress beacon drifts: a SAR drift matter, not rule 8
    assert not [f for f in fired if f[1] in (*OTHERS, NEIGHBOUR)], "ordinary traffic must not flag"
    dark = next(r for r in flags if r[1] == "went_dark" and r[2] == DARK)
    # A long dark period offshore in coverage is high; with 12 positions in the 12 h before the gap it is
    # not GFW's "suspected disabling" (which needs at least 14).
    assert dark[5] == "high" and dark[10]["long_dark_offshore_in_coverage"] is True, (dark[9], dark[10])
    assert dark[10]["suspected_disabling"] is False
    assert dark[10]["suspected_disabling_check"]["positions_before"] == 12
    assert dark[10]["other_vessels_heard"] == OTHERS
    assert dark[11]["long_gap_h"]["value"] == 12.0
    assert all(v[2] == "raised" and v[1] == 1 for v in versions)
    assert result.raised == len(flags) and result.updated == result.withdrawn == 0

    # Evaluating the same data again changes nothing at all.
    again = run_detection(db, end=end, rules=RuleSet())
    assert again.raised == again.updated == again.withdrawn == 0
    assert snapshot(db) == (flags, versions)

    # Late fixes fill the gap: the went-dark flag is withdrawn (versioned), distress stays open.
    write_positions(db, reports(late))
    late_result = run_detection(db, end=end, rules=RuleSet())
    assert late_result.withdrawn >= 1
    # The flag raised for the gap is withdrawn (by its id: the shared database may hold reference zones that
    # make other flags of the same vessel, which are not what this test is about).
    status = dict(db.execute("SELECT id, status FROM flag WHERE mmsi = ANY(%s)", ([DARK, SART],)).fetchall())
    sart_flag = next(r for r in flags if r[1] == "distress" and r[2] == SART)
    assert status[dark[0]] == "withdrawn", db.execute(
        "SELECT id, rule_id, window_start, status, summary FROM flag WHERE mmsi = %s", (DARK,)
    ).fetchall()
    assert status[sart_flag[0]] == "open"
    history = db.execute(
        "SELECT version, action, reason FROM flag_version WHERE flag_id = %s ORDER BY version", (dark[0],)
    ).fetchall()
    assert [h[1] for h in history] == ["raised", "withdrawn"]
    assert "no longer holds" in history[1][2]


def test_sliding_window_continues_long_events_instead_of_repeating_them(db: psycopg.Connection[Any]) -> None:
    start = T0 + timedelta(days=3)
    every = timedelta(minutes=5)
    mother = line(MOTHER, 9.0, 95.0, course=200, speed_kn=0.6, every=every, count=12 * 8, start=start)
    lat, lon = destination(9.0, 95.0, 100, 0.15)
    skiff = line(SKIFF, lat, lon, course=200, speed_kn=0.6, every=every, count=12 * 8, start=start, msg_type=18)
    write_positions(db, reports(mother + skiff))
    for hours in (5, 6, 7, 8):
        run_detection(db, end=start + timedelta(hours=hours), lookback=timedelta(hours=4))
    rows = db.execute(
        """SELECT mmsi, window_start, window_end, version FROM flag
           WHERE rule_id = 'encounter' AND mmsi = ANY(%s) AND window_start >= %s ORDER BY mmsi""",
        ([MOTHER, SKIFF], start),
    ).fetchall()
    assert len(rows) == 2, rows  # one encounter per vessel, extended, not one per evaluation
    for _, window_start, window_end, version in rows:
        assert window_start == start + timedelta(hours=1)
        # the last 10-minute grid instant of the resampled tracks (their last fixes are at 7:55)
        assert window_end >= start + timedelta(hours=7, minutes=50)
        assert version >= 2


def test_detect_once_over_an_empty_range_changes_nothing(stack: Any) -> None:
    from tracking.detect import detect_once

    result = detect_once(stack.settings(), end=datetime(2040, 1, 1, tzinfo=UTC), lookback=timedelta(hours=1))
    assert (result.raised, result.updated, result.withdrawn, result.changes) == (0, 0, 0, ())


def test_a_person_acknowledging_a_flag_is_a_version_with_owner(db: psycopg.Connection[Any]) -> None:
    flag_id = db.execute(
        """INSERT INTO flag (rule_id, rule_version, subject_kind, mmsi, severity, score, window_start,
                             window_end, summary)
           VALUES ('went_dark', 1, 'vessel', 525199999, 'medium', 0.6, %s, %s, 'test') RETURNING id""",
        (T0, T0 + timedelta(hours=7)),
    ).fetchone()[0]  # type: ignore[index]
    db.execute(
        """INSERT INTO flag_version (flag_id, version, action, reason, rule_version, severity, score,
                                     window_start, window_end, summary, evaluated_to, acted_by, owner)
           VALUES (%s, 2, 'acknowledged', 'patrol aircraft tasked', 1, 'medium', 0.6, %s, %s, 'test', %s,
                   'officer.a', 'THA')""",
        (flag_id, T0, T0 + timedelta(hours=7), T0 + timedelta(hours=8)),
    )
    with pytest.raises(psycopg.errors.CheckViolation):
        db.execute(
            """INSERT INTO flag_version (flag_id, version, action, reason, rule_version, severity, score,
                                         window_start, window_end, summary, evaluated_to)
               VALUES (%s, 3, 'deleted', 'x', 1, 'medium', 0.6, %s, %s, 'test', %s)""",
            (flag_id, T0, T0, T0),
        )


def _sighting(
    conn: psycopg.Connection[Any],
    sid: str,
    at: datetime,
    lat: float,
    lon: float,
    *,
    persons: int | None = None,
    conditions: tuple[str, ...] = (),
    ais_seen: str = "unknown",
    exercise: bool = False,
) -> None:
    conn.execute(
        """INSERT INTO sighting (id, observed_at, geom, uncertainty_nm, source_type, craft_type, persons_estimated,
                                 conditions, ais_seen, is_exercise, owner, acted_by)
           VALUES (%s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), 0.5, 'aircraft', 'wooden_fishing_boat', %s,
                   %s, %s, %s, 'THA', 'test')""",
        (sid, at, lon, lat, persons, list(conditions), ais_seen, exercise),
    )


def test_contacts_of_concern_people_at_risk_and_matched_sightings(db: psycopg.Connection[Any]) -> None:
    """Rules 9 and 10 through PostGIS: contact flags stored once, exercise marked, withdrawn when a track
    turns up that explains the sighting."""
    start = T0 + timedelta(days=6)
    ship = line(OTHERS[0], 8.0, 93.0, course=90, speed_kn=10, every=timedelta(minutes=3), count=40, start=start)
    write_positions(db, reports(ship))
    crowded, matched, drill, lonely = (
        "00000000-0000-4000-8000-000000002031",
        "00000000-0000-4000-8000-000000002032",
        "00000000-0000-4000-8000-000000002033",
        "00000000-0000-4000-8000-000000002034",
    )
    at = start + timedelta(minutes=30)
    on_track = destination(8.0, 93.0, 90, 5.0)
    _sighting(db, crowded, at, 7.0, 93.5, persons=90, conditions=("overcrowded", "persons_in_water"), ais_seen="no")
    _sighting(db, matched, at, on_track[0] + 0.005, on_track[1])
    _sighting(db, drill, at, 7.2, 92.5, persons=40, conditions=("adrift",), ais_seen="no", exercise=True)
    _sighting(db, lonely, at, 7.5, 94.0)
    end = start + timedelta(hours=3)

    first = run_detection(db, end=end, lookback=timedelta(hours=3))

    def rows() -> dict[tuple[str, str], tuple[Any, ...]]:
        got = db.execute(
            """SELECT rule_id, sighting_id::text, subject_kind, mmsi, severity, status, is_exercise, evidence,
                      version
               FROM flag WHERE sighting_id = ANY(%s::uuid[])""",
            ([crowded, matched, drill, lonely],),
        ).fetchall()
        return {(r[0], r[1]): r[2:] for r in got}

    stored = rows()
    assert stored[("unidentified_craft", crowded)][:4] == ("contact", None, "medium", "open")
    assert stored[("people_at_risk", crowded)][2] == "distress"
    assert stored[("people_at_risk", crowded)][5]["suggested_phase"] == "distress"
    assert stored[("sighting_matched", matched)][:3] == ("vessel", OTHERS[0], "info")
    assert stored[("sighting_matched", matched)][5]["mmsi"] == OTHERS[0]
    assert ("unidentified_craft", matched) not in stored  # matched: no contact of concern
    assert stored[("people_at_risk", drill)][2] == "high" and stored[("people_at_risk", drill)][4] is True
    assert stored[("unidentified_craft", lonely)][2] == "low"
    assert ("people_at_risk", lonely) not in stored and ("people_at_risk", matched) not in stored
    assert first.raised >= 6

    again = run_detection(db, end=end, lookback=timedelta(hours=3))
    assert (again.raised, again.updated, again.withdrawn) == (0, 0, 0)
    assert rows() == stored

    # A vessel's late track shows it was the lonely craft: the contact is withdrawn, the sighting matched.
    back = destination(7.5, 94.0, 270, 3.0)  # 30 min before the sighting at 6 kn
    late = line(OTHERS[1], *back, course=90, speed_kn=6, every=timedelta(minutes=3), count=20, start=start)
    write_positions(db, reports(late))
    run_detection(db, end=end, lookback=timedelta(hours=3))
    after = rows()
    assert after[("unidentified_craft", lonely)][3] == "withdrawn"
    assert after[("sighting_matched", lonely)][:2] == ("vessel", OTHERS[1])
    assert after[("people_at_risk", crowded)][3] == "open"
