"""Per-state sharing enforced by the database (migrations 0073, 0075, 0077, 0078), tried as the application
role: every role × state × table × SELECT/INSERT/UPDATE/DELETE matches the sharing rule
(seasight.sharing.allowed, flag_allowed, place_allowed) exactly; tables holding contributed records —
the audit log's copies of them included — have FORCED row-level security; no account sees nothing."""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from seasight import accounts
from seasight.accounts import Role
from seasight.sharing import PLACE_TABLES, TABLE_KIND, Agreement, FlagSource, allowed, flag_allowed, place_allowed
from tests.conftest import RunningStack, fresh_database, run_cli

pytestmark = pytest.mark.integration

DATABASE = "seasight_sharing_test"
STATES = ("IDN", "THA")
OWNERS = ("IDN", "THA", "MYS", "SYSTEM")
AGREEMENTS = (
    Agreement("IDN", "outcome", "THA", "full"),
    Agreement("IDN", "case", "RSO", "full"),
    Agreement("THA", "sighting", "*", "full"),
    Agreement("MYS", "outcome", "THA", "aggregate"),  # aggregate only: no row
    Agreement("IDN", "flag_review", "THA", "full"),
    Agreement("IDN", "watchlist", "THA", "full"),
    Agreement("MYS", "watchlist", "*", "aggregate"),  # aggregate only: no row
    Agreement("MYS", "sighting", "RSO", "full"),
)


@dataclass(frozen=True)
class World:
    stack: RunningStack
    tokens: dict[tuple[Role, str], str]  # (role, participant) -> token
    sighting: dict[str, str]  # owner -> id
    case: dict[str, int]
    outcome: dict[str, int]
    flag_id: int
    flag_version: dict[str, int]  # owner -> version
    watchlist: dict[str, str]  # owner -> entry id
    flags: dict[str, tuple[int, FlagSource]]  # what a flag is built from -> (id, source)


def _accounts() -> list[tuple[Role, str]]:
    people = [
        (role, state)
        for role in (Role.MOC_OPERATOR, Role.SAR_COORDINATOR, Role.FOCAL_POINT, Role.ADMINISTRATOR)
        for state in STATES
    ]
    return [*people, (Role.RSO_ANALYST, "RSO"), (Role.SERVICE, "SYSTEM")]


@pytest.fixture(scope="module")
def world(stack: RunningStack) -> Iterator[World]:
    shared = fresh_database(stack, DATABASE)
    tokens: dict[tuple[Role, str], str] = {}
    sighting, case, outcome, versions, watchlist = {}, {}, {}, {}, {}
    with psycopg.connect(shared.owner_url, autocommit=True) as owner:
        for code in ("IDN", "THA", "MYS"):
            owner.execute(
                "INSERT INTO participant (code, name, kind, acted_by) VALUES (%s, %s, 'state', 'test')", (code, code)
            )
        for role, participant in _accounts():
            name = f"{role.value.replace('_', '-')}-{participant.lower()}"
            accounts.add_account(owner, name, participant, role)
            tokens[(role, participant)] = accounts.issue_token(owner, name, "matrix").secret
        for a in AGREEMENTS:
            owner.execute(
                "INSERT INTO sharing_agreement (owner, record_kind, recipient, detail, acted_by)"
                " VALUES (%s, %s, %s, %s, 'test')",
                (a.owner, a.kind, a.recipient, a.detail),
            )
        flag_id = owner.execute(
            """INSERT INTO flag (rule_id, rule_version, subject_kind, mmsi, severity, window_start, window_end,
                                 summary)
               VALUES ('went_dark', 1, 'vessel', 123456789, 'high', '2026-01-01Z', '2026-01-01Z', 'test')
               RETURNING id"""
        ).fetchone()[0]  # type: ignore[index]
        for k, o in enumerate(OWNERS):
            sighting[o] = str(uuid.uuid4())
            owner.execute(
                """INSERT INTO sighting (id, observed_at, geom, source_type, owner, acted_by)
                   VALUES (%s, '2026-01-01Z', 'SRID=4326;POINT(95 5)', 'aircraft', %s, 'test')""",
                (sighting[o], o),
            )
            case[o] = _new_case(owner, o)
            outcome[o] = owner.execute(
                """INSERT INTO disembarkation_outcome (case_id, version, is_exercise, outcome, state, source, reason,
                                                       owner, acted_by)
                   VALUES (%s, 1, false, 'disembarked', 'IDN', 'test', 'test', %s, 'test') RETURNING id""",
                (case[o], o),
            ).fetchone()[0]  # type: ignore[index]
            versions[o] = k + 1
            owner.execute(
                """INSERT INTO flag_version (flag_id, version, action, reason, rule_version, severity, score,
                                             window_start, window_end, summary, evaluated_to, owner, acted_by)
                   VALUES (%s, %s, 'acknowledged', 'test', 1, 'high', 0.5, '2026-01-01Z', '2026-01-01Z', 'test',
                           '2026-01-01Z', %s, 'test')""",
                (flag_id, versions[o], o),
            )
            watchlist[o] = f"W-{o}"
            owner.execute(
                "INSERT INTO watchlist_entry (id, reason, mmsi, owner, acted_by) VALUES (%s, 'test', %s, %s, 'test')",
                (watchlist[o], 200000000 + k, o),
            )
        flags = _flags(owner, watchlist)
    yield World(shared, tokens, sighting, case, outcome, flag_id, versions, watchlist, flags)
    from psycopg import sql

    with psycopg.connect(stack.superuser_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))


