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
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError

from ingest.errors import IngestError
from ingest.ledger import FeedLedger
from seasight.kafka import (
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


class Publisher:
    """Sends Seasight messages to their topics; counts them per topic."""

    def __init__(self, producer: KafkaProducer, clock: Callable[[], float] = time.time) -> None:
        self.producer = producer
        self.clock = clock
        self.sent: dict[str, int] = {}
        self._failures: list[str] = []

    @classmethod
    def connect(cls, bootstrap: str, **overrides: Any) -> Publisher:
        return cls(make_producer(bootstrap, **overrides))

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
        try:
            future = self.producer.send(topic, key=message_key(message), value=message.to_json())
        except KafkaError as exc:
            raise PublishError(f"cannot send to {topic}: {exc}") from exc
        self.sent[topic] = self.sent.get(topic, 0) + 1
        future.add_errback(self._on_error(topic))
        if ledger is not None and not isinstance(message, (RejectedInput, FeedHealth)):
            observed = getattr(message, "observed_at", None)
            received = getattr(message, "received_at", None)
            latency = None
            if observed is not None and observed != received:  # timed by the feed, not by its receipt
                latency = self.clock() - observed.timestamp()
            ledger.published(latency)

    def flush(self, timeout_s: float | None = 60.0) -> None:
        """Block until every record sent is acknowledged (acks=all); raise if any was not."""
        try:
            self.producer.flush(timeout=timeout_s)
        except KafkaError as exc:
            raise PublishError(f"broker did not acknowledge records: {exc}") from exc
        if self._failures:
            failures, self._failures = self._failures, []
            raise PublishError(f"{len(failures)} record(s) not acknowledged, first: {failures[0]}")

    def close(self) -> None:
        try:
            self.producer.close(timeout=10)
        except KafkaError as exc:  # closing must not hide the real outcome
            log.warning("closing the producer: %s", exc)
