"""Every participating state's waters lie in some SRR of the authored layer (issue 17), checked without a
database: a 0.5° grid (0.05° for the smallest waters) of sea points over each state's waters, each covered
by at least one feature of ``geodata/layers/srr.geojson`` v4. The boxes are drawn by hand for this test from
the states' coasts and island groups, independently of the layer; the integration test
``test_srr_coverage_db.py`` asks the same of ``responsible_rcc`` in PostGIS."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon

from geodata.reference import parse_srr, read_layer_file
from geodata.shore import is_land

pytestmark = pytest.mark.unit

# (lon_min, lat_min, lon_max, lat_max[, step_deg]); lon_max < lon_min crosses 180.
Box = tuple[float, ...]
WATERS: dict[str, list[Box]] = {
    "Australia": [(105.0, -45.0, 160.0, -10.0)],
    "Indonesia": [(95.0, -11.0, 141.0, 6.0)],
    "Malaysia": [(99.0, 1.3, 119.5, 7.0)],
    "Singapore": [(103.6, 1.17, 104.4, 1.4, 0.05)],
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
    "Fiji (RCC Fiji covers members' waters)": [(177.0, -19.5, -178.0, -15.5)],
    "China": [(118.0, 37.0, 121.5, 40.5), (120.5, 26.0, 123.0, 31.0), (108.5, 18.0, 111.0, 21.0)],
    "Hong Kong SAR": [(113.8, 21.8, 114.5, 22.5, 0.05), (112.0, 18.0, 119.0, 21.5)],
    "Macau SAR": [(113.45, 22.0, 113.65, 22.22, 0.05)],
    "Japan": [
        (136.0, 30.0, 145.0, 40.0),
        (126.0, 24.0, 131.0, 30.0),
        (135.0, 36.0, 139.0, 40.0),
        (141.0, 41.0, 145.0, 43.0),
    ],
    "Republic of Korea": [(124.5, 34.0, 126.5, 37.5), (126.0, 33.0, 127.5, 34.0), (129.2, 35.5, 129.9, 38.0)],
    "DPRK": [(124.2, 38.0, 125.0, 39.5, 0.1), (128.5, 39.0, 130.5, 41.5)],
    "Pakistan": [(62.0, 21.0, 68.0, 25.2)],
    "Iran": [(58.5, 25.1, 61.5, 25.5, 0.1), (52.5, 26.6, 55.5, 27.0, 0.1)],
    "Iraq": [(48.6, 29.6, 48.9, 29.85, 0.05)],
    "United Arab Emirates": [(52.5, 24.2, 55.5, 25.2, 0.1), (56.4, 24.95, 56.8, 25.5, 0.05)],
    "Jordan": [(34.97, 29.37, 35.03, 29.53, 0.02)],
    "Syria": [(35.4, 34.7, 35.9, 35.85, 0.05)],
    "Turkey": [
        (28.5, 41.3, 39.5, 42.5),
        (39.5, 41.0, 41.3, 41.6, 0.1),
        (27.5, 40.4, 29.8, 41.0, 0.1),
        (30.0, 36.3, 36.0, 36.8, 0.1),
    ],
    "United States": [
        (-125.0, 33.0, -118.0, 47.0),  # west coast
        (-95.0, 27.0, -85.0, 29.5),  # Gulf of Mexico
        (-80.0, 30.0, -70.0, 40.0),  # Atlantic
        (-67.5, 17.6, -65.0, 18.8, 0.1),  # Puerto Rico
        (-165.0, 54.0, -150.0, 59.0),  # Alaska, Gulf and Aleutians
        (-170.0, 57.0, -165.0, 62.0),  # Bering Sea
        (-160.5, 18.5, -154.5, 22.5),  # Hawaii
    ],
}
DEFAULT_STEP_DEG = 0.5
# Members without a coast need no SRR; the Aegean (Greek and Turkish SRRs declared unilaterally and
# overlapping) is not drawn, said so in the TUR feature.
LANDLOCKED = {"Afghanistan", "Bhutan", "Lao PDR", "Mongolia", "Nepal"}


def _sea_grid(box: Box) -> list[tuple[float, float]]:
    lon0, lat0, lon1, lat1 = box[:4]
    step = box[4] if len(box) > 4 else DEFAULT_STEP_DEG
    if lon1 < lon0:
        lon1 += 360.0
    points = []
    for lat in np.arange(lat0, lat1 + 1e-9, step):
        for lon in np.arange(lon0, lon1 + 1e-9, step):
            wrapped = ((float(lon) + 180.0) % 360.0) - 180.0
            if not is_land(float(lat), wrapped):
                points.append((wrapped, float(lat)))
    return points


@pytest.fixture(scope="module")
def layer() -> MultiPolygon:
    doc = json.loads(read_layer_file("srr", "srr.geojson").content)
    union = shapely.union_all([s.geom for s in parse_srr(doc)])
    assert isinstance(union, MultiPolygon)
    shapely.prepare(union)
    return union


@pytest.mark.parametrize("state", sorted(WATERS))
def test_no_sea_point_of_a_participants_waters_is_outside_every_srr(layer: MultiPolygon, state: str) -> None:
    points = [p for box in WATERS[state] for p in _sea_grid(box)]
    if not points:
        pytest.skip(f"{state}: the 0.1° land mask has no sea point in these boxes")
    inside = shapely.covers(layer, shapely.points(np.array(points)))
    gaps = [p for p, ok in zip(points, inside, strict=True) if not ok]
    assert not gaps, f"{state}: {len(gaps)} of {len(points)} sea points in no SRR, e.g. {gaps[:5]}"


def test_v4_draws_east_asia_south_west_asia_and_us_waters() -> None:
    doc = json.loads(read_layer_file("srr", "srr.geojson").content)
    assert doc["version"] == "4"
    srrs = {s.id: s for s in parse_srr(doc)}
    assert {"CHN", "HKG", "MAC", "JPN", "KOR", "PRK", "PAK", "IRN", "IRQ", "ARE", "JOR", "SYR", "TUR"} <= set(srrs)
    assert {s.rcc_country for s in srrs.values() if s.id in {"ALA", "JNU", "NOR", "HNL", "GUM"}} == {"USA"}
    for s in srrs.values():
        assert s.indicative and s.boundary_source and "Indicative" in s.boundary_source, s.id
        if s.rcc_phone or s.rcc_email:
            assert s.contact_source and s.contact_as_of, s.id
    assert srrs["HKG"].rcc_phone == "+852 2233 7999" and srrs["HKG"].contact_as_of