def _flags(conn: psycopg.Connection, watchlist: dict[str, str]) -> dict[str, tuple[int, FlagSource]]:
    """Detector flags built from nothing contributed, from a sighting of each owner (a contact flag; not
    the sightings of the main matrix, which it deletes), and from watchlist entries (one owner's, or two
    owners' together); each with a detector version."""
    made: dict[str, tuple[int, FlagSource]] = {}
    sighting = {o: str(uuid.uuid4()) for o in OWNERS}
    for o, sighting_id in sighting.items():
        conn.execute(
            """INSERT INTO sighting (id, observed_at, geom, source_type, owner, acted_by)
               VALUES (%s, '2026-01-03Z', 'SRID=4326;POINT(96 6)', 'fisher', %s, 'test')""",
            (sighting_id, o),
        )
    specs: list[tuple[str, str | None, tuple[str, ...]]] = [("plain", None, ())]
    specs += [(f"sighting-{o}", o, ()) for o in OWNERS]
    specs += [(f"watchlist-{o}", None, (o,)) for o in OWNERS] + [("watchlist-IDN-MYS", None, ("IDN", "MYS"))]
    for n, (label, sighting_owner, entry_owners) in enumerate(specs):
        evidence = {"entries": [{"id": watchlist[o], "owner": o, "reason": "test"} for o in entry_owners]}
        flag_id = conn.execute(
            """INSERT INTO flag (rule_id, rule_version, subject_kind, mmsi, sighting_id, severity, window_start,
                                 window_end, summary, evidence)
               VALUES (%s, 1, %s, %s, %s, 'medium', '2026-01-03Z', '2026-01-03Z', %s, %s) RETURNING id""",
            (
                "watchlist" if entry_owners else "unidentified_craft" if sighting_owner else "went_dark",
                "contact" if sighting_owner else "vessel",
                None if sighting_owner else 300000000 + n,
                sighting[sighting_owner] if sighting_owner else None,
                f"test {label}",
                json.dumps(evidence),
            ),
        ).fetchone()[0]  # type: ignore[index]
        conn.execute(
            """INSERT INTO flag_version (flag_id, version, action, reason, rule_version, severity, score,
                                         window_start, window_end, summary, evidence, evaluated_to)
               VALUES (%s, 1, 'raised', 'rule holds', 1, 'medium', 0.5, '2026-01-03Z', '2026-01-03Z', 'test',
                       %s, '2026-01-03Z')""",
            (flag_id, json.dumps(evidence)),
        )
        made[label] = (int(flag_id), FlagSource(sighting_owner, entry_owners))
    return made


