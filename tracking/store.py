"""Writes of the maritime picture to PostGIS, idempotent through natural keys, and nothing dropped
without a trace.

Positions go in by binary COPY into a temporary table (geometry as client-built EWKB bytes) followed by
one ``INSERT … ON CONFLICT DO NOTHING`` on the natural key (mmsi, observed_at): a replay adds nothing, and a
report of the same key with other content is kept in ``position_conflict``. The latest state per vessel
is upserted only when the new fix is newer, so late or out-of-order messages never move a vessel
backwards; reports stamped in the future are quarantined (``report_quarantine``) before any of this.
Sightings keep every version (``sighting_revision``). What is not stored as new is counted by reason in
``tracker_drop`` (:func:`count_drops`). Every write of a position batch is one set-based statement
(``unnest`` of arrays sent in binary), never a statement per row.
"""

from __future__ import annotations

import functools
import logging
import struct
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from seasight.rows import fetch_all_by_name
from seasight.schemas import HeardReport, Message, PositionReport, SafetyBroadcast, Sighting, StaticVoyageReport
from tracking.report_time import (
    DEFAULT_REPORT_TIME,
    ReportTimeParameters,
    StationClock,
    ahead_s,
    allowed_ahead_s,
    learn_stations,
    station_key,
)
from tracking.rules.mmsi import StationKind, classify_mmsi, flag_state
from tracking.sighting_versions import (
    Action,
    StoredSighting,
    StoredVersion,
    as_real,
    content_key,
    id_for_other_owner,
    plan_versions,
)

log = logging.getLogger("seasight.tracking.store")

#: EWKB (PostGIS extended WKB) of a 2-D point with an SRID: byte order 1 (little endian), type 1 (Point)
#: with the SRID flag 0x20000000, the SRID, then x and y as IEEE 754 doubles.
_EWKB_POINT = struct.Struct("<BIIdd")


def ewkb_point(lon: float, lat: float) -> bytes:
    """EWKB of an EPSG:4326 point, longitude and latitude in degrees: the bytes PostGIS reads as a
    ``geometry`` value in a binary COPY."""
    return _EWKB_POINT.pack(1, 0x20000001, 4326, lon, lat)


def ewkb_point_hex(lon: float, lat: float) -> str:
    """Hex EWKB of an EPSG:4326 point (the text form PostGIS accepts for geometry input), degrees."""
    return ewkb_point(lon, lat).hex()


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


@functools.lru_cache(maxsize=1 << 16)
def _flag_state(mmsi: int) -> str | None:
    """:func:`tracking.rules.mmsi.flag_state` remembered per MMSI (a pure lookup in the MID table of
    ITU-R M.585, asked for every vessel of every batch)."""
    return flag_state(mmsi)


def _ensure_vessels(cur: psycopg.Cursor, reports: Sequence[PositionReport]) -> None:
    """Create a vessel row for every MMSI not seen before, with its flag state from the MID (ITU-R M.585),
    or move its first-seen time back to an earlier report; one set-based statement per batch, rows taken
    in MMSI order (the order every writer locks vessel rows in)."""
    first: dict[int, PositionReport] = {}
    for r in reports:
        known = first.get(r.mmsi)
        if known is None or r.observed_at < known.observed_at:
            first[r.mmsi] = r
    mmsis = sorted(first)
    cur.execute(
        """INSERT INTO vessel (mmsi, ais_class, flag_state, first_seen_at)
           SELECT mmsi, ais_class, flag_state, first_seen_at
             FROM unnest(%b::integer[], %b::text[], %b::text[], %b::timestamptz[])
                  AS v(mmsi, ais_class, flag_state, first_seen_at)
            ORDER BY mmsi
           ON CONFLICT (mmsi) DO UPDATE SET first_seen_at = LEAST(vessel.first_seen_at, excluded.first_seen_at)
           WHERE excluded.first_seen_at < vessel.first_seen_at""",
        (
            mmsis,
            [_ais_class(first[m].msg_type) for m in mmsis],
            [_flag_state(m) for m in mmsis],
            [first[m].observed_at for m in mmsis],
        ),
    )


