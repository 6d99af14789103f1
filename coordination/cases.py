"""SAR cases in PostGIS (adapter): open, change phase, tick actions, no-action decisions, hand-over,
search area, requests for assistance, SITREP items, SITREP and CAP issue, close — each one transaction that
appends to the case log. A SITREP sent is also stored verbatim, numbered per case, in ``case_sitrep``
(migration 0120), in the same transaction as the log entry that records it.

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

import hashlib
import json
import logging
import math
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from coordination import phases as ph
from coordination.cap import CapMessage, CapReference, MsgType, build_cap, validate_cap
from coordination.drift import DriftInput, DriftParameters, DriftResult, compute_drift
from coordination.errors import (
    CaseAccessError,
    CaseClosedError,
    CaseNotFoundError,
    InvalidInputError,
    PhaseRuleError,
)
from coordination.rcc import RccLookup, rcc_by_srr_id, responsible_rcc, srr_table_exists
from coordination.report import CaseReport, ResponsibleRcc, SearchAreaSummary
from coordination.sitrep import SitrepHeader, sitrep_text
from coordination.surpic import ShipState, SurpicEntry, SurpicParameters, surpic
from seasight.rows import fetch_all_by_name, fetch_one_by_name
from seasight.sharing import audit_cross_state_reads

log = logging.getLogger("seasight.coordination.cases")

REFERENCE_PREFIX = "SEASIGHT"


def case_reference(case_id: int) -> str:
    return f"{REFERENCE_PREFIX}-{case_id}"


_REFERENCE = re.compile(rf"^(?:{REFERENCE_PREFIX}-?)?(\d{{1,18}})$", re.IGNORECASE)


def parse_case_reference(text: str) -> int:
    """The case id in a reference as users see it (``SEASIGHT-12``, any case, or ``12`` alone)."""
    match = _REFERENCE.match(text.strip())
    if match is None or int(match.group(1)) < 1:
        raise InvalidInputError(
            f"{text!r} is not a case reference: give it as shown, e.g. {REFERENCE_PREFIX}-12 (or the number 12)"
        )
    return int(match.group(1))


def case_reference_arg(text: str) -> int:
    """``argparse`` type for a case argument: :func:`parse_case_reference`, as a usage error (exit 2)."""
    import argparse

    try:
        return parse_case_reference(text)
    except InvalidInputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


# A vessel of the simulated feed (ingest.simulate): every ship name starts with "DEMO " and its reports come
# from this station. Such a vessel is never a real casualty.
SIMULATOR_STATION = "demo-simulator"
SIMULATED_NAME_PREFIX = "DEMO "


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
    handover_to: str | None = None  # the state a pending hand-over is offered to
    previous_owners: tuple[str, ...] = ()  # states that held the case before a hand-over

    @property
    def reference(self) -> str:
        return case_reference(self.id)


# ---------------------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------------------

_CASE_SQL = """
SELECT c.id, c.origin_kind, c.mmsi, c.sighting_id::text AS sighting_id, c.flag_id, ST_Y(c.lkp) AS lkp_lat,
       ST_X(c.lkp) AS lkp_lon, c.lkp_time, c.craft_type, c.persons, c.source, c.casualty, c.situation,
       c.is_exercise, c.owner, c.srr_id, c.rcc_name, c.rcc_country, ST_Y(c.datum) AS datum_lat,
       ST_X(c.datum) AS datum_lon, c.search_radius_nm, ST_AsGeoJSON(c.search_area) AS search_area,
       c.search_area_at, c.handover_to, c.previous_owners
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
    row = fetch_one_by_name(conn, _CASE_SQL, (case_id,))
    if row is None:
        raise CaseNotFoundError(f"no SAR case with id {case_id}")
    ev_rows = fetch_all_by_name(
        conn, "SELECT seq, kind, at, acted_by, data FROM case_event WHERE case_id = %s ORDER BY seq", (case_id,)
    )
    events = tuple(ph.CaseEvent(ph.EventKind(r["kind"]), r["at"], r["acted_by"], r["data"]) for r in ev_rows)
    audit_cross_state_reads(conn, "sar_case", [(str(case_id), row["owner"])])
    ring = None
    if row["search_area"] is not None:
        coords = json.loads(row["search_area"])["coordinates"][0]
        ring = tuple((float(x), float(y)) for x, y in coords)
    return CaseRecord(
        id=row["id"],
        origin_kind=row["origin_kind"],
        mmsi=row["mmsi"],
        sighting_id=row["sighting_id"],
        flag_id=row["flag_id"],
        lkp_lat=row["lkp_lat"],
        lkp_lon=row["lkp_lon"],
        lkp_time=row["lkp_time"],
        craft=row["craft_type"],
        persons=row["persons"],
        source=row["source"],
        casualty=row["casualty"],
        situation=row["situation"],
        exercise=row["is_exercise"],
        owner=row["owner"],
        rcc=_rcc_snapshot(conn, row["srr_id"], row["rcc_name"], row["rcc_country"]),
        datum=(row["datum_lat"], row["datum_lon"]) if row["datum_lat"] is not None else None,
        search_radius_nm=row["search_radius_nm"],
        search_area_ring=ring,
        search_area_at=row["search_area_at"],
        events=events,
        state=ph.replay(events),
        event_seqs=tuple(r["seq"] for r in ev_rows),
        handover_to=row["handover_to"],
        previous_owners=tuple(row["previous_owners"] or ()),
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
    rows = fetch_all_by_name(
        conn,
        f"""SELECT id, phase, phase_since, status, conclusion, is_exercise, ST_Y(lkp) AS lat, ST_X(lkp) AS lon,
                   lkp_time, persons, craft_type, rcc_name, rcc_country, opened_at, owner, handover_to
              FROM sar_case {where} ORDER BY opened_at DESC, id DESC""",
        params,
    )
    audit_cross_state_reads(conn, "sar_case", [(str(r["id"]), r["owner"]) for r in rows])
    return [
        {
            "id": r["id"],
            "reference": case_reference(r["id"]),
            "phase": r["phase"],
            "phase_since": r["phase_since"].isoformat(),
            "status": r["status"],
            "conclusion": r["conclusion"],
            "exercise": r["is_exercise"],
            "position": {"lat": r["lat"], "lon": r["lon"], "time": r["lkp_time"].isoformat()},
            "persons": r["persons"],
            "craft": r["craft_type"],
            "rcc": {"name": r["rcc_name"], "country": r["rcc_country"]} if r["rcc_name"] else None,
            "opened_at": r["opened_at"].isoformat(),
            "owner": r["owner"],
            "handover_to": r["handover_to"],
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
            flag = fetch_one_by_name(
                conn,
                """SELECT subject_kind, mmsi, sighting_id::text AS sighting_id, ST_Y(geom) AS lat,
                          ST_X(geom) AS lon, window_end, summary, is_exercise
                     FROM flag WHERE id = %s""",
                (flag_id,),
            )
            if flag is None:
                raise InvalidInputError(f"no flag with id {flag_id}")
            if flag["is_exercise"] and not exercise:
                raise InvalidInputError(
                    f"flag {flag_id} was raised on simulated (exercise) traffic: a real case cannot be opened "
                    "from it; choose exercise mode (--exercise) to open an exercise case"
                )
            origin_kind = "flag"
            mmsi = flag["mmsi"] if flag["subject_kind"] == "vessel" else None
            sighting_id = flag["sighting_id"] if flag["subject_kind"] == "contact" else None
            if flag["lat"] is not None:
                lat = flag["lat"] if lat is None else lat
                lon = flag["lon"] if lon is None else lon
            when = when or flag["window_end"]
            situation = situation or str(flag["summary"])
        if sighting_id is not None:
            try:
                uuid.UUID(str(sighting_id))
            except ValueError as exc:
                raise InvalidInputError(f"sighting id {sighting_id!r} is not a UUID") from exc
            seen = fetch_one_by_name(
                conn,
                """SELECT ST_Y(geom) AS lat, ST_X(geom) AS lon, observed_at, craft_type, persons_estimated,
                          source_type, is_exercise, note FROM sighting WHERE id = %s""",
                (sighting_id,),
            )
            if seen is None:
                raise InvalidInputError(f"no sighting with id {sighting_id}")
            if seen["is_exercise"] and not exercise:
                raise InvalidInputError(
                    f"sighting {sighting_id} is marked as an exercise (simulated): a real case cannot be opened "
                    "from it; choose exercise mode (--exercise) to open an exercise case"
                )
            origin_kind = "sighting" if origin_kind == "manual" else origin_kind
            lat = seen["lat"] if lat is None else lat
            lon = seen["lon"] if lon is None else lon
            when = when or seen["observed_at"]
            craft = craft or (seen["craft_type"] if seen["craft_type"] != "unknown" else None)
            persons = seen["persons_estimated"] if persons is None else persons
            source = source or f"sighting ({seen['source_type']})"
            casualty = casualty or f"{str(seen['craft_type']).replace('_', ' ')} seen by {seen['source_type']}"
            situation = situation or (seen["note"] or "")
        if mmsi is not None:
            ais_state = fetch_one_by_name(
                conn,
                """SELECT ST_Y(s.geom) AS lat, ST_X(s.geom) AS lon, s.observed_at, v.name, s.station
                     FROM vessel_state s LEFT JOIN vessel v ON v.mmsi = s.mmsi WHERE s.mmsi = %s""",
                (mmsi,),
            )
            if ais_state is None:
                named = fetch_one_by_name(conn, "SELECT name FROM vessel WHERE mmsi = %s", (mmsi,))
                name, station = (named["name"] if named is not None else None), None
            else:
                name, station = ais_state["name"], ais_state["station"]
            simulated = station == SIMULATOR_STATION or str(name or "").upper().startswith(SIMULATED_NAME_PREFIX)
            if simulated and not exercise:
                why = (
                    f"its reports come from the simulator station {SIMULATOR_STATION}"
                    if station == SIMULATOR_STATION
                    else f"its name starts with {SIMULATED_NAME_PREFIX.strip()}"
                )
                raise InvalidInputError(
                    f"MMSI {mmsi} ({name or 'name unknown'}) is a simulated vessel ({why}): a real case cannot be "
                    "opened from it; choose exercise mode (--exercise) to open an exercise case"
                )
            if ais_state is None and (lat is None or lon is None):
                raise InvalidInputError(f"no AIS state for MMSI {mmsi}; give --lat/--lon")
            origin_kind = "vessel" if origin_kind == "manual" else origin_kind
            if ais_state is not None:
                lat = ais_state["lat"] if lat is None else lat
                lon = ais_state["lon"] if lon is None else lon
                when = when or ais_state["observed_at"]
                casualty = casualty or f"{ais_state['name'] or 'name unknown'} (MMSI {mmsi})"
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

        inserted = fetch_one_by_name(
            conn,
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
        )
        if inserted is None:
            raise RuntimeError("INSERT INTO sar_case ... RETURNING id returned no row")
        case_id: int = inserted["id"]
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


def _append_as(
    conn: psycopg.Connection, record: CaseRecord, seq: int, event: ph.CaseEvent, owner: str | None = None
) -> None:
    """Append to the case's log as its owner (or ``owner``); a refusal by the per-state row-level security
    says whose case it is."""
    try:
        _append(conn, record.id, seq, event, record.exercise, owner or record.owner)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise CaseAccessError(
            f"{record.reference} is held by {record.owner}: only its SAR coordinators record in it"
            + (f" (a hand-over to {record.handover_to} is pending)" if record.handover_to else "")
        ) from exc


def _command(
    conn: psycopg.Connection,
    case_id: int,
    decide: Callable[[CaseRecord], ph.CaseEvent],
    owner: str | None = None,
) -> CaseRecord:
    """Run one command in one transaction (see the module doc for the order of effects). The entry is
    written as the case's owner, or as ``owner`` (the receiving state answering a hand-over offer)."""
    with conn.transaction():
        record = load_case(conn, case_id, lock=True)
        event = decide(record)
        seq = (record.event_seqs[-1] if record.event_seqs else 0) + 1
        _append_as(conn, record, seq, event, owner)
        log.info("case %s: %s by %s", record.reference, event.kind.value, event.acted_by)
    try:
        return load_case(conn, case_id)
    except CaseNotFoundError:
        # the command ended this account's view of the case (it declined a hand-over offered to its state):
        # the case as it knew it, with the entry it just wrote
        events = (*record.events, event)
        return replace(
            record, events=events, state=ph.replay(events), event_seqs=(*record.event_seqs, seq), handover_to=None
        )


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


def request_assistance(
    conn: psycopg.Connection,
    case_id: int,
    need: ph.AssistanceNeed,
    by: str,
    now: datetime,
    detail: str = "",
    asked_of: str = "",
    persons: int | None = None,
) -> CaseRecord:
    """Record a request for assistance (SITREP item E), numbered in the case."""
    return _command(conn, case_id, lambda r: ph.request_assistance(r.state, need, detail, asked_of, persons, by, now))


def end_assistance(
    conn: psycopg.Connection, case_id: int, number: int, status: str, by: str, now: datetime, note: str = ""
) -> CaseRecord:
    """Mark request ``number`` of the case as ``met`` or ``withdrawn``."""
    return _command(conn, case_id, lambda r: ph.end_assistance(r.state, number, status, note, by, now))


def set_sitrep_items(
    conn: psycopg.Connection, case_id: int, items: Mapping[str, str], by: str, now: datetime
) -> CaseRecord:
    """Write the coordinator's texts of SITREP items (G, H, L, M, N) in one transaction; an item that
    already reads so is left as it is."""
    with conn.transaction():
        record = load_case(conn, case_id, lock=True)
        _append_items(conn, record, items, by, now)
    return load_case(conn, case_id)


def _append_items(
    conn: psycopg.Connection, record: CaseRecord, items: Mapping[str, str], by: str, now: datetime
) -> CaseRecord:
    """Append a ``sitrep_item`` entry per changed item (inside the caller's transaction and case lock)."""
    seq = record.event_seqs[-1] if record.event_seqs else 0
    state = record.state
    events = list(record.events)
    for letter, text in items.items():
        if " ".join(text.split()) == state.sitrep_item(letter.strip().upper()):
            continue
        event = ph.set_sitrep_item(state, letter, text, by, now)
        seq += 1
        _append_as(conn, record, seq, event)
        events.append(event)
        state = ph.replay(events)
    if len(events) == len(record.events):
        return record
    return load_case(conn, record.id)


def receiving_state_in_seasight(conn: psycopg.Connection, country: str) -> bool:
    """Whether ``country`` has an active SAR coordinator account (its acceptance is then given in Seasight)."""
    row = fetch_one_by_name(conn, "SELECT participant_has_coordinators(%s) AS has_coordinators", (country,))
    return bool(row and row["has_coordinators"])


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
    named with its state's ISO 3166-1 alpha-3 code (IAMSAR Vol. II ch. 3, transfer of SMC duties).

    * To another state whose coordinators use Seasight: an OFFER; the case stays with its RCC and owner
      until a coordinator of that state accepts (:func:`answer_handover`), then it is theirs.
    * To an RCC outside Seasight, or another RCC of the same state: recorded at once, naming who accepted
      there (``accepted_by``, required for an RCC outside Seasight); the owner does not change."""
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
    country = target.rcc_country or ""
    in_seasight = bool(country) and receiving_state_in_seasight(conn, country)

    def decide(r: CaseRecord) -> ph.CaseEvent:
        if in_seasight and country != r.owner:
            if accepted_by.strip():
                raise InvalidInputError(
                    f"{country} coordinates in Seasight: its coordinator accepts the hand-over (case handover-accept); "
                    "--accepted-by is for an RCC outside Seasight"
                )
            return ph.offer_handover(r.state, target.rcc_name, country, target.srr_id, r.owner, reason, by, now)
        if country != r.owner and not accepted_by.strip():
            raise InvalidInputError(
                f"{target.rcc_name} ({country or 'state unknown'}) has no SAR coordinator in Seasight: name who "
                "accepted the hand-over there (--accepted-by)"
            )
        if r.state.handover_offer is not None:
            raise PhaseRuleError(f"a hand-over to {r.state.handover_offer.to_rcc} is pending: withdraw it first")
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


def answer_handover(
    conn: psycopg.Connection,
    case_id: int,
    accept: bool,
    participant: str,
    by: str,
    now: datetime,
    reason: str = "",
) -> CaseRecord:
    """A coordinator of the receiving state (``participant``) accepts the pending offer — the case, its
    RCC and its owner become theirs — or declines it with a reason. Written as the receiving state."""
    record = _command(
        conn,
        case_id,
        lambda r: ph.answer_handover(r.state, accept, participant, by, now, reason),
        owner=participant,
    )
    log.info(
        "case %s: hand-over %s by %s of %s", record.reference, "accepted" if accept else "declined", by, participant
    )
    return record


def withdraw_handover(conn: psycopg.Connection, case_id: int, reason: str, by: str, now: datetime) -> CaseRecord:
    """The offering RCC withdraws its pending hand-over offer."""
    return _command(conn, case_id, lambda r: ph.withdraw_handover(r.state, reason, by, now))


def close_case(
    conn: psycopg.Connection, case_id: int, conclusion: ph.Conclusion, summary: str, by: str, now: datetime
) -> CaseRecord:
    return _command(
        conn,
        case_id,
        lambda r: ph.close_case(r.state, conclusion, summary, by, now),
    )


def search_area_event(
    result: DriftResult,
    craft: str,
    wind_from_deg: float,
    wind_kn: float,
    current_set_deg: float,
    current_drift_kn: float,
    datum_time: datetime,
    params: DriftParameters,
    by: str,
    now: datetime,
) -> ph.CaseEvent:
    """The case-log entry of a computed search area (pure): the drift inputs, the datum at ``datum_time``
    (its own time, not ``now`` when it was computed), figures in nm and the area as GeoJSON (lon, lat)."""
    return ph.CaseEvent(
        ph.EventKind.SEARCH_AREA,
        now,
        by,
        {
            "craft": craft,
            "wind_from_deg": wind_from_deg,
            "wind_kn": wind_kn,
            "current_set_deg": current_set_deg,
            "current_drift_kn": current_drift_kn,
            "datum_time": datum_time.isoformat(),
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
        return search_area_event(
            result,
            use_craft,
            wind_from_deg,
            wind_kn,
            current_set_deg,
            current_drift_kn,
            datum_time or now,
            params,
            by,
            now,
        )

    record = _command(conn, case_id, decide)
    return record, holder["result"]


# ---------------------------------------------------------------------------------------------------------
# outgoing messages
# ---------------------------------------------------------------------------------------------------------


def case_report(record: CaseRecord) -> CaseReport:
    """The facts of the case for SITREP and CAP (pure); see :mod:`coordination.sitrep` for where each
    SITREP item comes from."""
    titles = {a.id: a.title for a in ph.CHECKLIST}
    st = record.state
    actions: list[str] = []
    drift_weather = ""
    handover_notes: list[str] = []
    closing_summary = ""
    assigned: dict[str, list[str]] = {}
    last_area: ph.CaseEvent | None = None
    for ev in record.events:
        if ev.kind is ph.EventKind.ACTION_DONE:
            actions.append(f"{ev.at:%d%H%M}Z {titles.get(str(ev.data['action']), str(ev.data['action']))}")
        elif ev.kind is ph.EventKind.ASSIGNED:
            role, name = str(ev.data["role"]), str(ev.data["name"])
            actions.append(f"{ev.at:%d%H%M}Z {role} {name} assigned")
            # one SMC, OSC and ACO at a time (a new one replaces the last); every SRU assigned takes part
            assigned[role] = [*assigned.get(role, []), name] if role == "SRU" else [name]
        elif ev.kind is ph.EventKind.ASSISTANCE_ENDED and ev.data.get("status") == "met":
            req = next((r for r in st.requests if r.number == int(ev.data["number"])), None)
            label = req.need.label if req is not None else "ASSISTANCE"
            note = str(ev.data.get("note", "")).strip()
            actions.append(f"{ev.at:%d%H%M}Z REQUEST {ev.data['number']} MET - {label}" + (f": {note}" if note else ""))
        elif ev.kind is ph.EventKind.SEARCH_AREA:
            last_area = ev
            drift_weather = (
                f"WIND {float(ev.data['wind_from_deg']):03.0f}/{float(ev.data['wind_kn']):.0f} KN, "
                f"TOTAL WATER CURRENT {float(ev.data['current_set_deg']):03.0f}/"
                f"{float(ev.data['current_drift_kn']):.1f} KN (AS USED FOR DRIFT)"
            )
        elif ev.kind is ph.EventKind.HANDED_OVER:
            handover_notes.append(
                f"coordination handed over from {ev.data.get('from_rcc')} to {ev.data.get('to_rcc')} at {ev.at:%d%H%M}Z"
                + (f", accepted by {ev.data['accepted_by']}" if ev.data.get("accepted_by") else "")
            )
        elif ev.kind is ph.EventKind.HANDOVER_ACCEPTED:
            handover_notes.append(
                f"coordination handed over from {ev.data.get('from_rcc')} to {ev.data.get('to_rcc')} "
                f"({ev.data.get('to_country')}) at {ev.at:%d%H%M}Z, accepted by {ev.acted_by}"
            )
        elif ev.kind is ph.EventKind.CLOSED:
            closing_summary = str(ev.data.get("summary", ""))
    if st.handover_offer is not None:
        o = st.handover_offer
        handover_notes.append(
            f"hand-over to {o.to_rcc} ({o.to_country}) offered at {o.offered_at:%d%H%M}Z, not yet accepted"
        )
    area = None
    if record.datum is not None and record.search_area_ring and record.search_radius_nm is not None:
        datum_time = None
        area_sq_nm = None
        if last_area is not None:
            if last_area.data.get("datum_time"):
                datum_time = datetime.fromisoformat(str(last_area.data["datum_time"]))
            if last_area.data.get("area_sq_nm") is not None:
                area_sq_nm = float(last_area.data["area_sq_nm"])
        area = SearchAreaSummary(
            record.datum[0],
            record.datum[1],
            record.search_radius_nm,
            record.search_area_ring,
            record.search_area_at or st.opened_at,
            datum_time,
            area_sq_nm,
        )
    notes = list(handover_notes)
    no_action = st.no_action
    if no_action is not None:
        notes.append(
            f"no-action decision by {no_action.proposed_by}"
            + (f", confirmed by {no_action.confirmed_by}" if no_action.confirmed_by else " (awaiting confirmation)")
            + f": {no_action.reason}"
        )
    coordination = [f"{role} {', '.join(assigned[role])}" for role in ("SMC", "OSC", "SRU", "ACO") if role in assigned]

    def joined(*parts: str) -> str:
        return "; ".join(p for p in parts if p)

    return CaseReport(
        case_id=record.id,
        reference=record.reference,
        exercise=record.exercise,
        phase=st.phase,
        opened_at=st.opened_at,
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
        weather=joined(st.sitrep_item("H"), drift_weather),
        coordinating_instructions=joined(*coordination, st.sitrep_item("L")),
        future_plans=st.sitrep_item("M"),
        additional_info=joined(*notes, st.sitrep_item("N")),
        closed_at=st.closed_at,
        conclusion=st.conclusion,
        conclusion_summary=closing_summary,
        phase_since=st.phase_since,
        description=st.sitrep_item("G"),
        requests=st.requests,
    )


def _addressee(text: str) -> str:
    value = " ".join(text.split())
    if not value or len(value) > 200:
        raise InvalidInputError(f"a SITREP addressee must be 1–200 characters, got {text!r}")
    return value


def issue_sitrep(
    conn: psycopg.Connection,
    case_id: int,
    by: str,
    now: datetime,
    full: bool = False,
    to: Sequence[str] = (),
    record_it: bool = True,
    items: Mapping[str, str] | None = None,
) -> tuple[int, str]:
    """Compose the next SITREP of the case (numbered per case; FINAL once the case is closed) and, unless
    ``record_it`` is False (a draft), send it: the log entry ``message_sent`` (number, form, addressees,
    SHA-256 of the text) and the text itself in ``case_sitrep``, both in one transaction. ``items`` are the
    coordinator's texts of items G, H, L, M, N, written to the case log first (a draft records them too).
    Returns (number, text). Nothing follows a FINAL SITREP."""
    addressees = tuple(_addressee(x) for x in to)
    if now.tzinfo is None:
        raise InvalidInputError("now must be timezone-aware")
    with conn.transaction():
        record = load_case(conn, case_id, lock=True)
        if items:
            record = _append_items(conn, record, items, by, now)
        st = record.state
        if st.final_sitrep_sent is not None:
            raise PhaseRuleError(
                f"the FINAL SITREP ({st.final_sitrep_sent}) of {record.reference} was sent: no SITREP follows it"
            )
        number = st.sitreps_sent + 1
        final = st.is_closed
        text = sitrep_text(case_report(record), SitrepHeader(number, now, addressees, final=final), full)
        if record_it:
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            seq = (record.event_seqs[-1] if record.event_seqs else 0) + 1
            event = ph.CaseEvent(
                ph.EventKind.MESSAGE_SENT,
                now,
                by,
                {
                    "format": "sitrep",
                    "number": number,
                    "full": full,
                    "final": final,
                    "to": list(addressees),
                    "sha256": digest,
                },
            )
            # the log entry first: the stored text refers to it (migration 0120 checks the two agree)
            _append_as(conn, record, seq, event)
            conn.execute(
                """INSERT INTO case_sitrep (case_id, number, event_seq, form, final, addressees, sent_at, text,
                                            sha256, is_exercise, owner, acted_by)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                (
                    record.id,
                    number,
                    seq,
                    "full" if full else "short",
                    final,
                    list(addressees),
                    now,
                    text,
                    digest,
                    record.exercise,
                    record.owner,
                    by,
                ),
            )
            form = "full" if full else "short"
            log.info("case %s: SITREP %d sent by %s (%s form)", record.reference, number, by, form)
    return number, text


_SITREP_COLUMNS = (
    "case_id",
    "number",
    "form",
    "final",
    "addressees",
    "sent_at",
    "acted_by",
    "sha256",
    "is_exercise",
    "owner",
    "event_seq",
)


def _sitrep_row(d: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "case": d["case_id"],
        "reference": case_reference(d["case_id"]),
        "number": d["number"],
        "form": d["form"],
        "final": d["final"],
        "to": list(d["addressees"]),
        "sent_at": d["sent_at"].isoformat(),
        "sent_by": d["acted_by"],
        "sha256": d["sha256"],
        "exercise": d["is_exercise"],
        "owner": d["owner"],
        "log_seq": d["event_seq"],
    }


def list_sitreps(conn: psycopg.Connection, case_id: int) -> list[dict[str, Any]]:
    """Every SITREP sent for the case, oldest first (without the text; see :func:`get_sitrep`)."""
    load_case(conn, case_id)  # a clear error for a case that does not exist or is not readable
    rows = fetch_all_by_name(
        conn,
        f"SELECT {', '.join(_SITREP_COLUMNS)} FROM case_sitrep WHERE case_id = %s ORDER BY number",
        (case_id,),
    )
    audit_cross_state_reads(conn, "case_sitrep", [(f"{r['case_id']}/{r['number']}", r["owner"]) for r in rows])
    return [_sitrep_row(r) for r in rows]


def get_sitrep(conn: psycopg.Connection, case_id: int, number: int) -> dict[str, Any]:
    """SITREP ``number`` of the case as sent: its heading facts and ``text`` verbatim."""
    record = load_case(conn, case_id)
    row = fetch_one_by_name(
        conn,
        f"SELECT {', '.join(_SITREP_COLUMNS)}, text FROM case_sitrep WHERE case_id = %s AND number = %s",
        (case_id, number),
    )
    if row is None:
        sent = record.state.sitreps_sent
        raise InvalidInputError(
            f"{record.reference} has no SITREP number {number} "
            + (f"(SITREPs 1–{sent} were sent)" if sent else "(no SITREP was sent yet)")
        )
    audit_cross_state_reads(conn, "case_sitrep", [(f"{row['case_id']}/{row['number']}", row["owner"])])
    return {**_sitrep_row(row), "text": row["text"]}


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
    include_simulated: bool = True,
) -> list[ShipState]:
    """Latest AIS states within ``radius_nm`` of (lat, lon), not older than ``max_age_h`` at ``now``; each
    says whether it is a simulated ship (migration 0130), and simulated ships are left out unless
    ``include_simulated``."""
    _check_position(lat, lon)
    if not 0.1 <= max_age_h <= 72:
        raise InvalidInputError(f"max_age_h must be 0.1–72 hours, got {max_age_h}")
    with conn.cursor(row_factory=class_row(ShipState)) as cur:
        ships = cur.execute(
            """SELECT s.mmsi, v.name, v.ship_type, v.length_m, ST_Y(s.geom) AS lat, ST_X(s.geom) AS lon,
                      s.sog_kn, s.cog_deg, s.observed_at,
                      coalesce(is_simulated_vessel(s.mmsi), false) AS simulated
                 FROM vessel_state s LEFT JOIN vessel v ON v.mmsi = s.mmsi
                WHERE ST_DWithin(s.geom::geography,
                                 ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography, %(m)s)
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
    return [s for s in ships if include_simulated or not s.simulated]


def case_surpic(
    conn: psycopg.Connection,
    case_id: int,
    now: datetime,
    params: SurpicParameters | None = None,
    max_age_h: float = DEFAULT_SURPIC_MAX_AGE_H,
) -> tuple[tuple[float, float], list[SurpicEntry]]:
    """SURPIC around the case's datum (or its LKP before a search area exists); returns (datum, ships).
    A real case's SURPIC never lists a simulated ship (CONTRIBUTING.md §18); an exercise's marks them."""
    params = params or SurpicParameters()
    record = load_case(conn, case_id)
    datum = record.datum or (record.lkp_lat, record.lkp_lon)
    ships = ships_near(
        conn,
        datum[0],
        datum[1],
        params.radius_nm,
        now,
        max_age_h,
        exclude_mmsi=record.mmsi,
        include_simulated=record.exercise,
    )
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


def describe_event(kind: str, data: Mapping[str, Any]) -> str:
    """One case-log entry in words a watch officer reads (for the dashboard's log and ``case show``)."""
    titles = {a.id: a.title for a in ph.CHECKLIST}

    def g(key: str) -> str:
        value = data.get(key)
        return "" if value is None else str(value)

    if kind == "opened":
        persons = f", {g('persons')} persons" if data.get("persons") is not None else ""
        return f"opened in the {g('phase')} phase from {g('origin') or 'a report'}{persons}: {g('reason')}"
    if kind == "phase_changed":
        return f"{g('direction') or 'phase change'}: {g('from')} → {g('to')} — {g('reason')}"
    if kind == "action_done":
        note = f" ({g('note')})" if data.get("note") else ""
        return f"done: {titles.get(g('action'), g('action'))} [{g('action')}]{note}"
    if kind == "no_action_proposed":
        return f"no-action decision proposed: {g('reason')} (needs a second coordinator's confirmation)"
    if kind == "no_action_confirmed":
        return f"no-action decision of {g('proposed_by')} confirmed"
    if kind == "assigned":
        return f"{g('role')} assigned: {g('name')}"
    if kind == "handed_over":
        accepted = f", accepted by {g('accepted_by')}" if data.get("accepted_by") else ""
        return f"coordination handed over from {g('from_rcc')} to {g('to_rcc')}{accepted}: {g('reason')}"
    if kind == "handover_offered":
        return f"hand-over offered to {g('to_rcc')} ({g('to_country')}): {g('reason')} — awaiting acceptance"
    if kind == "handover_accepted":
        return f"hand-over accepted: {g('to_rcc')} ({g('to_country')}) now coordinates and holds the case"
    if kind == "handover_declined":
        verb = "withdrawn" if data.get("withdrawn") else "declined"
        return f"hand-over to {g('to_rcc')} {verb}: {g('reason')}"
    if kind == "search_area":
        return (
            f"search area: datum {float(data['datum']['lat']):.4f}, {float(data['datum']['lon']):.4f} at "
            f"{g('datum_time')}, radius {float(data['radius_nm']):.1f} nm "
            f"(wind {g('wind_from_deg')}°/{g('wind_kn')} kn, "
            f"current {g('current_set_deg')}°/{g('current_drift_kn')} kn, {g('craft')})"
            if isinstance(data.get("datum"), Mapping) and data.get("radius_nm") is not None
            else "search area computed"
        )
    if kind == "message_sent":
        if data.get("format") == "sitrep":
            form = "full" if data.get("full") else "short"
            final = " FINAL" if data.get("final") else ""
            to = ", ".join(str(x) for x in data.get("to") or []) or "all concerned"
            return f"SITREP {g('number')}{final} sent ({form} form) to {to}"
        return f"CAP {g('msg_type')} sent ({g('identifier')})"
    if kind == "assistance_requested":
        need = ph.AssistanceNeed(g("need")).label if g("need") in set(ph.AssistanceNeed) else g("need")
        persons = f", {g('persons')} persons" if data.get("persons") is not None else ""
        asked = f", asked of {g('asked_of')}" if data.get("asked_of") else ""
        detail = f": {g('detail')}" if data.get("detail") else ""
        return f"request {g('number')}: {need.lower()}{persons}{asked}{detail}"
    if kind == "assistance_ended":
        note = f": {g('note')}" if data.get("note") else ""
        return f"request {g('number')} {g('status')}{note}"
    if kind == "sitrep_item":
        return f"SITREP item {g('item')} ({ph.SITREP_ITEMS.get(g('item'), '')}): {g('text')}"
    if kind == "closed":
        return f"closed: {g('conclusion').replace('_', ' ')} — {g('summary')}"
    if kind == "note":
        return g("text") or "note"
    return kind.replace("_", " ")


def latest_search_area_data(record: CaseRecord) -> Mapping[str, Any]:
    """The details of the case's latest search-area entry (datum, datum_time …), {} when none."""
    for ev in reversed(record.events):
        if ev.kind is ph.EventKind.SEARCH_AREA:
            return ev.data
    return {}


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
        "previous_owners": list(record.previous_owners),
        "handover_offer": None
        if st.handover_offer is None
        else {
            "to_rcc": st.handover_offer.to_rcc,
            "to_country": st.handover_offer.to_country,
            "to_srr_id": st.handover_offer.to_srr_id,
            "reason": st.handover_offer.reason,
            "offered_by": st.handover_offer.offered_by,
            "offered_at": st.handover_offer.offered_at.isoformat(),
        },
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
            "datum_time": latest_search_area_data(record).get("datum_time"),
            "radius_nm": record.search_radius_nm,
            "polygon": [list(p) for p in record.search_area_ring or ()],
            "computed_at": record.search_area_at.isoformat() if record.search_area_at else None,
        },
        "requests": [
            {
                "number": r.number,
                "need": r.need.value,
                "label": r.need.label,
                "detail": r.detail,
                "asked_of": r.asked_of,
                "persons": r.persons,
                "requested_at": r.requested_at.isoformat(),
                "requested_by": r.requested_by,
                "status": r.status,
                "ended_at": r.ended_at.isoformat() if r.ended_at else None,
                "note": r.note,
            }
            for r in st.requests
        ],
        "sitrep_items": {k: {"item": ph.SITREP_ITEMS[k], "text": v} for k, v in st.sitrep_items},
        "sitreps_sent": st.sitreps_sent,
        "final_sitrep": st.final_sitrep_sent,
        "conclusion": st.conclusion.value if st.conclusion else None,
        "closed_at": st.closed_at.isoformat() if st.closed_at else None,
        "log": [
            {
                "seq": seq,
                "kind": e.kind.value,
                "at": e.at.isoformat(),
                "by": e.acted_by,
                "summary": describe_event(e.kind.value, e.data),
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