def _new_case(conn: psycopg.Connection, owner: str) -> int:
    case_id = conn.execute(
        """INSERT INTO sar_case (origin_kind, lkp, lkp_time, craft_type, persons, source, casualty, phase,
                                 phase_since, opened_at, owner, acted_by)
           VALUES ('manual', 'SRID=4326;POINT(95 5)', '2026-01-01Z', 'dinghy', 10, 'test', 'test', 'alert',
                   '2026-01-01Z', '2026-01-01Z', %s, 'test') RETURNING id""",
        (owner,),
    ).fetchone()[0]  # type: ignore[index]
    conn.execute(
        """INSERT INTO case_event (case_id, seq, kind, at, data, is_exercise, owner, acted_by)
           VALUES (%s, 1, 'opened', '2026-01-01Z', '{"phase": "alert", "persons": 10}', false, %s, 'test')""",
        (case_id, owner),
    )
    # SITREP 1 sent (log entry 2 and its text), and the log entry of SITREP 2 whose text the matrix inserts
    for seq, number in ((2, 1), (3, 2)):
        conn.execute(
            """INSERT INTO case_event (case_id, seq, kind, at, data, is_exercise, owner, acted_by)
               VALUES (%s, %s, 'message_sent', '2026-01-01Z', %s, false, %s, 'test')""",
            (case_id, seq, json.dumps({"format": "sitrep", "number": number, "sha256": _sha(_SITREP[number])}), owner),
        )
    conn.execute(
        """INSERT INTO case_sitrep (case_id, number, event_seq, form, final, sent_at, text, sha256, is_exercise,
                                    owner, acted_by)
           VALUES (%s, 1, 2, 'short', false, '2026-01-01Z', %s, %s, false, %s, 'test')""",
        (case_id, _SITREP[1], _sha(_SITREP[1]), owner),
    )
    return int(case_id)


_SITREP = {1: "URGENCY\nSAR SITREP 1 (matrix)\n", 2: "URGENCY\nSAR SITREP 2 (matrix)\n"}


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def _statement(world: World, table: str, operation: str, owner: str, n: int) -> tuple[str, tuple[object, ...]]:
    """One statement doing ``operation`` on ``owner``'s record of ``table`` (or inserting one as ``owner``)."""
    key = {
        "sighting": ("id = %s::uuid", (world.sighting[owner],)),
        "sar_case": ("id = %s", (world.case[owner],)),
        "case_event": ("case_id = %s AND seq = 1", (world.case[owner],)),
        "case_sitrep": ("case_id = %s AND number = 1", (world.case[owner],)),
        "disembarkation_outcome": ("id = %s", (world.outcome[owner],)),
        "flag_version": ("flag_id = %s AND version = %s", (world.flag_id, world.flag_version[owner])),
        "watchlist_entry": ("id = %s", (world.watchlist[owner],)),
    }[table]
    if operation == "SELECT":
        return f"SELECT count(*) FROM {table} WHERE {key[0]}", key[1]
    if operation == "UPDATE":
        return f"UPDATE {table} SET acted_by = acted_by WHERE {key[0]}", key[1]
    if operation == "DELETE":
        return f"DELETE FROM {table} WHERE {key[0]}", key[1]
    inserts: dict[str, tuple[str, tuple[object, ...]]] = {
        "sighting": (
            "INSERT INTO sighting (id, observed_at, geom, source_type, owner, acted_by)"
            " VALUES (%s, '2026-01-02Z', 'SRID=4326;POINT(95 5)', 'vessel', %s, 'x')",
            (str(uuid.uuid4()), owner),
        ),
        "sar_case": (
            "INSERT INTO sar_case (origin_kind, lkp, lkp_time, craft_type, source, casualty, phase, phase_since,"
            " opened_at, owner, acted_by) VALUES ('manual', 'SRID=4326;POINT(95 5)', '2026-01-02Z', 'dinghy', 'x',"
            " 'x', 'alert', '2026-01-02Z', '2026-01-02Z', %s, 'x')",
            (owner,),
        ),
        "case_event": (
            "INSERT INTO case_event (case_id, seq, kind, at, data, is_exercise, owner, acted_by)"
            " VALUES (%s, %s, 'note', '2026-01-02Z', '{}', false, %s, 'x')",
            (world.case[owner], 100 + n, owner),
        ),
        "case_sitrep": (
            "INSERT INTO case_sitrep (case_id, number, event_seq, form, final, sent_at, text, sha256, is_exercise,"
            " owner, acted_by) VALUES (%s, 2, 3, 'short', false, '2026-01-01Z', %s, %s, false, %s, 'test')",
            (world.case[owner], _SITREP[2], _sha(_SITREP[2]), owner),
        ),
        "disembarkation_outcome": (
            "INSERT INTO disembarkation_outcome (case_id, version, is_exercise, outcome, state, source, reason, owner,"
            " acted_by) VALUES (%s, %s, false, 'refused', 'THA', 'x', 'x', %s, 'x')",
            (world.case[owner], 100 + n, owner),
        ),
        "flag_version": (
            "INSERT INTO flag_version (flag_id, version, action, reason, rule_version, severity, score, window_start,"
            " window_end, summary, evaluated_to, owner, acted_by) VALUES (%s, %s, 'dismissed', 'x', 1, 'high', 0.5,"
            " '2026-01-02Z', '2026-01-02Z', 'x', '2026-01-02Z', %s, 'x')",
            (world.flag_id, 100 + n, owner),
        ),
        "watchlist_entry": (
            "INSERT INTO watchlist_entry (id, reason, imo, owner, acted_by) VALUES (%s, 'x', 1234567, %s, 'x')",
            (f"W-new-{n}", owner),
        ),
    }
    return inserts[table]


