"""Writes of the maritime picture to PostGIS, idempotent through natural keys.

Positions go in by COPY into a temporary table (geometry as client-built EWKB) followed by one
``INSERT … ON CONFLICT DO NOTHING`` on the natural key (mmsi, observed_at): a replay adds nothing.
The latest state per vessel is upserted only when the new fix is newer, so late or out-of-order
messages never move a vessel backwards.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from datetime import datetime

import psycopg

from seasight.schemas import HeardReport, PositionReport, SafetyBroadcast, Sighting, StaticVoyageReport
from tracking.rules.mmsi import StationKind, classify_mmsi, flag_state

_EWKB_POINT_HEADER = struct.pack("<BII", 1, 0x20000001, 4326)  # little endian, Point with SRID, 4326


def ewkb_point_hex(lon: float, lat: float) -> str:
    """Hex EWKB of an EPSG:4326 point (the text form PostGIS accepts for geometry input)."""
    return (_EWKB_POINT_HEADER + struct.pack("<dd", lon, lat)).hex()


def _ais_class(msg_type: int) -> str | None:
    """AIS station class from the ITU-R M.1371 message number of a position report (``None`` for a
    message that is not one)."""
    if msg_type not in (1, 2, 3, 9, 18, 19, 27):
        return None
    if msg_type in (18, 19):
        return "B"
    if msg_type == 9:
        return "SAR"
    return "A"


def _ensure_vessels(cur: psycopg.Cursor, reports: Sequence[PositionReport]) -> None:
    """Create a vessel row for every MMSI not seen before, with its flag state from the MID (ITU-R M.585)."""
    first: dict[int, PositionReport] = {}
    for r in reports:
        known = first.get(r.mmsi)
        if known is None or r.observed_at < known.observed_at:
            first[r.mmsi] = r
    cur.executemany(
        """INSERT INTO vessel (mmsi, ais_class, flag_state, first_seen_at) VALUES (%s, %s, %s, %s)
           ON CONFLICT (mmsi) DO UPDATE SET first_seen_at = LEAST(vessel.first_seen_at, excluded.first_seen_at)
           WHERE excluded.first_seen_at < vessel.first_seen_at""",
        [(m, _ais_class(r.msg_type), flag_state(m), r.observed_at) for m, r in sorted(first.items())],
    )


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
                    (
                        r.mmsi,
                        r.observed_at,
                        ewkb_point_hex(r.lon, r.lat),
                        r.sog_kn,
                        r.cog_deg,
                        r.heading_deg,
                        r.nav_status,
                        r.msg_type,
                        r.station,
                        r.received_at,
                    )
                )
        _ensure_vessels(cur, reports)
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


# Identity fields of ``vessel`` that a static/voyage report can change, with how to read each from it.
_IDENTITY_FIELDS = ("name", "callsign", "imo", "ship_type", "length_m", "beam_m", "destination")


def _identity_of(report: StaticVoyageReport) -> dict[str, object]:
    """Identity values a report carries (None = not in this report). Dimensions in metres (ITU-R M.1371:
    length = to bow + to stern, beam = to port + to starboard)."""
    length = (
        report.to_bow_m + report.to_stern_m if report.to_bow_m is not None and report.to_stern_m is not None else None
    )
    beam = (
        report.to_port_m + report.to_starboard_m
        if report.to_port_m is not None and report.to_starboard_m is not None
        else None
    )
    return {
        "name": report.shipname,
        "callsign": report.callsign,
        "imo": report.imo,
        "ship_type": report.ship_type,
        "length_m": float(length) if length else None,
        "beam_m": float(beam) if beam else None,
        "destination": report.destination,
    }


def write_static(conn: psycopg.Connection, reports: Sequence[StaticVoyageReport]) -> int:
    """Merge static and voyage data into ``vessel`` and record each identity change, in the caller's
    transaction. A report older than the vessel's latest static data changes nothing (late or replayed);
    a field a report does not carry keeps its value. Returns the number of vessels updated."""
    if not reports:
        return 0
    mmsis = sorted({r.mmsi for r in reports})
    rows = conn.execute(
        "SELECT mmsi, static_at, name, callsign, imo, ship_type, length_m, beam_m, destination"
        " FROM vessel WHERE mmsi = ANY(%s) FOR UPDATE",
        (mmsis,),
    ).fetchall()
    current: dict[int, dict[str, object]] = {
        row[0]: {"static_at": row[1], **dict(zip(_IDENTITY_FIELDS, row[2:], strict=True))} for row in rows
    }
    changes: list[tuple[object, ...]] = []
    updated: dict[int, tuple[StaticVoyageReport, dict[str, object]]] = {}
    for report in sorted(reports, key=lambda r: (r.mmsi, r.observed_at)):
        vessel = current.setdefault(report.mmsi, {"static_at": None, **dict.fromkeys(_IDENTITY_FIELDS)})
        static_at = vessel["static_at"]
        if isinstance(static_at, datetime) and report.observed_at <= static_at:
            continue
        for name, value in _identity_of(report).items():
            if value is None or value == vessel[name]:
                continue
            if vessel["static_at"] is not None or vessel[name] is not None:  # a change, not a first report
                changes.append(
                    (
                        report.mmsi,
                        report.observed_at,
                        name,
                        None if vessel[name] is None else str(vessel[name]),
                        str(value),
                        report.station,
                    )
                )
            vessel[name] = value
        vessel["static_at"] = report.observed_at
        updated[report.mmsi] = (report, vessel)
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO vessel (mmsi, flag_state, name, callsign, imo, ship_type, length_m, beam_m,
                                   destination, draught_m, eta, static_msg_type, static_at, first_seen_at)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (mmsi) DO UPDATE SET
                   name = excluded.name, callsign = excluded.callsign, imo = excluded.imo,
                   ship_type = excluded.ship_type, length_m = excluded.length_m, beam_m = excluded.beam_m,
                   destination = excluded.destination,
                   draught_m = COALESCE(excluded.draught_m, vessel.draught_m),
                   eta = COALESCE(excluded.eta, vessel.eta), static_msg_type = excluded.static_msg_type,
                   flag_state = COALESCE(vessel.flag_state, excluded.flag_state),
                   static_at = excluded.static_at, updated_at = now()
               WHERE vessel.static_at IS NULL OR excluded.static_at > vessel.static_at""",
            [
                (
                    m,
                    flag_state(m),
                    v["name"],
                    v["callsign"],
                    v["imo"],
                    v["ship_type"],
                    v["length_m"],
                    v["beam_m"],
                    v["destination"],
                    r.draught_m,
                    r.eta,
                    r.msg_type,
                    r.observed_at,
                    r.observed_at,
                )
                for m, (r, v) in sorted(updated.items())
            ],
        )
        cur.executemany(
            """INSERT INTO vessel_identity_change (mmsi, observed_at, field, old_value, new_value, station)
               VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING""",
            changes,
        )
    return len(updated)


