"""Geodesy on the sphere, for all of Seasight (rules, SURPIC, sea routes, the simulator) — no I/O.

Distances use the haversine formula on a sphere of mean Earth radius 6,371,008.8 m (IUGG); over the
distances the rules care about (metres to a few hundred nautical miles) the error against the ellipsoid is
below 0.5 %, far inside AIS position noise. One nautical mile is exactly 1852 m (BIPM SI brochure).
"""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_NM = 1852.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given in decimal degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def distance_nm(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in nautical miles."""
    return distance_m(lat1, lon1, lat2, lon2) / METRES_PER_NM


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial true bearing in degrees [0, 360) from point 1 to point 2."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(x, y)) % 360.0


def signed_turn_deg(from_deg: float, to_deg: float) -> float:
    """Signed smallest turn from ``from_deg`` to ``to_deg``: + to starboard, - to port, in (-180, 180]."""
    delta = (to_deg - from_deg) % 360.0
    return delta - 360.0 if delta > 180.0 else delta


def angle_difference_deg(a: float, b: float) -> float:
    """Smallest absolute difference between two directions, degrees in [0, 180]."""
    d = abs(a - b) % 360.0
    return 360.0 - d if d > 180.0 else d


def interpolate(lat1: float, lon1: float, lat2: float, lon2: float, fraction: float) -> tuple[float, float]:
    """Linear interpolation in latitude/longitude (adequate between AIS fixes minutes apart), handling the
    antimeridian. ``fraction`` 0 gives point 1, 1 gives point 2."""
    dlon = lon2 - lon1
    if dlon > 180.0:
        dlon -= 360.0
    elif dlon < -180.0:
        dlon += 360.0
    lon = lon1 + dlon * fraction
    if lon > 180.0:
        lon -= 360.0
    elif lon < -180.0:
        lon += 360.0
    return lat1 + (lat2 - lat1) * fraction, lon


def destination(lat: float, lon: float, bearing: float, distance_nm_: float) -> tuple[float, float]:
    """The point reached from (lat, lon) after ``distance_nm_`` nautical miles on initial true bearing
    ``bearing`` degrees (great circle)."""
    delta = distance_nm_ * METRES_PER_NM / EARTH_RADIUS_M
    theta = math.radians(bearing)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(delta) + math.cos(p1) * math.sin(delta) * math.cos(theta))
    l2 = l1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(p1), math.cos(delta) - math.sin(p1) * math.sin(p2)
    )
    return math.degrees(p2), (math.degrees(l2) + 540.0) % 360.0 - 180.0