def _outcome(conn: psycopg.Connection, statement: str, params: tuple[object, ...], operation: str) -> bool:
    """Did the statement do its one-row thing? (rolled back either way)"""
    try:
        with conn.transaction(force_rollback=True):
            cur = conn.execute(statement, params)
            if operation == "SELECT":
                return cur.fetchone() == (1,)
            return cur.rowcount == 1
    except psycopg.errors.InsufficientPrivilege:
        return False


def test_every_role_state_table_and_operation_matches_the_sharing_rule(world: World) -> None:
    mismatches = []
    checked = 0
    with psycopg.connect(world.stack.database_url, autocommit=True) as conn:
        for (role, participant), token in world.tokens.items():
            me = accounts.sign_in(conn, token)
            assert (me.participant, me.role) == (participant, role)
            for n, (table, operation, owner) in enumerate(
                itertools.product(TABLE_KIND, ("SELECT", "INSERT", "UPDATE", "DELETE"), OWNERS)
            ):
                statement, params = _statement(world, table, operation, owner, n)
                expected = allowed(role, participant, owner, table, operation, AGREEMENTS)
                actual = _outcome(conn, statement, params, operation)
                checked += 1
                if actual != expected:
                    mismatches.append((role.value, participant, table, operation, owner, expected, actual))
    assert mismatches == []
    assert checked == len(world.tokens) * len(TABLE_KIND) * 4 * len(OWNERS) == 1120


