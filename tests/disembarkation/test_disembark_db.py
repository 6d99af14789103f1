"""Disembarkation against the real PostGIS (stack fixture) through the ``seasight`` command line.

Cases in the Andaman Sea, the Bay of Bengal and the Timor Sea are ranked over the register loaded from
searoute's ports for the participant table's states; recorded outcomes are validated; the real IOM CSVs
are imported; the practices report is suppressed and leaves exercises out.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import pytest
from psycopg.types.json import Jsonb

from coordination.disembarkation import queries, store
from coordination.disembarkation.outcomes import Outcome, OutcomeKind, Reception
from coordination.disembarkation.sea_routes import legs_at_sea_between
from tests.conftest import RunningStack, acting_env, run_cli
from tests.disembarkation.land import land_crossed_nm

pytestmark = pytest.mark.integration

ANDAMAN = (8.5, 96.8)
BENGAL = (19.5, 90.5)
TIMOR = (-11.5, 126.0)


def cli(stack: RunningStack, *args: str) -> tuple[int, str, str]:
    """The CLI acting as "tester", an Indonesian focal point (test account)."""
    done = run_cli(*args, env=acting_env(stack, "tester", "IDN", "focal_point"))
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def service_cli(stack: RunningStack, *args: str) -> tuple[int, str, str]:
    """The CLI as the local stack's services (the register of packaged ports is loaded by a service)."""
    done = run_cli(*args, env=stack.env())
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def tha_cli(stack: RunningStack, *args: str) -> tuple[int, str, str]:
    """The CLI acting as a Thai focal point (test account): Thailand's places are its to add and edit."""
    done = run_cli(*args, env=acting_env(stack, "tha-focal-test", "THA", "focal_point"))
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def rso_cli(stack: RunningStack, *args: str) -> tuple[int, str, str]:
    """The CLI acting as an RSO analyst (test account): sees only what states share with the RSO."""
    done = run_cli(*args, env=acting_env(stack, "rso-analyst-test", "RSO", "rso_analyst"))
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def open_case(
    conn: psycopg.Connection[Any],
    lat: float,
    lon: float,
    persons: int | None = 60,
    exercise: bool = False,
    opened_at: str = "2026-03-01T00:00Z",
) -> int:
    row = conn.execute(
        "INSERT INTO sar_case (origin_kind, lkp, lkp_time, craft_type, persons, source, "
        "casualty, is_exercise, phase, "
        "phase_since, opened_at, owner, acted_by) VALUES ('manual', ST_SetSRID(ST_MakePoint(%s, "
        "%s), 4326), %s, "
        "'wooden boat', %s, 'test', 'adrift', %s, 'distress', %s, %s, 'THA', 'test') RETURNING id",
        (lon, lat, opened_at, persons, exercise, opened_at, opened_at),
    ).fetchone()
    assert row is not None
    # a case's log starts with its "opened" event (as coordination.cases.open_case writes it): without one,
    # code reading every open case (coordination.queries.due_prompts) meets a case it cannot replay — the
    # ordering failure of tests/coordination/test_cases_db.py after this module
    conn.execute(
        "INSERT INTO case_event (case_id, seq, kind, at, data, is_exercise, owner, acted_by) "
        "VALUES (%s, 1, 'opened', %s, %s, %s, 'THA', 'test')",
        (row[0], opened_at, Jsonb({"phase": "distress", "persons": persons}), exercise),
    )
    return int(row[0])


@pytest.fixture(scope="module")
def registered(reference_layers: RunningStack) -> Iterator[RunningStack]:
    """Reference layers + the register of places of safety loaded through the CLI (participant states).
    The test cases are Thailand's and the CLI acts for an Indonesian focal point: Thailand shares its cases
    with Indonesia (per-state sharing, migration 0073), as a Thai focal point would decide."""
    code, out, err = service_cli(reference_layers, "disembark", "places", "load")
    assert code == 0, err
    assert "added" in out
    with psycopg.connect(reference_layers.owner_url, autocommit=True) as owner:
        owner.execute(
            "INSERT INTO sharing_agreement (owner, record_kind, recipient, detail, acted_by)"
            " VALUES ('THA', 'case', 'IDN', 'full', 'test-fixture') ON CONFLICT DO NOTHING"
        )
    yield reference_layers


