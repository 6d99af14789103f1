"""Geodesy on the WGS84 ellipsoid, for all of Seasight (rules, SURPIC, drift, CAP, RCC, sea routes) — no I/O.

Every distance, bearing and offset is a geodesic on the WGS84 ellipsoid computed with ``pyproj.Geod``
(Karney's algorithms, "Algorithms for geodesics", J. Geodesy 87, 2013; accurate to nanometres), so two
parts of Seasight never disagree about how far apart two positions are. One nautical mile is exactly
1852 m (BIPM SI brochure, table 8).

Units: latitudes and longitudes in decimal degrees (WGS84), distances in metres or nautical miles as the
name says, bearings in degrees true, clockwise from north, [0, 360).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pyproj import Geod

WGS84 = Geod(ellps="WGS84")
"""The one geodesic calculator of Seasight (WGS84 ellipsoid)."""
METRES_PER_NM = 1852.0
EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), only for converting an angle of arc to an approximate length (e.g. a search
margin in degrees); never for a distance reported to a user."""

FloatArray = npt.NDArray[np.float64]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance (m) between two positions on WGS84."""
    _, _, d = WGS84.inv(lon1, lat1, lon2, lat2)
    return float(d)


def distance_nm(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance (nm) between two positions on WGS84."""
    return distance_m(lat1, lon1, lat2, lon2) / METRES_PER_NM


def distances_nm(
    lat: float | FloatArray, lon: float | FloatArray, lats: float | FloatArray, lons: float | FloatArray
) -> FloatArray:
    """Geodesic distances (nm) between positions, element-wise; a single position is broadcast."""
    lat_a, lon_a, lats_a, lons_a = np.broadcast_arrays(
        np.asarray(lat, dtype=float),
        np.asarray(lon, dtype=float),
        np.asarray(lats, dtype=float),
        np.asarray(lons, dtype=float),
    )
    if lats_a.size == 0:
        return np.zeros(lats_a.shape, dtype=float)
    _, _, d = WGS84.inv(lon_a.ravel(), lat_a.ravel(), lons_a.ravel(), lats_a.ravel())
    result: FloatArray = np.asarray(d, dtype=float).reshape(lats_a.shape) / METRES_PER_NM
    return result


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial true bearing (degrees, [0, 360)) of the geodesic from point 1 to point 2."""
    if lat1 == lat2 and lon1 == lon2:
        return 0.0
    azimuth, _, _ = WGS84.inv(lon1, lat1, lon2, lat2)
    return float(azimuth) % 360.0


def signed_turn_deg(from_deg: float, to_deg: float) -> float:
    """Signed smallest turn from ``from_deg`` to ``to_deg``: + to starboard, - to port, in (-180, 180]."""
    delta = (to_deg - from_deg) % 360.0
    return delta - 360.0 if delta > 180.0 else delta


def angle_difference_deg(a: float, b: float) -> float:
    """Smallest absolute difference between two directions, degrees in [0, 180]."""
    d = abs(a - b) % 360.0
    return 360.0 - d if d > 180.0 else d


def interpolate(lat1: float, lon1: float, lat2: float, lon2: float, fraction: float) -> tuple[float, float]:
    """Position at ``fraction`` (0 gives point 1, 1 gives point 2) of the geodesic between two positions."""
    if fraction <= 0.0:
        return lat1, lon1
    if fraction >= 1.0:
        return lat2, lon2
    azimuth, _, d = WGS84.inv(lon1, lat1, lon2, lat2)
    lon, lat, _ = WGS84.fwd(lon1, lat1, azimuth, d * fraction)
    return float(lat), (float(lon) + 540.0) % 360.0 - 180.0


def destination(lat: float, lon: float, bearing: float, distance_nm_: float) -> tuple[float, float]:
    """The position (lat, lon) reached from (lat, lon) after ``distance_nm_`` nautical miles along the
    geodesic of initial true bearing ``bearing`` degrees."""
    lon2, lat2, _ = WGS84.fwd(lon, lat, bearing, distance_nm_ * METRES_PER_NM)
    return float(lat2), (float(lon2) + 540.0) % 360.0 - 180.0


def offset(lat: float, lon: float, east_nm: float, north_nm: float) -> tuple[float, float]:
    """The position displaced by a local east/north vector (nm): the geodesic of bearing atan2(east, north)
    and length hypot(east, north) from (lat, lon)."""
    length = float(np.hypot(east_nm, north_nm))
    if length == 0.0:
        return lat, lon
    return destination(lat, lon, float(np.degrees(np.arctan2(east_nm, north_nm))) % 360.0, length)


def path_length_nm(coordinates: list[tuple[float, float]] | tuple[tuple[float, float], ...]) -> float:
    """Length (nm) of a polyline of (lon, lat) vertices, each leg a geodesic."""
    if len(coordinates) < 2:
        return 0.0
    pts = np.asarray(coordinates, dtype=float)
    _, _, d = WGS84.inv(pts[:-1, 0], pts[:-1, 1], pts[1:, 0], pts[1:, 1])
    return float(np.sum(d)) / METRES_PER_NM