def write_sightings(conn: psycopg.Connection, sightings: Sequence[Sighting]) -> int:
    """Store sightings; the sighting id is the natural key, so a replay adds nothing. Returns new rows."""
    if not sightings:
        return 0
    inserted = 0
    with conn.cursor() as cur:
        for s in sightings:
            cur.execute(
                """INSERT INTO sighting (id, observed_at, geom, uncertainty_nm, source_type, craft_type,
                                         persons_estimated, conditions, course_deg, speed_kn, ais_seen,
                                         confidence, note, is_exercise, owner, acted_by, received_at)
                   VALUES (%s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, %s, %s, %s, %s, %s, %s, %s,
                           %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (id) DO NOTHING""",
                (
                    s.id,
                    s.observed_at,
                    s.lon,
                    s.lat,
                    s.uncertainty_nm,
                    s.source_type,
                    s.craft_type,
                    s.persons_estimated,
                    list(s.conditions),
                    s.course_deg,
                    s.speed_kn,
                    s.ais_seen,
                    s.confidence,
                    s.note,
                    s.is_exercise,
                    s.owner,
                    s.acted_by,
                    s.received_at,
                ),
            )
            inserted += cur.rowcount
    return inserted


def write_safety(conn: psycopg.Connection, broadcasts: Sequence[SafetyBroadcast]) -> int:
    """Store safety broadcasts (message 14) with the sender's latest known position. Returns new rows."""
    if not broadcasts:
        return 0
    inserted = 0
    with conn.cursor() as cur:
        for b in broadcasts:
            cur.execute(
                """INSERT INTO safety_broadcast (mmsi, observed_at, text, device, geom, station, received_at,
                                                 msg_type, dest_mmsi)
                   SELECT %s, %s, %s, %s, (SELECT geom FROM vessel_state WHERE mmsi = %s), %s, %s, %s, %s
                   ON CONFLICT DO NOTHING""",
                (b.mmsi, b.observed_at, b.text, b.device, b.mmsi, b.station, b.received_at, b.msg_type, b.dest_mmsi),
            )
            inserted += cur.rowcount
    return inserted


