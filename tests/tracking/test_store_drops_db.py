"""No silent drops and time sanity in the tracker's writes, against the real PostGIS (tracking/store.py):
conflicting reports kept as evidence, duplicates and replays harmless and counted, future-stamped reports
quarantined and never in the latest state, a frozen state released, sighting ids reused as versions.

Everything runs in the ``db`` fixture's transaction (rolled back at the end), on dates no other test uses."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from seasight.schemas import PositionReport, Sighting
from tracking.report_time import DEFAULT_REPORT_TIME
from tracking.sighting_versions import id_for_other_owner
from tracking.store import detection_view, drop_counts, ewkb_point, ewkb_point_hex, write_positions, write_sightings

pytestmark = pytest.mark.integration

T = datetime(2032, 7, 1, 6, 0, tzinfo=UTC)


def fix(
    mmsi: int, at: datetime, lat: float, lon: float, station: str | None = "chennai-rx", **kw: object
) -> PositionReport:
    base = PositionReport(
        mmsi=mmsi,
        observed_at=at,
        lat=lat,
        lon=lon,
        sog_kn=8.0,
        cog_deg=45.0,
        heading_deg=44,
        nav_status=0,
        msg_type=1,
        station=station,
        received_at=at + timedelta(seconds=1),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) != before.get(k, 0)}


def state(db: psycopg.Connection, mmsi: int) -> tuple[object, ...] | None:
    return db.execute(
        "SELECT observed_at, round(ST_Y(geom)::numeric, 4)::float, round(ST_X(geom)::numeric, 4)::float, station"
        " FROM vessel_state WHERE mmsi = %s",
        (mmsi,),
    ).fetchone()


def test_a_conflicting_report_is_kept_as_evidence_and_a_replay_changes_nothing(db: psycopg.Connection) -> None:
    mmsi = 419_900_001
    stored = fix(mmsi, T, 15.0, 85.0)
    other = fix(mmsi, T, 15.3, 85.0, station="other-rx")  # same vessel and second, 18 nm away
    heard_twice = replace(stored, station="second-rx", received_at=T + timedelta(seconds=3))
    before = drop_counts(db)
    assert write_positions(db, [stored, other, heard_twice]) == 1
    assert delta(before, drop_counts(db)) == {"position_conflict": 1, "position_duplicate": 1}
    rows = db.execute(
        "SELECT ST_Y(geom), station, distance_m FROM position_conflict WHERE mmsi = %s", (mmsi,)
    ).fetchall()
    assert len(rows) == 1 and rows[0][0] == 15.3 and rows[0][1] == "other-rx"
    assert rows[0][2] == pytest.approx(33_200, rel=0.01)  # 0.3° of latitude, metres
    assert db.execute("SELECT ST_Y(geom) FROM position WHERE mmsi = %s", (mmsi,)).fetchall() == [(15.0,)]

    # the same batch again (a replay) and the conflict on its own in a later batch: nothing new
    middle = drop_counts(db)
    assert write_positions(db, [stored, other, heard_twice]) == 0
    assert write_positions(db, [other]) == 0
    assert delta(middle, drop_counts(db)) == {"position_duplicate": 4}
    assert db.execute("SELECT count(*) FROM position_conflict WHERE mmsi = %s", (mmsi,)).fetchone() == (1,)

    # another content of the stored second arriving later is a second piece of evidence
    third = fix(mmsi, T, 15.0, 85.0, sog_kn=0.0)
    assert write_positions(db, [third]) == 0
    assert db.execute(
        "SELECT count(*), min(distance_m) FROM position_conflict WHERE mmsi = %s", (mmsi,)
    ).fetchone() == (2, 0.0)


def test_a_report_23_hours_ahead_from_an_unknown_station_is_quarantined(db: psycopg.Connection) -> None:
    mmsi = 419_900_002
    genuine = [fix(mmsi, T + timedelta(minutes=k), 13.0 + 0.01 * k, 85.5) for k in range(3)]
    write_positions(db, genuine[:1])
    # Christmas Island, stamped 23 h after it was received, from a station never heard before
    spoof = fix(
        mmsi,
        T + timedelta(hours=23),
        -10.45,
        105.69,
        station="unknown-rx-77",
        received_at=T + timedelta(seconds=30),
    )
    before = drop_counts(db)
    assert write_positions(db, [spoof]) == 0
    assert delta(before, drop_counts(db)) == {"future_time": 1}
    assert state(db, mmsi) == (T, 13.0, 85.5, "chennai-rx")
    assert write_positions(db, genuine[1:]) == 2  # genuine reports afterwards move the vessel on
    assert state(db, mmsi) == (T + timedelta(minutes=2), 13.02, 85.5, "chennai-rx")
    assert db.execute("SELECT count(*) FROM position WHERE mmsi = %s AND ST_Y(geom) < 0", (mmsi,)).fetchone() == (0,)
    held = db.execute(
        "SELECT kind, station, reason, ahead_s, allowed_s, record->>'lat' FROM report_quarantine WHERE mmsi = %s",
        (mmsi,),
    ).fetchall()
    # the tolerance, plus what one report may teach a new station: a prior's share of the clamp
    p = DEFAULT_REPORT_TIME
    allowed = pytest.approx(p.tolerance_min * 60 + p.max_offset_min * 60 / (1 + p.prior_reports))
    assert held == [("position", "unknown-rx-77", "future_time", 23 * 3600.0 - 30, allowed, "-10.45")]
    assert write_positions(db, [spoof]) == 0  # replayed: still one quarantined row
    assert db.execute("SELECT count(*) FROM report_quarantine WHERE mmsi = %s", (mmsi,)).fetchone() == (1,)


def test_one_batch_stores_exact_points_vessel_rows_and_a_doubled_future_report_once(db: psycopg.Connection) -> None:
    """The set-based writes of a batch (binary COPY, one statement for vessels and for the quarantine)."""
    at = T + timedelta(days=3)
    india, australia, no_mid = 419_900_101, 503_900_102, 100_900_103
    spoof = fix(india, at + timedelta(hours=20), -10.45, 105.69, station="new-rx-9", received_at=at)
    batch = [
        fix(india, at + timedelta(minutes=10), 12.345678901234, 80.987654321098),
        fix(australia, at + timedelta(minutes=5), -12.5, 130.25, msg_type=18, nav_status=None, heading_deg=None),
        fix(australia, at + timedelta(minutes=2), -12.4, 130.2, msg_type=18, nav_status=None, heading_deg=None),
        fix(no_mid, at, 1.0, -179.999999, sog_kn=None, cog_deg=None, station=None),
        spoof,
        replace(spoof),  # the same report heard twice in the batch
    ]
    before = drop_counts(db)
    assert write_positions(db, batch) == 4
    assert delta(before, drop_counts(db)) == {"future_time": 2}
    vessels = db.execute(
        "SELECT mmsi, ais_class, flag_state, first_seen_at FROM vessel WHERE mmsi = ANY(%s) ORDER BY mmsi",
        ([india, australia, no_mid],),
    ).fetchall()
    assert vessels == [
        (no_mid, "A", None, at),
        (india, "A", "IN", at + timedelta(minutes=10)),
        (australia, "B", "AU", at + timedelta(minutes=2)),
    ]
    points = db.execute(
        "SELECT mmsi, ST_SRID(geom), ST_X(geom), ST_Y(geom), ST_AsEWKB(geom), station FROM position"
        " WHERE mmsi = ANY(%s) ORDER BY mmsi, observed_at",
        ([india, no_mid],),
    ).fetchall()
    assert points == [
        (no_mid, 4326, -179.999999, 1.0, ewkb_point(-179.999999, 1.0), None),
        (india, 4326, 80.987654321098, 12.345678901234, ewkb_point(80.987654321098, 12.345678901234), "chennai-rx"),
    ]
    assert ewkb_point_hex(80.987654321098, 12.345678901234) == ewkb_point(80.987654321098, 12.345678901234).hex()
    assert db.execute("SELECT count(*), min(station) FROM report_quarantine WHERE mmsi = %s", (india,)).fetchone() == (
        1,
        "new-rx-9",
    )
    assert db.execute("SELECT sog_kn, nav_status FROM vessel_state WHERE mmsi = %s", (australia,)).fetchone() == (
        8.0,
        None,
    )
    assert detection_view(db, batch) == batch[:4]

    # a report earlier than any seen moves the vessel's first sighting back; the class stays
    assert write_positions(db, [fix(india, at - timedelta(hours=1), 12.0, 80.0, msg_type=18)]) == 1
    assert db.execute("SELECT ais_class, first_seen_at FROM vessel WHERE mmsi = %s", (india,)).fetchone() == (
        "A",
        at - timedelta(hours=1),
    )


def test_detection_sees_what_was_stored_not_what_was_quarantined(db: psycopg.Connection) -> None:
    mmsi = 419_900_003
    ok = fix(mmsi, T, 13.0, 85.5)
    spoof = fix(mmsi, T + timedelta(hours=23), -10.45, 105.69, station="unknown-rx-78", received_at=T)
    write_positions(db, [ok, spoof])
    assert detection_view(db, [ok, spoof]) == [ok]


def test_a_station_whose_clock_runs_ahead_is_learned_from_its_own_traffic(db: psycopg.Connection) -> None:
    ahead = timedelta(minutes=8)  # beyond the 5 min tolerance
    batch = [
        fix(419_900_100 + k, T + timedelta(hours=1, seconds=k), 12.0, 86.0 + 0.01 * k, station="fast-rx")
        for k in range(20)
    ]
    batch = [replace(r, received_at=r.observed_at - ahead) for r in batch]
    assert write_positions(db, batch) == 20
    offset = db.execute("SELECT offset_s, samples FROM station_clock WHERE station = 'fast-rx'").fetchone()
    assert offset is not None and offset[0] > 300 and offset[1] == 20
    # a lone report of a new station with the same clock error is quarantined: one report proves nothing
    lone = replace(batch[0], mmsi=419_900_199, station="new-rx")
    assert write_positions(db, [lone]) == 0


def test_a_state_stamped_ahead_of_its_receipt_yields_to_the_next_report(db: psycopg.Connection) -> None:
    mmsi = 419_900_004
    # held from before this check existed (or let in by a learned offset): 2 h ahead of its receipt
    db.execute(
        """INSERT INTO vessel_state (mmsi, observed_at, geom, msg_type, station, received_at)
           VALUES (%s, %s, ST_SetSRID(ST_MakePoint(105.69, -10.45), 4326), 1, 'x', %s)""",
        (mmsi, T + timedelta(hours=2), T),
    )
    genuine = fix(mmsi, T + timedelta(minutes=1), 13.0, 85.5)
    write_positions(db, [genuine])
    assert state(db, mmsi) == (genuine.observed_at, 13.0, 85.5, "chennai-rx")
    # a report received before the held state never replaces it that way (a lagging partition)
    db.execute(
        "UPDATE vessel_state SET observed_at = %s, received_at = %s WHERE mmsi = %s",
        (T + timedelta(hours=2), T + timedelta(minutes=30), mmsi),
    )
    write_positions(db, [fix(mmsi, T + timedelta(minutes=2), 13.1, 85.5)])
    assert state(db, mmsi) is not None and state(db, mmsi)[0] == T + timedelta(hours=2)  # type: ignore[index]


SIGHTING_ID = str(uuid.uuid4())
FALSE_ALARM = Sighting(
    id=SIGHTING_ID,
    observed_at=T,
    lat=9.5,
    lon=94.2,
    uncertainty_nm=0.3,
    source_type="aircraft",
    craft_type="wooden_boat",
    persons_estimated=0,
    conditions=(),
    course_deg=None,
    speed_kn=None,
    ais_seen="no",
    confidence="medium",
    note="false alarm, 0 persons",
    is_exercise=False,
    owner="IDN",
    acted_by="patrol-1",
    received_at=T + timedelta(minutes=5),
)
SINKING = replace(
    FALSE_ALARM,
    persons_estimated=120,
    conditions=("persons_in_water",),
    note="boat sinking, 120 persons, persons in water",
    received_at=T + timedelta(minutes=9),
)


def test_a_sighting_id_reused_is_a_new_version_and_a_replay_adds_nothing(db: psycopg.Connection) -> None:
    before = drop_counts(db)
    assert write_sightings(db, [FALSE_ALARM]) == 1
    assert write_sightings(db, [SINKING]) == 1
    assert db.execute(
        "SELECT persons_estimated, conditions, note FROM sighting WHERE id = %s", (SIGHTING_ID,)
    ).fetchone() == (120, ["persons_in_water"], "boat sinking, 120 persons, persons in water")
    assert db.execute(
        "SELECT revision, persons_estimated FROM sighting_revision WHERE sighting_id = %s ORDER BY revision",
        (SIGHTING_ID,),
    ).fetchall() == [(1, 0), (2, 120)]
    assert write_sightings(db, [FALSE_ALARM, SINKING]) == 0  # a replay
    assert delta(before, drop_counts(db)) == {"sighting_revision": 1, "sighting_repeat": 2}
    # detection sees the current version, once
    (view,) = detection_view(db, [FALSE_ALARM, SINKING])
    assert isinstance(view, Sighting) and view.persons_estimated == 120 and view.id == SIGHTING_ID


def test_another_owners_sighting_is_never_overwritten(db: psycopg.Connection) -> None:
    sid = str(uuid.uuid4())
    write_sightings(db, [replace(FALSE_ALARM, id=sid)])
    theirs = replace(SINKING, id=sid, owner="THA", acted_by="tha-someone")
    assert write_sightings(db, [theirs]) == 1
    assert db.execute("SELECT owner, persons_estimated FROM sighting WHERE id = %s", (sid,)).fetchone() == ("IDN", 0)
    other = id_for_other_owner(sid, "THA")
    assert db.execute(
        "SELECT s.owner, s.persons_estimated, r.reported_id::text FROM sighting s JOIN sighting_revision r"
        " ON r.sighting_id = s.id WHERE s.id = %s",
        (other,),
    ).fetchone() == ("THA", 120, sid)
    assert {s.id for s in detection_view(db, [theirs]) if isinstance(s, Sighting)} == {other}


def test_a_sighting_written_straight_into_the_table_gets_its_first_version_on_revision(
    db: psycopg.Connection,
) -> None:
    sid = str(uuid.uuid4())
    db.execute(
        """INSERT INTO sighting (id, observed_at, geom, source_type, owner, acted_by, received_at)
           VALUES (%s, %s, ST_SetSRID(ST_MakePoint(94.2, 9.5), 4326), 'aircraft', 'IDN', 'hand', %s)""",
        (sid, T, T),
    )
    assert write_sightings(db, [replace(SINKING, id=sid)]) == 1
    assert db.execute(
        "SELECT revision, acted_by FROM sighting_revision WHERE sighting_id = %s ORDER BY revision", (sid,)
    ).fetchall() == [(1, "hand"), (2, "patrol-1")]
