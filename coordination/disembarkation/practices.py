"""RSO practice analytics over recorded outcomes (pure logic), with small-cell suppression.

Figures per group (state, port, year, route or a combination), as in UNHCR's regional monitoring of sea
movements: cases; persons embarked; dead and missing; median days at sea; median time from alert to
disembarkation (hours); fatality ratio (dead and missing per person embarked); share of women and
children among persons embarked; outcome mix (disembarked, refused, pushed back, towed out, still at sea);
detention on arrival vs release among disembarkations whose reception is known; persons with specific
needs — unaccompanied or separated children (UASC), pregnant women, older persons, persons with
disabilities, medical evacuations (sums over the cases that recorded them) — and the cases screened on
arrival and with consular notification. Each of these is a count under the same small-cell and
complementary suppression as the others.

Only real cases are given to these functions: exercise outcomes are filtered out by the adapter
(``disembarkation_outcome_real``) and :func:`group_figures` refuses them too. Exercise figures (a
table-top exercise, the demo's simulated outcomes) are computed with ``exercise=True`` from exercise
outcomes only, under the same suppression; real and exercise outcomes never mix in one figure.

Small-cell suppression (:data:`SMALL_CELL_THRESHOLD` = 5, the RSO rule for shared outputs): a count from 1
to 4 is replaced by None (shown as "<5"); a median, share or ratio is replaced by None when it rests on
fewer than 5 cases (or, for person-based ratios, fewer than 5 persons). Zero is shown. Suppressed fields
are listed per row. Shared outputs (:func:`suppress_shared`) add complementary suppression
(:mod:`coordination.disembarkation.disclosure`): a row with 1–4 cases shows none of its counts (persons go
with their case counts), and more cells are hidden until no suppressed cell follows, by subtraction, from
the grand total, from the figures of coarser groupings (a state over its ports, a year over its states)
or from the row's own outcome mix; a ratio built on a hidden count is hidden with it.
"""

from __future__ import annotations

import statistics
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace

from coordination.disembarkation.errors import ReportFormatError
from coordination.disembarkation.ranking import Practice

SMALL_CELL_THRESHOLD = 5
"""Counts from 1 to SMALL_CELL_THRESHOLD - 1 are suppressed in shared outputs (persons or cases)."""
GROUPINGS = ("state", "port", "year", "route")
OUTCOMES = ("disembarked", "refused", "pushed_back", "towed_out", "still_at_sea")
_REFUSED = ("refused", "pushed_back", "towed_out")


@dataclass(frozen=True)
class OutcomeRecord:
    """The current outcome of one real case, as analytics need it (counts only)."""

    case_id: int
    outcome: str
    state: str | None
    port: str | None  # UN/LOCODE or landing-place name
    year: int | None
    route: str | None
    persons_aboard: int | None
    women: int | None
    children: int | None
    deaths: int | None
    missing: int | None
    days_at_sea: float | None
    hours_to_disembarkation: float | None  # alert -> disembarkation, h
    reception: str | None
    is_exercise: bool = False
    uasc: int | None = None
    pregnant_women: int | None = None
    older_persons: int | None = None
    persons_with_disabilities: int | None = None
    medical_evacuations: int | None = None
    screened: bool | None = None  # screening on arrival took place
    consular_notification: bool | None = None


@dataclass(frozen=True)
class GroupFigures:
    """Figures for one group. None = unknown, or suppressed when listed in ``suppressed``."""

    group: tuple[tuple[str, str], ...]
    cases: int | None
    persons: int | None
    dead: int | None
    missing: int | None
    median_days_at_sea: float | None
    median_hours_to_disembarkation: float | None
    fatality_ratio: float | None
    women_children_share: float | None
    disembarked: int | None
    refused: int | None
    pushed_back: int | None
    towed_out: int | None
    still_at_sea: int | None
    disembarked_share: float | None
    refused_or_pushed_back_share: float | None
    detention_share: float | None
    uasc: int | None = None
    pregnant_women: int | None = None
    older_persons: int | None = None
    persons_with_disabilities: int | None = None
    medical_evacuations: int | None = None
    cases_screened: int | None = None  # cases whose people were screened on arrival
    cases_consular_notified: int | None = None  # cases with consular notification
    suppressed: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, object]:
        d: dict[str, object] = dict(self.group)
        for f in fields(self):
            if f.name not in ("group", "suppressed"):
                d[f.name] = getattr(self, f.name)
        d["suppressed"] = list(self.suppressed)
        return d


