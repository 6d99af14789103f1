"""Sighting reports (JSON lines, JSON, CSV, GeoJSON, HTTP) into validated :class:`~seasight.schemas.Sighting`
records. Pure: the receive time is passed in; nothing here reads files or the clock.

A sighting is a craft seen by a patrol aircraft or vessel, coastal radar, a fisher, an NGO hotline or a
satellite image — often a boat with no AIS. Fields (JSON names; CSV headers the same; GeoJSON puts the
position in a Point geometry and the rest in ``properties``):

==================  ========================================================================  ==========
field               meaning, unit, allowed values                                             required
==================  ========================================================================  ==========
observed_at         when it was seen, ISO 8601 with a UTC offset (``2026-11-23T04:10:00Z``)    yes
lat, lon            position, decimal degrees WGS 84                                          yes
uncertainty_nm      radius of the position's uncertainty, nautical miles, 0..500 (0 unknown)  no (0)
source_type         aircraft, vessel, coastal_radar, fisher, ngo_hotline, satellite_sar,      yes
                    satellite_optical, other
owner               reporting state (ISO 3166 alpha-3, e.g. THA) or organisation id (IOM)     yes
acted_by            the person or system that entered the report                              yes
craft_type          e.g. wooden_fishing_boat, longtail, dinghy, unknown                       no
persons_estimated   estimated persons aboard, 0..100,000                                      no
conditions          any of overcrowded, taking_water, engine_failure, adrift,                 no
                    no_life_jackets, persons_in_water, medical_emergency, deaths_reported
                    (a list; in CSV separated by ``;``)
course_deg          course seen, degrees true [0, 360)                                        no
speed_kn            speed seen, knots 0..60                                                   no
ais_seen            yes, no, unknown                                                          no (unknown)
confidence          low, medium, high                                                         no (medium)
note                free text, at most 4,000 characters                                       no
is_exercise         true for table-top / exercise reports                                     no (false)
id                  a UUID; when absent it is derived from owner, time, position and source   no
==================  ========================================================================  ==========

Words people type are normalised (``"coastal radar"`` → ``coastal_radar``, ``"NGO / hotline"`` →
``ngo_hotline``, ``"Taking water"`` → ``taking_water``). A file is all or nothing: every problem of every
record is collected and reported together, naming the record and the field, and nothing is published.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pycountry

from ingest.errors import SightingError
from seasight.schemas import AIS_SEEN, CONFIDENCE_LEVELS, SIGHTING_CONDITIONS, SOURCE_TYPES, Sighting

SIGHTING_NAMESPACE = uuid.UUID("5d1f3c8e-2b7a-4f0e-9c61-7a8e0b4d2f19")
"""Namespace of derived sighting ids (UUID 5): the same report submitted twice gets the same id."""

MAX_FUTURE = timedelta(minutes=15)
"""How far (default 15 min) a sighting's time may lie after its receipt (clock skew of field devices)."""

MAX_SIGHTINGS_BYTES = 4 * 1024 * 1024
"""Largest sightings input taken at once (bytes, default 4 MiB): an HTTP request body, a file given to
``seasight ingest sightings`` (``--max-bytes`` overrides it explicitly)."""

MAX_SIGHTINGS_RECORDS = 1_000
"""Most sightings taken at once (default 1,000): per HTTP request, per file (``--max-records``)."""

MAX_AGE = timedelta(days=3650)
"""Oldest sighting accepted (default 10 years before receipt), so historical cases can be entered."""

ORGANISATIONS = frozenset({"IOM", "UNHCR", "UNODC", "RSO", "ICRC", "IFRC", "INTERPOL", "ASEAN"})
"""Organisation ids accepted as owner besides ISO 3166 alpha-3 codes (Bali Process members and observers)."""

KNOWN_FIELDS = frozenset(
    {
        "id",
        "observed_at",
        "lat",
        "lon",
        "uncertainty_nm",
        "source_type",
        "owner",
        "acted_by",
        "craft_type",
        "persons_estimated",
        "conditions",
        "course_deg",
        "speed_kn",
        "ais_seen",
        "confidence",
        "note",
        "is_exercise",
    }
)

_ORG_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{1,63}$")


