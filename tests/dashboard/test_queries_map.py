"""The read-side query functions behind the live map and the concerns page, on the seeded database
(no Streamlit): filters, risk, layers, escaping."""

from __future__ import annotations

import json
from datetime import timedelta

import psycopg
import pytest

from tests.conftest import TEST_NOW
from tests.dashboard.conftest import HOSTILE_NAME, HOSTILE_NOTE, SEEDED_MMSIS, SeededWorld
from tracking.queries_concerns import concerns_for, flag_history, ranked_concerns, vessel_identity
from tracking.queries_map import (
    MapFilter,
    concerns_geojson,
    count_in_view,
    course_vectors_geojson,
    density_geojson,
    map_vessels_geojson,
    normalise_bounds,
    ports_geojson,
    project,
    ship_category,
    sightings,
    sightings_geojson,
    srr_geojson,
    trails_geojson,
    vessels_in_view,
    watch_zones_geojson,
)

pytestmark = pytest.mark.integration


def test_ship_categories_follow_itu_table() -> None:
    assert ship_category(30) == "fishing"
    assert ship_category(52) == "towing / tug"
    assert ship_category(71) == "cargo"
    assert ship_category(84) == "tanker"
    assert ship_category(None) == "unknown"
    assert ship_category(99) == "other"


def test_bounds_wrap_and_projection() -> None:
    assert normalise_bounds(-10, 170, 10, 190) == (170.0, -10, -170.0, 10)
    assert normalise_bounds(-10, -200, 10, 400)[0] == -180.0
    # 60 nm east along the WGS84 equator: 111,120 m over 2*pi*6,378,137 m / 360 = 111,319.49 m a degree
    lat, lon = project(0.0, 100.0, 90.0, 60.0)
    assert abs(lat) < 1e-9 and abs(lon - (100.0 + 111_120.0 / 111_319.4908)) < 1e-6


def test_vessels_carry_risk_and_filters_apply(ddb: psycopg.Connection, seeded_world: SeededWorld) -> None:
    everyone = {v.mmsi: v for v in vessels_in_view(ddb, MapFilter())}
    assert set(SEEDED_MMSIS) <= set(everyone)
    assert everyone[seeded_world.hostile_mmsi].risk == "high"
    assert everyone[seeded_world.hostile_mmsi].open_flags >= 1
    assert everyone[SEEDED_MMSIS[1]].risk == "none"
    risky = {v.mmsi for v in vessels_in_view(ddb, MapFilter(min_risk="high"))}
    assert seeded_world.hostile_mmsi in risky and SEEDED_MMSIS[1] not in risky
    # bbox around the hostile vessel only (6.5 N 94.5 E)
    boxed = {v.mmsi for v in vessels_in_view(ddb, MapFilter(bbox=(94.0, 6.0, 95.0, 7.0)))}
    assert seeded_world.hostile_mmsi in boxed and SEEDED_MMSIS[1] not in boxed
    assert not vessels_in_view(ddb, MapFilter(since=TEST_NOW + timedelta(hours=1)))
    by_flag = {v.mmsi for v in vessels_in_view(ddb, MapFilter(flag_states=("MY",)))}  # MID 533 = Malaysia
    assert SEEDED_MMSIS[1] in by_flag and seeded_world.hostile_mmsi not in by_flag
    unknown_type = {v.mmsi for v in vessels_in_view(ddb, MapFilter(categories=("unknown",)))}
    assert set(SEEDED_MMSIS) <= unknown_type
    assert not {v.mmsi for v in vessels_in_view(ddb, MapFilter(categories=("tanker",)))} & set(SEEDED_MMSIS)
    with pytest.raises(ValueError):
        MapFilter(min_risk="extreme")


