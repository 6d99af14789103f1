"""The streaming stage's per-vessel state (:mod:`tracking.stream.state`): bounded, thinned, idempotent."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from tests.tracking.tracks import T0, line
from tracking.rules.model import TrackPoint
from tracking.stream.state import StateLimits, VesselState, build_states

LIMITS = StateLimits()


def test_a_day_of_ten_second_reports_keeps_one_per_bucket_and_the_latest() -> None:
    track = line(563600001, 10.0, 95.0, course=90, speed_kn=12, every=timedelta(seconds=10), count=6 * 60 * 30)
    state = VesselState(563600001)
    changed = [state.add(p, LIMITS) for p in track]
    # 30 h of reports: only the last 24 h are held, one per 5-minute bucket, plus the latest report.
    assert state.size() <= 24 * 12 + 2
    assert state.points[-1] == track[-1]
    assert state.points[0].observed_at >= track[-1].observed_at - LIMITS.horizon - LIMITS.spacing
    # Only a report that starts a bucket changes the kept track (what makes a vessel worth re-evaluating).
    assert sum(changed) == len({int(p.observed_at.timestamp() // 300) for p in track})


def test_replaying_reports_changes_nothing() -> None:
    track = line(563600002, 10.0, 95.0, course=90, speed_kn=12, every=timedelta(seconds=30), count=200)
    state = build_states(track, LIMITS)[563600002]
    before = list(state.points)
    assert not any(state.add(p, LIMITS) for p in track)
    assert state.points == before


def test_status_changes_jumps_and_distress_reports_are_kept_inside_a_bucket() -> None:
    track = line(563600003, 10.0, 95.0, course=90, speed_kn=5, every=timedelta(seconds=10), count=20)
    track[5] = dataclasses.replace(track[5], nav_status=2)  # not under command
    track[9] = dataclasses.replace(track[9], lat=track[9].lat + 1.0)  # 60 nm away in 90 s: a jump
    state = build_states(track, LIMITS)[563600003]
    kept = {p.observed_at for p in state.points}
    assert track[0].observed_at in kept and track[5].observed_at in kept and track[9].observed_at in kept
    sart = [
        TrackPoint(mmsi=970600004, observed_at=T0 + timedelta(seconds=10 * k), lat=10.0, lon=95.0, nav_status=14)
        for k in range(12)
    ]
    assert len(build_states(sart, LIMITS)[970600004].points) == 12