@dataclass(frozen=True, slots=True)
class SightingDefaults:
    """Values used when a record does not carry them (e.g. from ``--owner`` / ``--acted-by``)."""

    owner: str | None = None
    acted_by: str | None = None
    is_exercise: bool | None = None


def _words(value: str) -> str:
    return re.sub(r"[\s/\-]+", "_", value.strip().lower()).strip("_")


def valid_owner(owner: str) -> bool:
    """An ISO 3166-1 alpha-3 code or a known organisation id (upper case) or an organisation-style id."""
    if owner.upper() in ORGANISATIONS:
        return True
    if len(owner) == 3 and owner.isalpha() and owner.isupper():
        return pycountry.countries.get(alpha_3=owner) is not None
    return bool(_ORG_ID.match(owner)) and not (len(owner) == 3 and owner.isalpha())


class _Problems:
    def __init__(self, where: str) -> None:
        self.where = where
        self.items: list[str] = []

    def add(self, field: str, message: str) -> None:
        self.items.append(f"{self.where}: {field}: {message}")


def _text(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    return str(value)


def _float(
    data: Mapping[str, Any], name: str, problems: _Problems, low: float, high: float, high_open: bool = False
) -> float | None:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        problems.add(name, f"{value!r} is not a number")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        problems.add(name, f"{value!r} is not a number")
        return None
    if not math.isfinite(number) or number < low or number > high or (high_open and number >= high):
        bound = f"[{low:g}, {high:g})" if high_open else f"[{low:g}, {high:g}]"
        problems.add(name, f"{value!r} outside {bound}")
        return None
    return number


def _bool(data: Mapping[str, Any], name: str, problems: _Problems) -> bool | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "y"):
        return True
    if text in ("false", "no", "0", "n"):
        return False
    problems.add(name, f"{value!r} is not true or false")
    return None


