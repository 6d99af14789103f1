"""SAR cases against the real PostGIS (stack fixture): opening from each origin, phases through the CLI,
responsible RCC in several SRRs and near a boundary, hand-over, SURPIC from vessel_state, drift stored
with the case, SITREP numbering, CAP Alert/Update/Cancel validated against the CAP 1.2 XSD, exercise
isolation from real statistics, and the append-only case log."""

from __future__ import annotations

import json
import subprocess
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime, timedelta

import psycopg
import pytest

from coordination import cases
from coordination.cap import CAP_NS, validate_cap
from coordination.errors import InvalidInputError, PhaseRuleError
from coordination.phases import Conclusion, Phase
from coordination.rcc import responsible_rcc
from tests.conftest import TEST_NOW, RunningStack, acting_env, run_cli

pytestmark = pytest.mark.integration

# Three small test SRRs in the South Atlantic, far from the region's real (indicative) layer, with
# user-assigned ISO codes (XAA/XBB/XCC) so they cannot be mistaken for real states.
#   TSTA lon -30..-20 lat -40..-30 | TSTB lon -20..-10 lat -40..-30 (shares lon -20 with TSTA)
#   TSTC lon -30..-10 lat -50..-40 (shares lat -40 with both)
TEST_SRRS = (
    ("TSTA", "Test SRR A", "Test RCC Alpha", "XAA", -30, -40, -20, -30),
    ("TSTB", "Test SRR B", "Test RCC Bravo", "XBB", -20, -40, -10, -30),
    ("TSTC", "Test SRR C", "Test RCC Charlie", "XCC", -30, -50, -10, -40),
)


@pytest.fixture()
def conn(stack: RunningStack) -> Iterator[psycopg.Connection]:
    with psycopg.connect(stack.database_url, autocommit=True) as c:
        yield c


@pytest.fixture(autouse=True)
def srrs(conn: psycopg.Connection) -> Iterator[None]:
    for srr_id, name, rcc, country, x0, y0, x1, y1 in TEST_SRRS:
        conn.execute(
            """INSERT INTO srr (id, name, rcc_name, rcc_country, rcc_phone, rcc_email, indicative, source,
                                geom, acted_by)
               VALUES (%s, %s, %s, %s, '+000 test', 'rcc@test.invalid', true, 'seasight test fixture',
                       ST_Multi(ST_MakeEnvelope(%s, %s, %s, %s, 4326)), 'coordination-tests')
               ON CONFLICT (id) DO UPDATE SET geom = EXCLUDED.geom, rcc_name = EXCLUDED.rcc_name""",
            (srr_id, name, rcc, country, x0, y0, x1, y1),
        )
    yield
    # leave the shared test database's srr layer as the other parts expect it
    conn.execute("DELETE FROM srr WHERE id = ANY(%s)", ([s[0] for s in TEST_SRRS],))


def _now() -> datetime:
    return TEST_NOW


def _as(stack: RunningStack, name: str = "ana", state: str = "XAA") -> dict[str, str]:
    """The CLI acting as a test coordinator of a made-up state (ana and ben of XAA, bea of XBB)."""
    return acting_env(stack, name, state, "sar_coordinator")


def _cli(stack: RunningStack, *args: str, who: str = "ana") -> dict:  # type: ignore[type-arg]
    res = run_cli("case", *args, env=_as(stack, who))
    assert res.returncode == 0, res.stderr.decode()
    return json.loads(res.stdout)  # type: ignore[no-any-return]


# -------------------------------------------------------------------------------------------------------
# responsible RCC
# -------------------------------------------------------------------------------------------------------


def test_rcc_in_several_srrs_and_near_a_boundary(conn: psycopg.Connection) -> None:
    deep = responsible_rcc(conn, -35.0, -25.0)
    assert deep.responsible is not None and deep.responsible.srr_id == "TSTA"
    assert deep.responsible.rcc_country == "XAA" and deep.responsible.indicative
    assert deep.neighbours == ()
    # 5° of longitude at 35°S to the TSTB edge: 5 x 60 x cos 35° = 245.7 nm (ellipsoid: a little more)
    assert deep.distance_to_boundary_nm == pytest.approx(245.7, abs=2.0)

    assert responsible_rcc(conn, -35.0, -15.0).responsible.srr_id == "TSTB"  # type: ignore[union-attr]
    assert responsible_rcc(conn, -45.0, -25.0).responsible.srr_id == "TSTC"  # type: ignore[union-attr]
    nowhere = responsible_rcc(conn, -20.0, -25.0)
    assert nowhere.responsible is None and nowhere.neighbours == ()

    # 0.3° west of the A/B boundary at 35°S: 0.3 x 60 x cos 35° = 14.74 nm -> TSTB listed as a neighbour
    near = responsible_rcc(conn, -35.0, -20.3)
    assert near.responsible.srr_id == "TSTA"  # type: ignore[union-attr]
    assert [n.rcc.srr_id for n in near.neighbours] == ["TSTB"]
    assert near.neighbours[0].distance_nm == pytest.approx(14.74, abs=0.2)
    # near the corner of three SRRs: 0.5° north of lat -40 (~30 nm) and 0.3° from lon -20 (~14 nm)
    corner = responsible_rcc(conn, -39.5, -20.3)
    assert [n.rcc.srr_id for n in corner.neighbours] == ["TSTB", "TSTC"]
    assert corner.neighbours[1].distance_nm == pytest.approx(30.0, abs=0.3)
    with pytest.raises(InvalidInputError, match="latitude"):
        responsible_rcc(conn, 91, 0)


# -------------------------------------------------------------------------------------------------------
# the CLI contract
# -------------------------------------------------------------------------------------------------------


