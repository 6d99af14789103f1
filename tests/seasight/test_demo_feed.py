"""The simulated demo feed: sea lanes stay at sea, sentences decode with their tag-block times, the
exercise scenario is consistent, exercise sightings say so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from geodata.shore import distance_to_shore_nm, is_land
from ingest.ais import AisReader, Decoded
from ingest.decode import AisRecord
from ingest.simulate import (
    SCENARIO,
    SCENARIOS,
    STATION,
    build_fleet,
    exercise_sightings,
    history_sentences,
    position_at,
    scenario_truth,
    scripted_fix,
    sentences_at,
)
from seasight.schemas import PositionReport, SafetyBroadcast, StaticVoyageReport

START = datetime(2026, 1, 1, tzinfo=UTC)


def test_simulated_vessels_sail_at_sea() -> None:
    fleet = build_fleet(30, seed=3)
    on_land = [(v.name, h) for v in fleet for h in range(0, 240, 6) if is_land(*reversed(position_at(v, h)[:2]))]
    # searoute lanes hug coasts and enter ports; allow the odd point within a port basin
    assert len(on_land) <= len(fleet) * 40 * 0.02, on_land[:10]


def test_sentences_decode_to_the_fleet_with_demo_names_and_feed_times() -> None:
    fleet = build_fleet(12, seed=5)
    reader = AisReader(STATION, STATION)
    when = START + timedelta(minutes=5)
    records: list[AisRecord] = []
    for sentence in sentences_at(fleet, START, when, with_static=True):
        for outcome in reader.feed_line(sentence.encode(), START + timedelta(hours=1)):
            assert isinstance(outcome, Decoded), outcome
            records.extend(outcome.records)
    positions = [r for r in records if isinstance(r, PositionReport)]
    statics = [r for r in records if isinstance(r, StaticVoyageReport)]
    assert {p.mmsi for p in positions} == {v.mmsi for v in fleet}
    assert {p.observed_at for p in positions} == {when}  # the tag block's time, not the receive time
    assert {s.mmsi for s in statics} == {v.mmsi for v in fleet}
    assert all(s.shipname and s.shipname.startswith("DEMO ") for s in statics)


def test_scenario_history_decodes_without_a_reject_and_has_the_sart() -> None:
    now = START + timedelta(hours=8)
    reader = AisReader(STATION, STATION)
    records: list[AisRecord] = []
    for sentence in history_sentences(build_fleet(3, seed=1), START, now):
        for outcome in reader.feed_line(sentence.encode(), now):
            assert isinstance(outcome, Decoded), outcome
            records.extend(outcome.records)
    sart = [r for r in records if isinstance(r, SafetyBroadcast)]
    assert sart and {r.text for r in sart} == {"SART ACTIVE"} and sart[0].device == "ais_sart"
    assert max(r.observed_at for r in records) < now


def test_scripted_vessels_are_at_sea_and_the_dark_one_is_silent() -> None:
    assert set(scenario_truth().values()) == {
        "went_dark",
        "loitering",
        "encounter_contact",
        "distress",
        "approaching_destination_coast",
        "watchlist",
        "two_places",
    }
    assert set(scenario_truth(SCENARIOS["timor"]).values()) == {"went_dark", "approaching_destination_coast"}
    for scenario in SCENARIOS.values():
        for vessel in scenario.vessels:
            for leg in vessel.legs:
                for lat, lon in (leg.start, leg.end):
                    assert distance_to_shore_nm(lat, lon) > 3, (vessel.name, lat, lon)
    dark = next(v for v in SCENARIO if v.expected_rule == "went_dark")
    assert scripted_fix(dark, 30) is not None and scripted_fix(dark, 61) is None


def test_exercise_sightings_arrive_in_time_and_are_marked() -> None:
    early = exercise_sightings(START, START + timedelta(minutes=1))
    late = exercise_sightings(START, START + timedelta(hours=8))
    assert len(early) == 1 and len(late) == 3
    assert all(s.is_exercise and s.note and s.note.startswith("EXERCISE") for s in late)
    assert [s.id for s in exercise_sightings(START, START + timedelta(hours=8))] == [s.id for s in late]
