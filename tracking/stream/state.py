"""Per-vessel keyed state of the streaming detection stage: a bounded, thinned recent track per MMSI.

What is kept of a vessel's reports, per ``spacing`` bucket of message time:

* the earliest report of the bucket — enough for the rules that read hours of track (loitering's hourly
  means, encounters of at least 2 h, zone crossings, drift);
* the first report of each other (navigational status, message type) of the bucket — status and class
  changes are what several rules read;
* every distress report (nav status 14, AIS-SART/MOB/EPIRB MMSIs 970/972/974, ITU-R M.1371-5) and every
  report an impossible distance (over ``jump_kn``) from the bucket's earliest — the spoofing rule's evidence;

plus the latest report overall (a silence starts there), and nothing older than ``horizon`` before it.
A bucket's kept reports are a function of the reports received in it, so a replayed batch changes nothing
(a report already held is ignored) and a restart that rebuilds the state from the committed positions
gets the same state. Units: times timezone-aware UTC, speeds in knots.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tracking.rules.geo import distance_nm
from tracking.rules.model import NAV_AIS_SART_ACTIVE, TrackPoint, TrackWindow


@dataclass(frozen=True, slots=True)
class StateLimits:
    """How much track the stage keeps per vessel (see the module docstring)."""

    spacing: timedelta = timedelta(minutes=5)
    horizon: timedelta = timedelta(hours=24)
    jump_kn: float = 50.0  # design reference numbers: impossible speed > 50 kn between fixes


def _is_distress_point(p: TrackPoint) -> bool:
    return p.nav_status == NAV_AIS_SART_ACTIVE or p.mmsi // 1_000_000 in (970, 972, 974)


#: What else a report is tagged with when it enters the state (e.g. the ids of the zones it lies in,
#: from one spatial-index query per batch); a change of tag within a bucket is kept like a status change.
Tag = frozenset[int]
NO_TAG: Tag = frozenset()


def _thin(reports: list[tuple[TrackPoint, Tag]], limits: StateLimits) -> list[tuple[TrackPoint, Tag]]:
    """The kept reports of one bucket (time order in, time order out); see the module docstring."""
    earliest = reports[0][0]
    kept = [reports[0]]
    seen = {(earliest.nav_status, earliest.msg_type, reports[0][1])}
    for p, tag in reports[1:]:
        combo = (p.nav_status, p.msg_type, tag)
        hours = (p.observed_at - earliest.observed_at).total_seconds() / 3600.0
        jumped = hours > 0 and distance_nm(earliest.lat, earliest.lon, p.lat, p.lon) / hours > limits.jump_kn
        if combo not in seen or _is_distress_point(p) or jumped:
            kept.append((p, tag))
            seen.add(combo)
    return kept


class VesselState:
    """The kept reports of one MMSI (see the module docstring)."""

    __slots__ = ("mmsi", "buckets", "tail")

    def __init__(self, mmsi: int) -> None:
        self.mmsi = mmsi
        self.buckets: dict[int, list[tuple[TrackPoint, Tag]]] = {}
        self.tail: TrackPoint | None = None

    @property
    def last(self) -> TrackPoint | None:
        return self.tail

    def add(self, p: TrackPoint, limits: StateLimits, tag: Tag = NO_TAG) -> bool:
        """Take one report. Returns whether the kept track changed beyond its latest report — what makes
        the vessel worth re-evaluating (a report that only replaces the latest one changes no flag's
        start or severity). A duplicate changes nothing."""
        b = _bucket(p.observed_at, limits)
        held = self.buckets.get(b, [])
        if self.tail is None or p.observed_at > self.tail.observed_at:
            self.tail = p
        if any(q.observed_at == p.observed_at for q, _ in held):
            return False
        kept = _thin(sorted([*held, (p, tag)], key=lambda q: q[0].observed_at), limits)
        if kept == held:
            return False
        self.buckets[b] = kept
        oldest = _bucket(self.tail.observed_at - limits.horizon, limits)
        if min(self.buckets) < oldest:
            for old in [k for k in self.buckets if k < oldest]:
                del self.buckets[old]
        return True

    @property
    def points(self) -> list[TrackPoint]:
        """The kept reports, oldest first (the latest report last)."""
        out = [p for b in sorted(self.buckets) for p, _ in self.buckets[b]]
        if self.tail is not None and (not out or out[-1].observed_at < self.tail.observed_at):
            out.append(self.tail)
        return out

    def size(self) -> int:
        return sum(len(v) for v in self.buckets.values()) + 1

    def window(self, start: datetime, end: datetime) -> TrackWindow:
        """The kept reports as a :class:`TrackWindow` over the evaluation's range (widened to hold them)."""
        pts = tuple(self.points)
        first = pts[0].observed_at if pts else start
        last = pts[-1].observed_at if pts else end
        return TrackWindow(self.mmsi, min(start, first), max(end, last), pts)


def _bucket(t: datetime, limits: StateLimits) -> int:
    return int(t.timestamp() // limits.spacing.total_seconds())


def build_states(points: Iterable[TrackPoint], limits: StateLimits) -> dict[int, VesselState]:
    """States from stored reports (a restart rebuilds its state from the committed positions)."""
    states: dict[int, VesselState] = {}
    for p in points:
        state = states.get(p.mmsi)
        if state is None:
            state = states[p.mmsi] = VesselState(p.mmsi)
        state.add(p, limits)
    return states