#: Column types of ``position_in`` for the binary COPY (the geometry goes as EWKB bytes, read by PostGIS's
#: binary input of ``geometry``).
_POSITION_IN_TYPES = ("int4", "timestamptz", "bytea", "float4", "float4", "int2", "int2", "int2", "text", "timestamptz")


#: Reports of the batch whose key is stored with other content, kept in ``position_conflict`` with their
#: distance from the stored fix (metres, on the WGS 84 ellipsoid); ``{only}`` limits it to some keys.
_CONFLICTS = sql.SQL(
    """INSERT INTO position_conflict (mmsi, observed_at, geom, sog_kn, cog_deg, heading_deg,
                                      nav_status, msg_type, station, received_at, distance_m)
       SELECT i.mmsi, i.observed_at, i.geom, i.sog_kn, i.cog_deg, i.heading_deg, i.nav_status,
              i.msg_type, i.station, i.received_at,
              ST_Distance(i.geom::geography, p.geom::geography)
       FROM position_in i JOIN position p ON p.mmsi = i.mmsi AND p.observed_at = i.observed_at {only}
       WHERE (i.geom, i.sog_kn, i.cog_deg, i.heading_deg, i.nav_status)
             IS DISTINCT FROM (p.geom, p.sog_kn, p.cog_deg, p.heading_deg, p.nav_status)
       ORDER BY i.received_at, i.station
       ON CONFLICT DO NOTHING"""
)
_ONLY_CLASHING = sql.SQL(
    """JOIN unnest(%(mmsi)b::integer[], %(observed_at)b::timestamptz[]) AS k(mmsi, observed_at)
             ON k.mmsi = i.mmsi AND k.observed_at = i.observed_at"""
)


def write_positions(
    conn: psycopg.Connection, reports: Sequence[PositionReport], times: ReportTimeParameters = DEFAULT_REPORT_TIME
) -> int:
    """Store position reports and advance vessel_state, inside the caller's transaction.

    Nothing is dropped without a trace (counted in ``tracker_drop``, migration 0091):

    * a report stamped ahead of its receipt beyond its station's allowance (tracking/report_time.py) is
      quarantined in ``report_quarantine`` and touches neither ``position`` nor ``vessel_state``; each
      station's clock offset is learned from the batch first;
    * a second report of a vessel and second already stored, with other content (position, SOG, COG,
      heading or navigational status), is kept in ``position_conflict`` with its distance from the stored
      one — the evidence of a shared or spoofed MMSI; the same report again (a replay, a second receiver)
      is a duplicate and adds nothing;
    * ``vessel_state`` moves to a newer fix; a state stamped ahead of its own receipt beyond the tolerance
      (a learned clock offset let it in) yields to any report received after it, so no single outlier
      freezes a vessel.

    Returns the number of new position rows.
    """
    if not reports:
        return 0
    accepted = _judge_times(conn, "position", reports, times, learn_clocks=True)
    if not accepted:
        return 0
    days = sorted({r.observed_at.date() for r in accepted})
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
            " station, received_at) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(_POSITION_IN_TYPES)
            for r in accepted:
                copy.write_row(
                    (
                        r.mmsi,
                        r.observed_at,
                        ewkb_point(r.lon, r.lat),
                        r.sog_kn,
                        r.cog_deg,
                        r.heading_deg,
                        r.nav_status,
                        r.msg_type,
                        r.station,
                        r.received_at,
                    )
                )
        _ensure_vessels(cur, accepted)
        cur.execute(
            """INSERT INTO position (mmsi, observed_at, geom, sog_kn, cog_deg, heading_deg, nav_status,
                                     msg_type, station, received_at)
               SELECT DISTINCT ON (mmsi, observed_at) mmsi, observed_at, geom, sog_kn, cog_deg, heading_deg,
                      nav_status, msg_type, station, received_at
               FROM position_in ORDER BY mmsi, observed_at, received_at
               ON CONFLICT (mmsi, observed_at) DO NOTHING"""
        )
        inserted = cur.rowcount
        conflicts = 0
        keys, clashing = _batch_keys(accepted)
        # Only when a key was already stored or the batch itself holds two contents for one key can there be
        # a conflict: the common live batch (all new, no repeats) skips the comparison entirely. When every key
        # was new, only the keys the batch holds two contents for can conflict (each other key's stored row is
        # its one content), so the comparison is limited to those: one shared MMSI in a batch costs a few
        # lookups, not one per report.
        if inserted < keys or clashing:
            only_clashing = inserted == keys
            cur.execute(
                _CONFLICTS.format(only=_ONLY_CLASHING if only_clashing else sql.SQL("")),
                {
                    "mmsi": [k[0] for k in clashing] if only_clashing else [],
                    "observed_at": [k[1] for k in clashing] if only_clashing else [],
                },
            )
            conflicts = cur.rowcount
        cur.execute(
            """INSERT INTO vessel_state AS vs (mmsi, observed_at, geom, sog_kn, cog_deg, heading_deg, nav_status,
                                               msg_type, station, received_at, updated_at)
               SELECT DISTINCT ON (mmsi) mmsi, observed_at, geom, sog_kn, cog_deg, heading_deg, nav_status,
                      msg_type, station, received_at, now()
               FROM position_in ORDER BY mmsi, observed_at DESC, received_at
               ON CONFLICT (mmsi) DO UPDATE SET
                   observed_at = excluded.observed_at, geom = excluded.geom, sog_kn = excluded.sog_kn,
                   cog_deg = excluded.cog_deg, heading_deg = excluded.heading_deg,
                   nav_status = excluded.nav_status, msg_type = excluded.msg_type,
                   station = excluded.station, received_at = excluded.received_at, updated_at = now()
               WHERE excluded.observed_at > vs.observed_at
                  OR (vs.observed_at > vs.received_at + %(tolerance)s
                      AND excluded.received_at > vs.received_at
                      AND excluded.observed_at <= excluded.received_at + %(tolerance)s)""",
            {"tolerance": timedelta(minutes=times.tolerance_min)},
        )
        cur.execute("TRUNCATE position_in")
    count_drops(conn, {"position_conflict": conflicts, "position_duplicate": len(accepted) - inserted - conflicts})
    return inserted


