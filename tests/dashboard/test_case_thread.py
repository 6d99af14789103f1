"""AppTest of the case thread page on the seeded database: a vessel's case from its track and flag on, the
cases of a vessel (the live map's link), a reference as users write it, a bad one refused, links to the
SAR cases page both ways, and the exercise case marked."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import SESSION_KEY, SignedIn
from seasight.accounts import Role
from tests.conftest import REPO_ROOT, RunningStack, account_token
from tests.dashboard.conftest import SeededWorld

pytestmark = pytest.mark.integration

PAGES = REPO_ROOT / "dashboard" / "views"


def _page(stack: RunningStack, name: str = "case_thread", **params: str) -> AppTest:
    """The page signed in as a Thai SAR coordinator (the seeded world is Thailand's), with query params."""
    app = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=90)
    token = account_token(stack, "thread-officer", "THA", "sar_coordinator")
    app.session_state[SESSION_KEY] = SignedIn("thread-officer", "THA", Role.SAR_COORDINATOR, token)
    for key, value in params.items():
        app.query_params[key] = value
    return app.run()


def _markdown(app: AppTest) -> str:
    return "\n".join(str(m.value) for m in app.markdown)


def test_the_thread_of_a_vessels_case(
    seeded_world: SeededWorld, dashboard_env: None, dashboard_stack: RunningStack
) -> None:
    ref = f"SEASIGHT-{seeded_world.real_case_id}"
    app = _page(dashboard_stack, case=ref.lower())  # as a user may type it
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert app.title[0].value == "Case thread"
    assert app.subheader[0].value.startswith(ref)
    assert not any("EXERCISE" in w.value for w in app.warning)
    table = app.dataframe[0].value
    stages = list(table["Stage"])
    # oldest first: the vessel's track, then its flag, then the case log
    assert stages[:3] == ["Track", "Flag", "Case"], stages
    assert list(table["Time (UTC)"]) == sorted(table["Time (UTC)"])
    assert table["What"].iloc[0].startswith(f"AIS track of MMSI {seeded_world.hostile_mmsi}: ")
    assert any(f"flag {seeded_world.vessel_flag_id}: went_dark" in w for w in table["What"])
    assert table["What"].iloc[2].startswith("opened")
    # outside text (the hostile vessel name in the flag's summary) only in the table, never as Markdown
    for text in [*(m.value for m in app.markdown), *(c.value for c in app.caption), *(e.label for e in app.expander)]:
        assert "<img" not in str(text), text
    # links (plain Markdown links where the page runs on its own): back to the case, and the vessel's cases
    links = _markdown(app)
    assert f"(/sar_cases?case={ref})" in links
    assert f"(/case_thread?mmsi={seeded_world.hostile_mmsi})" in links


def test_the_cases_of_a_vessel_from_the_live_map(
    seeded_world: SeededWorld, dashboard_env: None, dashboard_stack: RunningStack
) -> None:
    app = _page(dashboard_stack, mmsi=str(seeded_world.hostile_mmsi))
    assert not app.exception, app.exception
    listed = app.dataframe[0].value
    assert f"SEASIGHT-{seeded_world.real_case_id}" in set(listed["Case"])
    assert f"SEASIGHT-{seeded_world.exercise_case_id}" not in set(listed["Case"])  # not that vessel's
    assert set(listed["Outcome"]) == {"not recorded"}
    assert app.subheader[0].value == f"Cases of MMSI {seeded_world.hostile_mmsi}"
    nobody = _page(dashboard_stack, mmsi="999999998")
    assert any("has no SAR case" in i.value for i in nobody.info)


def test_exercise_case_marked_and_a_bad_reference_refused(
    seeded_world: SeededWorld, dashboard_env: None, dashboard_stack: RunningStack
) -> None:
    app = _page(dashboard_stack, case=str(seeded_world.exercise_case_id))
    assert not app.exception, app.exception
    assert any("EXERCISE EXERCISE EXERCISE" in w.value for w in app.warning)
    assert app.subheader[0].value.startswith(f"SEASIGHT-{seeded_world.exercise_case_id}")
    assert any("not opened from a vessel" in c.value for c in app.caption)
    bad = _page(dashboard_stack, case="SEA-12")
    assert not bad.exception, bad.exception
    assert any("is not a case reference" in e.value for e in bad.error)


def test_sar_cases_page_links_to_the_thread_and_takes_a_linked_case(
    seeded_world: SeededWorld, dashboard_env: None, dashboard_stack: RunningStack
) -> None:
    ref = f"SEASIGHT-{seeded_world.exercise_case_id}"
    app = _page(dashboard_stack, "sar_cases", case=ref)
    assert not app.exception, app.exception
    assert app.selectbox(key="case_pick").value == seeded_world.exercise_case_id
    assert f"(/case_thread?case={ref})" in _markdown(app)
    # the link is taken once: picking another case afterwards sticks
    app.selectbox(key="case_pick").set_value(seeded_world.real_case_id).run()
    assert app.selectbox(key="case_pick").value == seeded_world.real_case_id


def test_ranking_the_places_of_safety_adds_them_to_the_thread(
    seeded_world: SeededWorld, dashboard_env: None, dashboard_stack: RunningStack
) -> None:
    """Off by default (routing by sea takes seconds); ticked, the thread gains its ranked places of safety."""
    ref = f"SEASIGHT-{seeded_world.real_case_id}"
    app = _page(dashboard_stack, case=ref)
    assert not app.exception, app.exception
    assert app.checkbox(key="thread_options").value is False
    assert "Places of safety" not in list(app.dataframe[0].value["Stage"])
    app.checkbox(key="thread_options").check().run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    table = app.dataframe[0].value
    ranked = table[table["Stage"] == "Places of safety"]
    assert len(ranked) == 1, list(table["Stage"])
    assert ranked["What"].iloc[0].startswith("places of safety ranked: "), ranked["What"].iloc[0]
    detail = ranked["Detail"].iloc[0]
    lines = detail.splitlines()
    assert len(lines) >= 2 and lines[0].startswith("1. ") and lines[1].startswith("2. "), detail
    assert all(" nm by sea, ETA " in line and line.endswith("candidate — not verified") for line in lines), detail
