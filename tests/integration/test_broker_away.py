"""A running `seasight track` waits out a broker that is away, says so in `seasight status` and `health`,
and continues when it is back, losing nothing (issue 14). So does a live feed (`seasight ingest ais -`),
and a feed that starts while the broker is away.

Through the real CLI on a stack of its own: a tracker process stores a first feed; the broker is killed;
the tracker logs that the broker is away (no traceback), its heartbeat says "broker away since …", which
`seasight status` shows and `seasight health` fails on; `seasight up` starts the broker again (and sends
the ingest buffer's records again), a second feed is ingested, and the same tracker stores both feeds in
full (the stored-through marks then free the buffers).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import IO

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


def _lines(station: str, count: int, first_mmsi: int) -> list[str]:
    start = TEST_NOW - timedelta(hours=2)
    return [
        tagged(first_mmsi + i % 50, 12.0 + (i % 50) / 100, 88.0 + i / 10_000, station, start.timestamp() + i)
        for i in range(count)
    ]


def _feed(path: Path, station: str, count: int, first_mmsi: int) -> Path:
    path.write_text("\n".join(_lines(station, count, first_mmsi)) + "\n")
    return path


def _own_tracebacks(logged: str) -> list[str]:
    """The tracebacks in a process's log that pass through Seasight's own code. kafka-python logs some of its
    own (a connection reset while the broker goes away) and handles them; those are not Seasight failing."""
    blocks, current = [], None
    for line in logged.splitlines():
        if line.startswith("Traceback"):
            current = [line]
            blocks.append(current)
        elif current is not None and (line.startswith(" ") or not line.strip()):
            current.append(line)
        else:
            if current is not None:
                current.append(line)  # the exception line ends the block
            current = None
    own = (str(REPO_ROOT / "seasight"), str(REPO_ROOT / "ingest"), str(REPO_ROOT / "tracking"))
    return ["\n".join(b) for b in blocks if any(root in line for line in b for root in own)]


@contextmanager
def _running_tracker(env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log_path.open("wb") as log_file:
        tracker = subprocess.Popen(  # noqa: S603 - the project's own CLI
            [sys.executable, "-m", "seasight.app.cli", "track", "--max-poll-interval-ms", "3000"],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )
    try:
        yield tracker
    finally:
        tracker.send_signal(signal.SIGINT)
        try:
            tracker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.kill(tracker.pid, signal.SIGKILL)
            tracker.wait(timeout=10)


@contextmanager
def _live_feed(env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`seasight ingest ais -` reading AIS lines from a pipe the test writes to, as a live feed would;
    killed on the way out if the test did not end it (:func:`_end_feed`)."""
    with log_path.open("wb") as log_file:
        feed = subprocess.Popen(  # noqa: S603 - the project's own CLI
            [sys.executable, "-m", "seasight.app.cli", "ingest", "ais", "-", "--health-interval", "2"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )
    try:
        yield feed
    finally:
        if feed.poll() is None:
            feed.kill()
            feed.wait(timeout=10)


def _end_feed(feed: subprocess.Popen[bytes], log_path: Path) -> None:
    """Close the feed's input, as a feed that ends, and expect a clean exit."""
    assert feed.stdin is not None
    feed.stdin.close()
    assert feed.wait(timeout=120) == 0, log_path.read_text()[-3000:]


def _write(feed: subprocess.Popen[bytes], lines: list[str]) -> None:
    pipe: IO[bytes] | None = feed.stdin
    assert pipe is not None
    pipe.write(("\n".join(lines) + "\n").encode())
    pipe.flush()


def _publishers(env: dict[str, str]) -> list[dict[str, object]]:
    said = run_cli("status", "--json", env=env)
    publishers = json.loads(said.stdout.decode())["publishers"]
    assert isinstance(publishers, list)
    return publishers


def _kept_while_away(env: dict[str, str], at_least: int) -> bool:
    """A running publisher says the broker is away and keeps at least ``at_least`` records on disk."""
    return any(
        p["broker_away_since"] is not None and int(p["kept"]) >= at_least  # type: ignore[call-overload]
        for p in _publishers(env)
    )


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
    with _running_tracker(env, log_path) as tracker:
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
    logged = log_path.read_text()
    assert _own_tracebacks(logged) == [], logged[-3000:]
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


def test_a_live_feed_keeps_reading_through_a_broker_outage_and_loses_nothing(
    own_stack: OwnStack, tmp_path: Path, artifacts: Path
) -> None:
    """300 lines through one `seasight ingest ais -` process: 100 before the broker is killed, 100 while it
    is away (the feed takes them and keeps them on disk, and status and health say so), 100 after it is back.
    The feed never exits, and the tracker stores all 300."""
    env = own_stack.env()
    lines = _lines("live-feed", 300, 477_600_000)
    with _running_tracker(env, tmp_path / "tracker.log"):
        with _live_feed(env, tmp_path / "feed.log") as feed:
            _write(feed, lines[:100])
            assert _until(lambda: own_stack.positions("live-feed")[1] == 100, 90), own_stack.positions("live-feed")

            own_stack.kill_broker()
            away_at = time.monotonic()
            _write(feed, lines[100:200])
            assert _until(lambda: _kept_while_away(env, 100), 60), _publishers(env)
            status = run_cli("status", env=env).stdout.decode()
            assert "broker away since" in status and "record(s) kept on disk" in status, status
            health = run_cli("health", env=env)
            checked = health.stdout.decode()
            assert health.returncode == 1
            assert "publishers: FAILED" in checked and "kept on disk" in checked, checked
            assert feed.poll() is None, (tmp_path / "feed.log").read_text()[-3000:]

            up = run_cli("up", env=env, timeout=180)
            assert up.returncode == 0, up.stderr.decode()[-2000:]
            away_s = time.monotonic() - away_at
            _write(feed, lines[200:])
            _end_feed(feed, tmp_path / "feed.log")
        assert _until(lambda: own_stack.positions("live-feed")[1] == 300, 120), own_stack.positions("live-feed")
    fed = (tmp_path / "feed.log").read_text()
    assert _own_tracebacks(fed) == [], fed[-3000:]
    assert "keeping records in the ingest buffer" in fed, fed[-3000:]
    rows, distinct = own_stack.positions("live-feed")
    record(
        artifacts,
        "broker_away_under_a_live_feed",
        {
            "faults_injected": 1,
            "broker_away_s": round(away_s),
            "messages_checked": 300,
            "taken_while_away": 100,
            "lost": 300 - distinct,
            "duplicated": rows - distinct,
        },
    )


def test_a_feed_started_while_the_broker_is_away_keeps_its_records_until_it_is_back(
    own_stack: OwnStack, tmp_path: Path, artifacts: Path
) -> None:
    """A buffered publisher that cannot reach the broker at start does not fail: it keeps what it reads on
    disk, says so, and sends it when the broker answers."""
    env = own_stack.env()
    lines = _lines("late-broker", 100, 477_700_000)
    with _running_tracker(env, tmp_path / "tracker.log"):
        own_stack.kill_broker()
        with _live_feed(env, tmp_path / "feed.log") as feed:
            _write(feed, lines)
            assert _until(lambda: _kept_while_away(env, 100), 60), _publishers(env)
            assert feed.poll() is None, (tmp_path / "feed.log").read_text()[-3000:]
            up = run_cli("up", env=env, timeout=180)
            assert up.returncode == 0, up.stderr.decode()[-2000:]
            _end_feed(feed, tmp_path / "feed.log")
        assert _until(lambda: own_stack.positions("late-broker")[1] == 100, 120), own_stack.positions("late-broker")
    fed = (tmp_path / "feed.log").read_text()
    assert "starting anyway, keeping records in the ingest buffer" in fed, fed[-3000:]
    assert _own_tracebacks(fed) == [], fed[-3000:]
    rows, distinct = own_stack.positions("late-broker")
    record(
        artifacts,
        "broker_away_when_a_feed_starts",
        {"faults_injected": 1, "messages_checked": 100, "lost": 100 - distinct, "duplicated": rows - distinct},
    )