def test_cli_open_phase_no_action_close(stack: RunningStack) -> None:
    case = _cli(
        stack,
        "open",
        "--lat",
        "-35",
        "--lon",
        "-20.3",
        "--persons",
        "40",
        "--craft",
        "wooden_boat",
        "--source",
        "NGO hotline",
        "--json",
    )
    assert case["phase"] == "uncertainty" and case["exercise"] is False
    assert case["position"]["lat"] == -35.0 and case["position"]["lon"] == -20.3
    assert case["persons"] == 40
    assert case["rcc"]["name"] == "Test RCC Alpha" and case["rcc"]["country"] == "XAA"
    assert [n["srr_id"] for n in case["neighbour_rccs"]] == ["TSTB"]
    assert case["owner"] == "XAA"
    cid = str(case["id"])

    shown = _cli(stack, "phase", cid, "alert", "--reason", "no contact for 2 h", "--json")
    assert shown["phase"] == "alert"
    assert shown["log"][-1]["kind"] == "phase_changed"
    assert shown["log"][-1]["data"]["reason"] == "no contact for 2 h"
    assert {c["id"] for c in shown["checklist"]} == {
        "alert_sar_units",
        "broadcast_to_shipping",
        "surpic",
        "expand_enquiries",
    }

    same = run_cli("case", "phase", cid, "alert", "--reason", "x", env=_as(stack))
    assert same.returncode == 1 and b"already in the alert phase" in same.stderr

    _cli(stack, "no-action", cid, "--reason", "located safe by fishers", "--json")
    own = run_cli("case", "no-action", cid, "--confirm", env=_as(stack, "ana"))
    assert own.returncode == 1 and b"second coordinator" in own.stderr
    confirmed = _cli(stack, "no-action", cid, "--confirm", "--json", who="ben")
    assert confirmed["no_action"]["confirmed_by"] == "ben"

    closed = _cli(stack, "close", cid, "--conclusion", "located_safe: 40 persons safe ashore", "--json", who="ben")
    assert closed["status"] == "closed" and closed["conclusion"] == "located_safe"
    assert closed["time_in_phase_s"]["alert"] >= 0
    assert [e["kind"] for e in closed["log"]] == [
        "opened",
        "phase_changed",
        "no_action_proposed",
        "no_action_confirmed",
        "closed",
    ]
    listed = _cli(stack, "list", "--all", "--json")
    assert any(r["id"] == case["id"] and r["status"] == "closed" for r in listed)
    assert not any(r["id"] == case["id"] for r in _cli(stack, "list", "--json"))


def test_bad_input_is_named_and_nothing_is_stored(stack: RunningStack, conn: psycopg.Connection) -> None:
    before = conn.execute("SELECT count(*) FROM sar_case").fetchone()[0]  # type: ignore[index]
    res = run_cli("case", "open", "--lat", "95", "--lon", "10", env=_as(stack))
    assert res.returncode == 1 and b"lat must be between -90 and 90" in res.stderr
    res = run_cli("case", "open", "--lat", "-35", "--lon", "-25", "--time", "2026-01-01T00:00", env=_as(stack))
    assert res.returncode == 2 and b"no UTC offset" in res.stderr
    res = run_cli("case", "show", "987654321", env=_as(stack))
    assert res.returncode == 1 and b"no SAR case with id 987654321" in res.stderr
    assert conn.execute("SELECT count(*) FROM sar_case").fetchone()[0] == before  # type: ignore[index]


# -------------------------------------------------------------------------------------------------------
# origins, hand-over, exercise isolation
# -------------------------------------------------------------------------------------------------------


def test_open_from_vessel_sighting_and_flag(db: psycopg.Connection) -> None:
    # on the rolled-back `db` connection: the vessel, sighting and flag made here never reach other tests
    conn = db
    now = _now()
    conn.execute("INSERT INTO vessel (mmsi, name) VALUES (111222100, 'TEST CASUALTY') ON CONFLICT (mmsi) DO NOTHING")
    conn.execute(
        """INSERT INTO vessel_state (mmsi, observed_at, geom, sog_kn, cog_deg, msg_type)
                    VALUES (111222100, %s, ST_SetSRID(ST_MakePoint(-15, -35), 4326), 0, 0, 1)
                    ON CONFLICT (mmsi) DO UPDATE
                    SET observed_at = EXCLUDED.observed_at, geom = EXCLUDED.geom""",
        (now - timedelta(minutes=20),),
    )
    rec = cases.open_case(conn, cases.OpenCaseRequest(mmsi=111222100), "ana", None, now)
    assert rec.origin_kind == "vessel" and (rec.lkp_lat, rec.lkp_lon) == (-35.0, -15.0)
    assert rec.casualty == "TEST CASUALTY (MMSI 111222100)" and rec.rcc and rec.rcc.srr_id == "TSTB"

    sid = str(uuid.uuid4())
    conn.execute(
        """INSERT INTO sighting (id, observed_at, geom, source_type, craft_type, persons_estimated,
                                          is_exercise, owner, acted_by)
                    VALUES (%s, %s, ST_SetSRID(ST_MakePoint(-25, -45), 4326), 'aircraft', 'wooden_boat', 120,
                            true, 'XCC', 'pilot')""",
        (sid, now - timedelta(hours=1)),
    )
    with pytest.raises(InvalidInputError, match="marked as an exercise .*choose exercise mode"):
        cases.open_case(conn, cases.OpenCaseRequest(sighting_id=sid), "ana", None, now)
    rec = cases.open_case(conn, cases.OpenCaseRequest(sighting_id=sid, exercise=True), "ana", None, now)
    assert rec.origin_kind == "sighting" and rec.persons == 120 and rec.craft == "wooden_boat"
    assert rec.exercise, "a case from an exercise (simulated) sighting is an exercise case"
    assert rec.rcc and rec.rcc.srr_id == "TSTC"

    fid = conn.execute(
        """INSERT INTO flag (rule_id, rule_version, subject_kind, sighting_id, severity,
                                            window_start, window_end, geom, summary)
                          VALUES ('test_rule', 1, 'contact', %s, 'distress', %s, %s,
                                  ST_SetSRID(ST_MakePoint(-25.5, -45.5), 4326), 'overcrowded boat adrift')
                          RETURNING id""",
        (sid, now - timedelta(hours=2), now - timedelta(minutes=30)),
    ).fetchone()[0]  # type: ignore[index]
    with pytest.raises(InvalidInputError, match="marked as an exercise"):  # the flag's sighting is simulated
        cases.open_case(conn, cases.OpenCaseRequest(flag_id=fid, phase=Phase.ALERT, reason="x"), "ana", None, now)
    rec = cases.open_case(
        conn,
        cases.OpenCaseRequest(flag_id=fid, phase=Phase.ALERT, reason="flag raised", exercise=True),
        "ana",
        None,
        now,
    )
    assert rec.origin_kind == "flag" and rec.flag_id == fid and rec.sighting_id == sid
    assert (rec.lkp_lat, rec.lkp_lon) == (-45.5, -25.5) and rec.situation == "overcrowded boat adrift"
    assert rec.state.phase is Phase.ALERT
    with pytest.raises(InvalidInputError, match="no flag with id"):
        cases.open_case(conn, cases.OpenCaseRequest(flag_id=987654321), "ana", None, now)


