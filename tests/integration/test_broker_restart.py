"""Nothing acknowledged is lost when the local broker restarts (issue 14).

The embedded broker keeps topics in memory only. Through the real chain, on a stack of its own (restarting
its broker disturbs no other test):

* `seasight ingest ais` publishes 5,000 position reports and exits; the broker is killed and `seasight up`
  starts a new one: it says the broker had restarted and sends the ingest buffer's records again; a tracker
  then stores every one of the 5,000 (none was stored before the restart);
* a publisher and a tracker that keep running while the broker is killed and restarted under them: every
  record is stored exactly once, and the buffer is freed once the tracker's marks cover it.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from ingest.buffer import IngestBuffer, buffer_folders
from ingest.publish import Publisher, sweep_orphans
from seasight.kafka import make_producer
from seasight.schemas import PositionReport
from seasight.stack import LocalStack, StackState, _wait_gone
from tests.conftest import TEST_NOW, run_cli
from tests.integration.faults import record
from tests.integration.test_no_silent_drops import tagged
from tracking.consumer import Tracker

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.reliability]


class OwnStack:
    def __init__(self, root: Path) -> None:
        self.local = LocalStack(root / "stack")
        state = self.local.up(partitions=3)
        self.url = self.local.database_url(state)
        self.bootstrap = self.local.kafka_bootstrap(state)
        self.buffers = root / "buffers"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            SEASIGHT_STACK_DIR=str(self.local.stack_dir),
            SEASIGHT_DATABASE_URL=self.url,
            SEASIGHT_KAFKA_BOOTSTRAP=self.bootstrap,
            SEASIGHT_OWNER_DATABASE_URL=self.local.owner_url(StackState.load(self.local.state_path)),
            SEASIGHT_INGEST_BUFFER_PATH=str(self.buffers),
        )
        return env

    def kill_broker(self) -> None:
        pid = StackState.load(self.local.state_path).broker.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        _wait_gone(pid, "tansu", 15)

    def positions(self, station: str) -> tuple[int, int]:
        """(rows, distinct (mmsi, time)) stored from ``station``."""
        with psycopg.connect(self.url) as conn:
            row = conn.execute(
                "SELECT count(*), count(DISTINCT (mmsi, observed_at)) FROM position WHERE station = %s", (station,)
            ).fetchone()
            assert row is not None
            return int(row[0]), int(row[1])

    def group_view(self, group: str) -> dict[str, list[tuple[object, ...]]]:
        """What the group's members last said in their heartbeats (state, detail) and each partition's
        committed and end offsets: the picture a failure message needs."""
        with psycopg.connect(self.url) as conn:
            return {
                "members": conn.execute(
                    "SELECT member, state, detail, kafka_member_id FROM consumer_member WHERE consumer_group = %s",
                    (group,),
                ).fetchall(),
                "lags": conn.execute(
                    "SELECT topic, kafka_partition, committed_offset, end_offset, lag FROM consumer_lag"
                    " WHERE consumer_group = %s AND topic = 'seasight.ais.position' ORDER BY kafka_partition",
                    (group,),
                ).fetchall(),
            }


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnStack]:
    stack = OwnStack(tmp_path_factory.mktemp("broker-restart"))
    try:
        yield stack
    finally:
        stack.local.destroy()


def _wait(predicate: object, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.5)
    return False


def test_what_ingest_published_before_a_broker_restart_is_all_stored_after_it(
    own_stack: OwnStack, tmp_path: Path, artifacts: Path
) -> None:
    start = TEST_NOW - timedelta(hours=2)
    lines = [
        tagged(477_100_000 + i % 250, 10.0 + (i % 250) / 100, 90.0 + i / 10_000, "restart-cli", start.timestamp() + i)
        for i in range(5000)
    ]
    feed = tmp_path / "feed.nmea"
    feed.write_text("\n".join(lines) + "\n")
    env = own_stack.env()

    ingested = run_cli("ingest", "ais", str(feed), "--station", "restart-cli", env=env)
    out = ingested.stdout.decode()
    assert ingested.returncode == 0, ingested.stderr.decode()[-2000:]
    assert "published 5000 position reports" in out
    assert "kept in the ingest buffer" in out
    assert own_stack.positions("restart-cli") == (0, 0)  # no tracker ran: all of it only in the broker

    own_stack.kill_broker()  # the broker's memory storage goes with it
    up = run_cli("up", env=env, timeout=180)
    said = up.stdout.decode()
    assert up.returncode == 0, up.stderr.decode()[-2000:]
    assert "the broker had restarted" in said
    sent_again = int(said.split(" record(s) sent again")[0].rsplit(" ", 1)[1])
    assert sent_again >= 5000  # the positions and the feed's health snapshots

    tracked = run_cli(
        "track", "--until-idle", "--idle-timeout", "30", "--max-poll-interval-ms", "3000", env=env, timeout=180
    )
    assert tracked.returncode == 0, tracked.stderr.decode()[-2000:]
    rows, distinct = own_stack.positions("restart-cli")
    record(
        artifacts,
        "broker_restart_after_ingest",
        {
            "faults_injected": 1,
            "messages_checked": 5000,
            "lost": 5000 - distinct,
            "duplicated": rows - distinct,
            "sent_again_by_up": sent_again,
        },
    )
    assert (rows, distinct) == (5000, 5000)

    swept = sweep_orphans(own_stack.buffers, own_stack.url, own_stack.bootstrap)
    assert swept.held == 0
    assert not [f for f in buffer_folders(own_stack.buffers) if IngestBuffer.adopt(f) is not None]


def _report(i: int) -> PositionReport:
    at = TEST_NOW - timedelta(hours=3) + timedelta(seconds=i)
    return PositionReport(
        mmsi=477_200_000 + i % 40,
        observed_at=at,
        lat=5.0 + (i % 40) / 10,
        lon=95.0 + i / 100_000,
        sog_kn=9.0,
        cog_deg=45.0,
        heading_deg=45,
        nav_status=0,
        msg_type=1,
        station="restart-live",
        received_at=at,
    )


def test_a_running_publisher_and_tracker_lose_nothing_when_the_broker_restarts_under_them(
    own_stack: OwnStack, artifacts: Path
) -> None:
    bootstrap = own_stack.bootstrap
    buffer = IngestBuffer.create(own_stack.buffers, 64 * 2**20)
    publisher = Publisher(
        make_producer(bootstrap),
        buffer=buffer,
        database_url=own_stack.url,
        bootstrap=bootstrap,
        make=lambda: make_producer(bootstrap),
        keep_interval_s=0.5,
    )
    tracker = Tracker(own_stack.url, bootstrap, "restart-live", max_poll_interval_ms=3000)
    thread = threading.Thread(target=tracker.run, daemon=True)
    thread.start()
    try:
        for i in range(2000):
            publisher.send(_report(i))
        publisher.flush()
        assert _wait(lambda: own_stack.positions("restart-live")[0] == 2000, 60)

        for i in range(2000, 3000):  # sent, perhaps acknowledged, then the broker dies with them
            publisher.send(_report(i))
        own_stack.kill_broker()
        for i in range(3000, 3500):  # while the broker is away
            publisher.send(_report(i))
        own_stack.local.up(partitions=3)
        assert own_stack.local.broker_restart is not None
        for i in range(3500, 4000):
            publisher.send(_report(i))
        publisher.flush(timeout_s=120)

        assert _wait(lambda: own_stack.positions("restart-live") == (4000, 4000), 180), (
            own_stack.positions("restart-live"),
            own_stack.group_view("restart-live"),
        )
        assert thread.is_alive()  # the tracker carried on through the restart
        assert publisher.resent > 0
        rows, distinct = own_stack.positions("restart-live")
        record(
            artifacts,
            "broker_restart_while_running",
            {
                "faults_injected": 1,
                "messages_checked": 4000,
                "lost": 4000 - distinct,
                "duplicated": rows - distinct,
                "sent_again_by_publisher": publisher.resent,
            },
        )

        def all_stored() -> bool:
            publisher.keep_once()
            return buffer.pending() == 0

        assert _wait(all_stored, 30)
    finally:
        tracker.stop()
        thread.join(timeout=30)
        publisher.close()
    assert not buffer.folder.exists()  # everything stored: the buffer is gone


def test_records_fetched_while_the_tracker_waits_for_the_broker_are_read_again(own_stack: OwnStack) -> None:
    """The CI failure of 2026-12-03: a broker back with the publishers' records sent again, before the
    tracker's next heartbeat saw it back. The polls that only keep the tracker in its group while it waits
    fetched those records and dropped them; 2,000 of 4,000 were ever stored. Here the tracker is told the
    broker is away (as after a failed heartbeat) while it is in fact there and records arrive: every one is
    stored once the heartbeat finds it back."""
    bootstrap = own_stack.bootstrap
    producer = make_producer(bootstrap)
    station = "restart-away-polls"
    tracker = Tracker(own_stack.url, bootstrap, station, max_poll_interval_ms=3000, heartbeat_s=4.0)
    thread = threading.Thread(target=tracker.run, daemon=True)
    thread.start()
    try:
        first = [_report(10_000 + i) for i in range(100)]
        for report in first:
            producer.send("seasight.ais.position", key=str(report.mmsi).encode(), value=_as(report, station))
        producer.flush()
        assert _wait(lambda: own_stack.positions(station)[0] == 100, 60)

        tracker._broker_trouble(ConnectionRefusedError("as after a failed heartbeat"))
        time.sleep(1.0)  # the run loop is in its waiting polls now
        for i in range(100, 600):
            report = _report(10_000 + i)
            producer.send("seasight.ais.position", key=str(report.mmsi).encode(), value=_as(report, station))
        producer.flush()
        assert _wait(lambda: own_stack.positions(station) == (600, 600), 60), own_stack.positions(station)
        assert thread.is_alive()
    finally:
        tracker.stop()
        thread.join(timeout=30)
        producer.close()


def _as(report: PositionReport, station: str) -> bytes:
    return dataclasses.replace(report, station=station).to_json()
