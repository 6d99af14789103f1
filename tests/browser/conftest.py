"""A real dashboard process and a headless Chromium (Debian's package; no browser downloads)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

import pytest

from seasight.stack import free_port
from tests.conftest import ARTIFACTS, REPO_ROOT, RunningStack
from tests.dashboard.conftest import (  # noqa: F401 - the dashboard's seeded database, the demo's database
    dashboard_stack,
    demo,
    seeded_outcomes,
    seeded_picture,
    seeded_world,
)

REFRESH_S = 2.0  # the live map's refresh period in these tests (default 5 s)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
    "--no-first-run",
]


@contextmanager
def dashboard_process(stack: RunningStack, log_name: str = "dashboard-server.log") -> Iterator[str]:
    """A real dashboard server (``seasight dashboard``) on ``stack``'s database, as a new user starts it;
    yields its URL once it answers, and stops it at the end. Its own output goes to test-artifacts/."""
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = (ARTIFACTS / log_name).open("wb")  # the server's own output, for a failed run
    proc = subprocess.Popen(
        [sys.executable, "-m", "seasight.app.cli", "dashboard", "--port", str(port), "--address", "127.0.0.1"],
        env={**stack.env(), "SEASIGHT_DASHBOARD_REFRESH_S": str(REFRESH_S)},
        cwd=REPO_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the dashboard did not start")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def dashboard_url(dashboard_stack: RunningStack) -> Iterator[str]:  # noqa: F811 - the imported fixture
    with dashboard_process(dashboard_stack) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which("chromium") and not shutil.which("/usr/bin/chromium"):
        pytest.fail("Debian's chromium is not installed (./dev test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


PASSWORD = "browser test password 1"
BROWSER_ACCOUNTS = {
    "browser-tha": ("THA", "sar_coordinator"),
    "browser-rso": ("RSO", "rso_analyst"),
}


@pytest.fixture(scope="session")
def dashboard_accounts(dashboard_stack: RunningStack) -> dict[str, tuple[str, str]]:  # noqa: F811
    """Password accounts to sign in with: a Thai SAR coordinator and an RSO analyst."""
    import psycopg

    from seasight.accounts import Role, add_account

    with psycopg.connect(dashboard_stack.owner_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO participant (code, name, kind, acted_by) VALUES ('THA', 'Thailand', 'state', 'test-fixture')"
            " ON CONFLICT (code) DO NOTHING"
        )
        for name, (participant, role) in BROWSER_ACCOUNTS.items():
            if conn.execute("SELECT 1 FROM account WHERE name = %s", (name,)).fetchone() is None:
                add_account(conn, name, participant, Role(role), PASSWORD)
    return BROWSER_ACCOUNTS


def sign_in(page: object, url: str, name: str = "browser-tha", password: str = PASSWORD) -> None:
    """Open the dashboard and sign in through its form, as a person would."""
    page.goto(url)  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Seasight — sign in").wait_for(timeout=60_000)  # type: ignore[attr-defined]
    page.get_by_role("textbox", name="Account").fill(name)  # type: ignore[attr-defined]
    page.get_by_role("textbox", name="Password").fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    page.locator("[data-testid='stSidebarNav']").wait_for(timeout=60_000)  # type: ignore[attr-defined]


LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def outside_requests(page: Any) -> list[str]:
    """Record every request of ``page`` that would leave the machine (issue 18: fully offline — icons,
    fonts, map libraries are served by the dashboard itself); the list fills as the page loads."""
    outside: list[str] = []

    def on_request(request: Any) -> None:
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOCAL_HOSTS:
            outside.append(request.url)

    page.on("request", on_request)
    return outside