def test_a_real_case_is_never_opened_from_a_simulated_vessel(db: psycopg.Connection) -> None:
    now = _now()
    for mmsi, name, station in ((111222101, "DEMO SETIA TEST", "demo-simulator"), (111222102, "DEMO RENAMED", None)):
        db.execute("INSERT INTO vessel (mmsi, name) VALUES (%s, %s)", (mmsi, name))
        db.execute(
            """INSERT INTO vessel_state (mmsi, observed_at, geom, sog_kn, cog_deg, msg_type, station)
               VALUES (%s, %s, ST_SetSRID(ST_MakePoint(-15, -35), 4326), 0, 0, 1, %s)""",
            (mmsi, now - timedelta(minutes=5), station),
        )
    with pytest.raises(InvalidInputError, match=r"MMSI 111222101 \(DEMO SETIA TEST\) is a simulated vessel .*station"):
        cases.open_case(db, cases.OpenCaseRequest(mmsi=111222101), "ana", None, now)
    with pytest.raises(InvalidInputError, match="name starts with DEMO.*--exercise"):
        cases.open_case(db, cases.OpenCaseRequest(mmsi=111222102), "ana", None, now)
    rec = cases.open_case(db, cases.OpenCaseRequest(mmsi=111222101, exercise=True), "ana", None, now)
    assert rec.exercise and rec.casualty == "DEMO SETIA TEST (MMSI 111222101)"
    fid = db.execute(
        """INSERT INTO flag (rule_id, rule_version, subject_kind, mmsi, severity, window_start, window_end, summary,
                             is_exercise)
           VALUES ('test_rule', 1, 'vessel', 111222103, 'high', %s, %s, 'exercise flag', true) RETURNING id""",
        (now - timedelta(hours=1), now),
    ).fetchone()[0]  # type: ignore[index]
    with pytest.raises(InvalidInputError, match=f"flag {fid} was raised on simulated"):
        cases.open_case(db, cases.OpenCaseRequest(flag_id=fid, lat=-35, lon=-15), "ana", None, now)


def test_cli_takes_case_references_as_users_see_them(stack: RunningStack) -> None:
    case = _cli(stack, "open", "--lat", "-36.5", "--lon", "-24", "--persons", "12", "--json")
    ref = case["reference"]
    assert ref == f"SEASIGHT-{case['id']}"
    assert _cli(stack, "phase", ref, "alert", "--reason", "no contact", "--json")["phase"] == "alert"
    assert _cli(stack, "show", ref.lower(), "--json")["id"] == case["id"]
    assert _cli(stack, "show", str(case["id"]), "--json")["reference"] == ref
    bad = run_cli("case", "show", "CASE-1", env=_as(stack))
    assert bad.returncode == 2 and b"'CASE-1' is not a case reference" in bad.stderr
    out = run_cli("disembark", "outcome", ref, env=_as(stack))
    assert out.returncode == 0 and f"case {ref}: no outcome recorded" in out.stdout.decode()


def test_hand_over_to_an_rcc_outside_seasight_names_who_accepted(conn: psycopg.Connection) -> None:
    now = _now()
    rec = cases.open_case(conn, cases.OpenCaseRequest(lat=-35.0, lon=-20.1, persons=30), "ana", None, now)
    assert rec.rcc and rec.rcc.srr_id == "TSTA"
    with pytest.raises(InvalidInputError, match="no SRR with id 'NOPE'"):
        cases.hand_over(conn, rec.id, "NOPE", "x", "ana", now)
    with pytest.raises(InvalidInputError, match="has no SAR coordinator in Seasight: name who accepted"):
        cases.hand_over(conn, rec.id, None, "to XDD", "ana", now, to_rcc_name="Test RCC Delta", to_country="xdd")
    later = now + timedelta(hours=3)
    rec = cases.hand_over(
        conn,
        rec.id,
        None,
        "survivors taken to a port of state XDD",
        "ana",
        later,
        accepted_by="duty officer Delta (by phone)",
        to_rcc_name="Test RCC Delta",
        to_country="xdd",
    )
    assert rec.rcc and rec.rcc.rcc_name == "Test RCC Delta" and rec.rcc.rcc_country == "XDD"
    assert rec.owner == "XAA", "an RCC outside Seasight cannot hold the case"
    last = rec.events[-1]
    assert last.data["from_rcc"] == "Test RCC Alpha" and last.data["accepted_by"] == "duty officer Delta (by phone)"
    with pytest.raises(PhaseRuleError, match="already coordinates"):
        cases.hand_over(conn, rec.id, None, "again", "ana", later, "x", to_rcc_name="Test RCC Delta", to_country="XDD")
    with pytest.raises(InvalidInputError, match="alpha-3"):
        cases.hand_over(conn, rec.id, None, "x", "ana", later, to_rcc_name="Somewhere", to_country="X1")


