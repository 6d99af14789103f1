"""SAR cases in PostGIS (adapter): open, change phase, tick actions, no-action decisions, hand-over,
search area, SITREP and CAP issue, close — each one transaction that appends to the case log.

Order of effects in every command, inside ONE database transaction:

1. take the case's transaction lock (an advisory lock on the case id) so two coordinators' commands on a
   case serialise;
2. read the case log and fold it (:func:`coordination.phases.replay`);
3. let the pure rule (``coordination.phases`` / ``sitrep`` / ``cap``) decide and return the new event —
   a rule violation raises before anything is written;
4. append the event to ``case_event`` (append-only, numbered ``seq`` per case); the database's trigger
   ``case_event_apply`` (migration 0071) updates the summary columns of ``sar_case`` from the event —
   the application itself may not UPDATE a case header — and the audit triggers record both; commit.

A failure at any step rolls everything back: nothing is half-written.
"""

from __future__ import annotations

import json
import logging
import math
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from coordination import phases as ph
from coordination.cap import CapMessage, CapReference, MsgType, build_cap, validate_cap
from coordination.drift import DriftInput, DriftParameters, DriftResult, compute_drift
from coordination.errors import CaseClosedError, CaseNotFoundError, InvalidInputError, PhaseRuleError
from coordination.rcc import RccLookup, rcc_by_srr_id, responsible_rcc, srr_table_exists
from coordination.report import CaseReport, ResponsibleRcc, SearchAreaSummary
from coordination.sitrep import SitrepHeader, sitrep_text
from coordination.surpic import ShipState, SurpicEntry, SurpicParameters, surpic
from seasight.sharing import audit_cross_state_reads

log = logging.getLogger("seasight.coordination.cases")

REFERENCE_PREFIX = "SEASIGHT"


def case_reference(case_id: int) -> str:
    return f"{REFERENCE_PREFIX}-{case_id}"


@dataclass(frozen=True)
class OpenCaseRequest:
    """What a coordinator gives to open a case. Position/time may come from the origin record instead.

    Exactly one origin at most: ``mmsi`` (a vessel's latest AIS state), ``sighting_id`` or ``flag_id``;
    none means opened by hand (then ``lat``, ``lon`` are required).
    """

    lat: float | None = None
    lon: float | None = None
    time: datetime | None = None
    persons: int | None = None
    craft: str | None = None
    source: str | None = None
    casualty: str | None = None
    situation: str = ""
    exercise: bool = False
    phase: ph.Phase = ph.Phase.UNCERTAINTY
    reason: str = "case opened"
    mmsi: int | None = None
    sighting_id: str | None = None
    flag_id: int | None = None


@dataclass(frozen=True)
class CaseRecord:
    """A case row, its log (oldest first) and the folded state."""

    id: int
    origin_kind: str
    mmsi: int | None
    sighting_id: str | None
    flag_id: int | None
    lkp_lat: float
    lkp_lon: float
    lkp_time: datetime
    craft: str
    persons: int | None
    source: str
    casualty: str
    situation: str
    exercise: bool
    owner: str
    rcc: ResponsibleRcc | None
    datum: tuple[float, float] | None  # (lat, lon)
    search_radius_nm: float | None
    search_area_ring: tuple[tuple[float, float], ...] | None
    search_area_at: datetime | None
    events: tuple[ph.CaseEvent, ...]
    state: ph.CaseState
    event_seqs: tuple[int, ...] = field(default=())

    @property
    def reference(self) -> str:
        return case_reference(self.id)


# ---------------------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------------------

_CASE_SQL = """
SELECT c.id, c.origin_kind, c.mmsi, c.sighting_id::text, c.flag_id, ST_Y(c.lkp), ST_X(c.lkp), c.lkp_time,
       c.craft_type, c.persons, c.source, c.casualty, c.situation, c.is_exercise, c.owner,
       c.srr_id, c.rcc_name, c.rcc_country, ST_Y(c.datum), ST_X(c.datum), c.search_radius_nm,
       ST_AsGeoJSON(c.search_area), c.search_area_at
  FROM sar_case c WHERE c.id = %s"""


# First key of the advisory lock taken per case by a command (the second is the case id).
_CASE_LOCK_CLASS = 0x5EA5_CA5E


