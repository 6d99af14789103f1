"""Drift, datum and search area by the IAMSAR manual method (IAMSAR Manual Vol. II, chapter 4).

From the last known position (LKP) and time, the search object drifts with

* the **total water current** (TWC: sea current + wind current, as set — direction towards, degrees true —
  and drift, knots; given by the coordinator), and
* **leeway** — the movement caused by wind on the object's exposed surfaces. Leeway speed (knots) is
  ``downwind_slope × U10 + downwind_offset``, directed down-wind, with a cross-wind component
  ``crosswind_slope × U10`` that may push the object either left or right of down-wind (leeway divergence);
  hence two datums, left and right, and their mid-point.

The **total probable error** of position is ``E = sqrt(X² + Y² + De²)`` (IAMSAR Vol. II ch. 4): X the
initial position error of the LKP, Y the search facility's navigational error, De the drift error. The
search radius is ``R = fs × E`` with the safety factor fs, and the search area covers a square of side
2R around each datum (IAMSAR Vol. II ch. 4, "search area").

Distances in nautical miles (nm), speeds in knots (kn), directions in degrees true, times in hours.
Positions move on a local flat-earth approximation (1' of latitude = 1 nm), which is accurate to well
under the probable error for the drift distances of a SAR case (tens of nm).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from coordination.errors import InvalidInputError
from geodata.geodesy import offset

KN_PER_CM_S = 0.0194384  # 1 cm/s in knots


@dataclass(frozen=True)
class LeewayClass:
    """Leeway coefficients of a craft type.

    Slopes are percent of the 10-m wind speed; offsets in cm/s. Source: USCG R&D leeway taxonomy
    (Allen & Plourde 1999, CG-D-08-99; Allen 2005, CG-D-05-05), the values used for IAMSAR leeway
    planning; ``source_class`` names the class used.
    """

    id: str
    label: str
    downwind_slope_pct: float
    downwind_offset_cm_s: float
    crosswind_slope_pct: float
    source_class: str

    def leeway_kn(self, wind_kn: float) -> tuple[float, float]:
        """(downwind, crosswind) leeway speeds in knots for a 10-m wind of ``wind_kn`` knots."""
        down = self.downwind_slope_pct / 100.0 * wind_kn + self.downwind_offset_cm_s * KN_PER_CM_S
        cross = self.crosswind_slope_pct / 100.0 * wind_kn
        return max(down, 0.0), abs(cross)


# Craft types seen in irregular maritime movements in the region, mapped to the nearest measured class.
LEEWAY_CLASSES: dict[str, LeewayClass] = {
    c.id: c
    for c in (
        LeewayClass(
            "person_in_water",
            "Persons in water",
            0.96,
            0.0,
            0.54,
            "PIW-1 Person-in-water, unknown state (mean values)",
        ),
        LeewayClass(
            "life_raft",
            "Life raft, no ballast",
            3.70,
            0.0,
            1.98,
            "LIFE-RAFT-NB-1 Life-raft, no ballast system, general (mean values)",
        ),
        LeewayClass(
            "dinghy",
            "Inflatable dinghy, no canopy",
            5.34,
            9.91,
            2.26,
            "LIFE-RAFT-NB-2 Life-raft, no ballast, no canopy, no drogue",
        ),
        LeewayClass(
            "skiff",
            "Small open boat / skiff with outboard",
            3.15,
            0.0,
            1.29,
            "SKIFF-1 Skiff, modified-v, runabout outboard powerboat",
        ),
        LeewayClass(
            "swamped_boat",
            "Small boat swamped or capsized",
            1.65,
            0.0,
            0.39,
            "SKIFF-3 Skiffs, swamped and capsized",
        ),
        LeewayClass(
            "wooden_boat",
            "Wooden boat (fishing-vessel type)",
            2.47,
            0.0,
            2.76,
            "FISHING-VESSEL-1 Fishing vessel, general (mean values)",
        ),
        LeewayClass(
            "raft",
            "Improvised raft, no sail",
            1.56,
            8.30,
            0.078,
            "REFUGEE-RAFT-1 Immigration vessel, refugee raft, no sail",
        ),
    )
}


@dataclass(frozen=True)
class DriftParameters:
    """Planning parameters of the manual method, each with unit, default, range and source.

    * ``drift_error_fraction`` — De as a fraction of the drift distance; default 0.3, range 0–1;
      source: planning assumption (IAMSAR Vol. II ch. 4 has the planner estimate the drift error;
      tune per RCC).
    * ``safety_factor`` — fs, dimensionless; default 1.1 (first search), range 1.0–3.0; source: the
      successive-search safety factors 1.1, 1.6, 2.0, 2.3, 2.5 of the manual method.
    * ``initial_position_error_nm`` — X, nm; default 1.0 (radar / visual fix), range 0–50.
    * ``facility_nav_error_nm`` — Y, nm; default 0.1 (GNSS-equipped searcher), range 0–20.
    """

    drift_error_fraction: float = 0.3
    safety_factor: float = 1.1
    initial_position_error_nm: float = 1.0
    facility_nav_error_nm: float = 0.1

    def __post_init__(self) -> None:
        checks = (
            ("drift_error_fraction", self.drift_error_fraction, 0.0, 1.0),
            ("safety_factor", self.safety_factor, 1.0, 3.0),
            ("initial_position_error_nm", self.initial_position_error_nm, 0.0, 50.0),
            ("facility_nav_error_nm", self.facility_nav_error_nm, 0.0, 20.0),
        )
        for name, value, lo, hi in checks:
            if not (math.isfinite(value) and lo <= value <= hi):
                raise InvalidInputError(f"{name} must be between {lo} and {hi}, got {value}")


@dataclass(frozen=True)
class DriftInput:
    """The coordinator's inputs: LKP and its time, the datum time, craft, wind and total water current.

    ``wind_from_deg``: direction the wind blows FROM (meteorological), degrees true; ``wind_kn``: 10-m wind
    speed, knots. ``current_set_deg``: direction the total water current flows TOWARDS, degrees true;
    ``current_drift_kn``: its speed, knots.
    """

    lkp_lat: float
    lkp_lon: float
    lkp_time: datetime
    datum_time: datetime
    craft: str
    wind_from_deg: float
    wind_kn: float
    current_set_deg: float
    current_drift_kn: float

    def __post_init__(self) -> None:
        if not -90 <= self.lkp_lat <= 90:
            raise InvalidInputError(f"lkp_lat must be between -90 and 90 degrees, got {self.lkp_lat}")
        if not -180 <= self.lkp_lon <= 180:
            raise InvalidInputError(f"lkp_lon must be between -180 and 180 degrees, got {self.lkp_lon}")
        if self.lkp_time.tzinfo is None or self.datum_time.tzinfo is None:
            raise InvalidInputError("lkp_time and datum_time must be timezone-aware (UTC)")
        if self.datum_time < self.lkp_time:
            raise InvalidInputError("datum_time is before the last known position's time")
        if self.craft not in LEEWAY_CLASSES:
            raise InvalidInputError(f"craft {self.craft!r} unknown; expected one of: {', '.join(LEEWAY_CLASSES)}")
        for name, value, hi in (
            ("wind_from_deg", self.wind_from_deg, 360.0),
            ("current_set_deg", self.current_set_deg, 360.0),
        ):
            if not 0 <= value <= hi:
                raise InvalidInputError(f"{name} must be 0–360 degrees true, got {value}")
        if not 0 <= self.wind_kn <= 100:
            raise InvalidInputError(f"wind_kn must be 0–100 knots, got {self.wind_kn}")
        if not 0 <= self.current_drift_kn <= 10:
            raise InvalidInputError(f"current_drift_kn must be 0–10 knots, got {self.current_drift_kn}")


@dataclass(frozen=True)
class Datum:
    lat: float
    lon: float


@dataclass(frozen=True)
class DriftResult:
    """Datums (mid, left, right), drift figures and the search area (polygon as (lon, lat) ring)."""

    drift_hours: float
    leeway_downwind_kn: float
    leeway_crosswind_kn: float
    drift_distance_nm: float  # LKP to the mid datum
    drift_direction_deg: float  # LKP to the mid datum, degrees true
    datum: Datum
    datum_left: Datum
    datum_right: Datum
    divergence_distance_nm: float  # left to right datum
    probable_error_nm: float  # E
    search_radius_nm: float  # R = fs × E
    search_area_ring: tuple[tuple[float, float], ...]  # closed ring of (lon, lat)
    search_area_sq_nm: float


def _vector(direction_deg: float, length: float) -> tuple[float, float]:
    """(east, north) components of a vector towards ``direction_deg`` true."""
    rad = math.radians(direction_deg)
    return length * math.sin(rad), length * math.cos(rad)


def offset_position(lat: float, lon: float, east_nm: float, north_nm: float) -> tuple[float, float]:
    """The position reached from (lat, lon) by the drift vector (east, north) nautical miles: the WGS84
    geodesic of bearing atan2(east, north) and length hypot(east, north) (``geodata.geodesy``, the one
    geodesy of Seasight); returns (lat, lon)."""
    return offset(lat, lon, east_nm, north_nm)


def _convex_hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Counter-clockwise convex hull (monotone chain) of planar points."""
    # round away trigonometric noise (1e-16 nm) so collinear corners are recognised as such
    pts = sorted({(round(x, 9), round(y, 9)) for x, y in points})
    if len(pts) <= 2:
        return pts

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def _polygon_area(ring: list[tuple[float, float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2


def compute_drift(inp: DriftInput, params: DriftParameters = DriftParameters()) -> DriftResult:
    """Datum, probable error and search area by the IAMSAR Vol. II ch. 4 manual method (see module doc)."""
    hours = (inp.datum_time - inp.lkp_time).total_seconds() / 3600.0
    craft = LEEWAY_CLASSES[inp.craft]
    down_kn, cross_kn = craft.leeway_kn(inp.wind_kn)
    downwind_deg = (inp.wind_from_deg + 180.0) % 360.0

    cur_e, cur_n = _vector(inp.current_set_deg, inp.current_drift_kn * hours)
    lw_e, lw_n = _vector(downwind_deg, down_kn * hours)
    # cross-wind leeway: to the right of down-wind is +90°, to the left -90°
    rx_e, rx_n = _vector((downwind_deg + 90.0) % 360.0, cross_kn * hours)

    mid = (cur_e + lw_e, cur_n + lw_n)
    right = (mid[0] + rx_e, mid[1] + rx_n)
    left = (mid[0] - rx_e, mid[1] - rx_n)

    drift_nm = math.hypot(*mid)
    drift_dir = math.degrees(math.atan2(mid[0], mid[1])) % 360.0 if drift_nm > 0 else 0.0
    divergence_nm = math.hypot(right[0] - left[0], right[1] - left[1])

    de = params.drift_error_fraction * drift_nm
    e = math.sqrt(params.initial_position_error_nm**2 + params.facility_nav_error_nm**2 + de**2)
    r = params.safety_factor * e

    corners: list[tuple[float, float]] = []
    for cx, cy in (left, right):
        corners += [(cx - r, cy - r), (cx + r, cy - r), (cx + r, cy + r), (cx - r, cy + r)]
    hull = _convex_hull(corners)
    area = _polygon_area(hull)

    def to_geo(p: tuple[float, float]) -> tuple[float, float]:
        lat, lon = offset_position(inp.lkp_lat, inp.lkp_lon, p[0], p[1])
        return lon, lat

    ring = tuple(to_geo(p) for p in hull)
    ring = (*ring, ring[0])
    d_lat, d_lon = offset_position(inp.lkp_lat, inp.lkp_lon, *mid)
    l_lat, l_lon = offset_position(inp.lkp_lat, inp.lkp_lon, *left)
    r_lat, r_lon = offset_position(inp.lkp_lat, inp.lkp_lon, *right)
    return DriftResult(
        drift_hours=hours,
        leeway_downwind_kn=down_kn,
        leeway_crosswind_kn=cross_kn,
        drift_distance_nm=drift_nm,
        drift_direction_deg=drift_dir,
        datum=Datum(d_lat, d_lon),
        datum_left=Datum(l_lat, l_lon),
        datum_right=Datum(r_lat, r_lon),
        divergence_distance_nm=divergence_nm,
        probable_error_nm=e,
        search_radius_nm=r,
        search_area_ring=ring,
        search_area_sq_nm=area,
    )
