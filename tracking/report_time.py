"""Time sanity of AIS reports: is a report stamped in the future, given its receiving station's clock?

A report's observed time comes from the feed (NMEA 4.x / IEC 61162-450 tag block ``c:``, a ``$PGHP``
wrapper, a trailing USCG time); its receipt time from Seasight's clock when ingest read the line. A
receiver's clock may run ahead (small receivers without GNSS or NTP drift by minutes), so each station's
offset is learned from its own traffic: the median of ``observed_at - received_at`` over a batch, blended
into the stored estimate with a weight that grows with the number of reports (a prior of
``prior_reports`` reports at offset 0 for a station not heard before, a memory of ``memory_reports``),
and clamped to ``max_offset_min``. A report is ahead by ``observed_at - received_at``; it is
**quarantined** when that exceeds ``tolerance_min`` plus the station's learned offset (a negative offset —
latency, a replayed history, a slow clock — never tightens the tolerance).

One report from a station not heard before moves its estimate by at most a prior's share, so a single
spoofed report stamped 23 h ahead is quarantined whatever station name it carries. Pure: no database,
no clock (tracking/store.py reads and writes the estimates in the tracker's transaction).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tracking.rules.parameters import RuleParameters, threshold


@dataclass(frozen=True, slots=True)
class ReportTimeParameters(RuleParameters):
    tolerance_min: float = threshold(
        5.0,
        unit="min",
        low=0.5,
        high=60.0,
        source="ITU-R M.1371 reports carry GNSS-synchronised UTC seconds; receivers' own clocks drift by "
        "minutes without NTP/GNSS (IEC 61162-450 tag-block time is the receiver's clock)",
        description="how far a report may be stamped after its receipt before it is quarantined",
    )
    max_offset_min: float = threshold(
        30.0,
        unit="min",
        low=0.0,
        high=720.0,
        source="Seasight: the largest receiver clock error learned and allowed for; beyond it a station's "
        "stamps are not trusted",
        description="largest clock offset learned for a receiving station (either sign)",
    )
    prior_reports: float = threshold(
        10.0,
        unit="reports",
        low=1.0,
        high=1000.0,
        source="Seasight: a station not heard before is assumed on time until this many reports say otherwise",
        description="weight of the on-time assumption for a new station, in reports",
    )
    memory_reports: float = threshold(
        100.0,
        unit="reports",
        low=1.0,
        high=100_000.0,
        source="Seasight: the learned offset follows a drifting clock over about this many reports",
        description="how many past reports the learned offset remembers",
    )


DEFAULT_REPORT_TIME = ReportTimeParameters()


@dataclass(frozen=True, slots=True)
class StationClock:
    """A receiving station's learned clock offset (seconds, positive = stamps ahead) and how many reports
    it was learned from."""

    offset_s: float
    samples: int


ON_TIME = StationClock(0.0, 0)


def ahead_s(observed_at: datetime, received_at: datetime) -> float:
    """How far (seconds) a report is stamped after its receipt (negative: before, the normal case)."""
    return (observed_at - received_at).total_seconds()


def learn(known: StationClock | None, aheads: Sequence[float], params: ReportTimeParameters) -> StationClock:
    """The station's estimate after a batch of its reports (``aheads``: each report's :func:`ahead_s`).

    The batch median (clamped to ±``max_offset_min``) is blended into the known estimate with weight
    ``n / (n + max(min(samples, memory), prior))``: a batch of one report barely moves a new station's
    estimate, a steady clock error is learned within a few batches."""
    known = known or ON_TIME
    if not aheads:
        return known
    limit = params.max_offset_min * 60.0
    median = min(max(statistics.median(aheads), -limit), limit)
    n = len(aheads)
    weight = n / (n + max(min(float(known.samples), params.memory_reports), params.prior_reports))
    offset = known.offset_s + (median - known.offset_s) * weight
    return StationClock(min(max(offset, -limit), limit), known.samples + n)


def allowed_ahead_s(clock: StationClock | None, params: ReportTimeParameters) -> float:
    """How far (seconds) a report of a station with this estimate may be stamped after its receipt."""
    offset = (clock or ON_TIME).offset_s
    return params.tolerance_min * 60.0 + max(0.0, offset)


def station_key(station: str | None) -> str:
    """The name a station's clock is stored under (reports that name no station share one estimate)."""
    return station if station is not None else ""


def learn_stations(
    known: Mapping[str, StationClock], reports: Sequence[tuple[str | None, float]], params: ReportTimeParameters
) -> dict[str, StationClock]:
    """Every station's estimate after a batch of ``(station, ahead_s)``: only stations of the batch."""
    by_station: dict[str, list[float]] = {}
    for station, ahead in reports:
        by_station.setdefault(station_key(station), []).append(ahead)
    return {s: learn(known.get(s), aheads, params) for s, aheads in by_station.items()}