def _rcc_snapshot(
    conn: psycopg.Connection, srr_id: str | None, name: str | None, country: str | None
) -> ResponsibleRcc | None:
    if name is None:
        return None
    if srr_id is not None and srr_table_exists(conn):
        try:
            return rcc_by_srr_id(conn, srr_id)
        except InvalidInputError:
            pass  # the SRR layer was replaced since; keep the recorded names
    return ResponsibleRcc(srr_id, srr_id or "", name, country)


def load_case(conn: psycopg.Connection, case_id: int, lock: bool = False) -> CaseRecord:
    """Read a case and its log; ``lock`` takes the row lock for a command (see module doc)."""
    if lock:
        conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_CASE_LOCK_CLASS, case_id))
    row = conn.execute(_CASE_SQL, (case_id,)).fetchone()
    if row is None:
        raise CaseNotFoundError(f"no SAR case with id {case_id}")
    ev_rows = conn.execute(
        "SELECT seq, kind, at, acted_by, data FROM case_event WHERE case_id = %s ORDER BY seq", (case_id,)
    ).fetchall()
    events = tuple(ph.CaseEvent(ph.EventKind(r[1]), r[2], r[3], r[4]) for r in ev_rows)
    audit_cross_state_reads(conn, "sar_case", [(str(case_id), row[14])])
    ring = None
    if row[21] is not None:
        coords = json.loads(row[21])["coordinates"][0]
        ring = tuple((float(x), float(y)) for x, y in coords)
    return CaseRecord(
        id=row[0],
        origin_kind=row[1],
        mmsi=row[2],
        sighting_id=row[3],
        flag_id=row[4],
        lkp_lat=row[5],
        lkp_lon=row[6],
        lkp_time=row[7],
        craft=row[8],
        persons=row[9],
        source=row[10],
        casualty=row[11],
        situation=row[12],
        exercise=row[13],
        owner=row[14],
        rcc=_rcc_snapshot(conn, row[15], row[16], row[17]),
        datum=(row[18], row[19]) if row[18] is not None else None,
        search_radius_nm=row[20],
        search_area_ring=ring,
        search_area_at=row[22],
        events=events,
        state=ph.replay(events),
        event_seqs=tuple(r[0] for r in ev_rows),
    )


def list_cases(
    conn: psycopg.Connection, include_closed: bool = False, exercise: bool | None = None
) -> list[dict[str, Any]]:
    """Cases, newest first: open ones only unless ``include_closed``; ``exercise`` filters by mode."""
    clauses, params = [], []
    if not include_closed:
        clauses.append("status = 'open'")
    if exercise is not None:
        clauses.append("is_exercise = %s")
        params.append(exercise)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    rows = conn.execute(
        f"""SELECT id, phase, phase_since, status, conclusion, is_exercise, ST_Y(lkp), ST_X(lkp), lkp_time,
                   persons, craft_type, rcc_name, rcc_country, opened_at, owner
              FROM sar_case {where} ORDER BY opened_at DESC, id DESC""",
        params,
    ).fetchall()
    audit_cross_state_reads(conn, "sar_case", [(str(r[0]), r[14]) for r in rows])
    return [
        {
            "id": r[0],
            "reference": case_reference(r[0]),
            "phase": r[1],
            "phase_since": r[2].isoformat(),
            "status": r[3],
            "conclusion": r[4],
            "exercise": r[5],
            "position": {"lat": r[6], "lon": r[7], "time": r[8].isoformat()},
            "persons": r[9],
            "craft": r[10],
            "rcc": {"name": r[11], "country": r[12]} if r[11] else None,
            "opened_at": r[13].isoformat(),
        }
        for r in rows
    ]


def case_statistics(conn: psycopg.Connection, exercise: bool = False) -> dict[str, Any]:
    """Counts for reporting. Real cases only (view ``sar_case_real``) unless ``exercise``, which counts
    exercise cases only — the two never mix."""
    source = "sar_case WHERE is_exercise" if exercise else "sar_case_real WHERE true"
    total, open_, persons = conn.execute(
        f"SELECT count(*), count(*) FILTER (WHERE status = 'open'), coalesce(sum(persons), 0) FROM {source}"
    ).fetchone() or (0, 0, 0)
    by_phase: dict[str, int] = dict(
        conn.execute(f"SELECT phase, count(*) FROM {source} AND status = 'open' GROUP BY phase").fetchall()
    )
    by_conclusion: dict[str, int] = dict(
        conn.execute(f"SELECT conclusion, count(*) FROM {source} AND status = 'closed' GROUP BY conclusion").fetchall()
    )
    return {
        "exercise": exercise,
        "cases": total,
        "open": open_,
        "persons": persons,
        "open_by_phase": by_phase,
        "closed_by_conclusion": by_conclusion,
    }


