"""A flood at twice the sustained rate for a minute (issue 14): latency grows, nothing is lost, memory stays
bounded.

On a stack of its own (the flood would hold up other tests' consumers), through the real chain: the buffered
publisher of ``flood_feed.py`` in its own processes, the broker, and ``seasight track``.

1. **Sustained rate**: 30,000 positions are published with no tracker running; ``seasight track --detect``
   (as in production: detection in the tracker's transaction) is started, and the rate at which it stores
   that backlog is the sustained rate *R* of this machine.
2. **Flood**: two feeds, each paced at *R*, send 60 s worth (twice *R* in all) while the tracker runs; on
   two cores shared with the tracker they may not reach that pace, and the rate they did offer is recorded
   beside *R*. Every 2 s the test notes the backlog (sent by the feeds minus stored: the wait a new report
   has ahead of it) and the resident memory of each process.
3. **Drain**: the flood stops and the tracker catches up.

The promises checked: every published position is stored exactly once; the backlog grew during the flood
(it really was more than the tracker sustains: latency grows, the queue is the broker and the disk buffer);
the tracker's and the publishers' memory did not grow with the backlog (growth from 15 s into the flood to
its end within 64 MiB each; the tracker reads bounded batches, the publishers keep records on disk). The
figures go to ``test-artifacts/reliability/flood.json`` for the README's fault table.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import REPO_ROOT, TEST_NOW
from tests.integration.faults import record
from tests.integration.flood_feed import STATION
from tests.integration.test_broker_restart import OwnStack

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.reliability, pytest.mark.alone]

BACKLOG = 30_000
FLOOD_S = 60
FEEDS = 2
SAMPLE_S = 2.0
GROWTH_BOUND_MIB = 64


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnStack]:
    stack = OwnStack(tmp_path_factory.mktemp("flood"))
    try:
        yield stack
    finally:
        stack.local.destroy()


def rss_mib(pid: int) -> float:
    """Resident memory of process ``pid`` (MiB), from /proc (Linux); 0 once it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def stored(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM position WHERE station = %s", (STATION,)).fetchone()
        return int(row[0]) if row else 0


def feed(env: dict[str, str], rate: float, count: int, first: int, progress: Path) -> subprocess.Popen[bytes]:
    """A feed process; its log goes to a file beside ``progress`` (a pipe nobody reads during the flood would
    fill and stop the process)."""
    with progress.with_suffix(".log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.integration.flood_feed", str(rate), str(count), str(first), str(progress)],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
        )


def sent_so_far(progress: list[Path]) -> int:
    return sum(int(p.read_text()) for p in progress if p.exists())


def finished(proc: subprocess.Popen[bytes], timeout_s: float, progress: Path) -> dict[str, float]:
    out, _ = proc.communicate(timeout=timeout_s)
    assert proc.returncode == 0, progress.with_suffix(".log").read_text()[-3000:]
    return dict(json.loads(out.decode().strip().splitlines()[-1]))


def test_a_flood_at_twice_the_sustained_rate_loses_nothing_and_memory_stays_bounded(
    own_stack: OwnStack, artifacts: Path, tmp_path: Path
) -> None:
    env = {**own_stack.env(), "SEASIGHT_FIXED_TIME": TEST_NOW.isoformat()}
    url = own_stack.url

    backlog_progress = tmp_path / "backlog.sent"
    backlog_feed = finished(feed(env, 0, BACKLOG, 0, backlog_progress), 600, backlog_progress)
    assert stored(url) == 0
    tracker_log = tmp_path / "tracker.log"
    with tracker_log.open("wb") as log:
        tracker = subprocess.Popen(
            [sys.executable, "-m", "seasight.app.cli", "track", "--detect", "--max-poll-interval-ms", "3000"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 600
        while (first := stored(url)) == 0:
            assert tracker.poll() is None and time.monotonic() < deadline, "tracker stored nothing"
            time.sleep(0.05)
        began, at_first = time.monotonic(), first
        while (now_stored := stored(url)) < BACKLOG:
            assert tracker.poll() is None and time.monotonic() < deadline, f"tracker stuck at {now_stored}"
            time.sleep(0.05)
        sustained = (BACKLOG - at_first) / (time.monotonic() - began)
        calibration_rss = rss_mib(tracker.pid)

        each = int(sustained * FLOOD_S)
        progress = [tmp_path / f"feed-{k}.sent" for k in range(FEEDS)]
        feeds = [feed(env, sustained, each, BACKLOG + k * each, progress[k]) for k in range(FEEDS)]
        total = BACKLOG + FEEDS * each
        flood_began = time.monotonic()
        samples: list[dict[str, float]] = []
        while any(f.poll() is None for f in feeds):
            time.sleep(SAMPLE_S)
            elapsed = time.monotonic() - flood_began
            samples.append(
                {
                    "t_s": round(elapsed, 1),
                    "backlog": BACKLOG + sent_so_far(progress) - stored(url),
                    "tracker_rss_mib": round(rss_mib(tracker.pid), 1),
                    "feed_rss_mib": round(max(rss_mib(f.pid) for f in feeds), 1),
                }
            )
            assert tracker.poll() is None, tracker_log.read_text()[-3000:]
            assert elapsed < 20 * FLOOD_S, "the feeds did not finish"
        flood_s = time.monotonic() - flood_began
        sent = [finished(f, 60, p) for f, p in zip(feeds, progress, strict=True)]

        drain_began = time.monotonic()
        while stored(url) < total:
            assert tracker.poll() is None and time.monotonic() - drain_began < 900, f"stuck at {stored(url)}"
            time.sleep(0.5)
        drain_s = time.monotonic() - drain_began
    finally:
        tracker.terminate()
        tracker.wait(timeout=60)

    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*), count(DISTINCT (mmsi, observed_at)) FROM position WHERE station = %s", (STATION,)
        ).fetchone()
    assert row is not None
    rows, distinct = int(row[0]), int(row[1])

    during = [s for s in samples if s["t_s"] >= 15]
    assert during, f"the flood took {flood_s:.0f} s: too short to sample"
    tracker_growth = max(s["tracker_rss_mib"] for s in during) - during[0]["tracker_rss_mib"]
    feed_growth = max(s["feed_rss_mib"] for s in during) - during[0]["feed_rss_mib"]
    figures = {
        "faults_injected": 1,
        "messages_checked": total,
        "lost": total - distinct,
        "duplicated": rows - distinct,
        "sustained_rate_per_s": round(sustained),
        "offered_rate_per_s": round(FEEDS * each / flood_s),
        "offered_to_sustained": round(FEEDS * each / flood_s / sustained, 2),
        "flood_s": round(flood_s, 1),
        "drain_after_flood_s": round(drain_s, 1),
        "backlog_max": max(s["backlog"] for s in samples),
        "tracker_rss_mib": {
            "after_calibration": round(calibration_rss, 1),
            "growth_in_flood": round(tracker_growth, 1),
        },
        "feed_rss_mib": {"peak": max(s["peak_rss_mib"] for s in sent), "growth_in_flood": round(feed_growth, 1)},
        "backlog_feed_s": backlog_feed["seconds"],
        "samples": samples,
    }
    record(artifacts, "flood", figures)
    assert (rows, distinct) == (total, total)
    assert during[-1]["backlog"] > during[0]["backlog"], "the backlog did not grow: no flood"
    assert tracker_growth <= GROWTH_BOUND_MIB
    assert feed_growth <= GROWTH_BOUND_MIB
