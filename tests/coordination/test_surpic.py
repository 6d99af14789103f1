"""SURPIC: distance, course change and time to reach, filters and order, against hand-worked examples."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from coordination.errors import InvalidInputError
from coordination.surpic import (
    ShipState,
    SurpicParameters,
    course_change_deg,
    great_circle_nm,
    surpic,
    to_csv,
    to_json,
)

T = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
# WGS84 ellipsoid (geodata.geodesy): 1° of the equator is 111,319.49 m = 60.1077 nm; the meridian arc from
# the equator to 0.5° N is 55,287.15 m = 29.8527 nm (a sphere of radius 3440.065 nm gives 60.0405 / 30.0203)
EQUATOR_DEG_NM = 60.1077
HALF_DEG_MERIDIAN_NM = 29.8527


def ship(
    mmsi: int,
    lat: float,
    lon: float,
    sog: float | None,
    cog: float | None,
    ship_type: int | None = 70,
    length: float | None = 150.0,
) -> ShipState:
    return ShipState(mmsi, f"SHIP {mmsi}", ship_type, length, lat, lon, sog, cog, T)


def test_course_change_is_the_smallest_signed_turn() -> None:
    assert course_change_deg(350, 10) == pytest.approx(20)
    assert course_change_deg(10, 350) == pytest.approx(-20)
    assert course_change_deg(90, 270) == pytest.approx(180)
    assert course_change_deg(0, 0) == 0


def test_surpic_orders_by_time_to_reach() -> None:
    ships = [
        # A: 1° east of the datum on the equator (60.11 nm), steering 270 at 12 kn: no turn, 5.0090 h
        ship(1, 0.0, 1.0, 12.0, 270.0),
        # B: 0.5° north (29.85 nm), steering 090 at 10 kn: bearing to datum 180 -> +90 (starboard), 2.9853 h
        ship(2, 0.5, 0.0, 10.0, 90.0),
        # C: 1° south, drifting at 0.2 kn: below 0.5 kn -> no time to reach, listed last
        ship(3, -1.0, 0.0, 0.2, 0.0),
        # D: 2° north = 120 nm: outside 100 nm
        ship(4, 2.0, 0.0, 15.0, 180.0),
    ]
    out = surpic(0.0, 0.0, ships)
    assert [e.mmsi for e in out] == [2, 1, 3]
    b, a, c = out
    assert b.distance_nm == pytest.approx(HALF_DEG_MERIDIAN_NM, abs=1e-3)
    assert b.bearing_to_datum_deg == pytest.approx(180.0)
    assert b.course_change_deg == pytest.approx(90.0)
    assert b.eta_hours == pytest.approx(HALF_DEG_MERIDIAN_NM / 10.0, abs=1e-4)
    assert a.course_change_deg == pytest.approx(0.0, abs=1e-9)
    assert a.eta_hours == pytest.approx(EQUATOR_DEG_NM / 12.0, abs=1e-4)
    assert c.eta_hours is None
    assert great_circle_nm(0, 0, 0, 1) == pytest.approx(EQUATOR_DEG_NM, abs=1e-4)


def test_filters_by_type_and_length_and_radius() -> None:
    ships = [
        ship(1, 0, 0.5, 10, 270, ship_type=70, length=200),
        ship(2, 0, 0.5, 10, 270, ship_type=30, length=20),
        ship(3, 0, 0.5, 10, 270, ship_type=None, length=None),
    ]
    assert [e.mmsi for e in surpic(0, 0, ships, SurpicParameters(ship_types=frozenset({70})))] == [1]
    assert [e.mmsi for e in surpic(0, 0, ships, SurpicParameters(min_length_m=50))] == [1]
    assert [e.mmsi for e in surpic(0, 0, ships, SurpicParameters(radius_nm=20))] == []
    with pytest.raises(InvalidInputError, match="radius_nm"):
        SurpicParameters(radius_nm=0)


def test_exports() -> None:
    out = surpic(0.0, 0.0, [ship(2, 0.5, 0.0, 10.0, 90.0), ship(5, 0.2, 0.0, None, None)])
    rows = list(csv.DictReader(io.StringIO(to_csv(out))))
    assert [r["mmsi"] for r in rows] == ["2", "5"]
    assert rows[0]["eta_hours"] == "2.99" and rows[1]["eta_hours"] == "" and rows[1]["course_change_deg"] == ""
    data = json.loads(to_json(out))
    assert data[0]["distance_nm"] == 29.85 and data[0]["course_change_deg"] == 90.0
