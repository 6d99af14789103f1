"""Database roles, tried in the real database as the application role: it owns nothing, has no BYPASSRLS,
cannot ALTER / DISABLE TRIGGER, GRANT, TRUNCATE, or UPDATE / DELETE the append-only logs; every table
has the application's grants (also tables later migrations add, through default privileges)."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from seasight.stack import APP_GROUP, APP_ROLE, OWNER_ROLE
from tests.conftest import RunningStack

pytestmark = pytest.mark.integration

APPEND_ONLY = ("case_event", "case_sitrep", "disembarkation_outcome", "place_of_safety_change")
# tables the application only reads (written by the owner side)
# the simulation registers are written by the owner only (migration 0130): registering a real MMSI as
# simulated would turn its real alarms into exercise ones
READ_ONLY = ("schema_migration", "simulated_station", "simulated_vessel")


@pytest.fixture()
def app(stack: RunningStack) -> Iterator[psycopg.Connection]:
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (APP_ROLE,)
        yield conn


def _public_tables(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
              AND c.relname <> 'spatial_ref_sys'  -- PostGIS's own (owned by the superuser, readable by all)
            ORDER BY 1"""
    ).fetchall()
    return [r[0] for r in rows]


def test_application_role_is_no_owner_superuser_or_rls_bypasser(app: psycopg.Connection) -> None:
    row = app.execute(
        "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    assert row == (False, False, False, False)
    assert app.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", (OWNER_ROLE,)).fetchone() == (
        False,
        False,
    )
    owned = app.execute(
        """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND pg_has_role(current_user, c.relowner, 'USAGE')
           UNION ALL
           SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public' AND pg_has_role(current_user, p.proowner, 'USAGE')
           UNION ALL
           SELECT nspname FROM pg_namespace WHERE pg_has_role(current_user, nspowner, 'USAGE')
             AND nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%'"""
    ).fetchall()
    assert owned == []
    assert app.execute(
        "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
    ).fetchone() == (OWNER_ROLE,)


def test_every_table_has_the_application_grants(app: psycopg.Connection) -> None:
    tables = _public_tables(app)
    assert {"sighting", "sar_case", "case_event", "disembarkation_outcome", "position"} <= set(tables)
    wrong = []
    for table in tables:
        privileges = {
            p: bool(app.execute("SELECT has_table_privilege(%s, %s)", (table, p)).fetchone()[0])  # type: ignore[index]
            for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
        }
        if table in READ_ONLY:
            expected = {"SELECT"}
        elif table in APPEND_ONLY:
            expected = {"SELECT", "INSERT"}
        else:
            expected = {"SELECT", "INSERT", "UPDATE", "DELETE"}
        if {p for p, held in privileges.items() if held} != expected and not _audit_or_later(table, privileges):
            wrong.append((table, privileges))
    assert wrong == []


def _audit_or_later(table: str, privileges: dict[str, bool]) -> bool:
    """Tables of later migrations that deliberately hold fewer privileges declare them here (see below)."""
    return table in RESTRICTED and {p for p, held in privileges.items() if held} == RESTRICTED[table]


