"""Import of historical incidents from the IOM Missing Migrants Project (MMP) CSV files (CC BY 4.0, cite
"IOM Missing Migrants Project").

Two layouts are read, told apart by their header:

* ``mmp_2020`` — the layout of the 2020 downloads: "Web ID", "Region of Incident", "Reported Date"
  ("January 05, 2020"), "Total Dead and Missing", "Location Coordinates" ("lat, lon") ...
* ``mmp_2026`` — the current layout: "Main ID", "Incident ID", "Region", "Incident Date"
  ("Thu, 01/01/2026 - 12:00"), "Coordinates", "Migration route", "Country of Origin" ...

Regions are mapped to the current MMP region names (:data:`REGION_MAP`, the team's mapping of the old
names; e.g. "Southeast Asia" -> "South-eastern Asia", "South Asia" -> "Southern Asia"). Counts are taken as
written ("1,022" is 1022). A value that cannot be a count (negative or not a number) is not stored: the
field is left empty and the value is kept in ``quality_notes`` and in the import report, so the file's
totals can always be reconciled: stored total + set-aside values = file total.

Imported incidents live in ``iom_incident``, apart from live SAR cases and their recorded outcomes; every
query and export names its origin ("iom_mmp" or "live").
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import psycopg

from coordination.disembarkation.errors import ImportFormatError
from seasight.rows import fetch_one_by_name

log = logging.getLogger("seasight.coordination.disembarkation.iom")

REGION_MAP: dict[str, str] = {
    # 2020 layout name -> current MMP region name (team's mapping)
    "US-Mexico Border": "North America",
    "North Africa": "Northern Africa",
    "Horn of Africa": "Eastern Africa",
    "Middle East": "Western Asia",
    "South Asia": "Southern Asia",
    "Southeast Asia": "South-eastern Asia",
    "East Asia": "Eastern Asia",
    "Sub-Saharan Africa": "Sub-Saharan Africa",  # not split into the current African regions by this import
    # names common to both layouts, and current names
    **{
        name: name
        for name in (
            "Mediterranean",
            "Central America",
            "Europe",
            "Caribbean",
            "South America",
            "North America",
            "Central Asia",
            "Northern Africa",
            "Eastern Africa",
            "Western Africa",
            "Middle Africa",
            "Southern Africa",
            "Western Asia",
            "Southern Asia",
            "South-eastern Asia",
            "Eastern Asia",
            "Oceania",
        )
    },
}
ASIA_PACIFIC_REGIONS = frozenset({"Southern Asia", "South-eastern Asia", "Eastern Asia", "Oceania"})
"""Regions in the Bali Process area of interest (current MMP names)."""

COUNT_FIELDS = ("dead", "missing", "dead_and_missing", "survivors", "females", "males", "children")

_LAYOUTS: dict[str, dict[str, str]] = {
    "mmp_2020": {
        "incident_id": "Web ID",
        "region_iom": "Region of Incident",
        "date": "Reported Date",
        "year": "Reported Year",
        "dead": "Number Dead",
        "missing": "Minimum Estimated Number of Missing",
        "dead_and_missing": "Total Dead and Missing",
        "survivors": "Number of Survivors",
        "females": "Number of Females",
        "males": "Number of Males",
        "children": "Number of Children",
        "cause": "Cause of Death",
        "location": "Location Description",
        "information_source": "Information Source",
        "coordinates": "Location Coordinates",
        "route": "Migration Route",
        "url": "URL",
        "unsd_grouping": "UNSD Geographical Grouping",
        "source_quality": "Source Quality",
    },
    "mmp_2026": {
        "main_id": "Main ID",
        "incident_id": "Incident ID",
        "region_iom": "Region",
        "date": "Incident Date",
        "year": "Year",
        "dead": "Number Dead",
        "missing": "Minimum Estimated Number of Missing",
        "survivors": "Number of Survivors",
        "females": "Number of Females",
        "males": "Number of Males",
        "children": "Number of Children",
        "cause": "Cause of Death",
        "country_of_origin": "Country of Origin",
        "location": "Location of death",
        "information_source": "Information Source",
        "coordinates": "Coordinates",
        "route": "Migration route",
        "url": "URL",
        "unsd_grouping": "UNSD Geographical Grouping",
        "source_quality": "Source Quality",
    },
}


@dataclass(frozen=True)
class IomIncident:
    """One MMP incident as stored (counts are persons; None = not given or set aside)."""

    source_schema: str
    incident_id: str
    main_id: str | None
    region_iom: str
    region: str
    asia_pacific: bool
    incident_date: date | None
    year: int | None
    dead: int | None
    missing: int | None
    dead_and_missing: int | None
    survivors: int | None
    females: int | None
    males: int | None
    children: int | None
    cause: str | None
    location: str | None
    country_of_origin: str | None
    route: str | None
    information_source: str | None
    url: str | None
    unsd_grouping: str | None
    source_quality: int | None
    lat: float | None
    lon: float | None
    quality_notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class IomFile:
    """A parsed file: its layout, incidents, and the file's own column totals as written."""

    file_name: str
    sha256: str
    source_schema: str
    rows: int
    incidents: tuple[IomIncident, ...]
    file_totals: dict[str, int]  # sum of every numeric cell as written, negative ones included
    set_aside: dict[str, int]  # sum of values not stored (negative), per field


