"""The register of places of safety (IMO MSC.167(78) para 6.12): database adapter.

Positions and names come from the ports packaged in ``searoute`` (PyPI, Apache-2.0; file
``searoute/data/ports.geojson``), keyed by UN/LOCODE, for the participating states in the ``participant``
table (or the states given). Positions charted more than :data:`OFFSHORE_DISTANCE_NM` from any shore
(offshore oil terminals, mis-charted ports) are not places of safety and are left out (listed in the load
report, so they can be added by hand at a correct position). Landing places without a
LOCODE-listed port can be added by hand with their source.

The attributes (reception facilities, medical capacity, UNHCR / IOM presence, screening procedures, notes
on practice) are the team's own or a participant's: each edit must give its source and date, unknown stays
empty, and every change is kept in ``place_of_safety_change`` (before and after, who, when, why).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass, replace
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

import psycopg
import pycountry
from psycopg import errors as pg_errors
from psycopg import sql

from coordination.disembarkation.errors import InvalidPlaceError, PlaceNotFoundError
from coordination.disembarkation.ranking import PlaceOfSafety
from seasight.rows import fetch_all_by_name, fetch_one_by_name

log = logging.getLogger("seasight.coordination.disembarkation.register")

OFFSHORE_DISTANCE_NM = 10.0
"""A packaged 'port' charted further than this from any shore is left out of the register (nm): offshore
oil terminals (Jabiru, Challis: about 90 nm) and mis-charted ports (Negombo and Matara about 20 nm, Yaren
about 25 nm off). Default 10, range 3-50; geodata.shore's distance is within about 3 nm near a shore, and
small islands count (Male, 0.7 nm, stays)."""
MEDICAL_CAPACITY = ("none", "basic", "hospital")
EDITABLE = (
    "name",
    "reception_facilities",
    "medical_capacity",
    "unhcr_presence",
    "iom_presence",
    "screening_procedures",
    "practice_notes",
    "usable",
)
ATTRIBUTES = (
    "reception_facilities",
    "medical_capacity",
    "unhcr_presence",
    "iom_presence",
    "screening_procedures",
    "practice_notes",
)
_LOCODE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}$")
_COLUMNS = (
    "locode",
    "name",
    "state",
    "kind",
    "ST_Y(geom)",
    "ST_X(geom)",
    "reception_facilities",
    "medical_capacity",
    "unhcr_presence",
    "iom_presence",
    "screening_procedures",
    "practice_notes",
    "attributes_source",
    "attributes_as_of",
    "position_source",
    "version",
    "usable",
    "owner",
    "acted_by",
    "updated_at",
)


def searoute_ports_source() -> str:
    from importlib.metadata import version

    import searoute  # noqa: F401  (version below)

    return f"searoute {version('searoute')} data/ports.geojson (UN/LOCODE)"


def packaged_ports() -> list[dict[str, Any]]:
    """The ports packaged in searoute: [{locode, name, iso2, lat, lon}]."""
    text = (resources.files("searoute") / "data" / "ports.geojson").read_text(encoding="utf-8")
    ports = []
    for feature in json.loads(text)["features"]:
        p = feature["properties"]
        locode = str(p.get("port") or "").strip().upper()
        if not _LOCODE.match(locode):
            continue
        lon, lat = feature["geometry"]["coordinates"][:2]
        services = p.get("to_cty") or []
        ports.append(
            {
                "locode": locode,
                "name": str(p.get("name") or locode),
                "iso2": locode[:2],
                "lat": float(lat),
                "lon": float(lon),
                "liner_countries": len(services) if isinstance(services, list) else 0,
            }
        )
    return ports


LINER_HUB_COUNTRIES = 10
"""A packaged port listing liner services to at least this many countries is a "liner hub" (count).
Default 10; a team choice: searoute's ``to_cty`` is the only size hint the packaged file carries."""


def size_class_of(liner_countries: int) -> str:
    """Size class of a packaged port from the liner services searoute lists for it (``to_cty``)."""
    if liner_countries >= LINER_HUB_COUNTRIES:
        return f"liner hub: services to {liner_countries} countries listed (searoute to_cty)"
    if liner_countries > 0:
        return f"liner port: services to {liner_countries} countries listed (searoute to_cty)"
    return "minor port: no liner service listed (searoute to_cty)"


