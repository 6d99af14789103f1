"""Offline basemap land polygons (derived from the packaged GSHHG grid)."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import Point, shape

from geodata.basemap import land_geojson
from geodata.errors import CoordinateError


def test_default_region_is_light_and_valid() -> None:
    fc = land_geojson()
    assert fc["type"] == "FeatureCollection"
    size = len(json.dumps(fc, separators=(",", ":")))
    assert 20_000 < size < 400_000, f"basemap is {size} bytes"
    polys = [shape(f["geometry"]) for f in fc["features"]]
    assert all(p.is_valid and not p.is_empty for p in polys)

    def land(lon: float, lat: float) -> bool:
        return any(p.contains(Point(lon, lat)) for p in polys)

    assert land(100.5, 15.0)  # Thailand
    assert land(134.0, -25.0)  # Australia
    assert any(p.distance(Point(105.63, -10.49)) < 0.05 for p in polys)  # Christmas Island is drawn
    assert not land(95.0, 10.0)  # Andaman Sea
    assert not land(90.0, 15.0)  # Bay of Bengal


def test_bbox_clips_and_is_cached() -> None:
    small = land_geojson((90.0, 0.0, 110.0, 25.0))
    for f in small["features"]:
        minx, miny, maxx, maxy = shape(f["geometry"]).bounds
        assert minx >= 90.0 - 1e-6 and maxx <= 110.0 + 1e-6 and miny >= -1e-6 and maxy <= 25.0 + 1e-6
    assert land_geojson((90.0, 0.0, 110.0, 25.0)) is small


@pytest.mark.parametrize("bbox", [(10.0, 0.0, 5.0, 1.0), (0.0, -95.0, 1.0, 1.0), (170.0, 0.0, 190.0, 1.0)])
def test_bad_bbox_is_rejected(bbox: tuple[float, float, float, float]) -> None:
    with pytest.raises(CoordinateError, match="bbox"):
        land_geojson(bbox)
