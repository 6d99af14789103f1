from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.tracking.tracks import T0, line, vessel_mmsi, window
from tracking.detect import nearest_port_km
from tracking.rules.encounter import (
    ContactEncounterParameters,
    EncounterParameters,
    candidate_pairs,
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


# --------------------------------------------------------------------------- GFW's resampled definition


def sparse(
    mmsi: int, lat: float, lon: float, start: datetime, end: datetime, every_min: int, drift_kn: float = 0.4
) -> list[TrackPoint]:
    """Fixes every ``every_min`` minutes between ``start`` and ``end``, drifting north-east at ``drift_kn``
    (what satellite AIS hears of a vessel stopped at sea). Reported SOG is the drift."""
    count = int((end - start) / timedelta(minutes=every_min)) + 1
    return line(
        mmsi,
        lat,
        lon,
        course=45,
        speed_kn=drift_kn,
        every=timedelta(minutes=every_min),
        count=count,
        start=start,
        sog_kn=drift_kn,
    )


def test_a_satellite_sampled_rendezvous_is_an_encounter() -> None:
    # Two vessels heard by satellite every 30 min, never at the same instants (07:40/08:10/... and
    # 07:55/08:25/...), 29 m apart from 07:40 to 20:10: the old rule broke the run at every 15-minute gap.
    start, end = T0 + timedelta(hours=7, minutes=40), T0 + timedelta(hours=20, minutes=10)
    a = sparse(MOTHER, -8.0, 120.0, start, end, 30)
    at_0755 = destination(-8.0, 120.0, 45, 0.4 * 0.25)  # where MOTHER has drifted when SKIFF is first heard
    lat_b, lon_b = destination(*at_0755, 135, 29 / 1852)
    b = sparse(SKIFF, lat_b, lon_b, start + timedelta(minutes=15), end + timedelta(minutes=15), 30)
    flags = find_encounters([window(a), window(b)], GFW, distance_to_anchorage_km=FAR_FROM_ANCHORAGE)
    assert sorted(vessel_mmsi(f) for f in flags) == sorted([MOTHER, SKIFF])
    f = next(f for f in flags if f.mmsi == MOTHER)
    # grid instants every 10 min where both are interpolable: 08:00 (first after SKIFF's 07:55) to 20:10
    assert f.window_start == T0 + timedelta(hours=8) and f.window_end == end
    assert f.evidence["hours"] == pytest.approx(12 + 1 / 6, abs=1e-3)
    assert f.evidence["median_distance_m"] == pytest.approx(29, abs=1)
    assert f.evidence["median_speed_kn"] == pytest.approx(0.4, abs=0.01)
    assert f.evidence["runs_merged"] == 1 and f.rule_version == 2


def test_fixes_an_hour_or_more_apart_are_not_interpolated() -> None:
    start = T0 + timedelta(hours=1)
    a = sparse(MOTHER, -8.0, 120.0, start, start + timedelta(hours=6), 60)  # exactly 1 h apart: not interpolated
    b = sparse(SKIFF, -8.0, 120.0003, start + timedelta(minutes=5), start + timedelta(hours=6), 10)
    assert encounter(window(a), window(b), GFW, distance_to_anchorage_km=FAR_FROM_ANCHORAGE) == []
    a_59 = sparse(MOTHER, -8.0, 120.0, start, start + timedelta(hours=6), 59)  # just under 1 h: interpolated
    assert len(encounter(window(a_59), window(b), GFW, distance_to_anchorage_km=FAR_FROM_ANCHORAGE)) == 2


def pair_with_a_break(break_h: float, speed_kn: float = 0.0) -> tuple[TrackWindow, TrackWindow]:
    """Two vessels alongside for 1.5 h, then 1 nm apart for ``break_h``, then alongside again for 1.5 h,
    heading north at ``speed_kn``."""
    every = timedelta(minutes=10)
    n_close, n_apart = 10, int(break_h * 6)
    a = line(MOTHER, 5.0, 100.0, course=0, speed_kn=speed_kn, every=every, count=2 * n_close + n_apart)
    b: list[TrackPoint] = []
    for i, p in enumerate(a):
        far = n_close <= i < n_close + n_apart
        lat, lon = destination(p.lat, p.lon, 90, 1.0 if far else 100 / 1852)
        b.append(TrackPoint(SKIFF, p.observed_at, lat, lon, 0.0, 0.0, 0, 0, 18))
    return window(a), window(b)


def test_runs_less_than_four_hours_apart_are_one_encounter() -> None:
    a, b = pair_with_a_break(3.0)
    flags = encounter(a, b, GFW, distance_to_anchorage_km=FAR_FROM_ANCHORAGE)
    assert len(flags) == 2
    assert flags[0].evidence["runs_merged"] == 2
    assert flags[0].evidence["hours"] == pytest.approx(1.5 + 3.0 + 1.5, abs=0.2)


def test_runs_four_hours_or_more_apart_are_separate_and_each_too_short() -> None:
    a, b = pair_with_a_break(4.5)
    assert encounter(a, b, GFW, distance_to_anchorage_km=FAR_FROM_ANCHORAGE) == []


def test_exactly_two_hours_is_not_more_than_two_hours() -> None:
    a, b = side_by_side(200, 2)
    assert encounter(a, b, GFW, distance_to_anchorage_km=FAR_FROM_ANCHORAGE) == []
    a, b = side_by_side(200, 2 + 1 / 6)
    assert len(encounter(a, b, GFW, distance_to_anchorage_km=FAR_FROM_ANCHORAGE)) == 2


def test_a_pair_straddling_180_degrees_near_fiji_is_an_encounter_placed_at_180() -> None:
    # 16.8 S, one vessel at 179.999 E and the other at 179.999 W: 214 m apart across the antimeridian.
    every = timedelta(minutes=20)
    a = line(MOTHER, -16.8, 179.999, course=180, speed_kn=0.3, every=every, count=13, sog_kn=0.3)
    b = line(
        SKIFF,
        -16.8,
        -179.999,
        course=180,
        speed_kn=0.3,
        every=every,
        count=13,
        start=T0 + timedelta(minutes=10),
        sog_kn=0.3,
    )
    far = window(line(PASSER, -16.8, 0.0, course=0, speed_kn=0.3, every=every, count=13))
    flags = find_encounters([window(a), far, window(b)], GFW, distance_to_anchorage_km=FAR_FROM_ANCHORAGE)
    assert sorted(vessel_mmsi(f) for f in flags) == sorted([MOTHER, SKIFF])
    for f in flags:
        assert f.lon is not None and -180.0 <= f.lon < 180.0 and abs(f.lon) > 179.99
        assert f.lat == pytest.approx(-16.8 - 0.3 * 3.5 / 60, abs=0.01)
        assert f.evidence["median_distance_m"] == pytest.approx(232, abs=5)  # 213 m across, 93 m along (10 min behind)


def test_a_run_near_an_anchorage_is_dropped_before_merging() -> None:
    # Heading north at 1 kn: the first run (5.00-5.03 N) is 5 km from a port, the second (5.08-5.10 N) far.
    a, b = pair_with_a_break(3.0, speed_kn=1.0)
    assert len(encounter(a, b, GFW, distance_to_anchorage_km=FAR_FROM_ANCHORAGE)) == 2
    first_run_near_port = lambda lat, lon: 5.0 if lat < 5.05 else 80.0  # noqa: E731
    assert encounter(a, b, GFW, distance_to_anchorage_km=first_run_near_port) == []  # 1.5 h left


def test_candidate_pairs_and_the_nearest_port_wrap_at_180_degrees() -> None:
    every = timedelta(minutes=10)
    a = window(line(MOTHER, -16.8, 179.9995, course=0, speed_kn=0.2, every=every, count=4))
    b = window(line(SKIFF, -16.8, -179.9995, course=0, speed_kn=0.2, every=every, count=4))
    assert candidate_pairs([a, b], GFW) == [(0, 1)]
    suva_east_of_180 = nearest_port_km([(-16.8, -179.99)])
    assert suva_east_of_180(-16.8, 179.99) == pytest.approx(2.1, abs=0.1)