def _batch_keys(reports: Sequence[PositionReport]) -> tuple[int, list[tuple[int, datetime]]]:
    """The batch's number of natural keys (mmsi, observed_at), and the keys two of its reports share with
    different content (compared as stored: SOG and COG as ``real``), in MMSI and time order. Only a
    repeated key is compared."""
    first: dict[tuple[int, datetime], PositionReport] = {}
    clashing: set[tuple[int, datetime]] = set()
    for r in reports:
        key = (r.mmsi, r.observed_at)
        known = first.setdefault(key, r)
        if known is not r and key not in clashing and _content(known) != _content(r):
            clashing.add(key)
    return len(first), sorted(clashing)


def _content(r: PositionReport) -> tuple[object, ...]:
    """What a position report says about its vessel at its time, as the ``position`` row stores it."""
    return (r.lat, r.lon, as_real(r.sog_kn), as_real(r.cog_deg), r.heading_deg, r.nav_status)


class _Timed(Protocol):
    """A report with a station, an observed and a receipt time (position, static, heard)."""

    @property
    def mmsi(self) -> int: ...
    @property
    def observed_at(self) -> datetime: ...
    @property
    def received_at(self) -> datetime: ...
    @property
    def station(self) -> str | None: ...

    def to_json(self) -> bytes: ...


T = TypeVar("T", bound=_Timed)


