"""Parts of the streaming stage that need no database: its neighbour grid and its gap queue."""

from __future__ import annotations

from datetime import timedelta

from tests.tracking.tracks import line
from tracking.stream.stage import DetectionStage, Grid


def test_the_grid_wraps_at_the_antimeridian() -> None:
    grid = Grid(0.25)
    grid.add(636000001, -17.0, 179.95)  # east of 180, off Fiji
    grid.add(553000002, -17.0, -179.95)  # west of it, 6 nm away
    assert grid.around(-17.0, -179.95) == {636000001, 553000002}
    assert grid.around(-17.0, 179.95) == {636000001, 553000002}
    assert grid.key(-17.0, 180.0) == grid.key(-17.0, -180.0)


def test_a_silence_is_due_for_a_gap_test_only_once_it_is_longer_than_the_threshold() -> None:
    stage = DetectionStage(distance_to_shore=lambda lat, lon: 100.0)
    min_gap = timedelta(hours=stage.rules.went_dark.min_gap_h)
    quiet = line(525000001, 10.0, 95.0, course=90, speed_kn=8, every=timedelta(minutes=2), count=30)
    last = quiet[-1].observed_at
    neighbour = line(563000002, 10.1, 95.0, course=90, speed_kn=8, every=timedelta(minutes=2), count=400)
    stage._take(
        sorted([*quiet, *[p for p in neighbour if p.observed_at <= last + min_gap]], key=lambda p: p.observed_at)
    )
    assert 525000001 not in stage._pop_due()  # the feed is at exactly last + 6 h: not yet a gap (strictly longer)
    stage._take([p for p in neighbour if last + min_gap < p.observed_at])
    assert 525000001 in stage._pop_due()
