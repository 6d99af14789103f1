"""``seasight demo``: the local stack, a SIMULATED AIS feed, the tracker and the dashboard, together.

Order: bring the stack up (idempotent), start the tracker as a child process, start the dashboard as a
child process, then publish the simulated feed every ``interval_s`` through the same AIS reader a real
feed uses, until interrupted. Children are stopped on the way out.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from datetime import datetime, timezone

from ingest.ais import AisReader, Decoded, Rejected
from ingest.publish import Publisher
from ingest.simulate import STATION, build_fleet, exercise_sightings, sentences_at
from seasight.settings import Settings
from seasight.stack import LocalStack

log = logging.getLogger("seasight.demo")


def run_demo(settings: Settings, vessels: int, interval_s: float, time_factor: float, open_dashboard: bool,
             duration_s: float | None = None) -> None:
    stack = LocalStack(settings.stack_dir)
    state = stack.up(partitions=settings.topic_partitions, replication=settings.topic_replication)
    bootstrap = stack.kafka_bootstrap(state)
    env = dict(os.environ)
    env["SEASIGHT_STACK_DIR"] = str(stack.stack_dir)
    seasight = [sys.executable, "-m", "seasight.cli"]
    # A short poll interval: with Tansu the first group join waits for it (see DESIGN.md).
    children = [subprocess.Popen([*seasight, "track", "--group", "seasight-demo-tracker",
                                  "--max-poll-interval-ms", "10000"], env=env)]
    if open_dashboard:
        children.append(subprocess.Popen([*seasight, "dashboard", "--port", str(settings.dashboard_port)], env=env))
        print(f"Dashboard: http://localhost:{settings.dashboard_port}  (Ctrl-C to stop the demo)", flush=True)
    fleet = build_fleet(vessels)
    started = datetime.now(timezone.utc)
    deadline = None if duration_s is None else time.monotonic() + duration_s
    reader = AisReader(STATION, STATION)
    publisher = Publisher.connect(bootstrap)
    reported: set[str] = set()
    tick = 0
    try:
        while deadline is None or time.monotonic() < deadline:
            now = datetime.now(timezone.utc)
            for sentence in sentences_at(fleet, started, now, time_factor, with_static=tick % 12 == 0):
                for outcome in reader.feed_line(sentence.encode(), now):
                    if isinstance(outcome, Decoded):
                        for record in outcome.records:
                            publisher.send(record, reader.ledger)
                    elif isinstance(outcome, Rejected):
                        publisher.send(outcome.rejection, reader.ledger)
            for sighting in exercise_sightings(started, now, time_factor):
                if sighting.id not in reported:
                    publisher.send(sighting)
                    reported.add(sighting.id)
            publisher.flush()
            log.info("simulated feed tick %d: %s", tick, publisher.sent)
            tick += 1
            for child in children:
                if child.poll() is not None:
                    raise SystemExit(f"demo child {child.args} exited with {child.returncode}")
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
