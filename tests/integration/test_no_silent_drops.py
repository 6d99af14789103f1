"""No bad input hides a real report, through the real chain (issue 14):

* a position report whose tag-block time is 23 h ahead, from a station never heard before, moves no
  vessel: `seasight ingest ais` → broker → `seasight track` quarantines it, the genuine reports after it
  update the vessel, and `seasight case open --mmsi` takes the real position (MRCC Chennai, not JRCC
  Australia at Christmas Island);
* a sighting POSTed twice under one id ("false alarm, 0 persons", then "boat sinking, 120 persons, persons in
  water") is stored as two versions; the second is current and drives detection (people at risk, distress).
"""

from __future__ import annotations

import functools
import json
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
import uvicorn
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from pyais import encode_dict

from ingest.api import ApiCaller, create_app
from seasight.clock import FixedClock
from seasight.schemas import PositionReport, Sighting
from tests.conftest import TEST_NOW, RunningStack, acting_env, fresh_database, run_cli
from tests.integration.faults import record
from tests.integration.stream_tracker import handlers
from tracking.consumer import Tracker
from tracking.stream.stage import DetectionStage

pytestmark = pytest.mark.integration


def _xor(text: str) -> str:
    return f"{functools.reduce(lambda a, c: a ^ ord(c), text, 0):02X}"


def tagged(mmsi: int, lat: float, lon: float, station: str, at_s: float) -> str:
    """One AIS message 1 sentence behind an IEC 61162-450 tag block (station s:, time c:)."""
    (sentence,) = encode_dict(
        {"type": 1, "mmsi": mmsi, "lat": lat, "lon": lon, "speed": 6.0, "course": 200.0, "heading": 200},
        talker_id="AI",
        sentence_type="VDM",
    )
    block = f"s:{station},c:{int(at_s)}"
    return f"\\{block}*{_xor(block)}\\{sentence}"


@pytest.mark.reliability
def test_a_future_stamped_spoof_is_quarantined_and_the_case_gets_the_real_position(
    reference_layers: RunningStack, tmp_path: Path, artifacts: Path
) -> None:
    stack = reference_layers
    mmsi = 419_014_001  # an Indian vessel in the Bay of Bengal
    now = TEST_NOW.timestamp()  # every CLI runs at SEASIGHT_FIXED_TIME = TEST_NOW: the receipt time
    lines = [
        tagged(mmsi, 14.50, 85.20, "chennai-rx", now - 1200),
        tagged(mmsi, -10.45, 105.69, "unknown-rx-14", now + 23 * 3600),  # Christmas Island, 23 h ahead
        tagged(mmsi, 14.45, 85.18, "chennai-rx", now - 600),
        tagged(mmsi, 14.40, 85.16, "chennai-rx", now - 120),
    ]
    feed = tmp_path / "spoof.nmea"
    feed.write_text("\n".join(lines) + "\n")
    ingested = run_cli("ingest", "ais", str(feed), "--station", "file-14", env=stack.env())
    assert ingested.returncode == 0, ingested.stderr.decode()
    assert b"published 4 position reports" in ingested.stdout, ingested.stdout
    tracked = run_cli(
        "track",
        "--until-idle",
        "--group",
        f"spoof-{uuid.uuid4().hex[:6]}",
        "--max-poll-interval-ms",
        "3000",
        "--idle-timeout",
        "60",
        env=stack.env(),
        timeout=600,
    )
    assert tracked.returncode == 0, tracked.stderr.decode()[-2000:]
    assert b"future_time" in tracked.stdout, tracked.stdout  # counted, and said so

    with psycopg.connect(stack.database_url) as conn:
        state = conn.execute(
            "SELECT observed_at, ST_Y(geom), ST_X(geom), station FROM vessel_state WHERE mmsi = %s", (mmsi,)
        ).fetchone()
        assert state is not None and state[3] == "chennai-rx"
        assert state[0] == TEST_NOW - timedelta(seconds=120) and state[1] == pytest.approx(14.40, abs=1e-4)
        assert conn.execute("SELECT count(*) FROM position WHERE mmsi = %s AND ST_Y(geom) < 0", (mmsi,)).fetchone() == (
            0,
        )
        held = conn.execute(
            "SELECT station, reason, round(ahead_s) FROM report_quarantine WHERE mmsi = %s", (mmsi,)
        ).fetchall()
        assert held == [("unknown-rx-14", "future_time", 23 * 3600)]

    opened = run_cli("case", "open", "--mmsi", str(mmsi), "--json", env=acting_env(stack, "ana", "XAA"))
    assert opened.returncode == 0, opened.stderr.decode()
    case = json.loads(opened.stdout)
    assert case["position"]["lat"] == pytest.approx(14.40, abs=1e-4), case["position"]
    assert "MRCC Chennai" in case["rcc"]["name"] and "Australia" not in case["rcc"]["name"], case["rcc"]
    record(
        artifacts,
        "future_stamped_spoof",
        {
            "faults_injected": 1,
            "messages_checked": 4,
            "lost": 0,
            "duplicated": 0,
            "quarantined": len(held),
            "case_rcc": case["rcc"]["name"],
        },
    )


