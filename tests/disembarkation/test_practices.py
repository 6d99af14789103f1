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
