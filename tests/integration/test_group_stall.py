"""The consumer-group stall of issue 14, reproduced on the real embedded broker, and its work-around.

What stalls: a group member that stops polling while its heartbeats go on (a hung tracker: kafka-python's
heartbeat thread keeps it in the group until max.poll.interval.ms) and that led the group's last generation.
A tracker that joins meanwhile waits; when the hung member finally leaves, Tansu 0.6 keeps naming it the
leader of every new generation, so no member ever gets a partition — however long it waits or rejoins
(seen for over 7 minutes). Positions sit in the broker.

The work-around (tracking/consumer.py, SEASIGHT_TRACKER_JOIN_BOUND_S / ``--join-bound``): a tracker without
partitions for the bound says why, resets the group when no other member consumes (its committed offsets
kept) and rejoins. On its own stack: the stall wedges a group of the broker.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from kafka import TopicPartition
from kafka.structs import OffsetAndMetadata

from seasight.kafka import TOPIC_AIS_POSITION, make_consumer, make_producer
from seasight.schemas import PositionReport
from tests.conftest import TEST_NOW
from tests.integration.faults import record
from tests.integration.test_broker_restart import OwnStack
from tracking.consumer import Tracker, default_handlers

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.reliability]

GROUP = "stall-test"
STATION = "stall-test"


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnStack]:
    stack = OwnStack(tmp_path_factory.mktemp("group-stall"))
    try:
        yield stack
    finally:
        stack.local.destroy()


def _report(i: int) -> PositionReport:
    at = TEST_NOW - timedelta(hours=1) + timedelta(seconds=i)
    return PositionReport(
        mmsi=477_300_000 + i % 30,
        observed_at=at,
        lat=8.0 + (i % 30) / 10,
        lon=92.0 + i / 100_000,
        sog_kn=7.0,
        cog_deg=90.0,
        heading_deg=90,
        nav_status=0,
        msg_type=1,
        station=STATION,
        received_at=at,
    )


def _publish(bootstrap: str, numbers: range) -> None:
    producer = make_producer(bootstrap)
    for i in numbers:
        report = _report(i)
        producer.send(TOPIC_AIS_POSITION, key=str(report.mmsi), value=report.to_json())
    producer.flush()
    producer.close()


def _stored(url: str) -> set[int]:
    """Seconds after the first report of the positions stored from STATION."""
    start = TEST_NOW - timedelta(hours=1)
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT observed_at FROM position WHERE station = %s", (STATION,)).fetchall()
    return {int((r[0] - start).total_seconds()) for r in rows}


def _member(url: str, pid_like: str) -> tuple[str, str, int] | None:
    """(state, detail, resets) of this group's member whose key contains ``pid_like``."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT state, detail, resets FROM consumer_member WHERE consumer_group = %s AND member LIKE %s",
            (GROUP, f"%{pid_like}%"),
        ).fetchone()
    return None if row is None else (str(row[0]), str(row[1]), int(row[2]))


def _until(predicate: object, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.5)
    return False