def test_hand_over_is_an_offer_the_receiving_state_accepts_and_then_holds(stack: RunningStack) -> None:
    _as(stack, "bea", "XBB")  # XBB has a SAR coordinator in Seasight
    case = _cli(stack, "open", "--lat", "-35", "--lon", "-20.2", "--persons", "30", "--phase", "alert", "--json")
    ref = case["reference"]
    assert case["owner"] == "XAA" and case["rcc"]["srr_id"] == "TSTA"

    def bea(*args: str) -> subprocess.CompletedProcess[bytes]:
        return run_cli("case", *args, env=_as(stack, "bea", "XBB"))

    refused = run_cli(
        "case", "handover", ref, "--to", "TSTB", "--reason", "x", "--accepted-by", "someone", env=_as(stack)
    )
    assert refused.returncode == 1 and b"XBB coordinates in Seasight" in refused.stderr
    assert bea("show", ref).returncode == 1  # not offered yet: XBB does not see XAA's case
    offered = _cli(stack, "handover", ref, "--to", "TSTB", "--reason", "boat drifted into SRR B", "--json")
    assert offered["owner"] == "XAA" and offered["rcc"]["name"] == "Test RCC Alpha"  # not until accepted
    assert offered["handover_offer"]["to_country"] == "XBB" and offered["handover_offer"]["offered_by"] == "ana"
    own = run_cli("case", "handover-accept", ref, env=_as(stack))
    assert own.returncode == 1 and b"a coordinator of XBB answers, not one of XAA" in own.stderr
    # the receiving coordinator reads the offered case and its log, but cannot act in it before accepting
    seen = json.loads(bea("show", ref, "--json").stdout)
    assert [e["kind"] for e in seen["log"]] == ["opened", "handover_offered"]
    early = bea("phase", ref, "distress", "--reason", "x")
    assert early.returncode == 1 and b"is held by XAA: only its SAR coordinators record in it" in early.stderr
    declined = bea("handover-decline", ref, "--reason", "no SRU available")
    assert declined.returncode == 0, declined.stderr.decode()
    assert bea("show", ref).returncode == 1  # declined: no longer visible to XBB
    _cli(stack, "handover", ref, "--to", "TSTB", "--reason", "boat drifted into SRR B, asked again", "--json")
    accepted = json.loads(bea("handover-accept", ref, "--json").stdout)
    assert accepted["owner"] == "XBB" and accepted["rcc"]["name"] == "Test RCC Bravo"
    assert accepted["previous_owners"] == ["XAA"] and accepted["handover_offer"] is None
    # now XBB holds it and XAA, which held it, still reads its whole history but no longer writes it
    moved = json.loads(bea("phase", ref, "distress", "--reason", "taking water", "--json").stdout)
    assert moved["phase"] == "distress"
    history = _cli(stack, "show", ref, "--json")
    assert [e["kind"] for e in history["log"]] == [
        "opened",
        "handover_offered",
        "handover_declined",
        "handover_offered",
        "handover_accepted",
        "phase_changed",
    ]
    assert history["log"][4]["summary"].startswith("hand-over accepted: Test RCC Bravo (XBB) now coordinates")
    late = run_cli("case", "action", ref, "dispatch_sar_facilities", env=_as(stack))
    assert late.returncode == 1 and b"is held by XBB" in late.stderr
    late_sitrep = run_cli("case", "sitrep", "send", ref, "--plans", "x", env=_as(stack))
    assert (
        late_sitrep.returncode == 1 and b"is held by XBB: only its SAR coordinators record in it" in late_sitrep.stderr
    )
    sitrep = bea("sitrep", "send", ref, "--full").stdout.decode()
    assert "FROM Test RCC Bravo" in sitrep and "accepted by bea" in sitrep


def test_exercise_cases_never_count_in_real_statistics(conn: psycopg.Connection) -> None:
    now = _now()
    real0, ex0 = cases.case_statistics(conn), cases.case_statistics(conn, exercise=True)
    cases.open_case(conn, cases.OpenCaseRequest(lat=-33.0, lon=-25.0, persons=7, exercise=True), "ana", None, now)
    cases.open_case(conn, cases.OpenCaseRequest(lat=-33.0, lon=-25.0, persons=11), "ana", None, now)
    real1, ex1 = cases.case_statistics(conn), cases.case_statistics(conn, exercise=True)
    assert (real1["cases"] - real0["cases"], real1["persons"] - real0["persons"]) == (1, 11)
    assert (ex1["cases"] - ex0["cases"], ex1["persons"] - ex0["persons"]) == (1, 7)
    assert all(not r["exercise"] for r in cases.list_cases(conn, exercise=False))


# -------------------------------------------------------------------------------------------------------
# SURPIC, drift, SITREP, CAP
# -------------------------------------------------------------------------------------------------------