# ---------------------------------------------------------------------------------------------------------
# opening
# ---------------------------------------------------------------------------------------------------------


def _check_position(lat: float, lon: float) -> None:
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise InvalidInputError(f"lat must be between -90 and 90 degrees, got {lat}")
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise InvalidInputError(f"lon must be between -180 and 180 degrees, got {lon}")


def _token(value: str, name: str) -> str:
    v = value.strip().lower().replace(" ", "_").replace("-", "_")
    if not v or len(v) > 40:
        raise InvalidInputError(f"{name} must be a short word such as wooden_boat, got {value!r}")
    return v


def open_case(conn: psycopg.Connection, req: OpenCaseRequest, by: str, owner: str | None, now: datetime) -> CaseRecord:
    """Open a case (one transaction) and return it. Position, time, persons and exercise mode come from
    the origin record (vessel state, sighting, flag) unless the request gives them."""
    if now.tzinfo is None:
        raise InvalidInputError("now must be timezone-aware")
    origins = [x for x in (req.mmsi, req.sighting_id, req.flag_id) if x is not None]
    if len(origins) > 1:
        raise InvalidInputError("give at most one origin: mmsi, sighting or flag")
    if req.persons is not None and not 0 <= req.persons <= 10000:
        raise InvalidInputError(f"persons must be 0–10000, got {req.persons}")
    lat, lon, when = req.lat, req.lon, req.time
    craft, persons, source, casualty = req.craft, req.persons, req.source, req.casualty
    situation, exercise = req.situation, req.exercise
    origin_kind, mmsi, sighting_id, flag_id = "manual", req.mmsi, req.sighting_id, req.flag_id

    with conn.transaction():
        if flag_id is not None:
            row = conn.execute(
                """SELECT subject_kind, mmsi, sighting_id::text, ST_Y(geom), ST_X(geom), window_end, summary
                     FROM flag WHERE id = %s""",
                (flag_id,),
            ).fetchone()
            if row is None:
                raise InvalidInputError(f"no flag with id {flag_id}")
            origin_kind = "flag"
            mmsi = row[1] if row[0] == "vessel" else None
            sighting_id = row[2] if row[0] == "contact" else None
            if row[3] is not None:
                lat = row[3] if lat is None else lat
                lon = row[4] if lon is None else lon
            when = when or row[5]
            situation = situation or str(row[6])
        if sighting_id is not None:
            try:
                uuid.UUID(str(sighting_id))
            except ValueError as exc:
                raise InvalidInputError(f"sighting id {sighting_id!r} is not a UUID") from exc
            row = conn.execute(
                """SELECT ST_Y(geom), ST_X(geom), observed_at, craft_type, persons_estimated, source_type,
                          is_exercise, note FROM sighting WHERE id = %s""",
                (sighting_id,),
            ).fetchone()
            if row is None:
                raise InvalidInputError(f"no sighting with id {sighting_id}")
            origin_kind = "sighting" if origin_kind == "manual" else origin_kind
            lat = row[0] if lat is None else lat
            lon = row[1] if lon is None else lon
            when = when or row[2]
            craft = craft or (row[3] if row[3] != "unknown" else None)
            persons = row[4] if persons is None else persons
            source = source or f"sighting ({row[5]})"
            casualty = casualty or f"{str(row[3]).replace('_', ' ')} seen by {row[5]}"
            exercise = exercise or bool(row[6])  # a simulated (exercise) feed makes an exercise case
            situation = situation or (row[7] or "")
        if mmsi is not None:
            row = conn.execute(
                """SELECT ST_Y(s.geom), ST_X(s.geom), s.observed_at, v.name
                     FROM vessel_state s LEFT JOIN vessel v ON v.mmsi = s.mmsi WHERE s.mmsi = %s""",
                (mmsi,),
            ).fetchone()
            if row is None and (lat is None or lon is None):
                raise InvalidInputError(f"no AIS state for MMSI {mmsi}; give --lat/--lon")
            origin_kind = "vessel" if origin_kind == "manual" else origin_kind
            if row is not None:
                lat = row[0] if lat is None else lat
                lon = row[1] if lon is None else lon
                when = when or row[2]
                casualty = casualty or f"{row[3] or 'name unknown'} (MMSI {mmsi})"
            source = source or "AIS"
        if lat is None or lon is None:
            raise InvalidInputError("position required: give --lat and --lon (or a vessel, sighting or flag)")
        _check_position(lat, lon)
        when = when or now
        if when.tzinfo is None:
            raise InvalidInputError("time must include a UTC offset, e.g. 2026-11-23T13:05:00Z")
        if when > now:
            raise InvalidInputError(f"time {when.isoformat()} is in the future")
        craft = _token(craft or "unknown", "craft")
        source = (source or "").strip() or "coordinator"
        casualty = (casualty or "").strip() or f"{craft.replace('_', ' ')}, identity unknown"

        lookup = responsible_rcc(conn, lat, lon) if srr_table_exists(conn) else RccLookup(None, (), None)
        if not srr_table_exists(conn):
            log.warning("table srr missing: case opened without a responsible RCC")
        rcc = lookup.responsible
        owner = (owner or (rcc.rcc_country if rcc else None) or "SYSTEM").strip().upper()

        case_id = conn.execute(
            """INSERT INTO sar_case (origin_kind, mmsi, sighting_id, flag_id, lkp, lkp_time, craft_type,
                       persons, source, casualty, situation, is_exercise, phase, phase_since,
                       srr_id, rcc_name, rcc_country, opened_at, owner, acted_by)
               VALUES (%s, %s, %s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, %s, %s, %s, %s, %s, %s,
                       %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id""",
            (
                origin_kind,
                mmsi,
                sighting_id,
                flag_id,
                lon,
                lat,
                when,
                craft,
                persons,
                source,
                casualty,
                situation,
                exercise,
                req.phase.value,
                now,
                rcc.srr_id if rcc else None,
                rcc.rcc_name if rcc else None,
                rcc.rcc_country if rcc else None,
                now,
                owner,
                by,
            ),
        ).fetchone()[0]  # type: ignore[index]
        details = {
            "origin": origin_kind,
            "mmsi": mmsi,
            "sighting_id": sighting_id,
            "flag_id": flag_id,
            "lat": lat,
            "lon": lon,
            "time": when.isoformat(),
            "persons": persons,
            "craft": craft,
            "exercise": exercise,
            "rcc": rcc.rcc_name if rcc else None,
            "srr_id": rcc.srr_id if rcc else None,
            "neighbour_rccs": [n.rcc.rcc_name for n in lookup.neighbours],
        }
        event = ph.open_event(req.phase, by, now, req.reason, details)
        _append(conn, case_id, 1, event, exercise, owner)
        log.info("case %s opened in %s phase (exercise=%s)", case_reference(case_id), req.phase.value, exercise)
    return load_case(conn, case_id)


