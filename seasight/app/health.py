"""Health checks that make real client calls (used by `seasight health` and compose healthchecks)."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from seasight.db import database_url, kafka_bootstrap
from seasight.errors import SeasightError
from seasight.settings import Settings


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_database(settings: Settings) -> Check:
    try:
        with psycopg.connect(database_url(settings), connect_timeout=5) as conn:
            postgis = conn.execute("SELECT postgis_lib_version()").fetchone()
            version = conn.execute("SELECT max(version) FROM schema_migration").fetchone()
        return Check(
            "database",
            True,
            f"PostGIS {postgis[0] if postgis else '?'}, schema version {version[0] if version else '?'}",
        )
    except (psycopg.Error, SeasightError) as exc:
        return Check("database", False, str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc))


def check_kafka(settings: Settings) -> Check:
    try:
        bootstrap = kafka_bootstrap(settings)
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000, client_id="seasight-health")
        try:
            topics = admin.list_topics()
        finally:
            admin.close()
        return Check("kafka", True, f"{bootstrap}: {len(topics)} topics")
    except (KafkaError, SeasightError, OSError) as exc:
        return Check("kafka", False, str(exc) or repr(exc))


def check_consumers(settings: Settings) -> Check:
    """The trackers' heartbeats (tracking/liveness.py): fails when the configured group
    (SEASIGHT_CONSUMER_GROUP) has no live member, a tracker went silent without stopping, a tracker waits
    for the broker or the database or cannot join its group, a partition's
    holder is gone, or a partition's lag has grown for longer than SEASIGHT_CONSUMER_LAG_ALERT_S."""
    from tracking.liveness import judge, limits_from, read_report, summary

    try:
        report = read_report(database_url(settings))
    except (psycopg.Error, SeasightError) as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        return Check("consumers", False, f"cannot read the trackers' heartbeats: {text}")
    limits = limits_from(settings)
    problems = judge(report, limits, expected_groups=(settings.consumer_group,))
    if problems:
        return Check("consumers", False, "; ".join(f"{p.group}: {p.text}" for p in problems))
    return Check("consumers", True, summary(report, limits))


def check_publishers(settings: Settings) -> Check:
    """This machine's running buffered publishers (ingest/publish.py ``running_publishers``): fails when one
    has not reached the broker at its last keeper round, naming since when and how many records it keeps on
    disk meanwhile (they are sent when the broker is back; nothing is lost, but nothing reaches the tracker)."""
    from ingest.publish import describe_publisher, running_publishers

    publishers = running_publishers(settings.ingest_buffer_dir)
    away = [p for p in publishers if p.broker_away_since is not None]
    if away:
        return Check("publishers", False, "; ".join(describe_publisher(p) for p in away))
    kept = sum(p.kept for p in publishers)
    return Check("publishers", True, f"{len(publishers)} running, {kept} record(s) not yet acknowledged by the broker")
