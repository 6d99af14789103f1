"""Read-side queries of the reference data operators maintain: watch zones and the shared watchlist.

Rows are returned raw (not escaped) for tables, which show every cell as text; maps use the escaped
GeoJSON of :mod:`tracking.queries_map` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import class_row

from seasight.rows import fetch_all_as, fetch_all_by_name


@dataclass(frozen=True, slots=True)
class ZoneRow:
    id: int
    name: str
    kind: str
    reason: str
    source: str
    version: int
    active: bool
    owner: str
    acted_by: str
    updated_at: datetime
    area_km2: float


def watch_zones(conn: psycopg.Connection, include_inactive: bool = True) -> list[ZoneRow]:
    """Watch zones (table ``zone``, migration 0001) with their area in km² (geodesic)."""
    return fetch_all_as(
        conn,
        ZoneRow,
        """SELECT id, name, kind, reason, source, version, active, owner, acted_by, updated_at,
                  round((ST_Area(geom::geography) / 1e6)::numeric, 1)::float8 AS area_km2
             FROM zone WHERE active OR %s ORDER BY kind, name""",
        (include_inactive,),
    )


@dataclass(frozen=True, slots=True)
class WatchlistRow:
    id: str
    reason: str
    mmsi: int | None
    imo: int | None
    callsign: str | None
    name: str | None
    active: bool
    owner: str
    acted_by: str
    updated_at: datetime
    on_picture: bool  # a vessel with this MMSI has a latest state


def watchlist_entries(conn: psycopg.Connection, include_inactive: bool = True) -> list[WatchlistRow]:
    """The shared watchlist (table ``watchlist_entry``, migration 0030) that rule 6 reads."""
    with conn.cursor(row_factory=class_row(WatchlistRow)) as cur:
        return cur.execute(
            """SELECT w.id, w.reason, w.mmsi, w.imo, w.callsign, w.name, w.active, w.owner, w.acted_by,
                      w.updated_at, vs.mmsi IS NOT NULL AS on_picture
                 FROM watchlist_entry w LEFT JOIN vessel_state vs ON vs.mmsi = w.mmsi
                WHERE w.active OR %s ORDER BY w.id""",
            (include_inactive,),
        ).fetchall()


def loaded_layers(conn: psycopg.Connection) -> list[tuple[str, str, int, str, datetime, str]]:
    """Which reference layers are loaded: (name, version, features, source, loaded_at, acted_by)."""
    rows = fetch_all_by_name(
        conn, "SELECT name, version, feature_count, source, loaded_at, acted_by FROM geodata_layer ORDER BY name"
    )
    return [(r["name"], r["version"], r["feature_count"], r["source"], r["loaded_at"], r["acted_by"]) for r in rows]
