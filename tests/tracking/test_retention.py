"""Retention (``seasight retention run``, tracking/retention.py, migration 0074) in a database of its own:
exactly what is older than its period is deleted — positions 60 days (whole daily partitions dropped,
the rest of the boundary day deleted row by row), identifiers 7 days — and nothing else."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from seasight.errors import SeasightError
from tests.conftest import RunningStack, account_token, fresh_database, run_cli
from tracking.retention import RetentionPeriods, run_retention

pytestmark = pytest.mark.integration

DATABASE = "seasight_retention_test"
NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
MMSI = 563_000_001


@pytest.fixture()
def kept_and_old(stack: RunningStack) -> Iterator[tuple[RunningStack, dict[str, list[datetime]]]]:
    own = fresh_database(stack, DATABASE)
    times = {
        "position_old": [NOW - timedelta(days=75), NOW - timedelta(days=60, minutes=1)],
        "position_kept": [NOW - timedelta(days=60) + timedelta(minutes=1), NOW - timedelta(days=1)],
        "identity_old": [NOW - timedelta(days=8)],
        "identity_kept": [NOW - timedelta(days=6)],
    }
    with psycopg.connect(own.database_url) as conn:
        for t in times["position_old"] + times["position_kept"]:
            conn.execute("SELECT ensure_position_partition(%s)", (t.date(),))
            conn.execute(
                "INSERT INTO position (mmsi, observed_at, geom, msg_type, received_at)"
                " VALUES (%s, %s, 'SRID=4326;POINT(95 5)', 1, %s)",
                (MMSI, t, t),
            )
        for field, t in (("name", times["identity_old"][0]), ("callsign", times["identity_kept"][0])):
            conn.execute(
                "INSERT INTO vessel_identity_change (mmsi, observed_at, field, old_value, new_value)"
                " VALUES (%s, %s, %s, 'A', 'B')",
                (MMSI, t, field),
            )
        for mmsi, t in ((MMSI, times["identity_old"][0]), (MMSI + 1, times["identity_kept"][0])):
            conn.execute(
                "INSERT INTO vessel_state (mmsi, observed_at, geom, msg_type)"
                " VALUES (%s, %s, 'SRID=4326;POINT(95 5)', 1)",
                (mmsi, t),
            )
        conn.execute("INSERT INTO vessel (mmsi, name) VALUES (%s, 'DEMO OLD')", (MMSI,))
        conn.execute(
            "INSERT INTO sighting (id, observed_at, geom, source_type, owner, acted_by)"
            " VALUES (%s, %s, 'SRID=4326;POINT(95 5)', 'aircraft', 'THA', 'test')",
            (str(uuid.uuid4()), NOW - timedelta(days=200)),
        )
        conn.commit()
    yield own, times
    from psycopg import sql

    with psycopg.connect(stack.superuser_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))


def _counts(conn: psycopg.Connection) -> dict[str, object]:
    return {
        "positions": sorted(r[0] for r in conn.execute("SELECT observed_at FROM position").fetchall()),
        "partitions": sorted(
            r[0]
            for r in conn.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                " WHERE i.inhparent = 'position'::regclass"
            ).fetchall()
        ),
        "identity": sorted(r[0] for r in conn.execute("SELECT observed_at FROM vessel_identity_change").fetchall()),
        "states": sorted(r[0] for r in conn.execute("SELECT observed_at FROM vessel_state").fetchall()),
        "vessels": conn.execute("SELECT count(*) FROM vessel").fetchone(),
        "sightings": conn.execute("SELECT count(*) FROM sighting").fetchone(),
    }


def test_retention_deletes_exactly_what_is_older(kept_and_old: tuple[RunningStack, dict[str, list[datetime]]]) -> None:
    own, times = kept_and_old
    with psycopg.connect(own.database_url) as conn:
        before = _counts(conn)
        report = run_retention(conn, NOW)
        after = _counts(conn)
    assert report.partitions_dropped == ("position_20260416",)  # the whole day before the cutoff's day
    assert report.positions_deleted == 1  # the boundary day's row one minute before the cutoff
    assert after["positions"] == sorted(times["position_kept"])
    assert set(before["partitions"]) - set(after["partitions"]) == {"position_20260416"}  # type: ignore[call-overload]
    assert after["identity"] == times["identity_kept"]
    assert after["states"] == times["identity_kept"]
    assert (report.identity_changes_deleted, report.vessel_states_deleted) == (1, 1)
    # nothing else
    assert after["vessels"] == before["vessels"] == (1,) and after["sightings"] == before["sightings"] == (1,)
    # a second run at the same time finds nothing more
    with psycopg.connect(own.database_url) as conn:
        again = run_retention(conn, NOW)
    assert (again.partitions_dropped, again.positions_deleted, again.identity_changes_deleted) == ((), 0, 0)


def test_retention_is_refused_to_people_and_runs_from_the_cli(
    kept_and_old: tuple[RunningStack, dict[str, list[datetime]]],
) -> None:
    own, times = kept_and_old
    operator = account_token(own, "tha-moc-retention", "THA", "moc_operator")
    with psycopg.connect(own.database_url) as conn:
        from seasight.accounts import sign_in

        sign_in(conn, operator)
        with pytest.raises(SeasightError, match="service or administrator"):
            run_retention(conn, NOW)
    with pytest.raises(SeasightError, match="1–3650 days"):
        RetentionPeriods(identifiers_days=0)
    done = run_cli("retention", "run", "--now", NOW.isoformat(), env=own.env())
    assert done.returncode == 0, done.stderr.decode()
    assert b"1 daily partitions dropped, 1 rows deleted" in done.stdout
    with psycopg.connect(own.database_url) as conn:
        assert _counts(conn)["positions"] == sorted(times["position_kept"])