def srr_state(conn: psycopg.Connection[Any], lat: float, lon: float) -> str | None:
    row = conn.execute(
        "SELECT rcc_country FROM srr WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) "
        "ORDER BY ST_Area(geom) LIMIT 1",
        (lon, lat),
    ).fetchone()
    return None if row is None else row[0]


def test_register_holds_participant_ports_without_offshore_terminals(registered: RunningStack) -> None:
    with psycopg.connect(registered.database_url) as conn:
        states: dict[str, int] = dict(
            conn.execute("SELECT state, count(*) FROM place_of_safety GROUP BY state").fetchall()
        )
        assert states["IDN"] > 100 and states["MYS"] > 30 and states["THA"] > 10 and states["BGD"] >= 3
        assert states["LKA"] >= 4  # Negombo and Matara are charted > 5 nm offshore in searoute: left out
        # Male (Maldives) is on a small island: kept; the Jabiru and Challis oil terminals in the Timor Sea
        # (about 90 nm offshore) are not places of safety
        assert conn.execute("SELECT count(*) FROM place_of_safety WHERE locode = 'MVMLE'").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM place_of_safety WHERE locode IN ('AUJOV', 'AUCHV')").fetchone() == (
            0,
        )
        # nothing authored yet: every team attribute empty, position source named
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE attributes_source IS NOT NULL), "
            "count(*) FILTER (WHERE position_source NOT LIKE 'searoute %%' AND kind = 'port') FROM place_of_safety"
        ).fetchone()
        assert row == (0, 0)
    code, out, _ = service_cli(registered, "disembark", "places", "load")
    assert code == 0 and " 0 added" in out  # idempotent


@pytest.mark.parametrize(
    ("sea", "position"), [("Andaman Sea", ANDAMAN), ("Bay of Bengal", BENGAL), ("Timor Sea", TIMOR)]
)
def test_options_rank_responsible_state_first_and_never_over_land(
    registered: RunningStack, shared_data: Path, sea: str, position: tuple[float, float]
) -> None:
    with psycopg.connect(registered.database_url) as conn:
        case_id = open_case(conn, *position)
        responsible = srr_state(conn, *position)
        conn.commit()
    assert responsible is not None, f"no SRR covers the {sea} test position"
    code, out, err = cli(registered, "disembark", "options", str(case_id), "--json", "--limit", "15")
    assert code == 0, err
    data = json.loads(out)
    options = data["options"]
    assert options, f"no option for the {sea}"
    assert data["responsible_state"] == responsible
    assert options[0]["state"] == responsible, f"{sea}: first option not in the responsible state {responsible}"
    flags = [o["state"] == responsible for o in options]
    assert flags == sorted(flags, reverse=True)  # every responsible-state place comes first
    for o in options:
        assert {"rank", "port", "locode", "state", "sea_distance_nm", "eta_hours", "reasons"} <= set(o)
        assert o["eta_hours"] == pytest.approx(o["sea_distance_nm"] / 8.0, abs=0.06)
        route = [tuple(c) for c in o["route"]]
        at_sea = route[:-1] if o["harbour_leg_nm"] > 0 else route
        assert land_crossed_nm(shared_data, at_sea, ends_at_port=True) == 0.0, f"{sea}: {o['locode']} over land"
        pts = np.asarray(at_sea, dtype=float)
        assert legs_at_sea_between(pts[:-1, 1], pts[:-1, 0], pts[1:, 1], pts[1:, 0]).all(), o["locode"]
        assert o["status"] in ("candidate \u2014 not verified",) or o["status"].startswith("verified: ")
    assert [o["rank"] for o in options] == list(range(1, len(options) + 1))
    assert "MSC.167(78)" in options[0]["reasons"][0]


