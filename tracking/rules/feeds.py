"""Event time of each feed: its watermark and its outages, from the times of the messages it delivered.

A *feed* is one receiving station (``position.station``; ``None`` for reports that name none). Its
**watermark** is the latest message time it has delivered: the feed is taken as complete up to there, so a
vessel on that feed can only be silent *up to the watermark* — never up to the wall clock. An **outage**
is a stretch of at least ``outage_min`` minutes in which the feed delivered no message at all: a shore
station in traffic hears Class A reports every 2–10 s (ITU-R M.1371-5 Annex 1 Table 1), and a satellite
feed revisits an area about every 1–2 h, so two hours without a single message is the station or its link
failing, not quiet traffic. Time a feed spent in an
outage is not evidence that any vessel on it fell silent (DESIGN.md, "Detection runs on event time").

:class:`FeedTimeline` is pure and incremental: :meth:`FeedTimeline.observe` takes one message time at a
time (the streaming stage calls it per position), :meth:`FeedTimeline.from_points` builds one from a
batch. A *late* message (older than its feed's watermark) does not move the watermark, but it does fill
the outage it falls in: the timeline is the same whatever order the messages arrive in.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from tracking.rules.model import TrackPoint
from tracking.rules.parameters import RuleParameters, threshold

Feed = str | None


@dataclass(frozen=True, slots=True)
class FeedParameters(RuleParameters):
    """When a feed's silence is an outage (units in each field's declaration)."""

    outage_min: float = threshold(
        120.0,
        unit="min",
        low=1.0,
        high=1440.0,
        source="Seasight (authored): Class A reports every 2-10 s under way (ITU-R M.1371-5 Annex 1 Table 1), "
        "so a shore feed is never quiet for long; satellite AIS revisits an area about every 1-2 h",
        description="a feed that delivers no message at all for this long has stopped (an outage)",
    )


@dataclass(frozen=True, slots=True)
class FeedOutage:
    """One outage of a feed: last message before it, first message after (``None``: still stopped)."""

    feed: Feed
    last_heard_at: datetime
    resumed_at: datetime | None

    def hours(self, until: datetime) -> float:
        return ((self.resumed_at or until) - self.last_heard_at) / timedelta(hours=1)


class FeedTimeline:
    """Watermark and outages of every feed (see the module docstring). Pure and order-independent: the
    same messages in any arrival order give the same timeline, so partitions consumed at different paces
    (or a restart) decide alike. ``observe`` is O(log r) in the feed's number of live runs r (outages + 1)."""

    def __init__(self, params: FeedParameters | None = None) -> None:
        self.params = params or FeedParameters()
        self._outage_after = timedelta(minutes=self.params.outage_min)
        # Per feed, its *live runs*: maximal [first, last] spans whose consecutive messages are closer
        # than ``outage_min``, sorted and disjoint; the holes between them are the outages.
        self._starts: dict[Feed, list[datetime]] = {}
        self._ends: dict[Feed, list[datetime]] = {}
        self._messages: dict[Feed, int] = {}
        #: Complete only up to here, whatever the feeds say (a streaming consumer's slowest input
        #: partition: messages of a feed still queued there may be older than the feed's latest).
        self.held_back_to: datetime | None = None

    @classmethod
    def from_points(cls, points: Iterable[TrackPoint], params: FeedParameters | None = None) -> FeedTimeline:
        """A timeline from a batch of reports (any order)."""
        timeline = cls(params)
        for p in sorted(points, key=lambda q: q.observed_at):
            timeline.observe(p.station, p.observed_at)
        return timeline

    def observe(self, feed: Feed, at: datetime) -> FeedOutage | None:
        """Take one message time of ``feed``; returns the outage it ends when it resumes the feed after
        its latest run (the case a live stream sees), else ``None``."""
        self._messages[feed] = self._messages.get(feed, 0) + 1
        starts = self._starts.setdefault(feed, [])
        ends = self._ends.setdefault(feed, [])
        i = bisect.bisect_right(starts, at) - 1  # the run starting at or before ``at``
        gap = self._outage_after
        joins_prev = i >= 0 and at - ends[i] < gap
        joins_next = i + 1 < len(starts) and starts[i + 1] - at < gap
        resumed: FeedOutage | None = None
        if joins_prev and joins_next:  # fills the hole between two runs: merge them
            ends[i] = ends[i + 1]
            del starts[i + 1], ends[i + 1]
        elif joins_prev:
            if at > ends[i]:
                ends[i] = at
        elif joins_next:
            starts[i + 1] = at
        else:
            if i >= 0 and i + 1 == len(starts):
                resumed = FeedOutage(feed, ends[i], at)
            starts.insert(i + 1, at)
            ends.insert(i + 1, at)
        return resumed

    def feeds(self) -> list[Feed]:
        return sorted(self._starts, key=lambda f: (f is None, f or ""))

    def messages(self, feed: Feed) -> int:
        return self._messages.get(feed, 0)

    def watermark(self, feed: Feed) -> datetime | None:
        """The latest message time the feed delivered (complete up to here), ``None`` if never heard."""
        ends = self._ends.get(feed)
        if not ends:
            return None
        return ends[-1] if self.held_back_to is None else min(ends[-1], self.held_back_to)

    def first_heard(self, feed: Feed) -> datetime | None:
        starts = self._starts.get(feed)
        return starts[0] if starts else None

    def event_time(self) -> datetime | None:
        """The latest message time of any feed: how far the picture as a whole has got."""
        latest = max((e[-1] for e in self._ends.values() if e), default=None)
        if latest is None or self.held_back_to is None:
            return latest
        return min(latest, self.held_back_to)

    def outages(self, feed: Feed) -> list[FeedOutage]:
        """The feed's outages, oldest first, with a still-open one last when the feed has been silent for
        ``outage_min`` while other feeds moved on (judged on :meth:`event_time`, not the wall clock)."""
        starts, ends = self._starts.get(feed, []), self._ends.get(feed, [])
        out = [FeedOutage(feed, ends[k], starts[k + 1]) for k in range(len(starts) - 1)]
        now = self.event_time()
        if ends and now is not None and now - ends[-1] >= self._outage_after:
            out.append(FeedOutage(feed, ends[-1], None))
        return out

    def all_outages(self) -> Iterator[FeedOutage]:
        for feed in self.feeds():
            yield from self.outages(feed)

    def live(self, feed: Feed, start: datetime, stop: datetime) -> timedelta:
        """How long within ``[start, stop]`` the feed was demonstrably receiving: the overlap of the span
        with its live runs (up to its watermark, less its outages)."""
        starts, ends = self._starts.get(feed, []), self._ends.get(feed, [])
        total = timedelta(0)
        k = max(0, bisect.bisect_right(starts, start) - 1)
        while k < len(starts) and starts[k] < stop:
            overlap = min(stop, ends[k]) - max(start, starts[k])
            if overlap > timedelta(0):
                total += overlap
            k += 1
        return total

    def snapshot(self) -> dict[str, object]:
        """JSON-ready state (for a checkpoint); :meth:`restore` reads it back."""
        return {
            "outage_min": self.params.outage_min,
            "feeds": [
                [
                    f,
                    [a.isoformat() for a in self._starts[f]],
                    [b.isoformat() for b in self._ends[f]],
                    self._messages.get(f, 0),
                ]
                for f in self.feeds()
            ],
        }

    @classmethod
    def restore(cls, snap: dict[str, object]) -> FeedTimeline:
        timeline = cls(FeedParameters(outage_min=float(snap["outage_min"])))  # type: ignore[arg-type]
        for feed, starts, ends, n in snap["feeds"]:  # type: ignore[attr-defined]
            timeline._starts[feed] = [datetime.fromisoformat(a) for a in starts]
            timeline._ends[feed] = [datetime.fromisoformat(b) for b in ends]
            timeline._messages[feed] = int(n)
        return timeline