def sighting_from_mapping(
    data: Mapping[str, Any],
    where: str,
    received_at: datetime,
    defaults: SightingDefaults = SightingDefaults(),
) -> Sighting:
    """One report as a :class:`Sighting`; raises :class:`SightingError` listing every problem.

    ``where`` names the record in messages (``"line 3"``, ``"feature 2"``, ``"request"``)."""
    problems = _Problems(where)
    if not isinstance(data, Mapping):
        raise SightingError([f"{where}: expected an object with the sighting's fields"])
    unknown = sorted(k for k in data if k not in KNOWN_FIELDS)
    if unknown:
        problems.add(unknown[0], f"unknown field (fields: {', '.join(sorted(KNOWN_FIELDS))})")

    observed_at: datetime | None = None
    observed_text = _text(data, "observed_at")
    if observed_text is None:
        problems.add("observed_at", "required (ISO 8601 time with UTC offset)")
    else:
        try:
            observed_at = datetime.fromisoformat(observed_text.replace("Z", "+00:00"))
        except ValueError:
            problems.add("observed_at", f"{observed_text!r} is not an ISO 8601 time")
        else:
            if observed_at.tzinfo is None:
                problems.add("observed_at", f"{observed_text!r} has no UTC offset (add Z or +07:00)")
                observed_at = None
            else:
                observed_at = observed_at.astimezone(UTC)
                if observed_at > received_at + MAX_FUTURE:
                    problems.add("observed_at", f"{observed_text!r} is in the future")
                elif observed_at < received_at - MAX_AGE:
                    problems.add("observed_at", f"{observed_text!r} is more than 10 years old")

    lat = _float(data, "lat", problems, -90, 90)
    lon = _float(data, "lon", problems, -180, 180)
    for name, value in (("lat", lat), ("lon", lon)):
        if value is None and not any(p.startswith(f"{where}: {name}:") for p in problems.items):
            problems.add(name, "required (decimal degrees)")
    uncertainty = _float(data, "uncertainty_nm", problems, 0, 500)

    source_text = _text(data, "source_type")
    source_type = _words(source_text) if source_text else None
    if source_type in ("ngo", "hotline", "ngo_hotline_report"):
        source_type = "ngo_hotline"
    if source_type is None:
        problems.add("source_type", f"required, one of {', '.join(sorted(SOURCE_TYPES))}")
    elif source_type not in SOURCE_TYPES:
        problems.add("source_type", f"{source_text!r} is not one of {', '.join(sorted(SOURCE_TYPES))}")

    owner = _text(data, "owner") or defaults.owner
    if owner is None:
        problems.add("owner", "required: reporting state (ISO 3166 alpha-3) or organisation id")
    elif not valid_owner(owner):
        problems.add("owner", f"{owner!r} is neither an ISO 3166 alpha-3 code nor an organisation id")
    acted_by = _text(data, "acted_by") or defaults.acted_by
    if acted_by is None:
        problems.add("acted_by", "required: who entered the report")
    elif len(acted_by) > 128:
        problems.add("acted_by", "longer than 128 characters")

    craft_text = _text(data, "craft_type")
    craft_type = _words(craft_text) if craft_text else "unknown"
    if len(craft_type) > 60:
        problems.add("craft_type", "longer than 60 characters")

    persons: int | None = None
    persons_value = data.get("persons_estimated")
    if persons_value is not None and persons_value != "":
        try:
            if isinstance(persons_value, bool) or float(persons_value) != int(float(persons_value)):
                raise ValueError
            persons = int(float(persons_value))
            if not 0 <= persons <= 100_000:
                problems.add("persons_estimated", f"{persons_value!r} outside [0, 100000]")
                persons = None
        except (TypeError, ValueError):
            problems.add("persons_estimated", f"{persons_value!r} is not a whole number")

    raw_conditions = data.get("conditions")
    conditions: list[str] = []
    if isinstance(raw_conditions, str):
        raw_list: list[Any] = [c for c in re.split(r"[;|]", raw_conditions) if c.strip()]
    elif isinstance(raw_conditions, list):
        raw_list = raw_conditions
    elif raw_conditions is None:
        raw_list = []
    else:
        raw_list = []
        problems.add("conditions", "must be a list (CSV: separated by ';')")
    for item in raw_list:
        word = _words(str(item))
        if word not in SIGHTING_CONDITIONS:
            problems.add("conditions", f"{item!r} is not one of {', '.join(sorted(SIGHTING_CONDITIONS))}")
        elif word not in conditions:
            conditions.append(word)

    course = _float(data, "course_deg", problems, 0, 360, high_open=True)
    speed = _float(data, "speed_kn", problems, 0, 60)

    ais_value = data.get("ais_seen")
    ais_seen = "unknown"
    if isinstance(ais_value, bool):
        ais_seen = "yes" if ais_value else "no"
    elif ais_value not in (None, ""):
        ais_seen = _words(str(ais_value))
        if ais_seen not in AIS_SEEN:
            problems.add("ais_seen", f"{ais_value!r} is not one of yes, no, unknown")
    confidence = _words(_text(data, "confidence") or "medium")
    if confidence not in CONFIDENCE_LEVELS:
        problems.add("confidence", f"{data.get('confidence')!r} is not one of low, medium, high")
    note = _text(data, "note")
    if note is not None and len(note) > 4000:
        problems.add("note", "longer than 4000 characters")
    is_exercise = _bool(data, "is_exercise", problems)
    if is_exercise is None:
        is_exercise = bool(defaults.is_exercise)

    id_text = _text(data, "id")
    sighting_id: str | None = None
    if id_text is not None:
        try:
            sighting_id = str(uuid.UUID(id_text))
        except ValueError:
            problems.add("id", f"{id_text!r} is not a UUID")

    if problems.items:
        raise SightingError(problems.items)
    assert observed_at is not None and lat is not None and lon is not None and source_type is not None
    assert owner is not None and acted_by is not None
    if sighting_id is None:
        natural_key = f"{owner}|{observed_at.isoformat()}|{lat:.5f}|{lon:.5f}|{source_type}"
        sighting_id = str(uuid.uuid5(SIGHTING_NAMESPACE, natural_key))
    return Sighting(
        id=sighting_id,
        observed_at=observed_at,
        lat=lat,
        lon=lon,
        uncertainty_nm=uncertainty or 0.0,
        source_type=source_type,
        craft_type=craft_type,
        persons_estimated=persons,
        conditions=tuple(conditions),
        course_deg=course,
        speed_kn=speed,
        ais_seen=ais_seen,
        confidence=confidence,
        note=note,
        is_exercise=is_exercise,
        owner=owner,
        acted_by=acted_by,
        received_at=received_at,
    )