def detect_layout(header: Sequence[str]) -> str:
    """``mmp_2020`` or ``mmp_2026`` from the header row; ImportFormatError naming missing columns."""
    present = {h.strip().lstrip("\ufeff") for h in header}
    best, missing_best = "", [""] * 99
    for name, columns in _LAYOUTS.items():
        missing = [c for c in columns.values() if c not in present]
        if not missing:
            return name
        if len(missing) < len(missing_best):
            best, missing_best = name, missing
    raise ImportFormatError(
        f"not an IOM Missing Migrants CSV: closest layout {best} lacks columns "
        f"{', '.join(repr(m) for m in missing_best)}"
    )


def _number(text: str) -> int | None:
    t = text.strip().replace(",", "")
    if not t:
        return None
    if re.fullmatch(r"-?\d+(\.0+)?", t):
        return int(float(t))
    raise ValueError(text)


def _parse_date(text: str, layout: str) -> date | None:
    t = text.strip()
    if not t:
        return None
    formats = ("%B %d, %Y",) if layout == "mmp_2020" else ("%a, %m/%d/%Y - %H:%M", "%m/%d/%Y")
    for fmt in formats:
        try:
            return datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    return None


def parse_iom_csv(text: str, file_name: str) -> IomFile:
    """Parse one MMP CSV (either layout). Pure: no database, no clock."""
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    if reader.fieldnames is None:
        raise ImportFormatError(f"{file_name}: empty file (no header row)")
    layout = detect_layout(reader.fieldnames)
    cols = _LAYOUTS[layout]
    incidents: list[IomIncident] = []
    totals = dict.fromkeys(COUNT_FIELDS, 0)
    set_aside = dict.fromkeys(COUNT_FIELDS, 0)
    rows = 0
    for line_no, raw in enumerate(reader, start=2):
        rows += 1
        notes: list[str] = []

        def text_of(key: str, raw: dict[str, str] = raw) -> str | None:
            col = cols.get(key)
            value = (raw.get(col) or "").strip() if col else ""
            return value or None

        counts: dict[str, int | None] = {}
        for key in COUNT_FIELDS:
            value = text_of(key)
            if value is None:
                counts[key] = None
                continue
            try:
                n = _number(value)
            except ValueError:
                notes.append(f"{cols[key]}={value!r} is not a number")
                counts[key] = None
                continue
            assert n is not None
            totals[key] += n
            if n < 0:
                notes.append(f"{cols[key]}={n} is negative: not stored")
                set_aside[key] += n
                counts[key] = None
            else:
                counts[key] = n
        if (
            layout == "mmp_2026"
            and counts.get("dead_and_missing") is None
            and (counts["dead"] is not None or counts["missing"] is not None)
        ):
            counts["dead_and_missing"] = (counts["dead"] or 0) + (counts["missing"] or 0)
        incident_id = text_of("incident_id")
        if incident_id is None:
            raise ImportFormatError(f"{file_name} line {line_no}: {cols['incident_id']!r} is empty")
        region_iom = text_of("region_iom") or ""
        region = REGION_MAP.get(region_iom, f"unmapped: {region_iom}")
        if region.startswith("unmapped"):
            notes.append(f"region {region_iom!r} has no mapping")
        lat = lon = None
        coords = text_of("coordinates")
        if coords:
            parts = [p.strip() for p in coords.split(",")]
            try:
                lat, lon = float(parts[0]), float(parts[1])
                if len(parts) != 2 or not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    raise ValueError(coords)
            except (ValueError, IndexError):
                notes.append(f"coordinates {coords!r} are not 'lat, lon'")
                lat = lon = None
        quality = None
        sq = text_of("source_quality")
        if sq is not None:
            try:
                quality = _number(sq)
            except ValueError:
                quality = None
            if quality is None or not 1 <= quality <= 5:
                notes.append(f"source quality {sq!r} is not 1-5")
                quality = None
        when = _parse_date(text_of("date") or "", layout)
        year_text = text_of("year")
        year = int(year_text) if year_text and year_text.isdigit() else (when.year if when else None)
        incidents.append(
            IomIncident(
                source_schema=layout,
                incident_id=incident_id,
                main_id=text_of("main_id"),
                region_iom=region_iom,
                region=region,
                asia_pacific=region in ASIA_PACIFIC_REGIONS,
                incident_date=when,
                year=year,
                dead=counts["dead"],
                missing=counts["missing"],
                dead_and_missing=counts["dead_and_missing"],
                survivors=counts["survivors"],
                females=counts["females"],
                males=counts["males"],
                children=counts["children"],
                cause=text_of("cause"),
                location=text_of("location"),
                country_of_origin=text_of("country_of_origin"),
                route=text_of("route"),
                information_source=text_of("information_source"),
                url=text_of("url"),
                unsd_grouping=text_of("unsd_grouping"),
                source_quality=quality,
                lat=lat,
                lon=lon,
                quality_notes=tuple(notes),
            )
        )
    if layout == "mmp_2026":
        totals.pop("dead_and_missing")
        set_aside.pop("dead_and_missing")
    return IomFile(file_name, sha, layout, rows, tuple(incidents), totals, set_aside)


