"""The simulated exercise scenario through the real chain — simulator → ingest reader → broker → tracker
→ PostGIS → detection — flags each scripted vessel with its expected rule (ground truth), while the
ordinary simulated lane traffic raises few flags."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from ingest.ais import AisReader, Decoded
from ingest.publish import Publisher
from ingest.simulate import (
    ANDAMAN,
    SCENARIO_HOURS,
    STATION,
    build_fleet,
    exercise_sightings,
    history_sentences,
    scenario_truth,
    scenario_watchlist,
)
from tests.conftest import RunningStack, run_cli
from tracking.consumer import Tracker
from tracking.detect import run_detection
from tracking.watchlist import upsert_watchlist

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_scenario_ground_truth_is_flagged(stack: RunningStack, reference_layers: object) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    scenario_start = now - timedelta(hours=SCENARIO_HOURS)
    fleet = build_fleet(20, seed=23)
    reader = AisReader(STATION, STATION)
    publisher = Publisher.connect(stack.kafka_bootstrap)
    for line in history_sentences(fleet, scenario_start, now):
        for outcome in reader.feed_line(line.encode(), now):
            assert isinstance(outcome, Decoded), outcome
            for record in outcome.records:
                publisher.send(record)
    sightings = exercise_sightings(scenario_start, now)
    for sighting in sightings:
        publisher.send(sighting)
    publisher.flush()
    publisher.close()

    tracker = Tracker(
        stack.database_url, stack.kafka_bootstrap, f"scenario-{uuid.uuid4().hex[:8]}", max_poll_interval_ms=3000
    )
    tracker.run(until_idle=True, idle_timeout_s=60)

    truth = scenario_truth()
    fleet_mmsis = [v.mmsi for v in fleet]
    with psycopg.connect(stack.database_url) as conn:
        upsert_watchlist(conn, scenario_watchlist(ANDAMAN))
        run_detection(conn, end=now, lookback=timedelta(hours=SCENARIO_HOURS + 1))
        flagged = conn.execute(
            "SELECT mmsi, rule_id, severity, is_exercise FROM flag WHERE mmsi = ANY(%s) AND status <> 'withdrawn'",
            (list(truth),),
        ).fetchall()
        ordinary = conn.execute(
            "SELECT rule_id, severity, count(*) FROM flag WHERE mmsi = ANY(%s) AND status <> 'withdrawn'"
            " AND severity IN ('medium', 'high', 'distress') GROUP BY 1, 2",
            (fleet_mmsis,),
        ).fetchall()
        conn.rollback()  # leave the shared test database's flags as they were

    rules_by_mmsi: dict[int, set[str]] = {}
    for mmsi, rule_id, _severity, _exercise in flagged:
        rules_by_mmsi.setdefault(mmsi, set()).add(rule_id)
    missed = {mmsi: rule for mmsi, rule in truth.items() if rule not in rules_by_mmsi.get(mmsi, set())}
    assert not missed, f"scripted vessels not flagged as expected: {missed}; got {rules_by_mmsi}"
    assert any(severity == "distress" for _m, rule, severity, _e in flagged if rule == "distress")
    # The rendezvous with the crowded boat comes from exercise sightings: that flag is an exercise flag.
    assert all(exercise for _m, rule, _s, exercise in flagged if rule == "encounter_contact")
    # Ordinary lane traffic (20 vessels, 8 h): no medium-or-higher flag at all.
    assert ordinary == [], ordinary


def test_simulate_command_feeds_the_whole_chain(stack: RunningStack, reference_layers: object, tmp_path: Path) -> None:
    """`seasight simulate` → `ingest ais` + `ingest sightings` → `track` → `detect`: the ground truth holds."""
    env = stack.env()
    out = tmp_path / "timor.nmea"
    made = run_cli("simulate", "--scenario", "timor", "--hours", "9", "--vessels", "8", "--out", str(out), env=env)
    assert made.returncode == 0, made.stderr.decode()
    truth = json.loads((tmp_path / "timor.nmea.truth.json").read_text())
    assert truth["simulated"] is True and truth["expected_flags"]

    for command in (
        ("ingest", "ais", str(out)),
        ("ingest", "sightings", str(tmp_path / "timor.nmea.sightings.jsonl")),
        (
            "track",
            "--until-idle",
            "--group",
            f"sim-{uuid.uuid4().hex[:6]}",
            "--max-poll-interval-ms",
            "3000",
            "--idle-timeout",
            "60",
        ),
        ("detect", "--once", "--lookback-hours", "10"),
    ):
        done = run_cli(*command, env=env, timeout=300)
        assert done.returncode == 0, (command, done.stderr.decode()[-1500:])

    with psycopg.connect(stack.database_url) as conn:
        for expected in truth["expected_flags"]:
            rules = {
                r[0]
                for r in conn.execute(
                    "SELECT rule_id FROM flag WHERE mmsi = %s AND status <> 'withdrawn'", (expected["mmsi"],)
                )
            }
            assert expected["rule"] in rules, (expected, rules)
        stored = conn.execute(
            "SELECT count(*) FROM sighting WHERE id = ANY(%s::uuid[]) AND is_exercise",
            ([s["id"] for s in truth["sightings"]],),
        ).fetchone()
        assert stored == (len(truth["sightings"]),)