def _place(
    conn: psycopg.Connection,
    mmsi: int,
    name: str,
    lat: float,
    lon: float,
    sog: float,
    cog: float,
    age: timedelta,
    ship_type: int = 70,
    length: float = 180.0,
) -> None:
    conn.execute(
        """INSERT INTO vessel (mmsi, name, ship_type, length_m) VALUES (%s, %s, %s, %s)
                    ON CONFLICT (mmsi) DO UPDATE SET name = EXCLUDED.name, ship_type = EXCLUDED.ship_type,
                                                    length_m = EXCLUDED.length_m""",
        (mmsi, name, ship_type, length),
    )
    conn.execute(
        """INSERT INTO vessel_state (mmsi, observed_at, geom, sog_kn, cog_deg, msg_type)
                    VALUES (%s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, %s, 1)
                    ON CONFLICT (mmsi) DO UPDATE SET observed_at = EXCLUDED.observed_at, geom = EXCLUDED.geom,
                        sog_kn = EXCLUDED.sog_kn, cog_deg = EXCLUDED.cog_deg""",
        (mmsi, _now() - age, lon, lat, sog, cog),
    )


def test_surpic_from_vessels_in_postgis(stack: RunningStack, conn: psycopg.Connection) -> None:
    # datum (LKP) 37°S 027°W, inside TSTA. On the WGS84 ellipsoid (geodata.geodesy) 0.5° of meridian north of
    # 37°S is 29.960 nm and 1° south 59.928 nm (a sphere of radius 3440.065 nm would give 30.02 / 60.04).
    rec = cases.open_case(conn, cases.OpenCaseRequest(lat=-37.0, lon=-27.0, persons=50), "ana", None, _now())
    m = 111222000
    try:
        five_min, ten_h = timedelta(minutes=5), timedelta(hours=10)
        _place(conn, m + 1, "NORTH TANKER", -36.5, -27.0, 15.0, 90.0, five_min)  # 29.96 nm N, turn +90
        _place(conn, m + 2, "SOUTH BULKER", -38.0, -27.0, 12.0, 0.0, five_min)  # 59.93 nm S, turn 0
        _place(conn, m + 3, "STOPPED FISHER", -37.2, -27.0, 0.0, 10.0, five_min, 30, 25.0)  # 12 nm, no ETA
        _place(conn, m + 4, "FAR AWAY", -38.8, -27.0, 20.0, 0.0, five_min)  # 108 nm: outside 100 nm
        _place(conn, m + 5, "STALE", -37.1, -27.0, 10.0, 0.0, ten_h)  # older than 6 h
        out = _cli(stack, "surpic", str(rec.id), "--json")
        mine = [e for e in out if m < e["mmsi"] <= m + 5]
        assert [e["mmsi"] for e in mine] == [m + 1, m + 2, m + 3]
        north, south, fisher = mine
        assert north["distance_nm"] == pytest.approx(29.96, abs=0.01)
        assert north["course_change_deg"] == pytest.approx(90.0, abs=0.1)  # steering 090, datum bears 180
        assert north["eta_hours"] == pytest.approx(29.96 / 15.0, abs=0.01)
        assert south["distance_nm"] == pytest.approx(59.93, abs=0.01)
        assert south["course_change_deg"] == pytest.approx(0.0, abs=0.1)
        assert south["eta_hours"] == pytest.approx(59.93 / 12.0, abs=0.01)
        assert fisher["eta_hours"] is None and fisher["name"] == "STOPPED FISHER"
        # filters: type 70 and length, radius
        args = ("--type", "70", "--min-length-m", "100", "--radius-nm", "40", "--json")
        typed = _cli(stack, "surpic", str(rec.id), *args)
        assert [e["mmsi"] for e in typed if m < e["mmsi"] <= m + 5] == [m + 1]
        csv_out = run_cli("case", "surpic", str(rec.id), "--csv", env=_as(stack))
        assert csv_out.returncode == 0
        csv_lines = csv_out.stdout.decode().splitlines()
        assert csv_lines[0].startswith("mmsi,name,ship_type") and csv_lines[0].endswith(",case,exercise")
        assert all(ln.endswith(f",SEASIGHT-{rec.id},real") for ln in csv_lines[1:])
        assert all(e["exercise"] is False and e["case"] == f"SEASIGHT-{rec.id}" for e in out)
        drill = cases.open_case(
            conn, cases.OpenCaseRequest(lat=-37.0, lon=-27.0, persons=5, exercise=True), "ana", None, _now()
        )
        drill_csv = run_cli("case", "surpic", drill.reference, "--csv", env=_as(stack)).stdout.decode()
        assert drill_csv.splitlines()[1:] and all(
            ln.endswith(f",{drill.reference},EXERCISE") for ln in drill_csv.splitlines()[1:]
        )
        drill_json = _cli(stack, "surpic", drill.reference, "--json")
        assert drill_json and all(e["exercise"] is True for e in drill_json)
        text = run_cli("case", "surpic", drill.reference, env=_as(stack)).stdout.decode()
        assert text.startswith(f"EXERCISE SURPIC for case {drill.reference}")
    finally:
        # vessels placed here must not show up in other parts' tests of the shared database
        conn.execute("DELETE FROM vessel_state WHERE mmsi BETWEEN %s AND %s", (m + 1, m + 5))
        conn.execute("DELETE FROM vessel WHERE mmsi BETWEEN %s AND %s", (m + 1, m + 5))


