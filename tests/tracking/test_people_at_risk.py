from __future__ import annotations

import pytest

from tests.tracking.tracks import T0
from tracking.rules.errors import InvalidParameterError
from tracking.rules.model import Contact, Severity, SubjectKind
from tracking.rules.people_at_risk import PeopleAtRiskParameters, people_at_risk

P = PeopleAtRiskParameters()


def boat(conditions: tuple[str, ...], persons: int | None = 80, sid: str = "s-1") -> Contact:
    return Contact(
        sid,
        T0,
        15.2,
        94.1,
        uncertainty_nm=1.0,
        source_type="aircraft",
        craft_type="wooden_fishing_boat",
        persons_estimated=persons,
        conditions=conditions,
    )


@pytest.mark.parametrize("condition", ["persons_in_water", "deaths_reported"])
def test_persons_in_water_or_deaths_are_distress(condition: str) -> None:
    (f,) = people_at_risk(boat((condition,), persons=None), P)
    assert f.rule_id == "people_at_risk" and f.subject_kind is SubjectKind.CONTACT and f.mmsi is None
    assert f.severity is Severity.DISTRESS and f.score == 1.0
    assert f.evidence["suggested_phase"] == "distress"
    assert f.evidence["persons_implied_by"] == [condition]
    assert "DISTRESS phase suggested" in f.summary
    assert f.sighting_id == "s-1" and f.window_start == T0 and (f.lat, f.lon) == (15.2, 94.1)
    assert f.parameters["indicators_for_distress"]["value"] == 3.0


@pytest.mark.parametrize("condition", ["taking_water", "engine_failure", "adrift", "medical_emergency"])
def test_a_single_alert_indicator_suggests_alert(condition: str) -> None:
    (f,) = people_at_risk(boat((condition,), persons=20), P)
    assert f.severity is Severity.HIGH and f.evidence["suggested_phase"] == "alert"
    assert len(f.evidence["reasons"]) == 1


def test_overcrowded_alone_is_uncertainty_and_with_ten_people_or_more_alert() -> None:
    (few,) = people_at_risk(boat(("overcrowded",), persons=6), P)
    assert few.severity is Severity.MEDIUM and few.evidence["suggested_phase"] == "uncertainty"
    # ten or more persons in an unseaworthy (here overcrowded) craft: people rank above ships, high
    (twelve,) = people_at_risk(boat(("overcrowded",), persons=12), P)
    assert twelve.severity is Severity.HIGH and twelve.evidence["suggested_phase"] == "alert"
    assert twelve.evidence["unseaworthy"] == ["overcrowded"]
    (many,) = people_at_risk(boat(("overcrowded",), persons=120), P)
    assert many.evidence["suggested_phase"] == "alert"
    assert any("120 persons" in r for r in many.evidence["reasons"])


def test_indicators_together_suggest_distress() -> None:
    (f,) = people_at_risk(boat(("overcrowded", "adrift", "no_life_jackets"), persons=30), P)
    assert f.evidence["suggested_phase"] == "distress" and f.severity is Severity.DISTRESS
    assert any("3 danger indicators" in r for r in f.evidence["reasons"])
    (two,) = people_at_risk(boat(("overcrowded", "adrift"), persons=30), P)
    assert two.evidence["suggested_phase"] == "alert"


def test_no_indicator_no_flag() -> None:
    assert people_at_risk(boat((), persons=200), P) == []


def test_no_persons_aboard_no_flag_unless_a_condition_implies_them() -> None:
    assert people_at_risk(boat(("adrift",), persons=None), P) == []
    assert people_at_risk(boat(("taking_water",), persons=0), P) == []
    (f,) = people_at_risk(boat(("medical_emergency",), persons=None), P)
    assert f.evidence["suggested_phase"] == "alert"


def test_unknown_words_are_ignored() -> None:
    assert people_at_risk(boat(("sunny",), persons=40), P) == []


def test_parameters_are_range_checked() -> None:
    with pytest.raises(InvalidParameterError):
        PeopleAtRiskParameters(indicators_for_distress=1.0)


def test_a_dinghy_with_fifteen_people_is_alert_even_without_conditions() -> None:
    dinghy = Contact("s-2", T0, -8.1, 112.0, source_type="aircraft", craft_type="rubber_dinghy", persons_estimated=15)
    (f,) = people_at_risk(dinghy, P)
    assert f.severity is Severity.HIGH and f.evidence["suggested_phase"] == "alert"
    assert f.evidence["unseaworthy"] == ["small open craft"]
    assert "15 persons aboard an unseaworthy craft" in f.summary
    few = Contact("s-3", T0, -8.1, 112.0, source_type="aircraft", craft_type="dinghy", persons_estimated=4)
    assert people_at_risk(few, P) == []
