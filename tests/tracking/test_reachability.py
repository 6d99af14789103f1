from __future__ import annotations

from datetime import timedelta

import shapely

from tests.tracking.tracks import T0, constant_shore, line, window
from tracking.rules.model import Flag, Severity, SubjectKind, TrackWindow, Zone
from tracking.rules.reachability import ReachabilityParameters, reachability, top_speed_kn
from tracking.rules.went_dark import WentDarkParameters, went_dark

P = ReachabilityParameters()
DARK = 525007777


def dark_vessel(speed: float = 9.0, silent_h: float = 10.0) -> TrackWindow:
    pts = line(DARK, 10.0, 95.0, course=90, speed_kn=speed, every=timedelta(minutes=10), count=13)
    return window(pts, end=pts[-1].observed_at + timedelta(hours=silent_h))


def box(zone_id: int, name: str, kind: str, west: float, south: float, east: float, north: float) -> Zone:
    return Zone(zone_id, name, kind, shapely.box(west, south, east, north), state="TH")


def concern(w: TrackWindow, severity: Severity = Severity.MEDIUM) -> Flag:
    return Flag(
        "watchlist",
        1,
        SubjectKind.VESSEL,
        w.mmsi,
        None,
        severity,
        0.9,
        w.points[0].observed_at,
        w.points[-1].observed_at,
        None,
        None,
        "on the watchlist",
    )


def dark_flags(w: TrackWindow) -> list[Flag]:
    return went_dark(w, WentDarkParameters(), distance_to_shore=constant_shore(120.0))


# Last fix at about 10.0 N, 95.33 E. 9 kn x 10 h = 90 nm.
NEAR_WATCH = box(1, "Andaman watch", "watch", 96.5, 9.5, 97.0, 10.5)  # ~70 nm east
FAR_WATCH = box(2, "far watch", "watch", 99.0, 9.5, 99.5, 10.5)  # ~215 nm east
DEPARTURE = box(3, "departure", "departure_coast", 95.0, 11.0, 95.5, 11.2)  # ~60 nm north
COAST = Zone(9, "Thailand", "coast", shapely.box(96.8, 9.0, 100.0, 12.0), state="TH")


def test_dark_vessel_of_concern_names_the_zones_and_coasts_within_reach() -> None:
    w = dark_vessel()
    flags = [*dark_flags(w), concern(w)]
    (f,) = reachability(
        w, flags, P, zones=[NEAR_WATCH, FAR_WATCH, DEPARTURE], coasts=[COAST], distance_to_shore=constant_shore(120.0)
    )
    assert f.rule_id == "reachability" and f.mmsi == DARK and f.severity is Severity.HIGH
    ev = f.evidence
    assert ev["top_speed_kn"] == 9.0 and abs(ev["hours_silent"] - 10.0) < 1e-6
    assert abs(ev["reachable_radius_nm"] - 90.0) < 1e-6
    assert [z["name"] for z in ev["zones_in_reach"]] == ["departure", "Andaman watch"]
    assert [c["state"] for c in ev["coasts_in_reach"]] == ["TH"]
    assert ev["last_fix"]["t"] == w.points[-1].observed_at.isoformat()
    assert ev["shore_in_reach"] is False and ev["nearest_shore_nm"] == 120.0
    near = ev["zones_in_reach"][1]
    assert 60 < near["distance_nm"] < 80 and near["earliest_arrival"] > ev["last_fix"]["t"]
    assert f.window_start == w.points[-1].observed_at and f.window_end == w.end
    assert "Andaman watch" in f.summary and f.parameters["min_top_speed_kn"]["unit"] == "kn"


def test_only_a_departure_area_or_coast_within_reach_is_medium() -> None:
    w = dark_vessel()
    (f,) = reachability(w, [*dark_flags(w), concern(w)], P, zones=[DEPARTURE, FAR_WATCH])
    assert f.severity is Severity.MEDIUM
    (g,) = reachability(w, [*dark_flags(w), concern(w)], P, distance_to_shore=constant_shore(40.0))
    assert g.evidence["shore_in_reach"] is True and "coast 40 nm" in g.summary


