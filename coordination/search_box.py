"""Degree boxes and degree lengths on the WGS84 ellipsoid, for coordination (RCC lookup, sea routes) — no I/O.

A query that first picks candidates with a latitude/longitude box (a GiST ``&&`` on EPSG:4326, a window of a
raster) needs to know how many degrees a distance in nautical miles spans at a latitude. These helpers give
it from the WGS84 ellipsoid of ``geodata.geodesy.WGS84`` (``pyproj.Geod``): the box of a geodesic circle is
found with ``Geod.fwd`` (Karney, "Algorithms for geodesics", J. Geodesy 87, 2013), and the length of a
degree from the ellipsoid's radii of curvature (meridian M and prime vertical N; e.g. NGA TR8350.2, WGS84,
ch. 3 and 7). No flat-earth "60 nm a degree" shortcut: a degree of latitude is 59.7 nm at the equator and
60.4 nm at the poles.

A box that crosses the antimeridian (180°) has ``west > east`` and is given to a query as two envelopes
(:meth:`DegreeBox.envelopes`), so a position at 179.9E finds what lies at 179.9W.

Units: degrees (WGS84 latitude/longitude, longitudes in [-180, 180]), nautical miles (1852 m).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from geodata.geodesy import METRES_PER_NM, WGS84, distance_nm

FloatArray = npt.NDArray[np.float64]

AZIMUTH_STEP_DEG = 0.25
"""Spacing of the azimuths tried when finding a geodesic circle's widest longitude (degrees); the widest
one is then refined to a hundredth of this step."""

ROUNDING_PAD_DEG = 1e-9
"""Added on every side of a circle's box (degrees, about 0.1 mm) so rounding never leaves a point of the
circle just outside it."""

Envelope = tuple[float, float, float, float]  # (west, south, east, north), degrees, west <= east


@dataclass(frozen=True)
class DegreeBox:
    """A latitude/longitude box. ``west > east`` when it crosses the antimeridian; a box all round the
    Earth has ``west`` = -180 and ``east`` = 180."""

    south: float
    west: float
    north: float
    east: float

    def __post_init__(self) -> None:
        if not -90.0 <= self.south <= self.north <= 90.0:
            raise ValueError(f"box latitudes must satisfy -90 <= south <= north <= 90, got {self.south}, {self.north}")
        for name, value in (("west", self.west), ("east", self.east)):
            if not -180.0 <= value <= 180.0:
                raise ValueError(f"box {name} longitude must be -180..180, got {value}")

    @property
    def crosses_antimeridian(self) -> bool:
        return self.west > self.east

    def envelopes(self) -> tuple[Envelope, ...]:
        """The box as one envelope, or two split at the antimeridian (each with west <= east)."""
        if not self.crosses_antimeridian:
            return ((self.west, self.south, self.east, self.north),)
        return ((self.west, self.south, 180.0, self.north), (-180.0, self.south, self.east, self.north))

    @property
    def half_width_deg(self) -> float:
        """Half the box's width in longitude (degrees; 180 for a box all round the Earth)."""
        if (self.west, self.east) == (-180.0, 180.0):
            return 180.0
        return ((self.east - self.west) % 360.0) / 2.0

    def contains(self, lat: float, lon: float) -> bool:
        lon = _wrap(lon)
        if not self.south <= lat <= self.north:
            return False
        if self.crosses_antimeridian:
            return lon >= self.west or lon <= self.east
        return self.west <= lon <= self.east

    def padded(self, degrees: float) -> DegreeBox:
        """The box grown by ``degrees`` on every side (clamped at the poles; all round once it meets itself)."""
        if degrees < 0:
            raise ValueError(f"padding must be >= 0 degrees, got {degrees}")
        south, north = max(-90.0, self.south - degrees), min(90.0, self.north + degrees)
        width = (self.east - self.west) % 360.0 if (self.west, self.east) != (-180.0, 180.0) else 360.0
        if width + 2 * degrees >= 360.0:
            return DegreeBox(south, -180.0, north, 180.0)
        return DegreeBox(south, _wrap(self.west - degrees), north, _wrap(self.east + degrees))


def _wrap(lon: float) -> float:
    """Longitude in [-180, 180] (180 stays 180)."""
    return lon if -180.0 <= lon <= 180.0 else (lon + 180.0) % 360.0 - 180.0