@dataclass(frozen=True)
class ImportReport:
    file_name: str
    source_schema: str
    rows: int
    inserted: int
    updated: int
    by_region: dict[str, int]
    file_totals: dict[str, int]
    stored_totals: dict[str, int]
    set_aside: dict[str, int]
    rows_with_quality_notes: int


def import_iom_file(conn: psycopg.Connection[Any], path: Path, by: str) -> ImportReport:
    """Parse and store one MMP CSV in one transaction (re-importing the same incident updates it)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ImportFormatError(f"cannot read {path}: {exc.strerror}") from exc
    parsed = parse_iom_csv(text, path.name)
    inserted = updated = 0
    columns = (
        "source_schema",
        "incident_id",
        "main_id",
        "region_iom",
        "region",
        "asia_pacific",
        "incident_date",
        "year",
        *COUNT_FIELDS,
        "cause",
        "location",
        "country_of_origin",
        "route",
        "information_source",
        "url",
        "unsd_grouping",
        "source_quality",
        "quality_notes",
    )
    seen: set[str] = set()
    with conn.transaction():
        for inc in parsed.incidents:
            if inc.incident_id in seen:
                raise ImportFormatError(f"{path.name}: incident id {inc.incident_id} appears twice in the file")
            seen.add(inc.incident_id)
            values = [getattr(inc, c) for c in columns[:-1]] + [list(inc.quality_notes)]
            row = fetch_one_by_name(
                conn,
                f"INSERT INTO iom_incident ({', '.join(columns)}, geom, file_name, file_sha256, acted_by) "
                f"VALUES ({', '.join(['%s'] * len(columns))}, "
                "CASE WHEN %s::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(%s, %s), "
                "4326) END, %s, %s, %s) "
                "ON CONFLICT (source_schema, incident_id) DO UPDATE SET "
                + ", ".join(f"{c} = EXCLUDED.{c}" for c in columns[2:])
                + ", geom = EXCLUDED.geom, file_name = EXCLUDED.file_name, file_sha256 = "
                "EXCLUDED.file_sha256, "
                "acted_by = EXCLUDED.acted_by, imported_at = now() RETURNING (xmax = 0) AS inserted",
                [*values, inc.lon, inc.lon, inc.lat, parsed.file_name, parsed.sha256, by],
            )
            if row and row["inserted"]:
                inserted += 1
            else:
                updated += 1
    by_region: dict[str, int] = {}
    stored = dict.fromkeys(parsed.file_totals, 0)
    for inc in parsed.incidents:
        by_region[inc.region] = by_region.get(inc.region, 0) + 1
        for key in stored:
            stored[key] += getattr(inc, key) or 0
    log.info(
        "IOM MMP %s (%s): %d rows, %d new, %d updated",
        path.name,
        parsed.source_schema,
        parsed.rows,
        inserted,
        updated,
    )
    return ImportReport(
        path.name,
        parsed.source_schema,
        parsed.rows,
        inserted,
        updated,
        dict(sorted(by_region.items())),
        parsed.file_totals,
        stored,
        parsed.set_aside,
        sum(1 for i in parsed.incidents if i.quality_notes),
    )
