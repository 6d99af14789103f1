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
    "degree_box",
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


def degree_box(lat: float, radius_m: float) -> tuple[float, float]:
    """A conservative degree box around a position at latitude ``lat``: (dlat, dlon) in degrees such that every
    position within ``radius_m`` metres (geodesic, WGS84) of it differs from it by at most ``dlat`` in
    latitude and at most ``dlon`` in longitude (taken round the 180° meridian); ``dlon`` is 180 when the
    circle may reach a pole. For prefilters that must never exclude a pair within the distance.

    Why it holds: on the ellipsoid ``ds² = M(φ)² dφ² + r(φ)² dλ²`` (M the meridional radius of curvature, r
    the radius of the parallel). ``M >= a(1 - e²)`` (its value at the equator), so a path of length ``radius_m``
    changes latitude by at most ``radius_m / (a(1 - e²))`` radians; along it r is at least its value at the
    most poleward latitude reachable, ``|lat| + dlat``, so longitude changes by at most ``radius_m / r`` there.
    """
    if radius_m < 0:
        raise ValueError(f"radius {radius_m} m is negative")
    a, es = WGS84.a, WGS84.es
    slack = 1.0 + 1e-9  # floating-point rounding, never a pair lost to it
    dlat = math.degrees(radius_m / (a * (1.0 - es))) * slack
    far = abs(lat) + dlat
    if far >= 90.0:
        return dlat, 180.0
    phi = math.radians(far)
    parallel = a * math.cos(phi) / math.sqrt(1.0 - es * math.sin(phi) ** 2)
    if parallel <= 0.0:
        return dlat, 180.0
    return dlat, min(180.0, math.degrees(radius_m / parallel) * slack)