def test_a_wedged_group_stalls_a_tracker_and_the_join_bound_resets_it(
    own_stack: OwnStack, caplog: pytest.LogCaptureFixture, artifacts: Path
) -> None:
    url, bootstrap = own_stack.url, own_stack.bootstrap
    topics = [h.topic for h in default_handlers()]

    # 1) A member consumes the first 100 reports and commits past them (as a tracker that stored them),
    #    then hangs: it stops polling, its heartbeats go on until its max.poll.interval (6 s).
    _publish(bootstrap, range(0, 100))
    hung = make_consumer(bootstrap, GROUP, topics, max_poll_interval_ms=6000, session_timeout_ms=6000)
    seen = 0
    deadline = time.monotonic() + 60
    while seen < 100 and time.monotonic() < deadline:
        seen += sum(len(r) for tp, r in hung.poll(timeout_ms=500).items() if tp.topic == TOPIC_AIS_POSITION)
    assert seen == 100
    committed = {
        TopicPartition(TOPIC_AIS_POSITION, p): OffsetAndMetadata(
            hung.position(TopicPartition(TOPIC_AIS_POSITION, p)), "", -1
        )
        for p in range(3)
    }
    hung.commit(committed)
    _publish(bootstrap, range(100, 300))

    # 2) The stall: a tracker that waits as long as it takes (no join bound) joins while that member hangs.
    waiting = Tracker(url, bootstrap, GROUP, max_poll_interval_ms=6000, join_bound_s=None, heartbeat_s=1.0)
    thread = threading.Thread(target=waiting.run, daemon=True)
    started = time.monotonic()
    thread.start()
    try:
        time.sleep(30)
        assert not waiting._consumer.assignment(), "the broker no longer wedges the group: the work-around may go"
        assert _stored(url) == set()
        state = _member(url, waiting._members[0].recorder.member if waiting._members[0].recorder else "")
        assert state is not None and state[0] == "joining"
    finally:
        waiting.stop()
        thread.join(timeout=30)
    stalled_s = time.monotonic() - started
    hung.close()

    # 3) The work-around: a tracker with a join bound of 8 s says why, resets the group and rejoins; it
    #    starts where the group had committed (the first 100 are not read again) and stores the rest.
    caplog.set_level(logging.WARNING, logger="seasight.tracking.consumer")
    bounded = Tracker(url, bootstrap, GROUP, max_poll_interval_ms=6000, join_bound_s=8.0, heartbeat_s=1.0)
    recorder = bounded._members[0].recorder
    assert recorder is not None
    thread = threading.Thread(target=bounded.run, daemon=True)
    started = time.monotonic()
    thread.start()
    try:
        assert _until(lambda: len(_stored(url)) >= 200, 90), f"stored {len(_stored(url))} of 200"
        recovered_s = time.monotonic() - started
        assert _stored(url) == set(range(100, 300))  # the committed offsets were kept through the reset
        said = caplog.text
        assert "no partitions after" in said and f"in group {GROUP}" in said
        assert "resetting the group" in said and "committed offset(s) kept" in said
        assert _until(lambda: (_member(url, recorder.member) or ("", "", 0))[0] == "consuming", 15)
        state = _member(url, recorder.member)
        assert state is not None and state[2] >= 1  # resets counted, shown by `seasight status`
    finally:
        bounded.stop()
        thread.join(timeout=30)
    record(
        artifacts,
        "group_stall",
        {
            "faults_injected": 1,
            "stalled_without_bound_s": round(stalled_s),
            "recovered_with_8s_bound_s": round(recovered_s),
            "messages_checked": 300,
            "lost": 200 - len(_stored(url) & set(range(100, 300))),
            "read_again_after_reset": len(_stored(url) & set(range(100))),
        },
    )


class _StuckClientTracker(Tracker):
    """A tracker whose consumer, once ``stick`` is set, holds its partitions and hands over nothing (as the
    kafka-python client did after a broker restart, keeping the old group's assignment): the pause runs on
    the tracker's own thread, at its next heartbeat."""

    stick = False

    def _beat(self, force: bool = False) -> None:
        if self.stick and self._consumer.assignment():
            self.stick = False
            self._consumer.pause(*self._consumer.assignment())
        super()._beat(force)


def test_a_consumer_that_holds_partitions_but_consumes_nothing_is_replaced(
    own_stack: OwnStack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="seasight.tracking.consumer")
    station = "starved-test"
    producer = make_producer(own_stack.bootstrap)

    def publish(numbers: range) -> None:
        for i in numbers:
            report = dataclasses.replace(_report(50_000 + i), station=station)
            producer.send(TOPIC_AIS_POSITION, key=str(report.mmsi), value=report.to_json())
        producer.flush()

    def stored() -> int:
        with psycopg.connect(own_stack.url) as conn:
            row = conn.execute("SELECT count(*) FROM position WHERE station = %s", (station,)).fetchone()
            assert row is not None
            return int(row[0])

    tracker = _StuckClientTracker(
        own_stack.url, own_stack.bootstrap, "starved-test", max_poll_interval_ms=3000, join_bound_s=8, heartbeat_s=1
    )
    thread = threading.Thread(target=tracker.run, daemon=True)
    thread.start()
    try:
        publish(range(100))
        assert _until(lambda: stored() == 100, 60)
        tracker.stick = True
        assert _until(lambda: not tracker.stick, 10)  # the consumer now holds its partitions, fetching nothing
        publish(range(100, 400))
        assert _until(lambda: stored() == 400, 60), stored()
        said = [r.getMessage() for r in caplog.records if r.name == "seasight.tracking.consumer"]
        assert any("nothing consumed" in m and "rejoining with a new consumer" in m for m in said), said
        assert thread.is_alive()
    finally:
        tracker.stop()
        thread.join(timeout=30)
        producer.close()
