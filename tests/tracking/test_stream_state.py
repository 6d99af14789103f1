"""The streaming stage's per-vessel state (:mod:`tracking.stream.state`): bounded, thinned, packed, idempotent."""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta

import pytest

from tests.tracking.tracks import T0, line
from tracking.rules.model import TrackPoint
from tracking.stream.state import SIZE, Codebook, StateLimits, VesselState, build_states

LIMITS = StateLimits()


def same_report(a: TrackPoint, b: TrackPoint) -> bool:
    """Equal at the resolution ITU-R M.1371 transmits (what the packed record keeps)."""
    return (
        a.mmsi == b.mmsi
        and a.observed_at == b.observed_at
        and abs(a.lat - b.lat) <= 5e-8
        and abs(a.lon - b.lon) <= 5e-8
        and (a.sog_kn is None) == (b.sog_kn is None)
        and (a.sog_kn is None or b.sog_kn is None or abs(a.sog_kn - b.sog_kn) <= 0.05)
        and (a.cog_deg is None or b.cog_deg is None or abs(a.cog_deg - b.cog_deg) <= 0.05)
        and a.heading_deg == b.heading_deg
        and a.nav_status == b.nav_status
        and a.msg_type == b.msg_type
        and a.station == b.station
    )


def test_a_day_of_ten_second_reports_keeps_one_per_bucket_and_the_latest() -> None:
    track = line(563600001, 10.0, 95.0, course=90, speed_kn=12, every=timedelta(seconds=10), count=6 * 60 * 30)
    book = Codebook()
    state = VesselState(563600001)
    changed = [state.add(p, LIMITS, book) for p in track]
    # 30 h of reports: only the last 24 h are held, one per 10-minute bucket, plus the latest report.
    assert state.size() <= 24 * 6 + 2
    assert len(state.data) == (state.size() - 1) * SIZE
    points = state.points(book)
    assert same_report(points[-1], track[-1])
    assert points[0].observed_at >= track[-1].observed_at - LIMITS.horizon - LIMITS.spacing
    # Only a report that starts a bucket changes the kept track (what makes a vessel worth re-evaluating).
    assert sum(changed) == len({int(p.observed_at.timestamp() // 600) for p in track})


def test_the_packed_record_keeps_what_ais_transmits() -> None:
    book = Codebook()
    p = TrackPoint(
        mmsi=563600009,
        observed_at=T0 + timedelta(milliseconds=1234),
        lat=-8.123456666,  # 1/600,000 degree steps, as AIS sends them
        lon=179.999998333,
        sog_kn=102.2,
        cog_deg=359.9,
        heading_deg=359,
        nav_status=15,
        msg_type=27,
        station="AU-DARWIN",
    )
    blank = TrackPoint(mmsi=563600009, observed_at=T0 + timedelta(seconds=2), lat=-90.0, lon=-180.0, msg_type=18)
    state = build_states([p, blank], LIMITS, book)[563600009]
    first, second = state.points(book)
    assert same_report(first, p) and same_report(second, blank)
    assert (second.sog_kn, second.cog_deg, second.heading_deg, second.nav_status, second.station) == (
        None,
        None,
        None,
        None,
        None,
    )


def test_replaying_reports_changes_nothing() -> None:
    book = Codebook()
    track = line(563600002, 10.0, 95.0, course=90, speed_kn=12, every=timedelta(seconds=30), count=200)
    state = build_states(track, LIMITS, book)[563600002]
    before = state.points(book)
    assert not any(state.add(p, LIMITS, book) for p in track)
    assert state.points(book) == before


def test_the_kept_track_does_not_depend_on_arrival_order() -> None:
    track = line(563600005, 10.0, 95.0, course=45, speed_kn=8, every=timedelta(seconds=20), count=2000)
    track[700] = dataclasses.replace(track[700], nav_status=5)
    shuffled = list(track)
    random.Random(7).shuffle(shuffled)
    book = Codebook()
    in_order = build_states(track, LIMITS, book)[563600005]
    out_of_order = build_states(shuffled, LIMITS, book)[563600005]
    assert in_order.points(book) == out_of_order.points(book)


def test_a_vessel_heard_again_after_weeks_is_rebased_not_overflowed() -> None:
    book = Codebook()
    state = VesselState(563600006)
    early = line(563600006, 10.0, 95.0, course=90, speed_kn=5, every=timedelta(minutes=10), count=3)
    late = line(
        563600006,
        11.0,
        96.0,
        course=90,
        speed_kn=5,
        every=timedelta(minutes=10),
        count=3,
        start=T0 + timedelta(days=40),
    )
    for p in [*early, *late]:
        state.add(p, LIMITS, book)
    points = state.points(book)
    assert [q.observed_at for q in points] == [q.observed_at for q in late]  # the early ones are beyond the horizon
    assert state.tail_at() == late[-1].observed_at


def test_status_changes_jumps_and_distress_reports_are_kept_inside_a_bucket() -> None:
    book = Codebook()
    track = line(563600003, 10.0, 95.0, course=90, speed_kn=5, every=timedelta(seconds=10), count=20)
    track[5] = dataclasses.replace(track[5], nav_status=2)  # not under command
    track[9] = dataclasses.replace(track[9], lat=track[9].lat + 1.0)  # 60 nm away in 90 s: a jump
    state = build_states(track, LIMITS, book)[563600003]
    kept = {p.observed_at for p in state.points(book)}
    assert track[0].observed_at in kept and track[5].observed_at in kept and track[9].observed_at in kept
    sart = [
        TrackPoint(mmsi=970600004, observed_at=T0 + timedelta(seconds=10 * k), lat=10.0, lon=95.0, nav_status=14)
        for k in range(12)
    ]
    assert len(build_states(sart, LIMITS, book)[970600004].points(book)) == 12


def test_a_codebook_refuses_more_stations_than_a_record_can_name() -> None:
    book = Codebook()
    for k in range(0xFFFF):
        book.station_id(f"station-{k}")
    with pytest.raises(OverflowError, match="65,535 receiving stations"):
        book.station_id("one-too-many")
