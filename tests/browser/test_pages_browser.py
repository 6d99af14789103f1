"""Every dashboard page in headless Chromium: it renders without a Streamlit exception, outside text
injects no HTML (no <img src=x>, no alert dialog), and a screenshot of each goes to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import outside_requests, sign_in
from tests.dashboard.conftest import HOSTILE_NAME, SeededOutcomes, SeededWorld

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PAGES = {
    "concerns": "Concerns",
    "sightings": "Sightings",
    "sar_cases": "SAR cases",
    "reference": "Feeds and reference data",
    "disembarkation": "Disembarkation",
    "practices": "Practices (RSO)",
}

# Tabs worth a screenshot of their own (maps and charts).
TABS = {
    "practices": ("Map", "Charts by year and route"),
    "sar_cases": ("Drift and search area",),
    "reference": ("Watch zones",),
}


def _open(browser: Any, url: str, title: str) -> tuple[Any, list[str], list[str], list[str]]:
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    outside = outside_requests(page)

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    # sign in, then follow the app's own navigation (a reload would start a new, signed-out session)
    base, _, _slug = url.rpartition("/")
    sign_in(page, base)
    page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    # Wait until the script has finished: no spinner, no "running" status widget.
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stSpinner\"]')"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=90_000,
    )
    page.wait_for_timeout(1000)
    # The app's own navigation (st.navigation sections), not Streamlit's file-name list of pages/.
    page.locator("[data-testid='stSidebarNav']").get_by_text("Search and rescue").wait_for(timeout=30_000)
    return page, errors, dialogs, outside


@pytest.mark.parametrize("slug", list(PAGES))
def test_page_renders_safely(
    slug: str,
    dashboard_url: str,
    browser: Any,
    seeded_world: SeededWorld,
    seeded_outcomes: SeededOutcomes,
    artifacts: Path,
    dashboard_accounts: dict[str, tuple[str, str]],
) -> None:
    page, errors, dialogs, outside = _open(browser, f"{dashboard_url}/{slug}", PAGES[slug])
    try:
        assert page.locator("[data-testid='stException']").count() == 0, page.locator(
            "[data-testid='stException']"
        ).first.inner_text()
        assert page.locator("img[src='x']").count() == 0
        if slug == "concerns":
            # Open the hostile vessel's flag: its detail names the vessel, as text.
            page.locator("[data-testid='stSelectbox']").filter(has_text="Look at a flag").click()
            page.keyboard.type(f"#{seeded_world.vessel_flag_id} high")
            page.keyboard.press("Enter")
            detail = page.locator("[data-testid='stMarkdownContainer']").filter(has_text=f"Subject: {HOSTILE_NAME}")
            detail.first.wait_for(timeout=30_000)
            assert page.locator("img[src='x']").count() == 0
        page.screenshot(path=str(artifacts / f"{slug}.png"), full_page=True)
        for tab in TABS.get(slug, ()):
            page.get_by_role("tab", name=tab).click()
            page.wait_for_timeout(2500)  # maps and charts draw inside the tab
            assert page.locator("[data-testid='stException']").count() == 0
            name = tab.lower().split()[0]
            page.screenshot(path=str(artifacts / f"{slug}_{name}.png"), full_page=True)
        assert not dialogs, dialogs
        assert not errors, errors
        assert outside == [], outside  # zero requests to non-local hosts
    finally:
        page.close()


def test_sign_in_navigation_by_role_and_direct_urls_refused(
    dashboard_url: str, browser: Any, seeded_world: SeededWorld, dashboard_accounts: dict[str, tuple[str, str]]
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    outside = outside_requests(page)
    try:
        # not signed in: any page's URL shows the sign-in page only
        page.goto(f"{dashboard_url}/sar_cases")
        page.get_by_role("heading", name="Seasight — sign in").wait_for(timeout=60_000)
        assert page.get_by_role("heading", name="SAR cases").count() == 0
        # a wrong password is refused
        page.goto(dashboard_url)  # (Streamlit also says "page not found" for the URL above)
        page.get_by_role("heading", name="Seasight — sign in").wait_for(timeout=60_000)
        page.get_by_role("textbox", name="Account").fill("browser-rso")
        page.get_by_role("textbox", name="Password").fill("not the password")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("Sign-in refused").wait_for(timeout=30_000)
        # the RSO analyst's navigation has the practices and reference pages, not operations or SAR
        sign_in(page, dashboard_url, "browser-rso")
        nav = page.locator("[data-testid='stSidebarNav']")
        nav.get_by_text("Practices (RSO)", exact=True).wait_for(timeout=30_000)
        assert nav.get_by_text("SAR cases", exact=True).count() == 0
        assert nav.get_by_text("Live map", exact=True).count() == 0
        assert page.get_by_text("Signed in: browser-rso").count() == 1
        assert outside == [], outside  # the sign-in page and the page icon are served locally too
    finally:
        page.close()
