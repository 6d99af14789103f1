"""Practice analytics on a hand-built fixture, checked against figures computed by hand; suppression."""

from __future__ import annotations

import pytest

from coordination.disembarkation.errors import ReportFormatError
from coordination.disembarkation.practices import (
    SMALL_CELL_THRESHOLD,
    OutcomeRecord,
    group_figures,
    practice_of,
    suppress,
)


def rec(
    case_id: int,
    outcome: str,
    state: str | None,
    persons: int | None,
    women: int | None,
    children: int | None,
    deaths: int | None,
    missing: int | None,
    days: float | None,
    hours: float | None,
    reception: str | None = None,
    year: int = 2025,
    port: str | None = None,
    route: str | None = None,
    exercise: bool = False,
) -> OutcomeRecord:
    return OutcomeRecord(
        case_id,
        outcome,
        state,
        port,
        year,
        route,
        persons,
        women,
        children,
        deaths,
        missing,
        days,
        hours,
        reception,
        exercise,
    )


# Six Indonesian cases and three Thai ones.
FIXTURE = [
    rec(1, "disembarked", "IDN", 100, 30, 20, 2, 0, 10.0, 30.0, "shelter", port="IDLSW"),
    rec(2, "disembarked", "IDN", 50, 10, 10, 0, 5, 20.0, 50.0, "detention", port="IDLSW"),
    rec(3, "disembarked", "IDN", 200, 60, 40, 10, 10, 30.0, 10.0, "community", port="IDSBG"),
    rec(4, "refused", "IDN", 80, None, None, 0, 0, 5.0, None),
    rec(5, "pushed_back", "IDN", 70, 20, 10, 3, 2, None, None),
    rec(6, "disembarked", "IDN", None, None, None, 1, None, 40.0, 70.0, None, year=2026, port="IDLSW"),
    rec(7, "disembarked", "THA", 40, 10, 10, 0, 0, 7.0, 20.0, "detention", port="THSGZ"),
    rec(8, "towed_out", "THA", 60, 10, 5, 0, 1, 9.0, None),
    rec(9, "still_at_sea", "THA", 30, None, None, 0, 0, None, None),
]


def test_figures_by_state_match_hand_computation() -> None:
    idn, tha = group_figures(FIXTURE, ["state"])
    assert idn.group == (("state", "IDN"),)
    # IDN: cases 1-6. persons known for 1-5: 100+50+200+80+70 = 500
    assert (idn.cases, idn.persons) == (6, 500)
    # dead 2+0+10+0+3+1 = 16, missing 0+5+10+0+2 = 17
    assert (idn.dead, idn.missing) == (16, 17)
    # fatality ratio over cases with persons known: (2+0)+(0+5)+(10+10)+(0+0)+(3+2) = 32 / 500
    assert idn.fatality_ratio == pytest.approx(32 / 500)
    # women+children where both known (cases 1,2,3,5): (30+20)+(10+10)+(60+40)+(20+10) = 200 / (100+50+200+70)
    assert idn.women_children_share == pytest.approx(round(200 / 420, 4))
    # days at sea known 10, 20, 30, 5, 40 -> median 20
    assert idn.median_days_at_sea == 20.0
    # hours alert->disembarkation for disembarked 30, 50, 10, 70 -> median 40
    assert idn.median_hours_to_disembarkation == 40.0
    assert (idn.disembarked, idn.refused, idn.pushed_back, idn.towed_out, idn.still_at_sea) == (4, 1, 1, 0, 0)
    assert idn.disembarked_share == pytest.approx(round(4 / 6, 4))
    assert idn.refused_or_pushed_back_share == pytest.approx(round(2 / 6, 4))
    # receptions known among disembarked: shelter, detention, community -> 1/3 detention
    assert idn.detention_share == pytest.approx(round(1 / 3, 4))
    # THA: 3 cases, persons 130, lost 1 -> 1/130; median hours only case 7 -> 20
    assert (tha.cases, tha.persons) == (3, 130)
    assert tha.fatality_ratio == pytest.approx(round(1 / 130, 4))
    assert tha.median_hours_to_disembarkation == 20.0
    assert tha.refused_or_pushed_back_share == pytest.approx(round(1 / 3, 4))


