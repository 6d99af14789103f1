"""Integration: real feeds into the real Kafka-protocol broker (the session ``stack`` fixture), through the
``seasight`` command a user runs. Topics on the shared test broker hold other tests' records, so each test
uses its own station / feed / owner names and reads only its own records back."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition

from ingest.ais import AisReader, Decoded, Rejected
from seasight.kafka import (
    TOPIC_AIS_DISTRESS,
    TOPIC_AIS_POSITION,
    TOPIC_FEED_HEALTH,
    TOPIC_REJECTED,
    TOPIC_SIGHTING,
    ensure_topics,
)
from seasight.schemas import FeedHealth, PositionReport, RejectedInput, Sighting
from tests.conftest import REPO_ROOT, TEST_NOW, RunningStack, account_token, run_cli

pytestmark = pytest.mark.integration


def read_topic(bootstrap: str, topic: str) -> list[bytes]:
    """Every record value of ``topic`` from the beginning to its current end (manual assignment)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        values: list[bytes] = []
        deadline = time.monotonic() + 60
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            assert time.monotonic() < deadline, f"could not read {topic} to its end"
            for records in consumer.poll(timeout_ms=500).values():
                values += [r.value for r in records]
        return values
    finally:
        consumer.close()


def serve_sessions(sessions: list[bytes]) -> int:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def run() -> None:
        with server:
            for payload in sessions:
                conn, _ = server.accept()
                with conn:
                    conn.sendall(payload)
                time.sleep(0.3)

    threading.Thread(target=run, daemon=True).start()
    return int(server.getsockname()[1])


@pytest.fixture(scope="module")
def topics(stack: RunningStack) -> None:
    ensure_topics(stack.kafka_bootstrap)


def test_tcp_feed_on_loopback_reaches_the_broker(stack: RunningStack, shared_data: Path, topics: None) -> None:
    """pyais's nmea_data_sample.txt (real, dirty traffic) served by a receiver that drops the connection
    half way: every message arrives, every reject is on seasight.rejected, the ledger adds up."""
    lines = (shared_data / "ais_nmea" / "pyais" / "nmea_data_sample.txt").read_bytes().splitlines()
    half = len(lines) // 2
    port = serve_sessions([b"\r\n".join(lines[:half]) + b"\r\n", b"\r\n".join(lines[half:]) + b"\r\n"])
    station = f"tcp-test-{uuid.uuid4().hex[:8]}"
    done = run_cli(
        "ingest",
        "ais",
        f"tcp://127.0.0.1:{port}",
        "--station",
        station,
        "--idle-exit",
        "3",
        "--max-backoff",
        "0.5",
        env=stack.env(),
    )
    assert done.returncode == 0, done.stderr.decode()

    # What the same lines give offline, read by the same reader.
    offline = AisReader("offline", station)
    now = TEST_NOW
    outcomes = [o for line in lines for o in offline.feed_line(line, now)] + offline.finish(now)
    expected_positions = sum(
        1 for o in outcomes if isinstance(o, Decoded) for r in o.records if isinstance(r, PositionReport)
    )
    expected_rejected = sum(1 for o in outcomes if isinstance(o, Rejected))

    positions = [
        PositionReport.from_json(v)
        for topic in (TOPIC_AIS_POSITION, TOPIC_AIS_DISTRESS)  # distress devices go to the priority topic
        for v in read_topic(stack.kafka_bootstrap, topic)
        if station.encode() in v
    ]
    assert len(positions) == expected_positions > 700
    feed = f"tcp://127.0.0.1:{port}"
    rejected = [
        RejectedInput.from_json(v) for v in read_topic(stack.kafka_bootstrap, TOPIC_REJECTED) if feed.encode() in v
    ]
    assert len(rejected) == expected_rejected and {r.reason for r in rejected} >= {"truncated"}

    health = [
        FeedHealth.from_json(v) for v in read_topic(stack.kafka_bootstrap, TOPIC_FEED_HEALTH) if feed.encode() in v
    ]
    last = max(health, key=lambda h: h.as_of)
    assert last.lines_in == len(lines)
    assert last.lines_decoded + last.lines_rejected + last.lines_metadata == len(lines)

    feeds = run_cli("feeds", "--json", env=stack.env())
    assert feeds.returncode == 0, feeds.stderr.decode()
    listed = {f["feed"]: f for f in json.loads(feeds.stdout)}
    assert listed[feed]["lines_in"] == len(lines)
    assert listed[feed]["rejects_by_reason"] == last.rejects_by_reason
    table = run_cli("feeds", env=stack.env())
    assert table.returncode == 0 and feed in table.stdout.decode()
    assert f"rejected {last.lines_rejected}/{len(lines)} lines" in table.stdout.decode()


def test_several_sources_at_once_each_with_its_ledger(stack: RunningStack, shared_data: Path, topics: None) -> None:
    """A file and stdin in one command: read concurrently, each feed counted on its own."""
    path = shared_data / "ais_nmea" / "aisdb" / "test_data_20211101.nm4"
    stdin_lines = (shared_data / "ais_nmea" / "pyais" / "messages.ais").read_bytes()
    done = run_cli("ingest", "ais", str(path), "-", env=stack.env(), input=stdin_lines)
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode()
    assert "file:test_data_20211101.nm4: 1000 lines" in out
    assert f"stdin: {len(stdin_lines.splitlines())} lines" in out


