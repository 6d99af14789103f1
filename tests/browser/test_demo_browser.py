"""Issue 18, "Done means": on the demo's database, each of the three users signs in through the form in
headless Chromium and opens their main page — the operations centre's live map, the SAR coordinator's
exercise case (its case thread), the RSO analyst's Practices. Each page shows that user's own work (no
empty-state message), marks the simulation plainly (EXERCISE or SIMULATED in its text), makes no request
that leaves the machine, and is saved as a full-page screenshot in test-artifacts/demo/<account>.png.

One demo database (the session's ``demo`` fixture, shared with tests/dashboard/test_demo_pages.py) and one
dashboard process for the module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coordination.cases import case_reference
from tests.browser.conftest import dashboard_process, outside_requests, sign_in
from tests.browser.test_live_map_browser import map_frame, vessel_points
from tests.demo_database import DEMO_ACCOUNTS, DemoDatabase

pytestmark = [pytest.mark.integration, pytest.mark.browser]

EMPTY_STATES = ("No ", "Nothing to")  # how the pages say they have nothing to show
SIMULATION_MARKS = ("EXERCISE", "SIMULATED")

OPERATOR = "demo-tha-operator"
COORDINATOR = "demo-tha-coordinator"
ANALYST = "demo-rso-analyst"


@pytest.fixture(scope="module")
def demo_url(demo: DemoDatabase) -> Iterator[str]:
    """One dashboard server on the demo's database for the module."""
    with dashboard_process(demo.stack, "demo-dashboard-server.log") as url:
        yield url


@pytest.fixture(scope="module")
def demo_artifacts(artifacts: Path) -> Path:
    folder = artifacts / "demo"
    folder.mkdir(exist_ok=True)
    return folder


def _settled(page: Any) -> None:
    """Wait until the script has finished: no spinner, no "running" status widget."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stSpinner\"]')"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=90_000,
    )
    page.wait_for_timeout(1000)


def _go_to(page: Any, title: str) -> None:
    """Follow the app's own navigation (a reload would start a new, signed-out session)."""
    page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
    _settled(page)


def _check_and_save(page: Any, account: str, errors: list[str], outside: list[str], folder: Path) -> str:
    """What every user's main page must show; returns the page's text."""
    assert page.locator("[data-testid='stException']").count() == 0, page.locator(
        "[data-testid='stException']"
    ).first.inner_text()
    alerts = [a.inner_text().strip() for a in page.locator("[data-testid='stAlert']").all()]
    empty = [a for a in alerts if a.startswith(EMPTY_STATES)]
    assert not empty, (account, empty)
    text = page.locator("[data-testid='stMain']").inner_text()
    assert any(mark in text for mark in SIMULATION_MARKS), (account, "the simulation is not marked", text[:2000])
    page.screenshot(path=str(folder / f"{account}.png"), full_page=True)
    assert not errors, errors
    assert outside == [], outside  # zero requests to non-local hosts
    return str(text)


def _new_page(browser: Any, height: int = 1100) -> tuple[Any, list[str], list[str]]:
    """A page tall enough for the whole main page: Streamlit scrolls inside its main block, so a full-page
    screenshot shows the viewport's height."""
    page = browser.new_page(viewport={"width": 1400, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, errors, outside_requests(page)


def test_operations_centre_sees_the_simulated_regional_picture(
    demo: DemoDatabase, demo_url: str, browser: Any, demo_artifacts: Path
) -> None:
    assert DEMO_ACCOUNTS[OPERATOR][1] == "moc_operator"
    page, errors, outside = _new_page(browser)
    try:
        sign_in(page, demo_url, OPERATOR, demo.passwords[OPERATOR])  # the live map is the first page
        page.get_by_role("heading", name="Live map").first.wait_for(timeout=60_000)
        frame = map_frame(page)
        points = vessel_points(frame, minimum=len(demo.fleet_mmsis) // 2)
        assert len(points) >= len(demo.fleet_mmsis) // 2, len(points)  # the demo's fleet on the map
        page.get_by_text("Open flags (EXERCISE)").first.wait_for(timeout=30_000)
        page.get_by_text("SIMULATED DEMO FEED").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)  # the map's tiles and markers draw
        _check_and_save(page, OPERATOR, errors, outside, demo_artifacts)
    finally:
        page.close()


def test_sar_coordinator_sees_the_exercise_case_thread(
    demo: DemoDatabase, demo_url: str, browser: Any, demo_artifacts: Path
) -> None:
    assert DEMO_ACCOUNTS[COORDINATOR][1] == "sar_coordinator"
    reference = case_reference(int(str(demo.story["case"])))
    page, errors, outside = _new_page(browser, height=2400)
    try:
        sign_in(page, demo_url, COORDINATOR, demo.passwords[COORDINATOR])
        _go_to(page, "Case thread")
        page.locator("[data-testid='stSelectbox']").filter(has_text="Case").first.click()
        page.keyboard.type(reference)
        page.keyboard.press("Enter")
        page.get_by_role("heading", name=f"{reference} —").wait_for(timeout=60_000)
        _settled(page)
        page.get_by_text("EXERCISE EXERCISE EXERCISE").first.wait_for(timeout=30_000)
        assert page.locator("[data-testid='stDataFrame']").count() >= 1  # the thread's entries
        frame = map_frame(page)  # where the case is: its last known position
        assert frame.locator(".leaflet-container").count() == 1
        page.wait_for_timeout(1500)
        text = _check_and_save(page, COORDINATOR, errors, outside, demo_artifacts)
        assert f"{reference} — DISTRESS, closed (rescued)" in text, text[:2000]
        # the thread's last entry is the outcome: disembarked at the story's place of safety (the table is a
        # canvas; its cells are also in the grid's accessible table)
        outcome = f"outcome v1: disembarked — {demo.story['place_of_safety']}"
        assert page.locator("[data-testid='stDataFrame'] td").filter(has_text=outcome).count() == 1, outcome
    finally:
        page.close()


def test_rso_analyst_sees_practices_of_simulated_outcomes(
    demo: DemoDatabase, demo_url: str, browser: Any, demo_artifacts: Path
) -> None:
    assert DEMO_ACCOUNTS[ANALYST][1] == "rso_analyst"
    page, errors, outside = _new_page(browser, height=1400)
    try:
        sign_in(page, demo_url, ANALYST, demo.passwords[ANALYST])
        _go_to(page, "Practices (RSO)")
        assert page.get_by_role("radio", name="EXERCISE cases — simulated", exact=False).is_checked()
        page.get_by_text("EXERCISE —").first.wait_for(timeout=30_000)
        assert page.locator("[data-testid='stDataFrame']").count() >= 1  # the figures by state
        _check_and_save(page, ANALYST, errors, outside, demo_artifacts)
    finally:
        page.close()
