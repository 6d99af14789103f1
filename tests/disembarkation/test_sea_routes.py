"""Sea routes never cross land (checked against Natural Earth, independent of the code's land mask)."""

from __future__ import annotations

from pathlib import Path

import pytest

from coordination.disembarkation.errors import NoSeaRouteError
from coordination.disembarkation.sea_routes import default_router, great_circle_nm, leg_at_sea
from tests.disembarkation.land import land_crossed_nm

# (lat, lon) of rescues and real ports (positions as packaged in searoute)
ANDAMAN = (8.5, 96.8)
BENGAL = (19.5, 90.5)
TIMOR = (-11.5, 126.0)
PORTS = {
    "THKBV": (8.066667, 98.733333),
    "IDLSW": (5.170428, 97.152058),
    "MYPEN": (5.28814, 100.418479),
    "BDCGP": (22.331041, 91.83845),
    "MMAKY": (20.169432, 92.889201),
    "AUDRW": (-12.452682, 130.829022),
    "IDKOE": (-10.15, 123.583333),
}


def test_leg_check_sees_a_peninsula() -> None:
    # straight across the Malay peninsula (Andaman Sea -> Gulf of Thailand) is not at sea
    assert not leg_at_sea(7.5, 97.5, 7.5, 101.0)
    assert leg_at_sea(8.5, 96.8, 8.5, 97.3)


@pytest.mark.parametrize("start", [ANDAMAN, BENGAL, TIMOR])
def test_routes_stay_at_sea_and_are_not_shorter_than_great_circle(
    shared_data: Path, start: tuple[float, float]
) -> None:
    routes = default_router().routes_from(*start, [(k, lat, lon) for k, (lat, lon) in PORTS.items()])
    for key, route in routes.items():
        assert route is not None, key
        lat, lon = PORTS[key]
        assert route.distance_nm >= great_circle_nm(*start, lat, lon) - 0.01
        assert route.coordinates[0] == (start[1], start[0]) and route.coordinates[-1] == (lon, lat)
        assert land_crossed_nm(shared_data, list(route.at_sea_coordinates), ends_at_port=True) == 0.0, key


def test_andaman_sea_to_gulf_of_thailand_goes_round_the_peninsula(shared_data: Path) -> None:
    songkhla = (7.239015, 100.549619)
    route = default_router().routes_from(*ANDAMAN, [("THSGZ", *songkhla)])["THSGZ"]
    assert route is not None
    straight = [(ANDAMAN[1], ANDAMAN[0]), (songkhla[1], songkhla[0])]
    assert land_crossed_nm(shared_data, straight) > 50  # the straight line crosses the Malay peninsula
    assert land_crossed_nm(shared_data, list(route.at_sea_coordinates), ends_at_port=True) == 0.0
    assert route.distance_nm > 1000  # round by the Strait of Malacca and Singapore


def test_a_start_on_land_is_refused() -> None:
    with pytest.raises(NoSeaRouteError, match="is on land"):
        default_router().routes_from(13.75, 100.5, [("THBKK", 13.69, 100.5)])