def test_flags_every_role_state_and_source_match_the_rule(world: World) -> None:
    """A flag is as visible as what it was built from (a sighting, watchlist entries); only services write
    flags; a reviewer changes a readable flag's status and nothing else; a detector version of a flag is
    readable only with its flag."""
    mismatches: list[tuple[object, ...]] = []
    checked = 0
    with psycopg.connect(world.stack.database_url, autocommit=True) as conn:
        for (role, participant), token in world.tokens.items():
            accounts.sign_in(conn, token)
            for n, (label, (flag_id, source)) in enumerate(world.flags.items()):
                statements: dict[str, tuple[str, tuple[object, ...]]] = {
                    "SELECT": ("SELECT count(*) FROM flag WHERE id = %s", (flag_id,)),
                    "INSERT": (
                        "INSERT INTO flag (rule_id, rule_version, subject_kind, mmsi, severity, window_start,"
                        " window_end, summary) VALUES ('went_dark', 1, 'vessel', %s, 'low', '2026-01-04Z',"
                        " '2026-01-04Z', 'x')",
                        (400000000 + n,),
                    ),
                    "UPDATE": (
                        "UPDATE flag SET status = 'acknowledged', version = version + 1 WHERE id = %s",
                        (flag_id,),
                    ),
                    "DELETE": ("DELETE FROM flag WHERE id = %s", (flag_id,)),
                }
                for operation, (statement, params) in statements.items():
                    expected = flag_allowed(
                        role, participant, source if operation != "INSERT" else FlagSource(), operation, AGREEMENTS
                    )
                    actual = _outcome(conn, statement, params, operation)
                    checked += 1
                    if actual != expected:
                        mismatches.append((role.value, participant, label, operation, expected, actual))
                # the detector's version of the flag: readable exactly with the flag
                expected = allowed(role, participant, "SYSTEM", "flag_version", "SELECT", AGREEMENTS, flag=source)
                actual = _outcome(
                    conn, "SELECT count(*) FROM flag_version WHERE flag_id = %s AND version = 1", (flag_id,), "SELECT"
                )
                checked += 1
                if actual != expected:
                    mismatches.append((role.value, participant, label, "flag_version SELECT", expected, actual))
    assert mismatches == []
    assert checked == len(world.tokens) * len(world.flags) * 5 == 500
    # the cases that matter, said plainly
    thai = (Role.MOC_OPERATOR, "THA")
    assert flag_allowed(*thai, FlagSource("THA"), "SELECT", AGREEMENTS)
    assert not flag_allowed(*thai, FlagSource("MYS"), "SELECT", AGREEMENTS)  # Malaysia's sighting is not shared
    assert flag_allowed(*thai, FlagSource(None, ("IDN",)), "SELECT", AGREEMENTS)
    assert not flag_allowed(*thai, FlagSource(None, ("IDN", "MYS")), "SELECT", AGREEMENTS)


def test_a_reviewer_changes_a_flags_status_and_nothing_else(world: World) -> None:
    flag_id, _ = world.flags["plain"]
    with psycopg.connect(world.stack.database_url, autocommit=True) as conn:
        accounts.sign_in(conn, world.tokens[(Role.MOC_OPERATOR, "THA")])
        for statement in (
            "UPDATE flag SET summary = 'nothing to see' WHERE id = %s",
            "UPDATE flag SET severity = 'info', version = version + 1 WHERE id = %s",
            "UPDATE flag SET status = 'withdrawn', version = version + 1 WHERE id = %s",
            "UPDATE flag SET status = 'dismissed' WHERE id = %s",  # not as a new version
        ):
            with (
                pytest.raises(psycopg.errors.InsufficientPrivilege, match="review"),
                conn.transaction(force_rollback=True),
            ):
                conn.execute(statement, (flag_id,))
        accounts.sign_in(conn, world.tokens[(Role.SERVICE, "SYSTEM")])
        with conn.transaction(force_rollback=True):
            assert conn.execute("UPDATE flag SET summary = 'x' WHERE id = %s", (flag_id,)).rowcount == 1


