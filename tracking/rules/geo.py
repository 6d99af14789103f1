"""The rules' geodesy: one implementation for all of Seasight lives in :mod:`geodata.geodesy`."""

from geodata.geodesy import (
    EARTH_RADIUS_M,
    METRES_PER_NM,
    angle_difference_deg,
    bearing_deg,
    destination,
    distance_m,
    distance_nm,
    interpolate,
)

__all__ = [
    "EARTH_RADIUS_M",
    "METRES_PER_NM",
    "angle_difference_deg",
    "bearing_deg",
    "destination",
    "distance_m",
    "distance_nm",
    "interpolate",
]
