"""Publishing ingest's records to Kafka: the one adapter between ``ingest/`` and the broker.

Routing (every value is a versioned JSON message of :mod:`seasight.schemas`):

===========================  ===========================  =====================
record                        topic                        key
===========================  ===========================  =====================
PositionReport                ``seasight.ais.position``    MMSI
StaticVoyageReport            ``seasight.ais.static``      MMSI
SafetyBroadcast               ``seasight.ais.safety``      MMSI
FixedStationReport            ``seasight.ais.fixed``       MMSI
HeardReport                   ``seasight.ais.heard``       MMSI
Sighting                      ``seasight.sighting``        sighting id
RejectedInput                 ``seasight.rejected``        feed
FeedHealth                    ``seasight.feed.health``     feed
===========================  ===========================  =====================

Keying by MMSI keeps one vessel's messages in one partition, in order. The producer is idempotent with
``acks=all`` (:func:`seasight.kafka.make_producer`), so a retried send neither duplicates nor reorders.
:meth:`Publisher.flush` blocks until every record sent so far is acknowledged; a send that fails raises
:class:`PublishError` there, so a caller never reports records as published that the broker did not take.

With an ingest buffer (:mod:`ingest.buffer`, on by default: ``SEASIGHT_INGEST_BUFFER``), a broker's
acknowledgement is not where the promise ends: every record is first kept on disk and numbered, and stays
there until the tracker's PostGIS commit covers it (the stored-through marks). A keeper thread reads the
marks and frees the disk, watches the broker's incarnation (its cluster id: the local stack starts each
broker with a new one), and sends again whatever is not stored when the broker restarted, when it was away
(sends failed), or when the tracker saw a number missing. While the broker is away the publisher keeps
accepting into the buffer and says so (``broker_away``); :meth:`Publisher.flush` then waits, with back-off,
until the broker has acknowledged everything again. A buffered publisher may even start while the broker is
away: it keeps records from the first one, and makes its producer when the broker answers. A live feed's
periodic :meth:`Publisher.checkpoint` never waits on an absent broker (its records are already on disk), so
a feed keeps reading through an outage of any length. Each keeper round writes what it saw of the broker
into the buffer folder's ``meta.json``, so ``seasight status`` and ``seasight health`` in another process can
say "broker away since …, N record(s) kept on disk" (:func:`running_publishers`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from kafka import KafkaAdminClient, KafkaProducer
from kafka.errors import KafkaConnectionError, KafkaError
from kafka.partitioner.default import murmur2

from ingest.buffer import (
    BufferedRecord,
    BufferError,
    IngestBuffer,
    TopicPartitionKey,
    buffer_folders,
    held_by_a_running_process,
    read_meta,
)
from ingest.errors import IngestError
from ingest.ledger import FeedLedger
from seasight.errors import StackError
from seasight.kafka import (
    HEADER_BUFFER,
    HEADER_SEQ,
    TOPIC_AIS_DISTRESS,
    TOPIC_AIS_FIXED,
    TOPIC_AIS_HEARD,
    TOPIC_AIS_POSITION,
    TOPIC_AIS_SAFETY,
    TOPIC_AIS_STATIC,
    TOPIC_FEED_HEALTH,
    TOPIC_REJECTED,
    TOPIC_SIGHTING,
    is_distress_position,
    make_producer,
)
from seasight.schemas import (
    FeedHealth,
    FixedStationReport,
    HeardReport,
    Message,
    PositionReport,
    RejectedInput,
    SafetyBroadcast,
    Sighting,
    StaticVoyageReport,
)

log = logging.getLogger("seasight.ingest.publish")

BOOTSTRAP_TIMEOUT_MS = 5_000
"""How long a buffered publisher's producer and keeper wait for a first answer from the broker (ms; the
client's default is 30 s). Shorter is safe: the records are on disk, and the keeper asks again every round."""