def test_search_area_is_stored_with_the_case(stack: RunningStack, conn: psycopg.Connection) -> None:
    # Same worked example as the unit test, at 35°S 025°W: PIW, wind FROM 270 at 20 kn, current 000 at
    # 1 kn, 10 h: mid datum 10 nm N and 1.92 nm E -> the WGS84 geodesic of 10.1827 nm at 10.87° from
    # 35°S 25°W ends at 34.833055 S 24.961127 W (a sphere's 10/60 would give -34.833333); E = 3.21587,
    # R = 3.53745 nm.
    lkp_time = _now() - timedelta(hours=12)
    rec = cases.open_case(
        conn,
        cases.OpenCaseRequest(lat=-35.0, lon=-25.0, time=lkp_time, craft="person_in_water"),
        "ana",
        None,
        _now(),
    )
    datum_time = (lkp_time + timedelta(hours=10)).isoformat()
    out = _cli(
        stack,
        "search-area",
        str(rec.id),
        "--wind-from",
        "270",
        "--wind-kn",
        "20",
        "--current-set",
        "0",
        "--current-kn",
        "1",
        "--datum-time",
        datum_time,
        "--json",
    )
    assert out["exercise"] is False and out["reference"] == rec.reference
    assert out["datum_time"] == datum_time  # the datum's own time, not when it was computed
    assert out["datum"]["lat"] == pytest.approx(-34.833055, abs=1e-6)
    assert out["datum"]["lon"] == pytest.approx(-24.961127, abs=1e-6)
    assert out["probable_error_nm"] == pytest.approx(3.22, abs=0.005)
    assert out["radius_nm"] == pytest.approx(3.54, abs=0.005)
    row = conn.execute(
        """SELECT ST_Y(datum), ST_X(datum), search_radius_nm, ST_IsValid(search_area),
                                 ST_Covers(search_area, datum), ST_NPoints(search_area)
                            FROM sar_case WHERE id = %s""",
        (rec.id,),
    ).fetchone()
    assert row is not None
    assert row[0] == pytest.approx(-34.833055, abs=1e-6) and row[2] == pytest.approx(3.53745, abs=1e-4)
    assert row[3] is True and row[4] is True and row[5] == 5
    log = cases.load_case(conn, rec.id).events[-1]
    assert log.kind.value == "search_area" and log.data["wind_kn"] == 20
    bad = run_cli(
        "case",
        "search-area",
        str(rec.id),
        "--wind-from",
        "270",
        "--wind-kn",
        "20",
        "--current-set",
        "0",
        "--current-kn",
        "1",
        "--craft",
        "canoe",
        env=_as(stack),
    )
    assert bad.returncode == 1 and b"craft 'canoe' unknown" in bad.stderr


def test_sitrep_numbered_per_case_and_exercise_marked(stack: RunningStack, conn: psycopg.Connection) -> None:
    rec = cases.open_case(
        conn,
        cases.OpenCaseRequest(
            lat=-35.5, lon=-12.25, persons=63, exercise=True, craft="wooden_boat", source="table-top exercise"
        ),
        "ana",
        None,
        _now(),
    )
    cid = str(rec.id)
    assert rec.owner == "XBB"  # the responsible RCC's state: the CLI acts for one of its coordinators
    sent = run_cli("case", "sitrep", cid, env=_as(stack, "bea", "XBB"))
    assert sent.returncode == 0, sent.stderr.decode()
    first = sent.stdout.decode().splitlines()
    assert first[0] == first[-1] == "EXERCISE EXERCISE EXERCISE"
    assert all(line.startswith("EXERCISE") for line in first)
    assert first[5] == f"EXERCISE SAR SITREP 1 SEASIGHT-{cid}"
    assert first[7] == "EXERCISE B. POSITION: 35 30.0S 012 15.0W AT " + first[7].split(" AT ")[1]
    assert first[11] == "EXERCISE F. CO-ORDINATING RCC: Test RCC Bravo (XBB)"
    preview = run_cli("case", "sitrep", cid, "--preview", env=_as(stack, "bea", "XBB")).stdout.decode().splitlines()
    assert preview[5].endswith(f"SAR SITREP 2 SEASIGHT-{cid}")
    second = run_cli("case", "sitrep", cid, "--full", env=_as(stack, "bea", "XBB")).stdout.decode().splitlines()
    assert second[5] == f"EXERCISE SAR SITREP 2 SEASIGHT-{cid}", "a preview is not numbered"
    assert [ln.split(".")[0] for ln in second[6:-1]] == [f"EXERCISE {x}" for x in "ABCDEFGHJKLMN"]
    assert cases.load_case(conn, rec.id).state.sitreps_sent == 2