def test_audit_rows_and_their_contents_follow_the_sharing(world: World) -> None:
    """The audit log's copies of records are never readable by the application; its other columns are,
    for a service or an administrator, and otherwise for one's own participant's actions and records.
    Every account can still verify the whole chain (hashes only)."""
    with psycopg.connect(world.stack.owner_url, autocommit=True) as owner:
        total = owner.execute("SELECT count(*) FROM audit_log").fetchone()[0]  # type: ignore[index]
        everything = owner.execute("SELECT id, participant, record_owner FROM audit_log").fetchall()
    assert total > 0
    from seasight.audit import verify

    with psycopg.connect(world.stack.database_url, autocommit=True) as conn:
        for (role, participant), token in world.tokens.items():
            accounts.sign_in(conn, token)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SELECT detail FROM audit_log LIMIT 1")
            seen = {r[0] for r in conn.execute("SELECT id FROM audit_log WHERE id <= %s", (total,)).fetchall()}
            wide = role in (Role.SERVICE, Role.ADMINISTRATOR)
            expected = {i for i, p, o in everything if wide or participant in (p, o)}
            assert seen == expected, (role, participant)
            verdict = verify(conn)
            assert verdict.ok and verdict.rows >= total, (role, participant)
    # an Indonesian record's audit row is not there for a Thai coordinator
    thai_seen = {i for i, p, o in everything if "THA" in (p, o)}
    assert any(o == "IDN" for i, p, o in everything) and not any(
        o == "IDN" and p != "THA" for i, p, o in everything if i in thai_seen
    )


def test_the_rule_itself_on_the_cases_the_issue_names() -> None:
    # a Thai coordinator sees Indonesia's outcome only when Indonesia shares it, and never changes it
    assert allowed(Role.SAR_COORDINATOR, "THA", "IDN", "disembarkation_outcome", "SELECT", AGREEMENTS)
    assert not allowed(Role.SAR_COORDINATOR, "THA", "IDN", "disembarkation_outcome", "SELECT", ())
    assert not allowed(Role.SAR_COORDINATOR, "THA", "IDN", "disembarkation_outcome", "INSERT", AGREEMENTS)
    assert not allowed(Role.SAR_COORDINATOR, "THA", "MYS", "disembarkation_outcome", "SELECT", AGREEMENTS)
    # the RSO sees only what states share with it
    assert allowed(Role.RSO_ANALYST, "RSO", "IDN", "sar_case", "SELECT", AGREEMENTS)
    assert not allowed(Role.RSO_ANALYST, "RSO", "IDN", "disembarkation_outcome", "SELECT", AGREEMENTS)


def test_contributed_tables_have_forced_rls_and_nobody_signed_in_sees_nothing(world: World) -> None:
    with psycopg.connect(world.stack.database_url.partition("?")[0], autocommit=True) as conn:  # no session
        for table in (*TABLE_KIND, *PLACE_TABLES, "sharing_agreement", "flag", "audit_log"):
            assert conn.execute(
                "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = %s", (table,)
            ).fetchone() == (True, True), table
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
        assert conn.execute("SELECT count(*) FROM disembarkation_outcome_real").fetchone() == (0,)
        # tables with an owner column and no row-level security: public reference data only
        rows = conn.execute(
            """SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'owner'
                JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relforcerowsecurity ORDER BY 1"""
        ).fetchall()
        assert [r[0] for r in rows] == [
            "iom_incident",  # public IOM Missing Migrants data
            "port",  # reference data
            "srr",  # reference data
            "zone",  # reference data
        ]


