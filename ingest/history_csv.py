"""Decoded AIS history in CSV into Seasight records, so centres can load and replay what others published.

Layouts (columns are matched case-insensitively, surrounding spaces and a leading ``#`` ignored):

``marinecadastre``
    US MarineCadastre / NAIS daily files (``AIS_YYYY_MM_DD.csv``): MMSI, BaseDateTime (UTC,
    ``2022-01-03T00:00:00``), LAT, LON, SOG (kn), COG (°), Heading (°), VesselName, IMO (``IMO9361354``),
    CallSign, VesselType, Status, Length, Width, Draft, Cargo, TransceiverClass (A/B).
    Checked against the real day in ../shared/data/ais_csv.
``dma``
    Danish Maritime Authority ``aisdk`` daily files: ``# Timestamp`` (UTC, ``31/12/2015 23:59:59``),
    Type of mobile, MMSI, Latitude, Longitude, Navigational status (text), ROT, SOG, COG, Heading, IMO,
    Callsign, Name, Ship type (text), Cargo type, Width, Length, Type of position fixing device, Draught,
    Destination, ETA, Data source type, A, B, C, D — as the DMA documents them. No DMA CSV file is in the
    shared data, so this layout is tested with rows written from that description only.
``amsa``
    AMSA Craft Tracking System points (published as monthly shapefiles; exported to CSV e.g. with
    ``ogr2ogr -f CSV``): MMSI (or CRAFT_ID), TIMESTAMP (UTC, ISO 8601 or ``DD/MM/YYYY HH:MM:SS``), LAT /
    LATITUDE, LON / LONGITUDE, SPEED or SOG (kn), COURSE or COG (°), optional NAME, TYPE. Written from
    AMSA's description of the data, not checked against an AMSA file (none is available offline).

The CSV says nothing of the message a row came from: a position is given ``msg_type`` 1 for Class A rows
and 18 for Class B rows; a static record ``msg_type`` 5 (Class A) or 24 (Class B), emitted only when a
vessel's static values change. "Not available" values become ``None`` (SOG 102.3, COG 360, heading 511).
A row that cannot become a record is a :class:`~seasight.schemas.RejectedInput` naming the column.
"""

from __future__ import annotations

import csv
import gzip
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from ingest.errors import CsvLayoutError
from seasight.clock import Clock, system_clock
from seasight.schemas import PositionReport, RejectedInput, StaticVoyageReport

# ITU-R M.1371 table 45 navigational status, as the DMA writes it in words.
NAV_STATUS_WORDS: dict[str, int] = {
    "under way using engine": 0,
    "at anchor": 1,
    "not under command": 2,
    "restricted manoeuverability": 3,
    "restricted maneuverability": 3,
    "constrained by her draught": 4,
    "moored": 5,
    "aground": 6,
    "engaged in fishing": 7,
    "under way sailing": 8,
    "reserved for future amendment [hsc]": 9,
    "reserved for future amendment [wig]": 10,
    "power-driven vessel towing astern": 11,
    "power-driven vessel pushing ahead or towing alongside": 12,
    "reserved for future use": 13,
    "ais-sart": 14,
    "unknown value": 15,
    "unknown": 15,
}


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """Where each value is in a layout: for each field, the accepted column names (lower case)."""

    name: str
    mmsi: tuple[str, ...]
    time: tuple[str, ...]
    lat: tuple[str, ...]
    lon: tuple[str, ...]
    sog: tuple[str, ...] = ()
    cog: tuple[str, ...] = ()
    heading: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    shipname: tuple[str, ...] = ()
    imo: tuple[str, ...] = ()
    callsign: tuple[str, ...] = ()
    ship_type: tuple[str, ...] = ()
    draught: tuple[str, ...] = ()
    destination: tuple[str, ...] = ()
    transceiver: tuple[str, ...] = ()


