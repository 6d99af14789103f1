"""The tracker's Kafka consumer: the ingest topics into PostGIS.

Commit protocol (the order matters, and is why nothing is lost or doubled):

1. poll a batch of records (from every subscribed topic);
2. decode each with the schema of its topic; a record that cannot be decoded is sent to the dead-letter
   topic with its topic/partition/offset (and that send is flushed) so it is never silently skipped;
3. write the whole batch in ONE PostgreSQL transaction (each topic's writer in turn) and COMMIT it;
4. only then commit the Kafka offsets (the next offset after the batch, per partition).

A crash between 3 and 4 replays the batch on restart; every writer is idempotent through natural keys,
so the replay changes nothing. A batch the database refuses (a constraint or data error) is written again
record by record in savepoints; the records it still refuses go to the dead-letter topic (flushed) before
that transaction and the offsets commit. A database outage pauses the partitions and retries the same batch with
back-off (polling with the partitions paused keeps the consumer in its group), so no record is dropped.

Each topic has one :class:`TopicHandler`: its message class and a writer ``(conn, messages) -> int``.
Adding a record kind to the tracker is one entry in :func:`default_handlers`.

With a :class:`~tracking.stream.stage.DetectionStage` (``seasight track --detect``), detection runs in the
same consumer group, keyed by MMSI: inside step 3's transaction, after the writers, the stage folds the
batch into its per-vessel state and stores the flags the rules now give, so positions and their flags
commit together; after step 4 the changed flags are published to ``seasight.flag`` (never before the
database commit). Any database error during a batch makes the stage rebuild its state from the committed
positions before the retry, so its memory never runs ahead of the database.

Liveness (tracking/liveness.py): every ``heartbeat_s`` each of the tracker's consumers writes its state
(joining, consuming, standby, broker away, ...), the partitions it holds and their lag, read by ``seasight
status``/``health`` and the feeds page. A consumer that has had no partition for ``join_bound_s`` (and is
not on standby) logs why, and rejoins; when no other member of its group is consuming it first resets the
group, keeping the committed offsets (the work-around for a group the embedded broker holds wedged, see
:func:`seasight.kafka.reset_group`). While the broker is away the tracker waits, polling with back-off, says
so once (and then every minute), and continues when it is back: a batch whose offset commit could not reach
the broker is simply replayed (idempotent writes; the stored-through marks advance only over stored runs).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import psycopg
from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from seasight.clock import system_clock
from seasight.errors import SchemaError, SeasightError
from seasight.kafka import (
    PRIORITY_TOPICS,
    TOPIC_AIS_DISTRESS,
    TOPIC_AIS_HEARD,
    TOPIC_AIS_POSITION,
    TOPIC_AIS_SAFETY,
    TOPIC_AIS_STATIC,
    TOPIC_DEAD_LETTER,
    TOPIC_FEED_HEALTH,
    TOPIC_SIGHTING,
    buffer_number,
    describe_group,
    group_admin,
    make_consumer,
    make_producer,
    reset_group,
)
from seasight.schemas import (
    FeedHealth,
    HeardReport,
    Message,
    PositionReport,
    SafetyBroadcast,
    Sighting,
    StaticVoyageReport,
)
from tracking.feed_health import write_feed_health
from tracking.liveness import (
    GroupView,
    Heartbeat,
    JoinWatch,
    LivenessRecorder,
    describe_stall,
    group_offsets_for,
    live_trackers,
    member_key,
    member_state,
    partition_lag,
    recorded_offsets,
)
from tracking.store import (
    detection_view,
    write_heard,
    write_positions,
    write_safety,
    write_sightings,
    write_static,
)
from tracking.stored_through import BufferPartition, mark_stored_through, stored_runs

if TYPE_CHECKING:
    from tracking.detect import StoredChange
    from tracking.stream.stage import DetectionStage

log = logging.getLogger("seasight.tracking.consumer")

Writer = Callable[[psycopg.Connection, Sequence[Any]], int]


@dataclass(frozen=True)
class TopicHandler:
    """How the tracker stores the records of one topic."""

    topic: str
    message: type[Message]
    write: Writer


def default_handlers() -> list[TopicHandler]:
    return [
        TopicHandler(TOPIC_AIS_POSITION, PositionReport, write_positions),
        TopicHandler(TOPIC_AIS_DISTRESS, PositionReport, write_positions),
        TopicHandler(TOPIC_AIS_STATIC, StaticVoyageReport, write_static),
        TopicHandler(TOPIC_AIS_SAFETY, SafetyBroadcast, write_safety),
        # heard without a position (lat 91 / lon 181, binary, acknowledgements …): "last heard", no move
        TopicHandler(TOPIC_AIS_HEARD, HeardReport, write_heard),
        TopicHandler(TOPIC_SIGHTING, Sighting, write_sightings),
        TopicHandler(TOPIC_FEED_HEALTH, FeedHealth, write_feed_health),
    ]


@dataclass(frozen=True, slots=True)
class Origin:
    """A decoded record and where it came from (for dead letters)."""

    message: Message
    topic: str
    partition: int
    offset: int
    raw: bytes | None


@dataclass
class TrackerStats:
    records: int = 0
    written: dict[str, int] = field(default_factory=dict)
    dead_lettered: int = 0
    batches: int = 0
    flag_events: int = 0

    @property
    def positions_inserted(self) -> int:
        return self.written.get(TOPIC_AIS_POSITION, 0)


def _coordinator(consumer: KafkaConsumer) -> tuple[str | None, bool]:
    """(the broker's member id, whether the member has completed its join) from kafka-python's group
    coordinator (private attributes, read defensively: a client without them reports (None, False))."""
    coordinator = getattr(consumer, "_coordinator", None)
    generation = getattr(coordinator, "_generation", None)
    member_id = getattr(generation, "member_id", None) or None
    state = str(getattr(coordinator, "state", ""))
    return (str(member_id) if member_id else None), state == "<stable>"


class _BrokerNoise(logging.Filter):
    """kafka-python's connection errors, on the log handlers while a tracker runs: while the tracker knows
    the broker is away they are dropped (it says so itself, once, then every minute); otherwise they pass,
    and the first one makes the tracker look at the broker at once instead of at its next heartbeat."""

    PHRASES = (
        "ECONNREFUSED",
        "socket disconnected",
        "Connection lost",
        "Connection failed",
        "No node available",
        "not ready",
        "bootstrap",
        "Marking the coordinator dead",
        "Error sending",
        "Fetch to node",
        "Metadata refresh",
    )

    def __init__(self) -> None:
        super().__init__("seasight-broker-noise")
        self.away = False
        self.seen = False

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("kafka") or record.levelno >= logging.CRITICAL:
            return True
        message = record.getMessage()
        if not any(p in message for p in self.PHRASES):
            return True
        self.seen = True
        return not self.away


def _poll_to_stay(consumer: KafkaConsumer, timeout_ms: int) -> None:
    """Poll only to keep ``consumer`` in its group and reconnecting (a member that stops polling for longer
    than max.poll.interval is put out), while the tracker cannot store: whatever the poll fetched anyway (a
    broker back with the publishers' records sent again, a partition assigned during a pause) is put back,
    each partition rewound to its first record fetched, so the next real poll reads it again."""
    for tp, records in consumer.poll(timeout_ms=timeout_ms).items():
        if records:
            consumer.seek(tp, records[0].offset)


class _Member:
    """One of the tracker's consumers and what its heartbeats report: the group, its topics, what it has
    committed, the join watch, and the offsets to start from after a group reset."""

    def __init__(
        self, name: str, group: str, topics: list[str], make: Callable[[ConsumerRebalanceListener], KafkaConsumer]
    ) -> None:
        self.name = name
        self.group = group
        self.topics = topics
        self._make = make
        self.committed: dict[TopicPartition, int] = {}
        self.restore: dict[tuple[str, int], int] = {}
        self.to_commit: dict[TopicPartition, int] = {}
        self.resets = 0
        self.detail = ""
        self.watch = JoinWatch(None)
        self.recorder: LivenessRecorder | None = None
        self._closed = False
        self.consumer: KafkaConsumer = make(_Restore(self))
        self.progress_at = time.monotonic()  # the last batch this member's consumer handed over (or its start)

    def close(self) -> None:
        """Close the consumer (it leaves its group); a second call does nothing."""
        if not self._closed:
            self._closed = True
            with contextlib.suppress(KafkaError, OSError):
                self.consumer.close()

    def renew(self) -> KafkaConsumer:
        """Close the consumer (it leaves the group) and open a new one (a new member id)."""
        self.close()
        self.committed = {}
        self.consumer = self._make(_Restore(self))
        self._closed = False
        self.progress_at = time.monotonic()
        return self.consumer


class _Restore(ConsumerRebalanceListener):  # type: ignore[misc]  # kafka-python ships no type hints
    """After a group reset, start each newly assigned partition at the offset the group had committed."""

    def __init__(self, member: _Member) -> None:
        self.member = member

    def on_partitions_revoked(self, revoked: Any) -> None:
        for tp in revoked:
            self.member.committed.pop(tp, None)

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.member.progress_at = time.monotonic()  # a new assignment: the starvation watch counts from here
        for tp in assigned:
            offset = self.member.restore.pop((tp.topic, tp.partition), None)
            if offset is not None:
                self.member.consumer.seek(tp, offset)
                self.member.to_commit[tp] = offset


class Tracker:
    """Consume the ingest topics and keep the picture in PostGIS (one process per partition scales out)."""

    def __init__(
        self,
        database_url: str,
        bootstrap: str,
        group: str,
        max_poll_interval_ms: int = 300_000,
        handlers: list[TopicHandler] | None = None,
        on_commit: Callable[[dict[str, list[Message]]], None] | None = None,
        detection: DetectionStage | None = None,
        clock: Callable[[], datetime] | None = None,
        max_poll_records: int = 5000,
        urgent_within_s: float = 0.5,
        join_bound_s: float | None = 60.0,
        heartbeat_s: float = 5.0,
        stale_after_s: float = 30.0,
        liveness: bool = True,
    ) -> None:
        """``join_bound_s``: seconds without partitions (not on standby) after which a consumer says why and
        rejoins, resetting its group when no other member consumes (None: wait as long as it takes).
        ``heartbeat_s``: seconds between liveness heartbeats; ``stale_after_s``: a member silent this long
        counts as gone; ``liveness``: write the heartbeats at all (tracking/liveness.py)."""
        self.database_url = database_url
        self.bootstrap = bootstrap
        self.group = group
        self.handlers = {h.topic: h for h in (handlers or default_handlers())}
        self.stats = TrackerStats()
        timing = {
            "max_poll_interval_ms": max_poll_interval_ms,
            "session_timeout_ms": min(10_000, max_poll_interval_ms),
            "heartbeat_interval_ms": min(3_000, max_poll_interval_ms // 3),
        }
        # With detection on, the priority topics (distress positions, safety texts, sightings) get a consumer
        # of their own, polled before every batch of the others: its fetches never queue behind a backlog.
        urgent = [t for t in self.handlers if detection is not None and self._is_priority(t)]
        ordinary = [t for t in self.handlers if t not in urgent]
        self._members = [
            _Member(
                "ordinary",
                group,
                ordinary,
                lambda listener: make_consumer(
                    bootstrap, group, ordinary, listener=listener, max_poll_records=max_poll_records, **timing
                ),
            )
        ]
        if urgent:
            self._members.append(
                _Member(
                    "priority",
                    f"{group}.priority",
                    urgent,
                    lambda listener: make_consumer(
                        bootstrap, f"{group}.priority", urgent, listener=listener, max_poll_records=500, **timing
                    ),
                )
            )
        self._join_bound_s = join_bound_s
        self._heartbeat_s = heartbeat_s
        self._stale_after_s = stale_after_s
        host, pid, key = member_key()
        for m in self._members:
            m.watch = JoinWatch(join_bound_s)
            if liveness:
                m.recorder = LivenessRecorder(database_url, m.group, host, pid, f"{key}:{m.name}")
        self._next_beat = 0.0
        self._max_poll_interval_ms = max_poll_interval_ms
        self._away_polls = 0
        self._broker_reason = ""
        self._broker_away_since: float | None = None  # time.monotonic() of the first failed look
        self._broker_said_at = 0.0
        self._noise = _BrokerNoise()
        self._database_away = False
        self._dead_letters: KafkaProducer | None = None
        self._conn: psycopg.Connection | None = None
        self._on_commit = on_commit  # told of every batch once its database transaction has committed
        self._stop = threading.Event()
        self.detection = detection
        if detection is not None:
            # The stage checkpoints under this group, in each batch's transaction: a restart of the group
            # loads what its committed batches left (tracking/stream/stage.py, DetectionStage.start).
            detection.checkpoint_group = group
        self._clock = clock or system_clock  # only stamps published flag events
        self._flag_producer: KafkaProducer | None = None
        self._changes: list[StoredChange] = []  # of the batch in hand, published after its commit
        self._partition_time: dict[TopicPartition, datetime] = {}  # latest position time per partition
        # With detection on, an ordinary batch is cut to what takes about ``urgent_within_s`` to process (from
        # the last batch's cost per record), so the priority consumer is polled at least that often: a distress
        # report waits behind one short batch, never behind a long one.
        self._max_poll_records = max_poll_records
        self._urgent_within_s = urgent_within_s
        self._batch_records = max_poll_records
        # Record numbers of the ingest buffers in the batch in hand, by topic: their stored-through marks
        # advance in the transaction that stores them (tracking/stored_through.py).
        self._numbers: dict[str, dict[BufferPartition, list[int]]] = {}
        self._incarnation: str | None = None  # the broker's cluster id when last looked at

    @property
    def _consumer(self) -> KafkaConsumer:
        """The consumer of the ordinary topics (replaced when its member rejoins)."""
        return self._members[0].consumer

    @property
    def _priority_consumer(self) -> KafkaConsumer | None:
        """With detection on, the consumer of the priority topics (group ``GROUP.priority``)."""
        return self._members[1].consumer if len(self._members) > 1 else None

    # -- database ----------------------------------------------------------------------------------------

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.database_url, connect_timeout=10, application_name="seasight-tracker")
        return self._conn

    def _store(self, decoded: dict[str, list[Origin]]) -> dict[str, int]:
        """Write every topic's records in one transaction; while the database is away, pause consumption
        and retry the same batch with back-off (nothing is dropped, nothing committed twice).

        If the database refuses the batch (a constraint or data error, not an outage), the batch is written
        again record by record, each in its own savepoint, and every record it still refuses goes to the
        dead-letter topic with its topic/partition/offset and the database's reason."""
        delay = 0.5
        while True:
            try:
                conn = self._connection()
                try:
                    written = self._write(conn, decoded)
                except psycopg.OperationalError:
                    raise
                except psycopg.Error as exc:
                    log.warning("database refused a batch (%s); writing it record by record", exc)
                    self._reset_detection()
                    written = self._write_one_by_one(conn, decoded)
                self._database_away = False
                return written
            except psycopg.OperationalError as exc:
                self._reset_detection()
                self._database_away = True
                self._beat(force=True)
                log.warning("database unavailable (%s); pausing consumption, retry in %.1f s", exc, delay)
                if self._conn is not None:
                    self._conn.close()
                self._conn = None
                assignment = self._consumer.assignment()
                self._consumer.pause(*assignment)
                # Keep polling while paused (paused partitions return nothing): a consumer that stops polling
                # for longer than max.poll.interval is put out of its group.
                waited_until = time.monotonic() + delay
                while time.monotonic() < waited_until:
                    _poll_to_stay(self._consumer, max(1, int((waited_until - time.monotonic()) * 1000)))
                delay = min(delay * 2, 30.0)
                self._consumer.resume(*assignment)

    def _reset_detection(self) -> None:
        """The batch did not commit: the stage rebuilds from the committed positions before the retry."""
        self._changes = []
        if self.detection is not None:
            stage = type(self.detection)(
                self.detection.rules, self.detection.settings, distance_to_shore=self.detection.distance_to_shore
            )
            stage.checkpoint_group = self.detection.checkpoint_group
            self.detection = stage

    def _detect(self, conn: psycopg.Connection, messages: dict[str, list[Message]]) -> None:
        """Run the detection stage on the batch, inside its transaction, after the writers."""
        if self.detection is None:
            return
        # as stored: no time-quarantined position, each sighting's current version (tracking/store.py)
        everything = detection_view(conn, [m for records in messages.values() for m in records])
        # Event time is complete only up to the slowest partition that still has records queued.
        lagging = []
        known = list(self._partition_time.values())
        for tp in self._consumer.assignment():
            if self.handlers[tp.topic].message is not PositionReport:
                continue
            high = self._consumer.highwater(tp)
            if high is not None and self._consumer.position(tp) >= high:
                continue  # caught up: an idle partition does not hold event time back
            t = self._partition_time.get(tp)
            if t is not None:
                lagging.append(t)
            elif known:
                lagging.append(min(known))  # not heard from yet: hold back to the slowest known
        result = self.detection.process(
            conn,
            positions=[m for m in everything if isinstance(m, PositionReport)],
            sightings=[m for m in everything if isinstance(m, Sighting)],
            safety=[m for m in everything if isinstance(m, SafetyBroadcast)],
            static_mmsis={m.mmsi for m in everything if isinstance(m, StaticVoyageReport)},
            complete_to=min(lagging) if lagging else None,
        )
        self._changes = list(result.changes)

    def _write(self, conn: psycopg.Connection, decoded: dict[str, list[Origin]]) -> dict[str, int]:
        written: dict[str, int] = {}
        with conn.transaction():
            for topic, origins in decoded.items():
                if origins:
                    written[topic] = self.handlers[topic].write(conn, [o.message for o in origins])
            self._detect(conn, {t: [o.message for o in origins] for t, origins in decoded.items()})
            self._mark_stored(conn, decoded)
        return written

    def _mark_stored(self, conn: psycopg.Connection, decoded: dict[str, list[Origin]]) -> None:
        """Advance the ingest buffers' stored-through marks over this batch's records (same transaction).
        Records the database refused count as handled: they went to the dead-letter topic."""
        numbers = {key: seqs for topic in decoded for key, seqs in self._numbers.get(topic, {}).items()}
        mark_stored_through(conn, stored_runs(numbers))

    def _write_one_by_one(self, conn: psycopg.Connection, decoded: dict[str, list[Origin]]) -> dict[str, int]:
        written: dict[str, int] = {}
        refused: list[tuple[Origin, str]] = []
        with conn.transaction():
            for topic, origins in decoded.items():
                for origin in origins:
                    try:
                        with conn.transaction():  # a savepoint per record
                            written[topic] = written.get(topic, 0) + self.handlers[topic].write(conn, [origin.message])
                    except psycopg.OperationalError:
                        raise
                    except psycopg.Error as exc:
                        refused.append((origin, f"database refused it: {str(exc).strip().splitlines()[0]}"))
            refused_ids = {id(o) for o, _ in refused}
            self._detect(
                conn,
                {t: [o.message for o in origins if id(o) not in refused_ids] for t, origins in decoded.items()},
            )
            # Dead letters are sent and flushed before this transaction commits and before the offsets are
            # committed: a crash in between replays the batch (idempotent) and dead-letters again.
            for origin, reason in refused:
                self._dead_letter(origin.topic, origin.partition, origin.offset, origin.raw, reason)
            if self._dead_letters is not None:
                self._dead_letters.flush()
            self._mark_stored(conn, decoded)
        return written

    # -- dead letters ------------------------------------------------------------------------------------

    def _dead_letter(self, topic: str, partition: int, offset: int, value: bytes | None, reason: str) -> None:
        if self._dead_letters is None:
            self._dead_letters = make_producer(self.bootstrap)
        headers = [
            ("source_topic", topic.encode()),
            ("source_partition", str(partition).encode()),
            ("source_offset", str(offset).encode()),
            ("reason", reason.encode()),
        ]
        self._dead_letters.send(TOPIC_DEAD_LETTER, value=value or b"", headers=headers)
        self.stats.dead_lettered += 1
        log.warning("dead-lettered %s[%d]@%d: %s", topic, partition, offset, reason)

    # -- loop --------------------------------------------------------------------------------------------

    def process_batch(self, batch: dict[TopicPartition, list[Any]], consumer: KafkaConsumer | None = None) -> None:
        decoded: dict[str, list[Origin]] = {}
        next_offsets: dict[TopicPartition, int] = {}
        self._numbers = {}
        for tp, records in batch.items():
            message_class = self.handlers[tp.topic].message
            into = decoded.setdefault(tp.topic, [])
            first_of_tp = len(into)
            numbers = self._numbers.setdefault(tp.topic, {})
            for record in records:
                numbered = buffer_number(record.headers)
                if numbered is not None:
                    numbers.setdefault((numbered[0], tp.topic, tp.partition), []).append(numbered[1])
                try:
                    into.append(
                        Origin(
                            message_class.from_json(record.value), tp.topic, tp.partition, record.offset, record.value
                        )
                    )
                except SchemaError as exc:
                    self._dead_letter(tp.topic, tp.partition, record.offset, record.value, str(exc))
                next_offsets[tp] = record.offset + 1
            if self.detection is not None:
                times = [o.message.observed_at for o in into[first_of_tp:] if isinstance(o.message, PositionReport)]
                if times:
                    self._partition_time[tp] = max(max(times), self._partition_time.get(tp, times[0]))
            self.stats.records += len(records)
        if self._dead_letters is not None:
            self._dead_letters.flush()
        # 0) the distress priority path: with detection on, distress positions, safety texts and sightings
        #    are stored, evaluated and committed first, and their flags published right away, before the
        #    batch's backlog of ordinary positions is written (their offsets commit with the batch's, below;
        #    a crash in between replays them idempotently).
        urgent = {t: o for t, o in decoded.items() if o and self._is_priority(t)}
        if self.detection is not None and urgent and len(urgent) < len([o for o in decoded.values() if o]):
            for topic, count in self._store(urgent).items():
                self.stats.written[topic] = self.stats.written.get(topic, 0) + count
            self._publish_changes()
            decoded = {t: o for t, o in decoded.items() if t not in urgent}
        # 1) database commit ...
        for topic, count in self._store(decoded).items():
            self.stats.written[topic] = self.stats.written.get(topic, 0) + count
        if self._on_commit is not None:
            self._on_commit({topic: [o.message for o in origins] for topic, origins in decoded.items()})
        # 2) ... then the offsets, so a crash in between only replays idempotent writes.
        used = consumer or self._consumer
        try:
            used.commit({tp: OffsetAndMetadata(off, "", -1) for tp, off in next_offsets.items()}, timeout_ms=10_000)
        except CommitFailedError as exc:
            # The group rebalanced meanwhile: whoever owns these partitions now replays the batch, and the
            # writes are idempotent, so nothing is lost or doubled.
            log.warning("offset commit failed after a rebalance (%s); the batch will be replayed", exc)
        except KafkaError as exc:
            # The broker is away (or timed out): the offsets stay where they were, so the batch is read again
            # once it is back (idempotent writes; the stored-through marks only ever advance).
            log.warning("offset commit did not reach the broker (%s); the batch will be replayed", exc)
            self._broker_trouble(exc)
        else:
            for m in self._members:
                if m.consumer is used:
                    m.committed.update(next_offsets)
        for m in self._members:
            if m.consumer is used:
                m.progress_at = time.monotonic()
        # 3) ... then tell the world of the flags that committed with the batch.
        self._publish_changes()
        self.stats.batches += 1

    def _is_priority(self, topic: str) -> bool:
        return topic in PRIORITY_TOPICS or topic.endswith((".distress", ".safety", ".sighting"))

    def _publish_changes(self) -> None:
        changes, self._changes = self._changes, []
        if not changes:
            return
        from seasight.kafka import TOPIC_FLAG
        from tracking.flag_events import flag_events

        conn = self._connection()
        events = flag_events(conn, changes, self._clock())
        conn.rollback()  # a read only; leave no transaction open
        if self._flag_producer is None:
            self._flag_producer = make_producer(self.bootstrap)
        for event in events:
            self._flag_producer.send(TOPIC_FLAG, key=event.subject, value=event.to_json())
        self._flag_producer.flush()
        self.stats.flag_events += len(events)

    def flush_detection(self) -> None:
        """Judge the last silences on the final watermarks (end of a drained stream), commit, publish."""
        if self.detection is None:
            return
        conn = self._connection()
        with conn.transaction():
            self._changes = list(self.detection.flush(conn).changes)
        self._publish_changes()

    def _drained(self) -> bool:
        for consumer in (self._consumer, self._priority_consumer):
            if consumer is None:
                continue
            assignment = consumer.assignment()
            if not assignment:
                return False
            try:
                ends = consumer.end_offsets(list(assignment), timeout_ms=5_000)
            except KafkaError as exc:
                self._broker_trouble(exc)
                return False
            if not all(consumer.position(tp) >= ends[tp] for tp in assignment):
                return False
        return True

    def run(self, until_idle: bool = False, idle_timeout_s: float = 60.0) -> TrackerStats:
        """Consume until stopped; with ``until_idle``, until every assigned partition is drained.

        ``idle_timeout_s`` bounds how long ``until_idle`` waits for a first assignment and for data.
        """
        last_progress = time.monotonic()
        for handler in logging.getLogger().handlers:
            handler.addFilter(self._noise)
        try:
            while not self._stop.is_set():
                if self._noise.seen and self._broker_away_since is None:
                    self._noise.seen = False
                    if not self._broker_reachable():
                        self._broker_trouble(ConnectionRefusedError("connection refused"))
                self._beat()
                self._commit_restored()
                self._check_incarnation()
                if self._broker_away_since is not None:
                    # The broker is away: poll with back-off (each poll waits its whole timeout when nothing
                    # comes) until a heartbeat finds it back; kafka-python reconnects meanwhile.
                    self._away_polls += 1
                    wait_ms = min(8_000, self._max_poll_interval_ms // 2, 500 * 2 ** min(self._away_polls, 4))
                    for m in self._members:
                        _poll_to_stay(m.consumer, max(100, wait_ms // len(self._members)))
                    continue
                self._away_polls = 0
                if self._priority_consumer is not None:
                    # Short polls once it is in its group; longer ones while it joins (a join needs several
                    # round trips, and tiny polls between long batches never complete it).
                    joined = bool(self._priority_consumer.assignment())
                    urgent = self._priority_consumer.poll(timeout_ms=10 if joined else 300)
                    if urgent:
                        self.process_batch(urgent, self._priority_consumer)
                        last_progress = time.monotonic()
                if self._priority_consumer is None:
                    batch = self._consumer.poll(timeout_ms=500)
                else:
                    batch = self._consumer.poll(timeout_ms=50, max_records=self._batch_records)
                if batch:
                    started = time.monotonic()
                    self.process_batch(batch)
                    last_progress = time.monotonic()
                    self._size_next_batch(sum(len(r) for r in batch.values()), last_progress - started)
                    continue
                if until_idle:
                    if self._drained():
                        self.flush_detection()
                        break
                    if time.monotonic() - last_progress > idle_timeout_s:
                        log.warning("no assignment or data for %.0f s; stopping", idle_timeout_s)
                        self.flush_detection()
                        break
        finally:
            self.close()
        return self.stats

    def _check_incarnation(self) -> None:
        """A broker that came back with a new cluster id (the local stack gives each start its own) has lost
        what it held, committed offsets included: read every assigned partition again from its beginning,
        so nothing the publishers send again is skipped (the writes are idempotent, repeats change nothing)."""
        # kafka-python keeps the cluster id of its last metadata answer on the client's cluster metadata.
        cluster_id = getattr(getattr(self._consumer, "_client", None), "cluster", None)
        current = getattr(cluster_id, "cluster_id", None)
        if not current:
            return
        if self._incarnation is not None and current != self._incarnation:
            log.warning(
                "broker restarted (cluster id %s, was %s): reading every assigned partition from its beginning",
                current,
                self._incarnation,
            )
            for m in self._members:
                m.committed.clear()
                if m.consumer.assignment():
                    m.consumer.seek_to_beginning(*m.consumer.assignment())
            self._partition_time.clear()
        self._incarnation = str(current)

    # -- liveness ----------------------------------------------------------------------------------------

    def _beat(self, force: bool = False) -> None:
        """Every ``heartbeat_s``: look at each consumer (partitions, lag, the broker), act on a join that
        passed its bound, and write its heartbeat."""
        now = time.monotonic()
        if not force and now < self._next_beat:
            return
        self._next_beat = now + self._heartbeat_s
        for m in self._members:
            self._beat_member(m, now)

    def _beat_member(self, m: _Member, now: float) -> None:
        consumer = m.consumer
        assigned = set(consumer.assignment())
        member_id, stable = _coordinator(consumer)
        lags: dict[tuple[str, int], tuple[int | None, int, int]] = {}
        if assigned:
            try:
                ends = consumer.end_offsets(sorted(assigned), timeout_ms=3_000)
                for tp in assigned - set(m.committed):
                    committed = consumer.committed(tp, timeout_ms=3_000)
                    if committed is not None:
                        m.committed[tp] = int(committed)
            except KafkaError as exc:
                self._broker_trouble(exc)
            else:
                self._broker_back()
                for tp in sorted(assigned):
                    end = ends.get(tp)
                    if end is not None:
                        committed = m.committed.get(tp)
                        lags[(tp.topic, tp.partition)] = (committed, int(end), partition_lag(int(end), committed))
        elif self._broker_reachable():
            self._broker_back()
        else:
            self._broker_trouble(ConnectionRefusedError(f"nothing answers at {self.bootstrap}"))
        away = self._broker_away_since is not None
        if m.watch.observe(now, 0 if away else len(assigned), stable or away):
            self._stalled(m)
            assigned, lags, member_id, stable = set(), {}, None, False
        elif self._starved(m, now, lags, away):
            assigned, lags, member_id, stable = set(), {}, None, False
        state = member_state(len(assigned), stable, away, self._database_away)
        if state == "broker_away":
            detail = f"cannot reach the broker at {self.bootstrap} ({self._broker_reason}); retrying with back-off"
        elif state == "database_away":
            detail = "the database is unreachable; consumption paused, retrying with back-off"
        elif state == "standby":
            detail = "the group has more members than partitions"
        elif state == "joining":
            waited = f"waiting {m.watch.waited(now):.0f} s for partitions"
            detail = f"{waited}; before: {m.detail}" if m.detail else waited
        else:
            detail = ""
        if m.recorder is not None:
            m.recorder.beat(Heartbeat(state, detail, member_id, lags, m.resets))

    def _starved(
        self, m: _Member, now: float, lags: dict[tuple[str, int], tuple[int | None, int, int]], away: bool
    ) -> bool:
        """``m`` holds partitions with records waiting (lag above 0) but its consumer has handed over nothing
        for the join bound, with broker and database both there: the client is stuck (seen after a broker
        restart, when kafka-python kept the old group's assignment and never rejoined). Say so and open a
        new consumer (a new member id; it starts at the group's committed offsets, which the writes'
        idempotence makes safe to replay). True when it did."""
        if self._join_bound_s is None or away or self._database_away:
            return False
        waiting = sum(lag for _committed, _end, lag in lags.values())
        idle = now - m.progress_at
        if waiting == 0 or idle < self._join_bound_s:
            return False
        member_id, _stable = _coordinator(m.consumer)
        state = str(getattr(getattr(m.consumer, "_coordinator", None), "state", "unknown"))
        why = (
            f"group {m.group}: {waiting} record(s) waiting on {len(lags)} held partition(s) but nothing consumed "
            f"for {idle:.0f} s (member {member_id or 'none'}, join state {state})"
        )
        log.warning("%s; rejoining with a new consumer", why)
        m.detail = f"{why}; rejoined"
        m.renew()
        return True

    def _broker_reachable(self) -> bool:
        """Whether any bootstrap server accepts a TCP connection (1 s each): the look at the broker when
        the consumer holds no partition to ask about."""
        for server in self.bootstrap.split(","):
            host, _, port = server.strip().rpartition(":")
            try:
                with socket.create_connection((host, int(port)), timeout=1.0):
                    return True
            except (OSError, ValueError):
                continue
        return False

    def _broker_trouble(self, exc: BaseException) -> None:
        """The broker did not answer: from the first time, the tracker waits (says so once, then every
        minute) and kafka-python's own connection errors are kept out of the log until it is back."""
        now = time.monotonic()
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if not isinstance(exc, ConnectionRefusedError) and not self._broker_reachable():
            text = "connection refused"
        if self._broker_away_since is None:
            self._broker_away_since = now
            self._broker_said_at = now
            self._broker_reason = text
            log.warning(
                "broker at %s away (%s): waiting and retrying with back-off; consumption continues when it is back",
                self.bootstrap,
                text,
            )
            self._noise.away = True
        elif now - self._broker_said_at >= 60:
            self._broker_said_at = now
            log.warning(
                "broker at %s still away after %.0f s (%s)", self.bootstrap, now - self._broker_away_since, text
            )

    def _broker_back(self) -> None:
        if self._broker_away_since is None:
            return
        log.warning("broker at %s back after %.0f s", self.bootstrap, time.monotonic() - self._broker_away_since)
        self._broker_away_since = None
        for m in self._members:  # the starvation watch counts from the broker's return
            m.progress_at = time.monotonic()
        self._noise.away = False
        self._noise.seen = False

    def _stalled(self, m: _Member) -> None:
        """``m`` has had no partition for the join bound: say why (the broker's view of the group, the
        trackers heard from lately) and rejoin, resetting the group first when no other member consumes."""
        own, _ = _coordinator(m.consumer)
        waited = (m.watch.bound_s or 0.0) * m.watch.overdue
        peers = []
        conn = None
        if m.recorder is not None:
            try:
                conn = m.recorder.connection()
                peers = live_trackers(conn, m.group, self._stale_after_s, m.recorder.member)
            except psycopg.Error as exc:
                log.debug("liveness: cannot read the group's members (%s)", exc)
                conn = None
        view = None
        admin = None
        try:
            admin = group_admin(self.bootstrap, 5_000)
            state, members = describe_group(admin, m.group)
            view = GroupView(state, members)
        except (KafkaError, SeasightError, ValueError, OSError) as exc:
            log.debug("cannot describe group %s (%s)", m.group, exc)
        why = describe_stall(m.group, waited, view, [f"{p.host} pid {p.pid} ({p.state})" for p in peers], own)
        try:
            if admin is None or any(p.state == "consuming" for p in peers):
                log.warning("%s; rejoining (another tracker consumes in the group, so it is not reset)", why)
                m.detail = f"{why}; rejoined"
                m.renew()
                return
            log.warning("%s; resetting the group (its committed offsets are kept) and rejoining", why)
            m.close()  # leave the group first: a group with members cannot be deleted
            try:
                broker_offsets = reset_group(admin, m.group)
            except (KafkaError, SeasightError) as exc:
                log.warning("could not reset group %s (%s); rejoining", m.group, exc)
                m.detail = f"{why}; reset failed ({exc}), rejoined"
            else:
                recorded: dict[tuple[str, int], int] = {}
                if conn is not None:
                    with contextlib.suppress(psycopg.Error):
                        recorded = recorded_offsets(conn, m.group)
                m.restore = group_offsets_for(m.topics, broker_offsets, recorded)
                m.resets += 1
                m.detail = f"{why}; group reset (committed offsets of {len(m.restore)} partition(s) kept), rejoined"
                log.warning("group %s reset; %d committed offset(s) kept", m.group, len(m.restore))
            m.renew()
        finally:
            if admin is not None:
                with contextlib.suppress(KafkaError, OSError):
                    admin.close()

    def _commit_restored(self) -> None:
        """Commit the offsets a reset group's partitions were started at, once they are assigned, so a
        later holder starts there too."""
        for m in self._members:
            if not m.to_commit:
                continue
            offsets, m.to_commit = m.to_commit, {}
            try:
                m.consumer.commit(
                    {tp: OffsetAndMetadata(off, "", -1) for tp, off in offsets.items()}, timeout_ms=10_000
                )
                m.committed.update(offsets)
            except KafkaError as exc:
                log.warning(
                    "could not commit the kept offsets of group %s (%s); the partitions start there anyway",
                    m.group,
                    exc,
                )

    def _size_next_batch(self, records: int, seconds: float) -> None:
        """The next ordinary batch's size: what the last one's cost per record fits in ``urgent_within_s``
        (between 200 and ``max_poll_records``)."""
        if self._priority_consumer is None or records == 0 or seconds <= 0:
            return
        fits = int(self._urgent_within_s * records / seconds)
        self._batch_records = max(200, min(self._max_poll_records, fits))

    def stop(self) -> None:
        """Ask :meth:`run` (in another thread) to return after the batch in hand."""
        self._stop.set()

    def close(self) -> None:
        for m in self._members:
            m.close()
            if m.recorder is not None:
                m.recorder.stopped()
        if self._broker_away_since is not None:
            self._broker_back()
        for handler in logging.getLogger().handlers:
            handler.removeFilter(self._noise)
        if self._flag_producer is not None:
            self._flag_producer.close()
        if self._dead_letters is not None:
            self._dead_letters.close()
        if self._conn is not None:
            self._conn.close()
