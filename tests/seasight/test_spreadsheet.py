"""CSV exports open in a spreadsheet without running anything (OWASP CSV injection guidance)."""

from __future__ import annotations

import ast
import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from coordination.surpic import SurpicEntry, to_csv
from seasight.spreadsheet import FORMULA_STARTS, csv_text, safe_cell
from tests.conftest import REPO_ROOT

HOSTILE = ['=HYPERLINK("http://x","ok")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def test_formula_like_text_is_neutralised_and_numbers_stay_numbers() -> None:
    for text in HOSTILE:
        assert safe_cell(text) == ("'" + text).replace("\r", "\n")
    assert safe_cell("DEMO SETIA 5") == "DEMO SETIA 5"
    assert safe_cell(-94.25) == -94.25 and safe_cell(0) == 0 and safe_cell(None) == ""
    assert safe_cell(["=A1", "b"]) == "'=A1;b"


@given(st.text())
def test_no_cell_read_back_starts_like_a_formula(text: str) -> None:
    document = csv_text(["value"], [{"value": text}])
    (row,) = list(csv.DictReader(io.StringIO(document, newline="")))
    assert not row["value"].startswith(FORMULA_STARTS)
    expected = ("'" + text if text.startswith(FORMULA_STARTS) else text).replace("\r\n", "\n").replace("\r", "\n")
    assert row["value"] == expected  # nothing else changed


def test_a_surpic_with_a_hostile_ship_name_is_safe() -> None:
    entry = SurpicEntry(
        mmsi=525_000_001,
        name='=HYPERLINK("http://evil.example","CLICK")',
        ship_type=70,
        length_m=120.0,
        lat=-9.5,
        lon=-170.25,
        sog_kn=12.0,
        cog_deg=45.0,
        observed_at=datetime(2026, 11, 24, 6, 0, tzinfo=UTC),
        distance_nm=12.5,
        bearing_to_datum_deg=300.0,
        course_change_deg=-15.0,
        eta_hours=1.0,
    )
    (row,) = list(csv.DictReader(io.StringIO(to_csv([entry]))))
    assert entry.name is not None and row["name"] == "'" + entry.name
    assert row["lon"] == "-170.25" and row["course_change_deg"] == "-15.0"  # numbers untouched


def test_every_csv_export_goes_through_the_shared_helper() -> None:
    """Only seasight/spreadsheet.py may build CSV with the csv module's writers."""
    writers = []
    for folder in ("seasight", "ingest", "tracking", "coordination", "dashboard", "geodata"):
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            if path == REPO_ROOT / "seasight" / "spreadsheet.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr in ("writer", "DictWriter", "to_csv")
                    and (not isinstance(node.value, ast.Name) or node.value.id in ("csv", "pd", "frame", "df"))
                ):
                    writers.append(f"{Path(path).relative_to(REPO_ROOT)}:{node.lineno}")
    assert not writers, f"CSV written outside seasight.spreadsheet: {writers}"