def _append(conn: psycopg.Connection, case_id: int, seq: int, event: ph.CaseEvent, exercise: bool, owner: str) -> None:
    conn.execute(
        """INSERT INTO case_event (case_id, seq, kind, at, data, is_exercise, owner, acted_by)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s)""",
        (case_id, seq, event.kind.value, event.at, Jsonb(dict(event.data)), exercise, owner, event.acted_by),
    )


# ---------------------------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------------------------


def _command(
    conn: psycopg.Connection,
    case_id: int,
    decide: Callable[[CaseRecord], ph.CaseEvent],
) -> CaseRecord:
    """Run one command in one transaction (see the module doc for the order of effects)."""
    with conn.transaction():
        record = load_case(conn, case_id, lock=True)
        event = decide(record)
        seq = (record.event_seqs[-1] if record.event_seqs else 0) + 1
        _append(conn, case_id, seq, event, record.exercise, record.owner)
        log.info("case %s: %s by %s", record.reference, event.kind.value, event.acted_by)
    return load_case(conn, case_id)


def change_phase(
    conn: psycopg.Connection, case_id: int, to: ph.Phase, reason: str, by: str, now: datetime
) -> CaseRecord:
    return _command(
        conn,
        case_id,
        lambda r: ph.change_phase(r.state, to, reason, by, now),
    )


def record_action(
    conn: psycopg.Connection, case_id: int, action_id: str, by: str, now: datetime, note: str = ""
) -> CaseRecord:
    return _command(conn, case_id, lambda r: ph.record_action(r.state, action_id, by, now, note))


def propose_no_action(conn: psycopg.Connection, case_id: int, reason: str, by: str, now: datetime) -> CaseRecord:
    return _command(conn, case_id, lambda r: ph.propose_no_action(r.state, reason, by, now))


