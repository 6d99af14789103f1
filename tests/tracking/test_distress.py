from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from tests.tracking.tracks import T0, constant_shore, line, window
from tracking.rules.distress import DistressParameters, distress
from tracking.rules.model import SafetyText, Severity, TrackWindow

P = DistressParameters()
SART, MOB, EPIRB = 970012345, 972012345, 974012345
SHIP = 525012345


def device(mmsi: int, nav_status: int | None = 14) -> TrackWindow:
    return window(
        line(
            mmsi,
            9.5,
            97.0,
            course=45,
            speed_kn=0.7,
            every=timedelta(minutes=1),
            count=8,
            nav_status=nav_status,
        )
    )


@pytest.mark.parametrize(("mmsi", "word"), [(SART, "AIS-SART"), (MOB, "MOB"), (EPIRB, "EPIRB")])
def test_distress_devices_always_raise_distress(mmsi: int, word: str) -> None:
    flags = distress(device(mmsi), P)
    assert len(flags) == 1
    f = flags[0]
    assert f.rule_id == "distress" and f.severity is Severity.DISTRESS and f.score == 1.0
    assert word in f.summary and "ACTIVE" in f.summary
    assert f.window_start == T0


def test_device_without_status_or_text_is_treated_as_active() -> None:
    assert distress(device(SART, nav_status=None), P)[0].severity is Severity.DISTRESS


def test_device_in_test_mode_is_info_not_distress() -> None:
    texts = [SafetyText(SART, T0, "SART TEST")]
    flags = distress(device(SART, nav_status=15), P, texts=texts)
    assert [(f.rule_id, f.severity) for f in flags] == [("distress_device_test", Severity.INFO)]


def test_test_text_with_active_status_is_still_distress() -> None:
    texts = [SafetyText(SART, T0, "SART TEST")]
    assert distress(device(SART, nav_status=14), P, texts=texts)[0].severity is Severity.DISTRESS


def test_mixed_test_and_active_texts_is_distress() -> None:
    texts = [SafetyText(SART, T0, "SART TEST"), SafetyText(SART, T0 + timedelta(minutes=3), "SART ACTIVE")]
    assert distress(device(SART, nav_status=15), P, texts=texts)[0].severity is Severity.DISTRESS


def test_safety_text_sart_active_from_a_ship_mmsi() -> None:
    pts = line(SHIP, 9.5, 97.0, course=0, speed_kn=0.2, every=timedelta(minutes=5), count=4)
    texts = [SafetyText(SHIP, T0 + timedelta(minutes=6), "MOB ACTIVE"), SafetyText(999, T0, "SART ACTIVE")]
    flags = distress(window(pts), P, texts=texts)
    assert len(flags) == 1
    assert flags[0].severity is Severity.DISTRESS and '"MOB ACTIVE"' in flags[0].summary
    assert flags[0].window_start == T0 + timedelta(minutes=6)


def test_ordinary_safety_text_is_not_distress() -> None:
    pts = line(SHIP, 9.5, 97.0, course=0, speed_kn=10, every=timedelta(minutes=5), count=4)
    texts = [
        SafetyText(SHIP, T0, "NAVIGATIONAL WARNING: BUOY OFF STATION"),
        SafetyText(SHIP, T0, "SART TEST"),
    ]
    assert distress(window(pts), P, texts=texts) == []


@pytest.mark.parametrize(("status", "word"), [(2, "not under command"), (6, "aground")])
def test_not_under_command_or_aground_offshore(status: int, word: str) -> None:
    pts = line(SHIP, 9.5, 97.0, course=0, speed_kn=0.5, every=timedelta(minutes=5), count=4, nav_status=status)
    flags = distress(window(pts), P, distance_to_shore=constant_shore(40))
    assert len(flags) == 1 and flags[0].severity is Severity.DISTRESS and word in flags[0].summary


def test_not_under_command_near_shore_is_not_distress() -> None:
    pts = line(SHIP, 9.5, 97.0, course=0, speed_kn=0.5, every=timedelta(minutes=5), count=4, nav_status=2)
    assert distress(window(pts), P, distance_to_shore=constant_shore(3)) == []


def test_a_single_not_under_command_report_is_not_enough() -> None:
    pts = line(SHIP, 9.5, 97.0, course=0, speed_kn=10, every=timedelta(minutes=5), count=4, nav_status=0)
    odd = [pts[0], replace(pts[1], nav_status=2), pts[2], pts[3]]
    assert distress(window(odd), P, distance_to_shore=constant_shore(40)) == []


def test_under_way_ship_is_not_in_distress() -> None:
    pts = line(SHIP, 9.5, 97.0, course=0, speed_kn=10, every=timedelta(minutes=5), count=10)
    assert distress(window(pts), P, distance_to_shore=constant_shore(40)) == []


def test_sart_active_text_without_any_position_report_still_raises_distress() -> None:
    empty = TrackWindow(SART, T0, T0 + timedelta(hours=1), ())
    texts = [SafetyText(SART, T0 + timedelta(minutes=5), "SART ACTIVE", lat=9.5, lon=97.0)]
    flags = distress(empty, P, texts=texts)
    assert len(flags) == 1 and flags[0].severity is Severity.DISTRESS
    assert (flags[0].lat, flags[0].lon) == (9.5, 97.0)