def test_sitreps_composed_sent_stored_verbatim_listed_and_shown(stack: RunningStack, conn: psycopg.Connection) -> None:
    import hashlib

    rec = cases.open_case(
        conn,
        cases.OpenCaseRequest(lat=-33.5, lon=-26.0, persons=120, phase=Phase.DISTRESS, craft="wooden_boat"),
        "ana",
        None,
        _now(),
    )
    ref = rec.reference

    def text(*args: str, who: str = "ana", state: str = "XAA") -> str:
        res = run_cli("case", *args, env=_as(stack, who, state))
        assert res.returncode == 0, res.stderr.decode()
        return res.stdout.decode()

    # no request yet: persons in distress still need assistance (never NIL)
    empty = text("sitrep", "compose", ref).splitlines()
    assert empty[4] == f"SAR SITREP 1 {ref}"
    assert empty[9].startswith("E. ASSISTANCE REQUIRED: IMMEDIATE ASSISTANCE FOR 120 PERSONS IN DISTRESS")
    shown = _cli(stack, "request", ref, "rescue", "--persons", "120", "--asked-of", "ships in the area", "--json")
    assert shown["requests"][0]["number"] == 1 and shown["requests"][0]["status"] == "open"
    _cli(stack, "request", ref, "medical_evacuation", "--persons", "2", "--detail", "two with fever", "--json")
    bad = run_cli("case", "request", ref, "other", env=_as(stack))
    assert bad.returncode == 1 and b"needs --detail" in bad.stderr
    # compose writes the item texts to the log and prints the draft, not sent
    draft = text("sitrep", "compose", ref, "--full", "--plans", "air search at first light", "--weather", "sea 3")
    lines = draft.splitlines()
    assert lines[9].startswith("E. ASSISTANCE REQUIRED: (1) RESCUE, 120 PERSONS - ASKED OF ships in the area - ")
    assert "(2) MEDICAL EVACUATION (MEDEVAC), 2 PERSONS: two with fever" in lines[9]
    assert "M. FUTURE PLANS: air search at first light" in lines and "H. WEATHER ON SCENE: sea 3" in lines
    assert text("sitrep", "list", ref).strip() == f"{ref}: no SITREP sent"
    assert _cli(stack, "show", ref, "--json")["sitrep_items"]["M"]["text"] == "air search at first light"

    first = text("sitrep", "send", ref, "--full", "--to", "MRCC Test", "--instructions", "OSC on VHF 16")
    assert first.splitlines()[4] == f"SAR SITREP 1 {ref}" and "L. CO-ORDINATING INSTRUCTIONS: OSC on VHF 16" in first
    assert "M. FUTURE PLANS: air search at first light" in first  # kept from the draft
    second = text("sitrep", ref)  # the old form still sends
    assert second.splitlines()[4] == f"SAR SITREP 2 {ref}"
    assert text("sitrep", ref, "--preview").splitlines()[4] == f"SAR SITREP 3 {ref}"  # a draft is not numbered
    listed = _cli(stack, "sitrep", "list", ref, "--json")
    assert [(r["number"], r["form"], r["to"], r["final"]) for r in listed] == [
        (1, "full", ["MRCC Test"], False),
        (2, "short", [], False),
    ]
    assert listed[0]["sha256"] == hashlib.sha256(first.encode()).hexdigest()
    assert text("sitrep", "show", ref, "1") == first  # verbatim
    assert _cli(stack, "sitrep", "show", ref, "2", "--json")["text"] == second
    missing = run_cli("case", "sitrep", "show", ref, "9", env=_as(stack))
    assert missing.returncode == 1 and b"no SITREP number 9 (SITREPs 1" in missing.stderr
    # another state's coordinator does not see the case nor its SITREPs
    other = run_cli("case", "sitrep", "list", ref, env=_as(stack, "bea", "XBB"))
    assert other.returncode == 1 and b"no SAR case" in other.stderr

    # stored rows are append-only, agree with their log entries, and are audited
    stored = conn.execute(
        "SELECT number, event_seq, text FROM case_sitrep WHERE case_id = %s ORDER BY number", (rec.id,)
    ).fetchall()
    assert [(r[0], r[2]) for r in stored] == [(1, first), (2, second)]
    kinds = {e.data.get("number"): e for e in cases.load_case(conn, rec.id).events if e.kind.value == "message_sent"}
    assert kinds[1].data["sha256"] == listed[0]["sha256"] and "text" not in kinds[1].data
    for statement in (
        "UPDATE case_sitrep SET text = 'forged' WHERE case_id = %s",
        "DELETE FROM case_sitrep WHERE case_id = %s",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement, (rec.id,))
    with psycopg.connect(stack.owner_url) as owner:
        owner.execute("GRANT UPDATE ON case_sitrep TO current_user")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            owner.execute("UPDATE case_sitrep SET text = 'forged' WHERE case_id = %s", (rec.id,))
        owner.rollback()
    forged = "URGENCY\nSAR SITREP 3 forged\n"
    with pytest.raises(psycopg.errors.CheckViolation, match="does not record this SITREP"):
        conn.execute(
            """INSERT INTO case_sitrep (case_id, number, event_seq, form, final, sent_at, text, sha256, is_exercise,
                                        owner, acted_by)
               VALUES (%s, 3, %s, 'short', false, %s, %s, %s, false, 'XAA', 'ana')""",
            (rec.id, stored[0][1], _now(), forged, hashlib.sha256(forged.encode()).hexdigest()),
        )
    audited = conn.execute(
        "SELECT count(*) FROM audit_log WHERE table_name = 'case_sitrep' AND action = 'insert' AND record_key LIKE %s",
        (f"{rec.id}/%",),
    ).fetchone()
    assert audited == (2,)

    # closed: the next is FINAL, request lines say so, and nothing follows a FINAL SITREP
    cases.close_case(conn, rec.id, Conclusion.RESCUED, "120 rescued", "ana", _now())
    final = text("sitrep", "send", ref, "--full").splitlines()
    assert final[4] == f"SAR SITREP 3 FINAL {ref}"
    assert final[9] == "E. ASSISTANCE REQUIRED: NIL, CASE CLOSED"
    after = run_cli("case", "sitrep", "send", ref, env=_as(stack))
    assert after.returncode == 1 and b"FINAL SITREP (3)" in after.stderr
    wrong = run_cli("case", "sitrep", "list", ref, "--full", env=_as(stack))
    assert wrong.returncode == 1 and b"do not apply" in wrong.stderr


def test_cap_alert_update_cancel(stack: RunningStack, conn: psycopg.Connection) -> None:
    rec = cases.open_case(
        conn, cases.OpenCaseRequest(lat=-36.0, lon=-22.0, persons=20, phase=Phase.ALERT), "ana", None, _now()
    )
    cid = str(rec.id)

    def cap() -> ET.Element:
        res = run_cli("case", "cap", cid, env=_as(stack))
        assert res.returncode == 0, res.stderr.decode()
        validate_cap(res.stdout.decode())
        return ET.fromstring(res.stdout)

    def t(root: ET.Element, path: str) -> str | None:
        el = root.find(path, {"c": CAP_NS})
        return None if el is None else el.text

    alert = cap()
    assert (t(alert, "c:msgType"), t(alert, "c:status"), t(alert, "c:scope")) == (
        "Alert",
        "Actual",
        "Restricted",
    )
    assert t(alert, "c:info/c:severity") == "Severe"
    cases.change_phase(conn, rec.id, Phase.DISTRESS, "boat capsized", "ana", _now())
    update = cap()
    assert t(update, "c:msgType") == "Update" and t(update, "c:info/c:severity") == "Extreme"
    assert (t(update, "c:references") or "").startswith(f"seasight.xaa,SEASIGHT-{cid}.1,")
    cases.close_case(conn, rec.id, Conclusion.RESCUED, "20 rescued", "ana", _now())
    cancel = cap()
    assert t(cancel, "c:msgType") == "Cancel"
    assert len((t(cancel, "c:references") or "").split(" ")) == 2
    again = run_cli("case", "cap", cid, env=_as(stack))
    assert again.returncode == 1 and b"Cancel was already sent" in again.stderr


