"""In-memory SRR / zone index agrees with PostGIS and needs no database per query."""

from __future__ import annotations

import random

import psycopg
import pytest
from shapely.geometry import MultiPolygon, box

from geodata.errors import CoordinateError
from geodata.index import AreaRef, GeoIndex
from geodata.lookup import srr_at, zones_at
from tests.conftest import RunningStack


def test_index_from_records() -> None:
    index = GeoIndex.from_records(
        [
            (AreaRef("srr", "A", "A region", "srr", True), MultiPolygon([box(0, 0, 10, 10)])),
            (AreaRef("zone", "7", "Box", "transit_corridor", False), MultiPolygon([box(5, 5, 6, 6)])),
        ]
    )
    assert [a.key for a in index.areas_at(5.5, 5.5)] == ["A", "7"]
    assert index.srr_at(1.0, 1.0) is not None and index.zones_at(1.0, 1.0) == ()
    assert index.srr_at(20.0, 20.0) is None
    with pytest.raises(CoordinateError):
        index.areas_at(100.0, 0.0)


@pytest.mark.integration
def test_index_matches_postgis(reference_layers: RunningStack, db: psycopg.Connection) -> None:
    index = GeoIndex.from_db(db)
    assert {a.key for a in index.areas if a.layer == "srr"} >= {"AUS", "IDN", "BGD"}
    assert any(name == "srr" for name, _ in index.versions)
    assert "Andaman Sea" in [z.name for z in index.zones_at(10.5, 96.0)]
    assert index.srr_at(-30.0, 179.9) == index.srr_at(-30.0, -179.9) is not None  # NZL, both sides of 180°
    rng = random.Random(11)
    for _ in range(150):
        lat, lon = rng.uniform(-15, 25), rng.uniform(85, 130)
        in_db = [h.srr_id for h in srr_at(db, lat, lon, neighbour_within_nm=0) if h.contains]
        mine = index.srr_at(lat, lon)
        assert (mine.key if mine else None) == (in_db[0] if in_db else None), (lat, lon)
        db_zones = {str(z.zone_id) for z in zones_at(db, lat, lon, near_within_nm=0) if z.contains}
        assert {z.key for z in index.zones_at(lat, lon)} == db_zones, (lat, lon)
