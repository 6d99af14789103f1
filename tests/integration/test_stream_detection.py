"""Detection as a streaming stage in the tracker (``tracking.stream``), against the real broker and PostGIS.

Each run gets its own database (created in the test cluster and migrated) and its own topics, so the flag
sets of two runs of the same capture can be compared exactly:

* the stage raises the capture's flags from message time (no clock anywhere): a vessel falling silent while
  its feed keeps hearing its neighbours, an encounter, an AIS-SART, an impossible position jump;
* SIGKILL the tracker three times mid-stream and restart it: the final flags equal those of an
  uninterrupted run (rule, subject, start, severity) — the state is rebuilt from the committed positions.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from psycopg import sql

from seasight.schemas import PositionReport
from seasight.stack import LocalStack, StackState
from tests.conftest import REPO_ROOT, RunningStack
from tests.conftest import fresh_database as shared_fresh_database
from tests.tracking.tracks import as_reports, line
from tracking.rules.geo import destination
from tracking.rules.model import TrackPoint

pytestmark = [pytest.mark.integration, pytest.mark.slow]

T0 = datetime(2029, 4, 2, 0, 0, tzinfo=UTC)
STATION = "stream-test"
NEIGHBOURS = [563500100 + k for k in range(24)]
QUIET, MOTHER, SKIFF, SART, JUMPER = 525500001, 572500002, 533500003, 970500004, 563500005


def capture() -> list[PositionReport]:
    """12 h of the open Andaman Sea (> 100 nm offshore), one report every 2 min per vessel, time-ordered."""
    every = timedelta(minutes=2)
    points: list[TrackPoint] = []
    for k, mmsi in enumerate(NEIGHBOURS):  # a loose convoy at 8 kn, around QUIET
        points += line(
            mmsi, 9.8 + 0.02 * (k % 6), 95.2 + 0.03 * (k // 6), course=90, speed_kn=8, every=every, count=361, start=T0
        )
    points += line(QUIET, 9.85, 95.25, course=90, speed_kn=8, every=every, count=91, start=T0)  # 3 h, then silent
    points += line(MOTHER, 9.2, 95.6, course=200, speed_kn=0.7, every=every, count=120, start=T0 + timedelta(hours=2))
    lat, lon = destination(9.2, 95.6, 100, 0.08)
    points += line(
        SKIFF, lat, lon, course=200, speed_kn=0.7, every=every, count=120, start=T0 + timedelta(hours=2), msg_type=18
    )
    points += line(
        SART,
        9.5,
        96.0,
        course=45,
        speed_kn=0.5,
        every=timedelta(minutes=1),
        count=20,
        start=T0 + timedelta(hours=5),
        nav_status=14,
    )
    jumper = line(JUMPER, 10.4, 95.0, course=0, speed_kn=10, every=every, count=120, start=T0 + timedelta(hours=1))
    spoof = jumper[60]
    jumper[60] = TrackPoint(
        mmsi=JUMPER,
        observed_at=spoof.observed_at,
        lat=spoof.lat + 3.0,
        lon=spoof.lon,
        sog_kn=10.0,
        cog_deg=0.0,
        nav_status=0,
    )
    points += jumper
    points.sort(key=lambda p: (p.observed_at, p.mmsi))
    return as_reports(points, STATION)


def fresh_database(stack: RunningStack, name: str) -> str:
    """A new, migrated database in the test cluster (migrated as the owner role, used by the local service
    account like the stack's own database); the application's URL."""
    return shared_fresh_database(stack, name).database_url


def drop_database(stack: RunningStack, name: str) -> None:
    local = LocalStack(stack.stack_dir)
    state = StackState.load(local.state_path)
    with psycopg.connect(local.superuser_url(state), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def published(stack: RunningStack) -> Iterator[tuple[str, int]]:
    """The capture on private topics (prefix, number of positions)."""
    prefix = f"streamtest-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    admin.create_topics([NewTopic(f"{prefix}.{t}", 3, 1) for t in ("position", "distress", "safety", "sighting")])
    admin.close()
    reports = capture()
    producer = KafkaProducer(bootstrap_servers=stack.kafka_bootstrap, linger_ms=20)
    for r in reports:
        producer.send(f"{prefix}.position", key=str(r.mmsi).encode(), value=r.to_json())
    producer.flush()
    producer.close()
    yield prefix, len(reports)


def run_tracker(
    stack: RunningStack, url: str, prefix: str, group: str, max_poll_records: int = 400, detect: bool = True
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.stream_tracker",
            url,
            stack.kafka_bootstrap,
            prefix,
            group,
            str(max_poll_records),
            *([] if detect else ["plain"]),
        ],
        cwd=REPO_ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def positions_in(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM position").fetchone()
        return int(row[0]) if row else 0


def open_flags(url: str) -> set[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return {
            (r[0], r[1], r[2], r[3])
            for r in conn.execute(
                "SELECT rule_id, mmsi, window_start, severity FROM flag WHERE status <> 'withdrawn'"
            ).fetchall()
        }


def test_stage_flags_the_capture_and_resumes_exactly_after_sigkill(
    stack: RunningStack, published: tuple[str, int]
) -> None:
    prefix, total = published
    name_a, name_b = f"stream_a_{uuid.uuid4().hex[:6]}", f"stream_b_{uuid.uuid4().hex[:6]}"
    url_a, url_b = fresh_database(stack, name_a), fresh_database(stack, name_b)
    try:
        # Uninterrupted run.
        started = time.monotonic()
        done = run_tracker(stack, url_a, prefix, f"{name_a}-g")
        out, err = done.communicate(timeout=600)
        assert done.returncode == 0, err.decode()[-3000:]
        uninterrupted_s = time.monotonic() - started
        assert positions_in(url_a) == total
        flags_a = open_flags(url_a)
        fired = {(rule, mmsi) for rule, mmsi, _s, _sev in flags_a}
        assert ("went_dark", QUIET) in fired, flags_a
        assert ("encounter", MOTHER) in fired and ("encounter", SKIFF) in fired, flags_a
        assert ("distress", SART) in fired, flags_a
        assert ("impossible_speed", JUMPER) in fired, flags_a
        # The convoy is heard all along: none of it went dark (the SART falling silent after 20 min may be).
        assert not [f for f in fired if f[0] == "went_dark" and f[1] not in (QUIET, SART)], flags_a
        start_quiet = next(s for rule, mmsi, s, _sev in flags_a if rule == "went_dark" and mmsi == QUIET)
        assert start_quiet == T0 + timedelta(minutes=180)

        # The same capture, SIGKILLed three times mid-stream.
        kills = 0
        group = f"{name_b}-g"
        for share in (0.2, 0.45, 0.7):
            proc = run_tracker(stack, url_b, prefix, group)
            deadline = time.monotonic() + 300
            while positions_in(url_b) < share * total:
                assert proc.poll() is None, proc.stderr.read().decode()[-3000:] if proc.stderr else ""
                assert time.monotonic() < deadline, "tracker made no progress"
                time.sleep(0.05)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            kills += 1
        assert kills == 3 and positions_in(url_b) < total
        last = run_tracker(stack, url_b, prefix, group)
        _out, err = last.communicate(timeout=600)
        assert last.returncode == 0, err.decode()[-3000:]
        assert positions_in(url_b) == total
        assert open_flags(url_b) == flags_a
        print(f"uninterrupted run {uninterrupted_s:.1f} s for {total} positions; {len(flags_a)} open flags")
    finally:
        drop_database(stack, name_a)
        drop_database(stack, name_b)


def test_flags_are_published_after_commit(stack: RunningStack, published: tuple[str, int]) -> None:
    """The stage's flag events reach seasight.flag, each for a flag the database holds."""
    prefix, _total = published
    name = f"stream_c_{uuid.uuid4().hex[:6]}"
    url = fresh_database(stack, name)
    try:
        consumer = KafkaConsumer(
            "seasight.flag",
            bootstrap_servers=stack.kafka_bootstrap,
            auto_offset_reset="latest",
            consumer_timeout_ms=2000,
            group_id=None,
        )
        consumer.poll(timeout_ms=1000)  # assignment at the end of the topic
        done = run_tracker(stack, url, prefix, f"{name}-g")
        out, err = done.communicate(timeout=600)
        assert done.returncode == 0, err.decode()[-3000:]
        events = [m.value for m in consumer]
        consumer.close()
        assert events, out.decode()
        with psycopg.connect(url) as conn:
            held = {r[0] for r in conn.execute("SELECT id FROM flag").fetchall()}
        import json

        assert {json.loads(e)["flag_id"] for e in events} <= held
    finally:
        drop_database(stack, name)


BACKLOG_VESSELS, BACKLOG_REPORTS = 2000, 100  # 200,000 ordinary positions, every 10 s
DISTRESS_SART = 970500099


def test_distress_behind_a_200000_position_backlog_is_flagged_before_the_backlog_drains(stack: RunningStack) -> None:
    """The AIS-SART is published *after* 200,000 ordinary positions; the tracker, started on that backlog,
    raises its distress flag (committed and published) while the backlog is still being written. Latency
    figures belong to ``seasight bench``; here: the flag's commit precedes the backlog's last commit."""
    prefix = f"backlog-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    admin.create_topics([NewTopic(f"{prefix}.{t}", 3, 1) for t in ("position", "distress", "safety", "sighting")])
    admin.close()
    start = T0 + timedelta(days=20)
    producer = KafkaProducer(bootstrap_servers=stack.kafka_bootstrap, linger_ms=50, batch_size=512 * 1024)
    for k in range(BACKLOG_REPORTS):
        t = start + timedelta(seconds=10 * k)
        for v in range(BACKLOG_VESSELS):
            r = PositionReport(
                mmsi=563700000 + v,
                observed_at=t,
                lat=5.0 + 0.1 * (v // 50),
                lon=90.0 + 0.1 * (v % 50) + 0.0005 * k,
                sog_kn=10.8,
                cog_deg=90.0,
                heading_deg=90,
                nav_status=0,
                msg_type=1,
                station=STATION,
                received_at=t,
            )
            producer.send(f"{prefix}.position", key=str(r.mmsi).encode(), value=r.to_json())
    producer.flush()
    at = start + timedelta(seconds=10 * BACKLOG_REPORTS)
    sart = PositionReport(
        mmsi=DISTRESS_SART,
        observed_at=at,
        lat=6.0,
        lon=93.0,
        sog_kn=0.3,
        cog_deg=10.0,
        heading_deg=None,
        nav_status=14,
        msg_type=1,
        station=STATION,
        received_at=at,
    )
    producer.send(f"{prefix}.distress", key=str(DISTRESS_SART).encode(), value=sart.to_json())
    producer.flush()
    producer.close()

    name = f"backlog_{uuid.uuid4().hex[:6]}"
    url = fresh_database(stack, name)
    try:
        done = run_tracker(stack, url, prefix, f"{name}-g", max_poll_records=5000)
        _out, err = done.communicate(timeout=1200)
        assert done.returncode == 0, err.decode()[-3000:]
        with psycopg.connect(url) as conn:
            assert positions_in(url) == BACKLOG_VESSELS * BACKLOG_REPORTS + 1
            flag = conn.execute(
                "SELECT raised_at, severity FROM flag WHERE rule_id = 'distress' AND mmsi = %s", (DISTRESS_SART,)
            ).fetchone()
            assert flag is not None and flag[1] == "distress"
            last_backlog_commit = conn.execute(
                "SELECT max(updated_at) FROM vessel_state WHERE mmsi <> %s", (DISTRESS_SART,)
            ).fetchone()
            assert last_backlog_commit is not None and flag[0] < last_backlog_commit[0]
            behind = conn.execute(
                "SELECT count(*) FROM vessel_state WHERE mmsi <> %s AND updated_at > %s", (DISTRESS_SART, flag[0])
            ).fetchone()
            print(f"distress flag committed with {behind[0] if behind else 0} vessels' backlog still to be written")
    finally:
        drop_database(stack, name)


# A capture from the past (before TEST_NOW and any receipt time): a report stamped after the time it was
# read is quarantined (tracking/report_time.py), so history must lie before its reading.
REPLAY_T0 = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
CSV_HEADER = (
    "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo,"
    "TransceiverClass"
)
ZONE_SQL = """INSERT INTO zone (name, kind, reason, geom) VALUES ('replay test box', 'watch', 'replay test',
              ST_Multi(ST_MakeEnvelope(95.30, 9.0, 96.0, 10.5, 4326)))"""


def write_capture(path: Any) -> int:
    """40 minutes of a historical capture as a MarineCadastre CSV: a convoy (some of it sailing into a watch
    box), an AIS-SART and a position jump. Returns the number of rows."""
    every = timedelta(seconds=30)
    points: list[TrackPoint] = []
    for k in range(30):
        points += line(
            563800100 + k, 9.5 + 0.02 * k, 95.2, course=90, speed_kn=12, every=every, count=81, start=REPLAY_T0
        )
    points += line(
        970800001,
        9.6,
        95.8,
        course=45,
        speed_kn=0.5,
        every=timedelta(minutes=1),
        count=20,
        start=REPLAY_T0 + timedelta(minutes=10),
        nav_status=14,
    )
    jumper = line(563800001, 10.2, 95.0, course=0, speed_kn=10, every=every, count=60, start=REPLAY_T0)
    spoof = jumper[30]
    jumper[30] = TrackPoint(
        mmsi=563800001,
        observed_at=spoof.observed_at,
        lat=spoof.lat + 2.0,
        lon=spoof.lon,
        sog_kn=10.0,
        cog_deg=0.0,
        nav_status=0,
    )
    points += jumper
    points.sort(key=lambda p: (p.observed_at, p.mmsi))
    rows = [CSV_HEADER]
    for p in points:
        rows.append(
            f"{p.mmsi},{p.observed_at:%Y-%m-%dT%H:%M:%S},{p.lat:.6f},{p.lon:.6f},{p.sog_kn},{p.cog_deg},"
            f"{p.heading_deg if p.heading_deg is not None else 511},,,,70,{p.nav_status},,,,,A"
        )
    path.write_text("\n".join(rows) + "\n")
    return len(points)


def flag_set(url: str) -> set[tuple[Any, ...]]:
    return open_flags(url)


def assert_live_map_shows_the_capture(replay_stack: RunningStack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The live map of a replayed capture, seven months on: a historical picture, its windows counting
    back from the newest report, so the capture's vessels and its AIS-SART's distress are on it."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from dashboard.auth import SESSION_KEY, SignedIn
    from seasight.accounts import Role
    from seasight.settings import get_settings
    from tests.conftest import account_token

    for key, value in replay_stack.env().items():
        if key.startswith("SEASIGHT_"):
            monkeypatch.setenv(key, value)
    monkeypatch.setenv("SEASIGHT_FIXED_TIME", "2027-01-01T00:00:00+00:00")
    get_settings.cache_clear()
    st.cache_resource.clear()  # the dashboard's settings and connection pool, perhaps of another database
    try:
        token = account_token(replay_stack, "replay-map-moc", "THA", "moc_operator")
        app = AppTest.from_file(str(REPO_ROOT / "dashboard" / "views" / "live_map.py"), default_timeout=60)
        app.session_state[SESSION_KEY] = SignedIn("replay-map-moc", "THA", Role.MOC_OPERATOR, token)
        app.run()
        assert not app.exception, app.exception
        assert any(i.value.startswith("Historical picture") for i in app.info)
        metrics = {m.label: m.value for m in app.metric}
        assert int(metrics["In view (filtered)"]) > 0
        assert any(e.value.startswith("DISTRESS: ") for e in app.error)
    finally:
        get_settings.cache_clear()
        st.cache_resource.clear()


def test_live_and_replay_at_50x_give_the_same_flags_and_concerns_shows_them(
    stack: RunningStack, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest.publish import TOPIC_OF
    from seasight.kafka import is_distress_position
    from tests.conftest import run_cli
    from tracking.stream.replay import read_capture

    capture_file = tmp_path / "capture.csv"
    rows = write_capture(capture_file)
    records = list(read_capture(capture_file, station="replay-test"))
    assert sum(isinstance(r, PositionReport) for r in records) == rows

    # Live: the capture's records through the broker into the tracker with the detection stage.
    prefix = f"live-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    admin.create_topics([NewTopic(f"{prefix}.{t}", 3, 1) for t in ("position", "distress", "safety", "sighting")])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=stack.kafka_bootstrap, linger_ms=20)
    for r in records:
        if not isinstance(r, PositionReport):
            continue
        assert TOPIC_OF[PositionReport]
        kind = "distress" if is_distress_position(r.mmsi, r.nav_status) else "position"
        producer.send(f"{prefix}.{kind}", key=str(r.mmsi).encode(), value=r.to_json())
    producer.flush()
    producer.close()
    name_live, name_replay = f"live_{uuid.uuid4().hex[:6]}", f"replay_{uuid.uuid4().hex[:6]}"
    replay_stack = shared_fresh_database(stack, name_replay)
    url_live, url_replay = fresh_database(stack, name_live), replay_stack.database_url
    try:
        for url in (url_live, url_replay):
            with psycopg.connect(url) as conn:
                conn.execute(ZONE_SQL)
        done = run_tracker(stack, url_live, prefix, f"{name_live}-g")
        _out, err = done.communicate(timeout=600)
        assert done.returncode == 0, err.decode()[-3000:]
        live = flag_set(url_live)

        # Replay of the file at 50 x message time (40 min -> about 48 s), through `seasight replay`.
        env = stack.env()
        env["SEASIGHT_DATABASE_URL"] = url_replay
        started = time.monotonic()
        replayed = run_cli(
            "replay", str(capture_file), "--speed", "50", "--station", "replay-test", env=env, timeout=600
        )
        assert replayed.returncode == 0, replayed.stderr.decode()[-3000:]
        assert time.monotonic() - started >= 40 * 60 / 50 * 0.9  # it was paced
        assert f"replay: {len(records)} records" in replayed.stdout.decode()
        replay_flags = flag_set(url_replay)

        fired = {(rule, mmsi) for rule, mmsi, _s, _sev in live}
        assert ("distress", 970800001) in fired and ("impossible_speed", 563800001) in fired, live
        assert any(rule == "entered_watch_zone" for rule, _m in fired), live
        assert replay_flags == live

        # A new user's question, no clock option: which vessels of that historical file are of concern?
        concerns = run_cli("concerns", "--json", env=env)
        assert concerns.returncode == 0, concerns.stderr.decode()[-2000:]
        import json

        listed = {item["mmsi"] for item in json.loads(concerns.stdout)}
        assert {970800001, 563800001} <= listed
        # ... and on the live map, with its default window ("last 24 h"), months after the capture.
        assert_live_map_shows_the_capture(replay_stack, monkeypatch)

        # "What would have been flagged at 00:20?": the SART and the jump, not yet the watch-box entries.
        name_at = f"replay_at_{uuid.uuid4().hex[:6]}"
        url_at = fresh_database(stack, name_at)
        try:
            with psycopg.connect(url_at) as conn:
                conn.execute(ZONE_SQL)
            env["SEASIGHT_DATABASE_URL"] = url_at
            at = run_cli(
                "replay",
                str(capture_file),
                "--as-fast-as-possible",
                "--at",
                "2026-06-01T00:20:00Z",
                "--station",
                "replay-test",
                env=env,
                timeout=600,
            )
            assert at.returncode == 0, at.stderr.decode()[-3000:]
            at_20 = {(rule, mmsi) for rule, mmsi, _s, _sev in flag_set(url_at)}
            assert ("distress", 970800001) in at_20 and ("impossible_speed", 563800001) in at_20, at_20
            assert not any(rule == "entered_watch_zone" for rule, _m in at_20), at_20
            assert at_20 <= fired
        finally:
            drop_database(stack, name_at)
    finally:
        drop_database(stack, name_live)
        drop_database(stack, name_replay)