CHECKPOINT_WAIT_S = 10.0
"""How long a live feed's periodic checkpoint waits for the broker's acknowledgements (seconds) before it
goes on reading; what is not acknowledged stays in the ingest buffer and is sent again."""

TOPIC_OF: dict[type[Message], str] = {
    PositionReport: TOPIC_AIS_POSITION,
    StaticVoyageReport: TOPIC_AIS_STATIC,
    SafetyBroadcast: TOPIC_AIS_SAFETY,
    FixedStationReport: TOPIC_AIS_FIXED,
    HeardReport: TOPIC_AIS_HEARD,
    Sighting: TOPIC_SIGHTING,
    RejectedInput: TOPIC_REJECTED,
    FeedHealth: TOPIC_FEED_HEALTH,
}


class PublishError(IngestError):
    """The broker did not acknowledge records (named topic and cause)."""


def message_key(message: Message) -> str:
    if isinstance(message, (PositionReport, StaticVoyageReport, SafetyBroadcast, FixedStationReport, HeardReport)):
        return str(message.mmsi)
    if isinstance(message, Sighting):
        return message.id
    if isinstance(message, (RejectedInput, FeedHealth)):
        return message.feed
    raise PublishError(f"no topic for {type(message).__name__}")


#: Topics whose records the tracker stores (tracking/consumer.py ``default_handlers``): only these are kept in
#: the ingest buffer, since only these ever get a stored-through mark. Base-station reports and raw rejected
#: lines are diagnostic (rejections are counted per reason in the feed-health records, which are kept).
BUFFERED_TOPICS = frozenset(
    {
        TOPIC_AIS_POSITION,
        TOPIC_AIS_DISTRESS,
        TOPIC_AIS_STATIC,
        TOPIC_AIS_SAFETY,
        TOPIC_AIS_HEARD,
        TOPIC_SIGHTING,
        TOPIC_FEED_HEALTH,
    }
)

KEEP_INTERVAL_S = 2.0
"""How often (s) the keeper reads the stored-through marks and asks the broker for its incarnation."""


@dataclass(frozen=True)
class Mark:
    """The tracker's stored-through mark of one (topic, partition) of a buffer (ingest_stored_through)."""

    stored_through: int
    gap_after: int | None
    gaps: int


def read_marks(conn: psycopg.Connection, buffer_id: str) -> dict[TopicPartitionKey, Mark]:
    """The stored-through marks the tracker has written for ``buffer_id`` (migration 0062)."""
    rows = conn.execute(
        "SELECT topic, kafka_partition, stored_through, gap_after, gaps FROM ingest_stored_through "
        "WHERE buffer_id = %s",
        (buffer_id,),
    ).fetchall()
    return {(r[0], r[1]): Mark(r[2], r[3], r[4]) for r in rows}


def broker_incarnation(admin: KafkaAdminClient) -> str | None:
    """The broker's cluster id: the local stack starts each broker with a new one (a memory broker that
    restarted has lost everything); a durable cluster keeps its id. None if the broker does not answer."""
    try:
        described = admin.describe_cluster()
    except (KafkaError, OSError) as exc:
        log.debug("broker does not answer describe_cluster: %s", exc)
        return None
    cluster_id = described.get("cluster_id") if isinstance(described, dict) else None
    return str(cluster_id) if cluster_id else None


