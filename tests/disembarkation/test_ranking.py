"""Ranking of places of safety (pure): responsible state first (MSC.167(78) para 2.5), then score in hours."""

from __future__ import annotations

from datetime import date

import pytest

from coordination.disembarkation.errors import DisembarkationError
from coordination.disembarkation.ranking import (
    PARAMETERS,
    Candidate,
    PlaceOfSafety,
    Practice,
    RankingParameters,
    Rescue,
    rank_options,
)

RESCUE = Rescue(7, 6.0, 96.0, "IDN", "SRR 'IDN' covers the rescue position")


def place(locode: str, state: str, **attrs: object) -> PlaceOfSafety:
    return PlaceOfSafety(locode=locode, name=locode.title(), state=state, lat=5.0, lon=97.0, **attrs)  # type: ignore[arg-type]


def test_responsible_state_first_even_when_further() -> None:
    options = rank_options(
        RESCUE,
        [
            Candidate(place("THKBV", "THA"), 80.0),
            Candidate(place("IDLSW", "IDN"), 200.0),
            Candidate(place("MYPEN", "MYS"), 60.0),
            Candidate(place("IDSBG", "IDN"), 150.0),
        ],
        RankingParameters(),
    )
    assert [o.locode for o in options] == ["IDSBG", "IDLSW", "MYPEN", "THKBV"]
    assert [o.rank for o in options] == [1, 2, 3, 4]
    assert options[0].responsible_state and not options[2].responsible_state
    assert "MSC.167(78) para 2.5" in options[0].reasons[0]
    assert options[0].eta_hours == pytest.approx(150 / 8, abs=0.06)


def test_eta_uses_ship_speed_and_distance_limit() -> None:
    options = rank_options(
        RESCUE,
        [Candidate(place("IDLSW", "IDN"), 120.0), Candidate(place("IDBLW", "IDN"), 900.0)],
        RankingParameters(ship_speed_kn=12),
    )
    assert [o.locode for o in options] == ["IDLSW"]  # 900 nm > 800 nm default limit
    assert options[0].eta_hours == 10.0 and options[0].score_hours == 10.0
    assert "10.0 h at 12 kn" in options[0].reasons[1]


def test_facilities_and_practice_penalties_are_shown_as_reasons() -> None:
    known = dict(attributes_source="Seasight team desk review", attributes_as_of=date(2026, 11, 1))
    no_care = place("IDAAA", "IDN", medical_capacity="none", unhcr_presence=False, iom_presence=False, **known)
    hospital = place("IDBBB", "IDN", medical_capacity="hospital", unhcr_presence=True, **known)
    refusing = Practice("port IDAAA", 10, 0.5, 0.5, 0.2, 30.0)
    options = rank_options(
        RESCUE,
        [Candidate(no_care, 100.0, port_practice=refusing), Candidate(hospital, 130.0)],
        RankingParameters(),
    )
    assert [o.locode for o in options] == ["IDBBB", "IDAAA"]
    a = options[1]
    # 100/8 = 12.5 h + 12 (no medical) + 6 (neither UNHCR nor IOM) + 48*0.5 + 12*0.2 = 56.9 h
    assert a.score_hours == pytest.approx(56.9)
    text = " | ".join(a.reasons)
    assert "no medical capacity" in text and "neither UNHCR nor IOM" in text
    assert "median 30 h from alert to disembarkation" in text and "50% refused/pushed back" in text
    assert "hospital care" in " | ".join(options[0].reasons)


def test_practice_with_fewer_than_five_cases_is_not_used() -> None:
    few = Practice("state IDN", 4, 0.0, 1.0, None, None)
    (o,) = rank_options(RESCUE, [Candidate(place("IDLSW", "IDN"), 80.0, state_practice=few)], RankingParameters())
    assert o.score_hours == 10.0
    assert any("fewer than 5 real cases" in r for r in o.reasons)


def test_unknown_responsible_state_is_said() -> None:
    rescue = Rescue(1, 0.0, 0.0, None, "no SRR covers the rescue position")
    (o,) = rank_options(rescue, [Candidate(place("IDLSW", "IDN"), 10.0)], RankingParameters())
    assert o.reasons[0].startswith("responsible state unknown")


def test_every_parameter_has_unit_range_and_source_and_out_of_range_is_rejected() -> None:
    for p in PARAMETERS.values():
        assert p.unit and p.source and p.minimum <= p.default <= p.maximum
    with pytest.raises(DisembarkationError, match=r"ship_speed_kn \(0.5 kn\) must be between 1 and 40 kn"):
        RankingParameters(ship_speed_kn=0.5)


def test_other_states_keep_places_when_the_responsible_state_could_fill_the_list() -> None:
    own = [Candidate(place(f"IDA{i:02d}", "IDN"), 100.0 + i) for i in range(12)]
    near = [Candidate(place("MYPEN", "MYS"), 50.0), Candidate(place("THSGZ", "THA"), 70.0)]
    options = rank_options(RESCUE, own + near, RankingParameters(max_options=6, other_state_options=3))
    assert [o.locode for o in options] == ["IDA00", "IDA01", "IDA02", "IDA03", "MYPEN", "THSGZ"]
    options = rank_options(RESCUE, own + near, RankingParameters(max_options=6, other_state_options=0))
    assert all(o.state == "IDN" for o in options) and len(options) == 6
