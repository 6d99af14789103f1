"""Degree boxes and degree lengths on WGS84 (coordination.search_box), and the RCC lookup's neighbour box
across the antimeridian near Fiji on the real SRR layer (reference_layers: PostGIS)."""

from __future__ import annotations

import numpy as np
import psycopg
import pytest

from coordination.rcc import responsible_rcc
from coordination.search_box import (
    MAX_NM_PER_DEGREE_LATITUDE,
    DegreeBox,
    degree_box,
    leg_length_bound_nm,
    nm_per_degree_latitude,
    nm_per_degree_longitude,
)
from geodata.geodesy import METRES_PER_NM, WGS84, distance_nm
from tests.conftest import RunningStack


def _circle(lat: float, lon: float, radius_nm: float, n: int = 7200) -> tuple[np.ndarray, np.ndarray]:
    """(lats, lons) of n points of the geodesic circle, every 360/n degrees of azimuth (WGS84)."""
    az = np.linspace(0.0, 360.0, n, endpoint=False)
    lons, lats, _ = WGS84.fwd(np.full(n, lon), np.full(n, lat), az, np.full(n, radius_nm * METRES_PER_NM))
    return np.asarray(lats), (np.asarray(lons) + 180.0) % 360.0 - 180.0


@pytest.mark.parametrize(
    ("lat", "lon", "radius_nm"),
    [(0.0, 0.0, 60.0), (5.45, 94.25, 100.0), (-33.9, 151.2, 250.0), (60.0, 10.0, 100.0), (78.0, 15.0, 300.0)],
)
def test_the_box_holds_the_geodesic_circle_and_is_tight(lat: float, lon: float, radius_nm: float) -> None:
    box = degree_box(lat, lon, radius_nm)
    lats, lons = _circle(lat, lon, radius_nm)
    assert all(box.contains(float(a), float(o)) for a, o in zip(lats, lons, strict=True))
    # tight: the circle (sampled every 0.05 degrees of azimuth) reaches every edge of the box
    dlon = (lons - lon + 180.0) % 360.0 - 180.0
    assert box.north - lats.max() < 1e-6 and lats.min() - box.south < 1e-6
    assert box.half_width_deg - np.abs(dlon).max() < 1e-5


def test_a_degree_of_latitude_is_not_60_nm_everywhere() -> None:
    # one degree of the meridian measured by the geodesic (pyproj) against M(lat)·π/180
    for lat in (0.0, 30.0, 60.0, 89.0):
        _, _, d = WGS84.inv(0.0, lat - 0.005, 0.0, lat + 0.005)
        assert float(nm_per_degree_latitude(lat)) == pytest.approx(d * 100 / METRES_PER_NM, rel=1e-6)
    assert float(nm_per_degree_latitude(0.0)) == pytest.approx(59.705, abs=1e-3)
    assert pytest.approx(60.310, abs=1e-3) == MAX_NM_PER_DEGREE_LATITUDE
    for lat in (0.0, 5.45, 45.0, 70.0):
        _, _, d = WGS84.inv(0.0, lat, 0.001, lat)  # a thousandth of a degree along the parallel
        assert float(nm_per_degree_longitude(lat)) == pytest.approx(d * 1000 / METRES_PER_NM, rel=1e-6)
    assert float(nm_per_degree_longitude(0.0)) == pytest.approx(60.108, abs=1e-3)


def test_near_fiji_the_box_wraps_across_180() -> None:
    for lon in (179.9, -179.9):
        box = degree_box(-17.5, lon, 50.0)
        assert box.crosses_antimeridian
        east, west = box.envelopes()
        assert east[2] == 180.0 and west[0] == -180.0
        assert box.contains(-17.5, -lon) and box.contains(-17.5, 180.0)
        assert not box.contains(-17.5, 0.0)
        # the widest point of the circle, half the width away, is 50 nm off
        assert box.half_width_deg == pytest.approx(0.8719, abs=1e-4)
    assert degree_box(0.0, 170.0, 50.0).envelopes() == (degree_box(0.0, 170.0, 50.0).envelopes()[0],)