def _judge_times(
    conn: psycopg.Connection,
    kind: str,
    reports: Sequence[T],
    times: ReportTimeParameters,
    learn_clocks: bool = False,
) -> list[T]:
    """The reports that are not stamped in the future (tracking/report_time.py); the others go to
    ``report_quarantine`` (kind ``position`` / ``static`` / ``heard``) with the figures, are counted
    (``future_time``) and remembered for :func:`detection_view`. With ``learn_clocks`` (position
    reports), the stations' clock offsets are first learned from this batch and stored."""
    stations = sorted({station_key(r.station) for r in reports})
    known = {
        row["station"]: StationClock(offset_s=row["offset_s"], samples=row["samples"])
        for row in fetch_all_by_name(
            conn, "SELECT station, offset_s, samples FROM station_clock WHERE station = ANY(%s)", (stations,)
        )
    }
    aheads = [ahead_s(r.observed_at, r.received_at) for r in reports]
    clocks = known
    if learn_clocks:
        batch = [(r.station, a) for r, a in zip(reports, aheads, strict=True)]
        clocks = {**known, **learn_stations(known, batch, times)}
        _store_station_clocks(conn, known, clocks)
    accepted: list[T] = []
    held: list[tuple[T, float, float]] = []
    allowance = {s: allowed_ahead_s(clocks.get(s), times) for s in stations}
    for r, ahead in zip(reports, aheads, strict=True):
        allowed = allowance[station_key(r.station)]
        if ahead > allowed:
            held.append((r, ahead, allowed))
        else:
            accepted.append(r)
    if held:
        conn.execute(
            """CREATE TEMP TABLE IF NOT EXISTS report_held_back (
                   kind text, mmsi integer, observed_at timestamptz, station text, received_at timestamptz)
                   ON COMMIT DELETE ROWS"""
        )
        # One set-based statement each, rows in the order they were judged (WITH ORDINALITY): the same report
        # twice in a batch lands once, as with a row-by-row insert.
        with conn.cursor() as cur:
            cur.execute(
                """INSERT INTO report_quarantine (kind, mmsi, observed_at, received_at, station, reason, ahead_s,
                                                  allowed_s, record)
                   SELECT %(kind)s, mmsi, observed_at, received_at, station, 'future_time', ahead_s, allowed_s,
                          record::jsonb
                     FROM unnest(%(mmsi)b::integer[], %(observed_at)b::timestamptz[], %(received_at)b::timestamptz[],
                                 %(station)b::text[], %(ahead_s)b::float8[], %(allowed_s)b::float8[],
                                 %(record)b::text[])
                          WITH ORDINALITY AS h(mmsi, observed_at, received_at, station, ahead_s, allowed_s, record, n)
                    ORDER BY n
                   ON CONFLICT DO NOTHING""",
                {
                    "kind": kind,
                    "mmsi": [r.mmsi for r, _a, _l in held],
                    "observed_at": [r.observed_at for r, _a, _l in held],
                    "received_at": [r.received_at for r, _a, _l in held],
                    "station": [r.station for r, _a, _l in held],
                    "ahead_s": [float(ahead) for _r, ahead, _l in held],
                    "allowed_s": [float(allowed) for _r, _a, allowed in held],
                    "record": [r.to_json().decode() for r, _a, _l in held],
                },
            )
            cur.execute(
                """INSERT INTO report_held_back (kind, mmsi, observed_at, station, received_at)
                   SELECT %(kind)s, mmsi, observed_at, station, received_at
                     FROM unnest(%(mmsi)b::integer[], %(observed_at)b::timestamptz[], %(station)b::text[],
                                 %(received_at)b::timestamptz[]) AS h(mmsi, observed_at, station, received_at)""",
                {
                    "kind": kind,
                    "mmsi": [r.mmsi for r, _a, _l in held],
                    "observed_at": [r.observed_at for r, _a, _l in held],
                    "station": [r.station for r, _a, _l in held],
                    "received_at": [r.received_at for r, _a, _l in held],
                },
            )
        for r, ahead, allowed in held[:20]:
            log.warning(
                "quarantined a %s report of MMSI %d from station %s: stamped %s, %.0f s after its receipt"
                " (allowed %.0f s)",
                kind,
                r.mmsi,
                r.station,
                r.observed_at.isoformat(),
                ahead,
                allowed,
            )
        count_drops(conn, {"future_time": len(held)})
    return accepted


