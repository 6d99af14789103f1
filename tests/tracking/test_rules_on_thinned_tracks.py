"""The rules read the same events from the streaming stage's thinned, packed tracks (per 10-minute bucket the
earliest report plus changes, and the latest report: :mod:`tracking.stream.state`) as from every report."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from tests.tracking.tracks import T0, constant_shore, line
from tracking.rules.encounter import EncounterParameters, encounter
from tracking.rules.geo import destination
from tracking.rules.loitering import LoiteringParameters, loitering
from tracking.rules.model import TrackPoint, TrackWindow
from tracking.rules.motion import MotionParameters, reported_motion_mismatch
from tracking.rules.went_dark import WentDarkParameters, went_dark
from tracking.stream.state import Codebook, StateLimits, build_states

LIMITS = StateLimits()
EVERY_10_S = timedelta(seconds=10)
FAR_KM = lambda lat, lon: 100.0  # noqa: E731


def both(points: list[TrackPoint], end_after: timedelta = timedelta(0)) -> tuple[TrackWindow, TrackWindow]:
    """(every report, the stage's thinned track) as windows over the same range."""
    full = TrackWindow.of(points, end=points[-1].observed_at + end_after)
    book = Codebook()
    thinned = build_states(points, LIMITS, book)[points[0].mmsi].window(full.start, full.end, book)
    assert len(thinned.points) < len(full.points) / 10
    return full, thinned


def test_a_rendezvous_of_class_a_vessels_reporting_every_10_s() -> None:
    a = line(572007001, 6.0, 97.0, course=120, speed_kn=0.5, every=EVERY_10_S, count=6 * 60 * 3)
    lat, lon = destination(6.0, 97.0, 30, 250 / 1852)
    b = line(533007002, lat, lon, course=120, speed_kn=0.5, every=EVERY_10_S, count=6 * 60 * 3)
    (fa, ta), (fb, tb) = both(a), both(b)
    full = encounter(fa, fb, EncounterParameters(), distance_to_anchorage_km=FAR_KM)
    thin = encounter(ta, tb, EncounterParameters(), distance_to_anchorage_km=FAR_KM)
    assert len(full) == len(thin) == 2
    for f, t in zip(full, thin, strict=True):
        assert (f.window_start, f.window_end) == (t.window_start, t.window_end)
        assert t.evidence["median_distance_m"] == pytest.approx(f.evidence["median_distance_m"], abs=1)


def test_loitering_reported_every_10_s() -> None:
    pts = line(533007003, 8.0, 94.0, course=30, speed_kn=0.8, every=EVERY_10_S, count=6 * 60 * 4)
    full, thin = both(pts)
    (f,) = loitering(full, LoiteringParameters(), distance_to_shore=constant_shore(60))
    (t,) = loitering(thin, LoiteringParameters(), distance_to_shore=constant_shore(60))
    assert (f.window_start, f.window_end) == (t.window_start, t.window_end)
    assert t.evidence["mean_speed_kn"] == pytest.approx(f.evidence["mean_speed_kn"], abs=0.01)


def test_a_circling_spoof_reporting_every_10_s() -> None:
    centre, radius = (-16.5, 179.9), 1.0 / (2 * math.pi)  # 1 kn round a circle, one turn an hour
    pts = [
        TrackPoint(636007004, T0 + EVERY_10_S * k, *destination(*centre, 360.0 * k / 360, radius), 12.0, 70.0, 70, 0)
        for k in range(6 * 60 * 2)
    ]
    full, thin = both(pts)
    (f,) = reported_motion_mismatch(full, MotionParameters())
    (t,) = reported_motion_mismatch(thin, MotionParameters())
    # one fix per 10 minutes: six chords per turn, so the speed between fixes is 6 r per hour = 3/pi kn
    assert t.evidence["median_observed_kn"] == pytest.approx(3 / math.pi, abs=0.02)
    assert abs((t.window_start - f.window_start).total_seconds()) <= 300


def test_an_ongoing_silence_of_exactly_6_h_is_not_a_gap_on_either() -> None:
    pts = line(525007005, 10.0, 95.0, course=90, speed_kn=10, every=EVERY_10_S, count=6 * 60)
    full, thin = both(pts, end_after=timedelta(hours=6))
    assert went_dark(full, WentDarkParameters(), distance_to_shore=constant_shore(80)) == []
    assert went_dark(thin, WentDarkParameters(), distance_to_shore=constant_shore(80)) == []
    full, thin = both(pts, end_after=timedelta(hours=6, seconds=1))
    assert len(went_dark(thin, WentDarkParameters(), distance_to_shore=constant_shore(80))) == 1
