from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from tests.tracking.tracks import T0, constant_shore, line, window
from tracking.rules.errors import InvalidParameterError
from tracking.rules.model import Severity, TrackPoint, TrackWindow, Zone
from tracking.rules.went_dark import WentDarkParameters, expected_report_interval, went_dark

P = WentDarkParameters()
MMSI = 525012345


def dark_track(silence_h: float, *, lat: float = 10.0, lon: float = 95.0, every_min: int = 10) -> list[TrackPoint]:
    """2 h at 10 kn every ``every_min`` min, silence, then 2 h more (every 10 min) on the same course."""
    before = line(
        MMSI, lat, lon, course=90, speed_kn=10, every=timedelta(minutes=every_min), count=120 // every_min + 1
    )
    last = before[-1]
    resume = T0 + timedelta(hours=2 + silence_h)
    after = line(
        MMSI,
        last.lat,
        last.lon + 0.5,
        course=90,
        speed_kn=10,
        every=timedelta(minutes=10),
        count=13,
        start=resume,
    )
    return before + after


def others_near(lat: float, lon: float, n: int, at_h: float) -> list[TrackPoint]:
    return [
        TrackPoint(
            mmsi=563000000 + k,
            observed_at=T0 + timedelta(hours=at_h),
            lat=lat + 0.05 * k,
            lon=lon,
            sog_kn=12.0,
        )
        for k in range(n)
    ]


def test_long_offshore_gap_with_coverage_is_suspected_disabling() -> None:
    # A dense track before the gap (every 5 min: 24 positions in the 12 h before it), as GFW requires.
    pts = dark_track(14, every_min=5)
    last = pts[24]
    others = others_near(last.lat, last.lon, 4, at_h=8)
    flags = went_dark(window(pts), P, distance_to_shore=constant_shore(80), others=others)
    assert len(flags) == 1
    f = flags[0]
    assert f.rule_id == "went_dark" and f.mmsi == MMSI
    assert f.severity is Severity.HIGH
    assert f.evidence["suspected_disabling"] is True
    check = f.evidence["suspected_disabling_check"]
    assert check["positions_before"] == 24 and check["criteria"]["positions_per_day_above"] is True
    assert f.evidence["long_dark_offshore_in_coverage"] is True
    assert f.evidence["gap_hours"] == pytest.approx(14.0, abs=0.01)
    assert f.evidence["other_vessels_heard"] == [563000000, 563000001, 563000002, 563000003]
    assert f.window_start == last.observed_at and f.window_end == pts[25].observed_at
    assert f.parameters["min_gap_h"]["value"] == 6.0 and f.parameters["min_gap_h"]["unit"] == "h"
    assert "14.0 h" in f.summary and "80 nm offshore" in f.summary and "suspected AIS disabling" in f.summary
    # full length, offshore and coverage; no watch zone: (0.4 + 0.25 + 0.2) / 1.0
    assert f.score == pytest.approx(0.85, abs=1e-3)


def test_a_sparse_track_before_the_gap_is_not_gfw_suspected_disabling_but_still_high_in_coverage() -> None:
    # 12 positions in the 12 h before the gap: fewer than GFW's 14, so not "suspected disabling"; but a
    # long dark period offshore with other vessels heard meanwhile is high all the same.
    pts = dark_track(14)
    others = others_near(pts[12].lat, pts[12].lon, 1, at_h=8)
    (f,) = went_dark(window(pts), P, distance_to_shore=constant_shore(80), others=others)
    assert f.evidence["suspected_disabling"] is False
    assert f.evidence["suspected_disabling_check"]["criteria"]["positions_in_hours_before"] is False
    assert f.severity is Severity.HIGH and f.evidence["long_dark_offshore_in_coverage"] is True


def test_gfw_checks_where_the_gap_starts_not_where_it_ends() -> None:
    pts = dark_track(14, every_min=5)
    last = pts[24]
    others = others_near(last.lat, last.lon, 4, at_h=8)
    # starts 80 nm offshore, reappears 2 nm from shore: still GFW suspected disabling
    shore = lambda lat, lon: 80.0 if lon <= last.lon + 0.01 else 2.0  # noqa: E731
    (f,) = went_dark(window(pts), P, distance_to_shore=shore, others=others)
    assert f.evidence["suspected_disabling"] is True and f.severity is Severity.HIGH
    # starts 40 nm offshore: not (GFW: more than 50 nm at the start)
    (g,) = went_dark(window(pts), P, distance_to_shore=constant_shore(40), others=others)
    assert g.evidence["suspected_disabling"] is False
    assert g.evidence["suspected_disabling_check"]["criteria"]["starts_beyond_shore_distance"] is False


