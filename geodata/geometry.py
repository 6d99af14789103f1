"""Pure geometry helpers for reference layers: antimeridian splitting, geodesic circles, validation.

All coordinates are EPSG:4326 longitude/latitude degrees (GeoJSON order, RFC 7946). No I/O.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import shapely
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from geodata.errors import CoordinateError
from geodata.geodesy import WGS84  # the one geodesy of Seasight

METRES_PER_NM = 1852.0
CIRCLE_SEGMENTS = 72
"""Vertices of a geodesic circle (one every 5° of azimuth)."""

LONLAT_TOLERANCE_DEG = 0.001
"""Coordinates up to this far beyond ±180° / ±90° (degrees, ≈ 110 m) are clamped, not rejected: some
published layers overshoot the antimeridian by a rounding error."""


_WEST = box(-180.0, -90.0, 180.0, 90.0)
_EAST = box(180.0, -90.0, 540.0, 90.0)


def _shift_negative_longitudes(poly: Polygon) -> Polygon:
    def shift(coords: list[tuple[float, ...]]) -> list[tuple[float, float]]:
        return [(x + 360.0 if x < 0 else x, y) for x, y, *_ in coords]

    return Polygon(shift(list(poly.exterior.coords)), [shift(list(r.coords)) for r in poly.interiors])


def _ring_crosses(coords: list[tuple[float, ...]]) -> bool:
    for (x1, y1, *_), (x2, y2, *_) in zip(coords, coords[1:], strict=False):
        along_edge = abs(x1) == 180.0 and abs(x2) == 180.0
        along_pole = abs(y1) == 90.0 and abs(y2) == 90.0
        if abs(x2 - x1) > 180.0 and not (along_edge or along_pole):
            return True
    return False


def crosses_antimeridian(poly: Polygon) -> bool:
    """True when an edge of the polygon jumps more than 180° in longitude (it is meant to go the short way
    across the dateline, RFC 7946 §3.1.9) and the polygon becomes less than 180° wide once its western
    longitudes are shifted by +360°. Edges running along ±180° or a pole, and polygons already spanning
    -180..180 (polar caps such as Antarctica in Natural Earth) do not count."""
    minx, _, maxx, _ = poly.bounds
    if minx <= -180.0 + LONLAT_TOLERANCE_DEG and maxx >= 180.0 - LONLAT_TOLERANCE_DEG:
        return False  # spans the whole globe already (a polar cap such as Antarctica or the Arctic Ocean)
    rings = [list(poly.exterior.coords), *[list(r.coords) for r in poly.interiors]]
    if not any(_ring_crosses(r) for r in rings):
        return False
    # a true crossing becomes compact (< 180° wide) once western longitudes are shifted by +360°
    shifted_minx, _, shifted_maxx, _ = _shift_negative_longitudes(poly).bounds
    return bool(shifted_maxx - shifted_minx < 180.0)


def split_antimeridian(geom: BaseGeometry) -> BaseGeometry:
    """Split polygons that cross the antimeridian into parts on each side of ±180°.

    A polygon crosses when it is given in 0..360 longitudes (any x > 180) or when one of its edges jumps
    more than 180° of longitude (:func:`crosses_antimeridian`). The result has every longitude within
    -180..180. Other geometries are returned with longitudes above 180 wrapped. Returns ``geom`` itself
    when nothing needed changing.
    """
    if isinstance(geom, MultiPolygon):
        originals = list(geom.geoms)
        fixed_parts = [split_antimeridian(p) for p in originals]
        if all(f is p for f, p in zip(fixed_parts, originals, strict=True)):
            return geom
        parts: list[Polygon] = []
        for fixed in fixed_parts:
            parts.extend(fixed.geoms if isinstance(fixed, MultiPolygon) else [fixed])
        return MultiPolygon(parts)
    if isinstance(geom, Polygon):
        _, _, maxx, _ = geom.bounds
        if maxx <= 180.0 and not crosses_antimeridian(geom):
            return geom
        shifted = geom if maxx > 180.0 else _shift_negative_longitudes(geom)
        if not shifted.is_valid:  # valid on the plane as given, but its shifted copy may self-touch
            shifted = shapely.make_valid(shifted)
        west = shifted.intersection(_WEST)
        east = affinity.translate(shifted.intersection(_EAST), xoff=-360.0)
        out: list[Polygon] = []
        for piece in (west, east):
            out.extend(p for p in getattr(piece, "geoms", [piece]) if isinstance(p, Polygon) and p.area > 0)
        return MultiPolygon(out) if len(out) > 1 else out[0]
    _, _, maxx, _ = geom.bounds
    if maxx > 180.0:
        return shapely.transform(geom, _wrap_xy)
    return geom


def _wrap_xy(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    out = xy.copy()
    out[:, 0] = ((out[:, 0] + 180.0) % 360.0) - 180.0
    return out


def to_multipolygon(geom: BaseGeometry, what: str) -> MultiPolygon:
    """The polygonal part of ``geom`` as a MultiPolygon; raise naming ``what`` when there is none."""
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    polys: list[Polygon] = []
    for part in getattr(geom, "geoms", []):  # e.g. the GeometryCollection make_valid may return
        if isinstance(part, Polygon):
            polys.append(part)
        elif isinstance(part, MultiPolygon):
            polys.extend(part.geoms)
    if not polys:
        raise CoordinateError(f"{what}: needs a Polygon or MultiPolygon, got {geom.geom_type}")
    return MultiPolygon(polys)


def geodesic_circle(lon: float, lat: float, radius_nm: float) -> MultiPolygon:
    """A circle of ``radius_nm`` nautical miles around (lon, lat) on the WGS 84 ellipsoid, split at the
    antimeridian when it crosses it."""
    if not (math.isfinite(radius_nm) and 0.0 < radius_nm <= 1000.0):
        raise CoordinateError(f"radius_nm must be above 0 and at most 1000 nm, got {radius_nm!r}")
    if not (math.isfinite(lat) and -89.0 <= lat <= 89.0 and math.isfinite(lon)):
        raise CoordinateError(f"circle centre must be a finite lon/lat below 89° latitude, got {lon!r}, {lat!r}")
    if lon > 180.0 or lon < -180.0:
        raise CoordinateError(f"circle centre longitude must be within -180..180, got {lon!r}")
    azimuths = [360.0 * k / CIRCLE_SEGMENTS for k in range(CIRCLE_SEGMENTS)]
    lons, lats, _ = WGS84.fwd(
        [lon] * len(azimuths), [lat] * len(azimuths), azimuths, [radius_nm * METRES_PER_NM] * len(azimuths)
    )
    # unwrap longitudes around the centre so the ring is continuous, then split at ±180
    ring = [(lon + ((x - lon + 180.0) % 360.0) - 180.0, y) for x, y in zip(lons, lats, strict=True)]
    poly = Polygon(ring)
    minx, _, maxx, _ = poly.bounds
    if minx < -180.0:
        poly = affinity.translate(poly, xoff=360.0)
    return to_multipolygon(split_antimeridian(poly), "circle")


def clamp_lonlat(geom: BaseGeometry) -> BaseGeometry:
    """Clamp coordinates overshooting ±180° / ±90° by at most :data:`LONLAT_TOLERANCE_DEG`."""
    minx, miny, maxx, maxy = geom.bounds
    if minx >= -180.0 and maxx <= 180.0 and miny >= -90.0 and maxy <= 90.0:
        return geom
    t = LONLAT_TOLERANCE_DEG
    if minx < -180.0 - t or maxx > 180.0 + t or miny < -90.0 - t or maxy > 90.0 + t:
        return geom

    def clamp(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        out = xy.copy()
        out[:, 0] = np.clip(out[:, 0], -180.0, 180.0)
        out[:, 1] = np.clip(out[:, 1], -90.0, 90.0)
        return out

    return shapely.transform(geom, clamp)


def check_lonlat_range(geom: BaseGeometry, what: str) -> None:
    """Raise when any coordinate is outside -180..180 / -90..90 (after CRS transformation)."""
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180.0 - 1e-9 or maxx > 180.0 + 1e-9 or miny < -90.0 - 1e-9 or maxy > 90.0 + 1e-9:
        raise CoordinateError(
            f"{what}: coordinates outside longitude -180..180 / latitude -90..90 "
            f"(bounds {minx:.4f}, {miny:.4f}, {maxx:.4f}, {maxy:.4f}); wrong CRS or axis order?"
        )
