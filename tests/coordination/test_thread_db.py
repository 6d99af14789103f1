"""The case thread against the real PostGIS (stack fixture): a vessel's case from its AIS track and flag to
its outcome, a contact's case from the sighting and its flag, case references as users write them, a
vessel's cases with their outcome, and a state's case that another state may not read."""

from __future__ import annotations

import uuid
from datetime import timedelta

import psycopg
import pytest

from coordination import cases
from coordination import phases as ph
from coordination.disembarkation.outcomes import Outcome, OutcomeKind
from coordination.disembarkation.store import record_outcome
from coordination.errors import CaseNotFoundError, InvalidInputError
from coordination.thread import STAGES, case_thread, cases_of_vessel
from seasight.schemas import PositionReport, Sighting
from tests.conftest import TEST_NOW, RunningStack, account_token
from tracking.detect import store_flags
from tracking.rules.model import Flag, Severity, SubjectKind
from tracking.store import write_positions, write_sightings

pytestmark = pytest.mark.integration

MMSI = 636_017_001  # a made-up Liberian MMSI; everything here is rolled back at the end of each test
NOW = TEST_NOW


def _track(conn: psycopg.Connection) -> list[PositionReport]:
    """Six fixes ten minutes apart, the last at NOW - 5 min, steaming east at 6 kn off Aceh."""
    reports = [
        PositionReport(
            mmsi=MMSI,
            observed_at=NOW - timedelta(minutes=5 + 10 * k),
            lat=5.45,
            lon=94.25 - 0.0167 * k,
            sog_kn=6.0,
            cog_deg=90.0,
            heading_deg=90,
            nav_status=0,
            msg_type=1,
            station="thread-test",
            received_at=NOW,
        )
        for k in range(6)
    ]
    write_positions(conn, reports)
    return reports


def _flag(**kw: object) -> Flag:
    base: dict[str, object] = {
        "rule_id": "went_dark",
        "rule_version": 1,
        "subject_kind": SubjectKind.VESSEL,
        "mmsi": MMSI,
        "sighting_id": None,
        "severity": Severity.HIGH,
        "score": 0.8,
        "window_start": NOW - timedelta(minutes=55),
        "window_end": NOW - timedelta(minutes=4),
        "lat": 5.45,
        "lon": 94.25,
        "summary": "AIS gap far from shore",
        "evidence": {"gap_h": 7.0},
        "parameters": {"min_gap_h": 6.0},
    }
    base.update(kw)
    return Flag(**base)  # type: ignore[arg-type]


def _flag_id(conn: psycopg.Connection, where: str, value: object) -> int:
    row = conn.execute(f"SELECT id FROM flag WHERE {where} ORDER BY id DESC LIMIT 1", (value,)).fetchone()
    assert row is not None
    return int(row[0])


def test_a_vessels_case_from_track_and_flag_to_outcome(db: psycopg.Connection) -> None:
    fixes = _track(db)
    store_flags(db, [_flag()], start=NOW - timedelta(hours=6), end=NOW, evaluated_mmsis=[MMSI])
    flag_id = _flag_id(db, "mmsi = %s AND rule_id = 'went_dark'", MMSI)
    opened = cases.open_case(
        db, cases.OpenCaseRequest(flag_id=flag_id, persons=120, reason="thread test"), "ana", "XAA", NOW
    )
    case_id = opened.id
    assert opened.mmsi == MMSI  # a vessel flag's case carries the vessel
    cases.change_phase(db, case_id, ph.Phase.DISTRESS, "overcrowded, taking water", "ana", NOW + timedelta(minutes=5))
    cases.request_assistance(
        db, case_id, ph.AssistanceNeed.RESCUE, "ana", NOW + timedelta(minutes=10), asked_of="ships nearby", persons=120
    )
    number, text = cases.issue_sitrep(db, case_id, "ana", NOW + timedelta(minutes=20), to=["MRCC TEST"])
    cap = cases.issue_cap(db, case_id, "ana", NOW + timedelta(minutes=30))
    cases.close_case(db, case_id, ph.Conclusion.RESCUED, "120 rescued by MV TEST", "ana", NOW + timedelta(minutes=40))
    record_outcome(
        db,
        Outcome(
            case_id=case_id,
            outcome=OutcomeKind.DISEMBARKED,
            state="IDN",
            place_name="Sabang",
            outcome_at=NOW + timedelta(hours=14),
            persons_aboard=120,
            deaths=0,
            source="thread test",
        ),
        "first report",
        "ana",
        "XAA",
    )

    thread = case_thread(db, f"SEASIGHT-{case_id}")
    assert thread.case_id == case_id and thread.reference == f"SEASIGHT-{case_id}"
    assert (thread.status, thread.conclusion, thread.mmsi) == ("closed", "rescued", MMSI)
    # in time order: track -> flag -> case -> request -> SITREP -> CAP -> closure -> outcome
    times = [e.at for e in thread.entries]
    assert times == sorted(times)
    assert thread.stages() == ["track", "flag", "case", "request", "sitrep", "cap", "outcome"]
    assert set(thread.stages()) <= set(STAGES)
    # the track: the six fixes, oldest first, ending at the vessel's last report
    assert [f.at for f in thread.track] == sorted(r.observed_at for r in fixes)
    track = thread.entries[0]
    assert track.title == f"AIS track of MMSI {MMSI}: 6 fixes"
    assert "5.0 nm sailed" in track.detail  # 5 legs of 1/60 degree of longitude at 5.45N (WGS84)
    flag = next(e for e in thread.entries if e.stage == "flag")
    assert flag.ref == str(flag_id) and "went_dark" in flag.title and flag.at == NOW - timedelta(minutes=4)
    kinds = [e.title.split(" (by")[0] for e in thread.entries if e.stage == "case"]
    assert kinds == ["opened", "phase changed", "closed"]
    request = next(e for e in thread.entries if e.stage == "request")
    assert "request 1: rescue, 120 persons, asked of ships nearby" in request.detail
    sitrep = next(e for e in thread.entries if e.stage == "sitrep")
    assert sitrep.ref == str(number) and sitrep.text == text  # verbatim, as sent
    assert sitrep.text == cases.get_sitrep(db, case_id, number)["text"]
    cap_entry = next(e for e in thread.entries if e.stage == "cap")
    assert cap_entry.text == cap.xml and "Alert" in cap_entry.title
    outcome = thread.entries[-1]
    assert outcome.stage == "outcome" and outcome.title == "outcome v1: disembarked — Sabang"
    assert "120 aboard" in outcome.detail and outcome.at == NOW + timedelta(hours=14)
    assert not any(e.exercise for e in thread.entries)

    # the vessel lists its case and the case's outcome
    listed = cases_of_vessel(db, MMSI)
    assert [c["reference"] for c in listed] == [f"SEASIGHT-{case_id}"]
    assert listed[0]["outcome"] == {"outcome": "disembarked", "state": "IDN", "place": "Sabang"}
    assert listed[0]["conclusion"] == "rescued"
    assert cases_of_vessel(db, MMSI + 1) == []


