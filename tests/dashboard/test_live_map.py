"""Streamlit AppTest of the live map page on a seeded database."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import SESSION_KEY, SignedIn
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
    seeded_picture: list[PositionReport], dashboard_env: None, live_map: AppTest
) -> None:
    app = live_map.run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Live map"
    metrics = {m.label: m.value for m in app.metric}
    assert int(metrics["Vessels on the picture"]) >= len(seeded_picture)
    assert int(metrics["Reported in the last hour"]) >= len(seeded_picture)
    assert not app.error
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