def test_csv_history_to_the_broker(stack: RunningStack, shared_data: Path, topics: None) -> None:
    path = shared_data / "ais_csv" / "marinecadastre_AIS_2023-01-11_sample1000.csv"
    station = f"csv-test-{uuid.uuid4().hex[:8]}"
    done = run_cli("ingest", "csv", str(path), "--station", station, env=stack.env())
    assert done.returncode == 0, done.stderr.decode()
    assert b"published 1000 position reports" in done.stdout
    positions = [
        PositionReport.from_json(v)
        for topic in (TOPIC_AIS_POSITION, TOPIC_AIS_DISTRESS)  # distress devices go to the priority topic
        for v in read_topic(stack.kafka_bootstrap, topic)
        if station.encode() in v
    ]
    assert len(positions) == 1000
    assert {p.observed_at.date().isoformat() for p in positions} == {"2023-01-11"}
    wrong = run_cli("ingest", "csv", str(path), "--layout", "dma", env=stack.env())
    assert wrong.returncode == 1 and b"layout dma: CSV has no column for" in wrong.stderr


def test_sightings_from_a_file(stack: RunningStack, tmp_path: Path, topics: None) -> None:
    owner_note = f"file-test-{uuid.uuid4().hex[:8]}"
    reports = [
        {
            "observed_at": "2026-11-20T02:15:00Z",
            "lat": 9.1,
            "lon": 97.2,
            "source_type": "fisher",
            "craft_type": "longtail",
            "persons_estimated": 60,
            "conditions": ["adrift", "taking water"],
            "ais_seen": "no",
            "note": owner_note,
        },
        {
            "observed_at": "2026-11-20T05:00:00Z",
            "lat": 8.9,
            "lon": 97.6,
            "source_type": "satellite optical",
            "note": owner_note,
        },
    ]
    path = tmp_path / "reports.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in reports) + "\n")
    done = run_cli(
        "ingest", "sightings", str(path), "--owner", "THA", "--acted-by", "mrcc-phuket-duty", env=stack.env()
    )
    assert done.returncode == 0, done.stderr.decode()
    assert b"published 2 sightings" in done.stdout
    published = [
        Sighting.from_json(v) for v in read_topic(stack.kafka_bootstrap, TOPIC_SIGHTING) if owner_note.encode() in v
    ]
    assert sorted(s.source_type for s in published) == ["fisher", "satellite_optical"]
    assert all(s.owner == "THA" and s.acted_by == "mrcc-phuket-duty" for s in published)

    # A bad file: a clear error naming line and field, exit 1, and nothing published.
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps({**reports[0], "note": owner_note + "-bad"})
        + "\n"
        + json.dumps({**reports[1], "lat": 123, "note": owner_note + "-bad"})
        + "\n"
    )
    failed = run_cli("ingest", "sightings", str(bad), "--owner", "THA", "--acted-by", "x", env=stack.env())
    assert failed.returncode == 1
    assert b"line 2: lat: 123 outside [-90, 90]" in failed.stderr
    assert not [v for v in read_topic(stack.kafka_bootstrap, TOPIC_SIGHTING) if (owner_note + "-bad").encode() in v]


@pytest.fixture()
def api_server(stack: RunningStack) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "seasight.app.cli", "api", "--port", str(port)],
        env=stack.env(),
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    errors = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"seasight api did not start: {errors}") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


def post(url: str, body: Any, token: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_sightings_over_http(stack: RunningStack, api_server: str, topics: None) -> None:
    note = f"http-test-{uuid.uuid4().hex[:8]}"
    report = {
        "observed_at": "2026-11-21T23:40:00Z",
        "lat": 5.35,
        "lon": 95.9,
        "uncertainty_nm": 3,
        "source_type": "ngo_hotline",
        "owner": "IOM",
        "acted_by": "hotline-operator-4",
        "craft_type": "wooden_fishing_boat",
        "persons_estimated": 150,
        "conditions": ["overcrowded", "medical_emergency"],
        "note": note,
    }
    iom = account_token(stack, "iom-hotline", "IOM", "moc_operator")
    # no token, an unknown one, or another organisation's records: refused, nothing published
    assert post(api_server + "/sightings", report)[0] == 401
    assert post(api_server + "/sightings", report, token="ss_not-a-token")[0] == 401
    tha = account_token(stack, "tha-mrcc-api", "THA", "sar_coordinator")
    status, answer = post(api_server + "/sightings", report, token=tha)
    assert status == 403 and "reports for THA, not for IOM" in answer["detail"]
    status, answer = post(api_server + "/sightings", report, token=iom)
    assert status == 201, answer
    assert answer["accepted"] == 1
    published = [Sighting.from_json(v) for v in read_topic(stack.kafka_bootstrap, TOPIC_SIGHTING) if note.encode() in v]
    assert [s.id for s in published] == answer["ids"]
    assert published[0].conditions == ("overcrowded", "medical_emergency") and published[0].owner == "IOM"
    assert published[0].acted_by == "iom-hotline (hotline-operator-4)"  # who sent it

    status, answer = post(
        api_server + "/sightings", [report, {**report, "owner": "XYZ", "note": note + "-bad"}], token=iom
    )
    assert status == 403 and "not for XYZ" in answer["detail"]
    status, answer = post(
        api_server + "/sightings", [report, {**report, "craft_type": "x" * 61, "note": note + "-bad"}], token=iom
    )
    assert status == 422 and any(e["loc"][-1] == "craft_type" for e in answer["detail"])
    status, answer = post(api_server + "/sightings", {**report, "lat": 91.5, "note": note + "-bad"}, token=iom)
    assert status == 422 and answer["detail"][0]["loc"][-1] == "lat"
    # All or nothing: the valid first record of the refused list was not published either.
    assert len([v for v in read_topic(stack.kafka_bootstrap, TOPIC_SIGHTING) if note.encode() in v]) == 1

    with urllib.request.urlopen(api_server + "/openapi.json", timeout=10) as response:
        spec = json.loads(response.read())
    assert "/sightings" in spec["paths"] and "post" in spec["paths"]["/sightings"]
    assert "SightingIn" in spec["components"]["schemas"]
