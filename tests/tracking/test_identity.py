from __future__ import annotations

from datetime import timedelta

import pytest

from tests.tracking.tracks import T0, line, window
from tracking.rules.identity import (
    IdentityChangeParameters,
    SpoofingParameters,
    flag_changes,
    identity_changes,
    invalid_mmsi,
    position_jumps,
)
from tracking.rules.model import IdentityReport, Severity, TrackPoint, TrackWindow

MMSI = 567001234
SP = SpoofingParameters()


def test_a_jump_faster_than_50_kn_is_impossible() -> None:
    pts = line(MMSI, 13.0, 100.0, course=180, speed_kn=10, every=timedelta(minutes=6), count=5)
    jump = TrackPoint(MMSI, pts[-1].observed_at + timedelta(minutes=6), pts[-1].lat - 0.5, pts[-1].lon, 10.0)
    flags = position_jumps(window(pts + [jump]), SP)
    assert [f.rule_id for f in flags] == ["impossible_speed"]
    f = flags[0]
    assert f.severity is Severity.MEDIUM  # any impossible jump misplaces the vessel: at least medium
    assert f.evidence["distance_nm"] == pytest.approx(30.0, abs=0.5)
    assert f.evidence["implied_speed_kn"] == pytest.approx(300, abs=5)
    assert f.window_start == pts[-1].observed_at


def test_repeated_jumps_are_medium() -> None:
    pts = line(MMSI, 13.0, 100.0, course=180, speed_kn=10, every=timedelta(minutes=6), count=5)
    t = pts[-1].observed_at
    far = TrackPoint(MMSI, t + timedelta(minutes=6), pts[-1].lat - 0.5, pts[-1].lon, 10.0)
    further = TrackPoint(MMSI, t + timedelta(minutes=12), pts[-1].lat - 1.0, pts[-1].lon, 10.0)
    flags = position_jumps(window([*pts, far, further]), SP)
    assert [(f.rule_id, f.severity) for f in flags] == [("impossible_speed", Severity.MEDIUM)] * 2
    assert all("2 jumps in this window" in f.summary for f in flags)


def test_fast_but_possible_is_not_flagged() -> None:
    pts = line(MMSI, 13.0, 100.0, course=180, speed_kn=45, every=timedelta(minutes=6), count=20)
    assert position_jumps(window(pts), SP) == []


def test_gps_jitter_between_close_fixes_is_not_flagged() -> None:
    # 200 m apart 2 s apart is "194 kn" but shorter than the 1 nm jump tolerance
    a = TrackPoint(MMSI, T0, 13.0, 100.0, 0.1)
    b = TrackPoint(MMSI, T0 + timedelta(seconds=2), 13.0018, 100.0, 0.1)
    assert position_jumps(TrackWindow.of([a, b]), SP) == []


def test_sar_aircraft_may_fly_fast() -> None:
    pts = line(111525123, 6.0, 95.0, course=90, speed_kn=140, every=timedelta(minutes=1), count=10, msg_type=9)
    assert position_jumps(window(pts), SP) == []


def test_one_mmsi_alternating_between_two_places() -> None:
    here = line(MMSI, 13.0, 100.0, course=0, speed_kn=5, every=timedelta(minutes=10), count=6)
    there = line(
        MMSI,
        7.0,
        98.0,
        course=90,
        speed_kn=8,
        every=timedelta(minutes=10),
        count=6,
        start=T0 + timedelta(minutes=5),
    )
    flags = position_jumps(TrackWindow.of(here + there), SP)
    assert [f.rule_id for f in flags] == ["two_places"]
    f = flags[0]
    assert f.severity is Severity.HIGH
    assert f.evidence["alternations"] >= 3
    assert f.evidence["separation_nm"] == pytest.approx(375, abs=10)


def test_invalid_mmsi_sending_vessel_reports() -> None:
    pts = line(123456789, 13.0, 100.0, course=0, speed_kn=5, every=timedelta(minutes=10), count=3)
    flags = invalid_mmsi(window(pts))
    assert len(flags) == 1 and "placeholder" in flags[0].summary
    unallocated = line(199000001, 13.0, 100.0, course=0, speed_kn=5, every=timedelta(minutes=10), count=3)
    assert invalid_mmsi(window(unallocated))[0].evidence["station_kind"] == "invalid"


@pytest.mark.parametrize("mmsi", [567001234, 970012345, 985251234])
def test_valid_vessel_identities_are_not_flagged(mmsi: int) -> None:
    pts = line(mmsi, 13.0, 100.0, course=0, speed_kn=5, every=timedelta(minutes=10), count=3)
    assert invalid_mmsi(window(pts)) == []


def report(
    hours: float,
    name: str | None = None,
    callsign: str | None = None,
    imo: int | None = None,
    mmsi: int = MMSI,
) -> IdentityReport:
    return IdentityReport(mmsi=mmsi, observed_at=T0 + timedelta(hours=hours), name=name, callsign=callsign, imo=imo)


def test_name_change_is_low_and_two_changes_are_medium() -> None:
    one = identity_changes(
        MMSI, [report(0, "SEA STAR", "HSAB2"), report(5, "OCEAN GLORY", "HSAB2")], IdentityChangeParameters()
    )
    assert len(one) == 1 and one[0].severity is Severity.LOW
    assert one[0].evidence["changes"][0] == {
        "field": "name",
        "from": "SEA STAR",
        "to": "OCEAN GLORY",
        "at": (T0 + timedelta(hours=5)).isoformat(),
        "previous_at": T0.isoformat(),
    }
    assert one[0].window_start == T0 + timedelta(hours=5)
    two = identity_changes(
        MMSI, [report(0, "SEA STAR", "HSAB2"), report(5, "OCEAN GLORY", "HSZZ9")], IdentityChangeParameters()
    )
    assert two[0].severity is Severity.MEDIUM and len(two[0].evidence["changes"]) == 2


def test_imo_change_is_medium() -> None:
    flags = identity_changes(MMSI, [report(0, imo=9123456), report(1, imo=9654321)], IdentityChangeParameters())
    assert flags[0].severity is Severity.MEDIUM


def test_padding_case_and_missing_fields_are_not_changes() -> None:
    reports = [
        report(0, "SEA STAR@@@@@@@@", "HSAB2"),
        report(1, "sea  star", None),
        report(2, None, "hsab2 "),
        report(3, "SEA STAR", "HSAB2", imo=None),
    ]
    assert identity_changes(MMSI, reports, IdentityChangeParameters()) == []


def test_imo_reflagged_to_another_state() -> None:
    reports = [
        report(0, "SEA STAR", imo=9123456, mmsi=567001234),
        report(30, "SEA STAR", imo=9123456, mmsi=572009876),
    ]
    flags = flag_changes(reports)
    assert len(flags) == 1
    f = flags[0]
    assert f.mmsi == 572009876
    assert [x["flag"] for x in f.evidence["flags"]] == ["TH", "TV"]
    assert "TH (MMSI 567001234) → TV (MMSI 572009876)" in f.summary


def test_same_imo_same_flag_is_not_a_flag_change() -> None:
    reports = [report(0, imo=9123456, mmsi=567001234), report(30, imo=9123456, mmsi=567009999)]
    assert flag_changes(reports) == []