def test_cli_sharing_set_and_show_by_the_focal_point_only(world: World) -> None:
    def as_(role: Role, state: str) -> dict[str, str]:
        return {**world.stack.env(), "SEASIGHT_ACCOUNT_TOKEN": world.tokens[(role, state)]}

    refused = run_cli("sharing", "set", "case", "IDN", "full", env=as_(Role.SAR_COORDINATOR, "THA"))
    assert refused.returncode == 1 and b"only a focal point" in refused.stderr
    done = run_cli("sharing", "set", "case", "IDN", "full", env=as_(Role.FOCAL_POINT, "THA"))
    assert done.returncode == 0, done.stderr.decode()
    shown = run_cli("sharing", "show", "--json", env=as_(Role.SAR_COORDINATOR, "IDN"))
    seen = json.loads(shown.stdout)
    assert {"owner": "THA", "kind": "case", "recipient": "IDN", "detail": "full"} in seen
    # the Indonesian coordinator now sees Thailand's case, and the audit (as Thailand sees it) holds the
    # agreement's author
    with psycopg.connect(world.stack.database_url, autocommit=True) as conn:
        accounts.sign_in(conn, world.tokens[(Role.SAR_COORDINATOR, "IDN")])
        assert conn.execute("SELECT count(*) FROM sar_case WHERE id = %s", (world.case["THA"],)).fetchone() == (1,)
        accounts.sign_in(conn, world.tokens[(Role.SAR_COORDINATOR, "THA")])
        assert conn.execute(
            "SELECT account FROM audit_log WHERE table_name = 'sharing_agreement' AND record_key = 'THA/case/IDN'"
        ).fetchone() == ("focal-point-tha",)
    undone = run_cli("sharing", "set", "case", "IDN", "none", env=as_(Role.FOCAL_POINT, "THA"))
    assert undone.returncode == 0
    with psycopg.connect(world.stack.database_url, autocommit=True) as conn:
        accounts.sign_in(conn, world.tokens[(Role.SAR_COORDINATOR, "IDN")])
        assert conn.execute("SELECT count(*) FROM sar_case WHERE id = %s", (world.case["THA"],)).fetchone() == (0,)


def test_thai_coordinator_cannot_see_or_change_an_unshared_outcome_and_shared_reads_are_audited(
    world: World,
) -> None:
    """Done-means, through the CLI: Malaysia shares its outcomes with Thailand at aggregate level only, so
    a Thai coordinator neither sees nor changes Malaysia's outcome; Indonesia shares at full detail, so the
    Thai coordinator reads Indonesia's outcome — and that read is in the audit log."""
    env = {**world.stack.env(), "SEASIGHT_ACCOUNT_TOKEN": world.tokens[(Role.SAR_COORDINATOR, "THA")]}
    hidden = run_cli("disembark", "outcome", str(world.case["MYS"]), "--json", env=env)
    assert hidden.returncode == 0 and json.loads(hidden.stdout) == []
    changed = run_cli(
        "disembark",
        "record",
        str(world.case["MYS"]),
        "--outcome",
        "pushed_back",
        "--state",
        "MYS",
        "--source",
        "x",
        env=env,
    )
    assert changed.returncode == 1 and b"no SAR case" in changed.stderr
    with psycopg.connect(world.stack.owner_url) as owner:
        assert owner.execute(
            "SELECT count(*) FROM disembarkation_outcome WHERE case_id = %s", (world.case["MYS"],)
        ).fetchone() == (1,)
        before = owner.execute("SELECT max(id) FROM audit_log").fetchone()[0]  # type: ignore[index]
    shown = run_cli("disembark", "outcome", str(world.case["IDN"]), "--json", env=env)
    assert shown.returncode == 0, shown.stderr.decode()
    assert [v["owner"] for v in json.loads(shown.stdout)] == ["IDN"]
    with psycopg.connect(world.stack.owner_url) as owner:
        reads = owner.execute(
            "SELECT action, table_name, record_owner, account, participant FROM audit_log WHERE id > %s",
            (before,),
        ).fetchall()
    assert ("read", "disembarkation_outcome", "IDN", "sar-coordinator-tha", "THA") in reads


PLACES = {"IDN": "IDZZ1", "THA": "THZZ1", "MYS": "MYZZ1"}
UNLOGGED = {"IDN": "IDZZ2", "THA": "THZZ2", "MYS": "MYZZ2"}  # no change log: a DELETE is not stopped by it


