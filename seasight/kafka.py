"""Kafka helpers shared by ingest (producers) and tracking (consumers): topic names, client factories.

Producers are idempotent with ``acks=all`` so a retried send cannot duplicate or reorder a record within a
partition. Consumers never auto-commit: the tracker commits an offset only after the PostgreSQL
transaction holding that record's effects has committed (see ``tracking/consumer.py``).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaAdminClient, KafkaConsumer, KafkaProducer
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


def make_consumer(
    bootstrap: str, group: str, topics: list[str], listener: ConsumerRebalanceListener | None = None, **overrides: Any
) -> KafkaConsumer:
    """A consumer in ``group`` with auto-commit off, starting at the earliest offset of a new group;
    ``listener`` is told of each assignment (and revocation) before the consumer fetches."""
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "group_id": group,
        "client_id": f"seasight-{group}",
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "max_poll_records": 5000,
        "fetch_max_bytes": 32 * 1024 * 1024,
        # Reconnect back-off after a lost broker: 50 ms doubling up to 5 s (kafka-python's default grows to
        # 30 s, so a broker back after a minute would wait up to that long to be noticed).
        "reconnect_backoff_ms": 50,
        "reconnect_backoff_max_ms": 5_000,
    }
    config.update(overrides)
    try:
        consumer = KafkaConsumer(**config)
    except KafkaError as exc:
        raise StackError(f"cannot reach the Kafka broker at {bootstrap}") from exc
    consumer.subscribe(topics, listener=listener)
    return consumer


class GroupAdmin(KafkaAdminClient):  # type: ignore[misc]  # kafka-python ships no type hints
    """An admin client whose DescribeGroups works on the embedded Tansu broker as on Apache Kafka.

    kafka-python asks DescribeGroups for the members' authorised operations and decodes the answer as ACL
    operations; Tansu 0.6 answers a value no ACL operation has (15), which makes ``describe_groups`` raise
    ValueError. Seasight never needs them: this client does not ask, and drops them if sent anyway."""

    def _describe_groups_request(self, group_ids: list[str]) -> Any:
        from kafka.protocol.admin import DescribeGroupsRequest

        return DescribeGroupsRequest(groups=list(group_ids), include_authorized_operations=False)

    def _process_acl_operations(self, obj: dict[str, Any]) -> dict[str, Any]:
        obj.pop("authorized_operations", None)
        return obj


def group_admin(bootstrap: str, timeout_ms: int = 10_000) -> GroupAdmin:
    """A :class:`GroupAdmin` for ``bootstrap``; raises :class:`StackError` when the broker cannot be reached."""
    try:
        return GroupAdmin(bootstrap_servers=bootstrap, client_id="seasight-admin", request_timeout_ms=timeout_ms)
    except KafkaError as exc:
        raise StackError(f"cannot reach the Kafka broker at {bootstrap}: {exc}") from exc


def describe_group(admin: GroupAdmin, group: str) -> tuple[str, tuple[str, ...]]:
    """(state, member ids) of ``group`` as its coordinator reports them (DescribeGroups)."""
    described = admin.describe_groups([group])[group]
    return str(described.get("group_state", "?")), tuple(str(m["member_id"]) for m in described.get("members", []))


def reset_group(admin: GroupAdmin, group: str) -> dict[tuple[str, int], int]:
    """Start ``group`` afresh on its coordinator and return the offsets it had committed.

    The work-around for a group the embedded broker holds wedged (docs/operations.md "A tracker gets no
    partitions"): on Tansu 0.6, when the member that led a group's last generation stops polling while
    another member is joining, and then leaves, the broker keeps naming the departed member as the leader of
    every new generation; followers wait for an assignment nobody sends and no member ever gets a partition,
    however often they rejoin. Deleting the group (DeleteGroups, after removing its members: LeaveGroup on
    their behalf) clears it; the offsets read here beforehand (OffsetFetch) are where the next members
    start again. The caller only resets a group none of whose members is consuming."""
    from kafka.admin import MemberToRemove

    committed = admin.list_group_offsets(group).get(group, {})
    offsets = {(tp.topic, tp.partition): int(meta.offset) for tp, meta in committed.items() if meta.offset >= 0}
    _, members = describe_group(admin, group)
    if members:
        admin.remove_group_members(
            group, [MemberToRemove(member_id=m, reason="seasight: stalled join") for m in members]
        )
    answer = admin.delete_groups([group]).get(group)
    if answer != "OK":
        raise StackError(f"the broker did not delete group {group}: {answer}")
    return offsets
