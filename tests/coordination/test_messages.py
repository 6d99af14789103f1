"""SITREP text checked line by line (IAMSAR Vol. II Appendix D) and CAP 1.2 XML validated against the
OASIS CAP 1.2 XSD kept in coordination/standards/."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from coordination.cap import CAP_NS, CapReference, MsgType, build_cap, validate_cap
from coordination.errors import CapValidationError, InvalidInputError
from coordination.phases import Conclusion, Phase
from coordination.report import CaseReport, ResponsibleRcc, SearchAreaSummary
from coordination.sitrep import SitrepHeader, date_time_group, format_position, sitrep_lines

T = datetime(2026, 11, 23, 13, 5, tzinfo=UTC)
RCC = ResponsibleRcc("IDN-JKT", "Jakarta SRR (indicative)", "JRCC Jakarta", "IDN", "+62 21 0000", "rcc@example.org")
AREA = SearchAreaSummary(
    5.5,
    95.25,
    3.5,
    ((95.2, 5.45), (95.3, 5.45), (95.3, 5.55), (95.2, 5.55), (95.2, 5.45)),
    datetime(2026, 11, 23, 12, 30, tzinfo=UTC),  # computed at 12:30 for a datum at 12:00
    datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
)


def sample(**changes: object) -> CaseReport:
    base = CaseReport(
        case_id=42,
        reference="SEASIGHT-42",
        exercise=False,
        phase=Phase.DISTRESS,
        opened_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        lkp_lat=5.5,
        lkp_lon=95.2583,
        lkp_time=datetime(2026, 11, 23, 8, 30, tzinfo=UTC),
        craft="wooden_boat",
        persons=63,
        source="NGO hotline",
        casualty="wooden boat, no AIS",
        situation="taking water, engine failure",
        rcc=RCC,
        owner="IDN",
        actions_taken=("230915Z Dispatch SAR facilities",),
        search_area=AREA,
        weather="WIND 270/20 KN",
        assistance_required="ships to proceed and assist",
        coordinating_instructions="OSC is KRI Example",
        future_plans="air search at first light",
        additional_info="",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_position_and_dtg_formats() -> None:
    assert format_position(5.5, 95.2583) == "05 30.0N 095 15.5E"
    assert format_position(-8.75, -0.5) == "08 45.0S 000 30.0W"
    assert format_position(0.99999, 10.0) == "01 00.0N 010 00.0E"  # 59.9994' rounds up to the next degree
    assert date_time_group(T) == "231305Z NOV 26"


def test_short_form_line_by_line() -> None:
    lines = sitrep_lines(sample(), SitrepHeader(1, T, ("MRCC Kuala Lumpur",)))
    assert lines == [
        "DISTRESS",
        "DTG 231305Z NOV 26",
        "FROM JRCC Jakarta",
        "TO MRCC Kuala Lumpur",
        "SAR SITREP 1 SEASIGHT-42",
        "A. IDENTITY OF CASUALTY: wooden boat, no AIS",
        "B. POSITION: 05 30.0N 095 15.5E AT 230830Z NOV 26",
        "C. SITUATION: DISTRESS PHASE (DETRESFA). taking water, engine failure. REPORTED BY NGO hotline",
        "D. NUMBER OF PERSONS: 63",
        "E. ASSISTANCE REQUIRED: ships to proceed and assist",
        "F. CO-ORDINATING RCC: JRCC Jakarta (IDN)",
    ]


def test_full_form_adds_g_to_n_without_i() -> None:
    lines = sitrep_lines(sample(), SitrepHeader(2, T), full=True)
    assert lines[4] == "SAR SITREP 2 SEASIGHT-42"
    assert lines[3] == "TO ALL CONCERNED"
    assert lines[11:] == [
        "G. DESCRIPTION OF CASUALTY: WOODEN BOAT",
        "H. WEATHER ON SCENE: WIND 270/20 KN",
        "J. INITIAL ACTIONS TAKEN: 230915Z Dispatch SAR facilities",
        "K. SEARCH AREA: DATUM 05 30.0N 095 15.0E AT 231200Z NOV 26 (DRIFT FROM LKP OF 230830Z NOV 26), "
        "RADIUS 3.5 NM, CORNERS 05 27.0N 095 12.0E, 05 27.0N 095 18.0E, 05 33.0N 095 18.0E, 05 33.0N 095 12.0E; "
        "COMPUTED 231230Z NOV 26",
        "L. CO-ORDINATING INSTRUCTIONS: OSC is KRI Example",
        "M. FUTURE PLANS: air search at first light",
        "N. ADDITIONAL INFORMATION: NIL",
    ]
    assert [ln[:2] for ln in lines[5:]] == [
        "A.",
        "B.",
        "C.",
        "D.",
        "E.",
        "F.",
        "G.",
        "H.",
        "J.",
        "K.",
        "L.",
        "M.",
        "N.",
    ]


def test_exercise_sitrep_marks_every_line_and_final() -> None:
    closed = sample(
        exercise=True,
        phase=Phase.ALERT,
        persons=None,
        conclusion=Conclusion.RESCUED,
        closed_at=T,
        conclusion_summary="all rescued by MV Example",
    )
    lines = sitrep_lines(closed, SitrepHeader(3, T, final=True), full=True)
    assert lines[0] == lines[-1] == "EXERCISE EXERCISE EXERCISE"
    assert all(ln.startswith("EXERCISE") for ln in lines)
    assert lines[1] == "EXERCISE URGENCY"
    assert lines[5] == "EXERCISE SAR SITREP 3 FINAL SEASIGHT-42"
    assert "EXERCISE D. NUMBER OF PERSONS: UNKNOWN" in lines
    assert (
        lines[-2]
        == "EXERCISE N. ADDITIONAL INFORMATION: CASE CLOSED AT 231305Z NOV 26: RESCUED. all rescued by MV Example"
    )
    assert "EXERCISE E. ASSISTANCE REQUIRED: NIL, CASE CLOSED" in lines
    with pytest.raises(InvalidInputError, match="SITREP number"):
        SitrepHeader(0, T)


def _parse(xml: str) -> ET.Element:
    return ET.fromstring(xml.encode())


def _text(root: ET.Element, path: str) -> str | None:
    el = root.find(path, {"c": CAP_NS})
    return None if el is None else el.text


def test_cap_alert_is_valid_and_follows_the_phase() -> None:
    msg = build_cap(sample(), "seasight.idn", T, 1)
    validate_cap(msg.xml)
    root = _parse(msg.xml)
    assert msg.msg_type is MsgType.ALERT
    assert _text(root, "c:identifier") == "SEASIGHT-42.1"
    assert _text(root, "c:sent") == "2026-11-23T13:05:00+00:00"
    assert _text(root, "c:status") == "Actual"
    assert _text(root, "c:scope") == "Restricted"
    assert _text(root, "c:restriction")
    assert _text(root, "c:references") is None
    assert [_text(root, f"c:info/c:{k}") for k in ("urgency", "severity", "certainty")] == [
        "Immediate",
        "Extreme",
        "Observed",
    ]
    assert _text(root, "c:info/c:area/c:circle") == "5.50000,95.25000 6.48"  # 3.5 nm = 6.482 km
    polygon = _text(root, "c:info/c:area/c:polygon") or ""
    pts = polygon.split(" ")
    assert pts[0] == pts[-1] == "5.45000,95.20000" and len(pts) == 5


@pytest.mark.parametrize(
    ("phase", "codes"),
    [
        (Phase.UNCERTAINTY, ["Future", "Moderate", "Possible"]),
        (Phase.ALERT, ["Expected", "Severe", "Likely"]),
    ],
)
def test_cap_codes_per_phase_and_lkp_area_without_search_area(phase: Phase, codes: list[str]) -> None:
    msg = build_cap(sample(phase=phase, search_area=None), "seasight.idn", T, 1)
    validate_cap(msg.xml)
    root = _parse(msg.xml)
    assert [_text(root, f"c:info/c:{k}") for k in ("urgency", "severity", "certainty")] == codes
    assert _text(root, "c:info/c:area/c:circle") == "5.50000,95.25830 18.52"


def test_cap_update_and_cancel_reference_earlier_messages_and_exercise_status() -> None:
    first = CapReference("seasight.idn", "SEASIGHT-42.1", datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    second = CapReference("seasight.idn", "SEASIGHT-42.2", datetime(2026, 11, 23, 11, 0, tzinfo=UTC))
    upd = build_cap(sample(exercise=True), "seasight.idn", T, 3, [first, second])
    validate_cap(upd.xml)
    root = _parse(upd.xml)
    assert _text(root, "c:msgType") == "Update"
    assert _text(root, "c:status") == "Exercise"
    assert _text(root, "c:references") == (
        "seasight.idn,SEASIGHT-42.1,2026-11-23T10:00:00+00:00 seasight.idn,SEASIGHT-42.2,2026-11-23T11:00:00+00:00"
    )
    assert (_text(root, "c:info/c:headline") or "").startswith("EXERCISE ")
    cancel = build_cap(sample(closed_at=T, conclusion=Conclusion.LOCATED_SAFE), "seasight.idn", T, 4, [first, second])
    validate_cap(cancel.xml)
    croot = _parse(cancel.xml)
    assert _text(croot, "c:msgType") == "Cancel"
    assert _text(croot, "c:info/c:urgency") == "Past"
    with pytest.raises(InvalidInputError, match="Cancel needs"):
        build_cap(sample(closed_at=T, conclusion=Conclusion.LOST), "seasight.idn", T, 1)


def test_validator_rejects_a_broken_message() -> None:
    xml = build_cap(sample(), "seasight.idn", T, 1).xml
    with pytest.raises(CapValidationError, match="scope"):
        validate_cap(xml.replace("<scope>Restricted</scope>", "<scope>Secret</scope>"))
    with pytest.raises(CapValidationError, match="sent"):
        validate_cap(xml.replace("2026-11-23T13:05:00+00:00", "2026-11-23T13:05:00Z"))
    with pytest.raises(InvalidInputError, match="sender"):
        build_cap(sample(), "bad sender", T, 1)


def test_the_cap_schema_is_the_recorded_oasis_file() -> None:
    """The XSD every alert is validated against is the OASIS CAP 1.2 schema recorded in standards/README.md."""
    import hashlib
    from importlib import resources

    folder = resources.files("coordination").joinpath("standards")
    data = folder.joinpath("CAP-v1.2-schema.xsd").read_bytes()
    recorded = folder.joinpath("README.md").read_text(encoding="utf-8")
    assert data.startswith(b"<!--  Copyright OASIS Open 2010")
    assert hashlib.sha256(data).hexdigest() in recorded
