"""``seasight demo``: the local stack, a SIMULATED AIS feed with an exercise scenario, the tracker with its
streaming detection and the dashboard, together.

Order: bring the stack up (idempotent), start the tracker (``track --detect``) as a child process (and the
dashboard), publish the scenario's past hours (so the map has trails and the rules have history) and its
exercise sightings, then publish the live feed every ``interval_s`` through the same AIS reader a real
feed uses, until interrupted. Children are stopped on the way out.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

import psycopg

from ingest.ais import AisReader, Decoded, Rejected
from ingest.publish import Publisher
from ingest.simulate import (
    ANDAMAN,
    FLEET_EPOCH,
    STATION,
    Scenario,
    SimulatedVessel,
    build_fleet,
    exercise_sightings,
    history_sentences,
    scenario_sentences,
    scenario_start_for,
    scenario_watchlist,
    sentences_at,
)
from seasight.app.demo_stories import load_rso_story, run_sar_story
from seasight.clock import Clock
from seasight.settings import Settings
from seasight.stack import LocalStack
from tracking.watchlist import upsert_watchlist

log = logging.getLogger("seasight.demo")

FLEET_SLICES = 6  # live ticks per round of the whole fleet


def run_demo(
    settings: Settings,
    vessels: int,
    interval_s: float,
    open_dashboard: bool,
    duration_s: float | None = None,
    clock: Clock | None = None,
) -> None:
    """The local stack, a simulated feed with its exercise, the tracker (detecting) and the dashboard, until
    interrupted (or ``duration_s`` seconds). The timeline follows ``clock`` (default: the settings' clock):
    the exercise is the 8-hour block before its "now", the fleet sails in its time."""
    clock = clock or settings.clock()
    # SIGTERM (e.g. from a service manager) stops the demo like Ctrl-C, so its children are stopped too.
    signal.signal(signal.SIGTERM, _interrupt)
    stack = LocalStack(settings.stack_dir)
    state = stack.up(partitions=settings.topic_partitions, replication=settings.topic_replication)
    from geodata.loader import load_reference_layers_at

    load_reference_layers_at(stack.database_url(state), cache_root=settings.stack_dir)  # zones, SRRs, ports
    fleet = build_fleet(vessels)
    with psycopg.connect(stack.database_url(state)) as conn, psycopg.connect(stack.owner_url(state)) as owner:
        log.info("demo database prepared: %s", prepare_demo(conn, owner, fleet, clock()))
    env = dict(os.environ)
    env["SEASIGHT_STACK_DIR"] = str(stack.stack_dir)
    seasight = [sys.executable, "-m", "seasight.app.cli"]
    # Detection runs inside the tracker, on message time, as each batch commits (tracking/stream/): an AIS-SART
    # is flagged within a second of its report. A short poll interval: with Tansu the first group join waits
    # for it (docs/architecture.md, "Local stack").
    children = [
        subprocess.Popen(
            [*seasight, "track", "--detect", "--group", "seasight-demo-tracker", "--max-poll-interval-ms", "10000"],
            env=env,
        ),
    ]
    if open_dashboard:
        children.append(subprocess.Popen([*seasight, "dashboard", "--port", str(settings.dashboard_port)], env=env))
        print(f"Dashboard: http://localhost:{settings.dashboard_port}  (Ctrl-C to stop the demo)", flush=True)
        for name, password in demo_accounts(stack.owner_url(state), stack.stack_dir).items():
            print(f"  sign in as {name} / {password}", flush=True)
    deadline = None if duration_s is None else time.monotonic() + duration_s
    reader = AisReader(STATION, STATION, clock=clock)
    # The buffered publisher a real feed uses (ingest/publish.py): records are kept on disk until the
    # tracker has stored them, so a broker restart during the demo loses nothing.
    publisher = Publisher.for_settings(settings)

    def publish_lines(lines: Iterable[str], received_at: datetime) -> None:
        for line in lines:
            for outcome in reader.feed_line(line.encode(), received_at):
                if isinstance(outcome, Decoded):
                    for record in outcome.records:
                        publisher.send(record, reader.ledger)
                elif isinstance(outcome, Rejected):
                    publisher.send(outcome.rejection, reader.ledger)

    started = clock()
    scenario_start = scenario_start_for(started)
    publish_lines(history_sentences(fleet, scenario_start, started), started)
    for sighting in exercise_sightings(scenario_start, started):
        publisher.send(sighting)
    # the simulator's feed-health snapshot, as `seasight ingest ais` sends it (the Feeds page lists it)
    publisher.send(reader.ledger.snapshot(started, reader.fragments.pending_sentences))
    publisher.flush()
    log.info("published the exercise since %s: %s", scenario_start.isoformat(), publisher.sent)
    last_sighting = exercise_sightings(scenario_start, started)[-1]
    _sar_story(stack.database_url(state), last_sighting.id, last_sighting.observed_at, started)
    tick = 0
    last_safety_slot = -1
    try:
        while deadline is None or time.monotonic() < deadline:
            now = clock()
            minute = (now - scenario_start).total_seconds() / 60
            with_static = tick % 60 == 0  # names every 5 minutes at the default interval
            safety_slot = int(minute // 10)
            # Each tick carries one slice of the fleet: every lane vessel is heard every FLEET_SLICES ticks
            # (30 s at the default interval), its name once in 60 ticks — a shore network's picture of a few
            # thousand ships at a load the tracker and its detection keep up with.
            part = fleet[tick % FLEET_SLICES :: FLEET_SLICES]
            publish_lines(sentences_at(part, FLEET_EPOCH, now, tick % 60 < FLEET_SLICES), now)
            publish_lines(
                scenario_sentences(scenario_start, minute, with_static, with_safety=safety_slot != last_safety_slot),
                now,
            )
            last_safety_slot = safety_slot
            if with_static:
                publisher.send(reader.ledger.snapshot(now, reader.fragments.pending_sentences))
            publisher.flush()
            log.info("simulated feed tick %d: %s", tick, publisher.sent)
            tick += 1
            for child in children:
                if child.poll() is not None:
                    raise SystemExit(f"demo child {child.args!r} exited with {child.returncode}")
            time.sleep(interval_s)
    finally:
        publisher.close()
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()


def simulated_mmsis(fleet: Sequence[SimulatedVessel], scenario: Scenario = ANDAMAN) -> list[int]:
    """Every MMSI the demo's simulator transmits: the lane fleet and the scenario's scripted vessels."""
    return sorted({v.mmsi for v in fleet} | {v.mmsi for v in scenario.vessels})


def register_simulation(owner_conn: psycopg.Connection, mmsis: Iterable[int], station: str = STATION) -> int:
    """Register ``mmsis`` as simulated vessels of ``station`` (tables of migration 0130, written by the owner
    role only), so the database marks every flag and case derived from them as exercise. Idempotent;
    returns how many were newly registered."""
    with owner_conn.transaction():
        owner_conn.execute(
            "INSERT INTO simulated_station (station, note) VALUES (%s, %s) ON CONFLICT (station) DO NOTHING",
            (station, "SIMULATED feed of seasight demo"),
        )
        with owner_conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM simulated_vessel")
            before = int((cur.fetchone() or (0,))[0])
            cur.executemany(
                "INSERT INTO simulated_vessel (mmsi, station, note) VALUES (%s, %s, %s) ON CONFLICT (mmsi) DO NOTHING",
                [(m, station, "seasight demo: simulated lane or exercise vessel") for m in mmsis],
            )
            cur.execute("SELECT count(*) FROM simulated_vessel")
            after = int((cur.fetchone() or (0,))[0])
    return after - before


DEMO_ACCOUNTS = {
    "demo-tha-coordinator": ("THA", "sar_coordinator"),
    "demo-tha-operator": ("THA", "moc_operator"),
    "demo-idn-focal-point": ("IDN", "focal_point"),
    "demo-rso-analyst": ("RSO", "rso_analyst"),
}


def demo_accounts(owner_url: str, stack_dir: Path) -> dict[str, str]:
    """The demo's sign-in accounts (created once, on the owner side); their passwords are kept in the
    stack folder (``demo-accounts.json``, readable by the owner only), so a restarted demo shows the same."""
    from seasight.accounts import Role, add_account, set_password

    path = stack_dir / "demo-accounts.json"
    passwords: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    with psycopg.connect(owner_url, autocommit=True) as conn:
        for name, (participant, role) in DEMO_ACCOUNTS.items():
            password = passwords.get(name) or secrets.token_urlsafe(12)
            if conn.execute("SELECT 1 FROM account WHERE name = %s", (name,)).fetchone() is None:
                add_account(conn, name, participant, Role(role), password, display_name=f"{name} (demo)")
            elif name not in passwords:
                set_password(conn, name, password)
            passwords[name] = password
    path.write_text(json.dumps(passwords, indent=2))
    path.chmod(0o600)
    return passwords


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def prepare_demo(
    conn: psycopg.Connection, owner_conn: psycopg.Connection, fleet: Sequence[SimulatedVessel], now: datetime
) -> dict[str, int]:
    """What the demo database holds before the feed starts (``conn`` a service session, ``owner_conn`` the
    owner role): the simulated MMSIs registered (migration 0130), so every flag or case derived from them
    is an exercise one whoever writes it; the exercise's (simulated) watchlist entry; the RSO analyst's
    story (``seasight.app.demo_stories.load_rso_story``). Idempotent."""
    registered = register_simulation(owner_conn, simulated_mmsis(fleet))
    upsert_watchlist(conn, scenario_watchlist(ANDAMAN))
    conn.commit()
    return {"simulated_vessels_registered": registered, **load_rso_story(conn, owner_conn, now)}


def _sar_story(database_url: str, sighting_id: str, sighting_at: datetime, now: datetime, wait_s: float = 60.0) -> None:
    """The SAR coordinator's story (``seasight.app.demo_stories.run_sar_story``), once the tracker has stored the
    exercise sighting it starts from."""
    deadline = time.monotonic() + wait_s
    with psycopg.connect(database_url) as conn:
        while not conn.execute("SELECT 1 FROM sighting WHERE id = %s", (sighting_id,)).fetchone():
            conn.rollback()
            if time.monotonic() > deadline:
                log.warning("exercise sighting not stored within %.0f s; no exercise case opened", wait_s)
                return
            time.sleep(1)
        conn.rollback()
        log.info("SAR story: %s", run_sar_story(conn, sighting_id, sighting_at, now))