def test_figures_by_port_and_year() -> None:
    rows = {g.group: g for g in group_figures(FIXTURE, ["state", "year"])}
    assert rows[(("state", "IDN"), ("year", "2026"))].cases == 1
    assert rows[(("state", "IDN"), ("year", "2025"))].cases == 5
    ports = {g.group[0][1]: g for g in group_figures(FIXTURE, ["port"])}
    assert ports["IDLSW"].cases == 3 and ports["IDLSW"].median_hours_to_disembarkation == 50.0
    assert ports["unknown"].cases == 4


def test_small_cell_suppression_below_five() -> None:
    assert SMALL_CELL_THRESHOLD == 5
    idn, tha = suppress(group_figures(FIXTURE, ["state"]))
    # IDN: 6 cases -> case-based figures shown; counts 1..4 hidden, zeros and >= 5 shown
    assert idn.cases == 6 and idn.persons == 500 and idn.dead == 16 and idn.missing == 17
    assert idn.disembarked is None and idn.refused is None and idn.pushed_back is None
    assert idn.towed_out == 0 and idn.still_at_sea == 0
    assert idn.median_hours_to_disembarkation == 40.0 and idn.fatality_ratio == pytest.approx(0.064)
    assert set(idn.suppressed) == {"disembarked", "refused", "pushed_back"}
    # THA: 3 cases -> the case count and every median/share/ratio are suppressed
    assert tha.cases is None and tha.median_hours_to_disembarkation is None and tha.fatality_ratio is None
    assert tha.disembarked_share is None and tha.detention_share is None
    assert tha.persons == 130 and tha.dead == 0  # 130 persons and zero deaths are not small cells
    assert "cases" in tha.suppressed and "missing" in tha.suppressed  # missing = 1


def test_exercises_never_enter_statistics() -> None:
    with pytest.raises(ReportFormatError, match="exercise"):
        group_figures([*FIXTURE, rec(99, "disembarked", "IDN", 10, 1, 1, 0, 0, 1.0, 5.0, exercise=True)], ["state"])
    practice = practice_of(
        [*FIXTURE, rec(99, "refused", "IDN", 10, 1, 1, 0, 0, 1.0, None, exercise=True)],
        "state IDN",
        state="IDN",
    )
    assert practice.cases == 6 and practice.refused_share == pytest.approx(round(2 / 6, 4))


def test_unknown_grouping_is_rejected() -> None:
    with pytest.raises(ReportFormatError, match="cannot group by 'flag'"):
        group_figures(FIXTURE, ["flag"])


def test_imported_incident_summary_by_hand() -> None:
    from coordination.disembarkation.practices import IncidentRecord, incident_figures

    rows = [
        IncidentRecord("South-eastern Asia", 2015, "Bay of Bengal", d, m, s)
        for d, m, s in [(10, 0, 90), (5, 5, None), (0, 20, 80), (1, 0, 9), (4, 0, 0), (2, 3, 15)]
    ]
    rows.append(IncidentRecord("Southern Asia", 2015, None, 3, 0, None))
    sea, south = incident_figures(rows, ["region"])
    # 6 incidents; dead 22, missing 28; survivors recorded in 5: 90+80+9+0+15 = 194
    assert (sea.incidents, sea.dead, sea.missing, sea.survivors, sea.incidents_with_survivors) == (
        6,
        22,
        28,
        194,
        5,
    )
    # ratio over the 5 with survivors: lost 10+20+1+4+5 = 40, embarked 40+194 = 234
    assert sea.fatality_ratio == pytest.approx(round(40 / 234, 4))
    # Southern Asia: one incident -> incidents and dead (3) suppressed, zero missing shown
    assert south.incidents is None and south.dead is None and south.missing == 0
    assert south.as_dict()["origin"] == "iom_mmp" and set(south.suppressed) == {"dead", "incidents"}


def _needs(
    r: OutcomeRecord,
    uasc: int | None,
    pregnant: int | None,
    older: int | None,
    disabled: int | None,
    medevac: int | None,
    screened: bool | None,
    consular: bool | None,
) -> OutcomeRecord:
    from dataclasses import replace

    return replace(
        r,
        uasc=uasc,
        pregnant_women=pregnant,
        older_persons=older,
        persons_with_disabilities=disabled,
        medical_evacuations=medevac,
        screened=screened,
        consular_notification=consular,
    )


