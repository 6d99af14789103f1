"""A real dashboard process and a headless Chromium (Debian's package; no browser downloads)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from seasight.stack import free_port
from tests.conftest import ARTIFACTS, REPO_ROOT, RunningStack
from tests.dashboard.conftest import (  # noqa: F401 - the dashboard's seeded database
    dashboard_stack,
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


@pytest.fixture(scope="session")
def dashboard_url(dashboard_stack: RunningStack) -> Iterator[str]:  # noqa: F811 - the imported fixture
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = (ARTIFACTS / "dashboard-server.log").open("wb")  # the server's own output, for a failed run
    proc = subprocess.Popen(
        [sys.executable, "-m", "seasight.cli", "dashboard", "--port", str(port), "--address", "127.0.0.1"],
        env={**dashboard_stack.env(), "SEASIGHT_DASHBOARD_REFRESH_S": str(REFRESH_S)},
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
def browser() -> Iterator[object]:
    if not shutil.which("chromium") and not shutil.which("/usr/bin/chromium"):
        pytest.fail("Debian's chromium is not installed (./dev test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
