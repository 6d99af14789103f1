"""Rules 8-10 wired into :func:`tracking.detect.evaluate` (pure, no database): which flags come out of one
``DetectionInput``, and that the ``RuleSet`` parameters reach the rules."""

from __future__ import annotations

from datetime import timedelta

import shapely

from tests.tracking.tracks import T0, constant_shore, line
from tracking.detect import EVALUATED_RULES, DetectionInput, RuleSet, evaluate
from tracking.rules.geo import destination
from tracking.rules.model import Contact, SubjectKind, TrackWindow, Zone
from tracking.rules.people_at_risk import PeopleAtRiskParameters
from tracking.rules.reachability import ReachabilityParameters
from tracking.rules.watchlist import WatchlistEntry

LISTED, SHIP, NEIGHBOUR = 506300001, 563300002, 563300003
END = T0 + timedelta(hours=14)


def data() -> DetectionInput:
    listed = line(LISTED, 11.0, 94.2, course=90, speed_kn=8, every=timedelta(minutes=20), count=10)  # 3 h
    ship = line(SHIP, 8.0, 93.0, course=90, speed_kn=10, every=timedelta(minutes=3), count=281)  # to END
    # The feed keeps hearing LISTED's area while it is silent (event-time went-dark needs that coverage).
    neighbour = line(NEIGHBOUR, 11.2, 94.0, course=90, speed_kn=4, every=timedelta(minutes=30), count=29)
    on_track = destination(8.0, 93.0, 90, 5.0)
    return DetectionInput(
        start=T0,
        end=END,
        windows=(
            TrackWindow(LISTED, T0, END, tuple(listed)),
            TrackWindow(SHIP, T0, END, tuple(ship)),
            TrackWindow(NEIGHBOUR, T0, END, tuple(neighbour)),
        ),
        zones=(Zone(1, "watch box", "watch", shapely.box(95.5, 10.5, 96.0, 11.5)),),
        contacts=(
            Contact(
                "boat",
                T0 + timedelta(minutes=30),
                7.2,
                92.5,
                source_type="aircraft",
                persons_estimated=70,
                conditions=("overcrowded", "taking_water"),
                ais_seen="no",
            ),
            Contact("seen-ship", T0 + timedelta(minutes=30), on_track[0], on_track[1], source_type="vessel"),
        ),
        watchlist=(WatchlistEntry("W-1", "facilitator (test)", "IDN", mmsi=LISTED),),
        coasts=(Zone(0, "Thailand", "coast", shapely.box(96.0, 9.0, 99.0, 12.0), state="TH"),),
    )


def test_evaluate_raises_rules_8_to_10() -> None:
    flags = evaluate(data(), RuleSet(), distance_to_shore=constant_shore(150.0))
    got = {(f.rule_id, f.subject_kind, f.mmsi, f.sighting_id) for f in flags}
    assert ("reachability", SubjectKind.VESSEL, LISTED, None) in got
    assert ("unidentified_craft", SubjectKind.CONTACT, None, "boat") in got
    assert ("people_at_risk", SubjectKind.CONTACT, None, "boat") in got
    assert ("sighting_matched", SubjectKind.VESSEL, SHIP, "seen-ship") in got
    assert not [f for f in flags if f.sighting_id == "seen-ship" and f.subject_kind is SubjectKind.CONTACT]
    assert not [f for f in flags if f.mmsi == SHIP and f.rule_id != "sighting_matched"]
    reach = next(f for f in flags if f.rule_id == "reachability")
    assert [z["name"] for z in reach.evidence["zones_in_reach"]] == ["watch box"]
    assert [c["state"] for c in reach.evidence["coasts_in_reach"]] == ["TH"]  # 82 nm off; 8 kn x 11 h = 88 nm
    assert {f.rule_id for f in flags} <= EVALUATED_RULES


def test_rule_set_parameters_reach_rules_8_and_10() -> None:
    rules = RuleSet(
        people_at_risk=PeopleAtRiskParameters(min_persons=100),
        reachability=ReachabilityParameters(concern_min_severity=4),
    )
    flags = evaluate(data(), rules, distance_to_shore=constant_shore(150.0))
    assert not [f for f in flags if f.rule_id in ("people_at_risk", "reachability")]
    assert [f for f in flags if f.rule_id == "unidentified_craft"]