def degree_box(lat: float, lon: float, radius_nm: float) -> DegreeBox:
    """The smallest latitude/longitude box holding every position within ``radius_nm`` (geodesic, WGS84)
    of (lat, lon). A circle that contains a pole spans every longitude up to that pole."""
    if not -90.0 <= lat <= 90.0 or not -180.0 <= lon <= 180.0:
        raise ValueError(f"position {lat},{lon} is not a valid latitude,longitude")
    if radius_nm < 0:
        raise ValueError(f"radius must be >= 0 nm, got {radius_nm}")
    if radius_nm == 0:
        return DegreeBox(lat, lon, lat, lon)
    metres = radius_nm * METRES_PER_NM
    north_pole = radius_nm >= distance_nm(lat, lon, 90.0, lon)
    south_pole = radius_nm >= distance_nm(lat, lon, -90.0, lon)
    north = 90.0 if north_pole else float(WGS84.fwd(lon, lat, 0.0, metres)[1])
    south = -90.0 if south_pole else float(WGS84.fwd(lon, lat, 180.0, metres)[1])
    if north_pole or south_pole:
        return DegreeBox(south, -180.0, north, 180.0)
    south, north = max(-90.0, south - ROUNDING_PAD_DEG), min(90.0, north + ROUNDING_PAD_DEG)
    half = _widest_longitude_offset(lat, lon, metres) + ROUNDING_PAD_DEG
    if half >= 180.0:
        return DegreeBox(south, -180.0, north, 180.0)
    return DegreeBox(south, _wrap(lon - half), north, _wrap(lon + half))


def _widest_longitude_offset(lat: float, lon: float, metres: float) -> float:
    """Largest eastward longitude difference (degrees) of the geodesic circle of radius ``metres`` (the
    circle is symmetric about the meridian, so the westward one is the same)."""

    def offsets(azimuths: FloatArray) -> FloatArray:
        n = azimuths.size
        lons, _, _ = WGS84.fwd(np.full(n, lon), np.full(n, lat), azimuths, np.full(n, metres))
        result: FloatArray = (np.asarray(lons, dtype=float) - lon) % 360.0
        return result

    coarse = np.arange(0.0, 180.0 + AZIMUTH_STEP_DEG / 2, AZIMUTH_STEP_DEG)
    got = offsets(coarse)
    best = float(coarse[int(np.argmax(got))])
    fine = np.linspace(max(0.0, best - AZIMUTH_STEP_DEG), min(180.0, best + AZIMUTH_STEP_DEG), 101)
    return float(max(got.max(), offsets(fine).max()))


def nm_per_degree_latitude(lat: float | FloatArray) -> FloatArray:
    """Length (nm) of one degree of latitude at ``lat`` along the meridian: M(lat)·π/180, with the WGS84
    meridian radius of curvature M = a(1-e²)/(1-e²sin²φ)^1.5."""
    s = np.sin(np.radians(np.asarray(lat, dtype=float)))
    m = WGS84.a * (1.0 - WGS84.es) / (1.0 - WGS84.es * s * s) ** 1.5
    result: FloatArray = m * math.pi / 180.0 / METRES_PER_NM
    return result


def nm_per_degree_longitude(lat: float | FloatArray) -> FloatArray:
    """Length (nm) of one degree of longitude along the parallel at ``lat``: N(lat)·cos(lat)·π/180, with the
    WGS84 prime-vertical radius of curvature N = a/√(1-e²sin²φ)."""
    phi = np.radians(np.asarray(lat, dtype=float))
    n = WGS84.a / np.sqrt(1.0 - WGS84.es * np.sin(phi) ** 2)
    result: FloatArray = n * np.cos(phi) * math.pi / 180.0 / METRES_PER_NM
    return result


MAX_NM_PER_DEGREE_LATITUDE = float(nm_per_degree_latitude(90.0))
"""The longest degree of latitude (at the poles), nm."""


def leg_length_bound_nm(lats1: FloatArray, lons1: FloatArray, lats2: FloatArray, lons2: FloatArray) -> FloatArray:
    """An upper bound (nm) of the length of each leg drawn straight in latitude/longitude (a rhumb-like line
    on the map) from (lats1, lons1) to (lats2, lons2), the shorter way round in longitude: the latitude
    change at the longest degree of latitude on the leg and the longitude change at the longest degree of
    longitude on it (at the leg's lowest absolute latitude, the equator if it crosses it)."""
    lats1, lons1, lats2, lons2 = (np.asarray(a, dtype=float) for a in (lats1, lons1, lats2, lons2))
    dlon = ((lons2 - lons1 + 180.0) % 360.0) - 180.0
    lowest = np.where(np.sign(lats1) * np.sign(lats2) < 0, 0.0, np.minimum(np.abs(lats1), np.abs(lats2)))
    highest = np.maximum(np.abs(lats1), np.abs(lats2))
    result: FloatArray = np.hypot(
        (lats2 - lats1) * nm_per_degree_latitude(highest), dlon * nm_per_degree_longitude(lowest)
    )
    return result