# The same cases with specific needs and procedures recorded (None = not recorded).
NEEDS = [
    _needs(FIXTURE[0], 4, 3, 2, 1, 2, True, True),
    _needs(FIXTURE[1], 2, 1, None, 0, 0, True, False),
    _needs(FIXTURE[2], 10, 6, 5, 4, 1, True, True),
    _needs(FIXTURE[3], None, None, None, None, None, None, None),
    _needs(FIXTURE[4], 0, 0, 0, 0, 0, False, None),
    _needs(FIXTURE[5], None, 2, None, None, 3, True, True),
    _needs(FIXTURE[6], 1, 0, 0, 0, 0, True, True),
    _needs(FIXTURE[7], 0, 1, 1, 0, 4, None, None),
    FIXTURE[8],
]


def test_specific_needs_and_procedures_by_hand() -> None:
    idn, tha = group_figures(NEEDS, ["state"])
    # IDN (cases 1-6): UASC 4+2+10+0 = 16; pregnant 3+1+6+0+2 = 12; older 2+5+0 = 7; disabilities 1+0+4+0 = 5;
    # medical evacuations 2+0+1+0+3 = 6; screened yes in cases 1, 2, 3, 6 = 4; consular yes in 1, 3, 6 = 3
    assert (idn.uasc, idn.pregnant_women, idn.older_persons) == (16, 12, 7)
    assert (idn.persons_with_disabilities, idn.medical_evacuations) == (5, 6)
    assert (idn.cases_screened, idn.cases_consular_notified) == (4, 3)
    # THA (7-9): UASC 1+0 = 1; pregnant 0+1 = 1; older 0+1 = 1; disabilities 0; medevac 0+4 = 4; screened 1
    assert (tha.uasc, tha.pregnant_women, tha.older_persons, tha.persons_with_disabilities) == (1, 1, 1, 0)
    assert (tha.medical_evacuations, tha.cases_screened, tha.cases_consular_notified) == (4, 1, 1)
    # nothing recorded in a group: unknown, not zero
    (only_refused,) = group_figures([NEEDS[3]], ["state"])
    assert only_refused.uasc is None and only_refused.cases_screened is None


def test_specific_needs_are_suppressed_like_every_count() -> None:
    idn, tha = suppress(group_figures(NEEDS, ["state"]))
    assert idn.uasc == 16 and idn.pregnant_women == 12 and idn.older_persons == 7 and idn.medical_evacuations == 6
    assert idn.persons_with_disabilities == 5
    assert idn.cases_screened is None and idn.cases_consular_notified is None  # 4 and 3 cases: small cells
    assert {"cases_screened", "cases_consular_notified"} <= set(idn.suppressed)
    assert tha.persons_with_disabilities == 0  # zero is shown
    assert tha.uasc is None and tha.medical_evacuations is None and tha.cases_screened is None


def test_shared_specific_needs_hide_what_a_total_would_reveal() -> None:
    from coordination.disembarkation.practices import suppress_shared

    # five cases at IDLHK (2 UASC and 1 medical evacuation each) and one at IDSBG (3 UASC, 2 evacuations);
    # the state's figures are published too: IDN UASC 13, evacuations 7.
    lhk = [
        _needs(rec(k, "disembarked", "IDN", 60, 10, 10, 0, 0, 2.0, 30.0, port="IDLHK"), 2, 0, 0, 0, 1, None, None)
        for k in range(5)
    ]
    sbg = _needs(rec(9, "disembarked", "IDN", 118, 20, 30, 0, 0, 2.0, 30.0, port="IDSBG"), 3, 0, 0, 0, 2, None, None)
    plain = {dict(g.group)["port"]: g for g in suppress(group_figures([*lhk, sbg], ["port"]))}
    assert plain["IDLHK"].uasc == 10  # primary suppression alone shows it: IDN 13 - 10 gives IDSBG's 3
    shared = {dict(g.group)["port"]: g for g in suppress_shared([*lhk, sbg], ["port"])}
    assert shared["IDSBG"].uasc is None and shared["IDSBG"].medical_evacuations is None  # a one-case row
    assert shared["IDLHK"].uasc is None and shared["IDLHK"].medical_evacuations is None  # complementary
    assert {"uasc", "medical_evacuations"} <= set(shared["IDLHK"].suppressed)
    by_state = {dict(g.group)["state"]: g for g in suppress_shared([*lhk, sbg], ["state"])}
    assert (by_state["IDN"].uasc, by_state["IDN"].medical_evacuations) == (13, 7)