@lru_cache(maxsize=1)
def _size_classes() -> dict[str, str]:
    sizes: dict[str, str] = {}
    for port in packaged_ports():
        sizes.setdefault(port["locode"], size_class_of(port["liner_countries"]))
    for place in authored_landing_places():
        sizes[place["locode"]] = place["size_class"]
    return sizes


@lru_cache(maxsize=1)
def authored_landing_places() -> tuple[dict[str, Any], ...]:
    """The team's small layer of places the searoute file lacks (``landing_places.json``, sources cited)."""
    text = (resources.files("coordination.disembarkation") / "landing_places.json").read_text(encoding="utf-8")
    return tuple(json.loads(text)["places"])


def is_offshore(lat: float, lon: float) -> bool:
    """True when the charted position is more than :data:`OFFSHORE_DISTANCE_NM` from any shore (GSHHG full
    resolution, every island, through ``geodata.shore``): an offshore terminal or a mis-charted port."""
    from geodata.shore import distance_to_shore_nm

    return distance_to_shore_nm(lat, lon) > OFFSHORE_DISTANCE_NM


def iso3_of(iso2: str) -> str | None:
    country = pycountry.countries.get(alpha_2=iso2)
    return None if country is None else str(country.alpha_3)


@dataclass(frozen=True)
class LoadReport:
    states: tuple[str, ...]
    added: int
    already_registered: int
    offshore_left_out: tuple[str, ...]


def participating_states(conn: psycopg.Connection[Any]) -> list[str]:
    rows = fetch_all_by_name(
        conn, "SELECT code FROM participant WHERE kind IN ('state', 'territory') AND code ~ '^[A-Z]{3}$' ORDER BY code"
    )
    return [r["code"] for r in rows]


def _snapshot(conn: psycopg.Connection[Any], locode: str, lock: bool = False) -> dict[str, Any] | None:
    row = fetch_one_by_name(
        conn,
        "SELECT to_jsonb(p) - 'geom' || jsonb_build_object('lat', ST_Y(geom), 'lon', ST_X(geom)) AS place "
        "FROM place_of_safety p WHERE locode = %s" + (" FOR UPDATE" if lock else ""),
        (locode,),
    )
    return None if row is None else dict(row["place"])


def _log_change(
    conn: psycopg.Connection[Any],
    locode: str,
    before: dict[str, Any] | None,
    reason: str,
    owner: str,
    by: str,
) -> None:
    after = _snapshot(conn, locode)
    assert after is not None
    conn.execute(
        "INSERT INTO place_of_safety_change (locode, version, before, after, reason, owner, acted_by) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (
            locode,
            after["version"],
            None if before is None else json.dumps(before, default=str),
            json.dumps(after, default=str),
            reason,
            owner,
            by,
        ),
    )


def load_packaged_ports(
    conn: psycopg.Connection[Any], states: list[str] | None, by: str, owner: str = "SYSTEM"
) -> LoadReport:
    """Register the packaged ports of the given states (ISO alpha-3; default: participating states).

    Places already registered are left as they are (their attributes are never overwritten). One
    transaction: all or nothing.
    """
    wanted = [s.strip().upper() for s in states] if states else participating_states(conn)
    if not wanted:
        raise InvalidPlaceError(
            "no participating states: the participant table is empty (load the reference layers "
            "with geodata) or give --states IDN,MYS,..."
        )
    iso2_of: dict[str, str] = {}
    for code in wanted:
        country = pycountry.countries.get(alpha_3=code)
        if country is None:
            raise InvalidPlaceError(f"state {code!r} is not an ISO 3166-1 alpha-3 code")
        iso2_of[str(country.alpha_2)] = code
    source = searoute_ports_source()
    added = already = 0
    offshore: list[str] = []
    with conn.transaction():
        for port in packaged_ports():
            state = iso2_of.get(port["iso2"])
            if state is None:
                continue
            if is_offshore(port["lat"], port["lon"]):
                offshore.append(port["locode"])
                continue
            cur = conn.execute(
                "INSERT INTO place_of_safety (locode, name, state, country_iso2, kind, geom, "
                "position_source, "
                "owner, acted_by) VALUES (%s, %s, %s, %s, 'port', ST_SetSRID(ST_MakePoint(%s, "
                "%s), 4326), %s, "
                "%s, %s) ON CONFLICT (locode) DO NOTHING",
                (
                    port["locode"],
                    port["name"],
                    state,
                    port["iso2"],
                    port["lon"],
                    port["lat"],
                    source,
                    owner,
                    by,
                ),
            )
            if cur.rowcount:
                added += 1
                _log_change(conn, port["locode"], None, f"registered from {source}", owner, by)
            else:
                already += 1
        for place in authored_landing_places():
            if place["state"] not in iso2_of.values():
                continue
            cur = conn.execute(
                "INSERT INTO place_of_safety (locode, name, state, country_iso2, kind, geom, position_source, "
                "owner, acted_by) VALUES (%s, %s, %s, %s, 'landing_place', ST_SetSRID(ST_MakePoint(%s, %s), 4326), "
                "%s, %s, %s) ON CONFLICT (locode) DO NOTHING",
                (
                    place["locode"],
                    place["name"],
                    place["state"],
                    place["locode"][:2],
                    place["lon"],
                    place["lat"],
                    place["source"],
                    owner,
                    by,
                ),
            )
            if cur.rowcount:
                added += 1
                _log_change(conn, place["locode"], None, f"registered from {place['source']}", owner, by)
            else:
                already += 1
    log.info(
        "places of safety: %d added, %d already registered, %d offshore terminals left out (%s)",
        added,
        already,
        len(offshore),
        ",".join(sorted(iso2_of.values())),
    )
    return LoadReport(tuple(sorted(iso2_of.values())), added, already, tuple(offshore))