def test_a_silence_of_exactly_six_hours_is_not_a_six_hour_gap() -> None:
    assert went_dark(window(dark_track(6.0)), P, distance_to_shore=constant_shore(80)) == []
    (f,) = went_dark(window(dark_track(6.0 + 1 / 3600)), P, distance_to_shore=constant_shore(80))
    assert f.evidence["gap_hours"] == pytest.approx(6.0, abs=0.01)
    # an ongoing silence of exactly 6 h at the window's end is not a gap either
    pts = line(MMSI, 10, 95, course=0, speed_kn=8, every=timedelta(minutes=10), count=7)
    at_six = TrackWindow.of(pts, end=pts[-1].observed_at + timedelta(hours=6))
    assert went_dark(at_six, P, distance_to_shore=constant_shore(80)) == []


def test_regular_reporting_does_not_flag() -> None:
    pts = line(MMSI, 10, 95, course=45, speed_kn=12, every=timedelta(minutes=30), count=49)
    assert went_dark(window(pts), P, distance_to_shore=constant_shore(80)) == []


def test_short_silence_does_not_flag() -> None:
    assert went_dark(window(dark_track(4)), P, distance_to_shore=constant_shore(80)) == []


def test_gap_without_coverage_is_not_suspected_disabling() -> None:
    flags = went_dark(window(dark_track(14)), P, distance_to_shore=constant_shore(80))
    assert len(flags) == 1
    assert flags[0].evidence["suspected_disabling"] is False
    assert flags[0].score >= 0.5  # long and offshore ...
    assert flags[0].severity is Severity.LOW  # ... but nobody else was heard there: maybe a reception hole
    assert flags[0].evidence["score_components"]["coverage"] == 0.0


def test_others_heard_outside_the_gap_or_far_away_do_not_count_as_coverage() -> None:
    pts = dark_track(14)
    far = others_near(pts[12].lat + 3, pts[12].lon, 4, at_h=8)
    before_gap = others_near(pts[12].lat, pts[12].lon, 4, at_h=1)
    flags = went_dark(window(pts), P, distance_to_shore=constant_shore(80), others=far + before_gap)
    assert flags[0].evidence["other_vessels_heard"] == []


def test_near_shore_gap_scores_lower_than_offshore_gap() -> None:
    near = went_dark(window(dark_track(14)), P, distance_to_shore=constant_shore(5))[0]
    far = went_dark(window(dark_track(14)), P, distance_to_shore=constant_shore(80))[0]
    assert near.score < far.score
    assert near.evidence["score_components"]["offshore"] == pytest.approx(0.1)


def test_ongoing_silence_until_window_end() -> None:
    pts = line(MMSI, 16.5, 93.0, course=200, speed_kn=6, every=timedelta(minutes=5), count=10)
    end = pts[-1].observed_at + timedelta(hours=9)
    flags = went_dark(TrackWindow.of(pts, end=end), P, distance_to_shore=constant_shore(30))
    assert len(flags) == 1
    assert flags[0].evidence["ongoing"] is True and flags[0].evidence["next_report"] is None
    assert flags[0].window_end == end
    assert "still silent" in flags[0].summary


def test_moored_in_port_is_not_flagged() -> None:
    pts = line(MMSI, 16.8, 96.2, course=0, speed_kn=0, every=timedelta(minutes=3), count=5, nav_status=5)
    end = pts[-1].observed_at + timedelta(hours=20)
    assert went_dark(TrackWindow.of(pts, end=end), P, distance_to_shore=constant_shore(0.5)) == []


def test_watch_zone_nearby_makes_a_long_gap_high() -> None:
    pts = dark_track(13)
    zone = Zone(1, "Andaman transit corridor", "transit_corridor", box(95.5, 9.5, 96.5, 10.5))
    one_heard = others_near(pts[12].lat, pts[12].lon, 1, at_h=5)
    flags = went_dark(window(pts), P, distance_to_shore=constant_shore(30), watch_zones=[zone], others=one_heard)
    assert flags[0].evidence["near_watch_zones"] == ["Andaman transit corridor"]
    assert flags[0].severity is Severity.HIGH
    unheard = went_dark(window(pts), P, distance_to_shore=constant_shore(30), watch_zones=[zone])
    assert unheard[0].severity is Severity.LOW
    far_zone = Zone(2, "Timor Sea", "watch", box(125, -11, 127, -9))
    flags = went_dark(window(pts), P, distance_to_shore=constant_shore(30), watch_zones=[far_zone])
    assert flags[0].evidence["near_watch_zones"] == []


