from __future__ import annotations

from datetime import timedelta

import pytest

from tests.tracking.tracks import T0, constant_shore, line, shore_east_of, window
from tracking.rules.geo import destination
from tracking.rules.loitering import DriftingParameters, LoiteringParameters, drifting, loitering
from tracking.rules.model import Severity, TrackPoint

MMSI = 533004444
LP = LoiteringParameters()
DP = DriftingParameters()


def test_slow_for_hours_far_offshore_is_loitering() -> None:
    transit = line(MMSI, 8.0, 94.0, course=90, speed_kn=11, every=timedelta(minutes=10), count=7)
    slow = line(
        MMSI,
        transit[-1].lat,
        transit[-1].lon,
        course=30,
        speed_kn=0.8,
        every=timedelta(minutes=10),
        count=25,
        start=transit[-1].observed_at + timedelta(minutes=10),
    )
    flags = loitering(window(transit + slow), LP, distance_to_shore=constant_shore(60))
    assert len(flags) == 1
    f = flags[0]
    assert f.rule_id == "loitering" and f.severity is Severity.LOW
    assert f.window_start == slow[0].observed_at and f.window_end == slow[-1].observed_at
    assert f.evidence["hours"] == pytest.approx(4.0)
    assert f.evidence["mean_speed_kn"] == pytest.approx(0.8, abs=0.01)
    assert f.parameters["min_shore_nm"]["value"] == 20.0


def test_slow_near_shore_is_not_loitering() -> None:
    slow = line(MMSI, 15.0, 97.0, course=0, speed_kn=0.5, every=timedelta(minutes=10), count=25)
    assert loitering(window(slow), LP, distance_to_shore=constant_shore(8)) == []


def test_slow_but_short_is_not_loitering() -> None:
    slow = line(MMSI, 8.0, 94.0, course=0, speed_kn=1, every=timedelta(minutes=10), count=10)  # 1.5 h
    assert loitering(window(slow), LP, distance_to_shore=constant_shore(60)) == []


def test_under_way_is_not_loitering() -> None:
    pts = line(MMSI, 8.0, 94.0, course=0, speed_kn=9, every=timedelta(minutes=10), count=40)
    assert loitering(window(pts), LP, distance_to_shore=constant_shore(60)) == []


def test_false_low_sog_is_caught_by_the_mean_speed_along_the_track() -> None:
    # reported SOG says 1 kn, but the fixes move at 8 kn: not loitering
    pts = line(MMSI, 8.0, 94.0, course=0, speed_kn=8, every=timedelta(minutes=10), count=30, sog_kn=1.0)
    assert loitering(window(pts), LP, distance_to_shore=constant_shore(60)) == []


def test_a_long_silence_splits_the_run() -> None:
    a = line(MMSI, 8.0, 94.0, course=0, speed_kn=0.5, every=timedelta(minutes=10), count=7)  # 1 h
    b = line(
        MMSI,
        a[-1].lat,
        a[-1].lon,
        course=0,
        speed_kn=0.5,
        every=timedelta(minutes=10),
        count=7,
        start=a[-1].observed_at + timedelta(hours=3),
    )
    assert loitering(window(a + b), LP, distance_to_shore=constant_shore(60)) == []


def test_run_ends_when_the_vessel_comes_near_shore() -> None:
    # drifting east towards a coast at 96.0 E: only the part >= 20 nm from shore counts
    pts = line(MMSI, 15.0, 95.0, course=90, speed_kn=1.5, every=timedelta(minutes=20), count=60)
    flags = loitering(window(pts), LP, distance_to_shore=shore_east_of(96.0))
    assert len(flags) == 1
    assert flags[0].evidence["nearest_shore_nm"] >= 20.0


def drift(
    nav_status: int | None = 0, heading: int = 10, course: float = 120, speed: float = 1.2, count: int = 13
) -> list[TrackPoint]:
    return line(
        MMSI,
        9.0,
        93.5,
        course=course,
        speed_kn=speed,
        every=timedelta(minutes=10),
        count=count,
        heading=heading,
        nav_status=nav_status,
    )


