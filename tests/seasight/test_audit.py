"""The tamper-evident audit (migration 0071), in the real database: writes to contributed records append
hash-chained rows the application cannot change; `seasight audit verify` finds a row altered, removed or
moved by the database superuser; case headers change only through recorded events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from coordination import cases
from coordination.phases import Conclusion, Phase
from seasight.audit import verify
from tests.conftest import RunningStack, fresh_database, run_cli

pytestmark = pytest.mark.integration

T0 = datetime(2026, 4, 2, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def audit_stack(stack: RunningStack) -> Iterator[RunningStack]:
    """A database of its own: the CLI test commits a tampered row, which no other test may see."""
    yield fresh_database(stack, "seasight_audit_test")
    from psycopg import sql

    with psycopg.connect(stack.superuser_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier("seasight_audit_test")))


@pytest.fixture()
def app(audit_stack: RunningStack) -> Iterator[psycopg.Connection]:
    with psycopg.connect(audit_stack.database_url, autocommit=True) as conn:
        yield conn


def _open(app: psycopg.Connection, lat: float = -30.0, persons: int = 14) -> cases.CaseRecord:
    return cases.open_case(
        app, cases.OpenCaseRequest(lat=lat, lon=-20.0, persons=persons, reason="test"), "ana", "XAA", T0
    )


def test_writes_are_audited_in_order_with_a_valid_chain(app: psycopg.Connection, audit_stack: RunningStack) -> None:
    before = app.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0]  # type: ignore[index]
    record = _open(app)
    cases.change_phase(app, record.id, Phase.ALERT, "no contact", "ben", T0 + timedelta(minutes=5))
    # the rows' contents (copies of the records) are for the owner side only (migration 0078)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app.execute("SELECT detail FROM audit_log")
    with psycopg.connect(audit_stack.owner_url) as owner:
        rows = owner.execute(
            "SELECT id, action, table_name, record_key, record_owner, db_user, detail FROM audit_log WHERE id > %s"
            " ORDER BY id",
            (before,),
        ).fetchall()
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ("insert", "sar_case", str(record.id)),
        ("insert", "case_event", f"{record.id}/1"),
        ("insert", "case_event", f"{record.id}/2"),
        ("update", "sar_case", str(record.id)),  # the header follows the event (trigger case_event_apply)
    ]
    assert [r[0] for r in rows] == list(range(before + 1, before + 5))  # numbered without gaps
    assert {r[4] for r in rows} == {"XAA"} and {r[5] for r in rows} == {"seasight"}
    assert rows[3][6]["phase"] == ["uncertainty", "alert"]
    assert rows[0][6]["persons"] == 14
    verdict = verify(app)
    assert verdict.ok, verdict.problems
    assert verdict.head_id == before + 4


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET record_owner = 'MALLORY'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "INSERT INTO audit_log (id, at, db_user, action, table_name, record_key, prev_hash, hash) VALUES"
        " (999999, now(), 'x', 'read', 'x', 'x', repeat('0', 64), repeat('0', 64))",
        "SELECT audit_append('insert', 'sighting', 'forged', 'IDN', '{}')",
        "ALTER TABLE audit_log DISABLE TRIGGER USER",
    ],
)
def test_the_application_cannot_write_the_audit_log(app: psycopg.Connection, statement: str) -> None:
    _open(app)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app.execute(statement)


def test_case_headers_change_only_through_recorded_events(app: psycopg.Connection) -> None:
    record = _open(app, lat=-31.0, persons=40)
    for statement in (
        "UPDATE sar_case SET persons = 12 WHERE id = %s",
        "UPDATE sar_case SET phase = 'distress' WHERE id = %s",
        "UPDATE sar_case SET owner = 'MALLORY' WHERE id = %s",
        "DELETE FROM sar_case WHERE id = %s",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute(statement, (record.id,))
    # an event claiming another owner, or a second opening, is refused by the database
    for kind, seq, owner in (("note", 2, "MALLORY"), ("opened", 2, "XAA")):
        with pytest.raises(psycopg.errors.CheckViolation):
            app.execute(
                "INSERT INTO case_event (case_id, seq, kind, at, data, is_exercise, owner, acted_by)"
                ' VALUES (%s, %s, %s, %s, \'{"phase": "uncertainty", "persons": 40}\', false, %s, \'x\')',
                (record.id, seq, kind, T0, owner),
            )
    # a case whose opening event disagrees with its header is refused
    with pytest.raises(psycopg.errors.CheckViolation), app.transaction():
        case_id = app.execute(
            """INSERT INTO sar_case (origin_kind, lkp, lkp_time, craft_type, persons, source, casualty, phase,
                                     phase_since, opened_at, owner, acted_by)
               VALUES ('manual', 'SRID=4326;POINT(-20 -32)', %s, 'dinghy', 12, 'x', 'x', 'uncertainty', %s, %s,
                       'XAA', 'x') RETURNING id""",
            (T0, T0, T0),
        ).fetchone()[0]  # type: ignore[index]
        app.execute(
            "INSERT INTO case_event (case_id, seq, kind, at, data, is_exercise, owner, acted_by)"
            " VALUES (%s, 1, 'opened', %s, '{\"phase\": \"uncertainty\", \"persons\": 118}', false, 'XAA', 'x')",
            (case_id, T0),
        )
    closed = cases.close_case(app, record.id, Conclusion.FALSE_ALARM, "found ashore", "ben", T0)
    row = app.execute("SELECT status, conclusion, persons FROM sar_case WHERE id = %s", (record.id,)).fetchone()
    assert row == ("closed", "false_alarm", 40) and closed.state.is_closed


def test_search_area_and_hand_over_reach_the_header_through_events(app: psycopg.Connection) -> None:
    record = _open(app, lat=-33.0)
    stored, result = cases.store_search_area(
        app, record.id, 90.0, 15.0, 180.0, 0.5, "ana", T0 + timedelta(hours=1), craft="wooden_boat"
    )
    assert stored.search_radius_nm == pytest.approx(result.search_radius_nm)
    assert stored.datum == pytest.approx((result.datum.lat, result.datum.lon))
    assert stored.search_area_ring is not None and len(stored.search_area_ring) == len(result.search_area_ring)
    handed = cases.hand_over(
        app,
        record.id,
        None,
        "closer",
        "ana",
        T0 + timedelta(hours=2),
        "duty officer X",
        to_rcc_name="MRCC X",
        to_country="XAB",
    )
    assert handed.rcc is not None and (handed.rcc.rcc_name, handed.rcc.rcc_country) == ("MRCC X", "XAB")


def _superuser(audit_stack: RunningStack) -> psycopg.Connection:
    return psycopg.connect(audit_stack.superuser_url)


def test_verify_finds_a_row_altered_removed_or_moved_by_the_superuser(
    audit_stack: RunningStack, app: psycopg.Connection
) -> None:
    for k in range(3):
        _open(app, lat=-34.0 - k)
    with _superuser(audit_stack) as su:
        assert verify(su).ok
        ids = [r[0] for r in su.execute("SELECT id FROM audit_log ORDER BY id DESC LIMIT 4").fetchall()]
        target = ids[1]
        # altered (the superuser bypasses the append-only trigger by replication mode)
        su.execute("SET session_replication_role = replica")
        su.execute("UPDATE audit_log SET detail = jsonb_set(detail, '{persons}', '12') WHERE id = %s", (target,))
        problems = verify(su).problems
        assert [(p.id, "altered" in p.problem) for p in problems] == [(target, True)]
        su.rollback()
        # removed
        su.execute("SET session_replication_role = replica")
        su.execute("DELETE FROM audit_log WHERE id = %s", (target,))
        problems = verify(su).problems
        assert {p.id for p in problems} == {target + 1} and len(problems) == 2  # gap and broken link
        su.rollback()
        # two rows swapped (contents and hashes moved between ids)
        su.execute("SET session_replication_role = replica")
        parked = 10**12
        su.execute("UPDATE audit_log SET id = %s WHERE id = %s", (parked, ids[1]))
        su.execute("UPDATE audit_log SET id = %s WHERE id = %s", (ids[1], ids[2]))
        su.execute("UPDATE audit_log SET id = %s WHERE id = %s", (ids[2], parked))
        assert not verify(su).ok
        su.rollback()
        # rows cut from the end: found against the head noted earlier
        head = verify(su).head
        su.execute("SET session_replication_role = replica")
        su.execute("DELETE FROM audit_log WHERE id >= %s", (ids[0],))
        assert verify(su).ok  # a consistent, shorter chain ...
        assert not verify(su, expect_head=head).ok  # ... but the noted head is gone
        su.rollback()
        assert verify(su, expect_head=head).ok


def test_cli_verify_passes_then_fails_after_a_change_by_hand(
    audit_stack: RunningStack, app: psycopg.Connection
) -> None:
    _open(app, lat=-38.0)
    ok = run_cli("audit", "verify", env=audit_stack.env())
    assert ok.returncode == 0, ok.stderr.decode()
    assert b"audit log intact" in ok.stdout
    with _superuser(audit_stack) as su:
        su.execute("SET session_replication_role = replica")
        row_id = su.execute(
            "UPDATE audit_log SET record_owner = 'IDN' WHERE id = (SELECT max(id) FROM audit_log) RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
        su.commit()
    bad = run_cli("audit", "verify", env=audit_stack.env())
    assert bad.returncode == 1
    assert f"audit row {row_id}: content does not match its hash".encode() in bad.stdout
    assert b"TAMPERED" in bad.stdout
