"""Went dark for silences longer than the evaluated window (issue 16): a window carries the vessel's last
report before it (``TrackWindow.before``), and the silence from there is judged whole, up to
``max_silence_h``. The windows and the feed timeline are built as ``tracking.detect.load_input`` builds them:
from the reports inside the window only."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.tracking.tracks import T0, constant_shore, line
from tracking.rules.errors import InvalidTrackError
from tracking.rules.feeds import FeedTimeline
from tracking.rules.model import Severity, TrackPoint, TrackWindow
from tracking.rules.went_dark import WentDarkParameters, find_gaps, went_dark

P = WentDarkParameters()
DARK = 525016001
END = T0 + timedelta(hours=40)
START = END - timedelta(hours=24)  # the default detection window
EVERY = timedelta(minutes=10)


def neighbours(lat: float, lon: float, start: datetime = START, end: datetime = END) -> list[TrackPoint]:
    """Four slow vessels within 10 nm of (lat, lon), every 30 min from ``start`` to ``end``: the feed hears
    the area throughout (its watermark is ``end``)."""
    count = int((end - start) / timedelta(minutes=30)) + 1
    return [
        p
        for k in range(4)
        for p in line(
            563016010 + k,
            lat + 0.04 * k,
            lon,
            course=0,
            speed_kn=0.1,
            every=timedelta(minutes=30),
            count=count,
            start=start,
        )
    ]


def dark_period(silent_h: float, *, resume_at: datetime | None = None) -> tuple[list[TrackPoint], list[TrackPoint]]:
    """(reports before the silence, reports after it): 3 h at 9 kn every 10 min, ``silent_h`` of silence, then
    reports every 10 min from ``resume_at`` (default: last report + ``silent_h``) up to ``END``."""
    resume = resume_at if resume_at is not None else END - timedelta(hours=2)
    last_at = resume - timedelta(hours=silent_h)
    before = line(DARK, 10.0, 95.5, course=90, speed_kn=9, every=EVERY, count=19, start=last_at - timedelta(hours=3))
    count = int((END - resume) / EVERY) + 1
    after = line(DARK, 10.0, 96.5, course=90, speed_kn=9, every=EVERY, count=count, start=resume)
    return before, after


def as_loaded(
    before: list[TrackPoint], after: list[TrackPoint], others: list[TrackPoint], *, start: datetime = START
) -> tuple[TrackWindow, FeedTimeline, list[TrackPoint]]:
    """The dark vessel's window over ``[start, END]`` with its last report before ``start``, the feed timeline of
    the reports inside the window, and the other vessels' reports inside it (the coverage)."""
    inside = [p for p in before + after if p.observed_at >= start]
    prior = [p for p in before + after if p.observed_at < start]
    others_inside = [p for p in others if start <= p.observed_at <= END]
    window = TrackWindow(DARK, start, END, tuple(inside), before=prior[-1] if prior else None)
    return window, FeedTimeline.from_points([*inside, *others_inside]), others_inside


@pytest.mark.parametrize("silent_h", [26.0, 27.0, 28.0])
def test_a_26_to_28_h_dark_period_is_flagged_by_a_24_h_window(silent_h: float) -> None:
    before, after = dark_period(silent_h)
    others = neighbours(before[-1].lat, before[-1].lon, start=T0)
    window, feeds, coverage = as_loaded(before, after, others)
    assert window.before == before[-1] and window.points[0] == after[0]  # the silence spans the window's start

    (flag,) = went_dark(window, P, distance_to_shore=constant_shore(80), others=coverage, feeds=feeds)
    assert flag.rule_id == "went_dark" and flag.rule_version == 3 and flag.mmsi == DARK
    assert flag.window_start == before[-1].observed_at and flag.window_end == after[0].observed_at
    assert flag.evidence["gap_hours"] == pytest.approx(silent_h, abs=1e-3)
    assert flag.evidence["ongoing"] is False
    # The feed timeline begins at the window's start; the hours before it count as live feed time.
    assert flag.evidence["feed_live_hours"] == pytest.approx(silent_h, abs=1e-3)
    assert flag.evidence["prior_track_held"] is False
    # A long dark period offshore in coverage is HIGH; GFW's density criteria cannot hold on a track not held.
    assert flag.severity is Severity.HIGH and flag.evidence["long_dark_offshore_in_coverage"] is True
    assert flag.evidence["suspected_disabling"] is False
    check = flag.evidence["suspected_disabling_check"]
    assert check["positions_before"] == 0 and check["history_h"] == 0.0
    assert flag.parameters["max_silence_h"]["value"] == 72.0

    # Without the report before the window (as before rule version 3), the same window shows no gap at all.
    alone = TrackWindow(DARK, START, END, window.points)
    assert went_dark(alone, P, distance_to_shore=constant_shore(80), others=coverage, feeds=feeds) == []


