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
def test_not_under_command_or_aground_offshore_is_at_most_medium(status: int, word: str) -> None:
    # Navigational status alone (set by hand, often left on by ships waiting offshore) is never distress.
    pts = line(SHIP, 9.5, 97.0, course=0, speed_kn=0.5, every=timedelta(minutes=5), count=4, nav_status=status)
    flags = distress(window(pts), P, distance_to_shore=constant_shore(40))
    assert len(flags) == 1 and word in flags[0].summary
    assert flags[0].rule_id == "distress_status" and flags[0].severity is Severity.MEDIUM


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


def ship(count: int = 6) -> TrackWindow:
    return window(line(SHIP, 9.5, 97.0, course=0, speed_kn=0.3, every=timedelta(minutes=5), count=count))


def test_mayday_sinking_text_is_distress_with_the_persons_on_board() -> None:
    texts = [SafetyText(SHIP, T0 + timedelta(minutes=7), "MAYDAY SINKING 30 POB")]
    (f,) = distress(ship(), P, texts=texts)
    assert f.rule_id == "distress" and f.severity is Severity.DISTRESS and f.score == 1.0
    assert f.evidence["persons_on_board"] == 30 and f.evidence["words"] == ["MAYDAY", "SINKING"]
    assert f.window_start == T0 + timedelta(minutes=7)
    assert "30 persons on board" in f.summary and "MAYDAY SINKING 30 POB" in f.summary
    # the position is the ship's report nearest the text
    assert (f.lat, f.lon) == (ship().points[1].lat, ship().points[1].lon)


@pytest.mark.parametrize(
    ("text", "pob"),
    [
        ("sos taking water pob 12", 12),
        ("MAYDAY RELAY FISHING BOAT SINKING", None),
        ("ABANDONING SHIP 45 PERSONS", 45),
        ("Man overboard pos 09-30N 097-00E", None),
        ("mayday, mayday, mayday. POB: 7", 7),
    ],
)
def test_distress_words_in_free_text(text: str, pob: int | None) -> None:
    (f,) = distress(ship(), P, texts=[SafetyText(SHIP, T0, text, msg_type=12)])
    assert f.rule_id == "distress" and f.severity is Severity.DISTRESS
    assert f.evidence["persons_on_board"] == pob
    assert f.evidence["texts"][0]["msg_type"] == 12


def test_pan_pan_is_urgency_not_distress() -> None:
    texts = [SafetyText(SHIP, T0, "PAN PAN ENGINE FAILURE DRIFTING 15 POB")]
    (f,) = distress(ship(), P, texts=texts)
    assert f.rule_id == "urgency" and f.severity is Severity.HIGH
    assert f.evidence["persons_on_board"] == 15


def test_words_inside_other_words_tests_and_ordinary_texts_raise_nothing() -> None:
    texts = [
        SafetyText(SHIP, T0, "SOSPAN HARBOUR SERVICES"),  # SOS only as part of a word
        SafetyText(SHIP, T0, "PANAMA PANORAMA"),
        SafetyText(SHIP, T0, "MAYDAY TEST PLEASE IGNORE"),
        SafetyText(SHIP, T0, "DRILL: PAN PAN"),
        SafetyText(SHIP, T0, "NAVIGATIONAL WARNING: WRECK SINKING BUOY OFF STATION TEST"),
        SafetyText(SHIP, T0, "ALL WELL 20 PERSONS ON BOARD"),
    ]
    assert distress(ship(), P, texts=texts) == []


def test_a_distress_text_without_any_position_report_is_placed_where_the_text_says() -> None:
    empty = TrackWindow(SHIP, T0, T0 + timedelta(hours=1), ())
    texts = [SafetyText(SHIP, T0 + timedelta(minutes=5), "MAYDAY", lat=-17.8, lon=179.9)]
    (f,) = distress(empty, P, texts=texts)
    assert f.severity is Severity.DISTRESS and (f.lat, f.lon) == (-17.8, 179.9)
