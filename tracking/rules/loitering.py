"""Rule 2 — loitering and drifting.

*Loitering*: low speed for hours far from shore (Global Fishing Watch loitering events: speed < 2 kn, at
least 20 nm from shore). Typical of mother ships waiting for small craft, and of transhipment. Read, like
encounters, on the track resampled every 10 minutes and interpolated across silences under 1 hour
(:mod:`tracking.rules.resample`, Global Fishing Watch's method): a satellite-sampled track with fixes
tens of minutes apart loiters as visibly as one heard every few seconds, and the speeds are *implied*
between positions 10 minutes apart (GNSS jitter of a vessel reporting every 10 s does not add up to a
speed; a transponder misreporting its speed over ground does not hide the movement).

*Drifting*: moving with no way on — the vessel makes ground slowly while its course over ground follows no
heading (the bow points one way, the track goes another), and it is not at anchor or moored. A drifting
boat may be disabled, out of fuel or abandoned.

Drifting looks at runs of consecutive reports (course and heading are per report). In both, a silence of
``max_internal_gap_h`` or more splits a run (that silence is rule 1's business).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from tracking.rules.geo import angle_difference_deg, distance_nm
from tracking.rules.model import (
    NAV_AT_ANCHOR,
    NAV_MOORED,
    DistanceToShore,
    Flag,
    Severity,
    SubjectKind,
    TrackPoint,
    TrackWindow,
    hours_between,
)
from tracking.rules.parameters import RuleParameters, threshold
from tracking.rules.resample import resample, runs

LOITERING_ID = "loitering"
DRIFTING_ID = "drifting"
RULE_VERSION = 2  # 2: loitering on the resampled, interpolated track


@dataclass(frozen=True, slots=True)
class LoiteringParameters(RuleParameters):
    max_speed_kn: float = threshold(
        2.0,
        unit="kn",
        low=0.1,
        high=10.0,
        source="Global Fishing Watch loitering events: speed < 2 kn",
        description="each 10-minute step (implied) and each reported speed of the run are below this, and so "
        "is the run's mean speed",
    )
    min_duration_h: float = threshold(
        2.0,
        unit="h",
        low=0.5,
        high=72.0,
        source="GFW loitering events use >= 1 h; Seasight defaults to 2 h to keep fishing-ground noise down",
        description="shortest low-speed run reported",
    )
    min_shore_nm: float = threshold(
        20.0,
        unit="nm",
        low=0.0,
        high=500.0,
        source="Global Fishing Watch loitering events: >= 20 nm from shore",
        description="every report of the run must be at least this far from shore",
    )
    max_internal_gap_h: float = threshold(
        1.0,
        unit="h",
        low=0.1,
        high=12.0,
        source="Global Fishing Watch encounters pipeline: MAX_GAP_HOURS = 1 (interpolated across shorter gaps)",
        description="the track is interpolated across silences shorter than this; a longer one splits a run",
    )
    resample_interval_min: float = threshold(
        10.0,
        unit="min",
        low=1.0,
        high=60.0,
        source="Global Fishing Watch encounters pipeline: RESAMPLE_INCREMENT_MINUTES = 10",
        description="the track is read at grid instants this far apart (aligned with the Unix epoch)",
    )


@dataclass(frozen=True, slots=True)
class DriftingParameters(RuleParameters):
    min_sog_kn: float = threshold(
        0.3,
        unit="kn",
        low=0.05,
        high=3.0,
        source="Seasight (authored): a few tenths of a knot, the order of small-craft leeway in light wind",
        description="slowest ground speed (reported, and net over the run) that is drifting, not stopped",
    )
    max_sog_kn: float = threshold(
        3.5,
        unit="kn",
        low=0.5,
        high=10.0,
        source="Design reference numbers: under way above 3.5 kn",
        description="faster than this the vessel is making way",
    )
    min_course_heading_diff_deg: float = threshold(
        45.0,
        unit="deg",
        low=10.0,
        high=180.0,
        source="Seasight (authored)",
        description="course over ground differs from heading by at least this (no way on)",
    )
    min_duration_h: float = threshold(
        1.0,
        unit="h",
        low=0.25,
        high=48.0,
        source="Seasight (authored)",
        description="shortest drifting run reported",
    )
    max_internal_gap_h: float = threshold(
        1.0,
        unit="h",
        low=0.1,
        high=12.0,
        source="Seasight (authored)",
        description="a silence longer than this between reports splits a run",
    )


def _runs(points: Sequence[TrackPoint], keep: Callable[[TrackPoint], bool], max_gap_h: float) -> list[list[TrackPoint]]:
    """Maximal runs of consecutive points satisfying ``keep`` with no silence longer than ``max_gap_h``."""
    runs: list[list[TrackPoint]] = []
    current: list[TrackPoint] = []
    for p in points:
        if keep(p) and (not current or hours_between(current[-1].observed_at, p.observed_at) <= max_gap_h):
            current.append(p)
            continue
        if len(current) >= 2:
            runs.append(current)
        current = [p] if keep(p) else []
    if len(current) >= 2:
        runs.append(current)
    return runs


#: Fixes closer in time than this are skipped when measuring the distance run, so that GNSS jitter of a
#: Class A station reporting every 2-10 s does not add up to a speed (5 m of noise every 10 s is ~1 kn).
PATH_SAMPLE_INTERVAL = timedelta(minutes=5)


def path_length_nm(run: Sequence[TrackPoint], sample: timedelta = PATH_SAMPLE_INTERVAL) -> float:
    """Distance run along the track (nm), over fixes at least ``sample`` apart (plus the last fix)."""
    if len(run) < 2:
        return 0.0
    kept = [run[0]]
    for p in run[1:-1]:
        if p.observed_at - kept[-1].observed_at >= sample:
            kept.append(p)
    kept.append(run[-1])
    return sum(distance_nm(a.lat, a.lon, b.lat, b.lon) for a, b in zip(kept, kept[1:], strict=False))


def loitering(window: TrackWindow, params: LoiteringParameters, *, distance_to_shore: DistanceToShore) -> list[Flag]:
    """Runs of the resampled track (module docstring) that are slow — the implied speed of the 10-minute
    step into each position, and the reported speed of the fixes around it where reported, below
    ``max_speed_kn`` — with every position at least ``min_shore_nm`` from shore, lasting ``min_duration_h``
    or more, and whose mean speed along the track is below ``max_speed_kn`` too."""
    track = resample(
        window.points,
        timedelta(minutes=params.resample_interval_min),
        timedelta(hours=params.max_internal_gap_h),
    )
    n = len(track)
    if n < 2 or hours_between(track.time(0), track.time(n - 1)) < params.min_duration_h:
        return []
    step_nm = track.step_nm()
    speed = step_nm / (track.interval_s / 3600.0)
    into = np.concatenate([[np.nan], speed])  # the step ending at each position (NaN after a break)
    out_of = np.concatenate([speed, [np.nan]])
    tick_speed = np.where(np.isnan(into), out_of, into)
    pts = track.points
    shore = np.full(n, np.nan)
    keep = np.zeros(n, dtype=bool)
    for i in range(n):
        if not tick_speed[i] < params.max_speed_kn:
            continue
        reported = [q.sog_kn for q in (pts[track.source_first[i]], pts[track.source_last[i]]) if q.sog_kn is not None]
        if any(v >= params.max_speed_kn for v in reported):
            continue
        shore[i] = distance_to_shore(float(track.lat[i]), float(track.lon[i]))
        keep[i] = shore[i] >= params.min_shore_nm

    flags: list[Flag] = []
    for first, last in runs(keep, track.ticks):
        start, end = track.time(first), track.time(last)
        hours = hours_between(start, end)
        if hours < params.min_duration_h:
            continue
        mean_speed = float(np.sum(step_nm[first:last])) / hours
        if mean_speed >= params.max_speed_kn:
            continue
        nearest_shore = float(np.min(shore[first : last + 1]))
        score = round(
            0.5 * min(1.0, hours / (3 * params.min_duration_h))
            + 0.5 * min(1.0, nearest_shore / (2 * params.min_shore_nm or 1.0)),
            4,
        )
        mid = (first + last) // 2
        first_report, last_report = pts[track.source_last[first]], pts[track.source_first[last]]
        reports = sum(1 for p in pts if start <= p.observed_at <= end)
        flags.append(
            Flag(
                rule_id=LOITERING_ID,
                rule_version=RULE_VERSION,
                subject_kind=SubjectKind.VESSEL,
                mmsi=window.mmsi,
                sighting_id=None,
                severity=Severity.LOW,
                score=score,
                window_start=start,
                window_end=end,
                lat=float(track.lat[mid]),
                lon=float(track.lon[mid]),
                summary=(
                    f"MMSI {window.mmsi} loitering {hours:.1f} h at {mean_speed:.1f} kn mean, "
                    f"{nearest_shore:.0f} nm or more from shore"
                ),
                evidence={
                    "hours": round(hours, 3),
                    "mean_speed_kn": round(mean_speed, 3),
                    "nearest_shore_nm": round(nearest_shore, 2),
                    "reports": reports,
                    "resampled_positions": last - first + 1,
                    "resampled_every_min": params.resample_interval_min,
                    "first_report": first_report.evidence(),
                    "last_report": last_report.evidence(),
                },
                parameters=params.provenance(),
            )
        )
    return flags


def drifting(window: TrackWindow, params: DriftingParameters) -> list[Flag]:
    """Runs where the vessel makes ground at ``min_sog_kn``–``max_sog_kn`` with course over ground at least
    ``min_course_heading_diff_deg`` off its heading, not at anchor or moored, for ``min_duration_h`` or more,
    and whose net displacement over the run also implies at least ``min_sog_kn`` (a vessel swinging at
    anchor goes nowhere)."""

    def keep(p: TrackPoint) -> bool:
        if p.nav_status in (NAV_AT_ANCHOR, NAV_MOORED):
            return False
        if p.sog_kn is None or p.cog_deg is None or p.heading_deg is None:
            return False
        if not params.min_sog_kn <= p.sog_kn <= params.max_sog_kn:
            return False
        return angle_difference_deg(p.cog_deg, p.heading_deg) >= params.min_course_heading_diff_deg

    flags: list[Flag] = []
    for run in _runs(window.points, keep, params.max_internal_gap_h):
        hours = hours_between(run[0].observed_at, run[-1].observed_at)
        if hours < params.min_duration_h:
            continue
        net_nm = distance_nm(run[0].lat, run[0].lon, run[-1].lat, run[-1].lon)
        net_speed = net_nm / hours
        if net_speed < params.min_sog_kn:
            continue
        diffs = sorted(angle_difference_deg(p.cog_deg or 0.0, float(p.heading_deg or 0)) for p in run)
        median_diff = diffs[len(diffs) // 2]
        last = run[-1]
        flags.append(
            Flag(
                rule_id=DRIFTING_ID,
                rule_version=RULE_VERSION,
                subject_kind=SubjectKind.VESSEL,
                mmsi=window.mmsi,
                sighting_id=None,
                severity=Severity.MEDIUM,
                score=round(min(1.0, hours / (3 * params.min_duration_h)), 4),
                window_start=run[0].observed_at,
                window_end=last.observed_at,
                lat=last.lat,
                lon=last.lon,
                summary=(
                    f"MMSI {window.mmsi} drifting {hours:.1f} h at {net_speed:.1f} kn, course "
                    f"{median_diff:.0f} deg off heading"
                ),
                evidence={
                    "hours": round(hours, 3),
                    "net_drift_nm": round(net_nm, 3),
                    "net_speed_kn": round(net_speed, 3),
                    "median_course_heading_diff_deg": median_diff,
                    "reports": len(run),
                    "first_report": run[0].evidence(),
                    "last_report": last.evidence(),
                },
                parameters=params.provenance(),
            )
        )
    return flags
