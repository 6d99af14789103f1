"""Headless Chromium against the running dashboard: the live map draws the coast-less offline map with
vessel markers, a vessel opens on click, and an outside name is shown as text, never as HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from seasight.schemas import PositionReport

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def _map_frame(page: Any) -> Any:
    page.wait_for_selector("iframe", timeout=60_000)
    for _ in range(120):
        for frame in page.frames:
            if frame is not page.main_frame and frame.locator(".leaflet-container").count():
                return frame
        page.wait_for_timeout(500)
    pytest.fail("no Leaflet map appeared (is Leaflet served locally?)")


def test_live_map_shows_vessels_and_opens_one(dashboard_url: str, browser: Any,
                                              seeded_picture: list[PositionReport], artifacts: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(dashboard_url)
        frame = _map_frame(page)
        markers = frame.locator("path.leaflet-interactive")
        markers.first.wait_for(timeout=30_000)
        assert markers.count() >= len(seeded_picture)

        # Open the vessel whose name is hostile HTML: it must read as text and inject nothing.
        hostile = seeded_picture[0].mmsi
        opened = frame.evaluate(
            """(mmsi) => {
                for (const key of Object.keys(window)) {
                    const obj = window[key];
                    if (obj && obj.eachLayer && key.startsWith('geo_json_')) {
                        let found = false;
                        obj.eachLayer(l => { if (l.feature && l.feature.properties.mmsi === mmsi) {
                            l.fire('click', {latlng: l.getLatLng()}, true); found = true; } });
                        if (found) return true;
                    }
                }
                return false;
            }""",
            str(hostile),
        )
        assert opened, "the seeded vessel is not on the map"
        popup = frame.locator(".leaflet-popup-content")
        popup.wait_for(timeout=10_000)
        text = popup.inner_text()
        assert str(hostile) in text
        assert "<img src=x onerror=alert(1)>" in text
        assert frame.locator(".leaflet-popup-content img").count() == 0
        page.screenshot(path=str(artifacts / "live_map.png"), full_page=True)

        # A real click on another marker opens its popup too.
        frame.locator(".leaflet-popup-close-button").click()
        markers.nth(markers.count() - 1).click(force=True)
        frame.locator(".leaflet-popup-content").wait_for(timeout=10_000)
        assert "MMSI" in frame.locator(".leaflet-popup-content").inner_text()
        assert not errors, errors
    finally:
        page.close()
