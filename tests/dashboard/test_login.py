"""Dashboard sign-in (AppTest): nobody gets past the sign-in page without an account; navigation lists
only the role's pages; a page opened directly refuses a role that may not use it; a Thai coordinator does
not see Indonesia's unshared outcome on any page."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import PAGE_ROLES, SESSION_KEY, SignedIn, may_open
from seasight.accounts import Role, add_account
from tests.conftest import REPO_ROOT, RunningStack, account_token
from tests.dashboard.conftest import SeededOutcomes

pytestmark = pytest.mark.integration

APP = str(REPO_ROOT / "dashboard" / "app.py")
PAGES = REPO_ROOT / "dashboard" / "views"
PASSWORD = "dashboard test password"


@pytest.fixture(scope="module")
def accounts_with_passwords(dashboard_stack: RunningStack) -> None:
    with psycopg.connect(dashboard_stack.owner_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO participant (code, name, kind, acted_by) VALUES ('THA', 'Thailand', 'state', 'test-fixture')"
            " ON CONFLICT (code) DO NOTHING"
        )
        for name, participant, role in (
            ("dash-rso", "RSO", Role.RSO_ANALYST),
            ("dash-tha", "THA", Role.SAR_COORDINATOR),
        ):
            if conn.execute("SELECT 1 FROM account WHERE name = %s", (name,)).fetchone() is None:
                add_account(conn, name, participant, role, PASSWORD)


def _sign_in(app: AppTest, name: str, password: str) -> AppTest:
    app.text_input(key="sign_in_name").input(name)
    app.text_input(key="sign_in_password").input(password)
    return app.button[0].click().run()


def test_sign_in_is_required_and_wrong_passwords_refused(dashboard_env: None, accounts_with_passwords: None) -> None:
    app = AppTest.from_file(APP, default_timeout=90).run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Seasight — sign in"
    _sign_in(app, "dash-rso", "not the password")
    assert any("Sign-in refused" in e.value for e in app.error)
    assert SESSION_KEY not in app.session_state
    _sign_in(app, "dash-rso", PASSWORD)
    assert not app.exception, app.exception
    account = app.session_state[SESSION_KEY]
    assert (account.name, account.participant, account.role) == ("dash-rso", "RSO", Role.RSO_ANALYST)
    # the RSO analyst lands on the first page its role may use: the practice figures
    assert app.title[0].value == "Practices (RSO)"
    assert any("Signed in: dash-rso" in c.value for c in app.sidebar.caption)


def test_navigation_by_role() -> None:
    def pages_of(role: Role) -> set[str]:
        return {p for p in PAGE_ROLES if may_open(p, SignedIn("x", "THA", role, "t"))}

    assert pages_of(Role.RSO_ANALYST) == {"practices", "reference"}
    assert pages_of(Role.MOC_OPERATOR) == {"live_map", "concerns", "sightings", "reference"}
    assert pages_of(Role.SAR_COORDINATOR) == set(PAGE_ROLES) - set()
    assert pages_of(Role.ADMINISTRATOR) == {"reference"}
    assert pages_of(Role.SERVICE) == set()
    assert not may_open("live_map", None)


@pytest.mark.parametrize("slug", ["sar_cases", "case_thread", "disembarkation", "live_map", "concerns", "sightings"])
def test_a_page_opened_directly_refuses_a_role_that_may_not_use_it(
    slug: str, dashboard_env: None, dashboard_stack: RunningStack
) -> None:
    nobody = AppTest.from_file(str(PAGES / f"{slug}.py"), default_timeout=60).run()
    assert any("Sign in first" in e.value for e in nobody.error) and not nobody.title
    rso = AppTest.from_file(str(PAGES / f"{slug}.py"), default_timeout=60)
    token = account_token(dashboard_stack, "dash-rso-direct", "RSO", "rso_analyst")
    rso.session_state[SESSION_KEY] = SignedIn("dash-rso-direct", "RSO", Role.RSO_ANALYST, token)
    rso.run()
    assert any("not available to a RSO analyst" in e.value for e in rso.error)
    assert not rso.title and not rso.dataframe


def test_thai_coordinator_never_sees_indonesias_unshared_outcome(
    dashboard_env: None, dashboard_stack: RunningStack, seeded_outcomes: SeededOutcomes
) -> None:
    from coordination import cases
    from coordination.disembarkation.outcomes import Outcome, OutcomeKind
    from coordination.disembarkation.store import record_outcome

    with psycopg.connect(dashboard_stack.database_url) as conn:  # the service: Indonesia's own records
        case = cases.open_case(
            conn,
            cases.OpenCaseRequest(lat=-8.5, lon=115.0, persons=77, reason="test: Indonesian case"),
            "idn-test",
            "IDN",
            datetime(2026, 3, 1, tzinfo=UTC),
        )
        record_outcome(
            conn,
            Outcome(case_id=case.id, outcome=OutcomeKind.PUSHED_BACK, state="IDN", persons_aboard=77, source="t"),
            "first report",
            "idn-test",
            "IDN",
        )
        conn.commit()
    app = AppTest.from_file(str(PAGES / "disembarkation.py"), default_timeout=120)
    token = account_token(dashboard_stack, "dash-tha-coord", "THA", "sar_coordinator")
    app.session_state[SESSION_KEY] = SignedIn("dash-tha-coord", "THA", Role.SAR_COORDINATOR, token)
    app.run()
    assert not app.exception, app.exception
    shown = " ".join([str(o) for s in app.selectbox for o in s.options] + [d.value.to_csv() for d in app.dataframe])
    assert not re.search(rf"SEASIGHT-{case.id}\b", shown)  # neither in a case list nor in a table
    assert all(re.search(rf"SEASIGHT-{i}\b", shown) for i in seeded_outcomes.case_ids)  # Thailand's own are
    with psycopg.connect(dashboard_stack.database_url) as conn:  # and the database says why
        from seasight.accounts import sign_in

        sign_in(conn, token)
        assert conn.execute(
            "SELECT count(*) FROM disembarkation_outcome WHERE case_id = %s", (case.id,)
        ).fetchone() == (0,)
