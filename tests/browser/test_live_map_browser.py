"""Headless Chromium against the running dashboard: the live map draws the offline map with vessel
markers (canvas), a vessel opens on a real click, and an outside name is shown as text, never as HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from seasight.schemas import PositionReport
from tests.browser.conftest import REFRESH_S, sign_in
from tests.conftest import TEST_NOW, RunningStack
from tests.dashboard.conftest import HOSTILE_NAME, SeededWorld
from tracking.store import write_positions

pytestmark = [pytest.mark.integration, pytest.mark.browser]

# Every vessel feature on the map (layers added by streamlit-folium live in window.map, not window).
_VESSEL_POINTS = """(mmsi) => {
    const out = [];
    window.map.eachLayer(l => {
        if (l.feature && l.feature.properties && l.feature.properties.mmsi && l.getLatLng
            && l.feature.properties.risk !== undefined) {
            if (mmsi === null || l.feature.properties.mmsi === mmsi) {
                const p = window.map.latLngToContainerPoint(l.getLatLng());
                out.push({mmsi: l.feature.properties.mmsi, x: p.x, y: p.y});
            }
        }
    });
    return out;
}"""


def map_frame(page: Any) -> Any:
    page.wait_for_selector("iframe", timeout=60_000)
    for _ in range(120):
        for frame in page.frames:
            if frame is not page.main_frame and frame.locator(".leaflet-container").count():
                return frame
        page.wait_for_timeout(500)
    pytest.fail("no Leaflet map appeared (is Leaflet served locally?)")


def vessel_points(frame: Any, mmsi: str | None = None, minimum: int = 1) -> list[dict[str, Any]]:
    for _ in range(60):
        points = frame.evaluate(f"() => window.map ? ({_VESSEL_POINTS})({'null' if mmsi is None else repr(mmsi)}) : []")
        if len(points) >= minimum:
            return list(points)
        frame.page.wait_for_timeout(500)
    return []


def test_live_map_shows_vessels_and_opens_one(
    dashboard_url: str,
    browser: Any,
    seeded_world: SeededWorld,
    seeded_picture: list[PositionReport],
    artifacts: Path,
    dashboard_accounts: dict[str, tuple[str, str]],
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        sign_in(page, dashboard_url)  # a Thai SAR coordinator: the live map is the first page
        frame = map_frame(page)
        points = vessel_points(frame, minimum=len(seeded_picture))
        assert len(points) >= len(seeded_picture), points
        assert frame.locator(".leaflet-container canvas").count() >= 1  # canvas renderer, not one SVG per ship

        # A real click on the vessel whose name is hostile HTML: the popup reads it as text.
        hostile = str(seeded_world.hostile_mmsi)
        frame.evaluate(
            f"() => {{ window.map.setView([{seeded_picture[0].lat}, {seeded_picture[0].lon}], 9); return true; }}"
        )
        page.wait_for_timeout(800)
        target = vessel_points(frame, hostile)[0]
        frame.locator(".leaflet-container").click(position={"x": target["x"], "y": target["y"]})
        popup = frame.locator(".leaflet-popup-content")
        popup.wait_for(timeout=10_000)
        text = popup.inner_text()
        assert hostile in text
        assert HOSTILE_NAME in text
        assert frame.locator(".leaflet-popup-content img").count() == 0
        assert page.locator("img[src='x']").count() == 0
        page.screenshot(path=str(artifacts / "live_map.png"), full_page=True)

        # The click also reaches the page: identity, flags with evidence, and a way to act.
        page.get_by_text(f"Selected: MMSI {hostile}").wait_for(timeout=30_000)
        page.get_by_text("went_dark").first.wait_for(timeout=10_000)
        page.screenshot(path=str(artifacts / "live_map_selected.png"), full_page=True)
        page.get_by_role("link", name="Open a SAR case for this vessel").click()
        page.get_by_role("heading", name="SAR cases").wait_for(timeout=30_000)
        mmsi_field = page.get_by_label("From a vessel (MMSI, 0 = none)")
        try:
            mmsi_field.wait_for(timeout=45_000)
        finally:
            page.screenshot(path=str(artifacts / "live_map_to_sar_case.png"), full_page=True)
        assert mmsi_field.input_value() == hostile
        assert not errors, errors
    finally:
        page.close()


def test_live_map_refreshes_in_place(
    dashboard_url: str,
    browser: Any,
    seeded_world: SeededWorld,
    dashboard_stack: RunningStack,
    dashboard_accounts: dict[str, tuple[str, str]],
) -> None:
    """A vessel that reports after the page opened appears without reloading the map: the map's frame,
    its view and a marker set on its window survive the refreshes (no full rerun, no flicker)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        sign_in(page, dashboard_url)
        frame = map_frame(page)
        assert vessel_points(frame, minimum=1)
        frame.evaluate("() => { window.__probe = 42; window.map.setView([6.6, 94.6], 8); return true; }")
        page.wait_for_timeout(int(3 * REFRESH_S * 1000))  # bounds reported, refreshed with them
        now = TEST_NOW
        newcomer = 563_900_777
        with psycopg.connect(dashboard_stack.database_url) as conn:
            write_positions(
                conn,
                [
                    PositionReport(
                        mmsi=newcomer,
                        observed_at=now,
                        lat=6.62,
                        lon=94.62,
                        sog_kn=5.0,
                        cog_deg=45.0,
                        heading_deg=None,
                        nav_status=0,
                        msg_type=1,
                        station="test-station",
                        received_at=now,
                    )
                ],
            )
            conn.commit()
        assert vessel_points(frame, str(newcomer)), "the new vessel did not appear by itself"
        assert frame.evaluate("() => window.__probe") == 42, "the map frame was reloaded"
        assert frame.evaluate("() => window.map.getZoom()") == 8, "the operator's view was reset"
    finally:
        page.close()
