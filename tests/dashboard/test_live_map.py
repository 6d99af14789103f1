"""Streamlit AppTest of the live map page on a seeded database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import SESSION_KEY, SignedIn
from dashboard.ui import md
from seasight.accounts import Role
from seasight.schemas import PositionReport
from tests.conftest import REPO_ROOT, RunningStack, account_token
from tests.dashboard.conftest import SeededWorld

pytestmark = pytest.mark.integration

PAGE = str(REPO_ROOT / "dashboard" / "views" / "live_map.py")


@pytest.fixture()
def live_map(dashboard_stack: RunningStack) -> AppTest:
    """The live map page, signed in as a Thai operations-centre operator (a real test account)."""
    app = AppTest.from_file(PAGE, default_timeout=60)
    token = account_token(dashboard_stack, "tha-moc-map", "THA", "moc_operator")
    app.session_state[SESSION_KEY] = SignedIn("tha-moc-map", "THA", Role.MOC_OPERATOR, token)
    return app


def test_live_map_renders_the_picture(
    seeded_picture: list[PositionReport], seeded_world: SeededWorld, dashboard_env: None, live_map: AppTest
) -> None:
    """The picture, and no error but the distress banner: the seeded world has an open distress flag (an
    overcrowded contact), which the page names in an error banner. The test asks for that world itself, so
    its result no longer depends on whether a test that seeds it (test_login's) ran before."""
    app = live_map.run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Live map"
    metrics = {m.label: m.value for m in app.metric}
    assert int(metrics["Vessels on the picture"]) >= len(seeded_picture)
    assert int(metrics["Reported in the last hour"]) >= len(seeded_picture)
    errors = [str(e.value) for e in app.error]
    assert len(errors) == 1 and errors[0].startswith("DISTRESS: "), errors  # nothing failed to read
    assert "In view (filtered)" in metrics and int(metrics["In view (filtered)"]) >= len(seeded_picture)
    assert {"Vessel type", "Flag state (from MMSI)", "Area"} <= {m.label for m in app.multiselect} | {
        s.label for s in app.selectbox
    }
    assert not any("<img" in m.value for m in app.markdown if "Risk colour" not in m.value)


def test_live_map_filters_and_layers(seeded_world: SeededWorld, dashboard_env: None, live_map: AppTest) -> None:
    app = live_map.run()
    assert not app.exception, app.exception
    app.selectbox(key="map_risk").set_value("distress").run()
    assert not app.exception, app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert int(metrics["In view (filtered)"]) == 0  # the hostile vessel is "high", not "distress"
    assert any("No vessel matches" in i.value for i in app.info)
    app.selectbox(key="map_risk").set_value("high").run()
    assert int({m.label: m.value for m in app.metric}["In view (filtered)"]) >= 1
    app.selectbox(key="map_area").set_value("Java and Timor Seas").run()
    assert not app.exception, app.exception
    assert int({m.label: m.value for m in app.metric}["In view (filtered)"]) == 0


def test_live_map_wide_view_draws_density(
    seeded_world: SeededWorld, dashboard_env: None, monkeypatch: pytest.MonkeyPatch, live_map: AppTest
) -> None:
    """Above MAX_INDIVIDUAL vessels in view, flagged vessels are drawn one by one and the rest as counts."""
    import dashboard.maps

    monkeypatch.setattr(dashboard.maps, "MAX_INDIVIDUAL", 1)
    app = live_map.run()
    assert not app.exception, app.exception
    assert any("drawn one by one" in c.value for c in app.caption), [c.value for c in app.caption]


def test_a_new_distress_flag_redraws_the_page_and_is_named_at_once(
    seeded_picture: list[PositionReport], dashboard_stack: RunningStack, dashboard_env: None, live_map: AppTest
) -> None:
    """The distress check (every ``dashboard_distress_check_s``) sees a flag opened after the page was drawn,
    draws the page again and names it in a banner; an exercise distress is marked as such."""
    import psycopg

    app = live_map.run()
    assert not app.exception, app.exception

    def open_distress(app: AppTest) -> int:
        banners = [e.value for e in app.error if e.value.startswith("DISTRESS:")]
        return int(banners[0].split()[1]) if banners else 0

    before = open_distress(app)
    vessel = seeded_picture[0]
    with psycopg.connect(dashboard_stack.database_url) as conn:
        ids = [
            conn.execute(
                """INSERT INTO flag (rule_id, rule_version, subject_kind, mmsi, severity, score, window_start,
                                     window_end, summary, is_exercise)
                   VALUES ('distress', 1, 'vessel', %s, 'distress', 1.0, %s, %s, %s, %s) RETURNING id""",
                (vessel.mmsi, vessel.observed_at - lag, vessel.observed_at, summary, exercise),
            ).fetchone()[0]  # type: ignore[index]
            for summary, exercise, lag in (
                ("AIS-SART active (test)", False, timedelta(minutes=1)),
                ("EPIRB exercise (test)", True, timedelta(minutes=2)),
            )
        ]
        conn.commit()
    try:
        app.run()
        assert not app.exception, app.exception
        assert open_distress(app) == before + 1
        assert any(md("AIS-SART active (test)") in e.value for e in app.error)  # the newest real one is named
        assert any("EXERCISE distress" in w.value for w in app.warning)
    finally:
        with psycopg.connect(dashboard_stack.database_url) as conn:
            conn.execute("DELETE FROM flag WHERE id = ANY(%s)", (ids,))
            conn.commit()
