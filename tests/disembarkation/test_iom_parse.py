"""Parsing the real IOM Missing Migrants CSVs (both layouts): rows, regions, totals against the files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from coordination.disembarkation.errors import ImportFormatError
from coordination.disembarkation.iom import REGION_MAP, parse_iom_csv

OLD = "iom_mmp_global_2014-2019_snapshot_2020-01-08.csv"
NEW = "iom_mmp_global_2026_snapshot_2026-05-06.csv"
SUBSET = "iom_mmp_asia_pacific_subset_2014-2019.csv"


def file_column_sum(path: Path, column: str) -> int:
    """Independent check: the column's total as written in the file (thousands separators removed)."""
    with path.open(encoding="utf-8", newline="") as f:
        return sum(int(r[column].replace(",", "")) for r in csv.DictReader(f) if r[column].strip())


def file_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as f:
        return sum(1 for _ in csv.DictReader(f))


@pytest.mark.parametrize(
    ("name", "layout", "rows"), [(OLD, "mmp_2020", 6249), (NEW, "mmp_2026", 238), (SUBSET, "mmp_2020", 331)]
)
def test_rows_layout_and_totals_equal_the_file(shared_data: Path, name: str, layout: str, rows: int) -> None:
    path = shared_data / "incidents" / name
    parsed = parse_iom_csv(path.read_text(encoding="utf-8"), name)
    assert parsed.source_schema == layout
    assert parsed.rows == len(parsed.incidents) == rows == file_rows(path)
    columns = {
        "dead": "Number Dead",
        "missing": "Minimum Estimated Number of Missing",
        "survivors": "Number of Survivors",
        "females": "Number of Females",
        "males": "Number of Males",
        "children": "Number of Children",
    }
    if layout == "mmp_2020":
        columns["dead_and_missing"] = "Total Dead and Missing"
    for key, column in columns.items():
        expected = file_column_sum(path, column)
        assert parsed.file_totals[key] == expected, key
        stored = sum(getattr(i, key) or 0 for i in parsed.incidents)
        # stored + set-aside (negative, impossible) values reconcile with the file's total
        assert stored + parsed.set_aside[key] == expected, key


def test_regions_are_all_mapped(shared_data: Path) -> None:
    for name in (OLD, NEW):
        parsed = parse_iom_csv((shared_data / "incidents" / name).read_text(encoding="utf-8"), name)
        assert all(not i.region.startswith("unmapped") for i in parsed.incidents)
        assert {i.region for i in parsed.incidents} <= set(REGION_MAP.values())
    old = parse_iom_csv((shared_data / "incidents" / OLD).read_text(encoding="utf-8"), OLD)
    by_old: dict[str, set[str]] = {}
    for i in old.incidents:
        by_old.setdefault(i.region_iom, set()).add(i.region)
    assert by_old["Southeast Asia"] == {"South-eastern Asia"} and by_old["South Asia"] == {"Southern Asia"}
    # Asia-Pacific rows of the old global file = the derived subset file (331: South, Southeast, East Asia)
    assert sum(1 for i in old.incidents if i.asia_pacific) == 331
    new = parse_iom_csv((shared_data / "incidents" / NEW).read_text(encoding="utf-8"), NEW)
    assert sum(1 for i in new.incidents if i.asia_pacific) == 13  # 7 Southern Asia + 6 South-eastern Asia


def test_impossible_values_in_the_current_file_are_set_aside_not_stored(shared_data: Path) -> None:
    parsed = parse_iom_csv((shared_data / "incidents" / NEW).read_text(encoding="utf-8"), NEW)
    assert parsed.set_aside["missing"] == -5 and parsed.set_aside["survivors"] == -1
    noted = [i for i in parsed.incidents if any("negative" in n for n in i.quality_notes)]
    assert len(noted) == 2
    assert all(
        (i.missing is None or i.missing >= 0) and (i.survivors is None or i.survivors >= 0) for i in parsed.incidents
    )


def test_thousands_separator_and_dates_and_coordinates(shared_data: Path) -> None:
    parsed = parse_iom_csv((shared_data / "incidents" / OLD).read_text(encoding="utf-8"), OLD)
    assert max(i.dead_and_missing or 0 for i in parsed.incidents) == 1022
    first = parsed.incidents[0]
    assert (first.incident_id, str(first.incident_date)) == ("52682", "2020-01-05")
    assert first.lat == pytest.approx(38.61076246)
    new = parse_iom_csv((shared_data / "incidents" / NEW).read_text(encoding="utf-8"), NEW)
    assert str(new.incidents[0].incident_date) == "2026-01-01" and new.incidents[0].main_id == "2026.MMP0001"
    assert all(i.incident_date is not None for i in parsed.incidents + new.incidents)


def test_an_unknown_layout_names_the_missing_columns() -> None:
    with pytest.raises(ImportFormatError, match="lacks columns"):
        parse_iom_csv("Web ID,Region of Incident\n1,Mediterranean\n", "x.csv")