def _store_station_clocks(
    conn: psycopg.Connection, known: Mapping[str, StationClock], learned: Mapping[str, StationClock]
) -> None:
    """Store learned offsets without ever waiting on another tracker: a station row another transaction
    holds is skipped this batch (the estimate is statistical; the next batch updates it)."""
    new = [(s, c.offset_s, c.samples) for s, c in sorted(learned.items()) if s not in known]
    changed = [(s, c.offset_s, c.samples) for s, c in sorted(learned.items()) if s in known and c != known[s]]
    with conn.cursor() as cur:
        if new:
            cur.execute(
                """INSERT INTO station_clock (station, offset_s, samples)
                   SELECT * FROM unnest(%b::text[], %b::float8[], %b::bigint[]) ORDER BY 1
                   ON CONFLICT DO NOTHING""",
                ([c[0] for c in new], [float(c[1]) for c in new], [c[2] for c in new]),
            )
        if changed:
            cur.execute(
                """WITH v AS (SELECT * FROM unnest(%s::text[], %s::float8[], %s::bigint[]) AS v(station, offset_s,
                                                                                              samples)),
                        free AS (SELECT station FROM station_clock WHERE station IN (SELECT station FROM v)
                                 FOR UPDATE SKIP LOCKED)
                   UPDATE station_clock c SET offset_s = v.offset_s, samples = v.samples, updated_at = now()
                     FROM v WHERE c.station = v.station AND c.station IN (SELECT station FROM free)""",
                ([c[0] for c in changed], [c[1] for c in changed], [c[2] for c in changed]),
            )


def count_drops(conn: psycopg.Connection, counts: Mapping[str, int]) -> None:
    """Add to ``tracker_drop`` (migration 0091) the records not stored as new, by reason, in the caller's
    transaction; one row per reason and database session, so concurrent trackers never wait on it."""
    rows = sorted((reason, n) for reason, n in counts.items() if n > 0)
    if not rows:
        return
    conn.execute(
        """INSERT INTO tracker_drop AS d (reason, session, records)
           SELECT v.reason, s.session, v.records
             FROM unnest(%s::text[], %s::bigint[]) AS v(reason, records),
                  (SELECT format('%%s@%%s', pg_backend_pid(), backend_start) AS session
                     FROM pg_stat_activity WHERE pid = pg_backend_pid()) AS s
           ON CONFLICT (reason, session) DO UPDATE SET records = d.records + excluded.records, last_at = now()""",
        ([r for r, _ in rows], [n for _, n in rows]),
    )