def test_a_contacts_case_from_its_sighting_and_flag_with_options(db: psycopg.Connection) -> None:
    sighting_id = str(uuid.uuid4())
    write_sightings(
        db,
        [
            Sighting(
                id=sighting_id,
                observed_at=NOW - timedelta(minutes=30),
                lat=6.0,
                lon=95.5,
                uncertainty_nm=2.0,
                source_type="aircraft",
                craft_type="wooden_boat",
                persons_estimated=80,
                conditions=("overcrowded",),
                course_deg=90.0,
                speed_kn=4.0,
                ais_seen="no",
                confidence="high",
                note="thread test",
                is_exercise=False,
                owner="XAA",
                acted_by="pilot",
                received_at=NOW,
            )
        ],
    )
    contact = _flag(
        rule_id="distress",
        subject_kind=SubjectKind.CONTACT,
        mmsi=None,
        sighting_id=sighting_id,
        severity=Severity.DISTRESS,
        score=0.95,
        window_start=NOW - timedelta(minutes=30),
        window_end=NOW - timedelta(minutes=30),
        lat=6.0,
        lon=95.5,
        summary="overcrowded boat, no AIS",
    )
    store_flags(
        db,
        [contact],
        start=NOW - timedelta(hours=1),
        end=NOW,
        evaluated_mmsis=[],
        evaluated_rules=["distress"],
        evaluated_sightings=[sighting_id],
    )
    flag_id = _flag_id(db, "sighting_id = %s::uuid", sighting_id)
    opened = cases.open_case(db, cases.OpenCaseRequest(flag_id=flag_id, reason="thread test"), "ana", "XAA", NOW)
    options = {
        "responsible_state": "IDN",
        "options": [
            {
                "rank": 1,
                "port": "Sabang",
                "locode": "IDSBG",
                "state": "IDN",
                "sea_distance_nm": 98.4,
                "eta_hours": 12.3,
                "status": "candidate — not verified",
            }
        ],
    }
    thread = case_thread(db, str(opened.id), options=options, options_at=NOW + timedelta(minutes=15))
    assert thread.track == () and thread.mmsi is None
    assert thread.stages() == ["flag", "sighting", "case", "options"]
    sighting = next(e for e in thread.entries if e.stage == "sighting")
    assert sighting.ref == sighting_id and "aircraft" in sighting.title and "80 persons" in sighting.title
    assert "overcrowded" in sighting.detail
    placed = thread.entries[-1]
    assert placed.stage == "options" and placed.at == NOW + timedelta(minutes=15)
    assert "1 option(s); responsible state IDN" in placed.title
    assert "1. Sabang (IDSBG, IDN) 98 nm by sea, ETA 12.3 h — candidate — not verified" in placed.detail
    with pytest.raises(ValueError, match="options_at"):
        case_thread(db, opened.id, options=options)


def test_references_and_a_case_another_state_may_not_read(db: psycopg.Connection, stack: RunningStack) -> None:
    opened = cases.open_case(
        db, cases.OpenCaseRequest(lat=-35.0, lon=-25.0, persons=5, reason="thread test"), "ana", "XAA", NOW
    )
    for ref in (f"SEASIGHT-{opened.id}", f"seasight-{opened.id}", f" {opened.id} ", opened.id):
        assert case_thread(db, ref).case_id == opened.id
    with pytest.raises(InvalidInputError, match="not a case reference"):
        case_thread(db, "SEA-1")
    with pytest.raises(CaseNotFoundError):
        case_thread(db, "SEASIGHT-999999999")
    # another state's coordinator, in the same (uncommitted) transaction: the database hides the case
    # (set_config local to the transaction: seasight.accounts.sign_in would commit the case)
    from seasight.accounts import TOKEN_SETTING

    token = account_token(stack, "thread-bea", "XBB")
    db.execute("SELECT set_config(%s, %s, true)", (TOKEN_SETTING, token))
    with pytest.raises(CaseNotFoundError):
        case_thread(db, opened.id)
