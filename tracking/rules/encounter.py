"""Rule 3 — encounter / rendezvous.

*AIS–AIS encounter*: two vessels within a few hundred metres of each other, both slow, for a sustained
time, away from anchorages (Global Fishing Watch encounter events: ≤ 500 m for ≥ 2 h, median speed < 2 kn,
≥ 10 km from an anchorage; Skylight: ≤ 250 m for > 30 min — see :meth:`EncounterParameters.skylight`).
A mother ship transferring people to or from small craft, or transhipment at sea, looks like this.

*AIS–contact rendezvous*: a slow AIS vessel at the place and time a craft without AIS was sighted (a
sighting is a snapshot, so no duration can be required; the time tolerance and the sighting's own position
uncertainty widen the match).

Positions are compared at the report times of both tracks, each track linearly interpolated between its
fixes when they are no more than ``max_interpolation_gap_min`` apart.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tracking.rules.geo import METRES_PER_NM, distance_m, distance_nm, interpolate
from tracking.rules.model import (
    Contact,
    Flag,
    Severity,
    SubjectKind,
    TrackPoint,
    TrackWindow,
    hours_between,
)
from tracking.rules.parameters import RuleParameters, threshold

ENCOUNTER_ID = "encounter"
CONTACT_ID = "encounter_contact"
RULE_VERSION = 1

#: Distance in kilometres from a point (lat, lon degrees) to the nearest anchorage or port; injected.
DistanceToAnchorage = Callable[[float, float], float]


@dataclass(frozen=True, slots=True)
class EncounterParameters(RuleParameters):
    max_distance_m: float = threshold(
        500.0,
        unit="m",
        low=10.0,
        high=5000.0,
        source="Global Fishing Watch encounter events: <= 500 m",
        description="the two vessels are within this distance",
    )
    min_duration_h: float = threshold(
        2.0,
        unit="h",
        low=0.1,
        high=48.0,
        source="Global Fishing Watch encounter events: >= 2 h",
        description="shortest sustained closeness reported",
    )
    max_median_speed_kn: float = threshold(
        2.0,
        unit="kn",
        low=0.1,
        high=10.0,
        source="Global Fishing Watch encounter events: median speed < 2 kn",
        description="median speed of each vessel during the encounter is below this",
    )
    min_anchorage_km: float = threshold(
        10.0,
        unit="km",
        low=0.0,
        high=200.0,
        source="Global Fishing Watch encounter events: >= 10 km from an anchorage",
        description="encounters closer than this to an anchorage or port are ordinary",
    )
    max_interpolation_gap_min: float = threshold(
        15.0,
        unit="min",
        low=1.0,
        high=120.0,
        source="Seasight (authored); Class B reports every 3 min when slow (ITU-R M.1371-5 Table 2)",
        description="a track is interpolated only between fixes at most this far apart",
    )

    @classmethod
    def gfw(cls) -> EncounterParameters:
        """Global Fishing Watch encounter definition (the defaults)."""
        return cls()

    @classmethod
    def skylight(cls) -> EncounterParameters:
        """Skylight rendezvous definition: ≤ 250 m for more than 30 min."""
        return cls(max_distance_m=250.0, min_duration_h=0.5)


@dataclass(frozen=True, slots=True)
class ContactEncounterParameters(RuleParameters):
    max_distance_m: float = threshold(
        500.0,
        unit="m",
        low=10.0,
        high=10_000.0,
        source="Global Fishing Watch encounter distance 500 m, plus the sighting's own uncertainty",
        description="vessel within this distance of the sighted craft (the sighting uncertainty is added)",
    )
    max_time_offset_min: float = threshold(
        30.0,
        unit="min",
        low=1.0,
        high=240.0,
        source="Seasight (authored)",
        description="the vessel's position is taken at the sighting time, from fixes within this offset",
    )
    max_speed_kn: float = threshold(
        2.0,
        unit="kn",
        low=0.1,
        high=10.0,
        source="Global Fishing Watch encounter events: < 2 kn",
        description="the vessel is slower than this around the sighting time",
    )


def _position_at(
    pts: Sequence[TrackPoint], times: Sequence[datetime], t: datetime, max_gap: timedelta
) -> tuple[float, float] | None:
    if not pts:
        return None
    i = bisect.bisect_left(times, t)
    if i < len(pts) and times[i] == t:
        return pts[i].lat, pts[i].lon
    if i == 0:
        return (pts[0].lat, pts[0].lon) if times[0] - t <= max_gap / 2 else None
    if i == len(pts):
        return (pts[-1].lat, pts[-1].lon) if t - times[-1] <= max_gap / 2 else None
    a, b = pts[i - 1], pts[i]
    if b.observed_at - a.observed_at > max_gap:
        return None
    fraction = (t - a.observed_at) / (b.observed_at - a.observed_at)
    return interpolate(a.lat, a.lon, b.lat, b.lon, fraction)


def _speed_near(pts: Sequence[TrackPoint], times: Sequence[datetime], t: datetime) -> float | None:
    if not pts:
        return None
    i = bisect.bisect_left(times, t)
    if i == len(pts) or (i > 0 and t - times[i - 1] <= times[i] - t):
        i -= 1
    return pts[i].sog_kn


def position_at(window: TrackWindow, t: datetime, max_gap: timedelta) -> tuple[float, float] | None:
    """Interpolated (lat, lon) of the track at time ``t``; ``None`` when ``t`` is not between two fixes at
    most ``max_gap`` apart (or within half of ``max_gap`` of an end fix, which is then used as is)."""
    return _position_at(window.points, [p.observed_at for p in window.points], t, max_gap)


def speed_near(window: TrackWindow, t: datetime) -> float | None:
    """Reported SOG of the fix nearest in time to ``t`` (``None`` when not reported)."""
    return _speed_near(window.points, [p.observed_at for p in window.points], t)


@dataclass(frozen=True, slots=True)
class _Sample:
    t: datetime
    distance_m: float
    lat: float
    lon: float
    sog_a: float | None
    sog_b: float | None


def _median(values: Sequence[float]) -> float:
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def encounter(
    a: TrackWindow,
    b: TrackWindow,
    params: EncounterParameters,
    *,
    distance_to_anchorage_km: DistanceToAnchorage | None = None,
) -> list[Flag]:
    """Encounters between two tracks: one flag per vessel per encounter, each naming the other vessel."""
    if a.mmsi == b.mmsi:
        return []
    max_gap = timedelta(minutes=params.max_interpolation_gap_min)
    times_a = [p.observed_at for p in a.points]
    times_b = [p.observed_at for p in b.points]
    overlap_start = max(times_a[0], times_b[0]) - max_gap if times_a and times_b else None
    overlap_end = min(times_a[-1], times_b[-1]) + max_gap if times_a and times_b else None
    samples: list[_Sample] = []
    if overlap_start is not None and overlap_end is not None:
        for t in sorted({*times_a, *times_b}):
            if not overlap_start <= t <= overlap_end:
                continue
            pa = _position_at(a.points, times_a, t, max_gap)
            pb = _position_at(b.points, times_b, t, max_gap)
            if pa is None or pb is None:
                continue
            samples.append(
                _Sample(
                    t,
                    distance_m(pa[0], pa[1], pb[0], pb[1]),
                    (pa[0] + pb[0]) / 2,
                    (pa[1] + pb[1]) / 2,
                    _speed_near(a.points, times_a, t),
                    _speed_near(b.points, times_b, t),
                )
            )
    runs: list[list[_Sample]] = []
    current: list[_Sample] = []
    for s in samples:
        close = s.distance_m <= params.max_distance_m
        if close and (not current or s.t - current[-1].t <= max_gap):
            current.append(s)
            continue
        if current:
            runs.append(current)
        current = [s] if close else []
    if current:
        runs.append(current)

    flags: list[Flag] = []
    for run in runs:
        hours = hours_between(run[0].t, run[-1].t)
        if hours < params.min_duration_h:
            continue
        speeds_a = [s.sog_a for s in run if s.sog_a is not None]
        speeds_b = [s.sog_b for s in run if s.sog_b is not None]
        med_a = _median(speeds_a) if speeds_a else None
        med_b = _median(speeds_b) if speeds_b else None
        if med_a is None or med_b is None:  # fall back on the mean speed along the shared track
            path_nm = sum(distance_nm(x.lat, x.lon, y.lat, y.lon) for x, y in zip(run, run[1:], strict=False))
            implied = path_nm / hours if hours > 0 else 0.0
            med_a = implied if med_a is None else med_a
            med_b = implied if med_b is None else med_b
        if med_a >= params.max_median_speed_kn or med_b >= params.max_median_speed_kn:
            continue
        mid = run[len(run) // 2]
        anchorage_km = distance_to_anchorage_km(mid.lat, mid.lon) if distance_to_anchorage_km else None
        if anchorage_km is not None and anchorage_km < params.min_anchorage_km:
            continue
        closest = min(s.distance_m for s in run)
        median_distance = _median([s.distance_m for s in run])
        score = round(
            0.6 * min(1.0, hours / (2 * params.min_duration_h)) + 0.4 * (1.0 - median_distance / params.max_distance_m),
            4,
        )
        score = max(0.0, min(1.0, score))
        for subject, other, med_self, med_other in ((a, b, med_a, med_b), (b, a, med_b, med_a)):
            flags.append(
                Flag(
                    rule_id=ENCOUNTER_ID,
                    rule_version=RULE_VERSION,
                    subject_kind=SubjectKind.VESSEL,
                    mmsi=subject.mmsi,
                    sighting_id=None,
                    severity=Severity.MEDIUM,
                    score=score,
                    window_start=run[0].t,
                    window_end=run[-1].t,
                    lat=mid.lat,
                    lon=mid.lon,
                    summary=(
                        f"MMSI {subject.mmsi} alongside MMSI {other.mmsi} for {hours:.1f} h "
                        f"(median {median_distance:.0f} m apart, {med_self:.1f} kn)"
                        + ("" if anchorage_km is None else f", {anchorage_km:.0f} km from any anchorage")
                    ),
                    evidence={
                        "other_mmsi": other.mmsi,
                        "hours": round(hours, 3),
                        "closest_m": round(closest, 1),
                        "median_distance_m": round(median_distance, 1),
                        "median_speed_kn": round(med_self, 3),
                        "other_median_speed_kn": round(med_other, 3),
                        "anchorage_km": None if anchorage_km is None else round(anchorage_km, 2),
                        "samples": len(run),
                        "start": run[0].t.isoformat(),
                        "end": run[-1].t.isoformat(),
                    },
                    parameters=params.provenance(),
                )
            )
    return flags


def candidate_pairs(windows: Sequence[TrackWindow], params: EncounterParameters) -> list[tuple[int, int]]:
    """Pairs of windows (indices) whose slow reports were within about ``max_distance_m`` of each other in
    neighbouring 10-minute bins for at least half of ``min_duration_h`` — a grid prefilter, so that only
    tracks that could meet are compared point by point (cells are checked two wide in longitude, which
    covers ``max_distance_m`` up to 60° of latitude)."""
    bin_s = 600.0
    cell = params.max_distance_m / METRES_PER_NM / 60.0  # degrees of latitude
    slow = params.max_median_speed_kn * 2
    grid: dict[tuple[int, int, int], set[int]] = {}
    for k, w in enumerate(windows):
        for p in w.points:
            if p.sog_kn is not None and p.sog_kn >= slow:
                continue
            tb = int(p.observed_at.timestamp() // bin_s)
            grid.setdefault((tb, math.floor(p.lat / cell), math.floor(p.lon / cell)), set()).add(k)
    together: dict[tuple[int, int], set[int]] = {}
    for (tb, i, j), members in grid.items():
        near: set[int] = set()
        for dt in (-1, 0, 1):
            for di in (-1, 0, 1):
                for dj in (-2, -1, 0, 1, 2):
                    near |= grid.get((tb + dt, i + di, j + dj), set())
        for a in members:
            for b in near:
                if a < b:
                    together.setdefault((a, b), set()).add(tb)
    needed = max(1, int(params.min_duration_h * 3600 / bin_s * 0.5))
    return sorted(pair for pair, bins in together.items() if len(bins) >= needed)


def find_encounters(
    windows: Sequence[TrackWindow],
    params: EncounterParameters,
    *,
    distance_to_anchorage_km: DistanceToAnchorage | None = None,
) -> list[Flag]:
    """Encounters among many tracks; candidate pairs come from :func:`candidate_pairs`."""
    flags: list[Flag] = []
    for a, b in candidate_pairs(windows, params):
        flags.extend(encounter(windows[a], windows[b], params, distance_to_anchorage_km=distance_to_anchorage_km))
    return flags


def contact_encounter(window: TrackWindow, contact: Contact, params: ContactEncounterParameters) -> list[Flag]:
    """A slow AIS vessel at a sighted craft that carried no AIS (``ais_seen`` of ``yes`` means the sighted
    craft *was* an AIS vessel — most likely this one — and is not a rendezvous)."""
    if contact.ais_seen == "yes":
        return []
    offset = timedelta(minutes=params.max_time_offset_min)
    pos = position_at(window, contact.observed_at, offset * 2)
    if pos is None:
        return []
    nearby = [p for p in window.points if abs(p.observed_at - contact.observed_at) <= offset]
    if not nearby:
        return []
    speeds = [p.sog_kn for p in nearby if p.sog_kn is not None]
    if speeds:
        speed = _median(speeds)
    else:
        hours = hours_between(nearby[0].observed_at, nearby[-1].observed_at)
        speed = distance_nm(nearby[0].lat, nearby[0].lon, nearby[-1].lat, nearby[-1].lon) / hours if hours > 0 else 0.0
    if speed >= params.max_speed_kn:
        return []
    gap_m = distance_m(pos[0], pos[1], contact.lat, contact.lon)
    allowed_m = params.max_distance_m + contact.uncertainty_nm * METRES_PER_NM
    if gap_m > allowed_m:
        return []
    score = round(max(0.0, min(1.0, 1.0 - gap_m / allowed_m * 0.5)), 4)
    what = contact.craft_type.replace("_", " ")
    persons = "" if contact.persons_estimated is None else f" with about {contact.persons_estimated} people"
    return [
        Flag(
            rule_id=CONTACT_ID,
            rule_version=RULE_VERSION,
            subject_kind=SubjectKind.VESSEL,
            mmsi=window.mmsi,
            sighting_id=contact.sighting_id,
            severity=Severity.MEDIUM,
            score=score,
            window_start=contact.observed_at,
            window_end=contact.observed_at,
            lat=contact.lat,
            lon=contact.lon,
            summary=(
                f"MMSI {window.mmsi} at {speed:.1f} kn within {gap_m:.0f} m of a sighted {what}{persons} "
                f"without AIS ({contact.source_type})"
            ),
            evidence={
                "sighting": contact.evidence(),
                "vessel_position": [round(pos[0], 6), round(pos[1], 6)],
                "distance_m": round(gap_m, 1),
                "allowed_m": round(allowed_m, 1),
                "vessel_speed_kn": round(speed, 3),
                "reports_used": [p.evidence() for p in nearby[:5]],
            },
            parameters=params.provenance(),
        )
    ]