class Publisher:
    """Sends Seasight messages to their topics; counts them per topic. With ``buffer``, every record of a
    stored topic is kept on disk until the tracker has stored it (see the module docstring)."""

    def __init__(
        self,
        producer: KafkaProducer | None,
        clock: Callable[[], float] = time.time,
        buffer: IngestBuffer | None = None,
        database_url: str | None = None,
        bootstrap: str | None = None,
        keep_interval_s: float = KEEP_INTERVAL_S,
        buffer_wait_s: float | None = None,
        make: Callable[[], KafkaProducer] | None = None,
    ) -> None:
        self.producer = producer
        # A new producer after the broker was away or restarted: an idempotent producer whose id the broker
        # no longer knows fails every send for good ("InitProducerId: UnknownError" from a new Tansu).
        self._make_producer = make
        self.clock = clock
        self.sent: dict[str, int] = {}
        self._failures: list[str] = []
        self.buffer = buffer
        self._database_url = database_url
        self._bootstrap = bootstrap
        self._keep_interval_s = keep_interval_s
        self._buffer_wait_s = buffer_wait_s
        self._send_lock = threading.RLock()  # sends and re-sends, so a partition keeps the buffer's order
        self._state_lock = threading.Lock()  # acknowledgements, written by the producer's own thread
        self._acked: dict[TopicPartitionKey, int] = {}  # highest number the broker acknowledged
        self._failed_from: dict[TopicPartitionKey, int] = {}  # lowest number whose send failed
        self.broker_away = producer is None  # sends failed: records are only kept until the broker is back
        self._away_since: float | None = clock() if producer is None else None  # Unix s, for status
        self._say_lock = threading.Lock()
        self.resent = 0  # records sent again (broker restarted or away, or a number missing at the tracker)
        self._incarnation: str | None = None
        self._admin: KafkaAdminClient | None = None
        self._db: psycopg.Connection | None = None
        self._marks: dict[TopicPartitionKey, Mark] = {}
        self._gap_seen: dict[TopicPartitionKey, tuple[int, int]] = {}  # (stored through, gaps) last cycle
        self._stop = threading.Event()
        self._keeper: threading.Thread | None = None
        if buffer is not None:
            if producer is not None:
                self._incarnation = self._ask_incarnation()
                if self._incarnation is not None:
                    buffer.sent_to(self._incarnation)
            self._say_broker_state()
            self._keeper = threading.Thread(target=self._keep, name=f"keeper-{buffer.buffer_id}", daemon=True)
            self._keeper.start()

    @classmethod
    def connect(cls, bootstrap: str, **overrides: Any) -> Publisher:
        """An unbuffered publisher (the broker's acknowledgement is the promise): benchmarks and tools."""
        return cls(make_producer(bootstrap, **overrides))

    @classmethod
    def for_settings(cls, settings: Any, buffer_wait_s: float | None = None) -> Publisher:
        """The publisher a Seasight process uses: buffered unless ``SEASIGHT_INGEST_BUFFER=false``.
        ``buffer_wait_s`` bounds how long a send waits for room in a full buffer (None: as long as it takes,
        back-pressure on a feed; an API request gives up and answers 503)."""
        from seasight.db import database_url, kafka_bootstrap

        bootstrap = kafka_bootstrap(settings)
        if not settings.ingest_buffer:
            return cls(make_producer(bootstrap))
        try:
            marks_from = database_url(settings)
        except StackError as exc:
            raise PublishError(
                "the ingest buffer reads what the tracker has stored from the database, and none is configured "
                f"({exc}): set SEASIGHT_DATABASE_URL, or SEASIGHT_INGEST_BUFFER=false with a durable, replicated "
                "Kafka"
            ) from exc
        producer: KafkaProducer | None
        try:
            producer = make_producer(bootstrap, bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS)
        except StackError as exc:  # the buffer keeps every record until the broker answers
            log.warning("%s: starting anyway, keeping records in the ingest buffer until it answers", exc)
            producer = None
        buffer = IngestBuffer.create(settings.ingest_buffer_dir, settings.ingest_buffer_max_mb * 2**20)
        return cls(
            producer,
            make=lambda: make_producer(bootstrap, bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS),
            buffer=buffer,
            database_url=marks_from,
            bootstrap=bootstrap,
            buffer_wait_s=buffer_wait_s,
        )

    def _on_error(self, topic: str) -> Callable[[BaseException], None]:
        def record(exc: BaseException) -> None:
            if len(self._failures) < 100:
                self._failures.append(f"{topic}: {exc}")

        return record

    def send(self, message: Message, ledger: FeedLedger | None = None) -> None:
        """Queue ``message`` for its topic; with ``ledger``, count it and its feed-to-publish latency."""
        topic = TOPIC_OF.get(type(message))
        if isinstance(message, PositionReport) and is_distress_position(message.mmsi, message.nav_status):
            topic = TOPIC_AIS_DISTRESS  # the priority path: read ahead of any backlog of positions
        if topic is None:
            raise PublishError(f"no topic for {type(message).__name__}")
        key = message_key(message)
        value = message.to_json()
        if self.buffer is not None and topic in BUFFERED_TOPICS:
            self._send_kept(topic, key.encode(), value)
        elif self.producer is None:  # buffered publisher, broker not reached yet: diagnostics are best effort
            self._on_error(topic)(KafkaConnectionError("the broker has not answered since this publisher started"))
        else:
            try:
                future = self.producer.send(topic, key=key, value=value)
            except KafkaError as exc:
                raise PublishError(f"cannot send to {topic}: {exc}") from exc
            future.add_errback(self._on_error(topic))
        self.sent[topic] = self.sent.get(topic, 0) + 1
        if ledger is not None and not isinstance(message, (RejectedInput, FeedHealth)):
            observed = getattr(message, "observed_at", None)
            received = getattr(message, "received_at", None)
            latency = None
            if observed is not None and observed != received:  # timed by the feed, not by its receipt
                latency = self.clock() - observed.timestamp()
            ledger.published(latency)

    # -- the buffered path -----------------------------------------------------------------------------------

    def _partition_of(self, topic: str, key: bytes) -> int:
        """Kafka's default partition for ``key`` (murmur2, as the Java client): one vessel, one partition."""
        if self.producer is None:
            raise KafkaConnectionError("the broker has not answered since this publisher started")
        partitions = self.producer.partitions_for(topic)
        if not partitions:
            raise PublishError(f"topic {topic} has no partitions at the broker (run `seasight up`)")
        ordered = sorted(partitions)
        return int(ordered[(murmur2(key) & 0x7FFFFFFF) % len(ordered)])

    def _send_kept(self, topic: str, key: bytes, value: bytes) -> None:
        assert self.buffer is not None
        with self._send_lock:
            try:
                partition = self._partition_of(topic, key)
            except KafkaError as exc:  # no metadata: the broker is away; keep the record for later
                self._went_away(exc)
                partition = (murmur2(key) & 0x7FFFFFFF) % self._known_partitions(topic)
            try:
                seq = self.buffer.append(topic, partition, key, value, wait_s=self._buffer_wait_s)
            except BufferError as exc:
                raise PublishError(str(exc)) from exc
            if not self.broker_away:
                self._produce(BufferedRecord(topic, partition, seq, key, value))

    def _known_partitions(self, topic: str) -> int:
        counts = {p for (t, p) in self._acked if t == topic}
        return max(counts) + 1 if counts else 1

    def _produce(self, record: BufferedRecord) -> None:
        assert self.buffer is not None
        tp = (record.topic, record.partition)
        headers = [(HEADER_BUFFER, self.buffer.buffer_id.encode()), (HEADER_SEQ, str(record.seq).encode())]
        if self.producer is None:
            self._failed(tp, record.seq, KafkaConnectionError("no producer yet: the broker has not answered"))
            return
        try:
            future = self.producer.send(
                record.topic, key=record.key, value=record.value, partition=record.partition, headers=headers
            )
        except KafkaError as exc:
            self._failed(tp, record.seq, exc)
            return

        def acked(_metadata: object, tp: TopicPartitionKey = tp, seq: int = record.seq) -> None:
            with self._state_lock:
                if seq > self._acked.get(tp, 0):
                    self._acked[tp] = seq

        def failed(exc: BaseException, tp: TopicPartitionKey = tp, seq: int = record.seq) -> None:
            self._failed(tp, seq, exc)

        future.add_callback(acked)
        future.add_errback(failed)

    def _failed(self, tp: TopicPartitionKey, seq: int, exc: BaseException) -> None:
        with self._state_lock:
            if seq < self._failed_from.get(tp, 1 << 62):
                self._failed_from[tp] = seq
        self._went_away(exc)

    def _went_away(self, exc: BaseException) -> None:
        if not self.broker_away:
            log.warning("broker unavailable (%s): keeping records in the ingest buffer until it is back", exc)
            self._away_since = self.clock()
        self.broker_away = True

    def unacknowledged(self) -> int:
        """Records kept in the buffer that the broker has not acknowledged (in its current incarnation)."""
        if self.buffer is None:
            return 0
        with self._state_lock:
            acked = dict(self._acked)
            failed = dict(self._failed_from)
        missing = 0
        for tp, (stored, last) in self.buffer.pending_by_partition().items():
            through = max(stored, acked.get(tp, 0))
            if tp in failed:
                through = min(through, failed[tp] - 1)
            missing += max(0, last - max(stored, through))
        return missing

    def _renew_producer(self) -> None:
        """Replace the producer (under the send lock): its batches still queued fail, and are sent again."""
        if self._make_producer is None:
            return
        old = self.producer
        try:
            self.producer = self._make_producer()
        except (KafkaError, StackError) as exc:
            log.warning("cannot make a new producer yet (%s); retrying next round", exc)
            return
        if old is None:
            return
        try:
            old.close(timeout=0)
        except KafkaError as exc:
            log.debug("closing the old producer: %s", exc)

    def _resend(self, after: dict[TopicPartitionKey, int], why: str) -> int:
        """Send again every kept record numbered above ``after`` (per topic and partition), in order, from a
        new producer."""
        assert self.buffer is not None
        count = 0
        with self._send_lock:
            self._renew_producer()
            with self._state_lock:
                for tp in after:
                    self._failed_from.pop(tp, None)
                    if self._acked.get(tp, 0) > after[tp]:
                        self._acked[tp] = after[tp]
            for record in self.buffer.records_after(after):
                self._produce(record)
                count += 1
        if count:
            self.resent += count
            log.warning("sent %d kept record(s) of ingest buffer %s again: %s", count, self.buffer.buffer_id, why)
        return count

    # -- the keeper ----------------------------------------------------------------------------------------

    def _ask_incarnation(self) -> str | None:
        if self._bootstrap is None:
            return None
        try:
            if self._admin is None:
                self._admin = KafkaAdminClient(
                    bootstrap_servers=self._bootstrap,
                    client_id="seasight-keeper",
                    request_timeout_ms=5_000,
                    bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS,
                )
            return broker_incarnation(self._admin)
        except (KafkaError, OSError) as exc:
            log.debug("keeper cannot reach the broker: %s", exc)
            if self._admin is not None:
                self._admin.close()
            self._admin = None
            return None

    def _refresh_marks(self) -> None:
        assert self.buffer is not None
        if self._database_url is None:
            return
        try:
            if self._db is None or self._db.closed:
                self._db = psycopg.connect(
                    self._database_url, connect_timeout=5, application_name="seasight-ingest-keeper", autocommit=True
                )
            self._marks = read_marks(self._db, self.buffer.buffer_id)
        except psycopg.Error as exc:
            log.warning("cannot read the stored-through marks (%s); the ingest buffer is not freed meanwhile", exc)
            if self._db is not None:
                self._db.close()
            self._db = None
            return
        self.buffer.mark_stored({tp: m.stored_through for tp, m in self._marks.items()})

    def keep_once(self) -> None:
        """One keeper round: free what is stored, send again what the broker or the tracker lost, and write
        what it saw of the broker for ``seasight status`` (:func:`running_publishers`)."""
        try:
            self._keep_round()
        finally:
            self._say_broker_state()

    def _say_broker_state(self) -> None:
        assert self.buffer is not None
        with self._say_lock:
            if not self.broker_away:
                self._away_since = None
            elif self._away_since is None:
                self._away_since = self.clock()
            self.buffer.record_broker_state(self._away_since, self.unacknowledged(), self.clock())

    def _keep_round(self) -> None:
        assert self.buffer is not None
        self._refresh_marks()
        stored = self.buffer.stored()
        pending = self.buffer.pending_by_partition()
        incarnation = self._ask_incarnation()
        if incarnation is None:  # the broker does not answer: keep new records until it does
            self._went_away(ConnectionError(f"no answer from the broker at {self._bootstrap}"))
            return
        if self._incarnation is not None and incarnation != self._incarnation:
            log.warning(
                "broker restarted (cluster id %s, was %s): it may have lost what it held; sending again "
                "every kept record the tracker has not stored",
                incarnation,
                self._incarnation,
            )
            self._incarnation = incarnation
            self.buffer.sent_to(incarnation)
            self.broker_away = False
            self._resend({tp: stored.get(tp, 0) for tp in pending}, "the broker restarted")
            return
        self._incarnation = incarnation
        self.buffer.sent_to(incarnation)
        if self.broker_away:
            with self._state_lock:
                after = {
                    tp: max(stored.get(tp, 0), min(self._acked.get(tp, 0), self._failed_from.get(tp, 1 << 62) - 1))
                    for tp in pending
                }
            log.warning("broker is back: sending the records kept while it was away")
            self.broker_away = False
            self._resend(after, "the broker was away")
            return
        # A number the tracker found missing (gap_after) and that stays missing for a whole round: send again.
        stuck = {}
        for tp, mark in self._marks.items():
            if mark.gap_after is None or tp not in pending:
                self._gap_seen.pop(tp, None)
                continue
            if self._gap_seen.get(tp) == (mark.stored_through, mark.gaps):
                stuck[tp] = mark.stored_through
            self._gap_seen[tp] = (mark.stored_through, mark.gaps)
        if stuck:
            self._resend(stuck, "the tracker found records missing")
            for tp in stuck:
                self._gap_seen.pop(tp, None)

    def _keep(self) -> None:
        while not self._stop.wait(self._keep_interval_s):
            try:
                self.keep_once()
            except Exception:  # the keeper must outlive any one failure; the next round retries
                log.exception("ingest buffer keeper round failed")

    # -- flushing and closing --------------------------------------------------------------------------------

    def flush(self, timeout_s: float | None = 60.0) -> None:
        """Block until every record sent is acknowledged (acks=all); raise if any was not. With a buffer,
        records kept while the broker is away are sent again when it is back; this waits for that (with
        back-off) up to ``timeout_s`` (None: as long as it takes)."""
        if self.buffer is None:
            assert self.producer is not None  # only a buffered publisher starts without one
            try:
                self.producer.flush(timeout=timeout_s)
            except KafkaError as exc:
                raise PublishError(f"broker did not acknowledge records: {exc}") from exc
            if self._failures:
                failures, self._failures = self._failures, []
                raise PublishError(f"{len(failures)} record(s) not acknowledged, first: {failures[0]}")
            return
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        delay = 0.5
        announced = False
        while True:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                if self.producer is not None:
                    self.producer.flush(timeout=remaining)
            except KafkaError as exc:
                self._went_away(exc)
            self.buffer.sync()
            if self._failures:  # unbuffered topics (base stations, rejected lines): best effort, said so
                failures, self._failures = self._failures, []
                log.warning("%d diagnostic record(s) not acknowledged, first: %s", len(failures), failures[0])
            missing = self.unacknowledged()
            if missing == 0 and not self.broker_away:
                return
            if deadline is not None and time.monotonic() >= deadline:
                raise PublishError(
                    f"{missing} record(s) not acknowledged by the broker within {timeout_s:.0f} s; they are kept "
                    f"in the ingest buffer {self.buffer.folder} and sent again when the broker is back"
                )
            if not announced:
                log.warning("waiting for the broker to acknowledge %d kept record(s)", missing)
                announced = True
            time.sleep(delay if deadline is None else min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 10.0)
            self.keep_once()

    def checkpoint(self) -> None:
        """A live feed's periodic flush. Unbuffered: :meth:`flush` (the broker's acknowledgement is the
        promise, so a failure raises :class:`PublishError`). Buffered: while the broker is away, the kept records
        are synced to disk and the feed goes on at once (they are sent again when the broker is back);
        otherwise it waits up to :data:`CHECKPOINT_WAIT_S` for acknowledgements and says what is still kept."""
        if self.buffer is None:
            self.flush()
            return
        if self.broker_away:
            self.buffer.sync()
            return
        try:
            self.flush(timeout_s=CHECKPOINT_WAIT_S)
        except PublishError as exc:
            log.warning("checkpoint: %s", exc)

    def wait_stored(self, timeout_s: float) -> int:
        """Wait up to ``timeout_s`` for the tracker to store every kept record; return how many are not."""
        if self.buffer is None:
            return 0
        deadline = time.monotonic() + timeout_s
        while True:
            self.keep_once()
            pending = self.buffer.pending()
            if pending == 0 or time.monotonic() >= deadline:
                return pending
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))

    def close(self) -> None:
        self._stop.set()
        if self._keeper is not None:
            self._keeper.join(timeout=10)
        try:
            if self.producer is not None:
                self.producer.close(timeout=10)
        except KafkaError as exc:  # closing must not hide the real outcome
            log.warning("closing the producer: %s", exc)
        if self.buffer is not None:
            try:
                self._refresh_marks()
            except Exception:  # closing must not hide the real outcome
                log.exception("reading the stored-through marks at close")
            self.buffer.record_close(self.unacknowledged())
            if not self.buffer.close():
                log.info(
                    "ingest buffer %s keeps %d record(s) until the tracker has stored them",
                    self.buffer.buffer_id,
                    self.buffer.pending(),
                )
        if self._admin is not None:
            self._admin.close()
        if self._db is not None:
            self._db.close()


