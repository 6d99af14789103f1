"""Simulation is a property of the data (migration 0130, issue 18): a flag on a simulated vessel is an
exercise flag whoever writes it, a real case cannot refer to a simulated vessel, a real case's SURPIC never
lists a simulated ship, and the application cannot change what is registered as simulated."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import psycopg
import pytest

from coordination.cases import OpenCaseRequest, case_surpic, open_case
from coordination.errors import InvalidInputError
from seasight.app.demo import register_simulation
from seasight.schemas import PositionReport
from tests.conftest import TEST_NOW, RunningStack, fresh_database
from tracking.detect import store_flags
from tracking.rules.model import Flag, Severity, SubjectKind
from tracking.store import write_positions

pytestmark = pytest.mark.integration

REGISTERED = 525_180_001  # registered as simulated
HEARD_FROM_SIMULATOR = 525_180_002  # not registered, but its reports come through the simulator station
REAL = 525_180_003


@pytest.fixture(scope="module")
def sim_stack(stack: RunningStack) -> RunningStack:
    return fresh_database(stack, "seasight_simulation")


@pytest.fixture()
def conn(sim_stack: RunningStack) -> Iterator[psycopg.Connection]:
    with psycopg.connect(sim_stack.database_url) as c:
        yield c
        c.rollback()


def _report(mmsi: int, station: str, lat: float = 8.0, lon: float = 95.0, minutes: int = 0) -> PositionReport:
    return PositionReport(
        mmsi=mmsi,
        observed_at=TEST_NOW - timedelta(minutes=minutes),
        lat=lat,
        lon=lon,
        sog_kn=10.0,
        cog_deg=90.0,
        heading_deg=90,
        nav_status=0,
        msg_type=1,
        station=station,
        received_at=TEST_NOW,
    )


def _flag(mmsi: int) -> Flag:
    return Flag(
        rule_id="went_dark",
        rule_version=1,
        subject_kind=SubjectKind.VESSEL,
        mmsi=mmsi,
        sighting_id=None,
        severity=Severity.HIGH,
        score=0.8,
        window_start=TEST_NOW - timedelta(hours=3),
        window_end=TEST_NOW - timedelta(minutes=5),
        lat=8.0,
        lon=95.0,
        summary="AIS gap",
        evidence={},
        parameters={},
    )


@pytest.fixture(scope="module")
def world(sim_stack: RunningStack) -> None:
    with psycopg.connect(sim_stack.owner_url) as owner:
        assert register_simulation(owner, [REGISTERED]) == 1
        assert register_simulation(owner, [REGISTERED]) == 0  # idempotent
    with psycopg.connect(sim_stack.database_url) as c:
        write_positions(
            c,
            [
                _report(REGISTERED, "test-station", 8.0, 95.0),
                _report(HEARD_FROM_SIMULATOR, "demo-simulator", 8.05, 95.05),
                _report(REAL, "test-station", 8.1, 95.1),
            ],
        )
        c.commit()


def test_flags_on_simulated_vessels_are_exercise_flags(world: None, conn: psycopg.Connection) -> None:
    mmsis = [REGISTERED, HEARD_FROM_SIMULATOR, REAL]
    store_flags(
        conn,
        [_flag(m) for m in mmsis],
        start=TEST_NOW - timedelta(hours=6),
        end=TEST_NOW,
        evaluated_mmsis=mmsis,
        evaluated_rules=["went_dark"],
    )
    marked: dict[int, bool] = dict(
        conn.execute("SELECT mmsi, is_exercise FROM flag WHERE mmsi = ANY(%s)", (mmsis,)).fetchall()
    )
    assert marked == {REGISTERED: True, HEARD_FROM_SIMULATOR: True, REAL: False}
    # once an exercise flag, always one: an update cannot make it real
    conn.execute("UPDATE flag SET is_exercise = false WHERE mmsi = %s", (REGISTERED,))
    assert conn.execute("SELECT is_exercise FROM flag WHERE mmsi = %s", (REGISTERED,)).fetchone() == (True,)


def test_a_real_case_cannot_refer_to_a_simulated_vessel(world: None, conn: psycopg.Connection) -> None:
    with pytest.raises(InvalidInputError, match="simulated"):
        open_case(conn, OpenCaseRequest(mmsi=HEARD_FROM_SIMULATOR), by="tester", owner="THA", now=TEST_NOW)
    conn.rollback()
    # the database refuses it too, for a vessel the application check does not recognise by name or station
    with pytest.raises(psycopg.errors.CheckViolation, match="simulated vessel"):
        open_case(conn, OpenCaseRequest(mmsi=REGISTERED), by="tester", owner="THA", now=TEST_NOW)
    conn.rollback()
    case = open_case(conn, OpenCaseRequest(mmsi=REGISTERED, exercise=True), by="tester", owner="THA", now=TEST_NOW)
    assert case.exercise


def test_surpic_of_a_real_case_leaves_simulated_ships_out(world: None, conn: psycopg.Connection) -> None:
    request = OpenCaseRequest(lat=8.02, lon=95.02, time=TEST_NOW, craft="wooden_boat", reason="test")
    real = open_case(conn, request, by="tester", owner="THA", now=TEST_NOW)
    exercise = open_case(
        conn,
        OpenCaseRequest(lat=8.02, lon=95.02, time=TEST_NOW, craft="wooden_boat", reason="test", exercise=True),
        by="tester",
        owner="THA",
        now=TEST_NOW,
    )
    _, real_ships = case_surpic(conn, real.id, TEST_NOW)
    _, exercise_ships = case_surpic(conn, exercise.id, TEST_NOW)
    assert {(e.mmsi, e.simulated) for e in real_ships} == {(REAL, False)}
    assert {(e.mmsi, e.simulated) for e in exercise_ships} == {
        (REAL, False),
        (REGISTERED, True),
        (HEARD_FROM_SIMULATOR, True),
    }


def test_the_application_cannot_change_the_simulation_register(world: None, conn: psycopg.Connection) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("DELETE FROM simulated_vessel WHERE mmsi = %s", (REGISTERED,))
    conn.rollback()
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("INSERT INTO simulated_vessel (mmsi, station, note) VALUES (%s, 'demo-simulator', 'x')", (REAL,))