def test_nothing_within_reach_no_flag() -> None:
    w = dark_vessel(silent_h=7.0)
    assert (
        reachability(w, [*dark_flags(w), concern(w)], P, zones=[FAR_WATCH], distance_to_shore=constant_shore(120.0))
        == []
    )


def test_a_dark_vessel_of_no_concern_is_not_projected() -> None:
    w = dark_vessel()
    low = [f for f in dark_flags(w)]
    assert low and all(f.severity < Severity.MEDIUM for f in low)  # no other vessel heard: low
    assert reachability(w, low, P, zones=[NEAR_WATCH]) == []
    assert reachability(w, [*low, concern(w, Severity.LOW)], P, zones=[NEAR_WATCH]) == []


def test_a_vessel_that_came_back_is_not_projected() -> None:
    w = dark_vessel(silent_h=0.0)
    assert reachability(w, [concern(w, Severity.HIGH)], P, zones=[NEAR_WATCH]) == []


def test_flags_of_other_vessels_do_not_make_it_of_concern() -> None:
    w = dark_vessel()
    other = Flag("watchlist", 1, SubjectKind.VESSEL, 111111111, None, Severity.HIGH, 0.9, T0, T0, None, None, "x")
    assert reachability(w, [*dark_flags(w), other], P, zones=[NEAR_WATCH]) == []


def test_top_speed_floor_cap_and_horizon() -> None:
    slow = dark_vessel(speed=1.0)
    assert top_speed_kn(slow, P)[0] == 6.0
    pts = line(DARK, 10.0, 95.0, course=90, speed_kn=8, every=timedelta(minutes=10), count=3)
    pts[1] = pts[1].__class__(**{**{s: getattr(pts[1], s) for s in pts[1].__slots__}, "sog_kn": 80.0})
    assert top_speed_kn(window(pts), P)[0] == 8.0  # the 80 kn report is implausible
    long = dark_vessel(silent_h=100.0)
    (f,) = reachability(long, [*dark_flags(long), concern(long)], P, zones=[NEAR_WATCH])
    assert f.evidence["hours_silent"] == 48.0 and f.evidence["reachable_radius_nm"] == 432.0


def test_a_silent_distress_beacon_is_not_projected() -> None:
    pts = line(970001234, 10.0, 95.0, course=90, speed_kn=1, every=timedelta(minutes=1), count=10, nav_status=14)
    w = window(pts, end=pts[-1].observed_at + timedelta(hours=8))
    high = Flag("distress", 1, SubjectKind.VESSEL, w.mmsi, None, Severity.DISTRESS, 1.0, T0, T0, None, None, "x")
    flags = [*went_dark(w, WentDarkParameters(), distance_to_shore=constant_shore(120.0)), high]
    assert any(f.rule_id == "went_dark" for f in flags)
    assert reachability(w, flags, P, zones=[NEAR_WATCH]) == []


def test_the_reach_grows_in_steps_so_the_flag_does_not_change_every_round() -> None:
    def at(silent_h: float) -> Flag:
        w = dark_vessel(silent_h=silent_h)
        (f,) = reachability(w, [*dark_flags(w), concern(w)], P, zones=[NEAR_WATCH])
        return f

    a, b = at(10.2), at(10.9)
    assert a.evidence == b.evidence and a.window_end == b.window_end
    assert a.evidence["hours_silent"] == 10.0 and a.window_end == a.window_start + timedelta(hours=10)
    assert at(11.0).evidence["reachable_radius_nm"] == 99.0
    fine = ReachabilityParameters(step_h=0.1)
    w = dark_vessel(silent_h=10.25)
    (f,) = reachability(w, [*dark_flags(w), concern(w)], fine, zones=[NEAR_WATCH])
    assert f.evidence["hours_silent"] == 10.2