@dataclass
class SweepResult:
    """What :func:`sweep_orphans` found and did across the orphan buffers (their processes have ended)."""

    buffers: int = 0
    removed: int = 0
    held: int = 0
    resent: int = 0


def sweep_orphans(root: Path, database_url: str | None, bootstrap: str | None) -> SweepResult:
    """Free or finish the buffers left by processes that ended: delete those the tracker has stored whole;
    send again what is not stored from those whose broker restarted since, or whose process crashed or
    closed with records the broker never acknowledged. Safe to run at any time (a live process's buffer is
    locked and skipped)."""
    result = SweepResult()
    folders = buffer_folders(root)
    if not folders:
        return result
    db: psycopg.Connection | None = None
    admin: KafkaAdminClient | None = None
    producer: KafkaProducer | None = None
    try:
        if database_url is not None:
            try:
                db = psycopg.connect(
                    database_url, connect_timeout=5, application_name="seasight-ingest-sweep", autocommit=True
                )
            except psycopg.Error as exc:
                log.warning("cannot read the stored-through marks (%s); orphan ingest buffers kept as they are", exc)
        incarnation: str | None = None
        if bootstrap is not None:
            try:
                admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5_000)
                incarnation = broker_incarnation(admin)
            except (KafkaError, OSError) as exc:
                log.warning("broker does not answer (%s); orphan ingest buffers are not sent again now", exc)
        for folder in folders:
            buffer = IngestBuffer.adopt(folder)
            if buffer is None:
                continue  # a live process holds it
            result.buffers += 1
            try:
                if db is not None:
                    buffer.mark_stored({tp: m.stored_through for tp, m in read_marks(db, buffer.buffer_id).items()})
                if db is not None and buffer.pending() == 0:
                    buffer.close(remove_if_stored=True)
                    result.removed += 1
                    continue
                seen = buffer.incarnations()
                unsure = buffer.closed_cleanly() is not True
                if incarnation is not None and (unsure or not seen or seen[-1] != incarnation):
                    if producer is None:
                        producer = make_producer(bootstrap)  # type: ignore[arg-type]
                    count = _resend_orphan(producer, buffer)
                    producer.flush(timeout=60)
                    buffer.sent_to(incarnation)
                    buffer.record_close(0)
                    result.resent += count
                    log.warning("sent %d record(s) of orphan ingest buffer %s again", count, buffer.buffer_id)
                result.held += buffer.pending()
            finally:
                if buffer.folder.exists():
                    buffer.close(remove_if_stored=False)
    finally:
        if producer is not None:
            producer.close(timeout=10)
        if admin is not None:
            admin.close()
        if db is not None:
            db.close()
    return result


