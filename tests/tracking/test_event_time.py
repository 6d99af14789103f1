"""Detection on event time (DESIGN.md "Detection runs on event time"): per-feed watermarks and outages
(:mod:`tracking.rules.feeds`) and the went-dark rule's use of them, through :func:`tracking.detect.evaluate`.

Pure: hand-built tracks on two feeds, no clock. The evaluation's ``end`` is deliberately far after the last
message (as a wall-clock round would be) to show that it no longer decides anything."""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.tracking.tracks import T0, constant_shore, line
from tracking.detect import DetectionInput, RuleSet, evaluate
from tracking.rules.feeds import FeedOutage, FeedParameters, FeedTimeline
from tracking.rules.model import TrackPoint, TrackWindow

WALL_CLOCK_END = T0 + timedelta(days=3)  # a round run long after the data: must not matter
NEIGHBOURS = [563400010 + k for k in range(5)]
QUIET = 525400001


def on(feed: str, points: list[TrackPoint]) -> list[TrackPoint]:
    return [dataclasses.replace(p, station=feed) for p in points]


def fleet(feed: str, hours: float, *, start_h: float = 0.0, lat: float = 10.0) -> list[TrackPoint]:
    """Five vessels within a few nm of each other, reporting every 10 min for ``hours``."""
    count = int(hours * 6) + 1
    return [
        p
        for k, mmsi in enumerate(NEIGHBOURS)
        for p in on(
            feed,
            line(
                mmsi,
                lat + 0.03 * k,
                95.0,
                course=90,
                speed_kn=6,
                every=timedelta(minutes=10),
                count=count,
                start=T0 + timedelta(hours=start_h),
            ),
        )
    ]


def detect(points: list[TrackPoint]) -> DetectionInput:
    by: dict[int, list[TrackPoint]] = {}
    for p in points:
        by.setdefault(p.mmsi, []).append(p)
    windows = tuple(TrackWindow.of(v, start=T0, end=WALL_CLOCK_END) for v in by.values())
    return DetectionInput(start=T0, end=WALL_CLOCK_END, windows=windows)


def went_dark(points: list[TrackPoint]) -> list[int]:
    flags = evaluate(detect(points), RuleSet(), distance_to_shore=constant_shore(80.0))
    return sorted(f.mmsi or 0 for f in flags if f.rule_id == "went_dark")


def test_a_feed_that_stops_for_8_hours_is_one_outage_not_vessels_going_dark() -> None:
    # Every vessel of feed "north" reports for 2 h, the feed stops for 8 h, then everyone is heard again.
    points = fleet("north", 2) + fleet("north", 2, start_h=10)
    assert went_dark(points) == []
    timeline = FeedTimeline.from_points(points)
    assert timeline.outages("north") == [
        FeedOutage("north", T0 + timedelta(hours=2), T0 + timedelta(hours=10)),
    ]


def test_a_feed_that_stops_for_good_while_another_carries_on() -> None:
    # "north" stops after 2 h for good; "south" (another area) keeps going for 12 h. The north vessels'
    # silence ends at their own feed's watermark, so nothing is flagged; the north feed has an open outage.
    points = fleet("north", 2) + on(
        "south", line(563400099, 5.0, 98.0, course=0, speed_kn=8, every=timedelta(minutes=10), count=73)
    )
    assert went_dark(points) == []
    timeline = FeedTimeline.from_points(points)
    assert timeline.watermark("north") == T0 + timedelta(hours=2)
    assert timeline.outages("north") == [FeedOutage("north", T0 + timedelta(hours=2), None)]
    assert timeline.outages("south") == []


def test_a_vessel_silent_while_its_feed_hears_its_neighbours_is_flagged() -> None:
    quiet = on("north", line(QUIET, 10.05, 95.0, course=90, speed_kn=6, every=timedelta(minutes=10), count=13))
    points = fleet("north", 12) + quiet  # QUIET stops after 2 h; its neighbours are heard for 12 h
    flags = evaluate(detect(points), RuleSet(), distance_to_shore=constant_shore(80.0))
    dark = [f for f in flags if f.rule_id == "went_dark"]
    assert [f.mmsi for f in dark] == [QUIET]
    flag = dark[0]
    # Silent from its last report up to the feed's watermark (12 h), not to the round's end (3 days).
    assert flag.window_start == T0 + timedelta(hours=2)
    assert flag.window_end == T0 + timedelta(hours=12)
    assert flag.evidence["ongoing"] is True and flag.evidence["feed"] == "north"
    assert flag.evidence["other_vessels_heard"] == NEIGHBOURS
    assert flag.evidence["feed_live_hours"] == 10.0