def test_places_of_safety_every_role_and_state_matches_the_rule(world: World) -> None:
    """Acting as MYS, an Indonesian port cannot be marked unusable; only Indonesia's focal point edits it."""
    with psycopg.connect(world.stack.owner_url, autocommit=True) as owner:
        for state, locode in PLACES.items():
            owner.execute(
                "INSERT INTO place_of_safety (locode, name, state, country_iso2, geom, position_source)"
                " VALUES (%s, %s, %s, %s, 'SRID=4326;POINT(100 5)', 'test') ON CONFLICT DO NOTHING",
                (locode, f"test {state}", state, state[:2]),
            )
            owner.execute(
                "INSERT INTO place_of_safety_change (locode, version, after, reason, owner, acted_by)"
                " VALUES (%s, 1, '{}', 'test', 'SYSTEM', 'test') ON CONFLICT DO NOTHING",
                (locode,),
            )
            owner.execute(
                "INSERT INTO place_of_safety (locode, name, state, country_iso2, geom, position_source)"
                " VALUES (%s, %s, %s, %s, 'SRID=4326;POINT(100 5)', 'test') ON CONFLICT DO NOTHING",
                (UNLOGGED[state], f"test {state} 2", state, state[:2]),
            )
    mismatches, checked = [], 0
    with psycopg.connect(world.stack.database_url, autocommit=True) as conn:
        for (role, participant), token in world.tokens.items():
            accounts.sign_in(conn, token)
            for n, (table, operation, state) in enumerate(
                itertools.product(PLACE_TABLES, ("SELECT", "INSERT", "UPDATE", "DELETE"), PLACES)
            ):
                locode = PLACES[state]
                statement: str
                params: tuple[object, ...]
                if table == "place_of_safety":
                    statement, params = {
                        "SELECT": ("SELECT count(*) FROM place_of_safety WHERE locode = %s", (locode,)),
                        "INSERT": (
                            "INSERT INTO place_of_safety (locode, name, state, country_iso2, geom, position_source,"
                            " owner, acted_by) VALUES (%s, 'x', %s, %s, 'SRID=4326;POINT(100 5)', 'x', %s, 'x')",
                            (f"{state[:2]}ZY{n % 10}", state, state[:2], state),
                        ),
                        "UPDATE": (
                            "UPDATE place_of_safety SET usable = false, owner = %s WHERE locode = %s",
                            (state, locode),
                        ),
                        "DELETE": ("DELETE FROM place_of_safety WHERE locode = %s", (UNLOGGED[state],)),
                    }[operation]
                else:
                    statement, params = {
                        "SELECT": ("SELECT count(*) FROM place_of_safety_change WHERE locode = %s", (locode,)),
                        "INSERT": (
                            "INSERT INTO place_of_safety_change (locode, version, after, reason, owner, acted_by)"
                            " VALUES (%s, %s, '{}', 'x', %s, 'x')",
                            (locode, 100 + n, state),
                        ),
                        "UPDATE": ("UPDATE place_of_safety_change SET reason = reason WHERE locode = %s", (locode,)),
                        "DELETE": ("DELETE FROM place_of_safety_change WHERE locode = %s", (locode,)),
                    }[operation]
                expected = place_allowed(role, participant, state, table, operation)
                actual = _outcome(conn, statement, params, operation)
                checked += 1
                if actual != expected:
                    mismatches.append((role.value, participant, table, operation, state, expected, actual))
    assert mismatches == []
    assert checked == len(world.tokens) * 2 * 4 * len(PLACES)


def test_a_state_cannot_take_over_another_states_watchlist_entry(world: World) -> None:
    from tracking.watchlist import WatchlistError, WatchlistRecord, upsert_watchlist

    with psycopg.connect(world.stack.database_url) as conn:
        accounts.sign_in(conn, world.tokens[(Role.MOC_OPERATOR, "THA")])
        with pytest.raises(WatchlistError, match="W-IDN"):
            upsert_watchlist(conn, [WatchlistRecord(world.watchlist["IDN"], "mine now", "THA", "x", mmsi=1)])
        conn.rollback()
        assert upsert_watchlist(conn, [WatchlistRecord("W-THA-new", "seen loitering", "THA", "x", mmsi=2)]) == 1
        conn.rollback()
    with psycopg.connect(world.stack.owner_url) as owner:
        assert owner.execute("SELECT owner, reason FROM watchlist_entry WHERE id = 'W-IDN'").fetchone() == (
            "IDN",
            "test",
        )