def confirm_no_action(conn: psycopg.Connection, case_id: int, by: str, now: datetime) -> CaseRecord:
    return _command(conn, case_id, lambda r: ph.confirm_no_action(r.state, by, now))


def assign(conn: psycopg.Connection, case_id: int, role: str, name: str, by: str, now: datetime) -> CaseRecord:
    """Record an assignment: SMC (SAR mission co-ordinator), OSC (on-scene co-ordinator) or SRU (SAR unit)."""
    role = role.strip().upper()
    if role not in ("SMC", "OSC", "SRU", "ACO"):
        raise InvalidInputError(f"role must be SMC, OSC, SRU or ACO, got {role!r}")
    if not name.strip():
        raise InvalidInputError("name of the assignee must not be empty")

    def decide(r: CaseRecord) -> ph.CaseEvent:
        if r.state.is_closed:
            raise CaseClosedError("the case is closed")
        return ph.CaseEvent(ph.EventKind.ASSIGNED, now, by, {"role": role, "name": name.strip()})

    return _command(conn, case_id, decide)


def hand_over(
    conn: psycopg.Connection,
    case_id: int,
    to_srr_id: str | None,
    reason: str,
    by: str,
    now: datetime,
    accepted_by: str = "",
    to_rcc_name: str | None = None,
    to_country: str | None = None,
) -> CaseRecord:
    """Hand coordination to the RCC of another SRR (``to_srr_id``), or to an RCC outside the SRR layer
    named with its state's ISO 3166-1 alpha-3 code; the case's RCC columns follow."""
    if to_srr_id:
        target = rcc_by_srr_id(conn, to_srr_id)
    else:
        name = (to_rcc_name or "").strip()
        country = (to_country or "").strip().upper()
        if not name:
            raise InvalidInputError("give the SRR id of the receiving RCC, or its name and state")
        if not re.fullmatch(r"[A-Z]{3}", country):
            raise InvalidInputError(f"state of the receiving RCC must be an ISO alpha-3 code, got {to_country!r}")
        target = ResponsibleRcc(None, "", name, country, indicative=False, source="named at hand-over")

    def decide(r: CaseRecord) -> ph.CaseEvent:
        ev = ph.hand_over(r.state, target.rcc_name, reason, by, now, accepted_by)
        return ph.CaseEvent(
            ev.kind,
            ev.at,
            ev.acted_by,
            {
                **ev.data,
                "to_srr_id": target.srr_id,
                "to_country": target.rcc_country,
                "from_srr_id": r.rcc.srr_id if r.rcc else None,
            },
        )

    return _command(conn, case_id, decide)


def close_case(
    conn: psycopg.Connection, case_id: int, conclusion: ph.Conclusion, summary: str, by: str, now: datetime
) -> CaseRecord:
    return _command(
        conn,
        case_id,
        lambda r: ph.close_case(r.state, conclusion, summary, by, now),
    )


def store_search_area(
    conn: psycopg.Connection,
    case_id: int,
    wind_from_deg: float,
    wind_kn: float,
    current_set_deg: float,
    current_drift_kn: float,
    by: str,
    now: datetime,
    datum_time: datetime | None = None,
    craft: str | None = None,
    params: DriftParameters | None = None,
) -> tuple[CaseRecord, DriftResult]:
    """Compute drift, datum and search area from the case's LKP and store them with the case."""
    params = params or DriftParameters()
    holder: dict[str, DriftResult] = {}

    def decide(r: CaseRecord) -> ph.CaseEvent:
        if r.state.is_closed:
            raise CaseClosedError("the case is closed")
        use_craft = craft or r.craft
        result = compute_drift(
            DriftInput(
                r.lkp_lat,
                r.lkp_lon,
                r.lkp_time,
                datum_time or now,
                use_craft,
                wind_from_deg,
                wind_kn,
                current_set_deg,
                current_drift_kn,
            ),
            params,
        )
        holder["result"] = result
        return ph.CaseEvent(
            ph.EventKind.SEARCH_AREA,
            now,
            by,
            {
                "craft": use_craft,
                "wind_from_deg": wind_from_deg,
                "wind_kn": wind_kn,
                "current_set_deg": current_set_deg,
                "current_drift_kn": current_drift_kn,
                "datum_time": (datum_time or now).isoformat(),
                "datum": {"lat": result.datum.lat, "lon": result.datum.lon},
                "drift_nm": result.drift_distance_nm,
                "probable_error_nm": result.probable_error_nm,
                "radius_nm": result.search_radius_nm,
                "area_sq_nm": result.search_area_sq_nm,
                # the search area itself (GeoJSON, lon/lat): the case header's search_area is set from it
                "area": {"type": "Polygon", "coordinates": [[[x, y] for x, y in result.search_area_ring]]},
                "parameters": {
                    "drift_error_fraction": params.drift_error_fraction,
                    "safety_factor": params.safety_factor,
                    "initial_position_error_nm": params.initial_position_error_nm,
                    "facility_nav_error_nm": params.facility_nav_error_nm,
                },
            },
        )

    record = _command(conn, case_id, decide)
    return record, holder["result"]