def detect_format(text: str, name: str | None = None) -> str:
    """``jsonl``, ``json`` (an array or one object), ``geojson`` or ``csv``, from the name or the content."""
    lowered = (name or "").lower()
    for suffix, fmt in ((".geojson", "geojson"), (".csv", "csv"), (".jsonl", "jsonl"), (".ndjson", "jsonl")):
        if lowered.endswith(suffix):
            return fmt
    head = text.lstrip()[:2000]
    if head.startswith("{") and ('"FeatureCollection"' in head or '"Feature"' in head[:200]):
        return "geojson"
    if head.startswith("["):
        return "json"
    if head.startswith("{"):
        if "\n" not in text.strip():
            return "jsonl"  # one object on one line: JSON lines of one record (errors then name "line 1")
        try:
            json.loads(text)
            return "json"
        except ValueError:
            return "jsonl"
    return "csv"


def _records(text: str, fmt: str) -> list[tuple[str, Any]]:
    """(where, mapping) pairs of the input; raises SightingError when the text itself is unreadable."""
    if fmt == "jsonl":
        out: list[tuple[str, Any]] = []
        errors: list[str] = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                out.append((f"line {number}", json.loads(line)))
            except json.JSONDecodeError as exc:
                errors.append(f"line {number}: not JSON ({exc.msg} at column {exc.colno})")
        if errors:
            raise SightingError(errors)
        return out
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows = []
        try:
            for number, row in enumerate(reader, 2):
                if None in row:
                    raise SightingError([f"line {number}: more values than header columns"])
                rows.append((f"line {number}", {k.strip(): v for k, v in row.items() if k is not None and v != ""}))
        except csv.Error as exc:
            raise SightingError([f"line {reader.line_num}: not CSV ({exc})"]) from None
        return rows
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SightingError([f"not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"]) from None
    if fmt == "geojson" or (isinstance(document, dict) and document.get("type") in ("FeatureCollection", "Feature")):
        if not isinstance(document, dict) or document.get("type") not in ("FeatureCollection", "Feature"):
            raise SightingError(["GeoJSON: expected a FeatureCollection or a Feature object"])
        features = document.get("features") if document.get("type") == "FeatureCollection" else [document]
        if not isinstance(features, list):
            raise SightingError(["GeoJSON: 'features' must be a list"])
        out = []
        for number, feature in enumerate(features, 1):
            where = f"feature {number}"
            geometry = feature.get("geometry") if isinstance(feature, dict) else None
            coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
            if (
                not isinstance(geometry, dict)
                or geometry.get("type") != "Point"
                or not isinstance(coords, list)
                or len(coords) < 2
            ):
                raise SightingError([f"{where}: geometry: must be a Point with [lon, lat] coordinates"])
            properties = feature.get("properties") or {}
            if not isinstance(properties, dict):
                raise SightingError([f"{where}: properties: must be an object"])
            out.append((where, {**properties, "lon": coords[0], "lat": coords[1]}))
        return out
    if isinstance(document, list):
        return [(f"record {n}", item) for n, item in enumerate(document, 1)]
    return [("record 1", document)]


def parse_sightings(
    text: str,
    received_at: datetime,
    name: str | None = None,
    fmt: str | None = None,
    defaults: SightingDefaults = SightingDefaults(),
    max_records: int = MAX_SIGHTINGS_RECORDS,
) -> list[Sighting]:
    """Every sighting of ``text`` (all or nothing); raises :class:`SightingError` listing every problem,
    or naming the bound when there are more than ``max_records`` records."""
    fmt = fmt or detect_format(text, name)
    if fmt not in ("jsonl", "json", "geojson", "csv"):
        raise SightingError([f"format {fmt!r}: choose jsonl, json, geojson or csv"])
    records = _records(text, fmt)
    if not records:
        raise SightingError(["no sighting in the input"])
    if len(records) > max_records:
        raise SightingError([f"{len(records)} sightings, more than the {max_records} taken at once: nothing published"])
    sightings: list[Sighting] = []
    problems: list[str] = []
    for where, data in records:
        try:
            sightings.append(sighting_from_mapping(data, where, received_at, defaults))
        except SightingError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SightingError(problems)
    return sightings