def _key(r: OutcomeRecord, dim: str) -> str:
    value = {"state": r.state, "port": r.port, "year": r.year, "route": r.route}[dim]
    return "unknown" if value is None or value == "" else str(value)


def _median(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(statistics.median(known), 2) if known else None


def _known_sum(rs: Sequence[OutcomeRecord], name: str) -> int | None:
    """Sum of a count over the cases that recorded it; None when none did."""
    known = [v for v in (getattr(r, name) for r in rs) if v is not None]
    return sum(known) if known else None


def _cases_with(rs: Sequence[OutcomeRecord], name: str) -> int | None:
    """Cases where a yes/no fact is yes; None when no case recorded it."""
    known = [v for v in (getattr(r, name) for r in rs) if v is not None]
    return sum(1 for v in known if v) if known else None


def _figures(group: tuple[tuple[str, str], ...], rs: Sequence[OutcomeRecord]) -> GroupFigures:
    known_persons = [r for r in rs if r.persons_aboard is not None]
    persons = sum(r.persons_aboard or 0 for r in known_persons)
    dead = sum(r.deaths or 0 for r in rs)
    missing = sum(r.missing or 0 for r in rs)
    lost = sum((r.deaths or 0) + (r.missing or 0) for r in known_persons)
    wc_rows = [r for r in known_persons if r.women is not None and r.children is not None]
    wc_persons = sum(r.persons_aboard or 0 for r in wc_rows)
    counts = {o: sum(1 for r in rs if r.outcome == o) for o in OUTCOMES}
    receptions = [r.reception for r in rs if r.outcome == "disembarked" and r.reception is not None]
    n = len(rs)
    return GroupFigures(
        group=group,
        cases=n,
        persons=persons if known_persons else None,
        dead=dead,
        missing=missing,
        median_days_at_sea=_median(r.days_at_sea for r in rs),
        median_hours_to_disembarkation=_median(r.hours_to_disembarkation for r in rs if r.outcome == "disembarked"),
        fatality_ratio=round(lost / persons, 4) if persons else None,
        women_children_share=(
            round(sum((r.women or 0) + (r.children or 0) for r in wc_rows) / wc_persons, 4) if wc_persons else None
        ),
        disembarked=counts["disembarked"],
        refused=counts["refused"],
        pushed_back=counts["pushed_back"],
        towed_out=counts["towed_out"],
        still_at_sea=counts["still_at_sea"],
        disembarked_share=round(counts["disembarked"] / n, 4) if n else None,
        refused_or_pushed_back_share=round(sum(counts[o] for o in _REFUSED) / n, 4) if n else None,
        detention_share=(
            round(sum(1 for x in receptions if x == "detention") / len(receptions), 4) if receptions else None
        ),
        uasc=_known_sum(rs, "uasc"),
        pregnant_women=_known_sum(rs, "pregnant_women"),
        older_persons=_known_sum(rs, "older_persons"),
        persons_with_disabilities=_known_sum(rs, "persons_with_disabilities"),
        medical_evacuations=_known_sum(rs, "medical_evacuations"),
        cases_screened=_cases_with(rs, "screened"),
        cases_consular_notified=_cases_with(rs, "consular_notification"),
    )


def group_figures(records: Iterable[OutcomeRecord], by: Sequence[str], exercise: bool = False) -> list[GroupFigures]:
    """Unsuppressed figures per group of ``by`` (dimensions from :data:`GROUPINGS`), sorted by group: of
    real cases only, or with ``exercise`` of exercise cases only."""
    for dim in by:
        if dim not in GROUPINGS:
            raise ReportFormatError(f"cannot group by {dim!r}; choose from {', '.join(GROUPINGS)}")
    if not by:
        raise ReportFormatError("give at least one grouping (state, port, year or route)")
    groups: dict[tuple[tuple[str, str], ...], list[OutcomeRecord]] = {}
    for r in records:
        if r.is_exercise and not exercise:
            raise ReportFormatError(f"case {r.case_id} is an exercise: exercises never enter statistics")
        if exercise and not r.is_exercise:
            raise ReportFormatError(f"case {r.case_id} is real: a real case never enters exercise figures")
        key = tuple((dim, _key(r, dim)) for dim in by)
        groups.setdefault(key, []).append(r)
    return [_figures(k, groups[k]) for k in sorted(groups)]


_COUNT_FIELDS = (
    "cases",
    "persons",
    "dead",
    "missing",
    "disembarked",
    "refused",
    "pushed_back",
    "towed_out",
    "still_at_sea",
    "uasc",
    "pregnant_women",
    "older_persons",
    "persons_with_disabilities",
    "medical_evacuations",
    "cases_screened",
    "cases_consular_notified",
)
_CASE_BASED = (
    "median_days_at_sea",
    "median_hours_to_disembarkation",
    "disembarked_share",
    "refused_or_pushed_back_share",
    "detention_share",
)
_PERSON_BASED = ("fatality_ratio", "women_children_share")


def suppress(rows: Iterable[GroupFigures], threshold: int = SMALL_CELL_THRESHOLD) -> list[GroupFigures]:
    """Apply small-cell suppression for shared outputs (see the module docstring)."""
    out = []
    for g in rows:
        changes: dict[str, object] = {}
        for name in _COUNT_FIELDS:
            value = getattr(g, name)
            if value is not None and 0 < value < threshold:
                changes[name] = None
        cases = g.cases or 0
        persons = g.persons or 0
        for name in _CASE_BASED:
            if getattr(g, name) is not None and cases < threshold:
                changes[name] = None
        for name in _PERSON_BASED:
            if getattr(g, name) is not None and (cases < threshold or persons < threshold):
                changes[name] = None
        out.append(replace(g, suppressed=tuple(sorted(changes)), **changes))  # type: ignore[arg-type]
    return out


def practice_of(
    records: Iterable[OutcomeRecord], scope: str, state: str | None = None, port: str | None = None
) -> Practice:
    """Recorded practice of one state or port, for ranking places of safety (unsuppressed counts)."""
    rs = [
        r
        for r in records
        if not r.is_exercise and (state is None or r.state == state) and (port is None or r.port == port)
    ]
    if not rs:
        return Practice(scope, 0, None, None, None, None)
    g = _figures((), rs)
    return Practice(
        scope,
        len(rs),
        g.disembarked_share,
        g.refused_or_pushed_back_share,
        g.detention_share,
        g.median_hours_to_disembarkation,
    )


# ---------------------------------------------------------------------------------------------------------
# Imported IOM Missing Migrants incidents (origin "iom_mmp"), kept apart from live cases
# ---------------------------------------------------------------------------------------------------------

INCIDENT_GROUPINGS = ("region", "year", "route")


@dataclass(frozen=True)
class IncidentRecord:
    """One imported MMP incident, as the summary needs it (counts of persons; None = not recorded)."""

    region: str
    year: int | None
    route: str | None
    dead: int | None
    missing: int | None
    survivors: int | None


@dataclass(frozen=True)
class IncidentFigures:
    """Per group: incidents, dead, missing, survivors (where recorded) and the fatality ratio
    (dead + missing) / (dead + missing + survivors) over incidents whose survivors are recorded."""

    group: tuple[tuple[str, str], ...]
    incidents: int | None
    dead: int | None
    missing: int | None
    survivors: int | None
    incidents_with_survivors: int | None
    fatality_ratio: float | None
    suppressed: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"origin": "iom_mmp", **dict(self.group)}
        for f in fields(self):
            if f.name not in ("group", "suppressed"):
                d[f.name] = getattr(self, f.name)
        d["suppressed"] = list(self.suppressed)
        return d


