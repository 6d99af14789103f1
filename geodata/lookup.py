"""Where is this position? — SRR and RCC, state waters nearest, watch zones, nearest ports.

Queries against the reference tables loaded by :mod:`geodata.loader` (``seasight geodata load``). Every
query uses geography distances (metres on the WGS 84 spheroid, reported in nautical miles), which are
correct across the antimeridian, and is served by the expression GiST indexes of migration 0010.

SAR responsibility follows the IMO International Convention on Maritime Search and Rescue (1979) and
IAMSAR Vol. I ch. 2: the RCC of the SRR containing the position is responsible; under IMO MSC.167(78) the
state responsible for that SRR must provide or ensure a place of safety. Neighbouring SRRs within
:data:`SRR_NEIGHBOUR_RADIUS_NM` are listed too, because a drifting case may cross a boundary and the
seasight SRR layer is indicative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import psycopg

from geodata.errors import CoordinateError
from geodata.shore import distance_to_shore_nm, is_land
from seasight.rows import fetch_all_by_name

METRES_PER_NM = 1852.0

SRR_NEIGHBOUR_RADIUS_NM = 100.0
"""Neighbouring SRRs listed within this distance (nm). Default 100, range 0-500. Source: team choice —
about one day's drift of a disabled boat in the monsoon (≈ 2 kn) plus the indicative layer's boundary
error, so the SMC sees every RCC that may need to be told (IAMSAR Vol. II, "adjacent RCCs")."""

ZONE_NEAR_RADIUS_NM = 25.0
"""Watch zones listed as "near" within this distance (nm). Default 25, range 0-200. Source: team choice,
about two hours of a 12 kn transit."""

NEAREST_PORTS = 3
"""How many nearest ports :func:`where` lists. Default 3, range 1-20."""

STATE_NEAR_RADIUS_NM = 400.0
"""States looked for within this distance (nm) for "state waters nearest". Default 400, range 12-1000:
beyond the 200 nm EEZ limit (UNCLOS art. 57) with a margin for the coarse country polygons."""


@dataclass(frozen=True)
class SrrHit:
    """One search-and-rescue region at or near a position.

    ``contains`` is true for the SRR the position lies in (distance_nm 0.0); neighbours follow, nearest
    first. ``indicative`` true means the boundary is an approximation, not the official one.
    """

    srr_id: str
    name: str
    rcc_name: str
    rcc_country: str  # ISO 3166-1 alpha-3
    rcc_phone: str | None
    rcc_email: str | None
    rcc_note: str | None
    indicative: bool
    source: str
    contains: bool
    distance_nm: float


@dataclass(frozen=True)
class ZoneHit:
    zone_id: int
    name: str
    kind: str
    reason: str
    contains: bool
    distance_nm: float


@dataclass(frozen=True)
class PortHit:
    locode: str
    name: str
    country_iso2: str
    lat: float
    lon: float
    distance_nm: float


@dataclass(frozen=True)
class StateHit:
    iso3: str
    name: str
    contains: bool  # the position is inside the state's land polygon
    distance_nm: float  # to the state's land polygon (its coast), 0.0 inside


@dataclass(frozen=True)
class WhereAnswer:
    """Everything Seasight knows about one position."""

    lat: float
    lon: float
    on_land: bool
    distance_to_shore_nm: float
    shore_accuracy: str
    srr: tuple[SrrHit, ...]
    states: tuple[StateHit, ...]
    zones: tuple[ZoneHit, ...]
    ports: tuple[PortHit, ...]

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def check_position(lat: float, lon: float) -> tuple[float, float]:
    """Validate a position and normalise its longitude to -180..180 degrees."""
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError) as exc:
        raise CoordinateError(f"latitude/longitude must be numbers in degrees, got {lat!r}, {lon!r}") from exc
    if not math.isfinite(lat_f) or not -90.0 <= lat_f <= 90.0:
        raise CoordinateError(f"latitude must be from -90 to 90 degrees, got {lat!r}")
    if not math.isfinite(lon_f) or not -360.0 <= lon_f <= 360.0:
        raise CoordinateError(f"longitude must be from -180 to 180 degrees (or 0 to 360), got {lon!r}")
    if not -180.0 <= lon_f <= 180.0:
        lon_f = ((lon_f + 180.0) % 360.0) - 180.0
    return lat_f, lon_f


def _check_radius(radius_nm: float, name: str, maximum: float) -> float:
    if not math.isfinite(radius_nm) or not 0.0 <= radius_nm <= maximum:
        raise CoordinateError(f"{name} must be from 0 to {maximum} nm, got {radius_nm!r}")
    return float(radius_nm)


_POINT = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)"

_SRR_SQL = f"""
SELECT id, name, rcc_name, rcc_country, rcc_phone, rcc_email, rcc_note, indicative, source,
       ST_Covers(geom, {_POINT}) AS contains,
       ST_Distance(geom::geography, {_POINT}::geography) / {METRES_PER_NM} AS distance_nm
