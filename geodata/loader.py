"""``seasight geodata load``: put the reference layers into PostGIS — idempotent and versioned.

For each layer (participants, srr, zones, ports) the loader compares the layer's checksum with the one
recorded in ``geodata_layer``; an unchanged layer is skipped. A changed layer is written in its own
transaction (all of the layer or none of it), then its new version is recorded in the same transaction.

Operators' work is never overwritten: rows the loader wrote carry ``acted_by = 'system'``; a row someone
edited or imported (any other ``acted_by``) is kept as it is and counted in ``kept``. Authored rows that
disappeared from a layer are deleted only if the system wrote them. Loads are serialised with a
transaction-level advisory lock so two ``seasight up`` at once do not interleave.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import shapely

from geodata.errors import GeodataError, LayerError
from geodata.reference import (
    LayerFile,
    ParticipantRecord,
    PortRecord,
    SrrRecord,
    ZoneRecord,
    checksum_of,
    parse_participants,
    parse_ports,
    parse_srr,
    parse_zones,
    read_layer_file,
    read_searoute_ports,
)
from seasight.rows import fetch_all_by_name, fetch_one_by_name

log = logging.getLogger("seasight.geodata.loader")

SYSTEM = "system"
_LOCK_KEY = "seasight.geodata.load"


@dataclass(frozen=True)
class LayerResult:
    """What one layer load did. ``status`` is 'loaded' or 'unchanged'."""

    name: str
    version: str
    checksum: str
    status: str
    written: int  # rows inserted or updated
    kept: int  # rows left alone because an operator edited or imported them
    removed: int  # system rows no longer in the layer


def _recorded_checksum(conn: psycopg.Connection[Any], name: str) -> str | None:
    row = fetch_one_by_name(conn, "SELECT checksum FROM geodata_layer WHERE name = %s", (name,))
    return None if row is None else str(row["checksum"])


def _record(conn: psycopg.Connection[Any], layer: LayerFile, count: int, acted_by: str) -> None:
    conn.execute(
        """INSERT INTO geodata_layer (name, version, checksum, feature_count, source, loaded_at, acted_by)
           VALUES (%s, %s, %s, %s, %s, now(), %s)
           ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, checksum = EXCLUDED.checksum,
               feature_count = EXCLUDED.feature_count, source = EXCLUDED.source, loaded_at = now(),
               acted_by = EXCLUDED.acted_by""",
        (layer.name, layer.version, layer.checksum, count, layer.source[:500], acted_by),
    )


def _wkb(geom: shapely.Geometry) -> bytes:
    return shapely.to_wkb(geom, output_dimension=2)  # type: ignore[no-any-return]


def _write_participants(conn: psycopg.Connection[Any], rows: list[ParticipantRecord]) -> tuple[int, int, int]:
    written = kept = 0
    for r in rows:
        cur = conn.execute(
            """INSERT INTO participant (code, name, kind, iso2, roles, groups, rcc, updated_at, acted_by)
               VALUES (%s, %s, %s, %s, %s, %s, %s, now(), 'system')
               ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind,
                   iso2 = EXCLUDED.iso2,
                   roles = EXCLUDED.roles, groups = EXCLUDED.groups, rcc = EXCLUDED.rcc, updated_at = now()
               WHERE participant.acted_by = 'system'""",
            (r.code, r.name, r.kind, r.iso2, list(r.roles), list(r.groups), r.rcc),
        )
        if cur.rowcount:
            written += 1
        else:
            kept += 1
    removed = conn.execute(
        "DELETE FROM participant WHERE acted_by = 'system' AND NOT (code = ANY(%s))",
        ([r.code for r in rows],),
    ).rowcount
    return written, kept, removed


def _write_srr(conn: psycopg.Connection[Any], rows: list[SrrRecord], version: str) -> tuple[int, int, int]:
    written = kept = 0
    for r in rows:
        cur = conn.execute(
            """INSERT INTO srr (id, name, rcc_name, rcc_country, rcc_phone, rcc_email, rcc_note,
                indicative, source,
                                version, geom, owner, acted_by, updated_at,
                                boundary_source, contact_source, contact_as_of)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, ST_GeomFromWKB(%s, 4326), 'SYSTEM',
                   'system', now(), %s, %s, %s)
               ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, rcc_name = EXCLUDED.rcc_name,
                   rcc_country = EXCLUDED.rcc_country, rcc_phone = EXCLUDED.rcc_phone,
                   rcc_email = EXCLUDED.rcc_email, rcc_note = EXCLUDED.rcc_note,
                       indicative = EXCLUDED.indicative,
                   source = EXCLUDED.source, version = EXCLUDED.version, geom = EXCLUDED.geom,
                       updated_at = now(), boundary_source = EXCLUDED.boundary_source,
                   contact_source = EXCLUDED.contact_source, contact_as_of = EXCLUDED.contact_as_of
               WHERE srr.acted_by = 'system'""",
            (
                r.id,
                r.name,
                r.rcc_name,
                r.rcc_country,
                r.rcc_phone,
                r.rcc_email,
                r.rcc_note,
                r.indicative,
                r.source,
                version,
                _wkb(r.geom),
                r.boundary_source,
                r.contact_source,
                r.contact_as_of,
            ),
        )
        if cur.rowcount:
            written += 1
        else:
            kept += 1
    removed = conn.execute(
        "DELETE FROM srr WHERE acted_by = 'system' AND NOT (id = ANY(%s))", ([r.id for r in rows],)
    ).rowcount
    return written, kept, removed


def _write_zones(conn: psycopg.Connection[Any], rows: list[ZoneRecord]) -> tuple[int, int, int]:
    written = kept = 0
    for r in rows:
        cur = conn.execute(
            """INSERT INTO zone (name, kind, reason, geom, source, version, active, owner, acted_by,
                updated_at)
               VALUES (%s, %s, %s, ST_GeomFromWKB(%s, 4326), %s, 1, true, 'SYSTEM', 'system', now())
               ON CONFLICT (kind, name) DO UPDATE SET reason = EXCLUDED.reason, geom = EXCLUDED.geom,
                   source = EXCLUDED.source, version = zone.version + 1, updated_at = now()
               WHERE zone.acted_by = 'system'
                 AND (zone.reason IS DISTINCT FROM EXCLUDED.reason OR NOT ST_Equals(zone.geom,
                     EXCLUDED.geom))""",
            (r.name, r.kind, r.reason, _wkb(r.geom), r.source),
        )
        if cur.rowcount:
            written += 1
        else:
            edited = fetch_one_by_name(
                conn, "SELECT acted_by <> 'system' AS edited FROM zone WHERE kind = %s AND name = %s", (r.kind, r.name)
            )
            kept += 1 if edited and edited["edited"] else 0
    keys = [f"{r.kind}\x1f{r.name}" for r in rows]
    removed = conn.execute(
        "DELETE FROM zone WHERE acted_by = 'system' AND source = %s AND NOT (kind || chr(31) || name = ANY(%s))",
        (rows[0].source if rows else "seasight", keys),
    ).rowcount
    return written, kept, removed


def _write_ports(conn: psycopg.Connection[Any], rows: list[PortRecord]) -> tuple[int, int, int]:
    with conn.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE _port_load (locode text, name text, iso2 text, lon float8, lat float8, "
            "source text) ON COMMIT DROP"
        )
        with cur.copy("COPY _port_load FROM STDIN") as copy:
            for r in rows:
                copy.write_row((r.locode, r.name, r.country_iso2, r.lon, r.lat, r.source))
        cur.execute(
            """INSERT INTO port (locode, name, country_iso2, geom, source, owner, acted_by, updated_at)
               SELECT locode, name, iso2, ST_SetSRID(ST_MakePoint(lon, lat), 4326), source, 'SYSTEM',
                   'system', now()
               FROM _port_load
               ON CONFLICT (locode) DO UPDATE SET name = EXCLUDED.name, country_iso2 = EXCLUDED.country_iso2,
                   geom = EXCLUDED.geom, source = EXCLUDED.source, updated_at = now()
               WHERE port.acted_by = 'system'"""
        )
        written = cur.rowcount
        cur.execute(
            """DELETE FROM port p WHERE p.acted_by = 'system' AND p.source LIKE 'searoute%%'
               AND NOT EXISTS (SELECT 1 FROM _port_load l WHERE l.locode = p.locode)"""
        )
        removed = cur.rowcount
    return written, len(rows) - written, removed


def _member_iso2(participants: list[ParticipantRecord]) -> frozenset[str]:
    return frozenset(p.iso2 for p in participants if p.iso2 and "member" in p.groups)


def load_reference_layers(
    conn: psycopg.Connection[Any],
    *,
    force: bool = False,
    acted_by: str = SYSTEM,
    cache_root: Path | None = None,
) -> list[LayerResult]:
    """Load every reference layer that changed since the last load (all of them with ``force``).

    With ``cache_root`` (the stack folder), country polygons fetched earlier by ``seasight geodata
    fetch-countries`` are loaded into ``state`` too (no network here; see :mod:`geodata.countries`).

    Each layer is its own transaction; a failing layer raises :class:`GeodataError` naming it, and the
    layers before it stay loaded (each is complete on its own). ``conn`` must not be in a transaction.
    """
    participants_file = read_layer_file("participants", "participants.json")
    participants = parse_participants(json.loads(participants_file.content))
    ports_file = read_searoute_ports()
    member_iso2 = _member_iso2(participants)
    # which ports are kept depends on the member list too
    ports_file = LayerFile(
        ports_file.name,
        ports_file.version,
        ports_file.source,
        ports_file.content,
        checksum_of(ports_file.content, participants_file.content),
    )
    srr_file = read_layer_file("srr", "srr.geojson")
    zones_file = read_layer_file("zones", "zones.geojson")

    plan: list[tuple[LayerFile, Any]] = [
        (participants_file, lambda: _write_participants(conn, participants)),
        (srr_file, lambda: _write_srr(conn, parse_srr(json.loads(srr_file.content)), srr_file.version)),
        (zones_file, lambda: _write_zones(conn, parse_zones(json.loads(zones_file.content)))),
        (
            ports_file,
            lambda: _write_ports(conn, parse_ports(json.loads(ports_file.content), member_iso2, ports_file.source)),
        ),
    ]
    results: list[LayerResult] = []
    for layer, write in plan:
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_LOCK_KEY,))
                if not force and _recorded_checksum(conn, layer.name) == layer.checksum:
                    results.append(LayerResult(layer.name, layer.version, layer.checksum, "unchanged", 0, 0, 0))
                    continue
                written, kept, removed = write()
                _record(conn, layer, written + kept, acted_by)
        except GeodataError:
            raise
        except (psycopg.Error, ValueError) as exc:
            raise LayerError(f"layer {layer.name}: loading failed, nothing of it was written: {exc}") from exc
        log.info(
            "layer %s version %s loaded: %d written, %d kept (edited), %d removed",
            layer.name,
            layer.version,
            written,
            kept,
            removed,
        )
        results.append(LayerResult(layer.name, layer.version, layer.checksum, "loaded", written, kept, removed))
    if cache_root is not None:
        from geodata.countries import WORLD_ATLAS_PACKAGE, cached_countries_file, load_countries

        countries = cached_countries_file(cache_root)
        if countries.exists():
            status, loaded = load_countries(conn, countries, force=force)
            if loaded is None:
                results.append(LayerResult("states", WORLD_ATLAS_PACKAGE, "", status, 0, 0, 0))
            else:
                results.append(
                    LayerResult(
                        "states",
                        WORLD_ATLAS_PACKAGE,
                        loaded.checksum,
                        "loaded",
                        loaded.features - len(loaded.skipped),
                        0,
                        loaded.replaced,
                    )
                )
        else:
            log.info("no country polygons cached in %s: run `seasight geodata fetch-countries`", cache_root)
    return results


def loaded_layers(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """The layer versions recorded in ``geodata_layer`` (for ``seasight geodata status``)."""
    rows = fetch_all_by_name(
        conn,
        "SELECT name, version, checksum, feature_count, source, loaded_at, acted_by FROM geodata_layer ORDER BY name",
    )
    return [
        dict(
            name=r["name"],
            version=r["version"],
            checksum=r["checksum"][:12],
            features=r["feature_count"],
            source=r["source"],
            loaded_at=r["loaded_at"].isoformat(),
            acted_by=r["acted_by"],
        )
        for r in rows
    ]


def load_reference_layers_at(
    database_url: str, *, force: bool = False, cache_root: Path | None = None
) -> list[LayerResult]:
    """Connect to ``database_url`` and :func:`load_reference_layers` (used by ``seasight up``)."""
    try:
        with psycopg.connect(database_url, connect_timeout=10, application_name="seasight-geodata") as conn:
            return load_reference_layers(conn, force=force, cache_root=cache_root)
    except psycopg.OperationalError as exc:
        raise LayerError(f"cannot connect to the database to load reference layers: {exc}") from exc