# --------------------------------------------------------------------------------------------------------
# a distress sighting POSTed again under the same id
# --------------------------------------------------------------------------------------------------------


@pytest.fixture()
def private(stack: RunningStack) -> Iterator[tuple[RunningStack, str]]:
    """A fresh database and private topics (prefix), so that the flags read back are this test's alone."""
    prefix = f"revtest-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    admin.create_topics([NewTopic(f"{prefix}.{t}", 3, 1) for t in ("position", "distress", "safety", "sighting")])
    admin.close()
    yield fresh_database(stack, "seasight_revision_test"), prefix


def _serve(publish: Any, tokens: dict[str, ApiCaller]) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(publish, tokens.get, clock=FixedClock(TEST_NOW))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _post(url: str, body: Any, token: str) -> tuple[int, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _track(db: RunningStack, prefix: str, group: str) -> None:
    tracker = Tracker(
        db.database_url,
        db.kafka_bootstrap,
        group,
        max_poll_interval_ms=3000,
        handlers=handlers(prefix),
        detection=DetectionStage(),
    )
    tracker.run(until_idle=True, idle_timeout_s=60)


@pytest.mark.reliability
def test_a_distress_sighting_posted_again_under_the_same_id_is_a_revision_that_drives_detection(
    private: tuple[RunningStack, str], artifacts: Path
) -> None:
    db, prefix = private
    producer = KafkaProducer(bootstrap_servers=db.kafka_bootstrap, acks="all")
    try:
        # the feed around the sighting: a fishing vessel nearby gives the stage its event time
        for k in range(6):
            p = PositionReport(
                mmsi=525_014_001,
                observed_at=TEST_NOW - timedelta(minutes=60 - 10 * k),
                lat=6.0 + 0.01 * k,
                lon=94.0,
                sog_kn=3.0,
                cog_deg=0.0,
                heading_deg=None,
                nav_status=7,
                msg_type=1,
                station="rev-rx",
                received_at=TEST_NOW - timedelta(minutes=60 - 10 * k),
            )
            producer.send(f"{prefix}.position", key=str(p.mmsi).encode(), value=p.to_json())
        producer.flush()
        group = f"rev-{uuid.uuid4().hex[:6]}"
        _track(db, prefix, group)

        def publish(sightings: list[Sighting]) -> None:
            for s in sightings:
                producer.send(f"{prefix}.sighting", key=s.id.encode(), value=s.to_json())
            producer.flush(timeout=30)

        sid = str(uuid.uuid4())
        first = {
            "id": sid,
            "observed_at": (TEST_NOW - timedelta(minutes=20)).isoformat(),
            "lat": 6.05,
            "lon": 94.05,
            "source_type": "aircraft",
            "owner": "IDN",
            "craft_type": "wooden_boat",
            "persons_estimated": 0,
            "note": "false alarm, 0 persons",
        }
        second = {
            **first,
            "persons_estimated": 120,
            "conditions": ["persons_in_water", "taking_water"],
            "note": "boat sinking, 120 persons, persons in water",
        }
        tokens = {"idn": ApiCaller("idn-patrol", "IDN", may_report=True)}
        for url in _serve(publish, tokens):
            assert _post(url + "/sightings", first, "idn") == (201, {"accepted": 1, "ids": [sid]})
            assert _post(url + "/sightings", second, "idn") == (201, {"accepted": 1, "ids": [sid]})
        _track(db, prefix, group)
    finally:
        producer.close()

    with psycopg.connect(db.database_url) as conn:
        assert conn.execute(
            "SELECT persons_estimated, conditions, note FROM sighting WHERE id = %s", (sid,)
        ).fetchone() == (120, ["persons_in_water", "taking_water"], "boat sinking, 120 persons, persons in water")
        assert conn.execute(
            "SELECT revision, persons_estimated, note FROM sighting_revision WHERE sighting_id = %s ORDER BY revision",
            (sid,),
        ).fetchall() == [(1, 0, "false alarm, 0 persons"), (2, 120, "boat sinking, 120 persons, persons in water")]
        flags = conn.execute(
            "SELECT rule_id, severity FROM flag WHERE sighting_id = %s AND status = 'open'", (sid,)
        ).fetchall()
        assert ("people_at_risk", "distress") in flags, flags
        assert conn.execute("SELECT records FROM tracker_drop_total WHERE reason = 'sighting_revision'").fetchone() == (
            1,
        )
    record(
        artifacts,
        "sighting_id_reused",
        {"faults_injected": 1, "messages_checked": 2, "lost": 0, "duplicated": 0, "revisions_kept": 2},
    )