LAYOUTS: dict[str, CsvLayout] = {
    "marinecadastre": CsvLayout(
        "marinecadastre",
        mmsi=("mmsi",),
        time=("basedatetime",),
        lat=("lat",),
        lon=("lon",),
        sog=("sog",),
        cog=("cog",),
        heading=("heading",),
        status=("status",),
        shipname=("vesselname",),
        imo=("imo",),
        callsign=("callsign",),
        ship_type=("vesseltype",),
        draught=("draft",),
        transceiver=("transceiverclass",),
    ),
    "dma": CsvLayout(
        "dma",
        mmsi=("mmsi",),
        time=("timestamp",),
        lat=("latitude",),
        lon=("longitude",),
        sog=("sog",),
        cog=("cog",),
        heading=("heading",),
        status=("navigational status",),
        shipname=("name",),
        imo=("imo",),
        callsign=("callsign",),
        draught=("draught",),
        destination=("destination",),
        transceiver=("type of mobile",),
    ),
    "amsa": CsvLayout(
        "amsa",
        mmsi=("mmsi", "craft_id"),
        time=("timestamp", "timestamp_utc", "datetime", "utc"),
        lat=("lat", "latitude"),
        lon=("lon", "longitude"),
        sog=("speed", "sog"),
        cog=("course", "cog"),
        heading=("heading",),
        shipname=("name", "shipname", "vessel_name"),
        ship_type=("type",),
    ),
}


def _normalise_header(name: str) -> str:
    return name.strip().lstrip("#").strip().lower()


def detect_layout(header: Iterable[str]) -> str:
    """The layout whose required columns the header has (MarineCadastre, then DMA, then AMSA)."""
    names = {_normalise_header(h) for h in header}
    for layout in LAYOUTS.values():
        if all(any(c in names for c in cols) for cols in (layout.mmsi, layout.time, layout.lat, layout.lon)):
            return layout.name
    raise CsvLayoutError(
        f"CSV header {sorted(names)[:12]} matches no known layout ({', '.join(LAYOUTS)}); give --layout"
    )


