"""Static/voyage data, safety broadcasts, sightings and messages heard without a position through the real
broker into PostGIS."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from pyais import encode_dict

from ingest.ais import AisReader, Decoded
from ingest.publish import Publisher
from seasight.kafka import TOPIC_AIS_HEARD
from seasight.schemas import HeardReport, Message, PositionReport, SafetyBroadcast, Sighting, StaticVoyageReport
from tests.conftest import RunningStack
from tracking.consumer import Tracker
from tracking.queries_vessel import vessel_report

pytestmark = pytest.mark.integration

T0 = datetime(2026, 5, 10, 2, 0, tzinfo=UTC)


def _static(mmsi: int, minutes: int, **changes: object) -> StaticVoyageReport:
    base = StaticVoyageReport(
        mmsi=mmsi,
        observed_at=T0 + timedelta(minutes=minutes),
        msg_type=5,
        imo=9_123_456,
        callsign="9MAB2",
        shipname="SETIA KAWAN",
        ship_type=30,
        to_bow_m=18,
        to_stern_m=6,
        to_port_m=3,
        to_starboard_m=3,
        draught_m=2.1,
        destination="PENANG",
        eta="05-12T08:00",
        station="records-test",
        received_at=T0 + timedelta(minutes=minutes, seconds=1),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _publish_and_track(stack: RunningStack, messages: list[Message]) -> Tracker:
    publisher = Publisher.connect(stack.kafka_bootstrap)
    for message in messages:
        publisher.send(message)
    publisher.flush()
    publisher.close()
    tracker = Tracker(
        stack.database_url, stack.kafka_bootstrap, f"records-{uuid.uuid4().hex[:8]}", max_poll_interval_ms=3000
    )
    tracker.run(until_idle=True, idle_timeout_s=30)
    return tracker


def test_static_data_merges_and_keeps_a_history_of_changes(stack: RunningStack) -> None:
    mmsi = 533_200_001
    renamed = _static(mmsi, 60, shipname="LAUT BIRU", callsign=None, destination="BELAWAN")
    late = _static(mmsi, 30, shipname="OLD NAME")  # arrives after the rename was stored, observed before it
    _publish_and_track(stack, [_static(mmsi, 0), renamed])
    _publish_and_track(stack, [late])
    with psycopg.connect(stack.database_url) as conn:
        vessel = conn.execute(
            "SELECT name, callsign, imo, ship_type, length_m, beam_m, destination, draught_m, flag_state, static_at"
            " FROM vessel WHERE mmsi = %s",
            (mmsi,),
        ).fetchone()
        assert vessel == (
            "LAUT BIRU",
            "9MAB2",
            9_123_456,
            30,
            24.0,
            6.0,
            "BELAWAN",
            pytest.approx(2.1),
            "MY",
            T0 + timedelta(minutes=60),
        )
        changes = conn.execute(
            "SELECT field, old_value, new_value FROM vessel_identity_change WHERE mmsi = %s ORDER BY field", (mmsi,)
        ).fetchall()
    # The late report (observed between the two) neither changes the vessel nor enters the history;
    # the call sign the rename did not carry is kept.
    assert changes == [("destination", "PENANG", "BELAWAN"), ("name", "SETIA KAWAN", "LAUT BIRU")]

    # Replaying everything changes nothing.
    _publish_and_track(stack, [_static(mmsi, 0), renamed, late])
    with psycopg.connect(stack.database_url) as conn:
        assert conn.execute("SELECT count(*) FROM vessel_identity_change WHERE mmsi = %s", (mmsi,)).fetchone() == (2,)


def test_safety_broadcast_is_stored_with_the_senders_position(stack: RunningStack) -> None:
    sart = 970_123_456
    fix = PositionReport(
        mmsi=sart,
        observed_at=T0,
        lat=7.1,
        lon=93.2,
        sog_kn=0.4,
        cog_deg=None,
        heading_deg=None,
        nav_status=14,
        msg_type=1,
        station="records-test",
        received_at=T0,
    )
    message = SafetyBroadcast(
        mmsi=sart,
        observed_at=T0 + timedelta(seconds=30),
        msg_type=14,
        text="SART ACTIVE",
        device="ais_sart",
        station="records-test",
        received_at=T0 + timedelta(seconds=31),
    )
    _publish_and_track(stack, [fix])
    _publish_and_track(stack, [message, message])
    with psycopg.connect(stack.database_url) as conn:
        rows = conn.execute(
            "SELECT text, device, ST_Y(geom), ST_X(geom) FROM safety_broadcast WHERE mmsi = %s", (sart,)
        ).fetchall()
    assert rows == [("SART ACTIVE", "ais_sart", pytest.approx(7.1), pytest.approx(93.2))]


def test_sighting_is_stored_once(stack: RunningStack) -> None:
    sighting = Sighting(
        id=str(uuid.uuid4()),
        observed_at=T0,
        lat=8.25,
        lon=95.5,
        uncertainty_nm=2.0,
        source_type="aircraft",
        craft_type="wooden fishing boat",
        persons_estimated=120,
        conditions=("overcrowded", "adrift"),
        course_deg=None,
        speed_kn=0.5,
        ais_seen="no",
        confidence="high",
        note="Seen from patrol aircraft",
        is_exercise=False,
        owner="THA",
        acted_by="mpa-crew-1",
        received_at=T0 + timedelta(minutes=3),
    )
    _publish_and_track(stack, [sighting, sighting])
    with psycopg.connect(stack.database_url) as conn:
        rows = conn.execute(
            "SELECT persons_estimated, conditions, source_type, owner, ST_Y(geom), ST_X(geom), uncertainty_nm"
            " FROM sighting WHERE id = %s",
            (sighting.id,),
        ).fetchall()
    assert rows == [(120, ["overcrowded", "adrift"], "aircraft", "THA", 8.25, 95.5, 2.0)]


def _nmea(fields: dict[str, str | int | float | bytes | bool]) -> bytes:
    (sentence,) = encode_dict(fields, talker_id="AI", sentence_type="VDM")
    return sentence.encode()


def test_position_less_reports_and_other_messages_are_heard_without_moving_the_vessel(stack: RunningStack) -> None:
    """ITU-R M.1371 lines as a feed sends them: a fix, then (later) a report with lat 91 / lon 181, a binary
    broadcast and an addressed safety text from the same vessel, and a base station's data link
    management message. The ledger balances, nothing is rejected, the vessel is heard at the latest of
    them and stays where its fix put it; the base station is no vessel."""
    vessel, base = 533_200_091, 2_533_091  # a Malaysian ship; a coast station (00MIDxxxx)
    lines = [
        (T0, _nmea({"type": 1, "mmsi": vessel, "lat": 5.5, "lon": 100.2, "speed": 6.0, "course": 90.0})),
        (T0 + timedelta(minutes=20), _nmea({"type": 1, "mmsi": vessel, "lat": 91, "lon": 181, "speed": 5.0})),
        (T0 + timedelta(minutes=25), _nmea({"type": 8, "mmsi": vessel, "dac": 235, "fid": 10, "data": b"\x01\x02"})),
        (T0 + timedelta(minutes=30), _nmea({"type": 12, "mmsi": vessel, "dest_mmsi": base, "text": "PAN PAN"})),
        (T0 + timedelta(minutes=31), _nmea({"type": 20, "mmsi": base, "offset1": 100, "number1": 1})),
    ]
    reader = AisReader("heard-test", "records-test")
    outcomes = [o for at, line in lines for o in reader.feed_line(line, at)]
    assert all(isinstance(o, Decoded) for o in outcomes)
    ledger = reader.ledger
    assert (ledger.lines_in, ledger.lines_decoded, ledger.lines_rejected, ledger.messages_decoded) == (5, 5, 0, 5)
    records: list[Message] = [r for o in outcomes if isinstance(o, Decoded) for r in o.records]
    assert [type(r).__name__ for r in records] == [
        "PositionReport",
        "HeardReport",
        "HeardReport",
        "SafetyBroadcast",
        "HeardReport",
    ]
    _publish_and_track(stack, records[:1])  # the fix first: a safety text is stored with the sender's position
    tracker = _publish_and_track(stack, records[1:])
    assert tracker.stats.written.get(TOPIC_AIS_HEARD) == 1  # the vessel's row; the base station has none
    _publish_and_track(stack, records)  # a replay changes nothing
    with psycopg.connect(stack.database_url) as conn:
        state = conn.execute(
            "SELECT observed_at, ST_Y(geom), ST_X(geom), sog_kn FROM vessel_state WHERE mmsi = %s", (vessel,)
        ).fetchone()
        assert state == (T0, pytest.approx(5.5), pytest.approx(100.2), pytest.approx(6.0))
        assert conn.execute("SELECT count(*) FROM position WHERE mmsi = %s", (vessel,)).fetchone() == (1,)
        heard = conn.execute(
            "SELECT last_heard_at, last_heard_msg_type, first_seen_at FROM vessel WHERE mmsi = %s", (vessel,)
        ).fetchone()
        assert heard == (T0 + timedelta(minutes=25), 8, T0)
        assert conn.execute("SELECT count(*) FROM vessel WHERE mmsi = %s", (base,)).fetchone() == (0,)
        text = conn.execute(
            "SELECT text, msg_type, dest_mmsi, ST_Y(geom) FROM safety_broadcast WHERE mmsi = %s", (vessel,)
        ).fetchall()
        assert text == [("PAN PAN", 12, base, pytest.approx(5.5))]
        report = vessel_report(conn, vessel)
    # the vessel's last heard is its latest message of any kind: here the addressed safety text is not a
    # "heard" record of its own, so the binary broadcast at +25 min is the latest without a position
    assert report.last_heard == (T0 + timedelta(minutes=25), "message 8 without a position")
    assert report.as_json()["last_heard"]["by"] == "message 8 without a position"


def test_a_vessel_only_ever_heard_without_a_position_is_known(stack: RunningStack) -> None:
    mmsi = 533_200_092
    heard = HeardReport(
        mmsi=mmsi,
        observed_at=T0,
        msg_type=18,
        dac=None,
        fi=None,
        fields={"lat": None, "lon": None, "sog": 0.1},
        station="records-test",
        received_at=T0,
    )
    earlier = replace(heard, observed_at=T0 - timedelta(hours=1), msg_type=6, dac=1, fi=40)
    _publish_and_track(stack, [heard, earlier])
    with psycopg.connect(stack.database_url) as conn:
        row = conn.execute(
            "SELECT last_heard_at, last_heard_msg_type, first_seen_at, ais_class, flag_state FROM vessel"
            " WHERE mmsi = %s",
            (mmsi,),
        ).fetchone()
        assert conn.execute("SELECT count(*) FROM vessel_state WHERE mmsi = %s", (mmsi,)).fetchone() == (0,)
        report = vessel_report(conn, mmsi)
    assert row == (T0, 18, T0 - timedelta(hours=1), "B", "MY")
    assert report.known and report.track.fixes == 0
    assert report.last_heard == (T0, "message 18 without a position")
