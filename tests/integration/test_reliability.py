"""The reliability suite (issue 14): faults injected into the real chain, each checked against a promise.

* **Tracker SIGKILLed at random points** during a 200,000-position replay, ten times: the tables the run
  leaves (positions, latest states) equal those of an uninterrupted run, by content checksum.
* **Shuffled input** (the same reports in another order): the same positions and latest states.

Other faults of the suite live beside the code they exercise, marked ``reliability``: broker restart during
ingest and tracking (test_broker_restart.py), database outage (test_database_outage.py), poison records to
the dead-letter topic (test_tracker_delivery.py). Each test here writes its figures (faults injected,
messages checked, lost, duplicated) to ``test-artifacts/reliability/`` for the README's fault table.
"""

from __future__ import annotations

import random
import signal
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic

from seasight.schemas import PositionReport
from tests.conftest import RunningStack
from tests.integration.faults import record
from tests.integration.test_stream_detection import drop_database, fresh_database, run_tracker

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.reliability]

T0 = datetime(2029, 6, 1, tzinfo=UTC)
VESSELS = 1000
REPORTS_EACH = 200  # 200,000 positions: 1,000 vessels, one report every 2 minutes for 6 h 40 min
KILLS = 10
SEED = 14  # the kill points are random, and the same every run (printed with the figures)

CHECKSUMS = {
    "position": "SELECT count(*), md5(coalesce(string_agg(concat_ws('|', mmsi, observed_at, ST_AsEWKT(geom), "
    "sog_kn, cog_deg, heading_deg, nav_status, msg_type, station), ',' ORDER BY mmsi, observed_at), '')) "
    "FROM position",
    "vessel_state": "SELECT count(*), md5(coalesce(string_agg(concat_ws('|', mmsi, observed_at, ST_AsEWKT(geom), "
    "sog_kn, cog_deg, nav_status), ',' ORDER BY mmsi), '')) FROM vessel_state",
}


#: What the plain tracker leaves. The detection stage's own kill-and-resume (kept tracks, flags) is checked
#: on a capture with events in test_stream_detection.py (SIGKILL three times, flags equal).
TABLES_STORED = ("position", "vessel_state")


def reports() -> list[PositionReport]:
    """Deterministic traffic across the open Bay of Bengal (no land, no two vessels within 10 nm), in time
    order."""
    out: list[PositionReport] = []
    for k in range(REPORTS_EACH):
        at = T0 + timedelta(minutes=2 * k)
        for v in range(VESSELS):
            lat = 8.0 + (v // 40) * 0.3 + k * 0.0039  # 10 kn to the north-east: under way, not loitering
            lon = 84.0 + (v % 40) * 0.2 + k * 0.0039
            out.append(
                PositionReport(
                    mmsi=419_000_000 + v,
                    observed_at=at,
                    lat=round(lat, 6),
                    lon=round(lon, 6),
                    sog_kn=10.0,
                    cog_deg=45.0,
                    heading_deg=45,
                    nav_status=0,
                    msg_type=1,
                    station="reliability",
                    received_at=at,
                )
            )
    return out


def publish(stack: RunningStack, records: list[PositionReport]) -> str:
    prefix = f"reliability-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    admin.create_topics([NewTopic(f"{prefix}.{t}", 3, 1) for t in ("position", "distress", "safety", "sighting")])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=stack.kafka_bootstrap, linger_ms=20, batch_size=256 * 1024)
    for r in records:
        producer.send(f"{prefix}.position", key=str(r.mmsi).encode(), value=r.to_json())
    producer.flush()
    producer.close()
    return prefix


def checksums(url: str, tables: tuple[str, ...]) -> dict[str, tuple[int, str]]:
    with psycopg.connect(url) as conn:
        out = {}
        for table in tables:
            row = conn.execute(CHECKSUMS[table]).fetchone()
            assert row is not None
            out[table] = (int(row[0]), str(row[1]))
        return out


def positions_in(url: str) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*), count(DISTINCT (mmsi, observed_at)) FROM position").fetchone()
        assert row is not None
        return int(row[0]), int(row[1])


