"""The map layers without a database or a browser: outside text escaped, one layer per risk level, no CDN."""

from __future__ import annotations

from typing import Any

from dashboard.assets import LEAFLET_JS_URL
from dashboard.maps import (
    RISK_COLOURS,
    case_layer,
    density_cell_deg,
    live_map,
    places_layer,
    practices_layer,
    vessel_layers,
)

HOSTILE = "<img src=x onerror=alert(1)>"


def _html(*layers: Any) -> str:
    fmap = live_map()
    for layer in layers:
        layer.add_to(fmap)
    return str(fmap.get_root().render())


def test_live_map_loads_nothing_from_the_internet() -> None:
    page = _html()
    assert LEAFLET_JS_URL in page and "preferCanvas" in page
    assert "cdn" not in page.lower() and "https://" not in page.split("<body>")[0].lower()


def test_vessels_split_by_risk() -> None:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [95.0, 6.0]},
            "properties": {"mmsi": str(i), "risk": risk, "name": "x"},
        }
        for i, risk in enumerate(["none", "high", "high", "distress"])
    ]
    groups = vessel_layers({"type": "FeatureCollection", "features": features})
    names = [g.layer_name for g in groups]
    assert len(groups) == len(RISK_COLOURS)
    assert "Vessels — risk high (2)" in names and "Vessels — risk distress (1)" in names


def test_case_places_and_practices_escape_outside_text() -> None:
    case = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [96.0, 7.0]},
                "properties": {
                    "case_id": 1,
                    "reference": "SEASIGHT-1",
                    "phase": "alert",
                    "exercise": True,
                    "persons": 3,
                    "craft": HOSTILE,
                    "rcc": HOSTILE,
                    "lkp_time": "t",
                    "role": "lkp",
                },
            }
        ],
    }
    option = {
        "rank": 1,
        "port": HOSTILE,
        "locode": "THPKT",
        "state": "THA",
        "lat": 7.9,
        "lon": 98.4,
        "sea_distance_nm": 100.0,
        "eta_hours": 12.0,
        "reasons": [HOSTILE],
    }
    practice = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [98.4, 7.9]},
                "properties": {"port": HOSTILE, "cases": None, "persons": None, "suppressed": ["cases"]},
            }
        ],
    }
    page = _html(case_layer(case), places_layer([option]), practices_layer(practice, "port"))
    assert HOSTILE not in page
    # folium writes the escaped text into JSON, where "&" itself becomes \u0026
    assert page.count("\\u0026lt;img src=x onerror=alert(1)\\u0026gt;") >= 4  # craft, rcc, place, reason, port
    assert "EXERCISE" in page
    assert "suppressed (fewer than 5)" in page and "unknown" in page  # a suppressed value says so, never "null"


def test_density_cells_follow_the_view() -> None:
    assert density_cell_deg(None) == 1.0
    assert density_cell_deg((80.0, -12.0, 130.0, 22.0)) == 1.0
    assert density_cell_deg((170.0, -10.0, -170.0, 10.0)) == 0.4  # across the antimeridian
    assert density_cell_deg((95.0, 5.0, 95.1, 5.1)) == 0.02
