"""Static/voyage data, safety broadcasts and sightings through the real broker into PostGIS."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from ingest.publish import Publisher
from seasight.schemas import Message, PositionReport, SafetyBroadcast, Sighting, StaticVoyageReport
from tests.conftest import RunningStack
from tracking.consumer import Tracker

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
