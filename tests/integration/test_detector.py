"""`seasight detect`: flags are committed to PostGIS first, then published to seasight.flag."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from kafka import KafkaConsumer, TopicPartition

from seasight.kafka import TOPIC_FLAG, make_producer
from seasight.schemas import FlagEvent, PositionReport
from tests.conftest import TEST_NOW, RunningStack
from tracking.flag_events import detect_and_publish
from tracking.store import write_positions

pytestmark = pytest.mark.integration


def _flag_events(bootstrap: str) -> list[FlagEvent]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=4000)
    consumer.assign([TopicPartition(TOPIC_FLAG, p) for p in consumer.partitions_for_topic(TOPIC_FLAG)])
    consumer.seek_to_beginning()
    events = [FlagEvent.from_json(record.value) for record in consumer]
    consumer.close()
    return events


def test_detector_commits_then_publishes_each_change_once(stack: RunningStack) -> None:
    now = TEST_NOW
    # An AIS-SART (MMSI 970…) reporting in the Andaman Sea: the distress rule always flags it.
    sart = 970_911_222
    reports = [
        PositionReport(
            mmsi=sart,
            observed_at=now - timedelta(minutes=10 - i),
            lat=9.1,
            lon=95.3,
            sog_kn=0.3,
            cog_deg=None,
            heading_deg=None,
            nav_status=14,
            msg_type=1,
            station="detector-test",
            received_at=now,
        )
        for i in range(3)
    ]
    with psycopg.connect(stack.database_url) as conn:
        write_positions(conn, reports)
        conn.commit()
    settings = stack.settings()
    producer = make_producer(stack.kafka_bootstrap)
    try:
        first, sent = detect_and_publish(settings, producer, end=now)
        again, sent_again = detect_and_publish(settings, producer, end=now)
    finally:
        producer.close()
    assert first.raised >= 1 and sent >= 1
    assert sent_again == 0 and again.raised == 0  # the same data changes nothing and publishes nothing

    events = [e for e in _flag_events(stack.kafka_bootstrap) if e.subject == f"vessel:{sart}"]
    distress = [e for e in events if e.severity == "distress"]
    assert distress, events
    with psycopg.connect(stack.database_url) as conn:
        for event in distress:
            row = conn.execute("SELECT rule_id, severity, version FROM flag WHERE id = %s", (event.flag_id,)).fetchone()
            assert row == (event.rule_id, "distress", event.version)
    assert distress[0].lat == pytest.approx(9.1) and distress[0].action == "raised"
