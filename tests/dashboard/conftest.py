"""Fixtures for dashboard tests: a seeded picture in a database of its own, written by the real writers.

The dashboard's tests seed flags, zones, an SRR, ports, cases and outcomes; in the shared test database
these would change what other packages' tests see (a zone near their tracks, an SRR over their cases).
So they get their own database, ``seasight_dashboard``, in the same PostgreSQL cluster, migrated by the
same migrations, with the same broker.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from seasight.schemas import PositionReport
from tests.conftest import TEST_NOW, RunningStack, fresh_database
from tests.demo_database import DemoDatabase, build_demo_database
from tracking.store import write_positions

HOSTILE_NAME = "<img src=x onerror=alert(1)>"
SEEDED_MMSIS = (525_900_001, 533_900_002, 567_900_003)


DASHBOARD_DATABASE = "seasight_dashboard"


@pytest.fixture(scope="session")
def dashboard_stack(stack: RunningStack) -> RunningStack:
    """The test stack with its database swapped for a fresh, migrated ``seasight_dashboard``."""
    return fresh_database(stack, DASHBOARD_DATABASE)


@pytest.fixture(scope="session")
def demo(stack: RunningStack, shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> DemoDatabase:
    """The demo's database (tests/demo_database.py), built once for the AppTests and the browser tests."""
    return build_demo_database(stack, shared_data, tmp_path_factory.mktemp("demo-stack"))


@pytest.fixture()
def ddb(dashboard_stack: RunningStack) -> Iterator[psycopg.Connection]:
    """A connection to the dashboard's test database (rolled back at the end of the test)."""
    with psycopg.connect(dashboard_stack.database_url) as conn:
        yield conn
        conn.rollback()


@pytest.fixture(scope="session")
def seeded_picture(dashboard_stack: RunningStack) -> list[PositionReport]:
    now = TEST_NOW
    reports = [
        PositionReport(
            mmsi=mmsi,
            observed_at=now - timedelta(minutes=5 * i),
            lat=lat,
            lon=lon,
            sog_kn=9.5,
            cog_deg=120.0,
            heading_deg=118,
            nav_status=0,
            msg_type=1,
            station="test-station",
            received_at=now,
        )
        for i, (mmsi, lat, lon) in enumerate(zip(SEEDED_MMSIS, (6.5, 4.2, 8.9), (94.5, 99.8, 97.1), strict=True))
    ]
    with psycopg.connect(dashboard_stack.database_url) as conn:
        write_positions(conn, reports)
        conn.execute("UPDATE vessel SET name = %s WHERE mmsi = %s", (HOSTILE_NAME, SEEDED_MMSIS[0]))
        conn.commit()
    return reports