def test_a_gap_inside_the_window_holds_its_prior_track() -> None:
    before, after = dark_period(14.0)
    others = neighbours(before[-1].lat, before[-1].lon, start=T0)
    window, feeds, coverage = as_loaded(before, after, others)
    assert window.before is None and window.points[0] == before[0]
    (flag,) = went_dark(window, P, distance_to_shore=constant_shore(80), others=coverage, feeds=feeds)
    assert flag.evidence["prior_track_held"] is True
    assert flag.evidence["suspected_disabling_check"]["positions_before"] == 18


def test_a_vessel_silent_throughout_the_window_is_an_ongoing_gap_from_its_report_before_it() -> None:
    before, _after = dark_period(26.0, resume_at=END)  # its reports after END are not yet heard
    last = before[-1]
    assert last.observed_at == END - timedelta(hours=26)
    others = neighbours(last.lat, last.lon, start=T0)
    window, feeds, coverage = as_loaded(before, [], others)
    assert window.points == () and window.before == last

    (flag,) = went_dark(window, P, distance_to_shore=constant_shore(80), others=coverage, feeds=feeds)
    assert flag.evidence["ongoing"] is True and flag.window_end == END  # silent up to the feed's watermark
    assert flag.evidence["gap_hours"] == pytest.approx(26.0, abs=1e-3)
    assert flag.evidence["feed_live_hours"] == pytest.approx(26.0, abs=1e-3)
    assert flag.evidence["prior_track_held"] is False and "still silent" in flag.summary


@pytest.mark.parametrize(("silent", "is_gap"), [(timedelta(hours=6), False), (timedelta(hours=6, minutes=1), True)])
def test_exactly_6_h_from_the_report_before_the_window_is_not_a_gap(silent: timedelta, is_gap: bool) -> None:
    # Last report 1 h before the window, heard again 5 h (or 5 h 1 min) into it.
    resume = START + silent - timedelta(hours=1)
    before, after = dark_period(silent / timedelta(hours=1), resume_at=resume)
    assert before[-1].observed_at == START - timedelta(hours=1)
    window, feeds, coverage = as_loaded(before, after, neighbours(before[-1].lat, before[-1].lon))
    assert window.before is not None
    gaps = find_gaps(window, P, feeds)
    assert [g.live_hours for g in gaps] == ([pytest.approx(silent / timedelta(hours=1))] if is_gap else [])
    flags = went_dark(window, P, distance_to_shore=constant_shore(80), others=coverage, feeds=feeds)
    assert len(flags) == (1 if is_gap else 0)


@pytest.mark.parametrize(("silent_h", "followed"), [(71.5, True), (72.0, True), (72.5, False), (100.0, False)])
def test_a_silence_from_before_the_window_is_followed_up_to_max_silence_h(silent_h: float, followed: bool) -> None:
    before, after = dark_period(silent_h)
    window, feeds, coverage = as_loaded(before, after, neighbours(before[-1].lat, before[-1].lon))
    flags = went_dark(window, P, distance_to_shore=constant_shore(80), others=coverage, feeds=feeds)
    assert [f.evidence["gap_hours"] for f in flags] == ([pytest.approx(silent_h, abs=1e-3)] if followed else [])


def test_max_silence_h_is_a_threshold_like_any_other() -> None:
    before, after = dark_period(27.0)
    window, feeds, coverage = as_loaded(before, after, neighbours(before[-1].lat, before[-1].lon))
    shorter = WentDarkParameters(max_silence_h=26.0)
    assert went_dark(window, shorter, distance_to_shore=constant_shore(80), others=coverage, feeds=feeds) == []
    assert shorter.provenance()["max_silence_h"]["value"] == 26.0


def test_the_report_before_a_window_must_be_the_vessels_own_and_earlier() -> None:
    before, after = dark_period(27.0)
    inside = tuple(p for p in after if p.observed_at >= START)
    other = TrackPoint(563016099, before[-1].observed_at, before[-1].lat, before[-1].lon)
    with pytest.raises(InvalidTrackError, match="563016099"):
        TrackWindow(DARK, START, END, inside, before=other)
    with pytest.raises(InvalidTrackError, match="not before its first"):
        TrackWindow(DARK, START, END, inside, before=inside[0])


def test_a_class_b_report_before_the_window_makes_the_window_class_b() -> None:
    before, after = dark_period(27.0)
    b = TrackPoint(DARK, before[-1].observed_at, before[-1].lat, before[-1].lon, sog_kn=5.0, msg_type=18)
    window = TrackWindow(DARK, START, END, tuple(p for p in after if p.observed_at >= START), before=b)
    assert window.ais_class == "B"
