"""SITREP golden files (IAMSAR Vol. II SITREP format): the short form (A–F) and the full form (A–N) of a
distress case with every item filled from its own log — requests for assistance (E), actions (J), the
datum at its own time (K), assignments and the coordinator's texts (G, H, L, M, N) — and the final
exercise SITREP of the same case closed. The log is built with the same pure commands the CLI runs.

The golden files in ``golden/`` were read line by line against the format; a change to a SITREP's text
shows here as a diff. To review a deliberate change, print ``sitrep_text(...)`` of the failing case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from coordination import phases as ph
from coordination.cases import CaseRecord, case_report, search_area_event
from coordination.drift import DriftInput, DriftParameters, compute_drift
from coordination.report import ResponsibleRcc
from coordination.sitrep import SitrepHeader, sitrep_text

GOLDEN = Path(__file__).parent / "golden"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # case opened
LKP_TIME = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
LKP = (5.45, 94.25)  # some 60 nm west of Aceh
RCC = ResponsibleRcc("TST-IDN", "Test SRR (indicative)", "TEST RCC JAKARTA", "IDN")


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _record(exercise: bool = False, closed: bool = False) -> CaseRecord:
    """The case, its log folded after each command exactly as coordination.cases does."""
    events: list[ph.CaseEvent] = [
        ph.open_event(ph.Phase.ALERT, "ana", T0, "boat reported overdue", {"persons": 120, "rcc": RCC.rcc_name})
    ]

    def do(command: object) -> None:
        assert isinstance(command, ph.CaseEvent)
        events.append(command)

    def state() -> ph.CaseState:
        return ph.replay(events)

    do(ph.change_phase(state(), ph.Phase.DISTRESS, "boat taking water", "ana", _at(20)))
    do(ph.record_action(state(), "dispatch_sar_facilities", "ana", _at(25)))
    do(ph.record_action(state(), "distress_relay", "ana", _at(30)))
    do(ph.CaseEvent(ph.EventKind.ASSIGNED, _at(35), "ana", {"role": "SMC", "name": "TEST RCC JAKARTA DUTY OFFICER"}))
    do(ph.CaseEvent(ph.EventKind.ASSIGNED, _at(40), "ana", {"role": "OSC", "name": "MV EXAMPLE STAR"}))
    do(ph.CaseEvent(ph.EventKind.ASSIGNED, _at(45), "ana", {"role": "SRU", "name": "KN EXAMPLE 1"}))
    do(ph.CaseEvent(ph.EventKind.ASSIGNED, _at(46), "ana", {"role": "SRU", "name": "KN EXAMPLE 2"}))
    need = ph.AssistanceNeed
    do(
        ph.request_assistance(
            state(), need.RESCUE, "boat taking water, engine failed", "all ships within 50 NM", 120, "ana", _at(50)
        )
    )
    do(
        ph.request_assistance(
            state(), need.MEDICAL_EVACUATION, "pregnant woman in labour", "TEST RCC helicopter", 1, "ana", _at(55)
        )
    )
    do(ph.request_assistance(state(), need.WATER_AND_FOOD, "", "MV EXAMPLE STAR", 120, "ana", _at(56)))
    do(ph.end_assistance(state(), 3, "met", "MV EXAMPLE STAR passed water and food", "ben", _at(150)))
    params = DriftParameters()
    datum_time = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    drift = compute_drift(DriftInput(*LKP, LKP_TIME, datum_time, "wooden_boat", 225.0, 15.0, 90.0, 0.5), params)
    do(search_area_event(drift, "wooden_boat", 225.0, 15.0, 90.0, 0.5, datum_time, params, "ana", _at(245)))
    items = {
        "G": "15 m wooden hull painted blue, no life-saving appliances",
        "H": "sea state 4, swell 2 m from SW, visibility 5 NM",
        "L": "OSC reports every hour on VHF 16; SRUs search in parallel sweeps",
        "M": "air search at first light; disembarkation at the nearest place of safety",
        "N": "boat first reported by fishers at 230800Z",
    }
    for letter, text in items.items():
        do(ph.set_sitrep_item(state(), letter, text, "ana", _at(250)))
    do(ph.CaseEvent(ph.EventKind.MESSAGE_SENT, _at(255), "ana", {"format": "sitrep", "number": 1, "final": False}))
    if closed:
        do(ph.end_assistance(state(), 1, "met", "120 persons aboard MV EXAMPLE STAR", "ben", _at(400)))
        do(ph.end_assistance(state(), 2, "met", "evacuated by helicopter", "ben", _at(401)))
        do(ph.close_case(state(), ph.Conclusion.RESCUED, "120 rescued by MV EXAMPLE STAR", "ben", _at(420)))
    ring = drift.search_area_ring
    return CaseRecord(
        id=77,
        origin_kind="manual",
        mmsi=None,
        sighting_id=None,
        flag_id=None,
        lkp_lat=LKP[0],
        lkp_lon=LKP[1],
        lkp_time=LKP_TIME,
        craft="wooden_boat",
        persons=120,
        source="NGO hotline",
        casualty="wooden boat, no AIS",
        situation="engine failure, taking water",
        exercise=exercise,
        owner="IDN",
        rcc=RCC,
        datum=(drift.datum.lat, drift.datum.lon),
        search_radius_nm=drift.search_radius_nm,
        search_area_ring=ring,
        search_area_at=_at(245),
        events=tuple(events),
        state=ph.replay(events),
        event_seqs=tuple(range(1, len(events) + 1)),
    )


CASES: dict[str, tuple[Callable[[], CaseRecord], SitrepHeader, bool]] = {
    "sitrep_short.txt": (_record, SitrepHeader(2, _at(260), ("MRCC EXAMPLE", "JRCC EXAMPLE")), False),
    "sitrep_full.txt": (_record, SitrepHeader(2, _at(260), ("MRCC EXAMPLE",)), True),
    "sitrep_full_exercise_final.txt": (
        lambda: _record(exercise=True, closed=True),
        SitrepHeader(2, _at(430), final=True),
        True,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sitrep_matches_its_golden_file(name: str) -> None:
    build, header, full = CASES[name]
    text = sitrep_text(case_report(build()), header, full)
    assert text == (GOLDEN / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_item_is_filled(name: str) -> None:
    build, header, full = CASES[name]
    lines = sitrep_text(case_report(build()), header, full).splitlines()
    items = [ln.removeprefix("EXERCISE ") for ln in lines if ln.removeprefix("EXERCISE ")[1:3] == ". "]
    assert [ln[0] for ln in items] == list("ABCDEFGHJKLMN" if full else "ABCDEF")
    assert not [ln for ln in items if ln.endswith(": NIL")]


def test_item_e_is_never_nil_for_people_in_distress() -> None:
    record = _record()
    distress_no_request = replace(case_report(record), requests=())
    line = sitrep_text(distress_no_request, SitrepHeader(1, _at(60))).splitlines()[9]
    assert line == (
        "E. ASSISTANCE REQUIRED: IMMEDIATE ASSISTANCE FOR 120 PERSONS IN DISTRESS (GRAVE AND IMMINENT DANGER); "
        "NO SPECIFIC REQUEST RECORDED YET"
    )
    alert = replace(distress_no_request, phase=ph.Phase.ALERT)
    assert sitrep_text(alert, SitrepHeader(1, _at(60))).splitlines()[9] == "E. ASSISTANCE REQUIRED: NIL"


def test_item_k_carries_the_datum_time_not_the_time_it_was_computed() -> None:
    report = case_report(_record())
    assert report.search_area is not None
    assert report.search_area.datum_time == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert report.search_area.computed_at == _at(245)  # 13:05Z
    k = next(ln for ln in sitrep_text(report, SitrepHeader(2, _at(260)), True).splitlines() if ln.startswith("K."))
    assert " AT 231200Z NOV 26 (DRIFT FROM LKP OF 230830Z NOV 26)" in k and k.endswith("COMPUTED 231305Z NOV 26")
