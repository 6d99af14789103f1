"""Rule 5 (spoofing) — reported motion against observed motion.

Every AIS position report carries the speed and course over ground the transponder's GNSS receiver measured
(ITU-R M.1371-5 messages 1–3 and 18/19: SOG in 0.1 kn, COG in 0.1°). The positions themselves say how the
vessel moved. On a genuine track the two agree; a track whose reported speed and course disagree with its
own movement, for a sustained time, is the classic sign of a spoofed or replayed track — e.g. a vessel
reporting 12 kn while its positions go round in a circle at 1 kn, or positions copied from another voyage
with the original SOG/COG left in.

How it is measured, per *segment* between two fixes (fixes closer in time than ``sample_interval_min`` are
skipped, so that GNSS jitter of a station reporting every 10 s does not read as speed; segments longer than
``max_segment_min`` say nothing, since the vessel may have turned in between):

* observed speed = geodesic distance / time; observed course = initial bearing of the geodesic;
* reported speed = median SOG of the reports from the segment's start to its end; reported course = the
  circular mean of their COG;
* the segment *disagrees on speed* when the two speeds differ by ``min_speed_difference_kn`` or more and
  the lower is at most ``max_speed_ratio`` of the higher; it *disagrees on course* when both speeds are at
  least ``min_course_speed_kn`` (course over ground means little when stopped) and the courses differ by
  ``min_course_difference_deg`` or more.

A flag is raised for each run of consecutive disagreeing segments lasting ``min_duration_h`` with at least
``min_segments`` segments; a segment without SOG/COG, or too long, ends a run. Severity medium (a spoofed
identity hides who is there, but is not by itself danger to people). SAR aircraft (message 9) are left out.
Antimeridian-safe: distances and bearings are WGS84 geodesics. Units: knots, degrees true, hours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np

from tracking.rules.geo import METRES_PER_NM, WGS84, angle_difference_deg
from tracking.rules.model import (
    SAR_AIRCRAFT_MESSAGE,
    Flag,
    Severity,
    SubjectKind,
    TrackPoint,
    TrackWindow,
    hours_between,
)
from tracking.rules.parameters import RuleParameters, threshold

RULE_ID = "reported_motion_mismatch"
RULE_VERSION = 1

_SRC = "Seasight (authored)"


@dataclass(frozen=True, slots=True)
class MotionParameters(RuleParameters):
    """Thresholds of the reported-versus-observed motion rule (units in each field's declaration)."""

    sample_interval_min: float = threshold(
        5.0,
        unit="min",
        low=0.5,
        high=60.0,
        source=f"{_SRC}: about 0.1 nm run at 1 kn, well above GNSS position noise (~10 m)",
        description="fixes closer in time than this to the last kept fix are skipped",
    )
    max_segment_min: float = threshold(
        30.0,
        unit="min",
        low=1.0,
        high=240.0,
        source=f"{_SRC}: a vessel may turn in longer silences, so the chord no longer measures its path",
        description="segments between fixes longer than this are not compared",
    )
    min_speed_difference_kn: float = threshold(
        5.0,
        unit="kn",
        low=0.5,
        high=50.0,
        source=f"{_SRC}: far beyond SOG accuracy (ITU-R M.1371-5: 0.1 kn resolution) and current set",
        description="reported and observed speed differ by at least this",
    )
    max_speed_ratio: float = threshold(
        0.5,
        unit="ratio",
        low=0.0,
        high=0.95,
        source=_SRC,
        description="the lower of reported and observed speed is at most this fraction of the higher",
    )
    min_course_speed_kn: float = threshold(
        3.0,
        unit="kn",
        low=0.5,
        high=30.0,
        source=f"{_SRC}: course over ground is noise when nearly stopped",
        description="courses are compared only when both reported and observed speed reach this",
    )
    min_course_difference_deg: float = threshold(
        60.0,
        unit="deg",
        low=10.0,
        high=180.0,
        source=_SRC,
        description="reported and observed course differ by at least this",
    )
    min_duration_h: float = threshold(
        1.0,
        unit="h",
        low=0.1,
        high=48.0,
        source=_SRC,
        description="shortest run of disagreeing segments reported (sustained, not one odd fix)",
    )
    min_segments: float = threshold(
        3.0,
        unit="segments",
        low=1.0,
        high=1000.0,
        source=_SRC,
        description="fewest consecutive disagreeing segments in a run",
    )


@dataclass(frozen=True, slots=True)
class Segment:
    """Motion between two kept fixes, reported and observed (``None`` where not reported)."""

    start: TrackPoint
    end: TrackPoint
    observed_kn: float
    observed_course_deg: float
    reported_kn: float | None
    reported_course_deg: float | None
    speed_disagrees: bool
    course_disagrees: bool

    @property
    def hours(self) -> float:
        return hours_between(self.start.observed_at, self.end.observed_at)

    @property
    def disagrees(self) -> bool:
        return self.speed_disagrees or self.course_disagrees

    def evidence(self) -> dict[str, Any]:
        return {
            "from": self.start.observed_at.isoformat(),
            "to": self.end.observed_at.isoformat(),
            "observed_kn": round(self.observed_kn, 2),
            "reported_kn": None if self.reported_kn is None else round(self.reported_kn, 2),
            "observed_course_deg": round(self.observed_course_deg, 1),
            "reported_course_deg": None if self.reported_course_deg is None else round(self.reported_course_deg, 1),
        }


def _median(values: Sequence[float]) -> float:
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def _circular_mean_deg(values: Sequence[float]) -> float:
    x = sum(math.cos(math.radians(v)) for v in values)
    y = sum(math.sin(math.radians(v)) for v in values)
    return math.degrees(math.atan2(y, x)) % 360.0


def segments(window: TrackWindow, params: MotionParameters) -> list[Segment | None]:
    """The window's segments in time order; ``None`` marks a break (too long, or nothing reported)."""
    pts = [p for p in window.points if p.msg_type != SAR_AIRCRAFT_MESSAGE]
    if len(pts) < 2:
        return []
    sample = timedelta(minutes=params.sample_interval_min)
    kept = [0]
    for i in range(1, len(pts)):
        if pts[i].observed_at - pts[kept[-1]].observed_at >= sample:
            kept.append(i)
    out: list[Segment | None] = []
    if len(kept) < 2:
        return out
    longest = timedelta(minutes=params.max_segment_min)
    starts, ends = kept[:-1], kept[1:]
    # One geodesic computation for every segment (WGS84, antimeridian-safe).
    azimuth, _, metres = WGS84.inv(
        np.array([pts[i].lon for i in starts]),
        np.array([pts[i].lat for i in starts]),
        np.array([pts[j].lon for j in ends]),
        np.array([pts[j].lat for j in ends]),
    )
    for k, (i, j) in enumerate(zip(starts, ends, strict=True)):
        a, b = pts[i], pts[j]
        if b.observed_at - a.observed_at > longest:
            out.append(None)
            continue
        covered = pts[i : j + 1]
        sogs = [p.sog_kn for p in covered if p.sog_kn is not None]
        cogs = [p.cog_deg for p in covered if p.cog_deg is not None]
        if not sogs and not cogs:
            out.append(None)
            continue
        hours = hours_between(a.observed_at, b.observed_at)
        observed = float(metres[k]) / METRES_PER_NM / hours
        course = float(azimuth[k]) % 360.0
        reported = _median(sogs) if sogs else None
        reported_course = _circular_mean_deg(cogs) if cogs else None
        speed_off = (
            reported is not None
            and abs(reported - observed) >= params.min_speed_difference_kn
            and min(reported, observed) <= params.max_speed_ratio * max(reported, observed)
        )
        course_off = (
            reported is not None
            and reported_course is not None
            and reported >= params.min_course_speed_kn
            and observed >= params.min_course_speed_kn
            and angle_difference_deg(reported_course, course) >= params.min_course_difference_deg
        )
        out.append(Segment(a, b, observed, course, reported, reported_course, speed_off, course_off))
    return out


def reported_motion_mismatch(window: TrackWindow, params: MotionParameters) -> list[Flag]:
    """One flag per sustained run of segments whose reported motion disagrees with the observed one."""
    flags: list[Flag] = []
    run: list[Segment] = []
    for seg in [*segments(window, params), None]:
        if seg is not None and seg.disagrees:
            run.append(seg)
            continue
        if run:
            flag = _flag(window, run, params)
            if flag is not None:
                flags.append(flag)
        run = []
    return flags


def _flag(window: TrackWindow, run: Sequence[Segment], params: MotionParameters) -> Flag | None:
    hours = hours_between(run[0].start.observed_at, run[-1].end.observed_at)
    if hours < params.min_duration_h or len(run) < params.min_segments:
        return None
    reported = _median([s.reported_kn for s in run if s.reported_kn is not None])
    observed = _median([s.observed_kn for s in run])
    speed_segments = sum(s.speed_disagrees for s in run)
    course_segments = sum(s.course_disagrees for s in run)
    what = []
    if speed_segments:
        what.append(f"reports {reported:.1f} kn while its positions move {observed:.1f} kn")
    if course_segments:
        diffs = [
            angle_difference_deg(s.reported_course_deg, s.observed_course_deg)
            for s in run
            if s.reported_course_deg is not None
        ]
        what.append(f"reported course {_median(diffs):.0f} deg off its track")
    last = run[-1].end
    return Flag(
        rule_id=RULE_ID,
        rule_version=RULE_VERSION,
        subject_kind=SubjectKind.VESSEL,
        mmsi=window.mmsi,
        sighting_id=None,
        severity=Severity.MEDIUM,
        score=round(min(1.0, 0.5 + 0.5 * min(1.0, hours / (3 * params.min_duration_h))), 4),
        window_start=run[0].start.observed_at,
        window_end=last.observed_at,
        lat=last.lat,
        lon=last.lon,
        summary=(
            f"MMSI {window.mmsi} " + " and ".join(what) + f" for {hours:.1f} h: reported motion disagrees "
            "with its own track (spoofed or replayed?)"
        ),
        evidence={
            "hours": round(hours, 3),
            "segments": len(run),
            "speed_disagreeing_segments": speed_segments,
            "course_disagreeing_segments": course_segments,
            "median_reported_kn": round(reported, 2),
            "median_observed_kn": round(observed, 2),
            "examples": [s.evidence() for s in run[:5]],
            "first_report": run[0].start.evidence(),
            "last_report": last.evidence(),
        },
        parameters=params.provenance(),
    )
