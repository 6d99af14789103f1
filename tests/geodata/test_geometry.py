"""Antimeridian splitting, geodesic circles and coordinate checks (pure)."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString, MultiPolygon, Polygon

from geodata.errors import CoordinateError
from geodata.geometry import (
    check_lonlat_range,
    clamp_lonlat,
    crosses_antimeridian,
    geodesic_circle,
    split_antimeridian,
)


def test_polygon_written_across_the_dateline_is_split_in_two() -> None:
    crossing = Polygon([(170, -10), (-170, -10), (-170, 10), (170, 10)])
    assert crosses_antimeridian(crossing)
    fixed = split_antimeridian(crossing)
    assert isinstance(fixed, MultiPolygon) and len(fixed.geoms) == 2
    assert fixed.bounds == (-180.0, -10.0, 180.0, 10.0)
    assert fixed.area == pytest.approx(20 * 20)  # 20° wide, not 340°


def test_polygon_in_0_360_longitudes_is_split() -> None:
    fixed = split_antimeridian(Polygon([(170, -10), (190, -10), (190, 10), (170, 10)]))
    assert fixed.area == pytest.approx(400)
    assert fixed.bounds[0] == -180.0 and fixed.bounds[2] == 180.0


def test_polar_cap_and_ordinary_polygons_are_left_alone() -> None:
    antarctica_like = Polygon([(-180, -90), (-180, -70), (0, -65), (180, -70), (180, -90)])
    assert not crosses_antimeridian(antarctica_like)
    assert split_antimeridian(antarctica_like) is antarctica_like
    ordinary = Polygon([(100, 0), (101, 0), (101, 1)])
    assert split_antimeridian(ordinary) is ordinary


def test_lines_in_0_360_are_wrapped() -> None:
    assert split_antimeridian(LineString([(170, 0), (190, 0)])).bounds == (-170.0, 0.0, 170.0, 0.0)


def test_geodesic_circle_radius_and_dateline() -> None:
    circle = geodesic_circle(105.63, -10.49, 60.0)
    minx, miny, maxx, maxy = circle.bounds
    assert (maxy - miny) * 60 == pytest.approx(120.0, rel=0.01)  # 120 nm north-south = 2° of latitude
    across = geodesic_circle(179.5, -30.0, 60.0)
    assert len(across.geoms) == 2 and across.bounds[0] == -180.0 and across.bounds[2] == 180.0
    with pytest.raises(CoordinateError, match="radius_nm"):
        geodesic_circle(100.0, 0.0, -1.0)


def test_tiny_overshoot_is_clamped_but_wrong_crs_is_rejected() -> None:
    overshoot = LineString([(-180.0005, -12.5), (-179.0, -12.3)])
    check_lonlat_range(clamp_lonlat(overshoot), "line")
    metres = Polygon([(11_000_000, 1_000_000), (11_100_000, 1_000_000), (11_100_000, 1_100_000)])
    with pytest.raises(CoordinateError, match="wrong CRS"):
        check_lonlat_range(clamp_lonlat(metres), "feature 3")
