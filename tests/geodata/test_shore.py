"""Land and distance to shore from the packaged GSHHG grid (pure, no database)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from geodata.errors import CoordinateError
from geodata.shore import (
    distance_to_shore_nm,
    distance_to_shore_nm_many,
    is_land,
    signed_distance_to_shore_km,
)


@pytest.mark.parametrize(
    ("lat", "lon", "land"),
    [
        (13.75, 100.50, True),  # Bangkok
        (15.0, 101.0, True),  # central Thailand
        (23.7, 90.4, True),  # Dhaka
        (-25.0, 134.0, True),  # central Australia
        (10.0, 95.0, False),  # open Andaman Sea
        (0.0, -150.0, False),  # open Pacific
        (-10.3, 105.8, False),  # off Christmas Island
    ],
)
def test_is_land_known_points(lat: float, lon: float, land: bool) -> None:
    assert is_land(lat, lon) is land


def test_distance_offshore_matches_geography() -> None:
    # Open Andaman Sea: about 120 nm from the nearest coast (Andaman Islands / Myanmar)
    assert 100.0 < distance_to_shore_nm(10.0, 95.0) < 140.0
    # Central Pacific between Hawaii and the Line Islands: hundreds of nm
    assert distance_to_shore_nm(10.0, -150.0) > 300.0
    # Just off Cox's Bazar: within the 20 nm band
    assert 0.0 < distance_to_shore_nm(21.2, 91.8) < 20.0


def test_on_land_distance_is_zero_and_signed_distance_negative() -> None:
    assert distance_to_shore_nm(15.0, 101.0) == 0.0
    assert signed_distance_to_shore_km(15.0, 101.0) < -100.0


def test_antimeridian_is_continuous() -> None:
    west = distance_to_shore_nm(-30.0, 179.99)
    east = distance_to_shore_nm(-30.0, -179.99)
    assert abs(west - east) < 1.0
    # 0..360 longitudes give the same answer as -180..180
    assert math.isclose(distance_to_shore_nm(-30.0, 190.0), distance_to_shore_nm(-30.0, -170.0), abs_tol=1e-9)


def test_vectorised_matches_scalar() -> None:
    rng = np.random.default_rng(7)
    lat = rng.uniform(-60, 60, 500)
    lon = rng.uniform(-180, 180, 500)
    many = distance_to_shore_nm_many(lat, lon)
    one = np.array([distance_to_shore_nm(float(a), float(b)) for a, b in zip(lat, lon, strict=True)])
    assert np.allclose(many, one, atol=1e-4)


@pytest.mark.parametrize(("lat", "lon"), [(91.0, 0.0), (-90.5, 0.0), (float("nan"), 0.0), (0.0, float("inf"))])
def test_bad_coordinates_are_named(lat: float, lon: float) -> None:
    with pytest.raises(CoordinateError, match="latitude|longitude"):
        distance_to_shore_nm(lat, lon)