def track_to_the_end(stack: RunningStack, url: str, prefix: str, group: str, detect: bool = True) -> float:
    started = time.monotonic()
    proc = run_tracker(stack, url, prefix, group, max_poll_records=2000, detect=detect)
    _out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err.decode()[-3000:]
    return time.monotonic() - started


@pytest.fixture(scope="module")
def replay(stack: RunningStack) -> Iterator[tuple[str, list[PositionReport]]]:
    records = reports()
    yield publish(stack, records), records


def test_ten_sigkills_at_random_points_leave_the_tables_of_an_uninterrupted_run(
    stack: RunningStack, replay: tuple[str, list[PositionReport]], artifacts: Path
) -> None:
    prefix, records = replay
    total = len(records)
    name_a, name_b = f"rel_a_{uuid.uuid4().hex[:6]}", f"rel_b_{uuid.uuid4().hex[:6]}"
    url_a, url_b = fresh_database(stack, name_a), fresh_database(stack, name_b)
    try:
        uninterrupted_s = track_to_the_end(stack, url_a, prefix, f"{name_a}-g", detect=False)
        expected = checksums(url_a, TABLES_STORED)
        assert expected["position"][0] == total
        assert expected["vessel_state"][0] == VESSELS

        rng = random.Random(SEED)
        shares = sorted(rng.uniform(0.05, 0.95) for _ in range(KILLS))
        group = f"{name_b}-g"
        killed_at: list[int] = []
        for share in shares:
            proc = run_tracker(stack, url_b, prefix, group, max_poll_records=2000, detect=False)
            deadline = time.monotonic() + 600
            while (stored := positions_in(url_b)[0]) < share * total:
                assert proc.poll() is None, proc.stderr.read().decode()[-3000:] if proc.stderr else ""
                assert time.monotonic() < deadline, "tracker made no progress"
                time.sleep(0.02)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            killed_at.append(stored)
        assert len(killed_at) == KILLS and positions_in(url_b)[0] < total
        track_to_the_end(stack, url_b, prefix, group, detect=False)

        got = checksums(url_b, TABLES_STORED)
        rows, distinct = positions_in(url_b)
        record(
            artifacts,
            "tracker_sigkill",
            {
                "faults_injected": KILLS,
                "messages_checked": total,
                "lost": total - distinct,
                "duplicated": rows - distinct,
                "killed_after_positions": killed_at,
                "seed": SEED,
                "uninterrupted_run_s": round(uninterrupted_s, 1),
                "tables_equal": got == expected,
            },
        )
        assert got == expected
    finally:
        drop_database(stack, name_a)
        drop_database(stack, name_b)


def test_shuffled_input_gives_the_same_positions_and_latest_states(stack: RunningStack, artifacts: Path) -> None:
    records = [r for r in reports() if r.mmsi % 10 == 0]  # 100 vessels, 20,000 positions
    shuffled = list(records)
    random.Random(SEED).shuffle(shuffled)
    in_order, out_of_order = publish(stack, records), publish(stack, shuffled)
    name_a, name_b = f"rel_c_{uuid.uuid4().hex[:6]}", f"rel_d_{uuid.uuid4().hex[:6]}"
    url_a, url_b = fresh_database(stack, name_a), fresh_database(stack, name_b)
    try:
        track_to_the_end(stack, url_a, in_order, f"{name_a}-g", detect=False)
        track_to_the_end(stack, url_b, out_of_order, f"{name_b}-g", detect=False)
        expected, got = checksums(url_a, TABLES_STORED), checksums(url_b, TABLES_STORED)
        rows, distinct = positions_in(url_b)
        record(
            artifacts,
            "shuffled_input",
            {
                "faults_injected": 1,
                "messages_checked": len(records),
                "lost": len(records) - distinct,
                "duplicated": rows - distinct,
                "seed": SEED,
                "tables_equal": got == expected,
            },
        )
        assert expected["position"][0] == len(records)
        assert got == expected
    finally:
        drop_database(stack, name_a)
        drop_database(stack, name_b)