FROM srr
WHERE ST_DWithin(geom::geography, {_POINT}::geography, %(radius_m)s)
ORDER BY contains DESC, distance_nm, id
"""


def srr_at(
    conn: psycopg.Connection[Any],
    lat: float,
    lon: float,
    neighbour_within_nm: float = SRR_NEIGHBOUR_RADIUS_NM,
) -> list[SrrHit]:
    """SRRs at a position: the containing SRR first (if any), then neighbours within
    ``neighbour_within_nm`` nautical miles, nearest first, each with its distance in nm.

    An empty list means no SRR of the loaded layer is within reach (or the layer is not loaded).
    """
    lat, lon = check_position(lat, lon)
    radius = _check_radius(neighbour_within_nm, "neighbour_within_nm", 500.0)
    params = {"lat": lat, "lon": lon, "radius_m": radius * METRES_PER_NM}
    rows = fetch_all_by_name(conn, _SRR_SQL, params)
    return [
        SrrHit(
            srr_id=r["id"],
            name=r["name"],
            rcc_name=r["rcc_name"],
            rcc_country=r["rcc_country"],
            rcc_phone=r["rcc_phone"],
            rcc_email=r["rcc_email"],
            rcc_note=r["rcc_note"],
            indicative=bool(r["indicative"]),
            source=r["source"],
            contains=bool(r["contains"]),
            distance_nm=0.0 if r["contains"] else round(float(r["distance_nm"]), 2),
        )
        for r in rows
    ]


_ZONE_SQL = f"""
SELECT id, name, kind, reason, ST_Covers(geom, {_POINT}) AS contains,
       ST_Distance(geom::geography, {_POINT}::geography) / {METRES_PER_NM} AS distance_nm
FROM zone
WHERE active AND ST_DWithin(geom::geography, {_POINT}::geography, %(radius_m)s)
ORDER BY contains DESC, distance_nm, id
"""


def zones_at(
    conn: psycopg.Connection[Any], lat: float, lon: float, near_within_nm: float = ZONE_NEAR_RADIUS_NM
) -> list[ZoneHit]:
    """Active watch zones containing the position, then those within ``near_within_nm`` nm."""
    lat, lon = check_position(lat, lon)
    radius = _check_radius(near_within_nm, "near_within_nm", 200.0)
    rows = fetch_all_by_name(conn, _ZONE_SQL, {"lat": lat, "lon": lon, "radius_m": radius * METRES_PER_NM})
    return [
        ZoneHit(
            zone_id=r["id"],
            name=r["name"],
            kind=r["kind"],
            reason=r["reason"],
            contains=bool(r["contains"]),
            distance_nm=0.0 if r["contains"] else round(float(r["distance_nm"]), 2),
        )
        for r in rows
    ]


_PORT_SQL = f"""
SELECT locode, name, country_iso2, ST_Y(geom) AS lat, ST_X(geom) AS lon,
       ST_Distance(geom::geography, {_POINT}::geography) / {METRES_PER_NM} AS distance_nm
FROM port
ORDER BY geom::geography <-> {_POINT}::geography
LIMIT %(limit)s
"""


def nearest_ports(conn: psycopg.Connection[Any], lat: float, lon: float, limit: int = NEAREST_PORTS) -> list[PortHit]:
    """The ``limit`` ports nearest the position (great-circle distance, nm), nearest first."""
    lat, lon = check_position(lat, lon)
    if not 1 <= limit <= 20:
        raise CoordinateError(f"limit must be from 1 to 20 ports, got {limit!r}")
    rows = fetch_all_by_name(conn, _PORT_SQL, {"lat": lat, "lon": lon, "limit": limit})
    hits = [
        PortHit(
            locode=r["locode"],
            name=r["name"],
            country_iso2=r["country_iso2"],
            lat=float(r["lat"]),
            lon=float(r["lon"]),
            distance_nm=round(float(r["distance_nm"]), 2),
        )
        for r in rows
    ]
    return sorted(hits, key=lambda h: h.distance_nm)


_STATE_SQL = f"""
SELECT iso3, name, ST_Covers(geom, {_POINT}) AS contains,
       ST_Distance(geom::geography, {_POINT}::geography) / {METRES_PER_NM} AS distance_nm
FROM state
WHERE ST_DWithin(geom::geography, {_POINT}::geography, %(radius_m)s)
ORDER BY contains DESC, distance_nm, iso3
LIMIT 5
"""


def states_near(
    conn: psycopg.Connection[Any], lat: float, lon: float, within_nm: float = STATE_NEAR_RADIUS_NM
) -> list[StateHit]:
    """States whose land lies within ``within_nm`` nm, nearest first (at most 5).

    The nearest coast is the state whose waters a boat is most likely in or approaching; this is not a
    legal maritime boundary (import an official EEZ layer for that).
    """
    lat, lon = check_position(lat, lon)
    radius = _check_radius(within_nm, "within_nm", 1000.0)
    rows = fetch_all_by_name(conn, _STATE_SQL, {"lat": lat, "lon": lon, "radius_m": radius * METRES_PER_NM})
    return [
        StateHit(
            iso3=r["iso3"],
            name=r["name"],
            contains=bool(r["contains"]),
            distance_nm=0.0 if r["contains"] else round(float(r["distance_nm"]), 2),
        )
        for r in rows
    ]


def where(conn: psycopg.Connection[Any], lat: float, lon: float) -> WhereAnswer:
    """On land?, distance to shore, SRR and RCC, state waters nearest, watch zones, nearest ports."""
    lat, lon = check_position(lat, lon)
    from geodata.shore import NEAR_SHORE_UNCERTAINTY_NM

    return WhereAnswer(
        lat=lat,
        lon=lon,
        on_land=is_land(lat, lon),
        distance_to_shore_nm=round(distance_to_shore_nm(lat, lon), 2),
        shore_accuracy=(
            f"±{NEAR_SHORE_UNCERTAINTY_NM:g} nm within 6 nm of a coast, ±0.1 nm offshore (GSHHG 0.1° grid)"
        ),
        srr=tuple(srr_at(conn, lat, lon)),
        states=tuple(states_near(conn, lat, lon)),
        zones=tuple(zones_at(conn, lat, lon)),
        ports=tuple(nearest_ports(conn, lat, lon)),
    )
