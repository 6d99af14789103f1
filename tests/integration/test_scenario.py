"""The simulated exercise scenario through the real chain — simulator → ingest reader → broker → tracker
→ PostGIS → detection — flags each scripted vessel with its expected rule (ground truth), while the
ordinary simulated lane traffic raises no medium-or-higher flag, at any moment.

Time is an input here: the scenario is played at fixed instants, never at the wall clock. The fleet's place
on its lanes depends on the absolute time (``FLEET_EPOCH``), so what ordinary traffic does — and whether a
rule raises a false alarm on it — changes with the hour. The instants cover every hour of the day (24
offsets of one hour, each on its own day starting from 2026-12-01 21:50 UTC, the hour at which a clean
clone once failed), a window across a UTC midnight and one across a month and year end. Instants are more
than a day apart, so their windows never overlap and one pass of the chain carries all of them.
"""

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
from seasight.clock import FixedClock
from tests.conftest import RunningStack, run_cli
from tracking.consumer import Tracker
from tracking.detect import run_detection
from tracking.watchlist import upsert_watchlist

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FIRST = datetime(2026, 12, 1, 21, 50, tzinfo=UTC)
HOURLY = [FIRST + timedelta(days=k, hours=k) for k in range(24)]
ACROSS_MIDNIGHT = datetime(2027, 1, 12, 2, 40, tzinfo=UTC)  # window 18:40 → 02:40 the next day
ACROSS_MONTH_END = datetime(2027, 2, 1, 1, 15, tzinfo=UTC)  # window 31 January 17:15 → 1 February 01:15
INSTANTS = [*HOURLY, ACROSS_MIDNIGHT, ACROSS_MONTH_END]
LOOKBACK = timedelta(hours=SCENARIO_HOURS + 1)


def test_instants_cover_every_hour_and_never_overlap() -> None:
    assert {t.hour for t in HOURLY} == set(range(24))
    ordered = sorted(INSTANTS)
    assert all(b - a > LOOKBACK for a, b in zip(ordered, ordered[1:], strict=False))
    assert (ACROSS_MIDNIGHT - LOOKBACK).date() != ACROSS_MIDNIGHT.date()
    assert (ACROSS_MONTH_END - LOOKBACK).month != ACROSS_MONTH_END.month


@pytest.fixture(scope="module")
def scenario_chain(stack: RunningStack, reference_layers: object) -> RunningStack:
    """Every instant's scenario (8 h of feed before it, 20 lane vessels, the exercise sightings) published
    through the ingest reader and the broker, then consumed into PostGIS by one tracker."""
    fleet = build_fleet(20, seed=23)
    publisher = Publisher.connect(stack.kafka_bootstrap)
    for instant in INSTANTS:
        scenario_start = instant - timedelta(hours=SCENARIO_HOURS)
        reader = AisReader(STATION, STATION, clock=FixedClock(instant))
        for line in history_sentences(fleet, scenario_start, instant):
            for outcome in reader.feed_line(line.encode(), instant):
                assert isinstance(outcome, Decoded), outcome
                for record in outcome.records:
                    publisher.send(record)
        for sighting in exercise_sightings(scenario_start, instant):
            publisher.send(sighting)
    publisher.flush()
    publisher.close()
    tracker = Tracker(
        stack.database_url, stack.kafka_bootstrap, f"scenario-{uuid.uuid4().hex[:8]}", max_poll_interval_ms=3000
    )
    tracker.run(until_idle=True, idle_timeout_s=60)
    return stack


# A flag's event, or one of the repeats grouped onto it within its rule's cooldown (tracking/rules/cooldown.py),
# started in the range. Every instant's scenario replays the same fleet into one database, so a scripted
# vessel's silence from the previous instant's scenario is a gap too (went_dark follows silences longer than the
# window, from the vessel's last report before it); the scenario's own gap then repeats that flag.
_EVENT_BETWEEN = (
    "(window_start BETWEEN %s AND %s"
    " OR EXISTS (SELECT 1 FROM unnest(repeat_starts) AS r(at) WHERE r.at BETWEEN %s AND %s))"
)


@pytest.mark.parametrize("instant", INSTANTS, ids=[t.strftime("%Y%m%dT%H%M") for t in INSTANTS])
def test_scenario_ground_truth_is_flagged(scenario_chain: RunningStack, instant: datetime) -> None:
    scenario_start = instant - timedelta(hours=SCENARIO_HOURS)
    truth = scenario_truth()
    fleet_mmsis = [v.mmsi for v in build_fleet(20, seed=23)]
    with psycopg.connect(scenario_chain.database_url) as conn:
        upsert_watchlist(conn, scenario_watchlist(ANDAMAN))
        run_detection(conn, end=instant, lookback=LOOKBACK)
        flagged = conn.execute(
            "SELECT mmsi, rule_id, severity, is_exercise FROM flag WHERE mmsi = ANY(%s) AND status <> 'withdrawn'"
            f" AND {_EVENT_BETWEEN}",
            (list(truth), scenario_start, instant, scenario_start, instant),
        ).fetchall()
        ordinary = conn.execute(
            "SELECT mmsi, rule_id, severity, summary FROM flag WHERE mmsi = ANY(%s) AND status <> 'withdrawn'"
            f" AND severity IN ('medium', 'high', 'distress') AND {_EVENT_BETWEEN}",
            (fleet_mmsis, instant - LOOKBACK, instant, instant - LOOKBACK, instant),
        ).fetchall()
        conn.rollback()  # leave the shared test database's flags and watchlist as they were

    rules_by_mmsi: dict[int, set[str]] = {}
    for mmsi, rule_id, _severity, _exercise in flagged:
        rules_by_mmsi.setdefault(mmsi, set()).add(rule_id)
    missed = {mmsi: rule for mmsi, rule in truth.items() if rule not in rules_by_mmsi.get(mmsi, set())}
    assert not missed, f"scripted vessels not flagged as expected: {missed}; got {rules_by_mmsi}"
    assert any(severity == "distress" for _m, rule, severity, _e in flagged if rule == "distress")
    # The rendezvous with the crowded boat comes from exercise sightings: that flag is an exercise flag.
    assert all(exercise for _m, rule, _s, exercise in flagged if rule == "encounter_contact")
    # Ordinary lane traffic (20 merchant vessels, 8 h): no medium-or-higher flag at all.
    assert ordinary == [], ordinary


SIMULATE_END = datetime(2026, 7, 19, 4, 30, tzinfo=UTC)


def test_simulate_command_feeds_the_whole_chain(stack: RunningStack, reference_layers: object, tmp_path: Path) -> None:
    """`seasight simulate` → `ingest ais` + `ingest sightings` → `track` → `detect`: the ground truth holds."""
    env = stack.env()
    out = tmp_path / "timor.nmea"
    end = SIMULATE_END.isoformat()
    made = run_cli(
        "simulate", "--scenario", "timor", "--hours", "9", "--vessels", "8", "--end", end, "--out", str(out), env=env
    )
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
        ("detect", "--once", "--end", end, "--lookback-hours", "10"),
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
