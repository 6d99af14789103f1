"""The demo's database, built by the demo's own functions for tests (issue 18).

``seasight demo`` prepares its database (``seasight.app.demo.prepare_demo``: simulated MMSIs registered, the
exercise watchlist, places of safety, the IOM extract, simulated outcomes), publishes the simulated feed
through the AIS reader and the broker to the tracker, and runs the SAR story
(``seasight.app.demo_stories.run_sar_story``). Here the same preparation and story run against a database of
their own, and the feed's 8 hours of history — decoded by the same reader — are stored by the tracker's own
writers and evaluated by the batch detector (the broker path is covered by tests/integration/test_scenario.py).
Time is an input: :data:`DEMO_NOW`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import psycopg

from ingest.ais import AisReader, Decoded
from ingest.simulate import STATION, build_fleet, exercise_sightings, history_sentences, scenario_start_for
from seasight.app.demo import DEMO_ACCOUNTS, demo_accounts, prepare_demo
from seasight.app.demo_stories import run_sar_story
from seasight.clock import FixedClock
from seasight.schemas import PositionReport, SafetyBroadcast, StaticVoyageReport
from tests.conftest import TEST_NOW, RunningStack, fresh_database
from tracking.detect import run_detection
from tracking.feed_health import write_feed_health
from tracking.store import write_positions, write_safety, write_sightings, write_static

DEMO_NOW = TEST_NOW
DEMO_VESSELS = 80  # the lane fleet of the test (the demo's default is larger)
DEMO_DATABASE = "seasight_demo"


@dataclass(frozen=True)
class DemoDatabase:
    stack: RunningStack
    prepared: dict[str, int]
    story: dict[str, object]
    fleet_mmsis: tuple[int, ...]
    passwords: dict[str, str]  # the demo accounts' sign-in passwords (``seasight.app.demo.demo_accounts``)


def build_demo_database(stack: RunningStack, shared_data: Path, stack_dir: Path) -> DemoDatabase:
    """A fresh database ``seasight_demo`` holding what the demo holds at :data:`DEMO_NOW`."""
    from geodata.importer import import_file
    from geodata.loader import load_reference_layers

    demo = fresh_database(stack, DEMO_DATABASE)
    with psycopg.connect(demo.database_url) as conn:
        load_reference_layers(conn)
        import_file(
            conn, shared_data / "geo" / "natural_earth" / "ne_50m_admin_0_countries.json", "states", acted_by="demo"
        )
    fleet = build_fleet(DEMO_VESSELS)
    passwords = demo_accounts(demo.owner_url, stack_dir)
    with psycopg.connect(demo.database_url) as conn, psycopg.connect(demo.owner_url) as owner:
        prepared = prepare_demo(conn, owner, fleet, DEMO_NOW)
    scenario_start = scenario_start_for(DEMO_NOW)
    reader = AisReader(STATION, STATION, clock=FixedClock(DEMO_NOW))
    positions: list[PositionReport] = []
    statics: list[StaticVoyageReport] = []
    safety: list[SafetyBroadcast] = []
    for line in history_sentences(fleet, scenario_start, DEMO_NOW):
        for outcome in reader.feed_line(line.encode(), DEMO_NOW):
            assert isinstance(outcome, Decoded), outcome
            for record in outcome.records:
                if isinstance(record, PositionReport):
                    positions.append(record)
                elif isinstance(record, StaticVoyageReport):
                    statics.append(record)
                elif isinstance(record, SafetyBroadcast):
                    safety.append(record)
    sightings = exercise_sightings(scenario_start, DEMO_NOW)
    with psycopg.connect(demo.database_url) as conn:
        write_positions(conn, positions)
        write_static(conn, statics)
        write_safety(conn, safety)
        write_sightings(conn, sightings)
        write_feed_health(conn, [reader.ledger.snapshot(DEMO_NOW, reader.fragments.pending_sentences)])
        conn.commit()
        run_detection(conn, end=DEMO_NOW, lookback=timedelta(hours=9))
        conn.commit()
        story = run_sar_story(conn, sightings[-1].id, sightings[-1].observed_at, DEMO_NOW)
    return DemoDatabase(demo, prepared, story, tuple(v.mmsi for v in fleet), passwords)


__all__ = ["DEMO_ACCOUNTS", "DEMO_NOW", "DemoDatabase", "build_demo_database"]
