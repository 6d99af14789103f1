"""The detector service: run the detection rules periodically and publish what changed.

Side-effect order, per round: (1) ``run_detection`` writes flags and their versions in one PostgreSQL
transaction, (2) that transaction COMMITS, (3) the changed flags are read back and published to
``seasight.flag`` (idempotent producer, acks=all), (4) the producer is flushed. A crash after (2) loses
no flag (they are in PostGIS) and the next round publishes nothing twice for the same version, because
consumers key on (flag_id, version). Publishing never precedes the commit, so nobody is told of a flag the
database does not hold.

One detector per deployment is enough (it reads the whole picture); a PostgreSQL advisory lock inside
``store_flags`` keeps a second one from writing at the same time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import psycopg

from seasight.db import connect, kafka_bootstrap
from seasight.kafka import TOPIC_FLAG, make_producer
from seasight.rows import fetch_all_by_name
from seasight.schemas import FlagEvent
from seasight.settings import Settings
from tracking.detect import RuleSet, StoredChange, StoreResult, run_detection

log = logging.getLogger("seasight.tracking.flag_events")


def flag_events(conn: psycopg.Connection[Any], changes: Sequence[StoredChange], now: datetime) -> list[FlagEvent]:
    """The committed state of each changed flag as an event (withdrawals included)."""
    if not changes:
        return []
    rows = fetch_all_by_name(
        conn,
        """SELECT id, rule_id, rule_version, subject_kind, mmsi, sighting_id::text AS sighting_id, severity,
                  score, window_start, window_end, ST_Y(geom) AS lat, ST_X(geom) AS lon, summary
           FROM flag WHERE id = ANY(%s)""",
        ([c.flag_id for c in changes],),
    )
    by_id = {row["id"]: row for row in rows}
    events = []
    for change in changes:
        row = by_id.get(change.flag_id)
        if row is None:
            log.warning("flag %d changed but is not in the database; not published", change.flag_id)
            continue
        subject = f"vessel:{row['mmsi']}" if row["subject_kind"] == "vessel" else f"contact:{row['sighting_id']}"
        events.append(
            FlagEvent(
                flag_id=row["id"],
                version=change.version,
                action=change.action,
                rule_id=row["rule_id"],
                rule_version=row["rule_version"],
                subject=subject,
                severity=row["severity"],
                score=float(row["score"]),
                window_start=row["window_start"],
                window_end=row["window_end"],
                lat=row["lat"],
                lon=row["lon"],
                summary=row["summary"],
                published_at=now,
            )
        )
    return events


def detect_and_publish(
    settings: Settings,
    producer: Any,
    end: datetime | None = None,
    lookback: timedelta = timedelta(hours=24),
    rules: RuleSet | None = None,
) -> tuple[StoreResult, int]:
    """One round up to ``end`` (default: the settings' clock): detect with ``rules`` (default: the built-in
    thresholds) and commit, then publish the changes. Returns the store result and events sent."""
    clock = settings.clock()
    when = end or clock()
    with connect(settings) as conn:
        result = run_detection(conn, end=when, lookback=lookback, rules=rules)
        conn.commit()  # (2) the flags are durable before anyone hears of them
        events = flag_events(conn, result.changes, clock())
    for event in events:  # (3)
        producer.send(TOPIC_FLAG, key=event.subject, value=event.to_json())
    producer.flush()  # (4)
    return result, len(events)


def run_detector(
    settings: Settings,
    every_s: float,
    once: bool,
    lookback: timedelta,
    stop: threading.Event | None = None,
    end: datetime | None = None,
    rules: RuleSet | None = None,
) -> int:
    """Run rounds every ``every_s`` seconds until stopped (or one round with ``once``) with ``rules`` (the
    thresholds file in force, :func:`tracking.thresholds.selected_thresholds`); return events sent."""
    producer = make_producer(kafka_bootstrap(settings))
    stop = stop or threading.Event()
    sent = 0
    try:
        while True:
            started = time.monotonic()
            try:
                result, count = detect_and_publish(settings, producer, end=end, lookback=lookback, rules=rules)
                sent += count
                log.info(
                    "detection round: raised %d, updated %d, withdrawn %d, reraised %d; %d events published",
                    result.raised,
                    result.updated,
                    result.withdrawn,
                    result.reraised,
                    count,
                )
            except psycopg.OperationalError as exc:
                if once:
                    raise
                log.warning("database unavailable for detection (%s); next round in %.0f s", exc, every_s)
            if once or stop.wait(max(0.0, every_s - (time.monotonic() - started))):
                return sent
    finally:
        producer.close()
