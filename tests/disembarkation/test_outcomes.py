"""Recording validation: impossible outcomes are rejected with a message naming the field and reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coordination.disembarkation.errors import InvalidOutcomeError
from coordination.disembarkation.outcomes import Outcome, OutcomeKind, Reception, validate_outcome

T0 = datetime(2026, 5, 10, 6, 0, tzinfo=UTC)
T1 = datetime(2026, 5, 12, 18, 0, tzinfo=UTC)


def landed(**kw: object) -> Outcome:
    base: dict[str, object] = dict(
        case_id=1,
        outcome=OutcomeKind.DISEMBARKED,
        state="idn",
        alert_at=T0,
        outcome_at=T1,
        persons_aboard=10,
        source="BASARNAS sitrep",
    )
    base.update(kw)
    return Outcome(**base)  # type: ignore[arg-type]


def test_a_possible_outcome_is_accepted_and_codes_normalised() -> None:
    o = validate_outcome(
        landed(
            locode="id lsw",
            men=5,
            women=3,
            children=2,
            uasc=1,
            deaths=1,
            nationalities={"mmr": 8, "BGD": 1},
            reception=Reception.SHELTER,
            trafficking_victims_identified=2,
            voluntary_returns=0,
            days_at_sea=12.5,
        )
    )
    assert (o.state, o.locode, dict(o.nationalities)) == ("IDN", "IDLSW", {"MMR": 8, "BGD": 1})
    assert o.survivors == 9


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"deaths": 12}, "deaths (12) + missing (0) exceed persons aboard (10)"),
        ({"deaths": 6, "missing": 5}, "deaths (6) + missing (5) exceed persons aboard (10)"),
        ({"deaths": -1}, "deaths (-1) cannot be negative"),
        ({"children": -3}, "children (-3) cannot be negative"),
        ({"persons_aboard": -10}, "persons_aboard (-10) cannot be negative"),
        (
            {"men": 6, "women": 4, "children": 1},
            "men (6) + women (4) + children (1) exceed persons aboard (10)",
        ),
        ({"children": 2, "uasc": 3}, "uasc (3) exceed children (2)"),
        ({"uasc": 1}, "uasc given without children"),
        ({"nationalities": {"MMR": 11}}, "nationality counts (11) exceed persons aboard (10)"),
        ({"nationalities": {"Myanmar": 3}}, "nationality 'Myanmar' is not an ISO 3166-1 alpha-3 code"),
        ({"nationalities": {"MMR": -2}}, "nationality MMR (-2) cannot be negative"),
        (
            {"deaths": 2, "trafficking_victims_identified": 9},
            "trafficking_victims_identified (9) exceed survivors (8",
        ),
        ({"state": None}, "state is required when the outcome is disembarked"),
        ({"outcome_at": None}, "time (outcome_at) is required when the outcome is disembarked"),
        ({"outcome_at": datetime(2026, 5, 9, tzinfo=UTC)}, "is before the alert"),
        ({"outcome_at": datetime(2026, 5, 12)}, "outcome_at must carry a time zone"),
        ({"days_at_sea": 400.0}, "days_at_sea (400.0) must be between 0 and 365"),
        ({"source_quality": 7}, "source_quality (7) must be from 1 to 5"),
        ({"source": "  "}, "source is required"),
        ({"state": "Indonesia"}, "state 'Indonesia' is not an ISO 3166-1 alpha-3 code"),
        ({"locode": "Lhokseumawe"}, "port 'Lhokseumawe' is not a UN/LOCODE"),
        ({"men": 2.5}, "men must be a whole number of persons"),
    ],
)
def test_impossible_outcomes_are_rejected_with_the_field_named(changes: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidOutcomeError) as err:
        validate_outcome(landed(**changes))
    assert message in str(err.value)


def test_reception_only_for_a_disembarkation_and_no_port_while_at_sea() -> None:
    with pytest.raises(InvalidOutcomeError, match="reception \\(detention\\) only applies"):
        validate_outcome(landed(outcome=OutcomeKind.PUSHED_BACK, reception=Reception.DETENTION))
    with pytest.raises(InvalidOutcomeError, match="port given but the outcome is still_at_sea"):
        validate_outcome(landed(outcome=OutcomeKind.STILL_AT_SEA, locode="THPHK", outcome_at=None))
    # a pushback needs no port nor time
    assert validate_outcome(landed(outcome=OutcomeKind.PUSHED_BACK, state="THA", outcome_at=None)).state == "THA"


def test_outcome_has_no_field_for_personal_identifiers() -> None:
    names = set(Outcome.__dataclass_fields__)
    assert not names & {"name", "names", "passport", "document", "date_of_birth", "person_id"}


counts = st.one_of(st.none(), st.integers(min_value=-3, max_value=60))


@settings(max_examples=300, deadline=None)
@given(aboard=counts, men=counts, women=counts, children=counts, uasc=counts, deaths=counts, missing=counts)
def test_validation_accepts_exactly_the_possible_counts(
    aboard: int | None,
    men: int | None,
    women: int | None,
    children: int | None,
    uasc: int | None,
    deaths: int | None,
    missing: int | None,
) -> None:
    values = [aboard, men, women, children, uasc, deaths, missing]
    possible = all(v is None or v >= 0 for v in values)
    if possible and aboard is not None:
        possible = (deaths or 0) + (missing or 0) <= aboard and (men or 0) + (women or 0) + (children or 0) <= aboard
    if uasc is not None:
        possible = possible and children is not None and uasc <= children
    o = landed(
        persons_aboard=aboard,
        men=men,
        women=women,
        children=children,
        uasc=uasc,
        deaths=deaths,
        missing=missing,
    )
    if possible:
        assert validate_outcome(o).persons_aboard == aboard
    else:
        with pytest.raises(InvalidOutcomeError):
            validate_outcome(o)


def test_specific_needs_are_counts_within_the_persons_aboard() -> None:
    o = validate_outcome(
        landed(women=4, pregnant_women=2, older_persons=1, persons_with_disabilities=1, medical_evacuations=3)
    )
    assert (o.pregnant_women, o.older_persons, o.persons_with_disabilities, o.medical_evacuations) == (2, 1, 1, 3)
    with pytest.raises(InvalidOutcomeError, match=r"pregnant_women \(5\) exceed women \(4\)"):
        validate_outcome(landed(women=4, pregnant_women=5))
    with pytest.raises(InvalidOutcomeError, match=r"older_persons \(11\) exceed persons aboard \(10\)"):
        validate_outcome(landed(older_persons=11))
    with pytest.raises(InvalidOutcomeError, match="medical_evacuations .* cannot be negative"):
        validate_outcome(landed(medical_evacuations=-1))
    with pytest.raises(InvalidOutcomeError, match="persons_with_disabilities must be a whole number"):
        validate_outcome(landed(persons_with_disabilities=1.5))
