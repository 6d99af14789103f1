"""Rule 3 — encounter / rendezvous.

*AIS–AIS encounter*: two vessels within a few hundred metres of each other, both slow, for a sustained
time, away from anchorages. A mother ship transferring people to or from small craft, or transhipment at
sea, looks like this. The definition is Global Fishing Watch's (encounter events, ``encounters_pipeline``;
Miller et al. 2018, doi:10.3389/fmars.2018.00240), step by step:

1. both tracks are resampled every 10 minutes on the epoch-aligned grid, interpolated (along the geodesic)
   across silences shorter than 1 hour (:mod:`tracking.rules.resample`) — so tracks heard by satellite AIS,
   with fixes tens of minutes apart and never at the same instants, are compared at common instants;
2. a *run* is two or more consecutive grid instants at which the two vessels are at most 500 m apart;
3. a run whose mean position is closer than 10 km to an anchorage or port is ordinary and dropped;
4. runs less than 4 hours apart are merged into one encounter (a break in reception, or the two drifting a
   little apart, does not end it);
5. the encounter is reported when it lasts *more than* 2 hours and the median of the two vessels' implied
   speeds (between consecutive 10-minute positions) is *below* 2 knots.

Skylight's rendezvous definition (≤ 250 m for more than 30 min) is :meth:`EncounterParameters.skylight`.
Everything is antimeridian-safe: candidate pairs come from a grid that wraps at 180°, distances are WGS84
geodesics, and the encounter's position (the spherical mean of the midpoints between the two vessels) is
reported in [-180, 180).

*AIS–contact rendezvous*: a slow AIS vessel at the place and time a craft without AIS was sighted (a
sighting is a snapshot, so no duration can be required; the time tolerance and the sighting's own position
uncertainty widen the match).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from tracking.rules.geo import (
    METRES_PER_NM,
    WGS84,
    degree_box,
    distance_m,
    distance_nm,
    interpolate,
    mean_position,
)
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
from tracking.rules.resample import ResampledTrack, resample, runs

ENCOUNTER_ID = "encounter"
CONTACT_ID = "encounter_contact"
RULE_VERSION = 2  # 2: Global Fishing Watch's resampled, interpolated, merged definition

#: Distance in kilometres from a point (lat, lon degrees) to the nearest anchorage or port; injected.
DistanceToAnchorage = Callable[[float, float], float]

_GFW = "Global Fishing Watch encounter events (encounters_pipeline)"


@dataclass(frozen=True, slots=True)
class EncounterParameters(RuleParameters):
    max_distance_m: float = threshold(
        500.0,
        unit="m",
        low=10.0,
        high=5000.0,
        source="Global Fishing Watch encounter events: <= 500 m",
        description="the two vessels are within this distance at each grid instant of a run",
    )
    min_duration_h: float = threshold(
        2.0,
        unit="h",
        low=0.1,
        high=48.0,
        source=f"{_GFW}: longer than 2 h",
        description="an encounter (merged runs, first to last instant) must last longer than this",
    )
    max_median_speed_kn: float = threshold(
        2.0,
        unit="kn",
        low=0.1,
        high=10.0,
        source=f"{_GFW}: median speed < 2 kn",
        description="the median implied speed of the two vessels during the encounter is below this",
    )
    min_anchorage_km: float = threshold(
        10.0,
        unit="km",
        low=0.0,
        high=200.0,
        source=f"{_GFW}: at least 10 km from an anchorage (distance from port of the mean position)",
        description="runs whose mean position is closer than this to an anchorage or port are ordinary",
    )
    resample_interval_min: float = threshold(
        10.0,
        unit="min",
        low=1.0,
        high=60.0,
        source=f"{_GFW}: RESAMPLE_INCREMENT_MINUTES = 10",
        description="tracks are compared at grid instants this far apart (aligned with the Unix epoch)",
    )
    max_interpolation_gap_min: float = threshold(
        60.0,
        unit="min",
        low=1.0,
        high=360.0,
        source=f"{_GFW}: MAX_GAP_HOURS = 1 (interpolated only across shorter silences)",
        description="a track is interpolated only between fixes less than this far apart",
    )
    merge_gap_h: float = threshold(
        4.0,
        unit="h",
        low=0.0,
        high=48.0,
        source=f"{_GFW}: min_hours_between_encounters = 4 (runs less than 4 h apart are merged)",
        description="runs of closeness of one pair less than this far apart are one encounter",
    )

    @classmethod
    def gfw(cls) -> EncounterParameters:
        """Global Fishing Watch encounter definition (the defaults)."""
        return cls()

    @classmethod
    def skylight(cls) -> EncounterParameters:
        """Skylight rendezvous definition: ≤ 250 m for more than 30 min."""
        return cls(max_distance_m=250.0, min_duration_h=0.5)

    @property
    def interval(self) -> timedelta:
        return timedelta(minutes=self.resample_interval_min)

    @property
    def max_gap(self) -> timedelta:
        return timedelta(minutes=self.max_interpolation_gap_min)


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
class _Run:
    """Consecutive grid instants (indices ``first..last`` into the pair's common instants) within reach."""

    first: int
    last: int


def _median(values: Sequence[float]) -> float:
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def resampled(window: TrackWindow, params: EncounterParameters) -> ResampledTrack:
    """The window's track on the rule's grid (see :mod:`tracking.rules.resample`)."""
    return resample(window.points, params.interval, params.max_gap)


def encounter(
    a: TrackWindow,
    b: TrackWindow,
    params: EncounterParameters,
    *,
    distance_to_anchorage_km: DistanceToAnchorage | None = None,
) -> list[Flag]:
    """Encounters between two tracks (module docstring): one flag per vessel per encounter, each naming
    the other vessel."""
    if a.mmsi == b.mmsi:
        return []
    return encounter_resampled(
        resampled(a, params), resampled(b, params), params, distance_to_anchorage_km=distance_to_anchorage_km
    )


def encounter_resampled(
    ra: ResampledTrack,
    rb: ResampledTrack,
    params: EncounterParameters,
    *,
    distance_to_anchorage_km: DistanceToAnchorage | None = None,
) -> list[Flag]:
    """:func:`encounter` on tracks already resampled with ``params`` (a batch resamples each track once)."""
    if ra.mmsi == rb.mmsi or len(ra) < 2 or len(rb) < 2:
        return []
    common, ia, ib = np.intersect1d(ra.ticks, rb.ticks, assume_unique=True, return_indices=True)
    if common.size < 2:
        return []
    lat_a, lon_a, lat_b, lon_b = ra.lat[ia], ra.lon[ia], rb.lat[ib], rb.lon[ib]
    azimuth, _, apart_m = WGS84.inv(lon_a, lat_a, lon_b, lat_b)
    apart_m = np.asarray(apart_m, dtype=float)
    mid_lon, mid_lat, _ = WGS84.fwd(lon_a, lat_a, azimuth, apart_m / 2)
    mid_lat = np.asarray(mid_lat, dtype=float)
    mid_lon = np.asarray(mid_lon, dtype=float)

    merge_ticks = params.merge_gap_h * 3600.0 / ra.interval_s
    min_ticks = params.min_duration_h * 3600.0 / ra.interval_s

    def merged(found: Sequence[_Run]) -> list[list[_Run]]:
        groups: list[list[_Run]] = []
        for run in found:
            if groups and common[run.first] - common[groups[-1][-1].last] < merge_ticks:
                groups[-1].append(run)
            else:
                groups.append([run])
        return groups

    def long_enough(group: Sequence[_Run]) -> bool:
        return bool(common[group[-1].last] - common[group[0].first] > min_ticks)

    # A single instant within reach is a passing, not a run (GFW: two or more).
    close_runs = [_Run(a, b) for a, b in runs(apart_m <= params.max_distance_m, common) if b > a]
    # Dropping runs near an anchorage only shortens what merges, so groups too short already are skipped
    # before any anchorage is looked up (the lookup is the costly part in a busy port).
    candidates = [r for g in merged(close_runs) if long_enough(g) for r in g]
    kept: list[_Run] = []
    for run in candidates:
        if distance_to_anchorage_km is not None:
            lat, lon = mean_position(mid_lat[run.first : run.last + 1], mid_lon[run.first : run.last + 1])
            if distance_to_anchorage_km(lat, lon) < params.min_anchorage_km:
                continue
        kept.append(run)
    groups = [g for g in merged(kept) if long_enough(g)]

    speed_a, speed_b = ra.implied_speed_kn(), rb.implied_speed_kn()
    flags: list[Flag] = []
    for group in groups:
        start_tick, end_tick = int(common[group[0].first]), int(common[group[-1].last])
        hours = (end_tick - start_tick) * ra.interval_s / 3600.0  # longer than min_duration_h (long_enough)
        # Implied speeds between consecutive instants of each run (a run's instants are consecutive on
        # the grid, so the step after position ia[k] of track a ends at position ia[k + 1]).
        steps = np.concatenate([np.arange(r.first, r.last) for r in group])
        own_a = [float(v) for v in speed_a[ia[steps]] if not math.isnan(v)]
        own_b = [float(v) for v in speed_b[ib[steps]] if not math.isnan(v)]
        pair_speed = _median(own_a + own_b)
        if pair_speed >= params.max_median_speed_kn:
            continue
        close = np.concatenate([np.arange(r.first, r.last + 1) for r in group])
        lat, lon = mean_position(mid_lat[close], mid_lon[close])
        anchorage_km = distance_to_anchorage_km(lat, lon) if distance_to_anchorage_km is not None else None
        distances = [float(x) for x in apart_m[close]]
        median_distance = _median(distances)
        closest = min(distances)
        score = round(
            0.6 * min(1.0, hours / (2 * params.min_duration_h)) + 0.4 * (1.0 - median_distance / params.max_distance_m),
            4,
        )
        score = max(0.0, min(1.0, score))
        start, end = ra.time(ia[group[0].first]), ra.time(ia[group[-1].last])
        medians = {ra.mmsi: _median(own_a), rb.mmsi: _median(own_b)}
        for subject, other in ((ra, rb), (rb, ra)):
            flags.append(
                Flag(
                    rule_id=ENCOUNTER_ID,
                    rule_version=RULE_VERSION,
                    subject_kind=SubjectKind.VESSEL,
                    mmsi=subject.mmsi,
                    sighting_id=None,
                    severity=Severity.MEDIUM,
                    score=score,
                    window_start=start,
                    window_end=end,
                    lat=lat,
                    lon=lon,
                    summary=(
                        f"MMSI {subject.mmsi} alongside MMSI {other.mmsi} for {hours:.1f} h "
                        f"(median {median_distance:.0f} m apart, {medians[subject.mmsi]:.1f} kn)"
                        + ("" if anchorage_km is None else f", {anchorage_km:.0f} km from any anchorage")
                    ),
                    evidence={
                        "other_mmsi": other.mmsi,
                        "hours": round(hours, 3),
                        "closest_m": round(closest, 1),
                        "median_distance_m": round(median_distance, 1),
                        "median_speed_kn": round(medians[subject.mmsi], 3),
                        "other_median_speed_kn": round(medians[other.mmsi], 3),
                        "pair_median_speed_kn": round(pair_speed, 3),
                        "speed_basis": f"implied between positions {params.resample_interval_min:g} min apart",
                        "anchorage_km": None if anchorage_km is None else round(anchorage_km, 2),
                        "runs_merged": len(group),
                        "samples": len(distances),
                        "resampled_every_min": params.resample_interval_min,
                        "start": start.isoformat(),
                        "end": end.isoformat(),
                    },
                    parameters=params.provenance(),
                )
            )
    return flags


#: A report this fast (reported SOG, else implied between the fixes around it) cannot be part of an encounter
#: whose median speed is under ``max_median_speed_kn`` for long: the candidate grid skips it (× this factor).
_SLOW_FACTOR = 2.0


def _grid_positions(
    window: TrackWindow, params: EncounterParameters
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Positions of the window at the rule's grid instants, for slow instants only: interpolated along the
    WGS84 geodesic between the fixes around each instant, as :func:`tracking.rules.resample.resample` places
    them (so the prefilter sees the very positions the rule measures); a fix's speed is its reported SOG,
    else the geodesic speed implied between the fixes around the instant."""
    pts = window.points
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=float), np.zeros(0, dtype=float))
    if len(pts) < 2:
        return empty
    ts = np.array([p.observed_at.timestamp() for p in pts], dtype=float)
    lat = np.array([p.lat for p in pts], dtype=float)
    lon = np.array([p.lon for p in pts], dtype=float)
    sog = np.array([np.nan if p.sog_kn is None else p.sog_kn for p in pts], dtype=float)
    step = params.resample_interval_min * 60.0
    ticks = np.arange(math.ceil(ts[0] / step), math.floor(ts[-1] / step) + 1, dtype=np.int64)
    if ticks.size == 0:
        return empty
    at = ticks.astype(float) * step
    before = np.clip(np.searchsorted(ts, at, side="right") - 1, 0, ts.size - 1)
    after = np.minimum(before + 1, ts.size - 1)
    exact = ts[before] == at
    span = ts[after] - ts[before]
    ok = exact | ((span > 0) & (span < params.max_interpolation_gap_min * 60.0))
    f = np.where(span > 0, (at - ts[before]) / np.where(span > 0, span, 1.0), 0.0)
    f = np.where(exact, 0.0, f)
    # geodesics between consecutive fixes: where the instant lies on one (interpolation), and the speed of
    # the fix's own leg (the leg into the last fix for an instant on it)
    azimuth, _, metres = WGS84.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    azimuth, metres = np.asarray(azimuth, dtype=float), np.asarray(metres, dtype=float)
    leg = np.minimum(before, ts.size - 2)
    glon, glat, _ = WGS84.fwd(lon[before], lat[before], azimuth[leg], metres[leg] * f)
    glat = np.where(exact, lat[before], np.asarray(glat, dtype=float))
    glon = np.where(exact, lon[before], np.asarray(glon, dtype=float))
    leg_s = ts[leg + 1] - ts[leg]
    implied = np.where(leg_s > 0, metres[leg] / METRES_PER_NM / np.where(leg_s > 0, leg_s, 1.0) * 3600.0, 0.0)
    speed = np.where(np.isnan(sog[before]), implied, sog[before])
    slow = ok & (speed < params.max_median_speed_kn * _SLOW_FACTOR)
    return ticks[slow], glat[slow], (glon[slow] + 180.0) % 360.0 - 180.0


def candidate_pairs(windows: Sequence[TrackWindow], params: EncounterParameters) -> list[tuple[int, int]]:
    """Pairs of windows (indices, the lower first) that could meet: both slow and within about
    ``max_distance_m`` of each other (neighbouring grid cells) at two or more common grid instants.

    A prefilter, so that only tracks that could meet are resampled and compared exactly; it is conservative
    (:func:`~tracking.rules.geo.degree_box`): two positions within ``max_distance_m`` (geodesic, WGS84) at a
    grid instant always land in cells it compares, at any latitude and across 180°. Positions are taken at
    the rule's grid instants (so sparse, satellite-sampled tracks meet too); a row of cells is the most
    latitude ``max_distance_m`` can span, the columns reached from a row are those its poleward edge can
    reach in longitude, and the longitude index wraps at 180° (a pair either side of the antimeridian lands
    in neighbouring cells)."""
    cell, _ = degree_box(0.0, params.max_distance_m)  # degrees of latitude: the most the distance can span
    n_lon = max(1, math.ceil(360.0 / cell))
    cell_lon = 360.0 / n_lon
    grid: dict[tuple[int, int, int], set[int]] = {}
    for k, w in enumerate(windows):
        ticks, lats, lons = _grid_positions(w, params)
        for t, la, lo in zip(ticks.tolist(), lats.tolist(), lons.tolist(), strict=True):
            key = (t, math.floor(la / cell), math.floor((lo + 180.0) / cell_lon) % n_lon)
            grid.setdefault(key, set()).add(k)
    together: dict[tuple[int, int], set[int]] = {}
    for (t, i, j), members in grid.items():
        edge = max(abs(i), abs(i + 1)) * cell  # the row's poleward edge (degrees)
        _, dlon = degree_box(min(90.0, edge), params.max_distance_m)
        reach = min(n_lon // 2 + 1, math.ceil(dlon / cell_lon))
        near: set[int] = set()
        for di in (-1, 0, 1):
            for dj in range(-reach, reach + 1):
                near |= grid.get((t, i + di, (j + dj) % n_lon), set())
        for a in members:
            for b in near:
                if a < b:
                    together.setdefault((a, b), set()).add(t)
    return sorted(pair for pair, instants in together.items() if len(instants) >= 2)


def find_encounters(
    windows: Sequence[TrackWindow],
    params: EncounterParameters,
    *,
    distance_to_anchorage_km: DistanceToAnchorage | None = None,
) -> list[Flag]:
    """Encounters among many tracks; candidate pairs come from :func:`candidate_pairs`, and each track in a
    pair is resampled once."""
    flags: list[Flag] = []
    cache: dict[int, ResampledTrack] = {}

    def track(k: int) -> ResampledTrack:
        if k not in cache:
            cache[k] = resampled(windows[k], params)
        return cache[k]

    for a, b in candidate_pairs(windows, params):
        flags.extend(encounter_resampled(track(a), track(b), params, distance_to_anchorage_km=distance_to_anchorage_km))
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