def test_options_text_and_ship_position_and_speed(registered: RunningStack) -> None:
    with psycopg.connect(registered.database_url) as conn:
        from coordination import cases

        opened = datetime(2026, 3, 1, tzinfo=UTC)
        lat, lon = ANDAMAN
        case_id = cases.open_case(conn, cases.OpenCaseRequest(lat=lat, lon=lon, persons=60), "test", "THA", opened).id
        # the case was handed over to another RCC (a recorded event, the only way a case header changes):
        # the responsible state stays the SRR of the rescue position
        cases.hand_over(
            conn,
            case_id,
            None,
            "closer asset",
            "test",
            opened,
            "duty officer",
            to_rcc_name="MRCC test",
            to_country="MYS",
        )
        responsible = srr_state(conn, *ANDAMAN)
        conn.commit()
    code, out, err = cli(
        registered,
        "disembark",
        "options",
        str(case_id),
        "--speed",
        "12",
        "--from-lat",
        "6.5",
        "--from-lon",
        "97.5",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["from"]["basis"] == "rescuing ship's current position" and data["ship_speed_kn"] == 12
    assert data["responsible_state"] == responsible != "MYS"
    assert "now held by MRCC test (MYS)" in data["responsible_basis"]
    o = data["options"][0]
    assert o["eta_hours"] == pytest.approx(o["sea_distance_nm"] / 12.0, abs=0.06)
    code, out, _ = cli(registered, "disembark", "options", str(case_id))
    assert code == 0 and "responsible state" in out and " 1. " in out
    with psycopg.connect(registered.database_url) as conn:
        inland = open_case(conn, 13.75, 100.5)  # Bangkok: an LKP on land
        conn.commit()
    code, _, err = cli(registered, "disembark", "options", str(inland))
    assert code == 1 and "is on land" in err and "--from-lat/--from-lon" in err
    code, _, err = cli(registered, "disembark", "options", "999999")
    assert code == 1 and "no SAR case 999999" in err
    code, _, err = cli(registered, "disembark", "options", str(case_id), "--speed", "0")
    assert code == 1 and "ship_speed_kn (0.0 kn) must be between 1 and 40 kn" in err


def test_record_outcome_validates_and_keeps_versions(registered: RunningStack) -> None:
    with psycopg.connect(registered.database_url) as conn:
        case_id = open_case(conn, *ANDAMAN, persons=10)
        conn.commit()
    base = [
        "disembark",
        "record",
        str(case_id),
        "--source",
        "UNHCR field report",
    ]
    code, _, err = cli(
        registered,
        *base,
        "--outcome",
        "disembarked",
        "--state",
        "IDN",
        "--at",
        "2026-03-04T08:00Z",
        "--deaths",
        "12",
    )
    assert code == 1 and "deaths (12) + missing (0) exceed persons aboard (10)" in err
    code, _, err = cli(
        registered,
        *base,
        "--outcome",
        "disembarked",
        "--state",
        "IDN",
        "--at",
        "2026-03-04T08:00Z",
        "--children",
        "-2",
    )
    assert code == 1 and "children (-2) cannot be negative" in err
    code, _, err = cli(
        registered,
        *base,
        "--outcome",
        "disembarked",
        "--port",
        "IDLSW",
        "--state",
        "THA",
        "--at",
        "2026-03-04T08:00Z",
    )
    assert code == 1 and "IDLSW" in err and "is in IDN, not in state THA" in err
    code, _, err = cli(
        registered,
        *base,
        "--outcome",
        "disembarked",
        "--port",
        "IDLSW",
        "--at",
        "2026-03-04T08:00Z",
        "--men",
        "4",
        "--women",
        "3",
        "--children",
        "2",
        "--uasc",
        "1",
        "--deaths",
        "1",
        "--nationality",
        "MMR=8",
        "--nationality",
        "BGD=1",
        "--reception",
        "shelter",
        "--days-at-sea",
        "14",
        "--screened",
        "yes",
        "--asylum-referral",
        "yes",
        "--consular-notified",
        "no",
        "--source-quality",
        "4",
        "--pregnant-women",
        "1",
        "--older-persons",
        "2",
        "--persons-with-disabilities",
        "1",
        "--medical-evacuations",
        "1",
    )
    assert code == 0, err
    code, _, err = cli(
        registered,
        *base,
        "--outcome",
        "disembarked",
        "--port",
        "IDLSW",
        "--at",
        "2026-03-04T08:00Z",
        "--women",
        "3",
        "--pregnant-women",
        "4",
    )
    assert code == 1 and "pregnant_women (4) exceed women (3)" in err
    code, _, err = cli(
        registered,
        *base,
        "--outcome",
        "disembarked",
        "--port",
        "IDLSW",
        "--at",
        "2026-03-04T08:00Z",
        "--men",
        "4",
        "--women",
        "3",
        "--children",
        "2",
        "--deaths",
        "1",
        "--missing",
        "1",
        "--reason",
        "one person missing, per IOM",
    )
    assert code == 0, err
    code, out, _ = cli(registered, "disembark", "outcome", str(case_id), "--json")
    versions = json.loads(out)
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["missing"] is None and versions[1]["missing"] == 1
    assert versions[0]["state"] == "IDN" and versions[0]["nationalities"] == {"MMR": 8, "BGD": 1}
    assert versions[1]["persons_aboard"] == 10 and versions[1]["owner"] == "IDN"
    assert (versions[0]["pregnant_women"], versions[0]["older_persons"]) == (1, 2)
    assert (versions[0]["persons_with_disabilities"], versions[0]["medical_evacuations"]) == (1, 1)
    code, out, _ = cli(registered, "disembark", "outcome", f"SEASIGHT-{case_id}")
    assert code == 0 and out.splitlines()[0].startswith("v1 ")
    with (
        psycopg.connect(registered.database_url) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("UPDATE disembarkation_outcome SET deaths = 0 WHERE case_id = %s", (case_id,))


def test_place_edit_needs_source_and_keeps_history(registered: RunningStack) -> None:
    code, _, err = cli(
        registered, "disembark", "places", "edit", "IDLSW", "--medical", "hospital", "--reason", "desk review"
    )
    assert code == 1 and "source is required" in err
    code, _, err = cli(
        registered,
        "disembark",
        "places",
        "edit",
        "IDLSW",
        "--medical",
        "clinic",
        "--source",
        "x",
        "--as-of",
        "2026-11-01",
        "--reason",
        "r",
    )
    assert code == 1 and "medical_capacity 'clinic' must be one of none, basic, hospital" in err
    code, _, err = cli(
        registered,
        "disembark",
        "places",
        "edit",
        "IDLSW",
        "--unhcr",
        "yes",
        "--iom",
        "yes",
        "--source",
        "Seasight team test entry (not real information)",
        "--as-of",
        "2026-11-01",
        "--reason",
        "test of the edit path",
    )
    assert code == 0, err
    code, _, _ = cli(
        registered,
        "disembark",
        "places",
        "edit",
        "IDLSW",
        "--unhcr",
        "unknown",
        "--source",
        "Seasight team test entry (not real information)",
        "--as-of",
        "2026-11-02",
        "--reason",
        "second test edit",
    )
    code, out, _ = cli(registered, "disembark", "places", "history", "IDLSW", "--json")
    history = json.loads(out)
    assert [h["version"] for h in history] == [1, 2, 3]
    assert history[1]["changed"] == [
        "attributes_as_of",
        "attributes_source",
        "iom_presence",
        "unhcr_presence",
    ]
    assert history[2]["before"]["unhcr_presence"] is True and history[2]["after"]["unhcr_presence"] is None
    thai = ("disembark", "places", "add", "THZZ1", "--name", "Test landing beach", "--state", "THA")
    refused = run_cli(
        *thai,
        "--lat",
        "9.9",
        "--lon",
        "98.5",
        "--source",
        "x",
        env=acting_env(registered, "tester", "IDN", "focal_point"),
    )
    assert refused.returncode == 1 and b"only THA's focal point adds" in refused.stderr  # not Indonesia's to say
    code, out, err = tha_cli(
        registered,
        "disembark",
        "places",
        "add",
        "THZZ1",
        "--name",
        "Test landing beach",
        "--state",
        "THA",
        "--lat",
        "9.9",
        "--lon",
        "98.5",
        "--source",
        "test fixture, not a real place",
    )
    assert code == 0, err
    code, _, err = tha_cli(
        registered,
        "disembark",
        "places",
        "add",
        "THZZ1",
        "--name",
        "again",
        "--state",
        "THA",
        "--lat",
        "9.9",
        "--lon",
        "98.5",
        "--source",
        "test",
    )
    assert code == 1 and "already in the register" in err
    code, out, _ = cli(registered, "disembark", "places", "list", "--state", "THA")
    assert "THZZ1" in out and "attributes not recorded" in out
    code, _, err = cli(registered, "disembark", "places", "edit", "XXNOP", "--name", "n", "--reason", "r")
    assert code == 1 and "no place of safety with UN/LOCODE 'XXNOP'" in err


def file_sum(path: Path, column: str) -> int:
    with path.open(encoding="utf-8", newline="") as f:
        return sum(
            int(r[column].replace(",", ""))
            for r in csv.DictReader(f)
            if r[column].strip() and int(r[column].replace(",", "")) >= 0
        )


def test_import_real_iom_files(stack: RunningStack, shared_data: Path) -> None:
    old = shared_data / "incidents" / "iom_mmp_global_2014-2019_snapshot_2020-01-08.csv"
    new = shared_data / "incidents" / "iom_mmp_global_2026_snapshot_2026-05-06.csv"
    code, out, err = cli(stack, "disembark", "import-iom", str(old), str(new), "--json")
    assert code == 0, err
    reports = {r["source_schema"]: r for r in json.loads(out)}
    assert reports["mmp_2020"]["rows"] == 6249 and reports["mmp_2026"]["rows"] == 238
    with psycopg.connect(stack.database_url) as conn:
        for schema, path in (("mmp_2020", old), ("mmp_2026", new)):
            n, dead, missing, survivors = conn.execute(
                "SELECT count(*), sum(dead), sum(missing), sum(survivors) FROM iom_incident WHERE source_schema = %s",
                (schema,),
            ).fetchone() or (0, 0, 0, 0)
            assert n == reports[schema]["rows"]
            assert dead == file_sum(path, "Number Dead")
            assert missing == file_sum(path, "Minimum Estimated Number of Missing")
            assert survivors == file_sum(path, "Number of Survivors")
        total = conn.execute(
            "SELECT sum(dead_and_missing) FROM iom_incident WHERE source_schema = 'mmp_2020'"
        ).fetchone()
        assert total == (file_sum(old, "Total Dead and Missing"),)
        regions: dict[str, int] = dict(
            conn.execute("SELECT region, count(*) FROM iom_incident WHERE asia_pacific GROUP BY region")
        )
        assert regions == {"Southern Asia": 184 + 7, "South-eastern Asia": 141 + 6, "Eastern Asia": 6}
    # importing again changes nothing
    code, out, _ = cli(stack, "disembark", "import-iom", str(new), "--json")
    assert json.loads(out)[0]["inserted"] == 0 and json.loads(out)[0]["updated"] == 238


def test_practices_report_is_suppressed_and_excludes_exercises(registered: RunningStack) -> None:
    # Five real cases landed in Malaysia (hand-computed figures below) + one exercise that must not count.
    with psycopg.connect(registered.database_url) as conn:
        ids = [open_case(conn, 5.5, 99.5, persons=20, opened_at="2025-06-01T00:00Z") for _ in range(5)]
        drill = open_case(conn, 5.5, 99.5, persons=20, exercise=True, opened_at="2025-06-01T00:00Z")
        conn.commit()
    hours = [10, 20, 30, 40, 50]
    with psycopg.connect(registered.database_url) as conn:
        for case_id, h in zip(ids, hours, strict=True):
            landed = Outcome(
                case_id=case_id,
                outcome=OutcomeKind.DISEMBARKED,
                locode="MYPEN",
                outcome_at=datetime(2025, 6, 1, tzinfo=UTC) + timedelta(hours=h),
                women=5,
                children=5,
                men=10,
                deaths=1,
                days_at_sea=h // 10,
                reception=Reception.DETENTION if h == 10 else Reception.SHELTER,
                source="test fixture",
                uasc=1,
                pregnant_women=1,
                older_persons=2,
                persons_with_disabilities=1,
                medical_evacuations=1,
                screened=h <= 30,  # 3 of 5 cases screened: a small cell
                consular_notification=True,
            )
            store.record_outcome(conn, landed, "test fixture", "tester", "MYS")
        drill_refusal = Outcome(case_id=drill, outcome=OutcomeKind.REFUSED, state="MYS", source="table-top exercise")
        store.record_outcome(conn, drill_refusal, "exercise", "tester", "MYS")
        # the RSO's practice figures cover what states share with it: Malaysia shares its outcomes
        conn.commit()
    with psycopg.connect(registered.owner_url, autocommit=True) as owner:
        owner.execute(
            "INSERT INTO sharing_agreement (owner, record_kind, recipient, detail, acted_by)"
            " VALUES ('MYS', 'outcome', 'RSO', 'full', 'test-fixture') ON CONFLICT DO NOTHING"
        )
    code, out, err = rso_cli(registered, "report", "practices", "--format", "json", "--by", "state")
    assert code == 0, err
    rows = {r["state"]: r for r in json.loads(out)["rows"]}
    mys = rows["MYS"]
    assert mys["cases"] == 5  # the exercise refusal is not counted
    assert mys["refused"] == 0 and mys["disembarked"] == 5
    assert mys["persons"] == 100 and mys["dead"] == 5
    assert mys["fatality_ratio"] == pytest.approx(0.05)  # 5 / 100
    assert mys["women_children_share"] == pytest.approx(0.5)  # 50 / 100
    assert mys["median_hours_to_disembarkation"] == 30.0  # 10, 20, 30, 40, 50
    assert mys["median_days_at_sea"] == 3.0  # 1, 2, 3, 4, 5
    assert mys["detention_share"] == pytest.approx(0.2)
    assert mys["missing"] == 0
    # persons with specific needs: 5 x 1 UASC, pregnant woman, person with disabilities, evacuation; 5 x 2 older
    assert (mys["uasc"], mys["pregnant_women"], mys["older_persons"]) == (5, 5, 10)
    assert (mys["persons_with_disabilities"], mys["medical_evacuations"]) == (5, 5)
    assert mys["cases_consular_notified"] == 5
    assert mys["cases_screened"] is None and "cases_screened" in mys["suppressed"]  # 3 cases
    # IDN has the single case recorded in the validation test (if it ran): counts under 5 suppressed
    if "IDN" in rows:
        assert rows["IDN"]["cases"] is None and rows["IDN"]["fatality_ratio"] is None
        assert "cases" in rows["IDN"]["suppressed"]
    code, out, _ = rso_cli(registered, "report", "practices", "--format", "csv", "--by", "state,year")
    table = list(csv.DictReader(io.StringIO(out)))
    assert {"origin", "state", "year", "cases", "fatality_ratio", "pregnant_women", "medical_evacuations"} <= set(
        table[0]
    )
    assert any(r["state"] == "MYS" and r["year"] == "2025" and r["cases"] == "5" for r in table)
    code, out, _ = rso_cli(registered, "report", "practices", "--format", "geojson", "--by", "port")
    features = {f["properties"]["port"]: f for f in json.loads(out)["features"]}
    assert features["MYPEN"]["geometry"]["type"] == "Point"
    code, out, _ = rso_cli(registered, "report", "practices", "--format", "kml")
    assert code == 0 and out.startswith("<?xml") and "<Placemark><name>MYS</name>" in out
    code, _, err = cli(registered, "report", "practices", "--by", "flag")
    assert code == 1 and "cannot group by 'flag'" in err


def test_query_functions_for_the_dashboard(registered: RunningStack, shared_data: Path) -> None:
    from coordination.disembarkation.iom import import_iom_file

    with psycopg.connect(registered.database_url) as conn:
        import_iom_file(conn, shared_data / "incidents" / "iom_mmp_asia_pacific_subset_2014-2019.csv", "tester")
        participants = queries.participants_frame(conn)
        idn = participants.set_index("code").loc["IDN"]
        assert idn["places_of_safety"] > 100 and idn["kind"] == "state"
        assert set(participants["kind"]) >= {"state", "organisation"}
        places = queries.places_geojson(conn, "LKA")
        assert places["features"] and all(f["properties"]["state"] == "LKA" for f in places["features"])
        assert len(queries.places_frame(conn, "LKA")) == len(places["features"])
        incidents = queries.iom_incidents_frame(conn)
        assert (incidents["origin"] == "iom_mmp").all() and len(incidents) >= 331
        geo = queries.iom_incidents_geojson(conn)
        assert len(geo["features"]) == len(incidents)
        summary = queries.iom_summary_frame(conn, ["region"])
        sea = summary.set_index("region").loc["South-eastern Asia"]
        expected = conn.execute(
            "SELECT count(*), sum(dead) FROM iom_incident WHERE region = 'South-eastern Asia'"
        ).fetchone()
        assert (sea["incidents"], sea["dead"]) == expected
        outcomes = queries.outcomes_frame(conn)
        assert (outcomes["origin"] == "live").all()
        exercises = conn.execute("SELECT count(*) FROM disembarkation_outcome_current WHERE is_exercise").fetchone()
        real = conn.execute("SELECT count(*) FROM disembarkation_outcome_real").fetchone()
        assert real is not None and len(outcomes) == real[0]
        assert exercises is not None
    code, out, err = cli(registered, "report", "practices", "--origin", "iom_mmp", "--format", "json", "--by", "year")
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert all(r["origin"] == "iom_mmp" for r in rows) and {r["year"] for r in rows} >= {"2015", "2019"}
    code, out, _ = cli(registered, "disembark", "participants", "--json")
    assert code == 0 and any(p["code"] == "BGD" for p in json.loads(out))


def test_a_focal_point_edits_only_its_own_states_places(registered: RunningStack) -> None:
    """Acting as Malaysia, an Indonesian port cannot be marked unusable (row-level security, migration 0075)."""
    mys = acting_env(registered, "mys-focal-test", "MYS", "focal_point")
    refused = run_cli("disembark", "places", "edit", "IDLSW", "--usable", "no", "--reason", "x", env=mys)
    assert refused.returncode == 1 and "only IDN's focal point edits it" in refused.stderr.decode()
    with psycopg.connect(registered.database_url) as conn:
        assert conn.execute("SELECT usable FROM place_of_safety WHERE locode = 'IDLSW'").fetchone() == (True,)
    loading = run_cli("disembark", "places", "load", env=mys)
    assert loading.returncode == 1 and "service account" in loading.stderr.decode()