@pytest.fixture()
def dashboard_env(dashboard_stack: RunningStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the in-process dashboard (AppTest) at the dashboard's test database."""
    for key, value in dashboard_stack.env().items():
        if key.startswith("SEASIGHT_"):
            monkeypatch.setenv(key, value)
    forget_dashboard_settings()
    yield
    forget_dashboard_settings()


def forget_dashboard_settings() -> None:
    """Drop the settings and connection pool an earlier AppTest cached (``get_settings`` and the dashboard's
    ``st.cache_resource``, which outlive an AppTest in the same process), so the next page reads the
    environment the test has set."""
    import streamlit as st

    from seasight.settings import get_settings

    get_settings.cache_clear()
    st.cache_resource.clear()


HOSTILE_NOTE = "<script>alert('note')</script> **bold** [link](javascript:alert(1))"
SEEDED_SIGHTING_ID = "3f1c2a4e-8b7d-4c1e-9a55-0d2b7e6f1a01"
EXERCISE_SIGHTING_ID = "3f1c2a4e-8b7d-4c1e-9a55-0d2b7e6f1a02"
SEEDED_ZONE = "Dashboard test zone <b>"


@dataclass(frozen=True)
class SeededWorld:
    """What :func:`seeded_world` wrote: ids the page tests look for."""

    hostile_mmsi: int
    vessel_flag_id: int
    contact_flag_id: int
    sighting_id: str
    real_case_id: int
    exercise_case_id: int


@pytest.fixture(scope="session")
def seeded_world(dashboard_stack: RunningStack, seeded_picture: list[PositionReport]) -> SeededWorld:
    """The seeded picture plus a short track, flags (vessel and contact) stored by the real detector
    writer, a sighting with a hostile note, a watch zone, an SRR, a port, a watchlist entry, and one real
    and one exercise SAR case opened through coordination.cases."""
    from coordination.cases import OpenCaseRequest, open_case
    from coordination.phases import Phase
    from ingest.ledger import FeedLedger
    from seasight.schemas import Sighting
    from tracking.detect import store_flags
    from tracking.feed_health import write_feed_health
    from tracking.rules.model import Flag, Severity, SubjectKind
    from tracking.store import write_sightings

    now = TEST_NOW
    hostile = seeded_picture[0]
    track = [
        PositionReport(
            mmsi=hostile.mmsi,
            observed_at=hostile.observed_at - timedelta(minutes=10 * k),
            lat=hostile.lat - 0.02 * k,
            lon=hostile.lon - 0.03 * k,
            sog_kn=9.5,
            cog_deg=120.0,
            heading_deg=118,
            nav_status=0,
            msg_type=1,
            station="test-station",
            received_at=now,
        )
        for k in range(1, 6)
    ]
    sighting = Sighting(
        id=SEEDED_SIGHTING_ID,
        observed_at=now - timedelta(minutes=30),
        lat=6.0,
        lon=95.5,
        uncertainty_nm=2.0,
        source_type="aircraft",
        craft_type="wooden_boat",
        persons_estimated=120,
        conditions=("overcrowded",),
        course_deg=90.0,
        speed_kn=4.0,
        ais_seen="no",
        confidence="high",
        note=HOSTILE_NOTE,
        is_exercise=False,
        owner="THA",
        acted_by="test-pilot",
        received_at=now,
    )
    vessel_flag = Flag(
        rule_id="went_dark",
        rule_version=1,
        subject_kind=SubjectKind.VESSEL,
        mmsi=hostile.mmsi,
        sighting_id=None,
        severity=Severity.HIGH,
        score=0.82,
        window_start=now - timedelta(hours=3),
        window_end=now - timedelta(minutes=5),
        lat=hostile.lat,
        lon=hostile.lon,
        summary=f"AIS gap of 7.5 h far from shore by {HOSTILE_NAME}",
        evidence={"gap_h": 7.5, "offshore_nm": 80.0},
        parameters={"min_gap_h": 6.0},
    )
    contact_flag = Flag(
        rule_id="distress",
        rule_version=1,
        subject_kind=SubjectKind.CONTACT,
        mmsi=None,
        sighting_id=SEEDED_SIGHTING_ID,
        severity=Severity.DISTRESS,
        score=0.95,
        window_start=now - timedelta(minutes=30),
        window_end=now - timedelta(minutes=30),
        lat=6.0,
        lon=95.5,
        summary="Overcrowded boat, no AIS, 120 persons",
        evidence={"conditions": ["overcrowded"]},
        parameters={},
    )
    exercise_sighting = Sighting(
        id=EXERCISE_SIGHTING_ID,
        observed_at=now - timedelta(minutes=40),
        lat=5.0,
        lon=93.0,
        uncertainty_nm=1.0,
        source_type="fisher",
        craft_type="dinghy",
        persons_estimated=30,
        conditions=(),
        course_deg=None,
        speed_kn=None,
        ais_seen="no",
        confidence="low",
        note="table-top inject",
        is_exercise=True,
        owner="THA",
        acted_by="exercise-director",
        received_at=now,
    )
    exercise_flag = Flag(
        rule_id="distress",
        rule_version=1,
        subject_kind=SubjectKind.CONTACT,
        mmsi=None,
        sighting_id=EXERCISE_SIGHTING_ID,
        severity=Severity.LOW,
        score=0.3,
        window_start=now - timedelta(minutes=40),
        window_end=now - timedelta(minutes=40),
        lat=5.0,
        lon=93.0,
        summary="Exercise contact",
        evidence={},
        parameters={},
    )
    with psycopg.connect(dashboard_stack.database_url) as conn:
        write_positions(conn, track)
        write_sightings(conn, [sighting, exercise_sighting])
        store_flags(
            conn,
            [vessel_flag, contact_flag, exercise_flag],
            start=now - timedelta(hours=6),
            end=now,
            evaluated_mmsis=[hostile.mmsi],
            evaluated_rules=["went_dark", "distress"],
        )
        conn.execute(
            """INSERT INTO zone (name, kind, reason, geom) VALUES
               (%s, 'departure_coast', 'test departures <i>', ST_Multi(ST_MakeEnvelope(92, 19, 93, 21, 4326)))
               ON CONFLICT DO NOTHING""",
            (SEEDED_ZONE,),
        )
        conn.execute(
            """INSERT INTO srr (id, name, rcc_name, rcc_country, indicative, source, geom) VALUES
               ('DASH-TEST', 'Dashboard test SRR', 'Test MRCC', 'THA', true, 'test fixture',
                ST_Multi(ST_MakeEnvelope(90, 0, 100, 10, 4326)))
               ON CONFLICT DO NOTHING"""
        )
        conn.execute(
            """INSERT INTO port (locode, name, country_iso2, geom, source) VALUES
               ('THZZT', 'Test landing <u>', 'TH', ST_SetSRID(ST_MakePoint(98.3, 7.9), 4326), 'test')
               ON CONFLICT DO NOTHING"""
        )
        conn.execute(
            """INSERT INTO watchlist_entry (id, reason, mmsi, name, owner, acted_by)
               VALUES ('dash-test-1', 'test reason <b>', %s, %s, 'THA', 'test') ON CONFLICT DO NOTHING""",
            (hostile.mmsi, HOSTILE_NAME),
        )
        feed = FeedLedger("tcp://10.0.0.5:10110", "Satun <station>", now - timedelta(hours=1))
        feed.lines_in, feed.lines_decoded, feed.messages_decoded = 1000, 990, 980
        feed.rejected("bad_checksum", 10)
        write_feed_health(conn, [feed.snapshot(now)])
        conn.commit()
        flag_ids: dict[str, int] = dict(
            conn.execute(
                "SELECT rule_id, id FROM flag WHERE (mmsi = %s AND rule_id = 'went_dark') OR sighting_id = %s::uuid",
                (hostile.mmsi, SEEDED_SIGHTING_ID),
            ).fetchall()
        )
        real = open_case(
            conn,
            OpenCaseRequest(mmsi=hostile.mmsi, persons=40, craft="fishing_vessel", reason="test: overdue"),
            by="test-coordinator",
            owner="THA",
            now=now,
        )
        exercise = open_case(
            conn,
            OpenCaseRequest(
                lat=7.0,
                lon=96.0,
                persons=80,
                craft="wooden_boat",
                exercise=True,
                phase=Phase.ALERT,
                reason="table-top exercise",
            ),
            by="test-coordinator",
            owner="THA",
            now=now,
        )
        conn.commit()
    return SeededWorld(
        hostile.mmsi, flag_ids["went_dark"], flag_ids["distress"], SEEDED_SIGHTING_ID, real.id, exercise.id
    )


@dataclass(frozen=True)
class SeededOutcomes:
    case_ids: tuple[int, ...]  # real cases with a recorded disembarkation in Thailand
    exercise_case_id: int
    locode: str


@pytest.fixture(scope="session")
def seeded_outcomes(dashboard_stack: RunningStack, seeded_world: SeededWorld) -> SeededOutcomes:
    """The register of places of safety (packaged ports of Thailand, Malaysia, Indonesia) and six real
    cases in the Andaman Sea disembarked in Thailand (enough to pass small-cell suppression), plus one
    exercise outcome, all through coordination.disembarkation."""
    from coordination.cases import OpenCaseRequest, open_case
    from coordination.disembarkation.outcomes import Outcome, OutcomeKind, Reception
    from coordination.disembarkation.register import list_places, load_packaged_ports
    from coordination.disembarkation.store import record_outcome

    now = TEST_NOW
    with psycopg.connect(dashboard_stack.database_url) as conn:
        load_packaged_ports(conn, ["THA", "MYS", "IDN"], by="test-dashboard")
        conn.commit()
        places = list_places(conn, "THA")
        place = next((p for p in places if "phuket" in p.name.lower()), places[0])
        ids = []
        for k in range(6):
            record = open_case(
                conn,
                OpenCaseRequest(
                    lat=8.0 + 0.1 * k,
                    lon=96.5,
                    persons=100 + k,
                    craft="wooden_boat",
                    time=now - timedelta(days=3),
                    reason="test outcome",
                ),
                by="test-coordinator",
                owner="THA",
                now=now - timedelta(days=3),
            )
            record_outcome(
                conn,
                Outcome(
                    case_id=record.id,
                    outcome=OutcomeKind.DISEMBARKED,
                    locode=place.locode,
                    outcome_at=now - timedelta(days=1),
                    route="Andaman Sea",
                    persons_aboard=100 + k,
                    women=30,
                    children=20,
                    deaths=1,
                    days_at_sea=2.0,
                    reception=Reception.SHELTER,
                    source="test",
                ),
                "first report",
                "test-coordinator",
                "THA",
            )
            ids.append(record.id)
        exercise = seeded_world.exercise_case_id
        record_outcome(
            conn,
            Outcome(
                case_id=exercise,
                outcome=OutcomeKind.PUSHED_BACK,
                state="THA",
                outcome_at=now,
                persons_aboard=80,
                source="exercise",
                is_exercise=True,
            ),
            "table-top",
            "test-coordinator",
            "THA",
        )
        conn.commit()
    return SeededOutcomes(tuple(ids), exercise, place.locode)
