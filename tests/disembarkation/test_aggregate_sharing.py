"""Aggregate-only sharing of outcomes (migration 0080, coordination.disembarkation.publish), in the real
database as the application role: logged in as the RSO analyst, only what states shared appears — rows
of the states sharing in full, and, of the states sharing aggregates only, nothing but their part in the
suppressed figures a service published; a state sharing nothing is absent."""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest

from coordination.disembarkation.practices import GroupFigures
from coordination.disembarkation.publish import countable_owners, groupings, publish_practices
from coordination.disembarkation.queries import practices, practices_note
from seasight import accounts
from seasight.accounts import Role
from seasight.sharing import Agreement
from tests.conftest import RunningStack, fresh_database, run_cli

pytestmark = pytest.mark.integration

DATABASE = "seasight_aggregate_test"
# owner -> (place, cases) of its real outcomes, all "disembarked" in the owner's own state
OUTCOMES = {
    "IDN": [("IDLHK", 5), ("IDSBG", 1)],  # shares with the RSO as aggregates only
    "MYS": [("MYPEN", 6)],  # shares with the RSO in full
    "THA": [("THSAT", 7)],  # shares nothing
}
AGREEMENTS = (
    Agreement("IDN", "outcome", "RSO", "aggregate"),
    Agreement("MYS", "outcome", "RSO", "full"),
)


@pytest.fixture(scope="module")
def world(stack: RunningStack) -> Iterator[tuple[RunningStack, dict[str, str]]]:
    shared = fresh_database(stack, DATABASE)
    tokens: dict[str, str] = {}
    with psycopg.connect(shared.owner_url, autocommit=True) as owner:
        for code in OUTCOMES:
            owner.execute(
                "INSERT INTO participant (code, name, kind, acted_by) VALUES (%s, %s, 'state', 'test')", (code, code)
            )
        for name, participant, role in (
            ("agg-rso", "RSO", Role.RSO_ANALYST),
            ("agg-tha", "THA", Role.SAR_COORDINATOR),
            ("agg-idn", "IDN", Role.FOCAL_POINT),
            ("agg-service", "SYSTEM", Role.SERVICE),
        ):
            accounts.add_account(owner, name, participant, role)
            tokens[name] = accounts.issue_token(owner, name, "aggregate test").secret
        for a in AGREEMENTS:
            owner.execute(
                "INSERT INTO sharing_agreement (owner, record_kind, recipient, detail, acted_by)"
                " VALUES (%s, %s, %s, %s, 'test')",
                (a.owner, a.kind, a.recipient, a.detail),
            )
        for state, places in OUTCOMES.items():
            for place, n in places:
                for _ in range(n):
                    case_id = owner.execute(
                        """INSERT INTO sar_case (origin_kind, lkp, lkp_time, craft_type, persons, source, casualty,
                                                 phase, phase_since, opened_at, owner, acted_by)
                           VALUES ('manual', 'SRID=4326;POINT(95 5)', '2026-03-01Z', 'boat', 40, 'test', 'test',
                                   'distress', '2026-03-01Z', '2026-03-01Z', %s, 'test') RETURNING id""",
                        (state,),
                    ).fetchone()[0]  # type: ignore[index]
                    owner.execute(
                        """INSERT INTO case_event (case_id, seq, kind, at, data, is_exercise, owner, acted_by)
                           VALUES (%s, 1, 'opened', '2026-03-01Z', '{"phase": "distress", "persons": 40}', false,
                                   %s, 'test')""",
                        (case_id, state),
                    )
                    owner.execute(
                        """INSERT INTO disembarkation_outcome (case_id, version, is_exercise, outcome, state, locode,
                                                               alert_at, outcome_at, persons_aboard, deaths,
                                                               missing, source, reason, owner, acted_by)
                           VALUES (%s, 1, false, 'disembarked', %s, %s, '2026-03-01Z', '2026-03-02Z', 40, 0, 0,
                                   'test', 'test', %s, 'test')""",
                        (case_id, state, place, state),
                    )
    yield shared, tokens
    from psycopg import sql

    with psycopg.connect(stack.superuser_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))


def _as(stack: RunningStack, token: str) -> psycopg.Connection:
    conn = psycopg.connect(stack.database_url.partition("?")[0], autocommit=True)
    accounts.sign_in(conn, token)
    return conn


def _by_group(rows: list[GroupFigures]) -> dict[tuple[tuple[str, str], ...], GroupFigures]:
    return {g.group: g for g in rows}


