"""The rules' geodesy: one implementation for all of Seasight lives in :mod:`geodata.geodesy`; here only the
longitude arithmetic the rules need to stay right across the 180° meridian (Fiji, Tonga, Samoa, Kiribati
and New Zealand work on both sides of it)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from geodata.geodesy import (
    EARTH_RADIUS_M,
    METRES_PER_NM,
    WGS84,
    angle_difference_deg,
    bearing_deg,
    destination,
    distance_m,
    distance_nm,
    interpolate,
)

__all__ = [
    "lon_difference_deg",
    "mean_position",
    "normalise_lon",
    "EARTH_RADIUS_M",
    "METRES_PER_NM",
    "WGS84",
    "angle_difference_deg",
    "bearing_deg",
    "destination",
    "distance_m",
    "distance_nm",
    "interpolate",
]


def normalise_lon(lon: float) -> float:
    """A longitude in degrees brought into [-180, 180)."""
    return (lon + 180.0) % 360.0 - 180.0


def lon_difference_deg(a: float, b: float) -> float:
    """Smallest absolute difference between two longitudes (degrees, [0, 180]) — 179.9° E and 179.9° W are
    0.2° apart, not 359.8°."""
    d = abs(a - b) % 360.0
    return 360.0 - d if d > 180.0 else d


def mean_position(
    lats: Sequence[float] | npt.NDArray[np.float64], lons: Sequence[float] | npt.NDArray[np.float64]
) -> tuple[float, float]:
    """The mean of positions taken as unit vectors from the Earth's centre (spherical centroid), so that the
    mean of positions either side of the 180° meridian lies on it and not at longitude 0. Degrees, the
    longitude in [-180, 180)."""
    lat = np.radians(np.asarray(lats, dtype=float))
    lon = np.radians(np.asarray(lons, dtype=float))
    x = float(np.mean(np.cos(lat) * np.cos(lon)))
    y = float(np.mean(np.cos(lat) * np.sin(lon)))
    z = float(np.mean(np.sin(lat)))
    return math.degrees(math.atan2(z, math.hypot(x, y))), normalise_lon(math.degrees(math.atan2(y, x)))
