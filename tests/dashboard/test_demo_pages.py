"""The demo database (issue 18): simulation is marked in the data, each user's pages show their own work.

* counts: no real flag, no real case, no real outcome — every flag on a simulated vessel, every case and
  every outcome the demo made is an exercise one; the IOM incidents (real history) and places of safety
  are there;
* the SAR story went from sighting to place of safety through the real functions;
* AppTest: every page each demo account may open renders without an exception and without an empty-state
  message ("No …", "Nothing to …").
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import PAGE_ROLES, SESSION_KEY, SignedIn
from seasight.accounts import Role
from seasight.app.demo_stories import SIMULATED_OUTCOMES
from tests.conftest import REPO_ROOT, account_token
from tests.dashboard.conftest import forget_dashboard_settings
from tests.demo_database import DEMO_ACCOUNTS, DemoDatabase

pytestmark = pytest.mark.integration

PAGES = REPO_ROOT / "dashboard" / "views"
EMPTY_STATES = ("No ", "Nothing to")


@pytest.fixture()
def demo_env(demo: DemoDatabase, monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoDatabase]:
    for key, value in demo.stack.env().items():
        if key.startswith("SEASIGHT_"):
            monkeypatch.setenv(key, value)
    forget_dashboard_settings()
    yield demo
    forget_dashboard_settings()


def test_the_demo_holds_no_real_flag_case_or_outcome(demo: DemoDatabase) -> None:
    with psycopg.connect(demo.stack.database_url) as conn:
        flags = conn.execute(
            "SELECT count(*) FILTER (WHERE NOT is_exercise), count(*) FILTER (WHERE is_exercise) FROM flag"
        ).fetchone()
        unmarked = conn.execute(
            "SELECT count(*) FROM flag f WHERE NOT f.is_exercise AND f.mmsi IN (SELECT mmsi FROM simulated_vessel)"
        ).fetchone()
        cases = conn.execute(
            "SELECT count(*) FILTER (WHERE NOT is_exercise), count(*) FILTER (WHERE is_exercise) FROM sar_case"
        ).fetchone()
        events = conn.execute("SELECT count(*) FROM case_event WHERE NOT is_exercise").fetchone()
        outcomes = conn.execute(
            "SELECT count(*) FILTER (WHERE NOT is_exercise), count(*) FILTER (WHERE is_exercise) "
            "FROM disembarkation_outcome_current"
        ).fetchone()
        real_outcomes = conn.execute("SELECT count(*) FROM disembarkation_outcome_real").fetchone()
        real_cases = conn.execute("SELECT count(*) FROM sar_case_real").fetchone()
        sightings = conn.execute("SELECT count(*) FROM sighting WHERE NOT is_exercise").fetchone()
        registered = conn.execute("SELECT count(*) FROM simulated_vessel").fetchone()
        places = conn.execute("SELECT count(DISTINCT state) FROM place_of_safety WHERE usable").fetchone()
        iom = conn.execute("SELECT count(*) FROM iom_incident WHERE asia_pacific").fetchone()
        years_states = conn.execute(
            "SELECT count(DISTINCT extract(year FROM alert_at)), count(DISTINCT state) "
            "FROM disembarkation_outcome_current WHERE is_exercise"
        ).fetchone()
    assert flags is not None and flags[0] == 0 and flags[1] > 0, flags  # the demo's real-flag count is 0
    assert unmarked == (0,)
    assert cases is not None and cases[0] == 0 and cases[1] >= SIMULATED_OUTCOMES + 2, cases
    assert events == (0,) and real_cases == (0,) and real_outcomes == (0,) and sightings == (0,)
    assert outcomes is not None and outcomes[0] == 0 and outcomes[1] == SIMULATED_OUTCOMES + 2, outcomes
    assert registered is not None and registered[0] >= len(demo.fleet_mmsis)
    assert places is not None and places[0] >= 5, places  # candidate places of safety across the region
    assert iom is not None and iom[0] >= 300, iom  # the shipped IOM extract (331 rows, Asia-Pacific)
    assert years_states is not None and years_states[0] >= 5 and years_states[1] >= 5, years_states


def test_the_sar_story_goes_from_sighting_to_place_of_safety(demo: DemoDatabase) -> None:
    from coordination.cases import list_sitreps, load_case

    case_id = int(str(demo.story["case"]))
    with psycopg.connect(demo.stack.database_url) as conn:
        record = load_case(conn, case_id)
        kinds = [e.kind.value for e in record.events]
        sitreps = list_sitreps(conn, case_id)
        outcome = conn.execute(
            "SELECT outcome, locode, is_exercise FROM disembarkation_outcome_current WHERE case_id = %s", (case_id,)
        ).fetchone()
        open_case = load_case(conn, int(str(demo.story["open_case"])))
    assert record.exercise and record.sighting_id is not None and record.state.is_closed
    for kind in ("opened", "phase_changed", "assigned", "search_area", "assistance_requested", "closed"):
        assert kind in kinds, (kind, kinds)
    assert "handed_over" in kinds or "handover_accepted" in kinds, kinds
    assert len(sitreps) == 2 and all(s["exercise"] for s in sitreps)
    assert outcome is not None and outcome[0] == "disembarked" and outcome[1] and outcome[2] is True
    assert demo.story["place_of_safety"] == outcome[1]
    assert open_case.exercise and not open_case.state.is_closed and open_case.datum is not None


def _pages_of(role: Role) -> list[str]:
    return sorted(page for page, roles in PAGE_ROLES.items() if role in roles)


@pytest.mark.parametrize("account", sorted(DEMO_ACCOUNTS))
def test_every_page_of_every_demo_user_shows_content(account: str, demo_env: DemoDatabase) -> None:
    participant, role = DEMO_ACCOUNTS[account]
    token = account_token(demo_env.stack, account, participant, role)
    pages = _pages_of(Role(role))
    assert pages
    for name in pages:
        app = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=120)
        app.session_state[SESSION_KEY] = SignedIn(account, participant, Role(role), token)
        app.run(timeout=180)
        assert not app.exception, (account, name, app.exception)
        assert not app.error, (account, name, [e.value for e in app.error])
        empty = [i.value for i in app.info if str(i.value).startswith(EMPTY_STATES)]
        assert not empty, (account, name, empty)


def test_the_first_picture_is_calm_and_splits_real_from_exercise(demo_env: DemoDatabase) -> None:
    token = account_token(demo_env.stack, "demo-tha-operator", "THA", "moc_operator")
    app = AppTest.from_file(str(PAGES / "live_map.py"), default_timeout=120)
    app.session_state[SESSION_KEY] = SignedIn("demo-tha-operator", "THA", Role.MOC_OPERATOR, token)
    app.run(timeout=180)
    assert not app.exception, app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Open flags (real)"] == "0"
    # a handful of exercise flags that matter (the scripted vessels and contacts), not one per vessel
    attention = int(metrics["Open flags (EXERCISE)"])
    assert 1 <= attention <= 20, metrics
    assert attention < len(demo_env.fleet_mmsis) // 4
    assert any("SIMULATED" in str(w.value) for w in app.warning)


def test_state_points_are_places_of_the_state_not_the_sea(demo: DemoDatabase) -> None:
    from coordination.disembarkation.queries import practices_geojson
    from geodata.shore import distance_to_shore_nm, is_land

    with psycopg.connect(demo.stack.database_url) as conn:
        geo = practices_geojson(conn, ["state"], exercise=True)
        places = {
            (r[0], round(r[1], 6), round(r[2], 6))
            for r in conn.execute("SELECT state, ST_X(geom), ST_Y(geom) FROM place_of_safety").fetchall()
        }
    placed = [f for f in geo["features"] if f["geometry"] is not None]
    assert {f["properties"]["state"] for f in placed} >= {"BGD", "IDN", "MYS", "THA", "LKA"}
    for f in placed:
        lon, lat = f["geometry"]["coordinates"]
        assert (f["properties"]["state"], round(lon, 6), round(lat, 6)) in places  # one of the state's places
        assert is_land(lat, lon) or distance_to_shore_nm(lat, lon) < 5, f["properties"]["state"]
    assert geo["note"].startswith("EXERCISE") and all(f["properties"]["origin"] == "exercise" for f in placed)
