"""A database outage pauses the tracker, which resumes without loss once PostgreSQL is back (its own
stack, so stopping PostgreSQL disturbs no other test)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from seasight.kafka import TOPIC_AIS_POSITION, make_producer
from seasight.schemas import PositionReport
from seasight.stack import LocalStack, StackState, _as_postgres, _run, find_pg_bin
from tests.integration.faults import record
from tracking.consumer import Tracker

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.reliability,
    pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning"),
]

MMSI = 477_300_001


def _publish(bootstrap: str, first_minute: int, count: int) -> None:
    t0 = datetime(2026, 7, 1, tzinfo=UTC)
    producer = make_producer(bootstrap)
    for i in range(first_minute, first_minute + count):
        report = PositionReport(
            mmsi=MMSI,
            observed_at=t0 + timedelta(minutes=i),
            lat=1.2,
            lon=104.0 + i / 1000,
            sog_kn=10.0,
            cog_deg=90.0,
            heading_deg=90,
            nav_status=0,
            msg_type=1,
            station="outage",
            received_at=t0 + timedelta(minutes=i),
        )
        producer.send(TOPIC_AIS_POSITION, key=str(MMSI), value=report.to_json())
    producer.flush()
    producer.close()


def _stored(url: str) -> int:
    with psycopg.connect(url, connect_timeout=3) as conn:
        row = conn.execute("SELECT count(*) FROM position WHERE mmsi = %s", (MMSI,)).fetchone()
        return int(row[0]) if row else 0


def _wait_for(predicate: object, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if predicate():  # type: ignore[operator]
                return True
        except psycopg.OperationalError:
            pass
        time.sleep(0.5)
    return False


def test_tracker_pauses_while_the_database_is_away_and_loses_nothing(tmp_path: Path, artifacts: Path) -> None:
    stack = LocalStack(tmp_path / "outage-stack")
    try:
        state = stack.up(partitions=1)
        url, bootstrap = stack.database_url(state), stack.kafka_bootstrap(state)
        tracker = Tracker(url, bootstrap, "outage", max_poll_interval_ms=3000)
        thread = threading.Thread(target=tracker.run, daemon=True)
        thread.start()

        _publish(bootstrap, 0, 20)
        assert _wait_for(lambda: _stored(url) == 20, 60)

        data_dir = StackState.load(stack.state_path).postgres.data_dir
        _run(_as_postgres([str(find_pg_bin() / "pg_ctl"), "-D", data_dir, "-m", "fast", "-w", "stop"]), "stop")
        stopped = time.monotonic()
        for k in range(6):  # a 60 s outage, with records arriving all along
            _publish(bootstrap, 20 + 5 * k, 5)
            time.sleep(max(0.0, stopped + 10 * (k + 1) - time.monotonic()))
            assert thread.is_alive(), "the tracker must pause, not die, when the database is away"
        outage_s = time.monotonic() - stopped

        stack.up(partitions=1)  # PostgreSQL back on the same port
        back = time.monotonic()
        assert _wait_for(lambda: _stored(url) == 50, 90), "records published during the outage were lost"
        caught_up_s = time.monotonic() - back
        tracker.stop()
        thread.join(timeout=30)
        assert _stored(url) == 50
        record(
            artifacts,
            "database_outage",
            {
                "faults_injected": 1,
                "outage_s": round(outage_s, 1),
                "messages_checked": 50,
                "lost": 50 - _stored(url),
                "duplicated": 0,  # (mmsi, time) is the key: a duplicate cannot be stored
                "stored_again_within_s": round(caught_up_s, 1),
            },
        )
    finally:
        stack.destroy()
