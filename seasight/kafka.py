"""Kafka helpers shared by ingest (producers) and tracking (consumers): topic names, client factories.

Producers are idempotent with ``acks=all`` so a retried send cannot duplicate or reorder a record within a
partition. Consumers never auto-commit: the tracker commits an offset only after the PostgreSQL
transaction holding that record's effects has committed (see ``tracking/consumer.py``).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError
from kafka.serializer import Serializer

from seasight.errors import StackError

log = logging.getLogger("seasight.kafka")

TOPIC_AIS_POSITION = "seasight.ais.position"
TOPIC_AIS_STATIC = "seasight.ais.static"
TOPIC_AIS_SAFETY = "seasight.ais.safety"
TOPIC_SIGHTING = "seasight.sighting"
TOPIC_REJECTED = "seasight.rejected"
TOPIC_FLAG = "seasight.flag"
TOPIC_DEAD_LETTER = "seasight.deadletter"
TOPIC_AIS_FIXED = "seasight.ais.fixed"  # base stations (ITU-R M.1371 msg 4) and aids to navigation (21)
TOPIC_FEED_HEALTH = "seasight.feed.health"  # per-feed data-quality ledger snapshots, keyed by feed
#: Messages that show a station was heard without giving a position or another record: position reports
#: with lat 91 / lon 181, binary messages (6, 8, 25, 26), acknowledgements, link management … (keyed by MMSI).
TOPIC_AIS_HEARD = "seasight.ais.heard"
#: Positions of distress devices (AIS-SART/MOB/EPIRB, MMSI 970/972/974 — ITU-R M.585) and of any station
#: reporting navigational status 14 "AIS-SART active" (ITU-R M.1371-5): a topic of their own, so that the
#: tracker reads them ahead of any backlog of ordinary positions (the distress priority path).
TOPIC_AIS_DISTRESS = "seasight.ais.distress"
#: Topics the tracker stores (and its detection stage evaluates) before the rest of a batch.
PRIORITY_TOPICS = frozenset({TOPIC_AIS_DISTRESS, "seasight.ais.safety", "seasight.sighting"})


#: Kafka headers of a record sent through an ingest buffer (ingest/buffer.py): the buffer's id, and the
#: record's number within that buffer, topic and partition (both ASCII). The tracker advances the buffer's
#: stored-through mark from them in the transaction that stores the record.
HEADER_BUFFER = "seasight-buffer"
HEADER_SEQ = "seasight-seq"


def buffer_number(headers: list[tuple[str, bytes]] | None) -> tuple[str, int] | None:
    """(buffer id, number) from a consumed record's headers; None for a record sent without a buffer or
    with headers that do not parse (the record is stored all the same; only the mark ignores it)."""
    if not headers:
        return None
    buffer_id: str | None = None
    seq: int | None = None
    for name, value in headers:
        if name == HEADER_BUFFER:
            buffer_id = value.decode("ascii", "replace")
        elif name == HEADER_SEQ:
            try:
                seq = int(value)
            except ValueError:
                return None
    if not buffer_id or seq is None or seq < 1:
        return None
    return buffer_id, seq


def is_distress_position(mmsi: int, nav_status: int | None) -> bool:
    """A distress device's MMSI (970/972/974xxyyy, ITU-R M.585-9 Annex 2) or nav status 14 (ITU-R M.1371-5)."""
    return mmsi // 1_000_000 in (970, 972, 974) or nav_status == 14


ALL_TOPICS = (
    TOPIC_AIS_POSITION,
    TOPIC_AIS_STATIC,
    TOPIC_AIS_SAFETY,
    TOPIC_SIGHTING,
    TOPIC_REJECTED,
    TOPIC_FLAG,
    TOPIC_DEAD_LETTER,
    TOPIC_AIS_FIXED,
    TOPIC_FEED_HEALTH,
    TOPIC_AIS_DISTRESS,
    TOPIC_AIS_HEARD,
)


def ensure_topics(bootstrap: str, partitions: int = 3, replication: int = 1, timeout_s: float = 30) -> list[str]:
    """Create every Seasight topic that does not exist yet; return the names created."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="seasight-admin", request_timeout_ms=10_000)
            break
        except KafkaError as exc:
            if time.monotonic() > deadline:
                raise StackError(f"cannot reach the Kafka broker at {bootstrap}: {exc}") from exc
            time.sleep(0.5)
    try:
        existing = set(admin.list_topics())
        wanted = [t for t in ALL_TOPICS if t not in existing]
        created: list[str] = []
        for name in wanted:
            try:
                admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=replication)])
                created.append(name)
            except TopicAlreadyExistsError:
                pass
        if created:
            log.info("created topics %s", ", ".join(created))
        return created
    finally:
        admin.close()


class TextKeySerializer(Serializer):  # type: ignore[misc]  # kafka-python ships no type hints
    """Record keys are text (an MMSI, a feed name, a sighting id), sent as UTF-8."""

    def serialize(self, topic: str, headers: list[tuple[str, bytes]], data: Any) -> bytes | None:
        if data is None or isinstance(data, bytes):
            return data
        return str(data).encode()


def make_producer(bootstrap: str, **overrides: Any) -> KafkaProducer:
    """An idempotent, acks=all producer keyed by string keys, sending JSON bytes."""
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "client_id": "seasight-producer",
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 20,
        "batch_size": 256 * 1024,
        "compression_type": "lz4",
        "key_serializer": TextKeySerializer(),
    }
    config.update(overrides)
    try:
        return KafkaProducer(**config)
    except KafkaError as exc:
        raise StackError(f"cannot reach the Kafka broker at {bootstrap}") from exc


def make_consumer(bootstrap: str, group: str, topics: list[str], **overrides: Any) -> KafkaConsumer:
    """A consumer in ``group`` with auto-commit off, starting at the earliest offset of a new group."""
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "group_id": group,
        "client_id": f"seasight-{group}",
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "max_poll_records": 5000,
        "fetch_max_bytes": 32 * 1024 * 1024,
    }
    config.update(overrides)
    try:
        consumer = KafkaConsumer(**config)
    except KafkaError as exc:
        raise StackError(f"cannot reach the Kafka broker at {bootstrap}") from exc
    consumer.subscribe(topics)
    return consumer
