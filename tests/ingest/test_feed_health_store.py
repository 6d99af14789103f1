"""The feed-health ledger stored in PostGIS (tracking/feed_health.py, migration 0020): written directly,
and end to end — a feed ingested by ``seasight ingest ais``, stored by ``seasight track``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from ingest.ledger import FeedLedger
from tests.conftest import RunningStack, run_cli
from tracking.feed_health import latest_feed_health, write_feed_health

pytestmark = pytest.mark.integration

OPENED = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def test_snapshots_are_stored_once_and_the_latest_is_shown(db: psycopg.Connection) -> None:
    ledger = FeedLedger(f"tcp://test-{uuid.uuid4().hex[:6]}:10110", "rcv-1", OPENED)
    ledger.lines_in = 10
    ledger.message_decoded(2, None)
    ledger.message_decoded(1, None)
    ledger.rejected("checksum", 4)
    ledger.line_metadata()
    ledger.line_metadata()
    ledger.line_metadata()
    first = ledger.snapshot(OPENED + timedelta(seconds=10))
    ledger.lines_in += 1
    ledger.rejected("not_ais", 1)
    second = ledger.snapshot(OPENED + timedelta(seconds=20))
    assert write_feed_health(db, [first, second]) == 2
    assert write_feed_health(db, [first]) == 0  # a replayed snapshot adds nothing
    latest = [row for row in latest_feed_health(db) if row["feed"] == ledger.feed]
    assert len(latest) == 1
    assert (latest[0]["lines_in"], latest[0]["lines_rejected"]) == (11, 5)
    assert latest[0]["rejects_by_reason"] == {"checksum": 4, "not_ais": 1}


def test_a_ledger_that_does_not_add_up_is_refused(db: psycopg.Connection) -> None:
    ledger = FeedLedger(f"bad-{uuid.uuid4().hex[:6]}", None, OPENED)
    ledger.lines_in = 5  # but nothing counted as decoded, rejected or metadata
    with pytest.raises(psycopg.errors.CheckViolation):
        write_feed_health(db, [ledger.snapshot(OPENED + timedelta(seconds=1))])


def test_feed_health_from_ingest_to_postgis(stack: RunningStack, shared_data: Path) -> None:
    path = shared_data / "ais_nmea" / "pyais" / "mixed.txt"
    station = f"health-{uuid.uuid4().hex[:8]}"
    done = run_cli("ingest", "ais", str(path), "--station", station, env=stack.env())
    assert done.returncode == 0, done.stderr.decode()
    tracked = run_cli(
        "track",
        "--until-idle",
        "--group",
        f"feed-health-{station}",
        "--max-poll-interval-ms",
        "3000",
        "--idle-timeout",
        "30",
        env=stack.env(),
        timeout=300,
    )
    assert tracked.returncode == 0, tracked.stderr.decode()
    with psycopg.connect(stack.database_url) as conn:
        row = conn.execute(
            "SELECT lines_in, lines_decoded, lines_rejected, lines_metadata, rejects_by_reason"
            " FROM feed_health_latest WHERE station = %s",
            (station,),
        ).fetchone()
    assert row is not None, "no feed_health row for the feed"
    lines = len(path.read_bytes().splitlines())
    assert row[0] == lines and row[1] + row[2] + row[3] == lines
    assert row[4]["checksum"] > 0 and row[4]["not_ais"] > 0
