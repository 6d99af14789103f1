"""Tracks resampled onto a fixed time grid, interpolated across short silences — the track the encounter and
loitering rules read (Global Fishing Watch's method; no I/O).

Why: a vessel heard by satellite AIS has fixes tens of minutes apart, and two vessels are never heard at the
same instants, so comparing them report by report misses a rendezvous that lasted hours. Global Fishing
Watch's open encounters pipeline (``GlobalFishingWatch/encounters_pipeline``, ``Resample`` step) places
every track on a grid of instants every 10 minutes, aligned with the Unix epoch (so two tracks share their
instants), and interpolates between the two fixes around each instant when they are less than 1 hour
apart; across a longer silence it places nothing.

Seasight follows that, with two differences it states:

* positions are interpolated along the WGS84 geodesic between the two fixes (GFW interpolates latitude and
  longitude linearly, which is wrong across the 180° meridian), so a track that crosses it near Fiji stays
  where it was, and every longitude is returned in [-180, 180);
* nothing is extrapolated beyond a track's first or last fix (GFW extrapolates up to the gap limit along
  the reported course): an event never starts before, or lasts after, what was actually heard.

Speeds are *implied* speeds — the distance between consecutive grid positions over the grid interval —
as in GFW's encounter and loitering events, not the reported speed over ground, which a spoofing or broken
transponder can misstate. Units: seconds since the epoch for grid instants, degrees, knots, nautical miles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from tracking.rules.geo import METRES_PER_NM, WGS84
from tracking.rules.model import TrackPoint

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Global Fishing Watch encounters pipeline: ``RESAMPLE_INCREMENT_MINUTES = 10``.
GFW_RESAMPLE_INTERVAL = timedelta(minutes=10)
#: Global Fishing Watch encounters pipeline: ``MAX_GAP_HOURS = 1`` (interpolated only across shorter gaps).
GFW_MAX_INTERPOLATION_GAP = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class ResampledTrack:
    """One MMSI's positions at grid instants ``ticks × interval_s`` seconds after the epoch (sorted, unique).
    ``source_first``/``source_last``: for each instant, the index in ``points`` of the fix at or before it
    and of the fix at or after it (the same index when a fix falls on the instant)."""

    mmsi: int
    interval_s: float
    ticks: IntArray
    lat: FloatArray
    lon: FloatArray
    source_first: IntArray
    source_last: IntArray
    points: tuple[TrackPoint, ...]

    def __len__(self) -> int:
        return int(self.ticks.size)

    def time(self, i: int) -> datetime:
        """The instant of grid position ``i`` (timezone-aware UTC)."""
        return datetime.fromtimestamp(float(self.ticks[i]) * self.interval_s, tz=UTC)

    def step_nm(self) -> FloatArray:
        """Distance (nm) from each grid position to the next one (``len - 1`` values; NaN where the next
        instant is not the following grid instant, i.e. the track was not interpolable in between)."""
        if self.ticks.size < 2:
            return np.zeros(0, dtype=float)
        _, _, d = WGS84.inv(self.lon[:-1], self.lat[:-1], self.lon[1:], self.lat[1:])
        out: FloatArray = np.asarray(d, dtype=float) / METRES_PER_NM
        out[np.diff(self.ticks) != 1] = np.nan
        return out

    def implied_speed_kn(self) -> FloatArray:
        """Implied speed (kn) between each grid position and the next (NaN across a break)."""
        result: FloatArray = self.step_nm() / (self.interval_s / 3600.0)
        return result


def resample(
    points: Sequence[TrackPoint],
    interval: timedelta = GFW_RESAMPLE_INTERVAL,
    max_gap: timedelta = GFW_MAX_INTERPOLATION_GAP,
) -> ResampledTrack:
    """The track of ``points`` (one MMSI, time order) on the epoch-aligned grid of ``interval``: a position
    at every grid instant between the first and the last fix whose surrounding fixes are less than
    ``max_gap`` apart (a fix exactly on an instant is used as is). Reports sharing a time: the first counts."""
    if interval <= timedelta(0) or max_gap <= timedelta(0):
        raise ValueError("resampling interval and maximum gap must be positive")
    mmsi = points[0].mmsi if points else 0
    kept: list[TrackPoint] = []
    for p in points:
        if not kept or p.observed_at > kept[-1].observed_at:
            kept.append(p)
    step = interval.total_seconds()
    empty_i: IntArray = np.zeros(0, dtype=np.int64)
    empty_f: FloatArray = np.zeros(0, dtype=float)
    if not kept:
        return ResampledTrack(mmsi, step, empty_i, empty_f, empty_f, empty_i, empty_i, ())
    ts = np.array([p.observed_at.timestamp() for p in kept], dtype=float)
    lats = np.array([p.lat for p in kept], dtype=float)
    lons = np.array([p.lon for p in kept], dtype=float)
    first_tick = math.ceil(ts[0] / step)
    last_tick = math.floor(ts[-1] / step)
    if last_tick < first_tick:
        return ResampledTrack(mmsi, step, empty_i, empty_f, empty_f, empty_i, empty_i, tuple(kept))
    ticks: IntArray = np.arange(first_tick, last_tick + 1, dtype=np.int64)
    at = ticks.astype(float) * step
    before = np.searchsorted(ts, at, side="right") - 1  # last fix at or before the instant
    exact = ts[before] == at
    after = np.where(exact, before, np.minimum(before + 1, ts.size - 1))
    ok = exact | ((ts[after] - ts[before]) < max_gap.total_seconds())
    ticks, at, before, after, exact = ticks[ok], at[ok], before[ok], after[ok], exact[ok]
    span = ts[after] - ts[before]
    fraction = np.where(exact, 0.0, (at - ts[before]) / np.where(span > 0, span, 1.0))
    azimuth, _, distance = WGS84.inv(lons[before], lats[before], lons[after], lats[after])
    lon_i, lat_i, _ = WGS84.fwd(lons[before], lats[before], azimuth, np.asarray(distance) * fraction)
    lat_out = np.where(exact, lats[before], np.asarray(lat_i, dtype=float))
    lon_out = np.where(exact, lons[before], np.asarray(lon_i, dtype=float))
    lon_out = (lon_out + 180.0) % 360.0 - 180.0
    return ResampledTrack(
        mmsi=mmsi,
        interval_s=step,
        ticks=ticks,
        lat=np.asarray(lat_out, dtype=float),
        lon=np.asarray(lon_out, dtype=float),
        source_first=before.astype(np.int64),
        source_last=after.astype(np.int64),
        points=tuple(kept),
    )


def runs(mask: npt.NDArray[np.bool_], ticks: IntArray) -> list[tuple[int, int]]:
    """Maximal runs ``(first, last)`` (inclusive indices) of consecutive grid instants where ``mask`` holds;
    a missing instant (a silence not interpolated) ends a run."""
    out: list[tuple[int, int]] = []
    start: int | None = None
    for i in range(int(mask.size)):
        if mask[i] and start is not None and ticks[i] - ticks[i - 1] == 1:
            continue
        if start is not None:
            out.append((start, i - 1))
            start = None
        if mask[i]:
            start = i
    if start is not None:
        out.append((start, int(mask.size) - 1))
    return out
