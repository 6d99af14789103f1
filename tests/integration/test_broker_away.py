"""A running `seasight track` waits out a broker that is away, says so in `seasight status` and `health`,
and continues when it is back, losing nothing (issue 14).

Through the real CLI on a stack of its own: a tracker process stores a first feed; the broker is killed;
the tracker logs that the broker is away (no traceback), its heartbeat says "broker away since …", which
`seasight status` shows and `seasight health` fails on; `seasight up` starts the broker again (and sends
the ingest buffer's records again), a second feed is ingested, and the same tracker stores both feeds in
full (the stored-through marks then free the buffers).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from tests.conftest import REPO_ROOT, TEST_NOW, run_cli
from tests.integration.faults import record
from tests.integration.test_broker_restart import OwnStack
from tests.integration.test_no_silent_drops import tagged

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.reliability]


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnStack]:
    stack = OwnStack(tmp_path_factory.mktemp("broker-away"))
    try:
        yield stack
    finally:
        stack.local.destroy()


def _feed(path: Path, station: str, count: int, first_mmsi: int) -> Path:
    start = TEST_NOW - timedelta(hours=2)
    lines = [
        tagged(first_mmsi + i % 50, 12.0 + (i % 50) / 100, 88.0 + i / 10_000, station, start.timestamp() + i)
        for i in range(count)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def _member_state(url: str, pid: int) -> str | None:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT state FROM consumer_member WHERE consumer_group = 'seasight-tracker' AND pid = %s", (pid,)
        ).fetchone()
    return None if row is None else str(row[0])


def _until(predicate: object, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.5)
    return False


def test_a_tracker_waits_out_an_absent_broker_and_says_so(own_stack: OwnStack, tmp_path: Path, artifacts: Path) -> None:
    env = {**own_stack.env(), "SEASIGHT_TRACKER_HEARTBEAT_S": "1", "SEASIGHT_CONSUMER_STALE_AFTER_S": "20"}
    log_path = tmp_path / "tracker.log"
    with log_path.open("wb") as log_file:
        tracker = subprocess.Popen(  # noqa: S603 - the project's own CLI
            [sys.executable, "-m", "seasight.cli", "track", "--max-poll-interval-ms", "3000"],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )
    try:
        first = run_cli("ingest", "ais", str(_feed(tmp_path / "a.nmea", "away-a", 500, 477_400_000)), env=env)
        assert first.returncode == 0, first.stderr.decode()[-2000:]
        assert _until(lambda: own_stack.positions("away-a")[1] == 500, 90), own_stack.positions("away-a")
        assert _until(lambda: _member_state(own_stack.url, tracker.pid) == "consuming", 15)

        own_stack.kill_broker()
        away_at = time.monotonic()
        assert _until(lambda: _member_state(own_stack.url, tracker.pid) == "broker_away", 30)
        status = run_cli("status", env=env)
        said = status.stdout.decode()
        assert "broker away since" in said, said
        health = run_cli("health", env=env)
        checked = health.stdout.decode()
        assert health.returncode == 1
        assert "kafka: FAILED" in checked
        assert "consumers: FAILED" in checked and "broker away since" in checked, checked
        time.sleep(10)  # away for a while; the tracker keeps waiting
        assert tracker.poll() is None, log_path.read_text()[-3000:]

        up = run_cli("up", env=env, timeout=180)
        assert up.returncode == 0, up.stderr.decode()[-2000:]
        away_s = time.monotonic() - away_at
        second = run_cli("ingest", "ais", str(_feed(tmp_path / "b.nmea", "away-b", 500, 477_500_000)), env=env)
        assert second.returncode == 0, second.stderr.decode()[-2000:]

        def all_stored() -> bool:
            return own_stack.positions("away-a")[1] == 500 and own_stack.positions("away-b")[1] == 500

        assert _until(all_stored, 120), (own_stack.positions("away-a"), own_stack.positions("away-b"))
        assert tracker.poll() is None
        assert _until(lambda: _member_state(own_stack.url, tracker.pid) == "consuming", 30)
        healthy = run_cli("health", env=env)
        assert healthy.returncode == 0, healthy.stdout.decode()
        assert "consumers: ok" in healthy.stdout.decode()
    finally:
        tracker.send_signal(signal.SIGINT)
        try:
            tracker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.kill(tracker.pid, signal.SIGKILL)
            tracker.wait(timeout=10)
    logged = log_path.read_text()
    assert "Traceback" not in logged, logged[-3000:]
    assert "away (" in logged and "waiting and retrying with back-off" in logged
    assert "back after" in logged
    assert _member_state(own_stack.url, tracker.pid) == "stopped"
    rows_a, distinct_a = own_stack.positions("away-a")
    rows_b, distinct_b = own_stack.positions("away-b")
    record(
        artifacts,
        "broker_away_while_tracking",
        {
            "faults_injected": 1,
            "broker_away_s": round(away_s),
            "messages_checked": 1000,
            "lost": 1000 - distinct_a - distinct_b,
            "duplicated": rows_a + rows_b - distinct_a - distinct_b,
        },
    )
