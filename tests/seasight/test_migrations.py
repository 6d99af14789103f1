from __future__ import annotations

import re

import psycopg
import pytest

from seasight.errors import MigrationError
from seasight.migrate import available_migrations, migrate
from tests.conftest import RunningStack


def test_files_are_numbered_and_unique() -> None:
    migrations = available_migrations()
    assert migrations[0].version == 1
    assert [m.version for m in migrations] == sorted({m.version for m in migrations})
    for m in migrations:
        assert re.fullmatch(r"[a-z0-9_]+", m.name)
        assert m.sql.lstrip().startswith("--"), f"{m.version:04d} should open with a comment saying what it does"


@pytest.mark.integration
def test_migrate_is_idempotent_and_detects_edited_files(stack: RunningStack) -> None:
    assert migrate(stack.owner_url) == []  # the fixture already applied everything
    with psycopg.connect(stack.owner_url, autocommit=True) as conn:
        conn.execute("UPDATE schema_migration SET checksum = 'edited' WHERE version = 1")
        try:
            with pytest.raises(MigrationError, match="changed after it was applied"):
                migrate(stack.owner_url)
        finally:
            conn.execute(
                "UPDATE schema_migration SET checksum = %s WHERE version = 1", (available_migrations()[0].checksum,)
            )


@pytest.mark.integration
def test_schema_has_the_foundation_tables_with_gist_indexes(db: psycopg.Connection) -> None:
    tables = {r[0] for r in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"vessel", "position", "vessel_state", "sighting", "flag", "zone", "participant", "port"} <= tables
    gist = {r[0] for r in db.execute("SELECT tablename FROM pg_indexes WHERE indexdef ILIKE '%USING gist%'")}
    assert {"position", "vessel_state", "sighting", "flag", "zone", "port"} <= gist
    srids: dict[str, int] = dict(
        db.execute("SELECT f_table_name, srid FROM geometry_columns WHERE f_table_schema = 'public'").fetchall()
    )
    assert all(srid == 4326 for srid in srids.values()), srids
    assert db.execute(
        "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'position'::regclass"
    ).fetchone() == ("r",)


@pytest.mark.integration
def test_position_partitions_are_utc_days(db: psycopg.Connection) -> None:
    """A partition created from a session in UTC+7 still holds exactly one UTC day."""
    db.execute("SET TIME ZONE 'Asia/Jakarta'")
    assert db.execute("SELECT ensure_position_partition('2031-02-03')").fetchone() == ("position_20310203",)
    db.execute(
        "INSERT INTO position (mmsi, observed_at, geom, msg_type, received_at) VALUES"
        " (1, '2031-02-03 00:00:00+00', 'SRID=4326;POINT(95 5)', 1, now()),"
        " (2, '2031-02-03 23:59:59.999+00', 'SRID=4326;POINT(95 5)', 1, now())"
    )
    parts = {r[0] for r in db.execute("SELECT tableoid::regclass::text FROM position WHERE mmsi IN (1, 2)")}
    assert parts == {"position_20310203"}
    with pytest.raises(psycopg.errors.CheckViolation):  # no partition for the next UTC day yet
        db.execute(
            "INSERT INTO position (mmsi, observed_at, geom, msg_type, received_at) VALUES"
            " (3, '2031-02-04 00:00:00+00', 'SRID=4326;POINT(95 5)', 1, now())"
        )
