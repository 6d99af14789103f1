"""Reported motion against observed motion (spoofing): hand-built tracks."""

from __future__ import annotations

import math
import random
from datetime import timedelta

import pytest

from tests.tracking.tracks import T0, line, window
from tracking.rules.geo import destination
from tracking.rules.model import Severity, TrackPoint
from tracking.rules.motion import MotionParameters, reported_motion_mismatch

MMSI = 636019825
P = MotionParameters()


def circling(reported_kn: float, true_kn: float, hours: float, every_min: float = 5.0) -> list[TrackPoint]:
    """Positions going round a circle at ``true_kn`` (one turn an hour) while reporting ``reported_kn`` on a
    steady course of 070."""
    radius_nm = true_kn / (2 * math.pi)  # one turn an hour
    centre = (-17.0, 179.95)
    out = []
    steps = int(hours * 60 / every_min) + 1
    for k in range(steps):
        minutes = k * every_min
        angle = 360.0 * minutes / 60.0
        lat, lon = destination(*centre, angle, radius_nm)
        out.append(TrackPoint(MMSI, T0 + timedelta(minutes=minutes), lat, lon, reported_kn, 70.0, 70, 0))
    return out


def test_reporting_12_kn_while_circling_at_1_kn_is_a_spoofing_sign() -> None:
    (f,) = reported_motion_mismatch(window(circling(12.0, 1.0, 2.0)), P)
    assert f.rule_id == "reported_motion_mismatch" and f.severity is Severity.MEDIUM
    assert f.evidence["median_reported_kn"] == pytest.approx(12.0)
    assert f.evidence["median_observed_kn"] == pytest.approx(1.0, abs=0.05)
    assert f.evidence["hours"] == pytest.approx(2.0)
    assert "reports 12.0 kn while its positions move 1.0 kn" in f.summary
    assert f.lon is not None and -180.0 <= f.lon < 180.0  # the circle straddles 180 deg


def test_an_honest_track_raises_nothing() -> None:
    assert reported_motion_mismatch(window(circling(1.0, 1.0, 3.0)), P) == []
    straight = line(MMSI, 10.0, 95.0, course=45, speed_kn=14, every=timedelta(minutes=2), count=120)
    assert reported_motion_mismatch(window(straight), P) == []


def test_a_short_disagreement_is_not_sustained() -> None:
    assert reported_motion_mismatch(window(circling(12.0, 1.0, 0.5)), P) == []


def test_positions_replayed_with_a_course_that_is_not_their_own() -> None:
    # moving north at 10 kn while reporting 10 kn on course 180
    pts = line(MMSI, 10.0, 95.0, course=0, speed_kn=10, every=timedelta(minutes=5), count=25)
    replayed = [TrackPoint(p.mmsi, p.observed_at, p.lat, p.lon, 10.0, 180.0, 180, 0) for p in pts]
    (f,) = reported_motion_mismatch(window(replayed), P)
    assert f.evidence["course_disagreeing_segments"] == 24 and f.evidence["speed_disagreeing_segments"] == 0
    assert "course 180 deg off its track" in f.summary


def test_gnss_jitter_of_a_stopped_vessel_reporting_every_10_s_is_no_speed() -> None:
    rng = random.Random(5)
    pts = [
        TrackPoint(MMSI, T0 + timedelta(seconds=10 * i), 8.0 + rng.gauss(0, 0.0001), 94.0 + rng.gauss(0, 0.0001), 0.0)
        for i in range(3 * 360)
    ]
    assert reported_motion_mismatch(window(pts), P) == []


def test_sparse_fixes_and_missing_sog_say_nothing() -> None:
    far_apart = circling(12.0, 1.0, 6.0, every_min=45)  # segments longer than 30 min
    assert reported_motion_mismatch(window(far_apart), P) == []
    unreported = [TrackPoint(p.mmsi, p.observed_at, p.lat, p.lon) for p in circling(12.0, 1.0, 2.0)]
    assert reported_motion_mismatch(window(unreported), P) == []