def add_landing_place(
    conn: psycopg.Connection[Any],
    locode: str,
    name: str,
    state: str,
    lat: float,
    lon: float,
    position_source: str,
    by: str,
    owner: str,
    kind: str = "landing_place",
) -> PlaceOfSafety:
    """Add a place not in the packaged ports (a beach or jetty where people are landed), with its source."""
    locode = locode.strip().upper()
    if not _LOCODE.match(locode):
        raise InvalidPlaceError(f"locode {locode!r} is not a UN/LOCODE-shaped code (2 letters + 3 letters/digits)")
    country = pycountry.countries.get(alpha_3=state.strip().upper())
    if country is None:
        raise InvalidPlaceError(f"state {state!r} is not an ISO 3166-1 alpha-3 code")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidPlaceError(f"position {lat}, {lon} is outside -90..90 / -180..180")
    if not name.strip():
        raise InvalidPlaceError("name is required")
    if not position_source.strip():
        raise InvalidPlaceError("source of the position is required")
    if kind not in ("port", "landing_place"):
        raise InvalidPlaceError(f"kind {kind!r} must be port or landing_place")
    try:
        return _insert_landing_place(conn, locode, name, country, kind, lat, lon, position_source, by, owner)
    except pg_errors.InsufficientPrivilege as exc:  # row-level security (migration 0075)
        raise InvalidPlaceError(
            f"only {country.alpha_3}'s focal point adds places of safety in {country.alpha_3} (acting for {owner})"
        ) from exc


def _insert_landing_place(
    conn: psycopg.Connection[Any],
    locode: str,
    name: str,
    country: Any,
    kind: str,
    lat: float,
    lon: float,
    position_source: str,
    by: str,
    owner: str,
) -> PlaceOfSafety:
    with conn.transaction():
        cur = conn.execute(
            "INSERT INTO place_of_safety (locode, name, state, country_iso2, kind, geom, "
            "position_source, owner, "
            "acted_by) VALUES (%s, %s, %s, %s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, %s, %s) "
            "ON CONFLICT (locode) DO NOTHING",
            (
                locode,
                name.strip(),
                country.alpha_3,
                country.alpha_2,
                kind,
                lon,
                lat,
                position_source.strip(),
                owner,
                by,
            ),
        )
        if not cur.rowcount:
            raise InvalidPlaceError(f"locode {locode} is already in the register: edit it instead")
        _log_change(conn, locode, None, f"added by hand ({position_source.strip()})", owner, by)
    return get_place(conn, locode)


def _row_to_place(row: tuple[Any, ...]) -> PlaceOfSafety:
    return PlaceOfSafety(
        locode=row[0],
        name=row[1],
        state=row[2],
        kind=row[3],
        lat=float(row[4]),
        lon=float(row[5]),
        reception_facilities=row[6],
        medical_capacity=row[7],
        unhcr_presence=row[8],
        iom_presence=row[9],
        screening_procedures=row[10],
        practice_notes=row[11],
        attributes_source=row[12],
        attributes_as_of=row[13],
        position_source=row[14],
        version=row[15],
        size_class=_size_classes().get(row[0]),
    )