def incident_figures(
    records: Iterable[IncidentRecord], by: Sequence[str], threshold: int = SMALL_CELL_THRESHOLD
) -> list[IncidentFigures]:
    """Suppressed summary of imported incidents per group (counts 1-4 hidden; ratio hidden under 5)."""
    for dim in by:
        if dim not in INCIDENT_GROUPINGS:
            raise ReportFormatError(
                f"imported incidents cannot be grouped by {dim!r}; choose from {', '.join(INCIDENT_GROUPINGS)}"
            )
    if not by:
        raise ReportFormatError("give at least one grouping (region, year or route)")
    groups: dict[tuple[tuple[str, str], ...], list[IncidentRecord]] = {}
    for r in records:
        values = {"region": r.region, "year": r.year, "route": r.route}
        key = tuple((d, "unknown" if values[d] in (None, "") else str(values[d])) for d in by)
        groups.setdefault(key, []).append(r)
    out = []
    for key in sorted(groups):
        rs = groups[key]
        with_survivors = [r for r in rs if r.survivors is not None]
        lost = sum((r.dead or 0) + (r.missing or 0) for r in with_survivors)
        embarked = lost + sum(r.survivors or 0 for r in with_survivors)
        counts: dict[str, int | None] = {
            "incidents": len(rs),
            "dead": sum(r.dead or 0 for r in rs),
            "missing": sum(r.missing or 0 for r in rs),
            "survivors": sum(r.survivors or 0 for r in with_survivors) if with_survivors else None,
            "incidents_with_survivors": len(with_survivors),
        }
        ratio = round(lost / embarked, 4) if embarked else None
        hidden = [k for k, v in counts.items() if v is not None and 0 < v < threshold]
        if ratio is not None and (len(with_survivors) < threshold or embarked < threshold):
            hidden.append("fatality_ratio")
            ratio = None
        for k in hidden:
            if k in counts:
                counts[k] = None
        out.append(IncidentFigures(key, **counts, fatality_ratio=ratio, suppressed=tuple(sorted(hidden))))
    return out


