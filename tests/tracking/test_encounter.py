from __future__ import annotations

from datetime import timedelta

import pytest

from tests.tracking.tracks import T0, line, vessel_mmsi, window
from tracking.rules.encounter import (
    ContactEncounterParameters,
    EncounterParameters,
    contact_encounter,
    encounter,
    find_encounters,
)
from tracking.rules.geo import destination
from tracking.rules.model import Contact, Severity, TrackPoint, TrackWindow

MOTHER, SKIFF, PASSER = 572001000, 533990001, 636012345
GFW = EncounterParameters.gfw()
FAR_FROM_ANCHORAGE = lambda lat, lon: 80.0  # noqa: E731  km


def side_by_side(
    offset_m: float, hours: float, speed: float = 0.8, start_gap_min: int = 0
) -> tuple[TrackWindow, TrackWindow]:
    every = timedelta(minutes=5)
    count = int(hours * 12) + 1
    a = line(MOTHER, 12.0, 92.5, course=200, speed_kn=speed, every=every, count=count)
    lat_b, lon_b = destination(12.0, 92.5, 110, offset_m / 1852)
    b = line(
        SKIFF,
        lat_b,
        lon_b,
        course=200,
        speed_kn=speed,
        every=every,
        count=count,
        start=T0 + timedelta(minutes=start_gap_min),
        msg_type=18,
    )
    return window(a), window(b)


def test_close_slow_and_long_is_an_encounter_for_both_vessels() -> None:
    a, b = side_by_side(300, 3)
    flags = encounter(a, b, GFW, distance_to_anchorage_km=FAR_FROM_ANCHORAGE)
    assert {f.mmsi for f in flags} == {MOTHER, SKIFF}
    f = next(f for f in flags if f.mmsi == MOTHER)
    assert f.rule_id == "encounter" and f.severity is Severity.MEDIUM
    assert f.evidence["other_mmsi"] == SKIFF
    assert f.evidence["median_distance_m"] == pytest.approx(300, abs=5)
    assert f.evidence["hours"] == pytest.approx(3.0)
    assert f.window_start == T0
    assert f.parameters["max_distance_m"] == {
        "value": 500.0,
        "unit": "m",
        "source": "Global Fishing Watch encounter events: <= 500 m",
    }


def test_too_far_apart_is_not_an_encounter() -> None:
    a, b = side_by_side(900, 3)
    assert encounter(a, b, GFW, distance_to_anchorage_km=FAR_FROM_ANCHORAGE) == []


def test_too_short_for_gfw_but_enough_for_skylight() -> None:
    a, b = side_by_side(200, 1)
    assert encounter(a, b, GFW, distance_to_anchorage_km=FAR_FROM_ANCHORAGE) == []
    assert len(encounter(a, b, EncounterParameters.skylight(), distance_to_anchorage_km=FAR_FROM_ANCHORAGE)) == 2


def test_convoy_at_speed_is_not_an_encounter() -> None:
    a, b = side_by_side(300, 3, speed=9)
    assert encounter(a, b, GFW, distance_to_anchorage_km=FAR_FROM_ANCHORAGE) == []


def test_near_an_anchorage_is_ordinary() -> None:
    a, b = side_by_side(300, 3)
    assert encounter(a, b, GFW, distance_to_anchorage_km=lambda lat, lon: 4.0) == []


def test_vessels_passing_each_other_do_not_meet() -> None:
    every = timedelta(minutes=2)
    a = line(MOTHER, 12.0, 92.5, course=0, speed_kn=1.5, every=every, count=90)
    lat_b, lon_b = destination(12.0, 92.5, 0, 1.5 * 3)
    b = line(PASSER, lat_b, lon_b, course=180, speed_kn=1.5, every=every, count=90)
    assert encounter(window(a), window(b), GFW, distance_to_anchorage_km=FAR_FROM_ANCHORAGE) == []


def test_no_interpolation_across_a_long_silence() -> None:
    a, b = side_by_side(300, 3)
    sparse = window([b.points[0], b.points[-1]])  # 3 h between the only two fixes
    assert encounter(a, sparse, GFW, distance_to_anchorage_km=FAR_FROM_ANCHORAGE) == []


def test_find_encounters_among_many_tracks_pairs_only_the_right_ones() -> None:
    a, b = side_by_side(250, 2.5)
    far = window(line(PASSER, 5.0, 100.0, course=0, speed_kn=0.5, every=timedelta(minutes=5), count=40))
    fast = window(line(412000111, 12.0, 92.5, course=200, speed_kn=14, every=timedelta(minutes=5), count=40))
    flags = find_encounters([far, a, fast, b], GFW, distance_to_anchorage_km=FAR_FROM_ANCHORAGE)
    assert sorted(vessel_mmsi(f) for f in flags) == sorted([MOTHER, SKIFF])


def sighting(lat: float, lon: float, minutes: int = 60, ais_seen: str = "no", uncertainty: float = 0.1) -> Contact:
    return Contact(
        sighting_id="3f6c1c1e-8a51-4a55-9f0e-0b6a2f6a9a01",
        observed_at=T0 + timedelta(minutes=minutes),
        lat=lat,
        lon=lon,
        uncertainty_nm=uncertainty,
        source_type="aircraft",
        craft_type="wooden_boat",
        persons_estimated=120,
        conditions=("overcrowded",),
        ais_seen=ais_seen,
    )


def mother_track(speed: float = 0.6) -> list[TrackPoint]:
    return line(MOTHER, 12.0, 92.5, course=200, speed_kn=speed, every=timedelta(minutes=10), count=13)


def test_slow_vessel_at_a_sighted_boat_without_ais_is_a_rendezvous() -> None:
    pts = mother_track()
    at = pts[6]
    lat, lon = destination(at.lat, at.lon, 90, 0.2)
    flags = contact_encounter(window(pts), sighting(lat, lon), ContactEncounterParameters())
    assert len(flags) == 1
    f = flags[0]
    assert f.rule_id == "encounter_contact" and f.mmsi == MOTHER
    assert f.sighting_id == "3f6c1c1e-8a51-4a55-9f0e-0b6a2f6a9a01"
    assert f.evidence["distance_m"] == pytest.approx(370, abs=10)
    assert "about 120 people" in f.summary


def test_sighting_far_from_the_vessel_is_not_a_rendezvous() -> None:
    pts = mother_track()
    lat, lon = destination(pts[6].lat, pts[6].lon, 90, 3)
    assert contact_encounter(window(pts), sighting(lat, lon), ContactEncounterParameters()) == []


def test_sighting_of_the_ais_vessel_itself_is_not_a_rendezvous() -> None:
    pts = mother_track()
    assert (
        contact_encounter(window(pts), sighting(pts[6].lat, pts[6].lon, ais_seen="yes"), ContactEncounterParameters())
        == []
    )


def test_vessel_passing_at_speed_is_not_a_rendezvous() -> None:
    pts = mother_track(speed=12)
    assert contact_encounter(window(pts), sighting(pts[6].lat, pts[6].lon), ContactEncounterParameters()) == []


def test_sighting_outside_the_track_time_is_not_matched() -> None:
    pts = mother_track()
    assert (
        contact_encounter(window(pts), sighting(pts[6].lat, pts[6].lon, minutes=600), ContactEncounterParameters())
        == []
    )