def _select(where: str = "") -> str:
    return f"SELECT {', '.join(_COLUMNS)} FROM place_of_safety {where}"


def get_place(conn: psycopg.Connection[Any], locode: str) -> PlaceOfSafety:
    row = conn.execute(_select("WHERE locode = %s"), (locode.strip().upper(),)).fetchone()
    if row is None:
        raise PlaceNotFoundError(f"no place of safety with UN/LOCODE {locode!r} in the register")
    return _row_to_place(row)


def list_places(
    conn: psycopg.Connection[Any], state: str | None = None, usable_only: bool = True
) -> list[PlaceOfSafety]:
    clauses, params = [], []
    if state:
        clauses.append("state = %s")
        params.append(state.strip().upper())
    if usable_only:
        clauses.append("usable")
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return [_row_to_place(r) for r in conn.execute(_select(where + " ORDER BY state, name"), params).fetchall()]


def places_within(conn: psycopg.Connection[Any], lat: float, lon: float, radius_nm: float) -> list[PlaceOfSafety]:
    """Usable places within ``radius_nm`` great-circle of the position (a first cut before sea routes)."""
    rows = conn.execute(
        _select(
            "WHERE usable AND ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, "
            "%s) ORDER BY locode"
        ),
        (lon, lat, radius_nm * 1852.0),
    ).fetchall()
    return [_row_to_place(r) for r in rows]


def candidate_places_within(
    conn: psycopg.Connection[Any], lat: float, lon: float, radius_nm: float
) -> list[PlaceOfSafety]:
    """Places that may serve as places of safety within ``radius_nm`` (great circle) of the position.

    The register's usable places first; then, so that a fresh install is never without options, every port
    of the port list (geodata's ``port`` table, loaded by ``seasight geodata load``) and of the team's
    landing places (``landing_places.json``) of a participating state that the register does not hold yet,
    as a *candidate — not verified* (no facilities known). Ports charted offshore (terminals) are left out
    as in :func:`load_packaged_ports`; so are places the register withdrew (``usable`` no).
    """
    places = places_within(conn, lat, lon, radius_nm)
    held = {r["locode"] for r in fetch_all_by_name(conn, "SELECT locode FROM place_of_safety")}
    members = set(participating_states(conn))
    extra: dict[str, PlaceOfSafety] = {}
    if conn.execute("SELECT to_regclass('port')").fetchone() != (None,):
        rows = conn.execute(
            "SELECT locode, name, country_iso2, ST_Y(geom), ST_X(geom), source FROM port "
            "WHERE ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s) "
            "ORDER BY locode",
            (lon, lat, radius_nm * 1852.0),
        ).fetchall()
        for locode, name, iso2, plat, plon, source in rows:
            state = iso3_of(iso2)
            if locode in held or state is None or (members and state not in members):
                continue
            if is_offshore(float(plat), float(plon)):
                continue
            extra[locode] = PlaceOfSafety(
                locode,
                name,
                state,
                float(plat),
                float(plon),
                position_source=source,
                size_class=_size_classes().get(locode),
                in_register=False,
            )
    from geodata.geodesy import distance_nm

    for place in authored_landing_places():
        code = place["locode"]
        if code in held or code in extra or (members and place["state"] not in members):
            continue
        if distance_nm(lat, lon, place["lat"], place["lon"]) <= radius_nm:
            extra[code] = PlaceOfSafety(
                code,
                place["name"],
                place["state"],
                place["lat"],
                place["lon"],
                kind="landing_place",
                position_source=place["source"],
                size_class=place["size_class"],
                in_register=False,
            )
    return places + [extra[k] for k in sorted(extra)]


