"""Complementary (secondary) small-cell suppression for shared tables (pure logic).

Primary suppression alone leaks: a suppressed cell can be got back by subtraction from a published total
or from sibling rows ("IDN 6 − IDLHK 5 recovers IDSBG's 1"), and a row whose case count is hidden must not
show its persons either. This module protects a table of counts against every additive relation a reader
knows:

* each published total (a marginal: the grand total, or a group of a coarser grouping published
  elsewhere, e.g. a state's figures over its ports) is the sum of its rows' cells, column by column;
* within a row, the outcome mix adds up to the cases (disembarked + refused + pushed back + towed out +
  still at sea = cases).

Rules (threshold :data:`coordination.disembarkation.practices.SMALL_CELL_THRESHOLD`, 5):

1. primary: a count from 1 to 4 is suppressed; a row with 1–4 cases has ALL its counts suppressed (persons
   go with their case counts);
2. complementary: while some suppressed cell can be computed exactly from the published cells through
   the relations (a linear combination: checked by rank, :func:`recoverable`), one more published cell of a
   relation holding it is suppressed — the smallest non-zero one, else the smallest.

The guarantee tested (tests/disembarkation/test_disclosure.py, hypothesis): no suppressed cell is
determined by the published cells and totals. (A range may still be narrowed; exact values are not.)
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

Cell = tuple[Hashable, str]  # (row key, column)

MIX_COLUMNS = ("disembarked", "refused", "pushed_back", "towed_out", "still_at_sea")
# persons with specific needs (counts of persons) and procedures on arrival (counts of cases)
NEEDS_COLUMNS = ("uasc", "pregnant_women", "older_persons", "persons_with_disabilities", "medical_evacuations")
PROCEDURE_COLUMNS = ("cases_screened", "cases_consular_notified")
COUNT_COLUMNS = ("cases", "persons", "dead", "missing", *MIX_COLUMNS, *NEEDS_COLUMNS, *PROCEDURE_COLUMNS)


@dataclass(frozen=True)
class Relation:
    """sum(parts) == total, every term a cell."""

    parts: tuple[Cell, ...]
    total: Cell


def table_relations(
    rows: Sequence[Hashable], marginals: Mapping[Hashable, Sequence[Hashable]], columns: Sequence[str] = COUNT_COLUMNS
) -> list[Relation]:
    """The additive relations of a table: for each marginal (key -> its rows) and column, the marginal's cell
    is the sum of its rows' cells; in every row and marginal, the outcome mix adds up to the cases."""
    relations = []
    for total_key, members in marginals.items():
        for col in columns:
            relations.append(Relation(tuple((r, col) for r in members), (total_key, col)))
    if "cases" in columns and all(c in columns for c in MIX_COLUMNS):
        for key in (*rows, *marginals):
            relations.append(Relation(tuple((key, c) for c in MIX_COLUMNS), (key, "cases")))
    return relations


def primary(values: Mapping[Cell, int | None], threshold: int) -> set[Cell]:
    """Counts 1..threshold-1, and every count of a row whose cases are 1..threshold-1."""
    hidden = {cell for cell, v in values.items() if v is not None and 0 < v < threshold}
    small_rows = {key for (key, col), v in values.items() if col == "cases" and v is not None and 0 < v < threshold}
    hidden |= {cell for cell in values if cell[0] in small_rows}
    return hidden


def recoverable(values: Mapping[Cell, int | None], relations: Sequence[Relation], hidden: set[Cell]) -> set[Cell]:
    """Hidden cells whose value follows exactly from the published cells through the relations.

    With x the hidden cells, the relations read A·x = b (b from published values); hidden cell i is
    determined exactly when the unit vector e_i lies in the row space of A (rank test)."""
    unknown = sorted(hidden & set(values), key=repr)
    if not unknown:
        return set()
    index = {cell: i for i, cell in enumerate(unknown)}
    rows = []
    for rel in relations:
        terms = [*rel.parts, rel.total]
        if not any(t in index for t in terms) or any(
            t not in values or values[t] is None for t in terms if t not in index
        ):
            continue  # no hidden cell in it, or it involves an unknown (None) figure: no information
        vector = np.zeros(len(unknown))
        for t in rel.parts:
            if t in index:
                vector[index[t]] += 1.0
        if rel.total in index:
            vector[index[rel.total]] -= 1.0
        rows.append(vector)
    if not rows:
        return set()
    # e_i is in the row space of A exactly when every vector of A's null space is 0 at i: one SVD for all
    # cells (the same test as comparing rank(A) with rank([A; e_i]) cell by cell, far cheaper)
    matrix = np.array(rows)
    _, singular, vt = np.linalg.svd(matrix, full_matrices=True)
    tolerance = singular.max() * max(matrix.shape) * np.finfo(float).eps if singular.size else 0.0
    rank = int((singular > tolerance).sum())
    null_space = vt[rank:]
    if null_space.shape[0] == 0:
        return set(index)
    determined = np.all(np.abs(null_space) < 1e-9, axis=0)
    return {cell for cell, i in index.items() if determined[i]}


def protect(
    values: Mapping[Cell, int | None],
    relations: Sequence[Relation],
    threshold: int,
    ours: set[Cell] | None = None,
) -> set[Cell]:
    """The cells to suppress: primary, then complementary until no hidden cell is recoverable.

    ``ours`` are the cells of the table being published (default: every cell); the others (figures of a
    coarser table published elsewhere) are never chosen for complementary suppression, though their own
    primary suppression counts. When nothing of ours is left next to an exposed cell, every cell of ours in
    its relations is hidden; a cell still exposed after that equals figures published elsewhere."""
    ours = set(values) if ours is None else ours
    hidden = primary(values, threshold)
    settled: set[Cell] = set()
    while True:
        exposed = recoverable(values, relations, hidden) - settled
        if not exposed:
            return hidden
        target = min(exposed, key=repr)
        related = {t for rel in relations if target in (*rel.parts, rel.total) for t in (*rel.parts, rel.total)}
        candidates = {t for t in related if t not in hidden and t in ours and values.get(t) is not None}
        if not candidates:
            settled.add(target)
            continue
        nonzero = [c for c in candidates if (values[c] or 0) > 0]
        pool = nonzero or list(candidates)
        hidden.add(min(pool, key=lambda c: (values[c] or 0, repr(c))))