# ---------------------------------------------------------------------------------------------------------
# outgoing messages
# ---------------------------------------------------------------------------------------------------------


def case_report(record: CaseRecord) -> CaseReport:
    """The facts of the case for SITREP and CAP (pure)."""
    titles = {a.id: a.title for a in ph.CHECKLIST}
    actions: list[str] = []
    weather = ""
    handover_notes: list[str] = []
    closing_summary = ""
    for ev in record.events:
        if ev.kind is ph.EventKind.ACTION_DONE:
            actions.append(f"{ev.at:%d%H%M}Z {titles.get(str(ev.data['action']), str(ev.data['action']))}")
        elif ev.kind is ph.EventKind.ASSIGNED:
            actions.append(f"{ev.at:%d%H%M}Z {ev.data['role']} {ev.data['name']} assigned")
        elif ev.kind is ph.EventKind.SEARCH_AREA:
            weather = (
                f"WIND {float(ev.data['wind_from_deg']):03.0f}/{float(ev.data['wind_kn']):.0f} KN, "
                f"TOTAL WATER CURRENT {float(ev.data['current_set_deg']):03.0f}/"
                f"{float(ev.data['current_drift_kn']):.1f} KN (AS USED FOR DRIFT)"
            )
        elif ev.kind is ph.EventKind.HANDED_OVER:
            handover_notes.append(
                f"coordination handed over from {ev.data.get('from_rcc')} to {ev.data.get('to_rcc')} at {ev.at:%d%H%M}Z"
            )
        elif ev.kind is ph.EventKind.CLOSED:
            closing_summary = str(ev.data.get("summary", ""))
    area = None
    if record.datum is not None and record.search_area_ring and record.search_radius_nm is not None:
        area = SearchAreaSummary(
            record.datum[0],
            record.datum[1],
            record.search_radius_nm,
            record.search_area_ring,
            record.search_area_at or record.state.opened_at,
        )
    no_action = record.state.no_action
    extra = "; ".join(handover_notes)
    if no_action is not None:
        extra = "; ".join(
            x
            for x in (
                extra,
                f"no-action decision by {no_action.proposed_by}"
                + (f", confirmed by {no_action.confirmed_by}" if no_action.confirmed_by else " (awaiting confirmation)")
                + f": {no_action.reason}",
            )
            if x
        )
    return CaseReport(
        case_id=record.id,
        reference=record.reference,
        exercise=record.exercise,
        phase=record.state.phase,
        opened_at=record.state.opened_at,
        lkp_lat=record.lkp_lat,
        lkp_lon=record.lkp_lon,
        lkp_time=record.lkp_time,
        craft=record.craft,
        persons=record.persons,
        source=record.source,
        casualty=record.casualty,
        situation=record.situation,
        rcc=record.rcc,
        owner=record.owner,
        actions_taken=tuple(actions),
        search_area=area,
        weather=weather,
        additional_info=extra,
        closed_at=record.state.closed_at,
        conclusion=record.state.conclusion,
        conclusion_summary=closing_summary,
    )


def issue_sitrep(
    conn: psycopg.Connection,
    case_id: int,
    by: str,
    now: datetime,
    full: bool = False,
    to: Sequence[str] = (),
    record_it: bool = True,
) -> tuple[int, str]:
    """Build the next SITREP of the case (numbered per case) and record it as sent; returns (number, text).
    With ``record_it=False`` it is a preview: numbered as the next one but not logged."""
    holder: dict[str, Any] = {}

    def decide(r: CaseRecord) -> ph.CaseEvent:
        number = r.state.sitreps_sent + 1
        text = sitrep_text(case_report(r), SitrepHeader(number, now, tuple(to), final=r.state.is_closed), full)
        holder.update(number=number, text=text)
        return ph.CaseEvent(
            ph.EventKind.MESSAGE_SENT,
            now,
            by,
            {"format": "sitrep", "number": number, "full": full, "to": list(to), "text": text},
        )

    if not record_it:
        r = load_case(conn, case_id)
        decide(r)
        return holder["number"], holder["text"]
    _command(conn, case_id, decide)
    return holder["number"], holder["text"]