def test_round_a_pole_and_padding() -> None:
    polar = degree_box(89.5, 20.0, 60.0)
    assert (polar.west, polar.east, polar.north) == (-180.0, 180.0, 90.0)
    assert polar.envelopes() == ((-180.0, polar.south, 180.0, 90.0),)
    padded = DegreeBox(-18.0, 179.5, -17.0, -179.5).padded(0.5)
    assert (padded.west, padded.east) == (179.0, -179.0) and padded.crosses_antimeridian
    assert DegreeBox(0.0, -179.0, 1.0, 179.0).padded(2.0).envelopes() == ((-180.0, -2.0, 180.0, 3.0),)
    assert degree_box(10.0, 20.0, 0.0) == DegreeBox(10.0, 20.0, 10.0, 20.0)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="latitude"):
        degree_box(91.0, 0.0, 10.0)
    with pytest.raises(ValueError, match="radius"):
        degree_box(0.0, 0.0, -1.0)
    with pytest.raises(ValueError, match="south <= north"):
        DegreeBox(2.0, 0.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="padding"):
        DegreeBox(0.0, 0.0, 1.0, 1.0).padded(-1.0)


def test_leg_length_bound_is_an_upper_bound_and_close() -> None:
    """The sea routes' land checks along a straight (lat/lon-linear) leg are spaced by this bound: it is
    never under the leg's length (a fine polyline of geodesics) and, for legs of a few nm, within 1 %."""
    rng = np.random.default_rng(17)
    n = 400
    lats1 = rng.uniform(-80, 80, n)
    lons1 = rng.uniform(-180, 180, n)
    lats2 = np.clip(lats1 + rng.uniform(-3, 3, n), -85, 85)
    lons2 = (lons1 + rng.uniform(-3, 3, n) + 180.0) % 360.0 - 180.0
    lats1[:4], lats2[:4] = [-1.0, 2.0, -0.5, 1.0], [1.0, -2.0, 0.5, -1.0]  # across the equator
    lons1[:4], lons2[:4] = [179.5, -179.5, 179.9, 100.0], [-179.5, 179.5, -179.9, 100.0]  # and 180
    bound = leg_length_bound_nm(lats1, lons1, lats2, lons2)
    t = np.linspace(0.0, 1.0, 201)
    for k in range(n):
        dlon = ((lons2[k] - lons1[k] + 180.0) % 360.0) - 180.0
        la = lats1[k] + (lats2[k] - lats1[k]) * t
        lo = lons1[k] + dlon * t
        _, _, d = WGS84.inv(lo[:-1], la[:-1], lo[1:], la[1:])
        length = float(np.sum(d)) / METRES_PER_NM
        assert bound[k] >= length * (1 - 1e-9), (k, bound[k], length)
    short = leg_length_bound_nm(np.array([5.45]), np.array([94.25]), np.array([5.5]), np.array([94.3]))
    assert float(short[0]) == pytest.approx(distance_nm(5.45, 94.25, 5.5, 94.3), rel=0.01)


def test_case_rcc_near_fiji_looks_across_180(reference_layers: RunningStack) -> None:
    """Near 180°: the SRRs just across the antimeridian are candidates (the box wraps), and the cut of
    Fiji's region at 180° (drawn in an east and a west part) is no boundary of it."""
    with psycopg.connect(reference_layers.database_url) as conn:
        # 12N 179.95E: JRCC Honolulu's region begins at 180 (3 nm east); the lookup lists it to inform
        north = responsible_rcc(conn, 12.0, 179.95)
        fiji = [responsible_rcc(conn, -17.5, lon) for lon in (179.9, -179.9)]
    honolulu = [n for n in north.neighbours if n.rcc.srr_id == "HNL"]
    assert honolulu and honolulu[0].distance_nm == pytest.approx(2.93, abs=0.05), north.neighbours
    for lookup in fiji:
        assert lookup.responsible is not None and lookup.responsible.srr_id == "FJI"
        assert lookup.responsible.rcc_name.startswith("Fiji")
        # the nearest real edge of Fiji's region (177W) is 165 nm away, not the 180° cut 6 nm away
        assert lookup.distance_to_boundary_nm is not None and lookup.distance_to_boundary_nm > 100, lookup
        assert not [n for n in lookup.neighbours if n.rcc.srr_id == "FJI"]
