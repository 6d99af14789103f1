"""Offline basemap: land polygons as GeoJSON for a Leaflet map with no tile server.

Operations centres often have no internet, so the dashboard draws land from this layer instead of map
tiles. The polygons are *derived* from data a package ships: the zero contour of the landmetrics signed
distance-to-coastline grid (GSHHG full resolution sampled on a 0.1° grid, see :mod:`geodata.shore`),
traced with ``contourpy`` and simplified with shapely. The coastline is therefore the same one
:func:`geodata.shore.is_land` uses, placed within about 3 nm (one 0.1° cell ≈ 6 nm); islands narrower
than about 11 km do not appear. Good enough to see where the sea is; not a chart.

Country borders are not part of this layer: they come from the ``state`` table (see
:mod:`geodata.countries`), which the dashboard can draw on top.
"""

from __future__ import annotations

import logging
import math
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, box, mapping

from geodata.errors import CoordinateError
from geodata.shore import GRID_SOURCE, load_grid

log = logging.getLogger("seasight.geodata.basemap")

Bbox = tuple[float, float, float, float]

ASIA_PACIFIC_BBOX: Bbox = (40.0, -50.0, 180.0, 45.0)
"""Default extent (min_lon, min_lat, max_lon, max_lat), degrees: the Bali Process maritime region from the
Arabian Sea to the dateline, south to the Southern Ocean."""

SIMPLIFY_TOLERANCE_DEG = 0.03
"""Douglas-Peucker tolerance, degrees (≈ 2 nm, a third of a grid cell): drops the contour's staircase
points. Range 0-0.1; larger is lighter and coarser."""

MIN_POLYGON_AREA_DEG2 = 0.0005
"""Smallest polygon kept, square degrees (≈ 6 km² at the equator), so small islands such as Christmas
Island stay. Range 0-0.1."""

COORDINATE_DECIMALS = 3
"""Decimals kept in output coordinates (0.001° ≈ 110 m, far below the layer's accuracy)."""


def _check_bbox(bbox: Bbox) -> Bbox:
    if len(bbox) != 4:
        raise CoordinateError(f"bbox must be (min_lon, min_lat, max_lon, max_lat), got {bbox!r}")
    min_lon, min_lat, max_lon, max_lat = (float(v) for v in bbox)
    if not all(math.isfinite(v) for v in (min_lon, min_lat, max_lon, max_lat)):
        raise CoordinateError(f"bbox values must be finite numbers, got {bbox!r}")
    if not (-90.0 <= min_lat < max_lat <= 90.0):
        raise CoordinateError(f"bbox latitudes must satisfy -90 <= min_lat < max_lat <= 90, got {bbox!r}")
    if not (-180.0 <= min_lon < max_lon <= 180.0):
        raise CoordinateError(
            f"bbox longitudes must satisfy -180 <= min_lon < max_lon <= 180 (split a box that crosses the "
            f"antimeridian into two), got {bbox!r}"
        )
    return (min_lon, min_lat, max_lon, max_lat)


@lru_cache(maxsize=16)
def _land_polygons(bbox: Bbox) -> tuple[Polygon, ...]:
    from contourpy import FillType, contour_generator

    g = load_grid()
    min_lon, min_lat, max_lon, max_lat = bbox
    # grid rows/columns covering the box with one cell of margin
    i0 = max(0, int(math.floor((min_lat - g.lat0) / g.step)) - 1)
    i1 = min(g.rows - 1, int(math.ceil((max_lat - g.lat0) / g.step)) + 1)
    lons = g.lon0 + g.step * np.arange(g.cols + 1)  # one extra column at +180 (wraps to column 0)
    j0 = max(0, int(math.floor((min_lon - g.lon0) / g.step)) - 1)
    j1 = min(g.cols, int(math.ceil((max_lon - g.lon0) / g.step)) + 1)
    cols = np.arange(j0, j1 + 1) % g.cols  # column g.cols is +180°, the same cells as column 0
    z = g.units[i0 : i1 + 1][:, cols].astype(np.float64) * g.scale_km + g.offset_km
    x = lons[j0 : j1 + 1]
    y = g.lat0 + g.step * np.arange(i0, i1 + 1)
    gen = contour_generator(x, y, z, fill_type=FillType.OuterOffset)
    filled = gen.filled(-1.0e9, 0.0)  # OuterOffset: (list of point arrays, list of offset arrays)
    points_list, offsets_list = filled[0], filled[1]
    clip = box(*bbox)
    out: list[Polygon] = []
    for points, offsets in zip(points_list, offsets_list, strict=True):
        if points is None or offsets is None:
            continue
        rings = [points[offsets[k] : offsets[k + 1]] for k in range(len(offsets) - 1)]
        if not rings or len(rings[0]) < 4:
            continue
        poly = Polygon(rings[0], [r for r in rings[1:] if len(r) >= 4])
        if not poly.is_valid:
            poly = shapely.make_valid(poly)
        poly = poly.intersection(clip).simplify(SIMPLIFY_TOLERANCE_DEG, preserve_topology=True)
        for part in getattr(poly, "geoms", [poly]):
            if isinstance(part, Polygon) and part.area >= MIN_POLYGON_AREA_DEG2:
                out.append(part)
    log.info("basemap: %d land polygons for bbox %s", len(out), bbox)
    return tuple(out)


def _rounded(geom: Polygon | MultiPolygon) -> dict[str, Any]:
    rounded = shapely.set_precision(geom, 10.0**-COORDINATE_DECIMALS)
    return dict(mapping(rounded))


@lru_cache(maxsize=16)
def _feature_collection(bbox: Bbox) -> dict[str, Any]:
    features = []
    for n, poly in enumerate(_land_polygons(bbox)):
        geometry = _rounded(poly)
        if not geometry.get("coordinates"):
            continue
        features.append({"type": "Feature", "id": n, "properties": {"kind": "land"}, "geometry": geometry})
    return {
        "type": "FeatureCollection",
        "bbox": list(bbox),
        "source": f"derived from {GRID_SOURCE} (zero contour, simplified {SIMPLIFY_TOLERANCE_DEG}°)",
        "accuracy": "coastline within about 3 nm; islands narrower than about 11 km omitted; not for navigation",
        "features": features,
    }


def land_geojson(bbox: tuple[float, float, float, float] | None = None) -> dict[str, Any]:
    """Land polygons inside ``bbox`` as a GeoJSON FeatureCollection (EPSG:4326 lon/lat degrees).

    ``bbox`` is (min_lon, min_lat, max_lon, max_lat) in degrees, default :data:`ASIA_PACIFIC_BBOX`.
    Cached in-process per bbox: the first call for a box takes about a second, later calls are free.
    The returned dict is shared by all callers: do not modify it (``copy.deepcopy`` first).
    """
    key = _check_bbox(ASIA_PACIFIC_BBOX if bbox is None else bbox)
    return _feature_collection(key)
