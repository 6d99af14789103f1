"""Reading the reference layers into typed records (pure: bytes or dicts in, frozen records out).

Layers and where their data comes from
    participants  ``geodata/layers/participants.json`` — authored by the team from the Bali Process
                  documents (reference/participants.md); ISO 3166 codes resolved with ``pycountry``.
    srr           ``geodata/layers/srr.geojson`` — the team's indicative SRR approximations with RCC names.
    zones         ``geodata/layers/zones.geojson`` — the team's watch zones, each with a reason.
    ports         ``searoute`` package, ``searoute/data/ports.geojson`` — port points keyed by UN/LOCODE,
                  kept for the participating states and territories.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Point, shape

from geodata.errors import LayerError
from geodata.geometry import check_lonlat_range, geodesic_circle, split_antimeridian, to_multipolygon

LOADER_VERSION = "2"
"""Bumped when the way layers are turned into rows changes, so ``load`` reloads unchanged files."""

LAYER_DIR = Path(__file__).resolve().parent / "layers"
SEASIGHT_SOURCE = "seasight"

_CODE = re.compile(r"^[A-Z][A-Z0-9_-]{1,15}$")
_LOCODE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}$")
PARTICIPANT_KINDS = ("state", "territory", "organisation", "observer")
ZONE_KINDS = ("departure_coast", "transit_corridor", "destination_approach", "other")


@dataclass(frozen=True)
class LayerFile:
    """A layer's raw content with its declared version and checksum (sha256 of bytes + loader version)."""

    name: str
    version: str
    source: str
    content: bytes
    checksum: str


@dataclass(frozen=True)
class ParticipantRecord:
    code: str  # ISO 3166-1 alpha-3 for states and territories, organisation id otherwise
    name: str
    kind: str
    iso2: str | None
    roles: tuple[str, ...]
    groups: tuple[str, ...]
    rcc: str | None  # srr.id of the state's SRR


@dataclass(frozen=True)
class SrrRecord:
    id: str
    name: str
    rcc_name: str
    rcc_country: str
    rcc_phone: str | None
    rcc_email: str | None
    rcc_note: str | None
    indicative: bool
    source: str
    geom: MultiPolygon = field(compare=False)
    boundary_source: str | None = None
    contact_source: str | None = None
    contact_as_of: str | None = None  # ISO date the contact was published or checked


@dataclass(frozen=True)
class ZoneRecord:
    name: str
    kind: str
    reason: str
    source: str
    geom: MultiPolygon = field(compare=False)


@dataclass(frozen=True)
class PortRecord:
    locode: str  # UN/LOCODE
    name: str
    country_iso2: str
    lon: float
    lat: float
    source: str


def checksum_of(*parts: bytes) -> str:
    h = hashlib.sha256(LOADER_VERSION.encode())
    for p in parts:
        h.update(p)
    return h.hexdigest()


