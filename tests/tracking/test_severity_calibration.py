"""The severity table of docs/severity.md holds on hand-built events: every row is built here, run through
the rules, and its flags' severity held to the table (people before ships)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

import pytest

from tests.tracking.test_appeared_dark import neighbours, newcomer
from tests.tracking.test_encounter import sparse
from tests.tracking.test_motion import circling
from tests.tracking.tracks import T0, constant_shore, line, window
from tracking.detect import DetectionInput, RuleSet, evaluate
from tracking.rules.geo import destination
from tracking.rules.model import Contact, Flag, SafetyText, Severity, TrackPoint, TrackWindow
from tracking.rules.risk import RiskParameters, assess_all
from tracking.rules.went_dark import WentDarkParameters, went_dark

TABLE = Path(__file__).resolve().parents[2] / "docs" / "severity.md"
SHIP, SART = 525016001, 970016002
FAR_KM = lambda lat, lon: 100.0  # noqa: E731


def evaluated(
    windows: Sequence[TrackWindow],
    *,
    shore_nm: float = 60.0,
    texts: Sequence[SafetyText] = (),
    contacts: Sequence[Contact] = (),
) -> list[Flag]:
    start = min((w.start for w in windows), default=T0)
    end = max((w.end for w in windows), default=T0 + timedelta(hours=1))
    data = DetectionInput(start, end, tuple(windows), contacts=tuple(contacts), texts=tuple(texts))
    return evaluate(data, RuleSet(), distance_to_shore=constant_shore(shore_nm), distance_to_anchorage_km=FAR_KM)


def ship(nav_status: int | None = 0, speed: float = 0.3, count: int = 6) -> TrackWindow:
    return window(
        line(SHIP, 9.5, 97.0, course=0, speed_kn=speed, every=timedelta(minutes=5), count=count, nav_status=nav_status)
    )


def sighting(craft: str, persons: int | None, conditions: tuple[str, ...]) -> Contact:
    return Contact(
        "0d7e9a4c-3f1b-4c55-9a60-7d2f1b8e4a11", T0, -8.4, 111.9, 0.5, "aircraft", craft, persons, conditions, "no"
    )


def dark(silence_h: float, *, every_min: int = 10, neighbours_heard: int = 2) -> list[Flag]:
    """A vessel at 10 kn for 2 h, silent ``silence_h``, then heard again; other vessels heard every 10 min
    near where it fell silent all the while (same feed)."""
    before = line(
        SHIP, 10.0, 95.0, course=90, speed_kn=10, every=timedelta(minutes=every_min), count=120 // every_min + 1
    )
    last = before[-1]
    after = line(
        SHIP,
        last.lat,
        last.lon + 0.5,
        course=90,
        speed_kn=10,
        every=timedelta(minutes=10),
        count=6,
        start=last.observed_at + timedelta(hours=silence_h),
    )
    others = []
    for k in range(neighbours_heard):
        lat, lon = destination(last.lat, last.lon, 90 * k, 8.0)
        others.append(
            window(
                line(
                    563160000 + k,
                    lat,
                    lon,
                    course=0,
                    speed_kn=8,
                    every=timedelta(minutes=10),
                    count=int((silence_h + 4) * 6),
                )
            )
        )
    return [f for f in evaluated([window(before + after), *others], shore_nm=80.0) if f.mmsi == SHIP]


def satellite_rendezvous() -> list[Flag]:
    start, end = T0 + timedelta(hours=7, minutes=40), T0 + timedelta(hours=20, minutes=10)
    a = sparse(572016003, -8.0, 120.0, start, end, 30)
    lat_b, lon_b = destination(*destination(-8.0, 120.0, 45, 0.1), 135, 29 / 1852)
    b = sparse(533016004, lat_b, lon_b, start + timedelta(minutes=15), end + timedelta(minutes=15), 30)
    return evaluated([window(a), window(b)], shore_nm=15.0)  # inside 20 nm: an encounter, not also loitering


def impossible_jump() -> list[Flag]:
    pts = line(SHIP, 13.0, 100.0, course=180, speed_kn=10, every=timedelta(minutes=10), count=6)
    far = destination(pts[-1].lat, pts[-1].lon, 180, 300)
    return evaluated([window([*pts, TrackPoint(SHIP, pts[-1].observed_at + timedelta(minutes=10), *far, 10.0, 180.0)])])


def two_places() -> list[Flag]:
    here, there = (3.3, 100.3), (6.0, 97.8)  # about 200 nm apart
    pts = [TrackPoint(SHIP, T0 + timedelta(minutes=10 * i), *(here if i % 2 else there), 10.0, 90.0) for i in range(12)]
    return evaluated([window(pts)])


def appeared() -> list[Flag]:
    return evaluated([newcomer(), *_by_mmsi(neighbours())], shore_nm=250.0)


def _by_mmsi(points: Sequence[TrackPoint]) -> list[TrackWindow]:
    groups: dict[int, list[TrackPoint]] = {}
    for p in points:
        groups.setdefault(p.mmsi, []).append(p)
    return [
        TrackWindow(m, T0, T0 + timedelta(hours=4), tuple(sorted(g, key=lambda p: p.observed_at)))
        for m, g in groups.items()
    ]


def uncovered_gap() -> list[Flag]:
    # Without a feed timeline (a gap of a feed that heard nothing else is not declared at all in event time).
    pts = line(SHIP, 10.0, 95.0, course=90, speed_kn=10, every=timedelta(minutes=10), count=13)
    back = line(
        SHIP,
        pts[-1].lat,
        pts[-1].lon + 0.5,
        course=90,
        speed_kn=10,
        every=timedelta(minutes=10),
        count=3,
        start=pts[-1].observed_at + timedelta(hours=7),
    )
    return went_dark(window(pts + back), WentDarkParameters(), distance_to_shore=constant_shore(30))


def drifting() -> list[Flag]:
    pts = line(SHIP, 9.0, 93.5, course=120, speed_kn=1.2, every=timedelta(minutes=10), count=13, heading=10)
    return evaluated([window(pts)], shore_nm=10.0)


CASES: dict[str, Callable[[], list[Flag]]] = {
    "distress_device": lambda: evaluated(
        [window(line(SART, 9.5, 97.0, course=45, speed_kn=0.7, every=timedelta(minutes=1), count=8, nav_status=14))]
    ),
    "distress_device_test": lambda: evaluated(
        [window(line(SART, 9.5, 97.0, course=45, speed_kn=0.7, every=timedelta(minutes=1), count=8, nav_status=15))],
        texts=[SafetyText(SART, T0, "SART TEST")],
    ),
    "mayday_text": lambda: evaluated(
        [ship()], texts=[SafetyText(SHIP, T0 + timedelta(minutes=7), "MAYDAY SINKING 30 POB")]
    ),
    "pan_pan_text": lambda: evaluated([ship()], texts=[SafetyText(SHIP, T0, "PAN PAN ENGINE FAILURE DRIFTING 15 POB")]),
    "persons_in_water": lambda: evaluated([], contacts=[sighting("wooden_boat", 40, ("persons_in_water",))]),
    "crowded_dinghy": lambda: evaluated([], contacts=[sighting("rubber_dinghy", 15, ())]),
    "overcrowded_twelve": lambda: evaluated([], contacts=[sighting("wooden_boat", 12, ("overcrowded",))]),
    "overcrowded_few": lambda: evaluated([], contacts=[sighting("wooden_boat", 6, ("overcrowded",))]),
    "long_dark_offshore": lambda: dark(14),
    "gfw_suspected_disabling": lambda: dark(14, every_min=5),
    "uncovered_gap": uncovered_gap,
    "impossible_jump": impossible_jump,
    "two_places": two_places,
    "motion_mismatch": lambda: evaluated([window(circling(12.0, 1.0, 2.0))]),
    "appeared_dark": appeared,
    "satellite_rendezvous": satellite_rendezvous,
    "not_under_command_offshore": lambda: evaluated([ship(nav_status=2)], shore_nm=40.0),
    "loitering": lambda: evaluated(
        [window(line(SHIP, 8.0, 94.0, course=30, speed_kn=0.8, every=timedelta(minutes=10), count=25))]
    ),
    "drifting": drifting,
}


def table() -> list[tuple[str, str, str]]:
    """(case, rule, severity) of each row of the table in docs/severity.md."""
    rows = []
    for line_ in TABLE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*`(\w+)`\s*\|[^|]*\|\s*`(\w+)`\s*\|\s*([^|]+?)\s*\|", line_)
        if m:
            rows.append((m.group(1), m.group(2), m.group(3)))
    return rows


def holds(severity: Severity, spec: str) -> bool:
    if m := re.fullmatch(r"([A-Z]+) or above", spec):
        return severity >= Severity[m.group(1)]
    if m := re.fullmatch(r"at most ([A-Z]+)", spec):
        return severity <= Severity[m.group(1)]
    return severity is Severity[spec]


def test_every_row_of_the_table_has_a_hand_built_case_and_back() -> None:
    rows = table()
    assert len(rows) >= 15
    assert sorted(case for case, _, _ in rows) == sorted(CASES)


@pytest.mark.parametrize(("case", "rule", "spec"), table(), ids=[row[0] for row in table()])
def test_the_table_holds(case: str, rule: str, spec: str) -> None:
    flags = [f for f in CASES[case]() if f.rule_id == rule]
    assert flags, f"{case}: no {rule} flag"
    for f in flags:
        assert holds(f.severity, spec), f"{case}: {rule} is {f.severity.name}, the table says {spec}: {f.summary}"


def test_navigational_status_alone_never_raises_distress() -> None:
    flags = CASES["not_under_command_offshore"]()
    assert not any(f.severity is Severity.DISTRESS for f in flags)


def test_people_rank_above_ships_and_a_long_dark_period_above_an_encounter_pair() -> None:
    dinghy, dark_vessel, pair = (
        CASES["crowded_dinghy"](),
        CASES["long_dark_offshore"](),
        CASES["satellite_rendezvous"](),
    )
    ranked = assess_all([*dinghy, *dark_vessel, *pair], RiskParameters())
    assert ranked[0].subject.startswith("contact:")
    by_subject = {a.subject: a for a in ranked}
    dark_risk = by_subject[f"vessel:{SHIP}"]
    encounter_risks = [a for a in ranked if a.subject in {f"vessel:{f.mmsi}" for f in pair}]
    assert dark_risk.severity is Severity.HIGH and dark_risk.score >= RiskParameters().high_score
    assert encounter_risks and all(dark_risk.score > a.score for a in encounter_risks)
    assert ranked[0].severity >= Severity.HIGH and ranked[0].score >= RiskParameters().high_score