def test_layers_escape_outside_text(ddb: psycopg.Connection, seeded_world: SeededWorld) -> None:
    now = TEST_NOW
    vessels = vessels_in_view(ddb, MapFilter())
    text = json.dumps(map_vessels_geojson(vessels, now))
    assert "&lt;img src=x onerror=alert(1)&gt;" in text and HOSTILE_NAME not in text
    vectors = course_vectors_geojson(vessels)
    assert any(f["properties"]["mmsi"] == str(seeded_world.hostile_mmsi) for f in vectors["features"])
    trails = trails_geojson(ddb, [seeded_world.hostile_mmsi], now - timedelta(hours=2))
    assert len(trails["features"]) == 1 and len(trails["features"][0]["geometry"]["coordinates"]) >= 5
    rows = sightings(ddb, since=now - timedelta(hours=2))
    seeded = next(s for s in rows if s.id == seeded_world.sighting_id)
    assert seeded.note == HOSTILE_NOTE and seeded.open_flags == 1
    sjson = json.dumps(sightings_geojson(rows, now))
    assert "<script>" not in sjson and "&lt;script&gt;" in sjson
    modes = {f["properties"]["summary"]: f["properties"]["mode"] for f in concerns_geojson(ddb)["features"]}
    assert modes["Exercise contact"] == "EXERCISE" and modes["Overcrowded boat, no AIS, 120 persons"] == "real"
    cjson = json.dumps(concerns_geojson(ddb))
    assert "&lt;img src=x" in cjson and "<img" not in cjson
    zones = watch_zones_geojson(ddb)
    assert any(f["properties"]["name"] == "Dashboard test zone &lt;b&gt;" for f in zones["features"])
    srr = next(f for f in srr_geojson(ddb)["features"] if f["properties"]["srr_id"] == "DASH-TEST")
    assert srr["properties"]["label"].startswith("INDICATIVE")
    ports = ports_geojson(ddb, bbox=(98.0, 7.5, 98.5, 8.0))
    assert [f["properties"]["name"] for f in ports["features"]] == ["Test landing &lt;u&gt;"]


def test_concerns_ranked_with_evidence(ddb: psycopg.Connection, seeded_world: SeededWorld) -> None:
    ranked = ranked_concerns(ddb)
    ids = [c.flag_id for c in ranked]
    assert ids.index(seeded_world.contact_flag_id) < ids.index(seeded_world.vessel_flag_id)  # distress first
    vessel_flag = next(c for c in ranked if c.flag_id == seeded_world.vessel_flag_id)
    assert vessel_flag.evidence["gap_h"] == 7.5 and vessel_flag.parameters["min_gap_h"] == 6.0
    assert vessel_flag.vessel_name == HOSTILE_NAME
    assert [h.action for h in flag_history(ddb, seeded_world.vessel_flag_id)] == ["raised"]
    assert [c.flag_id for c in concerns_for(ddb, mmsi=seeded_world.hostile_mmsi)] == [seeded_world.vessel_flag_id]
    assert [c.flag_id for c in concerns_for(ddb, sighting_id=seeded_world.sighting_id)] == [
        seeded_world.contact_flag_id
    ]
    identity = vessel_identity(ddb, seeded_world.hostile_mmsi)
    assert identity is not None and identity.name == HOSTILE_NAME
    with pytest.raises(ValueError):
        ranked_concerns(ddb, statuses=("bogus",))


def test_density_counts_what_the_filter_matches(ddb: psycopg.Connection, seeded_world: SeededWorld) -> None:
    flt = MapFilter(bbox=(90.0, 0.0, 105.0, 12.0))
    n = count_in_view(ddb, flt)
    assert n == len(vessels_in_view(ddb, flt)) and n >= len(SEEDED_MMSIS)
    cells = density_geojson(ddb, flt, 1.0)
    assert sum(f["properties"]["count"] for f in cells["features"]) == n
    assert all(f["properties"]["label"].endswith("zoom in") for f in cells["features"])
    assert count_in_view(ddb, MapFilter(bbox=flt.bbox, min_risk="high")) == sum(
        f["properties"]["count"]
        for f in density_geojson(ddb, MapFilter(bbox=flt.bbox, min_risk="high"), 5.0)["features"]
    )
    with pytest.raises(ValueError):
        density_geojson(ddb, flt, 0.0)