def read_layer_file(name: str, filename: str) -> LayerFile:
    """An authored layer file from ``geodata/layers`` with its version and checksum."""
    path = LAYER_DIR / filename
    try:
        content = path.read_bytes()
        doc = json.loads(content)
    except OSError as exc:
        raise LayerError(f"layer {name}: cannot read {path}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise LayerError(f"layer {name}: {path} is not valid JSON: {exc}") from exc
    version = str(doc.get("version", "")) if isinstance(doc, dict) else ""
    if not version:
        raise LayerError(f"layer {name}: {path} has no 'version'")
    return LayerFile(name, version, str(doc.get("source", filename)), content, checksum_of(content))


def read_searoute_ports() -> LayerFile:
    """The ``searoute`` package's port file (UN/LOCODE-keyed points)."""
    try:
        ref = resources.files("searoute") / "data" / "ports.geojson"
        content = ref.read_bytes()
        from importlib.metadata import version

        pkg_version = version("searoute")
    except (ModuleNotFoundError, OSError) as exc:
        raise LayerError(f"layer ports: the searoute package's data/ports.geojson cannot be read: {exc}") from exc
    return LayerFile(
        "ports",
        f"searoute-{pkg_version}",
        f"searoute {pkg_version} (PyPI) data/ports.geojson",
        content,
        checksum_of(content),
    )


# ---------------------------------------------------------------------------------------------------------
# participants
# ---------------------------------------------------------------------------------------------------------


def _iso_country(name: str, iso_name: str | None) -> tuple[str, str]:
    import pycountry

    try:
        country = pycountry.countries.lookup(iso_name or name)
    except LookupError as exc:
        raise LayerError(
            f'layer participants: {name!r} is not an ISO 3166 country name pycountry knows; add "iso_name"'
        ) from exc
    return str(country.alpha_3), str(country.alpha_2)


def parse_participants(doc: dict[str, Any]) -> list[ParticipantRecord]:
    """Members and observers with ISO codes, kinds, roles, groups and SRR (see participants.json)."""
    try:
        members = list(doc["members"])
        observers = list(doc.get("observers", []))
        groups: dict[str, Any] = dict(doc.get("groups", {}))
    except (KeyError, TypeError) as exc:
        raise LayerError(f"layer participants: missing or malformed section {exc}") from exc
    membership: dict[str, set[str]] = {}
    for group, names in groups.items():
        if isinstance(names, list):
            for n in names:
                membership.setdefault(str(n), set()).add(group)
    records: dict[str, ParticipantRecord] = {}
    for entry, is_member in [(m, True) for m in members] + [(o, False) for o in observers]:
        name = str(entry.get("name", "")).strip()
        if not name:
            raise LayerError(f"layer participants: an entry has no name: {entry!r}")
        kind = str(entry.get("kind", "observer")) if is_member else "observer"
        if kind not in PARTICIPANT_KINDS:
            raise LayerError(f"layer participants: {name!r} has unknown kind {kind!r}")
        code = entry.get("code")
        iso2: str | None = None
        if code is None:
            code, iso2 = _iso_country(name, entry.get("iso_name"))
        if not _CODE.match(str(code)):
            raise LayerError(f"layer participants: {name!r} has an invalid code {code!r}")
        roles = tuple(str(r) for r in entry.get("roles", []))
        bad_roles = set(roles) - {"origin", "transit", "destination"}
        if bad_roles:
            raise LayerError(f"layer participants: {name!r} has unknown roles {sorted(bad_roles)}")
        in_groups = set(membership.get(name, set()))
        in_groups.add("member" if is_member else "observer")
        if str(code) in records:
            raise LayerError(f"layer participants: code {code} appears twice ({name!r})")
        records[str(code)] = ParticipantRecord(
            code=str(code),
            name=name,
            kind=kind,
            iso2=iso2,
            roles=roles,
            groups=tuple(sorted(in_groups)),
            rcc=entry.get("rcc"),
        )
    known = {r.name for r in records.values()}
    unknown = sorted(n for n in membership if n not in known)
    if unknown:
        raise LayerError(f"layer participants: groups name participants not listed: {unknown}")
    return list(records.values())


# ---------------------------------------------------------------------------------------------------------
# SRR and zones
# ---------------------------------------------------------------------------------------------------------


def _features(doc: dict[str, Any], layer: str) -> list[dict[str, Any]]:
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise LayerError(f"layer {layer}: not a GeoJSON FeatureCollection")
    return list(doc["features"])


def _polygonal(feature: dict[str, Any], what: str) -> MultiPolygon:
    try:
        geom = shape(feature["geometry"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise LayerError(f"{what}: geometry missing or malformed ({exc})") from exc
    if not geom.is_valid:
        raise LayerError(f"{what}: geometry is not valid")
    mp = to_multipolygon(split_antimeridian(geom), what)
    check_lonlat_range(mp, what)
    return densify(mp)


DENSIFY_MAX_SEGMENT_DEG = 0.5
"""Longest polygon edge kept, degrees. Authored boundaries are straight lines in lon/lat; PostGIS measures
distances on geography, where an edge is a great-circle arc. Densifying to 0.5° keeps the two within about
0.1 nm of each other at these latitudes, so "inside" and "distance 0" agree."""


def densify(geom: MultiPolygon) -> MultiPolygon:
    """Insert vertices so no edge is longer than :data:`DENSIFY_MAX_SEGMENT_DEG`."""
    out = shapely.segmentize(geom, max_segment_length=DENSIFY_MAX_SEGMENT_DEG)
    return to_multipolygon(out, "densified polygon")  # GEOS returns a single part as a Polygon


def parse_srr(doc: dict[str, Any]) -> list[SrrRecord]:
    """SRR features with their RCC fields (ids unique, country ISO alpha-3, polygons valid)."""
    out: list[SrrRecord] = []
    seen: set[str] = set()
    for n, f in enumerate(_features(doc, "srr")):
        p = f.get("properties") or {}
        what = f"layer srr feature {n} ({p.get('id', '?')})"
        missing = [k for k in ("id", "name", "rcc_name", "rcc_country") if not p.get(k)]
        if missing:
            raise LayerError(f"{what}: missing {', '.join(missing)}")
        if not re.match(r"^[A-Z]{3}$", str(p["rcc_country"])):
            raise LayerError(f"{what}: rcc_country must be an ISO 3166-1 alpha-3 code, got {p['rcc_country']!r}")
        if p["id"] in seen:
            raise LayerError(f"{what}: id {p['id']} appears twice")
        if (p.get("rcc_phone") or p.get("rcc_email")) and not (p.get("contact_source") and p.get("contact_as_of")):
            raise LayerError(f"{what}: an RCC phone or e-mail needs contact_source and contact_as_of (YYYY-MM-DD)")
        if p.get("contact_as_of") and not re.match(r"^\d{4}-\d{2}-\d{2}$", str(p["contact_as_of"])):
            raise LayerError(f"{what}: contact_as_of must be YYYY-MM-DD, got {p['contact_as_of']!r}")
        seen.add(str(p["id"]))
        out.append(
            SrrRecord(
                id=str(p["id"]),
                name=str(p["name"]),
                rcc_name=str(p["rcc_name"]),
                rcc_country=str(p["rcc_country"]),
                rcc_phone=p.get("rcc_phone"),
                rcc_email=p.get("rcc_email"),
                rcc_note=p.get("rcc_note"),
                indicative=bool(p.get("indicative", True)),
                source=str(p.get("source") or doc.get("source") or "seasight"),
                geom=_polygonal(f, what),
                boundary_source=p.get("boundary_source") or p.get("source"),
                contact_source=p.get("contact_source"),
                contact_as_of=p.get("contact_as_of"),
            )
        )
    return out


def parse_zones(doc: dict[str, Any], source: str = SEASIGHT_SOURCE) -> list[ZoneRecord]:
    """Watch zones: polygons, or points with ``radius_nm`` drawn as geodesic circles."""
    out: list[ZoneRecord] = []
    seen: set[tuple[str, str]] = set()
    for n, f in enumerate(_features(doc, "zones")):
        p = f.get("properties") or {}
        what = f"layer zones feature {n} ({p.get('name', '?')})"
        missing = [k for k in ("name", "kind", "reason") if not p.get(k)]
        if missing:
            raise LayerError(f"{what}: missing {', '.join(missing)}")
        if p["kind"] not in ZONE_KINDS:
            raise LayerError(f"{what}: kind must be one of {', '.join(ZONE_KINDS)}, got {p['kind']!r}")
        key = (str(p["kind"]), str(p["name"]))
        if key in seen:
            raise LayerError(f"{what}: ({key[0]}, {key[1]}) appears twice")
        seen.add(key)
        geometry = f.get("geometry") or {}
        if geometry.get("type") == "Point":
            radius = p.get("radius_nm")
            if not isinstance(radius, (int, float)):
                raise LayerError(f"{what}: a Point zone needs a numeric radius_nm")
            centre = shape(geometry)
            assert isinstance(centre, Point)
            geom = geodesic_circle(centre.x, centre.y, float(radius))  # 72 vertices: already dense
        else:
            geom = _polygonal(f, what)
        out.append(ZoneRecord(name=key[1], kind=key[0], reason=str(p["reason"]), source=source, geom=geom))
    return out


# ---------------------------------------------------------------------------------------------------------
# ports
# ---------------------------------------------------------------------------------------------------------


def parse_ports(doc: dict[str, Any], countries_iso2: frozenset[str], source: str) -> list[PortRecord]:
    """Ports of the given countries (ISO alpha-2, the first two letters of the UN/LOCODE).

    Entries without a well-formed UN/LOCODE or with coordinates out of range are skipped (the packaged file
    has one such entry); a LOCODE listed twice keeps its first entry.
    """
    out: dict[str, PortRecord] = {}
    for f in _features(doc, "ports"):
        p = f.get("properties") or {}
        locode = str(p.get("port") or "").strip().upper()
        if not _LOCODE.match(locode) or locode[:2] not in countries_iso2 or locode in out:
            continue
        try:
            lon, lat = (float(v) for v in f["geometry"]["coordinates"][:2])
        except (KeyError, TypeError, ValueError):
            continue
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            continue
        out[locode] = PortRecord(
            locode=locode,
            name=str(p.get("name") or locode),
            country_iso2=locode[:2],
            lon=lon,
            lat=lat,
            source=source,
        )
    return list(out.values())
