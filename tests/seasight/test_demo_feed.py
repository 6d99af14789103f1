"""The simulated demo feed: sea lanes stay at sea, sentences decode, exercise sightings say so."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from geodata.shore import is_land
from ingest.ais import AisReader, Decoded
from ingest.simulate import STATION, build_fleet, exercise_sightings, position_at, sentences_at
from seasight.schemas import PositionReport, StaticVoyageReport

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_simulated_vessels_sail_at_sea() -> None:
    fleet = build_fleet(30, seed=3)
    on_land = []
    for vessel in fleet:
        for hour in range(0, 240, 6):
            lon, lat, _ = position_at(vessel, hour)
            if is_land(lat, lon):
                on_land.append((vessel.name, hour, round(lat, 2), round(lon, 2)))
    # searoute lanes hug coasts and enter ports; allow the odd point within a port basin
    assert len(on_land) <= len(fleet) * 40 * 0.02, on_land[:10]


def test_sentences_decode_to_the_fleet_with_demo_names() -> None:
    fleet = build_fleet(12, seed=5)
    reader = AisReader(STATION, STATION)
    records = []
    for sentence in sentences_at(fleet, START, START + timedelta(minutes=5), 30.0, with_static=True):
        for outcome in reader.feed_line(sentence.encode(), START):
            assert isinstance(outcome, Decoded), outcome
            records.extend(outcome.records)
    positions = [r for r in records if isinstance(r, PositionReport)]
    statics = [r for r in records if isinstance(r, StaticVoyageReport)]
    assert {p.mmsi for p in positions} == {v.mmsi for v in fleet}
    assert {s.mmsi for s in statics} == {v.mmsi for v in fleet}
    assert all(s.shipname and s.shipname.startswith("DEMO ") for s in statics)


def test_exercise_sightings_arrive_in_time_and_are_marked() -> None:
    early = exercise_sightings(START, START + timedelta(seconds=1), 60.0)
    late = exercise_sightings(START, START + timedelta(hours=1), 60.0)
    assert len(early) == 1 and len(late) == 3
    assert all(s.is_exercise and s.note and s.note.startswith("EXERCISE") for s in late)
    assert [s.id for s in exercise_sightings(START, START + timedelta(hours=1), 60.0)] == [s.id for s in late]