def check_edit(place: PlaceOfSafety, changes: dict[str, Any], source: str | None, as_of: date | None) -> dict[str, Any]:
    """Validate an edit (pure): known fields, allowed values, and source + date for any attribute."""
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if isinstance(value, str):
            value = value.strip() or None
        if key not in EDITABLE:
            raise InvalidPlaceError(f"{key!r} cannot be edited; editable: {', '.join(EDITABLE)}")
        if key == "medical_capacity" and value is not None and value not in MEDICAL_CAPACITY:
            raise InvalidPlaceError(
                f"medical_capacity {value!r} must be one of {', '.join(MEDICAL_CAPACITY)} (or empty)"
            )
        if key in ("unhcr_presence", "iom_presence", "usable") and value is not None and not isinstance(value, bool):
            raise InvalidPlaceError(f"{key} must be yes, no or unknown, got {value!r}")
        if key == "usable" and value is None:
            raise InvalidPlaceError("usable must be yes or no")
        if key == "name" and (value is None or not str(value).strip()):
            raise InvalidPlaceError("name cannot be empty")
        clean[key] = value
    if not clean:
        raise InvalidPlaceError("nothing to change: give at least one attribute")
    if any(k in ATTRIBUTES for k in clean):
        if not source or not source.strip():
            raise InvalidPlaceError(
                "source is required for an attribute (who says so: e.g. 'UNHCR Thailand field "
                "visit' or 'Seasight team desk review')"
            )
        if as_of is None:
            raise InvalidPlaceError("as_of date is required for an attribute (when the information was true)")
    return clean


def edit_place(
    conn: psycopg.Connection[Any],
    locode: str,
    changes: dict[str, Any],
    reason: str,
    by: str,
    owner: str,
    source: str | None = None,
    as_of: date | None = None,
) -> PlaceOfSafety:
    """Change a place's attributes; the previous version stays in place_of_safety_change."""
    if not reason.strip():
        raise InvalidPlaceError("reason is required for an edit")
    locode = locode.strip().upper()
    with conn.transaction():
        before = _snapshot(conn, locode, lock=True)
        if before is None:
            seen = _snapshot(conn, locode)  # readable but not editable: row-level security (migration 0075)
            if seen is not None:
                raise InvalidPlaceError(
                    f"{locode} is a place of safety of {seen['state']}: only {seen['state']}'s focal point edits it"
                )
            raise PlaceNotFoundError(f"no place of safety with UN/LOCODE {locode!r} in the register")
        clean = check_edit(get_place(conn, locode), changes, source, as_of)
        sets: list[sql.Composable] = [sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder()) for k in clean]
        values: list[Any] = list(clean.values())
        if any(k in ATTRIBUTES for k in clean):
            sets += [sql.SQL("attributes_source = %s"), sql.SQL("attributes_as_of = %s")]
            values += [source.strip() if source else None, as_of]
        sets += [
            sql.SQL("version = version + 1"),
            sql.SQL("owner = %s"),
            sql.SQL("acted_by = %s"),
            sql.SQL("updated_at = now()"),
        ]
        values += [owner, by, locode]
        try:
            conn.execute(
                sql.SQL("UPDATE place_of_safety SET {} WHERE locode = %s").format(sql.SQL(", ").join(sets)),
                values,
            )
        except pg_errors.CheckViolation as exc:
            raise InvalidPlaceError(
                f"edit of {locode} rejected by the register's rules: {exc.diag.message_primary}"
            ) from exc
        _log_change(conn, locode, before, reason.strip(), owner, by)
    return get_place(conn, locode)


def place_history(conn: psycopg.Connection[Any], locode: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT version, changed_at, owner, acted_by, reason, before, after FROM place_of_safety_change "
        "WHERE locode = %s ORDER BY version",
        (locode.strip().upper(),),
    ).fetchall()
    if not rows:
        raise PlaceNotFoundError(f"no place of safety with UN/LOCODE {locode!r} in the register")
    history = []
    for version, at, owner, by, reason, before, after in rows:
        changed = (
            sorted(
                k
                for k in after
                if k not in ("version", "updated_at", "acted_by", "owner") and (before or {}).get(k) != after.get(k)
            )
            if before
            else ["(registered)"]
        )
        history.append(
            {
                "version": version,
                "changed_at": at,
                "owner": owner,
                "acted_by": by,
                "reason": reason,
                "changed": changed,
                "before": before,
                "after": after,
            }
        )
    return history


def place_as_dict(p: PlaceOfSafety) -> dict[str, Any]:
    d = asdict(replace(p))
    d["attributes_as_of"] = p.attributes_as_of.isoformat() if p.attributes_as_of else None
    d["status"] = p.status
    return d