def cap_history(record: CaseRecord) -> list[tuple[CapReference, str]]:
    """Earlier CAP messages of the case: (reference, msgType)."""
    out = []
    for ev in record.events:
        if ev.kind is ph.EventKind.MESSAGE_SENT and ev.data.get("format") == "cap":
            out.append(
                (
                    CapReference(
                        str(ev.data["sender"]),
                        str(ev.data["identifier"]),
                        datetime.fromisoformat(str(ev.data["sent"])),
                    ),
                    str(ev.data["msg_type"]),
                )
            )
    return out


def issue_cap(
    conn: psycopg.Connection,
    case_id: int,
    by: str,
    now: datetime,
    sender: str | None = None,
    record_it: bool = True,
) -> CapMessage:
    """Build the next CAP 1.2 message of the case (Alert, then Update, Cancel once closed), validate it
    against the CAP 1.2 XSD, and record it as sent."""
    holder: dict[str, CapMessage] = {}

    def decide(r: CaseRecord) -> ph.CaseEvent:
        history = cap_history(r)
        if any(t == MsgType.CANCEL.value for _, t in history):
            raise PhaseRuleError(f"a CAP Cancel was already sent for {r.reference}")
        if r.state.is_closed and not history:
            raise PhaseRuleError(f"{r.reference} is closed and no CAP alert was ever sent: nothing to cancel")
        msg = build_cap(
            case_report(r),
            sender or f"seasight.{r.owner.lower()}",
            now,
            len(history) + 1,
            [ref for ref, _ in history],
        )
        validate_cap(msg.xml)
        holder["msg"] = msg
        return ph.CaseEvent(
            ph.EventKind.MESSAGE_SENT,
            now,
            by,
            {
                "format": "cap",
                "identifier": msg.identifier,
                "sender": msg.sender,
                "sent": msg.sent.isoformat(),
                "msg_type": msg.msg_type.value,
                "xml": msg.xml,
            },
        )

    if not record_it:
        decide(load_case(conn, case_id))
        return holder["msg"]
    _command(conn, case_id, decide)
    return holder["msg"]


# ---------------------------------------------------------------------------------------------------------
# SURPIC
# ---------------------------------------------------------------------------------------------------------

# AIS states older than this are not in a SURPIC; hours, default 6, range 0.1–72; source: DESIGN
# reference numbers (dark activity flagged after 6 h).
DEFAULT_SURPIC_MAX_AGE_H = 6.0


def ships_near(
    conn: psycopg.Connection,
    lat: float,
    lon: float,
    radius_nm: float,
    now: datetime,
    max_age_h: float = DEFAULT_SURPIC_MAX_AGE_H,
    exclude_mmsi: int | None = None,
) -> list[ShipState]:
    """Latest AIS states within ``radius_nm`` of (lat, lon), not older than ``max_age_h`` at ``now``."""
    _check_position(lat, lon)
    if not 0.1 <= max_age_h <= 72:
        raise InvalidInputError(f"max_age_h must be 0.1–72 hours, got {max_age_h}")
    rows = conn.execute(
        """SELECT s.mmsi, v.name, v.ship_type, v.length_m, ST_Y(s.geom), ST_X(s.geom), s.sog_kn, s.cog_deg,
                  s.observed_at
             FROM vessel_state s LEFT JOIN vessel v ON v.mmsi = s.mmsi
            WHERE ST_DWithin(s.geom::geography, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography,
                             %(m)s)
              AND s.observed_at >= %(since)s AND s.observed_at <= %(now)s
              AND (%(ex)s::integer IS NULL OR s.mmsi <> %(ex)s::integer)""",
        {
            "lat": lat,
            "lon": lon,
            "m": radius_nm * 1852.0,
            "now": now,
            "since": now - timedelta(hours=max_age_h),
            "ex": exclude_mmsi,
        },
    ).fetchall()
    return [ShipState(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]) for r in rows]