# Tables whose application privileges are deliberately narrower than read/write (later migrations).
RESTRICTED: dict[str, set[str]] = {
    "sar_case": {"SELECT", "INSERT"},  # the header changes only through case events (migration 0071)
    # appended only by the owner's audit functions (migration 0071); column-level SELECT without the
    # records' copies in `detail` (migration 0078)
    "audit_log": set(),
    "account": set(),  # column-level SELECT only, never the password verifier (migrations 0072, 0076)
    "account_token": set(),  # column-level SELECT only, never the token hash (migration 0072)
    "account_identity": set(),  # column-level SELECT; linked only by administrators' functions (migration 0079)
    "signin_key": set(),  # column-level SELECT only, never the key hash (migration 0079)
    "sighting_revision": {"SELECT", "INSERT"},  # every version of a sighting, append-only (migration 0093)
}


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE case_event DISABLE TRIGGER USER",
        "ALTER TABLE case_event DISABLE TRIGGER case_event_no_update_delete",
        "ALTER TABLE sar_case ADD COLUMN mallory text",
        "ALTER TABLE sighting DISABLE ROW LEVEL SECURITY",
        "DROP TRIGGER case_event_no_update_delete ON case_event",
        "CREATE TABLE public.mallory (x int)",
        "TRUNCATE sighting",
        "TRUNCATE case_event CASCADE",
        "CREATE OR REPLACE FUNCTION case_event_append_only() RETURNS trigger LANGUAGE plpgsql"
        " AS $$ BEGIN RETURN NEW; END $$",
    ],
)
def test_application_role_cannot_change_the_schema(app: psycopg.Connection, statement: str) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app.execute(statement)


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_append_only_logs_refuse_update_delete_and_self_grant(app: psycopg.Connection, table: str) -> None:
    for statement in (f"UPDATE {table} SET owner = 'MALLORY'", f"DELETE FROM {table}"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute(statement)
    # GRANT by a role without grant options grants nothing (PostgreSQL warns); the privilege stays absent
    app.execute(f"GRANT UPDATE, DELETE ON {table} TO {APP_ROLE}")
    app.execute(f"GRANT UPDATE, DELETE ON {table} TO {APP_GROUP}")
    for privilege in ("UPDATE", "DELETE"):
        assert app.execute("SELECT has_table_privilege(%s, %s)", (table, privilege)).fetchone() == (False,)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app.execute(f"UPDATE {table} SET owner = 'MALLORY'")


def test_application_cannot_grant_what_it_holds(app: psycopg.Connection) -> None:
    app.execute("GRANT SELECT ON sighting TO PUBLIC")  # no grant option: nothing is granted
    assert app.execute(
        "SELECT count(*) FROM aclexplode((SELECT relacl FROM pg_class WHERE relname = 'sighting')) WHERE grantee = 0"
    ).fetchone() == (0,)


def test_tracker_creates_position_partitions_through_the_owner_function(app: psycopg.Connection) -> None:
    assert app.execute("SELECT ensure_position_partition('2032-05-06')").fetchone() == ("position_20320506",)
    assert app.execute(
        "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'position_20320506'"
    ).fetchone() == (OWNER_ROLE,)
    # default privileges: the new partition has the application's grants like every other table
    for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE"):
        assert app.execute("SELECT has_table_privilege('position_20320506', %s)", (privilege,)).fetchone() == (True,)
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        app.execute("SELECT ensure_position_partition('1900-01-01')")


def test_a_table_added_later_by_the_owner_gets_the_grants(stack: RunningStack, app: psycopg.Connection) -> None:
    with psycopg.connect(stack.owner_url, autocommit=True) as owner:
        owner.execute("CREATE TABLE later_migration_probe (id int)")
        try:
            assert app.execute("SELECT has_table_privilege('later_migration_probe', 'INSERT')").fetchone() == (True,)
            assert app.execute("SELECT has_table_privilege('later_migration_probe', 'TRUNCATE')").fetchone() == (False,)
        finally:
            owner.execute("DROP TABLE later_migration_probe")


def test_even_the_owner_is_stopped_by_the_append_only_trigger(stack: RunningStack, app: psycopg.Connection) -> None:
    from datetime import UTC, datetime

    from coordination.cases import OpenCaseRequest, open_case

    open_case(app, OpenCaseRequest(lat=-41.0, lon=-31.0), "ana", "XAA", datetime(2026, 3, 1, tzinfo=UTC))
    with psycopg.connect(stack.owner_url) as owner:
        owner.execute("GRANT UPDATE, DELETE ON case_event TO current_user")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            owner.execute("UPDATE case_event SET acted_by = 'mallory'")
        owner.rollback()