#: Stations that are not vessels (ITU-R M.585): heard from, they get no ``vessel`` row.
_NOT_VESSELS = frozenset({StationKind.COAST, StationKind.AID_TO_NAVIGATION})


def write_heard(conn: psycopg.Connection, reports: Sequence[HeardReport]) -> int:
    """Refresh ``vessel.last_heard_at`` (migration 0090) from messages that give no position — a position
    report with lat 91 / lon 181, a binary message, an acknowledgement … — in the caller's transaction.
    Nothing moves: ``position`` and ``vessel_state`` are not touched. A vessel not known yet gets its row
    (first seen, flag state from the MID); coast stations and aids to navigation get none. Only a newer
    message moves ``last_heard_at`` forward, so a replay or a late message changes nothing. Returns the
    number of vessels whose row was written."""
    latest: dict[int, HeardReport] = {}
    first: dict[int, HeardReport] = {}
    for r in reports:
        if classify_mmsi(r.mmsi).kind in _NOT_VESSELS:
            continue
        known = latest.get(r.mmsi)
        if known is None or r.observed_at > known.observed_at:
            latest[r.mmsi] = r
        earliest = first.get(r.mmsi)
        if earliest is None or r.observed_at < earliest.observed_at:
            first[r.mmsi] = r
    if not latest:
        return 0
    written = 0
    with conn.cursor() as cur:
        for mmsi, r in sorted(latest.items()):
            cur.execute(
                """INSERT INTO vessel AS v (mmsi, ais_class, flag_state, first_seen_at, last_heard_at,
                                            last_heard_msg_type)
                   VALUES (%s, %s, %s, %s, %s, %s)
                   ON CONFLICT (mmsi) DO UPDATE SET
                       last_heard_at = GREATEST(v.last_heard_at, excluded.last_heard_at),
                       last_heard_msg_type = CASE WHEN v.last_heard_at IS NULL
                                                    OR excluded.last_heard_at > v.last_heard_at
                                                  THEN excluded.last_heard_msg_type
                                                  ELSE v.last_heard_msg_type END,
                       first_seen_at = LEAST(v.first_seen_at, excluded.first_seen_at),
                       ais_class = COALESCE(v.ais_class, excluded.ais_class)
                   WHERE v.last_heard_at IS NULL OR excluded.last_heard_at > v.last_heard_at
                      OR excluded.first_seen_at < v.first_seen_at""",
                (mmsi, _ais_class(r.msg_type), flag_state(mmsi), first[mmsi].observed_at, r.observed_at, r.msg_type),
            )
            written += cur.rowcount
    return written
