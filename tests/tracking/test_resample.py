"""The resampled track the encounter and loitering rules read (Global Fishing Watch's method)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from tests.tracking.tracks import T0, line
from tracking.rules.geo import distance_m, lon_difference_deg, mean_position, normalise_lon
from tracking.rules.model import TrackPoint
from tracking.rules.resample import resample, runs

MMSI = 563000123


def test_positions_on_the_epoch_aligned_ten_minute_grid() -> None:
    start = T0 + timedelta(minutes=3)
    pts = line(MMSI, 1.0, 104.0, course=90, speed_kn=6, every=timedelta(minutes=25), count=5, start=start)
    r = resample(pts)
    # 00:03 .. 01:43: grid instants 00:10, 00:20, ... 01:40
    assert [r.time(i) for i in (0, len(r) - 1)] == [T0 + timedelta(minutes=10), T0 + timedelta(minutes=100)]
    assert len(r) == 10 and all(np.diff(r.ticks) == 1)
    # on a straight line at 6 kn the implied speed is 6 kn and positions sit on the line
    assert r.implied_speed_kn() == pytest.approx(np.full(9, 6.0), abs=1e-6)
    expected = line(MMSI, 1.0, 104.0, course=90, speed_kn=6, every=timedelta(minutes=7), count=2)[1]
    assert distance_m(float(r.lat[0]), float(r.lon[0]), expected.lat, expected.lon) < 1.0


def test_silences_of_an_hour_or_more_are_not_interpolated() -> None:
    t = [T0, T0 + timedelta(minutes=50), T0 + timedelta(minutes=110), T0 + timedelta(minutes=170)]
    pts = [TrackPoint(MMSI, x, 1.0, 104.0 + k * 0.01) for k, x in enumerate(t)]
    r = resample(pts)
    times = [r.time(i) for i in range(len(r))]
    # 00:00-00:50 interpolated (50 min), 00:50-01:50 not (exactly 60 min), 01:50-02:50 not (60 min)
    assert times == [T0 + timedelta(minutes=m) for m in (0, 10, 20, 30, 40, 50, 110, 170)]
    assert [(a, b) for a, b in runs(np.ones(len(r), dtype=bool), r.ticks)] == [(0, 5), (6, 6), (7, 7)]
    assert np.isnan(r.implied_speed_kn()[5])


def test_interpolation_across_the_antimeridian_stays_at_180() -> None:
    pts = [TrackPoint(MMSI, T0, -17.0, 179.99), TrackPoint(MMSI, T0 + timedelta(minutes=20), -17.0, -179.99)]
    r = resample(pts)
    assert len(r) == 3
    assert float(r.lon[1]) == pytest.approx(180.0, abs=1e-6) or float(r.lon[1]) == pytest.approx(-180.0, abs=1e-6)
    assert all(-180.0 <= x < 180.0 for x in r.lon)
    assert r.implied_speed_kn()[0] == pytest.approx(3.45, abs=0.01)  # 0.02 deg in 20 min, not 359.98 deg


def test_reports_sharing_a_time_count_once_and_empty_tracks_are_empty() -> None:
    a = TrackPoint(MMSI, T0, 1.0, 104.0)
    assert len(resample([a, TrackPoint(MMSI, T0, 1.5, 104.5)])) == 1
    assert len(resample([])) == 0
    with pytest.raises(ValueError, match="positive"):
        resample([a], interval=timedelta(0))


def test_longitude_arithmetic_across_the_antimeridian() -> None:
    assert lon_difference_deg(179.9, -179.9) == pytest.approx(0.2)
    assert normalise_lon(180.0) == -180.0 and normalise_lon(-190.0) == 170.0
    lat, lon = mean_position([-17.0, -17.0], [179.9, -179.9])
    assert lat == pytest.approx(-17.0, abs=1e-3) and abs(lon) == pytest.approx(180.0, abs=1e-6)
    assert mean_position([10.0, 10.0], [20.0, 22.0])[1] == pytest.approx(21.0)
