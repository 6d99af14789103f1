"""Drift, datum and probable error against worked examples computed by hand (IAMSAR Vol. II ch. 4
manual method). Every expected number below is worked out in the comments, not by the code under test."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from coordination.drift import DriftInput, DriftParameters, compute_drift
from coordination.errors import InvalidInputError

T0 = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


def test_persons_in_water_with_wind_and_current() -> None:
    # LKP 06°00'N 095°00'E at 0000Z, datum 10 h later. Wind FROM 270° at 20 kn -> downwind 090°.
    # PIW leeway: downwind 0.96 % x 20 kn = 0.192 kn -> 1.92 nm east in 10 h;
    #             crosswind 0.54 % x 20 kn = 0.108 kn -> 1.08 nm to either side (north / south).
    # Current 1.0 kn setting 000° -> 10 nm north.
    # Mid datum: 1.92 nm E, 10 nm N. Drift = sqrt(1.92^2 + 10^2) = sqrt(103.6864) = 10.1827 nm
    #   direction atan(1.92/10) = 10.87°.
    #   On the WGS84 ellipsoid (the one geodesy, geodata.geodesy) 1' of latitude at 6°N is about 1843 m, so
    #   10 nm N is 10.048' -> lat 6.167469 (a sphere's 10/60 would give 6.166667); the geodesic of
    #   10.1827 nm at 10.87° from the LKP ends at 6.167469 N 95.032127 E.
    # Left datum (north of downwind): 11.08 nm N -> lat 6.185556; right: 8.92 nm N -> lat 6.149383.
    # De = 0.3 x 10.1827 = 3.05480; E = sqrt(1.0^2 + 0.1^2 + 3.05480^2) = sqrt(10.34180) = 3.21587 nm
    # R = 1.1 x 3.21587 = 3.53745 nm. Area: two squares of side 2R = 7.07490 nm whose centres are
    # 2.16 nm apart north-south -> rectangle 7.07490 x 9.23490 = 65.336 sq nm.
    r = compute_drift(
        DriftInput(
            6.0,
            95.0,
            T0,
            T0 + timedelta(hours=10),
            "person_in_water",
            wind_from_deg=270,
            wind_kn=20,
            current_set_deg=0,
            current_drift_kn=1.0,
        )
    )
    assert r.drift_hours == pytest.approx(10.0)
    assert r.leeway_downwind_kn == pytest.approx(0.192)
    assert r.leeway_crosswind_kn == pytest.approx(0.108)
    assert r.drift_distance_nm == pytest.approx(10.1827, abs=1e-4)
    assert r.drift_direction_deg == pytest.approx(10.87, abs=0.01)
    assert r.datum.lat == pytest.approx(6.167469, abs=1e-6)
    assert r.datum.lon == pytest.approx(95.032127, abs=1e-6)
    assert r.datum_left.lat == pytest.approx(6.185556, abs=1e-6)
    assert r.datum_right.lat == pytest.approx(6.149383, abs=1e-6)
    assert r.divergence_distance_nm == pytest.approx(2.16)
    assert r.probable_error_nm == pytest.approx(3.21587, abs=1e-5)
    assert r.search_radius_nm == pytest.approx(3.53745, abs=1e-5)
    assert r.search_area_sq_nm == pytest.approx(65.336, abs=1e-3)
    ring = r.search_area_ring
    assert ring[0] == ring[-1] and len(ring) == 5
    # the rectangle's north edge: left datum + R = 11.08 + 3.53745 = 14.61745 nm N -> lat 6.244798 (WGS84;
    # 6.243624 on a sphere)
    assert max(lat for _, lat in ring) == pytest.approx(6.244798, abs=1e-6)


def test_current_only_no_wind_at_the_equator() -> None:
    # Skiff, no wind: leeway 0. Current 2 kn setting 090° for 3 h -> 6 nm east along the equator; on the
    # WGS84 ellipsoid 1° of the equator is 60.1077 nm -> lon 6/60.1077 = 0.099821 (a sphere's 6/60 = 0.1).
    # E = sqrt(1 + 0.01 + (0.3 x 6)^2) = sqrt(4.25) = 2.06155; safety factor 1.6 -> R = 3.29848;
    # one square of side 6.59697 -> area 43.52 sq nm.
    r = compute_drift(
        DriftInput(0.0, 0.0, T0, T0 + timedelta(hours=3), "skiff", 0, 0, 90, 2.0),
        DriftParameters(safety_factor=1.6),
    )
    assert r.datum.lat == pytest.approx(0.0, abs=1e-12)
    assert r.datum.lon == pytest.approx(0.099821, abs=1e-6)
    assert r.drift_direction_deg == pytest.approx(90.0)
    assert r.divergence_distance_nm == 0.0
    assert r.probable_error_nm == pytest.approx(2.06155, abs=1e-5)
    assert r.search_radius_nm == pytest.approx(3.29848, abs=1e-5)
    assert r.search_area_sq_nm == pytest.approx(43.520, abs=1e-3)


def test_leeway_offset_of_a_dinghy() -> None:
    # Dinghy: downwind 5.34 % x 10 kn + 9.91 cm/s x 0.0194384 kn/(cm/s) = 0.534 + 0.192635 = 0.726635 kn.
    # Wind FROM 000° -> leeway towards 180°; 2 h -> 1.45327 nm south; 1' of latitude at 10°N is 1843.5 m on
    # WGS84 -> 1.4600' -> lat 9.975667 (a sphere's 10 - 1.45327/60 = 9.975779).
    r = compute_drift(DriftInput(10.0, 100.0, T0, T0 + timedelta(hours=2), "dinghy", 0, 10, 0, 0))
    assert r.leeway_downwind_kn == pytest.approx(0.726635, abs=1e-6)
    assert r.datum.lat == pytest.approx(9.975667, abs=1e-6)
    assert r.datum.lon == pytest.approx(100.0)
    assert math.isclose(r.drift_direction_deg, 180.0)


def test_bad_inputs_are_named() -> None:
    with pytest.raises(InvalidInputError, match="craft 'canoe' unknown"):
        DriftInput(0, 0, T0, T0, "canoe", 0, 0, 0, 0)
    with pytest.raises(InvalidInputError, match="datum_time is before"):
        DriftInput(0, 0, T0, T0 - timedelta(hours=1), "skiff", 0, 0, 0, 0)
    with pytest.raises(InvalidInputError, match="wind_kn"):
        DriftInput(0, 0, T0, T0, "skiff", 0, 150, 0, 0)
    with pytest.raises(InvalidInputError, match="lkp_lat"):
        DriftInput(95, 0, T0, T0, "skiff", 0, 1, 0, 0)
    with pytest.raises(InvalidInputError, match="safety_factor"):
        DriftParameters(safety_factor=0.5)