# -------------------------------------------------------------------------------------------------------
# append-only log
# -------------------------------------------------------------------------------------------------------


def test_case_log_rejects_update_and_delete_from_the_application_role(conn: psycopg.Connection) -> None:
    role = conn.execute("SELECT current_user").fetchone()[0]  # type: ignore[index]
    assert role == "seasight", "the test must run as the application role"
    rec = cases.open_case(conn, cases.OpenCaseRequest(lat=-34.0, lon=-24.0), "ana", None, _now())
    for statement in (
        "UPDATE case_event SET acted_by = 'mallory' WHERE case_id = %s",
        "DELETE FROM case_event WHERE case_id = %s",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement, (rec.id,))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("TRUNCATE case_event CASCADE")
    # The application role owns nothing: a GRANT to itself grants nothing (no grant option) ...
    conn.execute("GRANT UPDATE, DELETE ON case_event TO seasight")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE case_event SET acted_by = 'mallory' WHERE case_id = %s", (rec.id,))
    # ... and even the owner role, which could grant, is stopped by the trigger.
    owner_role = conn.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'case_event'").fetchone()
    assert owner_role == ("seasight_owner",)
    # the case itself cannot be deleted while its log exists (the foreign-key check on the log is refused
    # too), and the entry is unchanged
    with pytest.raises((psycopg.errors.ForeignKeyViolation, psycopg.errors.InsufficientPrivilege)):
        conn.execute("DELETE FROM sar_case WHERE id = %s", (rec.id,))
    assert conn.execute("SELECT acted_by FROM case_event WHERE case_id = %s", (rec.id,)).fetchall() == [("ana",)]
    # appending still works
    cases.change_phase(conn, rec.id, Phase.ALERT, "still no contact", "ben", _now())
    assert conn.execute("SELECT count(*) FROM case_event WHERE case_id = %s", (rec.id,)).fetchone()[0] == 2  # type: ignore[index]


# -------------------------------------------------------------------------------------------------------
# text outputs, timers across cases, map layer
# -------------------------------------------------------------------------------------------------------


def test_text_outputs_timers_and_geojson(stack: RunningStack, conn: psycopg.Connection) -> None:
    from coordination.queries import due_prompts, open_cases_geojson

    opened_at = _now() - timedelta(minutes=40)
    rec = cases.open_case(
        conn, cases.OpenCaseRequest(lat=-38.0, lon=-28.0, persons=12, exercise=True), "ana", None, opened_at
    )
    cid = str(rec.id)

    def text(*args: str) -> str:
        res = run_cli("case", *args, env=_as(stack))
        assert res.returncode == 0, res.stderr.decode()
        return res.stdout.decode()

    assert text("action", cid, "verify_report").startswith(f"EXERCISE SEASIGHT-{cid}")
    shown = text("show", cid)
    assert "[x] verify_report" in shown and "[ ] communication_search" in shown
    assert "RCC Test RCC Alpha (XAA) [indicative SRR]" in shown
    assert "action_done" in shown and "verify_report" in shown.split("case log:")[1]
    assert text("assign", cid, "OSC", "MV Test Helper").count("EXERCISE") == 1
    area = text(
        "search-area",
        cid,
        "--wind-from",
        "90",
        "--wind-kn",
        "10",
        "--current-set",
        "180",
        "--current-kn",
        "0.5",
        "--craft",
        "raft",
    )
    assert f"stored with case {cid}" in area and area.startswith("EXERCISE datum")
    assert "SURPIC for case" in text("surpic", cid)
    assert "responsible: Test RCC Alpha (XAA), SRR TSTA" in text("rcc", "--lat", "-38", "--lon", "-28")
    assert f"EXERCISE SEASIGHT-{cid}" in text("list", "--exercise")
    assert f"SEASIGHT-{cid} " not in text("list", "--real")
    stats = json.loads(text("stats", "--exercise"))
    assert stats["exercise"] is True and stats["cases"] >= 1

    # 41 min after opening in uncertainty: verify_report (15 min) was done; the 30-min actions are overdue.
    mine = [p for p in due_prompts(conn, opened_at + timedelta(minutes=41)) if p["case_id"] == rec.id]
    assert sorted(p["action"] for p in mine) == ["communication_search", "plot_lkp"]
    assert all(p["exercise"] for p in mine)
    later = [p for p in due_prompts(conn, opened_at + timedelta(minutes=61)) if p["case_id"] == rec.id]
    assert [p["kind"] for p in later].count("escalate") == 1
    assert f"SEASIGHT-{cid}" in text("due")

    fc = open_cases_geojson(conn)
    roles = sorted(f["properties"]["role"] for f in fc["features"] if f["properties"]["case_id"] == rec.id)
    assert roles == ["datum", "lkp", "search_area"]
    polygon = next(
        f for f in fc["features"] if f["properties"]["case_id"] == rec.id and f["properties"]["role"] == "search_area"
    )
    assert polygon["geometry"]["type"] == "Polygon" and polygon["properties"]["exercise"] is True
    assert not any(f["properties"]["case_id"] == rec.id for f in open_cases_geojson(conn, False)["features"])
