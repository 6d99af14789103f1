"""srr_at against the real PostGIS (rows inserted in the test's own transaction, rolled back)."""

from __future__ import annotations

import psycopg
import pytest

from geodata.errors import CoordinateError
from geodata.lookup import srr_at

pytestmark = pytest.mark.integration


def _add_srr(db: psycopg.Connection, srr_id: str, wkt: str) -> None:
    db.execute(
        "INSERT INTO srr (id, name, rcc_name, rcc_country, indicative, source, geom) "
        "VALUES (%s, %s, %s, 'XXX', true, 'test', ST_Multi(ST_GeomFromText(%s, 4326)))",
        (srr_id, f"{srr_id} region", f"RCC {srr_id}", wkt),
    )


def test_containing_first_then_neighbours_by_distance(db: psycopg.Connection) -> None:
    db.execute("DELETE FROM srr")
    _add_srr(db, "WEST", "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))")
    _add_srr(db, "EAST", "POLYGON((10 0, 20 0, 20 10, 10 10, 10 0))")
    _add_srr(db, "FAR", "POLYGON((40 0, 50 0, 50 10, 40 10, 40 0))")
    hits = srr_at(db, 5.0, 9.5)
    assert [h.srr_id for h in hits] == ["WEST", "EAST"]
    assert hits[0].contains and hits[0].distance_nm == 0.0
    # 0.5° of longitude at 5°N is about 29.9 nm
    assert not hits[1].contains and 29.0 < hits[1].distance_nm < 31.0
    assert hits[0].indicative is True


def test_antimeridian_neighbour(db: psycopg.Connection) -> None:
    db.execute("DELETE FROM srr")
    _add_srr(db, "DATELINE_E", "POLYGON((-180 -40, -170 -40, -170 -20, -180 -20, -180 -40))")
    hits = srr_at(db, -30.0, 179.5)  # 0.5° west of the dateline, about 26 nm away
    assert [h.srr_id for h in hits] == ["DATELINE_E"]
    assert 24.0 < hits[0].distance_nm < 28.0


def test_bad_position(db: psycopg.Connection) -> None:
    with pytest.raises(CoordinateError, match="latitude"):
        srr_at(db, 95.0, 0.0)