class _RowError(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _parse_time(text: str) -> datetime:
    text = text.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y/%m/%d %H:%M:%S"):
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise _RowError("invalid_record", f"time {text!r} is not a date and time") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _number(text: str | None, column: str) -> float | None:
    if text is None:
        return None
    text = text.strip()
    if not text or text.lower() in ("unknown", "nan", "null", "none"):
        return None
    try:
        return float(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
    except ValueError:
        raise _RowError("invalid_record", f"{column} {text!r} is not a number") from None


class CsvHistoryReader:
    """Rows of one layout into position and static records (or rejections); static de-duplicated per MMSI.

    ``max_vessels`` (count, default 200,000): vessels whose last static values are remembered.
    """

    def __init__(self, layout: str, feed: str, station: str | None, max_vessels: int = 200_000) -> None:
        if layout not in LAYOUTS:
            raise CsvLayoutError(f"--layout {layout!r}: unknown, choose one of {', '.join(LAYOUTS)}")
        self.layout = LAYOUTS[layout]
        self.feed = feed
        self.station = station
        self.max_vessels = max_vessels
        self._static: OrderedDict[int, tuple[object, ...]] = OrderedDict()
        self._columns: dict[str, str | None] = {}

    def bind(self, header: list[str]) -> None:
        """Find each field's column in ``header``; raise naming the required columns that are missing."""
        by_norm = {_normalise_header(h): h for h in header}
        missing = []
        for field_name in CsvLayout.__dataclass_fields__:
            if field_name == "name":
                continue
            aliases: tuple[str, ...] = getattr(self.layout, field_name)
            column = next((by_norm[a] for a in aliases if a in by_norm), None)
            self._columns[field_name] = column
            if column is None and field_name in ("mmsi", "time", "lat", "lon"):
                missing.append(f"{field_name} ({' or '.join(aliases)})")
        if missing:
            raise CsvLayoutError(f"layout {self.layout.name}: CSV has no column for {', '.join(missing)}")

    def _get(self, row: dict[str, str], field_name: str) -> str | None:
        column = self._columns.get(field_name)
        if column is None:
            return None
        value = row.get(column)
        return value.strip() if isinstance(value, str) else None

    def row(
        self, row: dict[str, str], received_at: datetime
    ) -> list[PositionReport | StaticVoyageReport] | RejectedInput:
        try:
            return self._row(row, received_at)
        except _RowError as exc:
            raw = ",".join(v for v in row.values() if isinstance(v, str))
            return RejectedInput(
                feed=self.feed,
                station=self.station,
                reason=exc.reason,
                detail=exc.detail,
                raw=raw[:2000],
                received_at=received_at,
            )

    def _row(self, row: dict[str, str], received_at: datetime) -> list[PositionReport | StaticVoyageReport]:
        g = self._get
        mmsi_text = g(row, "mmsi") or ""
        if not mmsi_text.isdigit() or len(mmsi_text) > 9:
            raise _RowError("invalid_record", f"MMSI {mmsi_text!r} is not a number of at most 9 digits")
        mmsi = int(mmsi_text)
        observed_at = _parse_time(g(row, "time") or "")
        lat, lon = _number(g(row, "lat"), "latitude"), _number(g(row, "lon"), "longitude")
        if lat is None or lon is None:
            raise _RowError("no_position", "latitude or longitude empty")
        if lat == 91 or lon == 181:
            raise _RowError("no_position", "position not available (91/181)")
        if not -90 <= lat <= 90 or not -180 <= lon <= 180:
            raise _RowError("out_of_range", f"position {lat}, {lon} outside ±90/±180")
        sog = _number(g(row, "sog"), "SOG")
        cog = _number(g(row, "cog"), "COG")
        heading = _number(g(row, "heading"), "heading")
        sog = sog if sog is not None and 0 <= sog <= 102.2 else None
        cog = cog if cog is not None and 0 <= cog < 360 else None
        heading_deg = int(heading) if heading is not None and 0 <= heading < 360 else None
        class_b = (g(row, "transceiver") or "").upper().endswith("B")
        status_text = g(row, "status")
        status: int | None = None
        if status_text:
            try:
                status = int(float(status_text))
            except ValueError:
                status = NAV_STATUS_WORDS.get(status_text.lower())
            if status is not None and not 0 <= status <= 15:
                status = None
        records: list[PositionReport | StaticVoyageReport] = [
            PositionReport(
                mmsi=mmsi,
                observed_at=observed_at,
                lat=lat,
                lon=lon,
                sog_kn=sog,
                cog_deg=cog,
                heading_deg=heading_deg,
                nav_status=None if class_b else status,
                msg_type=18 if class_b else 1,
                station=self.station,
                received_at=received_at,
            )
        ]
        static = self._static_record(row, mmsi, observed_at, class_b, received_at)
        if static is not None:
            records.append(static)
        return records

    def _static_record(
        self, row: dict[str, str], mmsi: int, observed_at: datetime, class_b: bool, received_at: datetime
    ) -> StaticVoyageReport | None:
        g = self._get
        name = g(row, "shipname") or None
        callsign = g(row, "callsign") or None
        imo_text = (g(row, "imo") or "").upper().removeprefix("IMO")
        imo = int(imo_text) if imo_text.isdigit() and 1_000_000 <= int(imo_text) <= 9_999_999 else None
        ship_type_text = g(row, "ship_type") or ""
        ship_type = int(float(ship_type_text)) if ship_type_text.replace(".", "", 1).isdigit() else None
        ship_type = ship_type if ship_type is not None and 1 <= ship_type <= 255 else None
        draught = _number(g(row, "draught"), "draught")
        draught = draught if draught is not None and 0 < draught <= 25.5 else None
        destination = g(row, "destination") or None
        values = (name, callsign, imo, ship_type, draught, destination)
        if not any(v is not None for v in values) or self._static.get(mmsi) == values:
            return None
        self._static[mmsi] = values
        self._static.move_to_end(mmsi)
        while len(self._static) > self.max_vessels:
            self._static.popitem(last=False)
        return StaticVoyageReport(
            mmsi=mmsi,
            observed_at=observed_at,
            msg_type=24 if class_b else 5,
            imo=imo,
            callsign=callsign[:7] if callsign else None,
            shipname=name[:20] if name else None,
            ship_type=ship_type,
            to_bow_m=None,
            to_stern_m=None,
            to_port_m=None,
            to_starboard_m=None,
            draught_m=draught,
            destination=destination[:20] if destination else None,
            eta=None,
            station=self.station,
            received_at=received_at,
        )


def open_csv(path: Path) -> TextIO:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open("r", encoding="utf-8-sig", newline="")


def read_csv_history(
    path: Path,
    layout: str | None,
    station: str | None,
    clock: Clock = system_clock,
) -> Iterator[list[PositionReport | StaticVoyageReport] | RejectedInput]:
    """Each row of ``path`` as records or a rejection; raises :class:`CsvLayoutError` for a wrong header."""
    if not path.is_file():
        raise CsvLayoutError(f"CSV file {str(path)!r}: no such file")
    with open_csv(path) as fh:
        rows = csv.DictReader(fh)
        header = rows.fieldnames or []
        if not header:
            raise CsvLayoutError(f"CSV file {str(path)!r} is empty (no header)")
        reader = CsvHistoryReader(layout or detect_layout(header), f"csv:{path.name}", station)
        reader.bind(list(header))
        for row in rows:
            yield reader.row(row, clock())