def test_unknown_distance_to_shore_is_said_not_guessed() -> None:
    flags = went_dark(window(dark_track(14)), P, distance_to_shore=None)
    assert flags[0].evidence["distance_to_shore_nm"] is None
    assert "distance from shore unknown" in flags[0].summary


def test_expected_report_intervals_follow_itu_tables() -> None:
    assert expected_report_interval("A", 10, 0) == timedelta(seconds=10)
    assert expected_report_interval("A", 18, 0) == timedelta(seconds=6)
    assert expected_report_interval("A", 30, 0) == timedelta(seconds=2)
    assert expected_report_interval("A", 0.1, 1) == timedelta(minutes=3)
    assert expected_report_interval("B", 1.0, None) == timedelta(minutes=3)
    assert expected_report_interval("B", 8.0, None) == timedelta(seconds=30)


def test_class_matters_when_the_gap_threshold_is_short() -> None:
    short = WentDarkParameters(min_gap_h=0.25, missed_reports=10)
    # 20 min silences: 10 Class B intervals at anchor speed (3 min) = 30 min > 20 min -> no gap
    pts_b = line(MMSI, 10, 95, course=0, speed_kn=1, every=timedelta(minutes=20), count=4, msg_type=18)
    assert went_dark(window(pts_b), short, distance_to_shore=constant_shore(40)) == []
    # ... but a Class A vessel at 12 kn should report every 10 s
    pts_a = line(MMSI, 10, 95, course=0, speed_kn=12, every=timedelta(minutes=20), count=4)
    assert len(went_dark(window(pts_a), short, distance_to_shore=constant_shore(40))) == 3


def test_parameters_are_range_checked() -> None:
    with pytest.raises(InvalidParameterError, match="min_gap_h"):
        WentDarkParameters(min_gap_h=0)
    rows = {r["name"]: r for r in WentDarkParameters.describe()}
    assert rows["long_gap_h"]["default"] == 12.0 and "Global Fishing Watch" in rows["long_gap_h"]["source"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0.01, max_value=6.0), min_size=1, max_size=30))
def test_silences_shorter_than_min_gap_never_flag(intervals_h: list[float]) -> None:
    t, pts = T0, [TrackPoint(MMSI, T0, 10.0, 95.0, 5.0)]
    for h in intervals_h:
        t += timedelta(hours=h)
        pts.append(TrackPoint(MMSI, t, 10.0, 95.0, 5.0))
    assert went_dark(TrackWindow.of(pts), P, distance_to_shore=constant_shore(100)) == []


@settings(max_examples=40, deadline=None)
@given(st.floats(min_value=6.01, max_value=40.0), st.floats(min_value=0.0, max_value=20.0))
def test_longer_silence_never_scores_lower(hours: float, extra: float) -> None:
    a = went_dark(window(dark_track(hours)), P, distance_to_shore=constant_shore(60))[0]
    b = went_dark(window(dark_track(hours + extra)), P, distance_to_shore=constant_shore(60))[0]
    assert b.score >= a.score


def test_stopped_at_a_berth_and_reappearing_there_is_not_flagged() -> None:
    berth = line(MMSI, 16.8, 96.2, course=0, speed_kn=0.1, every=timedelta(minutes=3), count=3, nav_status=15)
    back = [TrackPoint(MMSI, berth[-1].observed_at + timedelta(hours=20), 16.8005, 96.2, 0.0, nav_status=15)]
    assert went_dark(window(berth + back), P, distance_to_shore=constant_shore(0.4)) == []


def test_going_dark_at_a_berth_and_reappearing_down_the_coast_is_flagged() -> None:
    berth = line(MMSI, 16.8, 96.2, course=0, speed_kn=0.1, every=timedelta(minutes=3), count=3, nav_status=15)
    away = [TrackPoint(MMSI, berth[-1].observed_at + timedelta(hours=20), 16.3, 96.2, 0.0, nav_status=15)]
    flags = went_dark(window(berth + away), P, distance_to_shore=constant_shore(0.4))
    assert len(flags) == 1 and flags[0].evidence["gap_hours"] == pytest.approx(20.0, abs=0.01)


def test_leaving_port_dark_is_flagged() -> None:
    berth = line(MMSI, 16.8, 96.2, course=0, speed_kn=0.1, every=timedelta(minutes=3), count=3, nav_status=5)
    at_sea = [TrackPoint(MMSI, berth[-1].observed_at + timedelta(hours=12), 15.0, 95.0, 7.0)]
    shore = {(16.8, 96.2): 0.4, (15.0, 95.0): 60.0}
    flags = went_dark(
        window(berth + at_sea), P, distance_to_shore=lambda lat, lon: shore[(round(lat, 1), round(lon, 1))]
    )
    assert len(flags) == 1
