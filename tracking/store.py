"""Writes of the maritime picture to PostGIS, idempotent through natural keys.

Positions go in by COPY into a temporary table (geometry as client-built EWKB) followed by one
``INSERT … ON CONFLICT DO NOTHING`` on the natural key (mmsi, observed_at): a replay adds nothing.
The latest state per vessel is upserted only when the new fix is newer, so late or out-of-order
messages never move a vessel backwards.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import psycopg

from seasight.schemas import PositionReport

_EWKB_POINT_HEADER = struct.pack("<BII", 1, 0x20000001, 4326)  # little endian, Point with SRID, 4326


def ewkb_point_hex(lon: float, lat: float) -> str:
    """Hex EWKB of an EPSG:4326 point (the text form PostGIS accepts for geometry input)."""
    return (_EWKB_POINT_HEADER + struct.pack("<dd", lon, lat)).hex()


def write_positions(conn: psycopg.Connection, reports: Sequence[PositionReport]) -> int:
    """Store position reports and advance vessel_state, inside the caller's transaction.

    Returns the number of new position rows (duplicates of already-stored reports are not counted).
    """
    if not reports:
        return 0
    days = sorted({r.observed_at.date() for r in reports})
    for day in days:
        conn.execute("SELECT ensure_position_partition(%s)", (day,))
    conn.execute(
        """CREATE TEMP TABLE IF NOT EXISTS position_in (
               mmsi integer, observed_at timestamptz, geom geometry, sog_kn real, cog_deg real,
               heading_deg smallint, nav_status smallint, msg_type smallint, station text,
               received_at timestamptz) ON COMMIT DELETE ROWS"""
    )
    with conn.cursor() as cur:
        with cur.copy(
            "COPY position_in (mmsi, observed_at, geom, sog_kn, cog_deg, heading_deg, nav_status, msg_type,"
            " station, received_at) FROM STDIN"
        ) as copy:
            for r in reports:
                copy.write_row(
                    (r.mmsi, r.observed_at, ewkb_point_hex(r.lon, r.lat), r.sog_kn, r.cog_deg, r.heading_deg,
                     r.nav_status, r.msg_type, r.station, r.received_at)
                )
        cur.execute(
            """INSERT INTO vessel (mmsi, ais_class, first_seen_at)
               SELECT mmsi,
                      CASE WHEN bool_or(msg_type IN (18, 19)) THEN 'B'
                           WHEN bool_or(msg_type = 9) THEN 'SAR'
                           ELSE 'A' END,
                      min(observed_at)
               FROM position_in GROUP BY mmsi
               ON CONFLICT (mmsi) DO UPDATE SET first_seen_at = LEAST(vessel.first_seen_at, excluded.first_seen_at)"""
        )
        cur.execute(
            """INSERT INTO position (mmsi, observed_at, geom, sog_kn, cog_deg, heading_deg, nav_status,
                                     msg_type, station, received_at)
               SELECT DISTINCT ON (mmsi, observed_at) mmsi, observed_at, geom, sog_kn, cog_deg, heading_deg,
                      nav_status, msg_type, station, received_at
               FROM position_in ORDER BY mmsi, observed_at, received_at
               ON CONFLICT (mmsi, observed_at) DO NOTHING"""
        )
        inserted = cur.rowcount
        cur.execute(
            """INSERT INTO vessel_state AS vs (mmsi, observed_at, geom, sog_kn, cog_deg, heading_deg, nav_status,
                                               msg_type, station, updated_at)
               SELECT DISTINCT ON (mmsi) mmsi, observed_at, geom, sog_kn, cog_deg, heading_deg, nav_status,
                      msg_type, station, now()
               FROM position_in ORDER BY mmsi, observed_at DESC, received_at
               ON CONFLICT (mmsi) DO UPDATE SET
                   observed_at = excluded.observed_at, geom = excluded.geom, sog_kn = excluded.sog_kn,
                   cog_deg = excluded.cog_deg, heading_deg = excluded.heading_deg,
                   nav_status = excluded.nav_status, msg_type = excluded.msg_type,
                   station = excluded.station, updated_at = now()
               WHERE excluded.observed_at > vs.observed_at"""
        )
        cur.execute("TRUNCATE position_in")
    return inserted
