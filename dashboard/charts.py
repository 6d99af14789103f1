"""Charts of suppressed figures that do not lie (issue 18): a known value is a bar; a suppressed value is
never a bar, it is a hatched-grey stub labelled "<5" (counts) or "suppressed" (medians, shares, ratios on
fewer than 5 cases or persons); an unknown value is labelled "unknown". Nothing reads "null".

:func:`chart_rows` is the pure part (tested without Streamlit); :func:`figure_chart` draws it with Altair
(Streamlit's own chart library), one horizontal bar per group and measure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from coordination.disembarkation.practices import SMALL_CELL_THRESHOLD

SUPPRESSED_COUNT = f"<{SMALL_CELL_THRESHOLD}"
SUPPRESSED_RATIO = "suppressed"
UNKNOWN = "unknown"
RATIO_COLUMNS = frozenset(
    {
        "median_days_at_sea",
        "median_hours_to_disembarkation",
        "fatality_ratio",
        "women_children_share",
        "disembarked_share",
        "refused_or_pushed_back_share",
        "detention_share",
    }
)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def chart_rows(frame: pd.DataFrame, columns: Sequence[str], group: str = "group") -> pd.DataFrame:
    """One row per (group, measure): ``value`` (0 when not a bar), ``shown`` ("value", "suppressed" or
    "unknown") and ``label`` (the number, "<5", "suppressed" or "unknown"). A cell is suppressed when its
    column is listed in the row's ``suppressed`` list."""
    out: list[dict[str, Any]] = []
    for _, row in frame.iterrows():
        hidden = set(row["suppressed"]) if "suppressed" in row and isinstance(row["suppressed"], list) else set()
        for column in columns:
            value = row[column]
            if column in hidden:
                label = SUPPRESSED_RATIO if column in RATIO_COLUMNS else SUPPRESSED_COUNT
                out.append(
                    {"group": str(row[group]), "measure": column, "value": 0.0, "shown": "suppressed", "label": label}
                )
            elif _missing(value):
                out.append(
                    {"group": str(row[group]), "measure": column, "value": 0.0, "shown": "unknown", "label": UNKNOWN}
                )
            else:
                number = float(value)
                text = f"{number:.2f}" if column in RATIO_COLUMNS and number < 10 else f"{number:,.0f}"
                out.append(
                    {"group": str(row[group]), "measure": column, "value": number, "shown": "value", "label": text}
                )
    return pd.DataFrame(out, columns=["group", "measure", "value", "shown", "label"])


def figures_table(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The practices table as shown: a suppressed cell of ``columns`` reads "<5" (a count) or "suppressed"
    (a median, share or ratio) and a missing one "unknown", never an empty cell that reads as nothing;
    known values stay numbers (the table still sorts them)."""
    out = frame.copy()
    for column in columns:
        cells: list[object] = []
        for _, row in frame.iterrows():
            hidden = row["suppressed"] if "suppressed" in row and isinstance(row["suppressed"], list) else []
            value = row[column]
            if column in hidden:
                cells.append(SUPPRESSED_RATIO if column in RATIO_COLUMNS else SUPPRESSED_COUNT)
            elif _missing(value):
                cells.append(UNKNOWN)
            else:
                cells.append(value)
        out[column] = pd.Series(cells, index=frame.index, dtype=object)
    return out


def figure_chart(rows: pd.DataFrame) -> alt.LayerChart:
    """Bars for known values; for suppressed and unknown ones a grey hatched stub and its label, never a
    bar of a made-up length."""
    base = alt.Chart(rows).encode(
        y=alt.Y("group:N", title=None, sort=None),
        yOffset=alt.YOffset("measure:N"),
        tooltip=["group", "measure", "label"],
    )
    bars = (
        base.transform_filter(alt.datum.shown == "value")
        .mark_bar()
        .encode(x=alt.X("value:Q", title=None), color=alt.Color("measure:N", title=None))
    )
    stubs = (
        base.transform_filter(alt.datum.shown != "value")
        .mark_bar(color="#bbbbbb", opacity=0.6, strokeDash=[3, 2], stroke="#666666", strokeWidth=1)
        .encode(x=alt.datum(0), x2=alt.X2(datum=0), color=alt.value("#bbbbbb"))
    )
    labels = base.mark_text(align="left", dx=4, fontSize=11).encode(
        x=alt.X("value:Q"),
        text="label:N",
        color=alt.condition(alt.datum.shown == "value", alt.value("#222222"), alt.value("#8a1c1c")),
    )
    return alt.LayerChart(layer=[bars, stubs, labels])