def test_neighbours_heard_only_by_another_feed_do_not_show_coverage() -> None:
    quiet = on("north", line(QUIET, 10.05, 95.0, course=90, speed_kn=6, every=timedelta(minutes=10), count=13))
    # The neighbours are heard by "south" only; "north" itself keeps delivering a far-away vessel.
    far = on("north", line(563400098, 2.0, 105.0, course=0, speed_kn=8, every=timedelta(minutes=10), count=73))
    assert went_dark(fleet("south", 12) + quiet + far) == []
    # ... and with the neighbours on "north" the same silence is a gap.
    assert went_dark(fleet("north", 12) + quiet + far) == [QUIET]


def test_an_outage_inside_a_vessels_silence_does_not_count_towards_it() -> None:
    # QUIET is silent from 2 h to 12 h, but its feed was down from 3 h to 10 h: 3 h of live silence only.
    quiet = on("north", line(QUIET, 10.05, 95.0, course=90, speed_kn=6, every=timedelta(minutes=10), count=13))
    back = on(
        "north",
        line(
            QUIET,
            10.05,
            95.3,
            course=90,
            speed_kn=6,
            every=timedelta(minutes=10),
            count=7,
            start=T0 + timedelta(hours=12),
        ),
    )
    points = fleet("north", 3) + fleet("north", 3, start_h=10) + quiet + back
    assert went_dark(points) == []
    # Without the outage (neighbours heard throughout) the same silence is a gap.
    assert went_dark(fleet("north", 13) + quiet + back) == [QUIET]


def test_late_messages_fill_outages_but_do_not_move_the_watermark_back() -> None:
    timeline = FeedTimeline(FeedParameters(outage_min=30))
    for m in (0, 10):
        assert timeline.observe("a", T0 + timedelta(minutes=m)) is None
    resumed = timeline.observe("a", T0 + timedelta(minutes=60))
    assert resumed == FeedOutage("a", T0 + timedelta(minutes=10), T0 + timedelta(minutes=60))
    assert timeline.observe("a", T0 + timedelta(minutes=35)) is None  # late: 25 min from either side
    assert timeline.watermark("a") == T0 + timedelta(minutes=60)
    assert timeline.outages("a") == []
    assert timeline.live("a", T0, T0 + timedelta(hours=3)) == timedelta(hours=1)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=48 * 60), min_size=1, max_size=60), st.randoms())
def test_the_timeline_does_not_depend_on_arrival_order(minutes: list[int], rnd: random.Random) -> None:
    ordered, shuffled = FeedTimeline(), FeedTimeline()
    for m in sorted(minutes):
        ordered.observe("f", T0 + timedelta(minutes=m))
    mixed = list(minutes)
    rnd.shuffle(mixed)
    for m in mixed:
        shuffled.observe("f", T0 + timedelta(minutes=m))
    assert shuffled.outages("f") == ordered.outages("f")
    assert shuffled.watermark("f") == ordered.watermark("f")
    assert FeedTimeline.restore(shuffled.snapshot()).outages("f") == ordered.outages("f")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=48 * 60), min_size=1, max_size=60))
def test_live_time_never_exceeds_the_span_and_is_the_span_less_outages(minutes: list[int]) -> None:
    timeline = FeedTimeline()
    for m in sorted(minutes):
        timeline.observe("f", T0 + timedelta(minutes=m))
    start, stop = T0, T0 + timedelta(hours=48)
    live = timeline.live("f", start, stop)
    first, last = T0 + timedelta(minutes=min(minutes)), T0 + timedelta(minutes=max(minutes))
    down = sum(((o.resumed_at or last) - o.last_heard_at for o in timeline.outages("f")), timedelta(0))
    assert timedelta(0) <= live <= stop - start
    assert live == (last - first) - down
