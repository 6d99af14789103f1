"""``seasight geodata where`` for the issue's named points, through the real CLI and PostGIS."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest

from geodata.lookup import where
from tests.conftest import RunningStack, run_cli

pytestmark = pytest.mark.integration


def _where(stack: RunningStack, lat: float, lon: float) -> dict[str, Any]:
    done = run_cli("geodata", "where", str(lat), str(lon), "--json", env=stack.env())
    assert done.returncode == 0, done.stderr.decode()
    answer = json.loads(done.stdout)
    assert isinstance(answer, dict), answer
    return answer


def _containing_srr(answer: dict[str, Any]) -> str | None:
    inside = [s["srr_id"] for s in answer["srr"] if s["contains"]]
    return inside[0] if inside else None


def test_open_andaman_sea(reference_layers: RunningStack) -> None:
    a = _where(reference_layers, 10.5, 96.0)
    assert a["on_land"] is False and 80 < a["distance_to_shore_nm"] < 130
    assert _containing_srr(a) == "MMR"
    assert {"THA", "IND"} <= {s["srr_id"] for s in a["srr"]}  # neighbours within 100 nm are listed
    assert "Andaman Sea" in [z["name"] for z in a["zones"] if z["contains"]]
    assert a["states"][0]["iso3"] == "MMR" and not a["states"][0]["contains"]


def test_off_coxs_bazar(reference_layers: RunningStack) -> None:
    a = _where(reference_layers, 21.2, 91.85)
    assert a["on_land"] is False and 5 < a["distance_to_shore_nm"] < 20
    assert _containing_srr(a) == "BGD"
    assert "Cox's Bazar and Teknaf coast" in [z["name"] for z in a["zones"]]
    assert a["states"][0]["iso3"] == "BGD"
    assert a["ports"][0]["country_iso2"] in {"BD", "MM"} and a["ports"][0]["distance_nm"] < 100


def test_off_aceh(reference_layers: RunningStack) -> None:
    a = _where(reference_layers, 5.95, 95.6)
    assert a["on_land"] is False
    assert _containing_srr(a) == "IDN"
    assert "Aceh coast" in [z["name"] for z in a["zones"]]
    assert a["states"][0]["iso3"] == "IDN"


def test_near_christmas_island(reference_layers: RunningStack) -> None:
    a = _where(reference_layers, -10.3, 105.8)
    assert a["on_land"] is False and a["distance_to_shore_nm"] < 15
    srr = a["srr"][0]
    assert srr["srr_id"] == "AUS" and srr["contains"] and srr["indicative"] is True
    assert srr["rcc_phone"] and srr["rcc_email"]
    assert "IDN" in [s["srr_id"] for s in a["srr"]]  # the boundary is close: the neighbour is named
    assert "Christmas Island approaches" in [z["name"] for z in a["zones"] if z["contains"]]
    # Natural Earth's own code for Australia's Indian Ocean Territories (no ISO_A3 in the file)
    assert a["states"][0]["iso3"] == "IOA" and a["states"][0]["distance_nm"] < 15


def test_on_land_in_thailand(reference_layers: RunningStack) -> None:
    a = _where(reference_layers, 15.0, 101.0)
    assert a["on_land"] is True and a["distance_to_shore_nm"] == 0.0
    assert a["states"][0] == {"iso3": "THA", "name": "Thailand", "contains": True, "distance_nm": 0.0}
    assert _containing_srr(a) == "THA"
    assert a["ports"][0]["country_iso2"] == "TH"


def test_across_the_antimeridian(reference_layers: RunningStack) -> None:
    west, east = _where(reference_layers, -30.0, 179.9), _where(reference_layers, -30.0, -179.9)
    assert _containing_srr(west) == _containing_srr(east) == "NZL"
    assert abs(west["distance_to_shore_nm"] - east["distance_to_shore_nm"]) < 10
    fiji = _where(reference_layers, -17.0, -179.95)  # Fiji's land lies on both sides of 180°
    assert fiji["states"][0]["iso3"] == "FJI" and fiji["states"][0]["distance_nm"] < 10
    assert fiji["ports"][0]["distance_nm"] < 500  # Tonga / Samoa ports on the other side of the dateline


def test_where_in_process_matches(reference_layers: RunningStack, db: psycopg.Connection) -> None:
    answer = where(db, 21.2, 91.85)
    assert answer.srr[0].srr_id == "BGD" and answer.srr[0].contains


def test_bad_position_is_a_clear_error(reference_layers: RunningStack) -> None:
    done = run_cli("geodata", "where", "95", "10", env=reference_layers.env())
    assert done.returncode == 1
    assert "latitude must be from -90 to 90" in done.stderr.decode()


def test_text_answer_labels_indicative_srr(reference_layers: RunningStack) -> None:
    done = run_cli("geodata", "where", "-10.3", "105.8", env=reference_layers.env())
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode()
    assert "SRR           AUS Australian SRR — inside [INDICATIVE boundary]" in out
    assert "JRCC Australia" in out and "contact not verified" in out  # IDN's contact is not verified
    assert "watch zone    Christmas Island approaches" in out