def drop_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Records the tracker did not store as new, by reason, over every tracker session."""
    rows = fetch_all_by_name(conn, "SELECT reason, records FROM tracker_drop_total ORDER BY reason")
    return {r["reason"]: int(r["records"]) for r in rows}


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


def write_static(
    conn: psycopg.Connection, reports: Sequence[StaticVoyageReport], times: ReportTimeParameters = DEFAULT_REPORT_TIME
) -> int:
    """Merge static and voyage data into ``vessel`` and record each identity change, in the caller's
    transaction. A report older than the vessel's latest static data changes nothing (late or replayed;
    counted ``static_older``); a field a report does not carry keeps its value; a report stamped in the
    future is quarantined (it would otherwise hold every later identity back). Returns the number of
    vessels updated."""
    if not reports:
        return 0
    reports = _judge_times(conn, "static", reports, times)
    if not reports:
        return 0
    mmsis = sorted({r.mmsi for r in reports})
    rows = fetch_all_by_name(
        conn,
        f"SELECT mmsi, static_at, {', '.join(_IDENTITY_FIELDS)} FROM vessel WHERE mmsi = ANY(%s) FOR UPDATE",
        (mmsis,),
    )
    current: dict[int, dict[str, object]] = {
        row["mmsi"]: {"static_at": row["static_at"], **{f: row[f] for f in _IDENTITY_FIELDS}} for row in rows
    }
    changes: list[tuple[object, ...]] = []
    updated: dict[int, tuple[StaticVoyageReport, dict[str, object]]] = {}
    older = 0
    for report in sorted(reports, key=lambda r: (r.mmsi, r.observed_at)):
        vessel = current.setdefault(report.mmsi, {"static_at": None, **dict.fromkeys(_IDENTITY_FIELDS)})
        static_at = vessel["static_at"]
        if isinstance(static_at, datetime) and report.observed_at <= static_at:
            older += 1
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
    count_drops(conn, {"static_older": older})
    return len(updated)


_SIGHTING_COLUMNS = (
    "observed_at, ST_Y(geom) AS lat, ST_X(geom) AS lon, uncertainty_nm, source_type, craft_type,"
    " persons_estimated, conditions, course_deg, speed_kn, ais_seen, confidence, note, is_exercise, owner,"
    " acted_by, received_at"
)


def _sighting_of_row(sighting_id: str, row: Mapping[str, Any]) -> Sighting:
    """A stored sighting row (columns of ``_SIGHTING_COLUMNS``, read by name) as a :class:`Sighting`."""
    return Sighting(
        id=sighting_id,
        observed_at=row["observed_at"],
        lat=row["lat"],
        lon=row["lon"],
        uncertainty_nm=row["uncertainty_nm"],
        source_type=row["source_type"],
        craft_type=row["craft_type"],
        persons_estimated=row["persons_estimated"],
        conditions=tuple(row["conditions"] or ()),
        course_deg=row["course_deg"],
        speed_kn=row["speed_kn"],
        ais_seen=row["ais_seen"],
        confidence=row["confidence"],
        note=row["note"],
        is_exercise=row["is_exercise"],
        owner=row["owner"],
        acted_by=row["acted_by"],
        received_at=row["received_at"],
    )


def _sighting_values(s: Sighting) -> tuple[object, ...]:
    return (
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
    )


def _candidate_ids(sightings: Sequence[Sighting]) -> list[str]:
    """Every id the batch's reports carry or would be stored under (another owner's id reused)."""
    ids = {str(uuid.UUID(s.id)) for s in sightings} | {id_for_other_owner(s.id, s.owner) for s in sightings}
    return sorted(ids)


def write_sightings(conn: psycopg.Connection, sightings: Sequence[Sighting]) -> int:
    """Store sightings, every version kept (migration 0093, tracking/sighting_versions.py), in the caller's
    transaction: ``sighting`` holds each one's current version, ``sighting_revision`` every version. A
    replay or a re-submission adds nothing; a report under a stored id with other content is a new
    revision; another owner's id is never overwritten. Returns the versions stored (new sightings and new
    revisions); repeats, late revisions and other owners' ids are counted in ``tracker_drop``."""
    if not sightings:
        return 0
    ids = _candidate_ids(sightings)
    with conn.cursor(row_factory=dict_row) as cur:
        current_rows = cur.execute(
            f"SELECT id::text AS id, {_SIGHTING_COLUMNS} FROM sighting WHERE id = ANY(%s::uuid[]) FOR UPDATE",
            (ids,),
        ).fetchall()
        revision_rows = cur.execute(
            f"""SELECT sighting_id::text AS id, revision, {_SIGHTING_COLUMNS}
                FROM sighting_revision WHERE sighting_id = ANY(%s::uuid[]) ORDER BY sighting_id, revision""",
            (ids,),
        ).fetchall()
        versions: dict[str, list[StoredVersion]] = {}
        for row in revision_rows:
            version = _sighting_of_row(row["id"], row)
            versions.setdefault(row["id"], []).append(
                StoredVersion(row["revision"], content_key(version), version.received_at)
            )
        stored: dict[str, StoredSighting] = {}
        unversioned: list[Sighting] = []  # written straight into `sighting` (not by this writer): version 1 now
        for row in current_rows:
            now = _sighting_of_row(row["id"], row)
            known = versions.get(row["id"])
            if not known:
                unversioned.append(now)
                known = [StoredVersion(1, content_key(now), now.received_at)]
            match = [v for v in known if v.content == content_key(now) and v.received_at == now.received_at]
            stored[row["id"]] = StoredSighting(now.owner, known, (match[-1] if match else known[-1]).revision)
        plan = plan_versions(stored, sightings)
        placeholders = (
            "%s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s"
        )
        columns = (
            "observed_at, geom, uncertainty_nm, source_type, craft_type, persons_estimated, conditions,"
            " course_deg, speed_kn, ais_seen, confidence, note, is_exercise, owner, acted_by, received_at"
        )
        new_ids = {d.stored_id for d in plan.decisions if d.action is Action.NEW}
        cur.executemany(
            f"INSERT INTO sighting (id, {columns}) VALUES (%s, {placeholders})",
            [(sid, *_sighting_values(s)) for sid, s in sorted(plan.current.items()) if sid in new_ids],
        )
        cur.executemany(
            f"""UPDATE sighting SET ({columns}) = ROW({placeholders}) WHERE id = %s""",
            [(*_sighting_values(s), sid) for sid, s in sorted(plan.current.items()) if sid not in new_ids],
        )
        revisions = [(v.id, 1, v.id, *_sighting_values(v)) for v in unversioned] + [
            (d.stored_id, d.revision, str(uuid.UUID(d.report.id)), *_sighting_values(d.report))
            for d in plan.decisions
            if d.revision is not None
        ]
        cur.executemany(
            f"INSERT INTO sighting_revision (sighting_id, revision, reported_id, {columns})"
            f" VALUES (%s, %s, %s, {placeholders})",
            revisions,
        )
    counts = plan.counts()
    count_drops(conn, counts)
    for d in plan.decisions:
        if d.other_owner:
            log.warning(
                "sighting id %s belongs to another owner: %s's report stored as sighting %s",
                d.report.id,
                d.report.owner,
                d.stored_id,
            )
        if d.action in (Action.REVISION, Action.LATE):
            log.info("sighting %s: revision %s stored (%s)", d.stored_id, d.revision, d.action.value)
    return sum(1 for d in plan.decisions if d.revision is not None)