def _resend_orphan(producer: KafkaProducer, buffer: IngestBuffer) -> int:
    stored = buffer.stored()
    after = {tp: stored.get(tp, 0) for tp in buffer.pending_by_partition()}
    count = 0
    for record in buffer.records_after(after):
        headers = [(HEADER_BUFFER, buffer.buffer_id.encode()), (HEADER_SEQ, str(record.seq).encode())]
        producer.send(record.topic, key=record.key, value=record.value, partition=record.partition, headers=headers)
        count += 1
    return count


def held_in_buffers(root: Path) -> tuple[int, int]:
    """(buffer folders, bytes held) under ``root``, for ``seasight status`` (read without taking locks)."""
    folders = buffer_folders(root)
    return len(folders), sum(f.stat().st_size for folder in folders for f in folder.glob("seg-*.log"))


@dataclass(frozen=True)
class PublisherState:
    """What a running buffered publisher last wrote of the broker (``meta.json``, each keeper round)."""

    buffer_id: str
    pid: int | None
    broker_away_since: datetime | None  # None: the broker answered at the last round
    kept: int  # records in the buffer the broker has not acknowledged
    as_of: datetime | None  # when the publisher wrote this; None if it has not yet


def _utc(value: object) -> datetime | None:
    return datetime.fromtimestamp(float(value), UTC) if isinstance(value, int | float) else None