def test_who_counts_what_by_the_agreements() -> None:
    owners = set(OUTCOMES) | {"SYSTEM"}
    assert countable_owners("RSO", owners, AGREEMENTS) == ({"MYS", "SYSTEM"}, {"IDN"})
    assert countable_owners("THA", owners, AGREEMENTS) == ({"THA", "SYSTEM"}, set())
    both = (*AGREEMENTS, Agreement("IDN", "outcome", "*", "full"))
    assert countable_owners("RSO", owners, both) == ({"IDN", "MYS", "SYSTEM"}, set())  # full wins
    assert len(groupings()) == 15


def test_the_rso_sees_shared_rows_and_only_aggregates_of_the_rest(world: tuple[RunningStack, dict[str, str]]) -> None:
    stack, tokens = world
    with _as(stack, tokens["agg-rso"]) as rso:
        # before anything is published: Malaysia's figures only, and a note that Indonesia's are to come
        assert set(_by_group(practices(rso, ["state"]))) == {(("state", "MYS"),)}
        assert "IDN share their outcomes with you as aggregates only" in (practices_note(rso, ["state"]) or "")
        # the rows themselves: Malaysia's, never Indonesia's or Thailand's
        owners = {r[0] for r in rso.execute("SELECT owner FROM disembarkation_outcome").fetchall()}
        assert owners == {"MYS"}
        # the RSO cannot publish figures for itself
        with pytest.raises(PermissionError):
            publish_practices(rso)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            rso.execute(
                "INSERT INTO shared_practice_figures (recipient, grouping, figures, owners, aggregate_of, acted_by)"
                " VALUES ('RSO', 'state', '[]', '{}', '{}', 'x')"
            )
    with _as(stack, tokens["agg-service"]) as service:
        written = publish_practices(service)
    assert written == {"RSO": 15}  # nobody else receives aggregates
    with _as(stack, tokens["agg-rso"]) as rso:
        by_state = _by_group(practices(rso, ["state"]))
        assert set(by_state) == {(("state", "IDN"),), (("state", "MYS"),)}  # Thailand shares nothing
        assert (by_state[(("state", "IDN"),)].cases, by_state[(("state", "MYS"),)].cases) == (6, 6)
        # Indonesia by port: IDSBG's single case is suppressed, and IDLHK with it (IDN 6 - IDLHK 5 = 1)
        by_port = _by_group(practices(rso, ["state", "port"]))
        assert by_port[(("state", "IDN"), ("port", "IDSBG"))].cases is None
        assert by_port[(("state", "IDN"), ("port", "IDLHK"))].cases is None
        # the grouping order asked for does not matter
        assert set(_by_group(practices(rso, ["port", "state"]))) == {
            (("port", "IDLHK"), ("state", "IDN")),
            (("port", "IDSBG"), ("state", "IDN")),
            (("port", "MYPEN"), ("state", "MYS")),
        }
        assert "published" in (practices_note(rso, ["state"]) or "") and "IDN" in (practices_note(rso, ["state"]) or "")
        # still no Indonesian row
        assert rso.execute("SELECT count(*) FROM disembarkation_outcome WHERE owner = 'IDN'").fetchone() == (0,)
    # another recipient reads none of the RSO's figures, and keeps computing its own
    with _as(stack, tokens["agg-tha"]) as tha:
        assert tha.execute("SELECT count(*) FROM shared_practice_figures").fetchone() == (0,)
        assert set(_by_group(practices(tha, ["state"]))) == {(("state", "THA"),)}
        assert practices_note(tha, ["state"]) is None


def test_the_cli_report_for_the_rso_after_publishing(world: tuple[RunningStack, dict[str, str]]) -> None:
    stack, tokens = world
    published = run_cli("report", "publish", env={**stack.env(), "SEASIGHT_ACCOUNT_TOKEN": tokens["agg-service"]})
    assert published.returncode == 0, published.stderr.decode()
    assert b"RSO (15 groupings)" in published.stdout
    refused = run_cli("report", "publish", env={**stack.env(), "SEASIGHT_ACCOUNT_TOKEN": tokens["agg-rso"]})
    assert refused.returncode == 1 and b"service account" in refused.stderr
    report = run_cli(
        "report", "practices", "--format", "json", env={**stack.env(), "SEASIGHT_ACCOUNT_TOKEN": tokens["agg-rso"]}
    )
    assert report.returncode == 0, report.stderr.decode()
    rows = json.loads(report.stdout)["rows"]
    assert sorted((r["state"], r["cases"]) for r in rows) == [("IDN", 6), ("MYS", 6)]
