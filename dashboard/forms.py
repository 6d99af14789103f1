"""Glue between dashboard forms and the owning packages' validation and intake (no rules of its own).

A sighting entered in the dashboard goes through exactly what ``POST /sightings`` does
(:mod:`ingest.api`): the OpenAPI model :class:`ingest.api.SightingIn` for types and ranges, then
:func:`ingest.sightings.sighting_from_mapping` for the domain checks, then it is published to
``seasight.sighting`` and acknowledged by the broker; the tracker stores it like any other report.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from ingest.api import SightingIn
from ingest.errors import SightingError
from ingest.publish import Publisher
from seasight.schemas import Sighting
from tracking.watchlist import WatchlistRecord


def validate_sighting(form: Mapping[str, Any], received_at: datetime) -> Sighting | list[str]:
    """The sighting, or the list of problems (one per field) the API would answer with ``422``."""
    try:
        report = SightingIn(**{k: v for k, v in form.items() if v is not None and v != ""})
    except ValidationError as exc:
        return [f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}" for e in exc.errors()]
    from ingest.sightings import sighting_from_mapping

    data = report.model_dump(exclude_none=True)
    data["observed_at"] = report.observed_at.isoformat()
    try:
        return sighting_from_mapping(data, "form", received_at)
    except SightingError as exc:
        return list(exc.problems)


def publish_sighting(bootstrap: str, sighting: Sighting) -> None:
    """Publish and wait for the broker's acknowledgement (raises ``PublishError`` if not acknowledged)."""
    publisher = Publisher.connect(bootstrap)
    try:
        publisher.send(sighting)
        publisher.flush(timeout_s=20)
    finally:
        publisher.close()


# --- watchlist upload -------------------------------------------------------------------------------------

#: Columns of a watchlist CSV (header row required). ``id`` and ``reason`` are required, and at least one
#: identifier (mmsi, imo, callsign, name), as table ``watchlist_entry`` (migration 0030) demands.
WATCHLIST_COLUMNS = ("id", "reason", "mmsi", "imo", "callsign", "name")
MAX_WATCHLIST_BYTES = 1024 * 1024  # a watchlist is a few thousand rows at most; larger is the wrong file
MAX_WATCHLIST_ROWS = 20_000


def parse_watchlist_csv(text: str, owner: str, acted_by: str) -> tuple[list[WatchlistRecord], list[str]]:
    """Entries of a watchlist CSV, or every problem found (``line N: field: what``). Nothing is written here;
    :func:`tracking.watchlist.upsert_watchlist` writes the entries when there is no problem."""
    import csv
    import io

    problems: list[str] = []
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    unknown = sorted(set(header) - set(WATCHLIST_COLUMNS))
    if not header:
        return [], ["the file is empty (a header row is needed: " + ", ".join(WATCHLIST_COLUMNS) + ")"]
    if unknown:
        problems.append(f"line 1: unknown column(s) {', '.join(unknown)} (columns: {', '.join(WATCHLIST_COLUMNS)})")
    for needed in ("id", "reason"):
        if needed not in header:
            problems.append(f"line 1: column {needed!r} is required")
    if problems:
        return [], problems
    records: list[WatchlistRecord] = []
    seen: set[str] = set()
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_WATCHLIST_ROWS:
            problems.append(f"more than {MAX_WATCHLIST_ROWS} entries: split the file")
            break
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        where = f"line {number}"
        ident, reason = row.get("id", ""), row.get("reason", "")
        if not ident or len(ident) > 64:
            problems.append(f"{where}: id: required, at most 64 characters")
        elif ident in seen:
            problems.append(f"{where}: id: {ident!r} appears twice")
        seen.add(ident)
        if not reason:
            problems.append(f"{where}: reason: required (why the vessel is watched)")
        numbers: dict[str, int | None] = {}
        for name, digits in (("mmsi", 9), ("imo", 7)):
            value = row.get(name, "")
            if not value:
                numbers[name] = None
            elif not value.isdigit() or len(value) > digits or int(value) == 0:
                problems.append(f"{where}: {name}: {value!r} is not a number of up to {digits} digits")
                numbers[name] = None
            else:
                numbers[name] = int(value)
        callsign, vessel_name = row.get("callsign") or None, row.get("name") or None
        if not any(row.get(k) for k in ("mmsi", "imo", "callsign", "name")):
            problems.append(f"{where}: give at least one of mmsi, imo, callsign, name")
        records.append(
            WatchlistRecord(ident, reason, owner, acted_by, numbers["mmsi"], numbers["imo"], callsign, vessel_name)
        )
    if not records and not problems:
        problems.append("no entry in the file")
    return ([] if problems else records), problems


def parse_counts(text: str) -> dict[str, int]:
    """``"MMR:120, BGD:3"`` as ``{"MMR": 120, "BGD": 3}`` (codes are checked by the outcome's validation).
    Raises ValueError naming the part that is not ``CODE:count``."""
    counts: dict[str, int] = {}
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if not part:
            continue
        code, sep, number = part.partition(":")
        if not sep or not number.strip().isdigit() or not code.strip():
            raise ValueError(f"nationalities: {part!r} is not CODE:count (e.g. MMR:120)")
        key = code.strip().upper()
        counts[key] = counts.get(key, 0) + int(number.strip())
    return counts