def test_course_across_heading_with_no_way_on_is_drifting() -> None:
    flags = drifting(window(drift()), DP)
    assert len(flags) == 1
    f = flags[0]
    assert f.rule_id == "drifting" and f.severity is Severity.MEDIUM
    assert f.evidence["median_course_heading_diff_deg"] == pytest.approx(110)
    assert f.evidence["net_speed_kn"] == pytest.approx(1.2, abs=0.01)


def test_making_way_along_heading_is_not_drifting() -> None:
    assert drifting(window(drift(heading=120)), DP) == []


def test_at_anchor_is_not_drifting() -> None:
    assert drifting(window(drift(nav_status=1)), DP) == []


def test_swinging_round_a_point_is_not_drifting() -> None:
    # reported SOG 0.6 kn, heading and course disagree, but the vessel goes nowhere (swinging on a mooring)
    pts = [
        TrackPoint(
            MMSI,
            T0 + timedelta(minutes=10 * i),
            9.0 + (0.0005 if i % 2 else 0),
            93.5,
            0.6,
            (i * 40) % 360,
            (i * 40 + 90) % 360,
            0,
        )
        for i in range(13)
    ]
    assert drifting(window(pts), DP) == []


def test_fast_sideways_is_not_drifting() -> None:
    assert drifting(window(drift(speed=8)), DP) == []


def test_short_drift_is_not_reported() -> None:
    assert drifting(window(drift(count=4)), DP) == []


def test_gnss_jitter_of_a_fast_reporting_stopped_vessel_is_not_speed() -> None:
    import random

    rng = random.Random(3)
    pts = []
    for i in range(3 * 360):  # 3 h of Class A reports every 10 s, stopped, with ~8 m of position noise
        dlat, dlon = rng.gauss(0, 0.00007), rng.gauss(0, 0.00007)
        pts.append(TrackPoint(MMSI, T0 + timedelta(seconds=10 * i), 8.0 + dlat, 94.0 + dlon, 0.1, None, None, 1))
    flags = loitering(window(pts), LP, distance_to_shore=constant_shore(60))
    assert len(flags) == 1
    assert flags[0].evidence["mean_speed_kn"] < 0.5


def test_a_satellite_sampled_loiterer_is_loitering() -> None:
    # Heard every 40 min (satellite AIS), 0.5 kn for 6 h, 80 nm offshore; no reported speed at all.
    pts = line(MMSI, 8.0, 94.0, course=300, speed_kn=0.5, every=timedelta(minutes=40), count=10, sog_kn=None)
    (f,) = loitering(window(pts), LP, distance_to_shore=constant_shore(80))
    assert f.evidence["hours"] == pytest.approx(6.0)
    assert f.evidence["mean_speed_kn"] == pytest.approx(0.5, abs=0.01)
    assert f.evidence["reports"] == 10 and f.evidence["resampled_positions"] == 37


def test_fast_steps_without_reported_speed_are_not_part_of_the_run() -> None:
    # 2 h at 11 kn with no SOG reported, then 4 h at 0.8 kn: the run starts where the vessel slowed.
    fast = line(MMSI, 8.0, 94.0, course=90, speed_kn=11, every=timedelta(minutes=10), count=13, sog_kn=None)
    slow = line(
        MMSI,
        *destination(fast[-1].lat, fast[-1].lon, 90, 11 / 6),
        course=30,
        speed_kn=0.8,
        every=timedelta(minutes=10),
        count=25,
        start=fast[-1].observed_at + timedelta(minutes=10),
        sog_kn=None,
    )
    (f,) = loitering(window(fast + slow), LP, distance_to_shore=constant_shore(60))
    assert f.window_start == slow[0].observed_at + timedelta(minutes=10)
    assert f.evidence["mean_speed_kn"] == pytest.approx(0.8, abs=0.01)


def test_loitering_across_the_antimeridian_is_placed_there() -> None:
    pts = line(MMSI, -15.5, 179.98, course=90, speed_kn=1.0, every=timedelta(minutes=15), count=21)
    (f,) = loitering(window(pts), LP, distance_to_shore=constant_shore(60))
    assert f.lon is not None and -180.0 <= f.lon < 180.0 and abs(f.lon) > 179.9
    assert f.evidence["mean_speed_kn"] == pytest.approx(1.0, abs=0.02)