def suppress_shared(
    records: Iterable[OutcomeRecord],
    by: Sequence[str],
    threshold: int = SMALL_CELL_THRESHOLD,
    exercise: bool = False,
) -> list[GroupFigures]:
    """Figures per group of ``by`` for shared outputs: :func:`suppress` plus complementary suppression
    against the grand total and every coarser grouping (see the module docstring)."""
    from coordination.disembarkation.disclosure import COUNT_COLUMNS, Cell, protect, table_relations

    records = list(records)
    rows = group_figures(records, by, exercise)
    members: dict[tuple[tuple[str, str], ...], list[OutcomeRecord]] = {}
    for r in records:
        members.setdefault(tuple((dim, _key(r, dim)) for dim in by), []).append(r)
    # coarser groupings a reader may hold: the grand total, each proper subset of `by`, and a port's state
    coarser: list[tuple[str, ...]] = [()]
    for size in range(1, len(by)):
        for combo in _combinations(tuple(by), size):
            coarser.append(combo)
    if "port" in by and "state" not in by:
        coarser.append(("state",))
    values: dict[Cell, int | None] = {}
    for row in rows:
        for col in COUNT_COLUMNS:
            values[(row.group, col)] = getattr(row, col)
    marginals: dict[Hashable, Sequence[Hashable]] = {}
    for dims in coarser:
        by_key: dict[tuple[tuple[str, str], ...], list[OutcomeRecord]] = {}
        for r in records:
            by_key.setdefault(tuple((d, _key(r, d)) for d in dims), []).append(r)
        for mkey, mrecords in by_key.items():
            mname = ("marginal", dims, mkey)
            inside = [
                row.group
                for row in rows
                if {tuple((d, _key(r, d)) for d in dims) for r in members[row.group]} == {mkey}
            ]
            if sum(len(members[g]) for g in inside) != len(mrecords):
                continue  # a row straddles two marginal groups: no exact sum relation
            figures = _figures((), mrecords)
            for col in COUNT_COLUMNS:
                values[(mname, col)] = getattr(figures, col)
            marginals[mname] = inside
    ours = {cell for cell in values if not (isinstance(cell[0], tuple) and cell[0][:1] == ("marginal",))}
    hidden = protect(values, table_relations([row.group for row in rows], marginals), threshold, ours=ours)
    out = []
    for row in suppress(rows, threshold):
        gone = {col for col in COUNT_COLUMNS if (row.group, col) in hidden}
        changes: dict[str, object] = {col: None for col in gone}
        derived = {
            "disembarked_share": {"cases", "disembarked"},
            "refused_or_pushed_back_share": {"cases", "refused", "pushed_back", "towed_out"},
            "fatality_ratio": {"persons", "dead", "missing"},
            "women_children_share": {"persons"},
        }
        for name, inputs in derived.items():
            if gone & inputs:
                changes[name] = None
        if "cases" in gone:
            for name in _CASE_BASED + _PERSON_BASED:
                changes[name] = None
        changes = {k: v for k, v in changes.items() if getattr(row, k) is not None or k in gone}
        out.append(replace(row, suppressed=tuple(sorted(set(row.suppressed) | set(changes))), **changes))  # type: ignore[arg-type]
    return out


def _combinations(dims: tuple[str, ...], size: int) -> list[tuple[str, ...]]:
    from itertools import combinations

    return list(combinations(dims, size))