def case_surpic(
    conn: psycopg.Connection,
    case_id: int,
    now: datetime,
    params: SurpicParameters | None = None,
    max_age_h: float = DEFAULT_SURPIC_MAX_AGE_H,
) -> tuple[tuple[float, float], list[SurpicEntry]]:
    """SURPIC around the case's datum (or its LKP before a search area exists); returns (datum, ships)."""
    params = params or SurpicParameters()
    record = load_case(conn, case_id)
    datum = record.datum or (record.lkp_lat, record.lkp_lon)
    ships = ships_near(conn, datum[0], datum[1], params.radius_nm, now, max_age_h, exclude_mmsi=record.mmsi)
    return datum, surpic(datum[0], datum[1], ships, params)


# ---------------------------------------------------------------------------------------------------------
# presentation (plain data for --json and the dashboard)
# ---------------------------------------------------------------------------------------------------------


def rcc_as_dict(rcc: ResponsibleRcc | None) -> dict[str, Any] | None:
    if rcc is None:
        return None
    return {
        "name": rcc.rcc_name,
        "country": rcc.rcc_country,
        "srr_id": rcc.srr_id,
        "srr_name": rcc.srr_name,
        "phone": rcc.phone,
        "email": rcc.email,
        "indicative": rcc.indicative,
        "source": rcc.source,
    }


def case_as_dict(record: CaseRecord, now: datetime, neighbours: RccLookup | None = None) -> dict[str, Any]:
    """The case as plain data: identity, phase and its timers, checklist, RCC, search area, log."""
    st = record.state
    checklist = []
    for action in ph.checklist_for(st.phase):
        checklist.append(
            {
                "id": action.id,
                "title": action.title,
                "done": (st.phase, action.id) in st.actions_done,
                "due_at": (st.phase_since + timedelta(minutes=action.due_after_min)).isoformat(),
                "iamsar": action.iamsar_ref,
            }
        )
    out: dict[str, Any] = {
        "id": record.id,
        "reference": record.reference,
        "exercise": record.exercise,
        "status": "closed" if st.is_closed else "open",
        "phase": st.phase.value,
        "phase_code": st.phase.icao_code,
        "phase_since": st.phase_since.isoformat(),
        "position": {"lat": record.lkp_lat, "lon": record.lkp_lon, "time": record.lkp_time.isoformat()},
        "persons": record.persons,
        "craft": record.craft,
        "source": record.source,
        "casualty": record.casualty,
        "situation": record.situation,
        "origin": record.origin_kind,
        "mmsi": record.mmsi,
        "sighting_id": record.sighting_id,
        "flag_id": record.flag_id,
        "owner": record.owner,
        "rcc": rcc_as_dict(record.rcc),
        "time_in_phase_s": {
            p.value: int(d.total_seconds()) for p, d in ph.time_in_phases(st, st.closed_at or now).items()
        },
        "checklist": checklist,
        "prompts": [
            {
                "kind": p.kind,
                "message": p.message,
                "due_at": p.due_at.isoformat(),
                "overdue_min": round(p.overdue_by.total_seconds() / 60, 1),
                "action": p.action_id,
            }
            for p in ph.prompts(st, now)
        ],
        "no_action": None
        if st.no_action is None
        else {
            "reason": st.no_action.reason,
            "proposed_by": st.no_action.proposed_by,
            "confirmed_by": st.no_action.confirmed_by,
            "status": "confirmed" if st.no_action.confirmed_by else "awaiting confirmation",
        },
        "search_area": None
        if record.datum is None
        else {
            "datum": {"lat": record.datum[0], "lon": record.datum[1]},
            "radius_nm": record.search_radius_nm,
            "polygon": [list(p) for p in record.search_area_ring or ()],
            "computed_at": record.search_area_at.isoformat() if record.search_area_at else None,
        },
        "sitreps_sent": st.sitreps_sent,
        "conclusion": st.conclusion.value if st.conclusion else None,
        "closed_at": st.closed_at.isoformat() if st.closed_at else None,
        "log": [
            {
                "seq": seq,
                "kind": e.kind.value,
                "at": e.at.isoformat(),
                "by": e.acted_by,
                "data": {k: v for k, v in e.data.items() if k not in ("xml", "text", "area")},
            }
            for seq, e in zip(record.event_seqs, record.events, strict=True)
        ],
    }
    if neighbours is not None:
        out["neighbour_rccs"] = [
            {**(rcc_as_dict(n.rcc) or {}), "distance_nm": round(n.distance_nm, 1)} for n in neighbours.neighbours
        ]
    return out
