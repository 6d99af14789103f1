"""`seasight status` and `seasight health` show which tracker holds each partition and its lag (issue 14).

A real tracker (in this process, its own group, a database of its own so other tests' trackers do not
count) consumes reports from the real broker; the CLI, as a new user runs it, reads its heartbeats: every
partition of its group with the tracker's host and pid, the lag (0 once it has stored everything), the
health check's consumers line; after the tracker stops, health says the group has no live tracker.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from datetime import timedelta

import psycopg
import pytest

from seasight.kafka import TOPIC_AIS_POSITION, make_producer
from seasight.schemas import PositionReport
from tests.conftest import TEST_NOW, RunningStack, fresh_database, run_cli
from tracking.consumer import Tracker, default_handlers

pytestmark = [pytest.mark.integration, pytest.mark.slow]

GROUP = "consumer-status-test"


def _until(predicate: object, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.5)
    return False


def test_status_and_health_show_each_partition_its_holder_and_its_lag(stack: RunningStack) -> None:
    own = fresh_database(stack, "seasight_consumer_status")
    env = {**own.env(), "SEASIGHT_CONSUMER_GROUP": GROUP, "SEASIGHT_CONSUMER_STALE_AFTER_S": "20"}
    producer = make_producer(own.kafka_bootstrap)
    start = TEST_NOW - timedelta(hours=3)
    for i in range(300):
        report = PositionReport(
            mmsi=477_600_000 + i % 20,
            observed_at=start + timedelta(seconds=i),
            lat=3.0 + (i % 20) / 10,
            lon=100.0 + i / 100_000,
            sog_kn=5.0,
            cog_deg=10.0,
            heading_deg=10,
            nav_status=0,
            msg_type=1,
            station="consumer-status",
            received_at=start + timedelta(seconds=i),
        )
        producer.send(TOPIC_AIS_POSITION, key=str(report.mmsi), value=report.to_json())
    producer.flush()
    producer.close()

    tracker = Tracker(own.database_url, own.kafka_bootstrap, GROUP, max_poll_interval_ms=3000, heartbeat_s=1.0)
    thread = threading.Thread(target=tracker.run, daemon=True)
    thread.start()

    def stored() -> int:
        with psycopg.connect(own.database_url) as conn:
            row = conn.execute("SELECT count(*) FROM position WHERE station = 'consumer-status'").fetchone()
        return int(row[0]) if row else 0

    def caught_up() -> bool:
        data = json.loads(run_cli("status", "--json", env=env).stdout)["consumers"]
        mine = [p for p in data["partitions"] if p["group"] == GROUP and p["topic"] == TOPIC_AIS_POSITION]
        return len(mine) == 3 and all(p["lag"] == 0 and p["committed_offset"] is not None for p in mine)

    try:
        assert _until(lambda: stored() == 300, 60), stored()
        assert _until(caught_up, 30)
        data = json.loads(run_cli("status", "--json", env=env).stdout)["consumers"]
        (member,) = [m for m in data["members"] if m["group"] == GROUP]
        assert member["state"] == "consuming" and member["live"] is True
        assert member["pid"] == os.getpid() and member["host"] == socket.gethostname()
        assert member["partitions"] == len(default_handlers()) * 3  # every partition of every topic
        held = {(p["topic"], p["partition"]) for p in data["partitions"] if p["group"] == GROUP}
        assert held == {(h.topic, p) for h in default_handlers() for p in range(3)}
        assert all(p["member"] == member["member"] for p in data["partitions"] if p["group"] == GROUP)
        assert sum(p["committed_offset"] or 0 for p in data["partitions"] if p["topic"] == TOPIC_AIS_POSITION) >= 300
        assert data["problems"] == []

        text = run_cli("status", env=env).stdout.decode()
        assert f"{socket.gethostname()} pid {os.getpid()}" in text and "consuming; 21 partition(s)" in text
        assert f"{TOPIC_AIS_POSITION}: [0] lag 0, [1] lag 0, [2] lag 0 held by {socket.gethostname()}" in text

        health = run_cli("health", env=env)
        assert health.returncode == 0, health.stdout.decode()
        assert f"consumers: ok - 1 live tracker consumer(s) in 1 group(s) ({GROUP}), 21 partition(s)" in (
            health.stdout.decode()
        )
    finally:
        tracker.stop()
        thread.join(timeout=30)

    after = run_cli("health", env=env)
    said = after.stdout.decode()
    assert after.returncode == 1
    assert f"consumers: FAILED - {GROUP}: tracker missing: no live member (stopped" in said, said
    stopped = json.loads(run_cli("status", "--json", env=env).stdout)["consumers"]["members"]
    assert [m["state"] for m in stopped if m["group"] == GROUP] == ["stopped"]
