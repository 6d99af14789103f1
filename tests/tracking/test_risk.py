from __future__ import annotations

from datetime import timedelta

import pytest

from tests.tracking.tracks import T0
from tracking.rules.model import Flag, Severity, SubjectKind
from tracking.rules.risk import RiskParameters, assess_all, assess_risk

P = RiskParameters()


def flag(
    rule: str, score: float, severity: Severity = Severity.MEDIUM, mmsi: int = 525012345, minutes: int = 0
) -> Flag:
    t = T0 + timedelta(minutes=minutes)
    return Flag(rule, 1, SubjectKind.VESSEL, mmsi, None, severity, score, t, t, 10.0, 95.0, f"{rule} fired")


def test_noisy_or_of_weighted_flags_with_explanation() -> None:
    a = assess_risk("vessel:525012345", [flag("went_dark", 0.8), flag("loitering", 0.5)], P)
    # 1 - (1 - 0.7*0.8)(1 - 0.4*0.5) = 1 - 0.44*0.8 = 0.648
    assert a.score == pytest.approx(0.648)
    assert a.severity is Severity.MEDIUM and not a.distress
    assert [c.rule_id for c in a.contributions] == ["went_dark", "loitering"]
    assert "went_dark 0.56 (weight 0.70 × score 0.80)" in a.explanation


def test_only_the_strongest_flag_of_a_rule_counts() -> None:
    one = assess_risk("vessel:525012345", [flag("went_dark", 0.8)], P)
    many = assess_risk(
        "vessel:525012345",
        [flag("went_dark", 0.8), flag("went_dark", 0.3, minutes=60), flag("went_dark", 0.8, minutes=120)],
        P,
    )
    assert many.score == one.score


def test_more_evidence_never_lowers_the_score() -> None:
    base = [flag("encounter", 0.7)]
    more = base + [flag("entered_watch_zone", 0.4)]
    assert assess_risk("vessel:525012345", more, P).score > assess_risk("vessel:525012345", base, P).score


def test_distress_wins_whatever_the_score() -> None:
    quiet = RiskParameters(distress=0.0)
    a = assess_risk("vessel:970012345", [flag("distress", 1.0, Severity.DISTRESS, mmsi=970012345)], quiet)
    assert a.score == 0.0
    assert a.distress and a.severity is Severity.DISTRESS and a.explanation.startswith("DISTRESS")


def test_a_high_flag_makes_the_assessment_high() -> None:
    a = assess_risk("vessel:525012345", [flag("two_places", 0.2, Severity.HIGH)], P)
    assert a.severity is Severity.HIGH


def test_flags_of_other_subjects_are_ignored_and_no_flags_is_info() -> None:
    a = assess_risk("vessel:1", [flag("watchlist", 1.0, Severity.HIGH)], P)
    assert a.score == 0.0 and a.severity is Severity.INFO and a.contributions == ()


def test_assess_all_puts_distress_first() -> None:
    flags = [
        flag("watchlist", 1.0, Severity.HIGH, mmsi=1),
        flag("distress", 1.0, Severity.DISTRESS, mmsi=2),
        flag("loitering", 0.3, Severity.LOW, mmsi=3),
    ]
    out = assess_all(flags, P)
    assert [a.subject for a in out] == ["vessel:2", "vessel:1", "vessel:3"]


def test_unknown_rule_uses_the_default_weight() -> None:
    assert P.weight("a_future_rule") == P.other_rule
    assert P.weight("people_at_risk") == 1.0 and P.weight("sighting_matched") == 0.0
    assert P.weight("high_score") == P.other_rule
