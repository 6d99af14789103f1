"""Decoded AIS history in CSV: the real MarineCadastre day in ../shared/data/ais_csv, and DMA / AMSA rows
written from the publishers' column descriptions (no such file is in the shared data)."""

from __future__ import annotations

import csv
import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.errors import CsvLayoutError
from ingest.history_csv import CsvHistoryReader, detect_layout, read_csv_history
from seasight.schemas import PositionReport, RejectedInput, StaticVoyageReport

RECEIVED = datetime(2026, 11, 23, tzinfo=UTC)


def test_marinecadastre_day(shared_data: Path) -> None:
    path = shared_data / "ais_csv" / "marinecadastre_AIS_2022-01-03_first99999.csv.gz"
    with gzip.open(path, "rt", newline="") as fh:
        rows = list(csv.DictReader(fh))
    outcomes = list(read_csv_history(path, None, "history", clock=lambda: RECEIVED))
    assert len(outcomes) == len(rows) == 99_999
    rejected = [o for o in outcomes if isinstance(o, RejectedInput)]
    positions = [r for o in outcomes if isinstance(o, list) for r in o if isinstance(r, PositionReport)]
    statics = [r for o in outcomes if isinstance(o, list) for r in o if isinstance(r, StaticVoyageReport)]
    assert len(positions) + len(rejected) == len(rows)
    # The only bad rows: a transponder sending a 10-digit MMSI (1072211352: the 30-bit field allows it,
    # ITU-R M.585 does not). Counted from the file itself.
    ten_digit = [r for r in rows if len(r["MMSI"]) > 9]
    assert len(rejected) == len(ten_digit) > 0 and all("MMSI" in r.detail for r in rejected)
    assert len({p.mmsi for p in positions}) == 10_631 - len({r["MMSI"] for r in ten_digit})  # SOURCES.md
    # Not-available codes as counted in the file itself become nulls.
    assert sum(1 for p in positions if p.heading_deg is None) >= sum(1 for r in rows if r["Heading"] == "511")
    assert sum(1 for p in positions if p.sog_kn is None) == sum(1 for r in rows if r["SOG"] == "102.3")
    first = positions[0]
    assert (first.mmsi, first.lat, first.lon, first.sog_kn, first.cog_deg, first.heading_deg) == (
        338148873,
        33.60716,
        -117.91483,
        0.0,
        280.0,
        None,
    )
    assert first.observed_at == datetime(2022, 1, 3, tzinfo=UTC) and first.msg_type == 18  # class B
    # Static records only when a vessel's static values change: far fewer than rows, at least one per vessel
    # that has a name.
    named = {r["MMSI"] for r in rows if r["VesselName"]}
    assert len(named) <= len(statics) < len(rows) // 5
    eagle = next(s for s in statics if s.mmsi == 367379190)
    assert (eagle.shipname, eagle.imo, eagle.callsign, eagle.ship_type, eagle.draught_m) == (
        "EAGLE",
        8207721,
        "WTD4583",
        31,
        3.3,
    )


DMA_HEADER = (
    "# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,Heading,IMO,"
    "Callsign,Name,Ship type,Cargo type,Width,Length,Type of position fixing device,Draught,"
    "Destination,ETA,Data source type,A,B,C,D"
)


def test_dma_layout(tmp_path: Path) -> None:
    path = tmp_path / "aisdk.csv"
    path.write_text(
        DMA_HEADER + "\n"
        "04/01/2018 00:00:00,Class A,219000873,56.990910,10.304543,Under way using engine,0,0.1,"
        "48.7,511,9312030,OXEK2,MARIE,Cargo,,12,77,GPS,4.9,AARHUS,04/01/2018 06:00:00,AIS,60,17,6,6\n"
        "04/01/2018 00:00:01,Class B,219005931,91.000000,181.000000,Unknown value,,,,,Unknown,,,"
        "Undefined,,,,Undefined,,Unknown,,AIS,,,,\n"
    )
    assert detect_layout(DMA_HEADER.split(",")) == "dma"
    first, second = read_csv_history(path, "dma", None, clock=lambda: RECEIVED)
    assert isinstance(first, list) and isinstance(second, RejectedInput)
    position, static = first
    assert isinstance(position, PositionReport) and isinstance(static, StaticVoyageReport)
    assert position.observed_at == datetime(2018, 1, 4, tzinfo=UTC)
    assert (position.nav_status, position.sog_kn, position.heading_deg, position.msg_type) == (
        0,
        0.1,
        None,
        1,
    )
    assert (static.imo, static.shipname, static.destination, static.draught_m) == (
        9312030,
        "MARIE",
        "AARHUS",
        4.9,
    )
    assert second.reason == "no_position"


def test_amsa_layout(tmp_path: Path) -> None:
    path = tmp_path / "cts.csv"
    path.write_text(
        "CRAFT_ID,LON,LAT,COURSE,SPEED,TIMESTAMP,NAME\n"
        "503123456,146.8,-19.2,10.5,12.0,2023-01-05T03:00:00Z,REEF RUNNER\n"
    )
    (records,) = read_csv_history(path, "amsa", None, clock=lambda: RECEIVED)
    assert isinstance(records, list)
    position = records[0]
    assert isinstance(position, PositionReport)
    assert (position.mmsi, position.lat, position.lon) == (503123456, -19.2, 146.8)


def test_bad_rows_are_rejected_naming_the_column(tmp_path: Path) -> None:
    reader = CsvHistoryReader("marinecadastre", "csv:x", None)
    reader.bind(["MMSI", "BaseDateTime", "LAT", "LON"])
    bad_time = reader.row({"MMSI": "1", "BaseDateTime": "yesterday", "LAT": "1", "LON": "1"}, RECEIVED)
    bad_lat = reader.row({"MMSI": "1", "BaseDateTime": "2022-01-03T00:00:00", "LAT": "95", "LON": "1"}, RECEIVED)
    bad_mmsi = reader.row({"MMSI": "x1", "BaseDateTime": "2022-01-03T00:00:00", "LAT": "1", "LON": "1"}, RECEIVED)
    assert isinstance(bad_time, RejectedInput) and "time" in bad_time.detail
    assert isinstance(bad_lat, RejectedInput) and bad_lat.reason == "out_of_range"
    assert isinstance(bad_mmsi, RejectedInput) and "MMSI" in bad_mmsi.detail


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("MMSI,BaseDateTime,LAT\n1,2022-01-03T00:00:00,1\n")
    with pytest.raises(CsvLayoutError, match="lon"):
        list(read_csv_history(path, "marinecadastre", None))
    with pytest.raises(CsvLayoutError, match="matches no known layout"):
        list(read_csv_history(path, None, None))
