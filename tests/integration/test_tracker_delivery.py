"""Delivery guarantees of the tracker against the real broker and PostGIS: a replayed topic, a crash
between the database commit and the offset commit, late messages, and undecodable records."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from kafka import KafkaConsumer, TopicPartition

from seasight.kafka import TOPIC_AIS_POSITION, TOPIC_DEAD_LETTER, make_producer
from seasight.schemas import PositionReport
from tests.conftest import RunningStack
from tests.integration.faults import record
from tracking.consumer import Tracker

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 14, 6, 0, tzinfo=UTC)


class CrashAfterDatabaseCommitError(Exception):
    pass


CRASH_MMSI = 563_100_003


CRASH_REPORTS = 12


class CrashingTracker(Tracker):
    """Crashes after the database commit of the batch holding the last of CRASH_MMSI's reports, before its
    offsets are committed. Batches before it (other tests' records, read first by a new group, and the first
    of CRASH_MMSI's reports when the broker hands them over in several polls) go through normally."""

    crash_reports_seen = 0

    def process_batch(self, batch: dict[TopicPartition, list[Any]], consumer: Any | None = None) -> None:
        def crash(*_args: object, **_kwargs: object) -> None:
            raise CrashAfterDatabaseCommitError

        key = str(CRASH_MMSI).encode()
        self.crash_reports_seen += sum(record.key == key for records in batch.values() for record in records)
        if self.crash_reports_seen >= CRASH_REPORTS:
            self._consumer.commit = crash
        super().process_batch(batch, consumer)


def _reports(mmsi: int, count: int) -> list[PositionReport]:
    return [
        PositionReport(
            mmsi=mmsi,
            observed_at=T0 + timedelta(minutes=i),
            lat=6.0 + i / 100,
            lon=95.0 + i / 100,
            sog_kn=8.0,
            cog_deg=45.0,
            heading_deg=44,
            nav_status=0,
            msg_type=1,
            station="delivery",
            received_at=T0 + timedelta(minutes=i, seconds=2),
        )
        for i in range(count)
    ]


def _publish(stack: RunningStack, reports: list[PositionReport]) -> None:
    producer = make_producer(stack.kafka_bootstrap)
    for report in reports:
        producer.send(TOPIC_AIS_POSITION, key=str(report.mmsi), value=report.to_json())
    producer.flush()
    producer.close()


def _snapshot(stack: RunningStack, mmsis: list[int]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with psycopg.connect(stack.database_url) as conn:
        positions = conn.execute(
            "SELECT mmsi, observed_at, ST_AsText(geom), sog_kn FROM position WHERE mmsi = ANY(%s) ORDER BY 1, 2",
            (mmsis,),
        ).fetchall()
        states = conn.execute(
            "SELECT mmsi, observed_at, ST_AsText(geom) FROM vessel_state WHERE mmsi = ANY(%s) ORDER BY 1", (mmsis,)
        ).fetchall()
    return positions, states


def _drain(stack: RunningStack, group: str, tracker_class: type[Tracker] = Tracker) -> Tracker:
    tracker = tracker_class(stack.database_url, stack.kafka_bootstrap, group, max_poll_interval_ms=3000)
    tracker.run(until_idle=True, idle_timeout_s=30)
    return tracker


def test_replaying_the_whole_topic_twice_changes_nothing(stack: RunningStack) -> None:
    mmsis = [563_100_001, 563_100_002]
    _publish(stack, _reports(mmsis[0], 30) + _reports(mmsis[1], 20))
    _drain(stack, f"replay-a-{uuid.uuid4().hex[:6]}")
    first = _snapshot(stack, mmsis)
    assert len(first[0]) == 50 and len(first[1]) == 2
    # Two fresh groups read the whole topic again from offset 0.
    for _ in range(2):
        again = _drain(stack, f"replay-b-{uuid.uuid4().hex[:6]}")
        assert again.stats.records >= 50
        assert _snapshot(stack, mmsis) == first


def test_crash_between_database_commit_and_offset_commit(stack: RunningStack) -> None:
    mmsi = CRASH_MMSI
    group = f"crash-{uuid.uuid4().hex[:6]}"
    _publish(stack, _reports(mmsi, CRASH_REPORTS))
    with pytest.raises(CrashAfterDatabaseCommitError):
        _drain(stack, group, CrashingTracker)
    after_crash = _snapshot(stack, [mmsi])
    assert len(after_crash[0]) == CRASH_REPORTS  # the database transaction had committed
    restarted = _drain(stack, group)  # same group: its offsets were never committed, so it replays
    assert restarted.stats.records > 0
    assert _snapshot(stack, [mmsi]) == after_crash


def test_late_message_does_not_move_the_vessel_back(stack: RunningStack) -> None:
    mmsi = 563_100_004
    newest, older = _reports(mmsi, 2)[1], _reports(mmsi, 2)[0]
    _publish(stack, [newest])
    _drain(stack, f"late-a-{uuid.uuid4().hex[:6]}")
    _publish(stack, [older])
    _drain(stack, f"late-b-{uuid.uuid4().hex[:6]}")
    positions, states = _snapshot(stack, [mmsi])
    assert len(positions) == 2  # the late fix is kept in the history ...
    assert states[0][1] == newest.observed_at  # ... but the latest state stays at the newest fix


@pytest.mark.reliability
def test_undecodable_record_goes_to_the_dead_letter_topic(stack: RunningStack, artifacts: Path) -> None:
    producer = make_producer(stack.kafka_bootstrap)
    bad = json.dumps({"schema": "seasight.ais.position", "v": 1, "mmsi": 563100005, "lat": 123}).encode()
    future = producer.send(TOPIC_AIS_POSITION, key="563100005", value=bad)
    metadata = future.get(timeout=10)
    producer.close()
    tracker = _drain(stack, f"dlq-{uuid.uuid4().hex[:6]}")
    assert tracker.stats.dead_lettered >= 1

    consumer = KafkaConsumer(
        bootstrap_servers=stack.kafka_bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        consumer_timeout_ms=5000,
    )
    partitions = [TopicPartition(TOPIC_DEAD_LETTER, p) for p in consumer.partitions_for_topic(TOPIC_DEAD_LETTER)]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    found = []
    for dead in consumer:
        headers = {k: v.decode() for k, v in dead.headers}
        if headers.get("source_offset") == str(metadata.offset) and headers.get("source_partition") == str(
            metadata.partition
        ):
            found.append((dead.value, headers))
    consumer.close()
    record(
        artifacts,
        "poison_record",
        {
            "faults_injected": 1,
            "messages_checked": 1,
            "lost": 0 if found else 1,
            "duplicated": 0,
            "dead_lettered_with_partition_offset_reason": bool(found) and "reason" in found[0][1],
        },
    )
    assert found, "the bad record is not on the dead-letter topic"
    value, headers = found[0]
    assert value == bad
    assert headers["source_topic"] == TOPIC_AIS_POSITION
    assert "missing field" in headers["reason"]


@pytest.mark.reliability
def test_a_record_the_database_refuses_is_dead_lettered_and_the_rest_stored(
    stack: RunningStack, artifacts: Path
) -> None:
    from dataclasses import replace

    from ingest.publish import Publisher
    from seasight.schemas import StaticVoyageReport

    mmsi = 563_100_006
    good = _reports(mmsi, 3)
    # Valid for the message schema (a 30-bit IMO field), refused by the vessel table (IMO has 7 digits).
    refused = StaticVoyageReport(
        mmsi=mmsi,
        observed_at=T0,
        msg_type=5,
        imo=123_456_789,
        callsign="9VAB",
        shipname="REFUSED IMO",
        ship_type=70,
        to_bow_m=50,
        to_stern_m=10,
        to_port_m=5,
        to_starboard_m=5,
        draught_m=4.0,
        destination="SINGAPORE",
        eta=None,
        station="delivery",
        received_at=T0,
    )
    publisher = Publisher.connect(stack.kafka_bootstrap)
    for message in [*good, refused, replace(refused, imo=9_074_729, observed_at=T0 + timedelta(minutes=1))]:
        publisher.send(message)
    publisher.flush()
    publisher.close()

    tracker = _drain(stack, f"refused-{uuid.uuid4().hex[:6]}")
    assert tracker.stats.dead_lettered >= 1
    positions, states = _snapshot(stack, [mmsi])
    record(
        artifacts,
        "record_refused_by_database",
        {
            "faults_injected": 1,
            "messages_checked": len(good) + 2,
            "lost": len(good) - len(positions),
            "duplicated": 0,
        },
    )
    assert len(positions) == 3 and len(states) == 1
    with psycopg.connect(stack.database_url) as conn:
        assert conn.execute("SELECT imo, name FROM vessel WHERE mmsi = %s", (mmsi,)).fetchone() == (
            9_074_729,
            "REFUSED IMO",
        )