def detection_view(conn: psycopg.Connection, messages: Sequence[Message]) -> list[Message]:
    """The batch's records as the writers stored them, for the detection stage (after the writers, in
    the same transaction): position reports quarantined for their time are left out, and each sighting
    is its stored current version (once per sighting, under the id it is stored under) — so the rules
    never see what the database does not hold."""
    held: set[tuple[int, datetime, str | None, datetime]] = set()
    if any(isinstance(m, PositionReport) for m in messages) and conn.execute(
        "SELECT to_regclass('pg_temp.report_held_back') IS NOT NULL"
    ).fetchone() == (True,):
        held = {
            (r["mmsi"], r["observed_at"], r["station"], r["received_at"])
            for r in fetch_all_by_name(
                conn, "SELECT mmsi, observed_at, station, received_at FROM report_held_back WHERE kind = 'position'"
            )
        }
    sightings = [m for m in messages if isinstance(m, Sighting)]
    current: dict[str, Sighting] = {}
    if sightings:
        rows = fetch_all_by_name(
            conn,
            f"SELECT id::text AS id, {_SIGHTING_COLUMNS} FROM sighting WHERE id = ANY(%s::uuid[])",
            (_candidate_ids(sightings),),
        )
        by_id = {row["id"]: _sighting_of_row(row["id"], row) for row in rows}
        for s in sightings:
            sid = str(uuid.UUID(s.id))
            row = by_id.get(sid)
            if row is None or row.owner != s.owner:
                row = by_id.get(id_for_other_owner(s.id, s.owner))
            if row is not None:
                current[row.id] = row
    out: list[Message] = []
    for m in messages:
        if isinstance(m, Sighting):
            continue
        if isinstance(m, PositionReport) and held and (m.mmsi, m.observed_at, m.station, m.received_at) in held:
            continue
        out.append(m)
    out.extend(current[k] for k in sorted(current))
    return out


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


def write_heard(
    conn: psycopg.Connection, reports: Sequence[HeardReport], times: ReportTimeParameters = DEFAULT_REPORT_TIME
) -> int:
    """Refresh ``vessel.last_heard_at`` (migration 0090) from messages that give no position — a position
    report with lat 91 / lon 181, a binary message, an acknowledgement … — in the caller's transaction.
    Nothing moves: ``position`` and ``vessel_state`` are not touched. A vessel not known yet gets its row
    (first seen, flag state from the MID); coast stations and aids to navigation get none. Only a newer
    message moves ``last_heard_at`` forward, so a replay or a late message changes nothing. Returns the
    number of vessels whose row was written. A message stamped in the future is quarantined (it would
    hold "last heard" ahead of the truth)."""
    if not reports:
        return 0
    reports = _judge_times(conn, "heard", reports, times)
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