def running_publishers(root: Path) -> list[PublisherState]:
    """The buffered publishers running now (their buffer folders are locked), oldest first, with what each
    last saw of the broker. Read without taking their locks."""
    states = []
    for folder in buffer_folders(root):
        if not held_by_a_running_process(folder):
            continue
        meta = read_meta(folder)
        broker = meta.get("broker")
        broker = broker if isinstance(broker, dict) else {}
        pid = meta.get("pid")
        kept = broker.get("kept")
        states.append(
            PublisherState(
                buffer_id=folder.name,
                pid=pid if isinstance(pid, int) else None,
                broker_away_since=_utc(broker.get("away_since")),
                kept=kept if isinstance(kept, int) else 0,
                as_of=_utc(broker.get("at")),
            )
        )
    return states


def describe_publisher(state: PublisherState) -> str:
    """One line for ``seasight status``: "publisher … (pid …): broker away since …, N record(s) kept on disk"."""
    who = f"publisher {state.buffer_id}" + (f" (pid {state.pid})" if state.pid is not None else "")
    if state.as_of is None:
        return f"{who}: starting (no keeper round yet)"
    as_of = state.as_of.strftime("%Y-%m-%dT%H:%M:%SZ")
    if state.broker_away_since is not None:
        since = state.broker_away_since.strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"{who}: broker away since {since}, {state.kept} record(s) kept on disk (as of {as_of})"
    return f"{who}: broker answering, {state.kept} record(s) not yet acknowledged (as of {as_of})"
