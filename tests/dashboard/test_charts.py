"""Charts that do not lie (issue 18): a suppressed value is a labelled stub, never a bar or "null"."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from dashboard.charts import SUPPRESSED_COUNT, chart_rows, figure_chart, figures_table

pytestmark = pytest.mark.unit


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "group": "2021",
                "cases": None,
                "refused": None,
                "fatality_ratio": None,
                "suppressed": ["cases", "fatality_ratio"],
            },
            {"group": "2022", "cases": 12, "refused": 0, "fatality_ratio": 0.125, "suppressed": []},
        ]
    )


def test_suppressed_and_unknown_cells_are_labelled_not_drawn() -> None:
    rows = chart_rows(_frame(), ["cases", "refused", "fatality_ratio"])
    cell = {(r.group, r.measure): (r.value, r.shown, r.label) for r in rows.itertuples()}
    assert cell[("2021", "cases")] == (0.0, "suppressed", SUPPRESSED_COUNT) and SUPPRESSED_COUNT == "<5"
    assert cell[("2021", "fatality_ratio")] == (0.0, "suppressed", "suppressed")
    assert cell[("2021", "refused")] == (0.0, "unknown", "unknown")
    assert cell[("2022", "cases")] == (12.0, "value", "12")
    assert cell[("2022", "refused")] == (0.0, "value", "0")  # a real zero is a value, shown as 0
    assert cell[("2022", "fatality_ratio")] == (0.125, "value", "0.12")


def test_the_chart_draws_bars_only_for_values_and_never_says_null() -> None:
    spec = figure_chart(chart_rows(_frame(), ["cases", "refused", "fatality_ratio"])).to_dict()
    text = json.dumps(spec)
    assert "null" not in json.dumps(spec["datasets"])
    bars = spec["layer"][0]
    assert bars["transform"] == [{"filter": "(datum.shown === 'value')"}]
    assert "<5" in text


def test_the_figures_table_says_suppressed_and_unknown_and_keeps_numbers() -> None:
    table = figures_table(_frame(), ["cases", "refused", "fatality_ratio"])
    assert list(table["cases"]) == ["<5", 12]
    assert list(table["refused"]) == ["unknown", 0]
    assert list(table["fatality_ratio"]) == ["suppressed", 0.125]
    assert list(table["group"]) == ["2021", "2022"]  # other columns as they were
