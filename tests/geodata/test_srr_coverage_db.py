"""The SRR layer covers the waters of every participating state the layer draws (issue 17), Pacific
included: a grid of sea points over each state's waters never answers "responsible: none"; the text of
`seasight case rcc` says the boundary is indicative and where the contact comes from."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import psycopg
import pytest

from coordination.disembarkation.sea_routes import position_at_sea
from coordination.rcc import positions_without_srr, responsible_rcc
from tests.conftest import RunningStack, acting_env, run_cli

pytestmark = pytest.mark.integration

# Waters of each participating state (lon_min, lat_min, lon_max, lat_max), drawn by hand for this test from
# the states' island groups and coasts (independent of the layer); lon_max < lon_min crosses 180.
WATERS: dict[str, list[tuple[float, float, float, float]]] = {
    "Australia": [(105.0, -45.0, 160.0, -10.0)],
    "Indonesia": [(95.0, -11.0, 141.0, 6.0)],
    "Malaysia": [(99.0, 1.3, 119.5, 7.0)],
    "Singapore": [(103.6, 1.17, 104.4, 1.4)],
    "Thailand": [(97.5, 6.2, 99.0, 10.0), (99.0, 6.5, 102.5, 13.5)],
    "Myanmar": [(92.5, 10.0, 98.0, 20.0)],
    "Bangladesh": [(89.0, 20.5, 92.3, 22.5)],
    "India": [(80.0, 8.0, 93.5, 21.0), (92.0, 6.0, 94.0, 14.0), (68.0, 8.0, 76.0, 22.0)],
    "Sri Lanka": [(79.0, 5.0, 83.0, 10.0)],
    "Maldives": [(72.0, -1.0, 74.0, 7.5)],
    "Philippines": [(117.5, 5.0, 127.0, 19.0)],
    "Viet Nam": [(103.0, 8.0, 110.0, 17.0), (105.5, 17.0, 107.8, 21.0)],
    "Cambodia": [(102.3, 9.5, 104.0, 11.7)],
    "Brunei Darussalam": [(114.0, 4.5, 115.5, 5.5)],
    "Timor-Leste": [(124.5, -9.8, 127.3, -8.1)],
    "Papua New Guinea": [(141.0, -11.5, 156.0, -1.0)],
    "Palau": [(131.0, 2.5, 135.0, 8.5)],
    "Solomon Islands": [(155.5, -12.0, 168.0, -5.0)],
    "Vanuatu": [(166.0, -20.5, 170.5, -13.0)],
    "Nauru": [(166.0, -1.5, 168.0, 0.5)],
    "France (New Caledonia)": [(163.0, -23.0, 168.5, -19.5)],
    "Kiribati": [(172.0, -3.0, 177.0, 3.5), (-175.0, -5.0, -170.0, -2.0), (-160.0, -11.0, -150.0, 5.0)],
    "Samoa": [(-173.0, -14.5, -171.0, -13.0)],
    "Tonga": [(-176.0, -22.5, -173.5, -15.5)],
    "New Zealand": [(165.0, -48.0, 179.0, -33.0), (-179.0, -45.0, -175.0, -43.0)],
    "Fiji (not a member in participants.md; RCC Fiji covers members' waters)": [(177.0, -19.5, -178.0, -15.5)],
}
STEP_DEG = 0.5
# East Asia, South-West Asia and US waters (layer v4) are checked without a database in test_srr_coasts.py.
LANDLOCKED = {"Afghanistan", "Bhutan", "Lao PDR", "Mongolia", "Nepal"}


def _grid(box: tuple[float, float, float, float]) -> list[tuple[float, float]]:
    lon0, lat0, lon1, lat1 = box
    if lon1 < lon0:
        lon1 += 360.0
    points = []
    for lat in np.arange(lat0, lat1 + 1e-9, STEP_DEG):
        for lon in np.arange(lon0, lon1 + 1e-9, STEP_DEG):
            wrapped = ((lon + 180.0) % 360.0) - 180.0
            if position_at_sea(float(lat), float(wrapped)):
                points.append((float(lat), float(wrapped)))
    return points


def test_every_participating_states_waters_have_a_responsible_rcc(reference_layers: RunningStack) -> None:
    """Every sea point of the grid is covered (one set-based query); a sample of them, every 40th, also
    through ``responsible_rcc`` as `case rcc` asks, which must agree."""
    gaps: dict[str, list[tuple[float, float]]] = {}
    checked = 0
    with psycopg.connect(reference_layers.database_url) as conn:
        for state, boxes in WATERS.items():
            points = [p for box in boxes for p in _grid(box)]
            checked += len(points)
            uncovered = positions_without_srr(conn, points)
            if uncovered:
                gaps[state] = uncovered
            missing = set(uncovered)
            for lat, lon in points[::40]:
                answer = responsible_rcc(conn, lat, lon, near_boundary_nm=0).responsible
                assert (answer is None) == ((lat, lon) in missing), (state, lat, lon, answer)
    assert checked > 5000
    assert not gaps, {k: v[:5] for k, v in gaps.items()}


def _rcc(stack: RunningStack, lat: float, lon: float) -> tuple[dict[str, Any], str]:
    env = acting_env(stack, "rcc-coverage", "AUS")
    done = run_cli("case", "rcc", "--lat", str(lat), "--lon", str(lon), "--json", env=env)
    assert done.returncode == 0, done.stderr.decode()
    text = run_cli("case", "rcc", "--lat", str(lat), "--lon", str(lon), env=env)
    assert text.returncode == 0, text.stderr.decode()
    return json.loads(done.stdout), text.stdout.decode()


@pytest.mark.parametrize(
    ("lat", "lon", "srr"),
    [
        (0.0, 170.0, "FJI"),  # issue 17: answered "none"
        (1.2, 104.0, "SGP"),  # issue 17: went to BASARNAS with Singapore 0.6 nm away
        (-18.3, 178.6, "FJI"),  # off Suva
        (-13.9, -171.8, "NZL"),  # off Apia (Samoa)
        (-21.2, -175.3, "NZL"),  # off Nuku'alofa (Tonga)
        (-9.3, 160.0, "SLB"),  # off Honiara
        (-17.8, 168.2, "VUT"),  # off Port Vila
        (-0.55, 166.8, "NRU"),  # off Nauru
        (-41.5, 174.9, "NZL"),  # Cook Strait
        (1.9, -157.5, "HNL"),  # off Kiritimati (Kiribati, Line Islands)
        (22.2, 114.3, "HKG"),  # off Hong Kong
        (35.0, 139.9, "JPN"),  # off Tokyo Bay
        (24.5, 66.5, "PAK"),  # off Karachi
        (40.0, -72.0, "NOR"),  # off New York
    ],
)
def test_case_rcc_names_the_rcc_and_says_indicative(
    reference_layers: RunningStack, lat: float, lon: float, srr: str
) -> None:
    data, text = _rcc(reference_layers, lat, lon)
    assert data["responsible"] is not None and data["responsible"]["srr_id"] == srr, data
    assert data["responsible"]["boundary_source"]
    assert "indicative" in text and "indicative" in data["boundary_note"]
    assert "boundary source:" in text and "contact:" in text


def test_contacts_are_sourced_and_dated_or_empty(reference_layers: RunningStack) -> None:
    with psycopg.connect(reference_layers.database_url) as conn:
        rows = conn.execute("SELECT id, rcc_phone, rcc_email, contact_source, contact_as_of FROM srr").fetchall()
    assert len(rows) >= 20
    for srr_id, phone, email, source, as_of in rows:
        if phone or email:
            assert source and as_of, srr_id
    with_contact = {r[0] for r in rows if r[1] or r[2]}
    assert {"AUS", "NZL"} <= with_contact
    data, text = _rcc(reference_layers, -41.5, 174.9)
    assert "+64 4 577 8030" in text and "as of 2021-07-01" in text
    assert data["responsible"]["contact_as_of"] == "2021-07-01"
