"""The case thread: everything Seasight holds about one SAR case, in time order (read-only queries).

One case's thread runs from what raised it to what became of the people: the vessel's AIS track before
and during the case, the flags on the vessel or contact, the sighting report(s), the case log (IAMSAR
Vol. II ch. 3 phases and actions), the SITREPs as sent (IAMSAR SITREP format, kept verbatim by migration
0120) and the CAP 1.2 messages (OASIS CAP 1.2), the requests for assistance (SITREP item E) and, when the
caller asks for them, the ranked places of safety (IMO MSC.167(78)), then the recorded outcome versions.
:func:`cases_of_vessel` lists the cases of one vessel (by MMSI), each with its current outcome.

What a session may read is decided by the database (row-level security): a case another state does not
share is "not found", and a flag or sighting the session may not read is simply not in the thread.

Times are UTC; distances in nautical miles (WGS84 geodesics, ``geodata.geodesy``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import class_row

from coordination import phases as ph
from coordination.cases import case_reference, describe_event, load_case, parse_case_reference
from coordination.disembarkation.store import outcome_versions
from geodata.geodesy import path_length_nm
from seasight.rows import fetch_all_by_name
from tracking.queries_concerns import STATUSES, Concern, concern, concerns_for

log = logging.getLogger("seasight.coordination.thread")

TRACK_HOURS_BEFORE = 24.0
"""How far before the case's last known position the vessel's track is shown (hours). Default 24, range
1-168: about a day of a small craft's movements before it became a case."""
TRACK_MAX_POINTS = 5_000
"""Most AIS fixes kept in a thread's track (count; the latest are kept)."""

STAGES: tuple[str, ...] = ("track", "flag", "sighting", "case", "request", "sitrep", "cap", "options", "outcome")
"""The parts of a thread, in the order they are shown when two entries have the same time."""

# case-log entries shown as their own stage (not as plain case events)
_REQUEST_KINDS = {ph.EventKind.ASSISTANCE_REQUESTED.value, ph.EventKind.ASSISTANCE_ENDED.value}


@dataclass(frozen=True)
class ThreadEntry:
    """One step of a case's thread."""

    at: datetime
    stage: str  # one of STAGES
    title: str
    detail: str = ""
    ref: str | None = None  # what the entry is: a flag id, sighting id, log seq, SITREP number ...
    text: str | None = None  # a message as sent (SITREP text, CAP XML), verbatim
    exercise: bool = False


@dataclass(frozen=True)
class TrackFix:
    at: datetime
    lat: float
    lon: float
    sog_kn: float | None
    cog_deg: float | None


@dataclass(frozen=True)
class CaseThread:
    """A case and its thread, oldest first."""

    case_id: int
    exercise: bool
    status: str  # open | closed
    phase: str
    conclusion: str | None
    mmsi: int | None
    lkp: tuple[float, float]  # (lat, lon)
    track: tuple[TrackFix, ...]
    entries: tuple[ThreadEntry, ...]

    @property
    def reference(self) -> str:
        return case_reference(self.case_id)

    def stages(self) -> list[str]:
        """The stages present in the thread, in thread order (first appearance)."""
        seen: list[str] = []
        for e in self.entries:
            if e.stage not in seen:
                seen.append(e.stage)
        return seen


def _case_id(case_ref: int | str) -> int:
    if isinstance(case_ref, int):
        if case_ref < 1:
            raise ValueError(f"case id must be 1 or more, got {case_ref}")
        return case_ref
    return parse_case_reference(case_ref)


def vessel_track(
    conn: psycopg.Connection, mmsi: int, since: datetime, until: datetime | None, limit: int = TRACK_MAX_POINTS
) -> list[TrackFix]:
    """AIS fixes of ``mmsi`` from ``since`` to ``until`` (None: up to the latest), oldest first; the latest
    ``limit`` are kept."""
    with conn.cursor(row_factory=class_row(TrackFix)) as cur:
        return cur.execute(
            """SELECT observed_at AS at, ST_Y(geom)::float8 AS lat, ST_X(geom)::float8 AS lon, sog_kn, cog_deg
                 FROM (SELECT observed_at, geom, sog_kn, cog_deg FROM position
                        WHERE mmsi = %s AND observed_at >= %s AND (%s::timestamptz IS NULL OR observed_at <= %s)
                        ORDER BY observed_at DESC LIMIT %s) latest
                ORDER BY observed_at""",
            (mmsi, since, until, until, limit),
        ).fetchall()


def _track_entry(mmsi: int, fixes: Sequence[TrackFix], exercise: bool) -> ThreadEntry:
    length = path_length_nm([(f.lon, f.lat) for f in fixes])
    first, last = fixes[0], fixes[-1]
    return ThreadEntry(
        first.at,
        "track",
        f"AIS track of MMSI {mmsi}: {len(fixes)} fixes",
        f"from {first.at:%Y-%m-%d %H:%MZ} ({first.lat:.4f}, {first.lon:.4f}) to {last.at:%Y-%m-%d %H:%MZ} "
        f"({last.lat:.4f}, {last.lon:.4f}), {length:.1f} nm sailed",
        ref=str(mmsi),
        exercise=exercise,
    )


def _flag_entry(f: Concern) -> ThreadEntry:
    subject = f"MMSI {f.mmsi}" if f.subject_kind == "vessel" else f"sighting {f.sighting_id}"
    return ThreadEntry(
        f.window_end,
        "flag",
        f"flag {f.flag_id}: {f.rule_id} ({f.severity}, score {f.score:.2f}) on {subject}",
        f"{f.summary} — {f.status}" + (f" ({f.status_reason})" if f.status_reason else ""),
        ref=str(f.flag_id),
        exercise=f.exercise,
    )


def _sighting_entries(conn: psycopg.Connection, ids: Sequence[str]) -> list[ThreadEntry]:
    if not ids:
        return []
    rows = fetch_all_by_name(
        conn,
        """SELECT id::text AS id, observed_at, ST_Y(geom) AS lat, ST_X(geom) AS lon, uncertainty_nm, source_type,
                  craft_type, persons_estimated, conditions, confidence, owner, is_exercise
             FROM sighting WHERE id = ANY(%s::uuid[]) ORDER BY observed_at""",
        (list(ids),),
    )
    out = []
    for r in rows:
        persons = f"{r['persons_estimated']} persons" if r["persons_estimated"] is not None else "persons not known"
        conditions = f", {', '.join(r['conditions'])}" if r["conditions"] else ""
        source, craft = r["source_type"].replace("_", " "), r["craft_type"].replace("_", " ")
        out.append(
            ThreadEntry(
                r["observed_at"],
                "sighting",
                f"sighting by {source} ({r['owner']}): {craft}, {persons}",
                f"at {r['lat']:.4f}, {r['lon']:.4f} ± {r['uncertainty_nm']:g} nm, confidence {r['confidence']}"
                f"{conditions}",
                ref=r["id"],
                exercise=bool(r["is_exercise"]),
            )
        )
    return out


def _sitrep_entries(conn: psycopg.Connection, case_id: int) -> list[ThreadEntry]:
    rows = fetch_all_by_name(
        conn,
        """SELECT number, form, final, addressees, sent_at, acted_by, text, is_exercise
             FROM case_sitrep WHERE case_id = %s ORDER BY number""",
        (case_id,),
    )
    return [
        ThreadEntry(
            r["sent_at"],
            "sitrep",
            f"SITREP {r['number']}{' FINAL' if r['final'] else ''} sent ({r['form']} form) by {r['acted_by']}",
            f"to {', '.join(r['addressees']) or 'all concerned'}",
            ref=str(r["number"]),
            text=r["text"],
            exercise=bool(r["is_exercise"]),
        )
        for r in rows
    ]


def _outcome_entries(conn: psycopg.Connection, case_id: int, exercise: bool) -> list[ThreadEntry]:
    out = []
    for v in outcome_versions(conn, case_id):
        place = v.get("locode") or v.get("place_name") or v.get("state") or "place not recorded"
        counts = [
            f"{v[k]} {label}"
            for k, label in (
                ("persons_aboard", "aboard"),
                ("deaths", "dead"),
                ("missing", "missing"),
                ("medical_evacuations", "medical evacuations"),
            )
            if v.get(k) is not None
        ]
        at = v.get("outcome_at") or v["recorded_at"]
        out.append(
            ThreadEntry(
                at,
                "outcome",
                f"outcome v{v['version']}: {str(v['outcome']).replace('_', ' ')} — {place}",
                "; ".join([*counts, f"source {v['source']}", f"why: {v['reason']}"]),
                ref=str(v["version"]),
                exercise=exercise,
            )
        )
    return out


def _options_entry(options: Mapping[str, Any], at: datetime, exercise: bool) -> ThreadEntry:
    ranked = options.get("options") or []
    lines = [
        f"{o['rank']}. {o['port']} ({o['locode']}, {o['state']}) {float(o['sea_distance_nm']):.0f} nm by sea, "
        f"ETA {float(o['eta_hours']):.1f} h — {o.get('status') or ''}".rstrip(" —")
        for o in ranked
    ]
    return ThreadEntry(
        at,
        "options",
        f"places of safety ranked: {len(ranked)} option(s); responsible state "
        f"{options.get('responsible_state') or 'unknown'}",
        "\n".join(lines) if lines else "no place of safety within reach by sea",
        exercise=exercise,
    )


def case_thread(
    conn: psycopg.Connection,
    case_ref: int | str,
    *,
    track_hours_before: float = TRACK_HOURS_BEFORE,
    options: Mapping[str, Any] | None = None,
    options_at: datetime | None = None,
) -> CaseThread:
    """The thread of one case (``SEASIGHT-12``, ``12`` or the id), oldest first: track, flags, sighting(s),
    case log, requests, SITREPs and CAP messages, places of safety (``options`` as computed by
    ``coordination.disembarkation.store.options_as_dict``, shown at ``options_at``), outcome versions.

    Raises ``coordination.errors.CaseNotFoundError`` for a case that does not exist or this session may not
    read, and ``InvalidInputError`` for a reference that is not one.
    """
    if not 1.0 <= track_hours_before <= 168.0:
        raise ValueError(f"track_hours_before must be 1-168 hours, got {track_hours_before}")
    if options is not None and options_at is None:
        raise ValueError("options_at (when the options were computed) is required with options")
    record = load_case(conn, _case_id(case_ref))
    st = record.state
    entries: list[ThreadEntry] = []
    # 1. the vessel's track: a day before the last known position, up to the case's closure
    track: list[TrackFix] = []
    if record.mmsi is not None:
        track = vessel_track(conn, record.mmsi, record.lkp_time - timedelta(hours=track_hours_before), st.closed_at)
        if track:
            entries.append(_track_entry(record.mmsi, track, record.exercise))
    # 2. flags: the one the case was opened from, those on the vessel and those on the sighting(s)
    flags: dict[int, Concern] = {}
    sighting_ids: list[str] = [record.sighting_id] if record.sighting_id else []
    if record.flag_id is not None:
        f = concern(conn, record.flag_id)
        if f is not None:
            flags[f.flag_id] = f
            if f.sighting_id and f.sighting_id not in sighting_ids:
                sighting_ids.append(f.sighting_id)
    if record.mmsi is not None:
        since = record.lkp_time - timedelta(hours=track_hours_before)
        for f in concerns_for(conn, mmsi=record.mmsi, statuses=STATUSES):
            if f.window_end >= since and (st.closed_at is None or f.window_start <= st.closed_at):
                flags.setdefault(f.flag_id, f)
    for sid in list(sighting_ids):
        for f in concerns_for(conn, sighting_id=sid, statuses=STATUSES):
            flags.setdefault(f.flag_id, f)
    entries.extend(_flag_entry(f) for f in flags.values())
    # 3. the sighting record(s)
    entries.extend(_sighting_entries(conn, sighting_ids))
    # 4. the case log; SITREPs and CAP messages as their own stage
    for seq, ev in zip(record.event_seqs, record.events, strict=True):
        kind = ev.kind.value
        if kind == ph.EventKind.MESSAGE_SENT.value and ev.data.get("format") == "sitrep":
            continue  # from case_sitrep below, with the text as sent
        if kind == ph.EventKind.MESSAGE_SENT.value and ev.data.get("format") == "cap":
            entries.append(
                ThreadEntry(
                    ev.at,
                    "cap",
                    f"CAP {ev.data.get('msg_type')} sent by {ev.acted_by}",
                    f"identifier {ev.data.get('identifier')}",
                    ref=str(seq),
                    text=str(ev.data.get("xml") or ""),
                    exercise=record.exercise,
                )
            )
            continue
        stage = "request" if kind in _REQUEST_KINDS else "case"
        entries.append(
            ThreadEntry(
                ev.at,
                stage,
                f"{kind.replace('_', ' ')} (by {ev.acted_by})",
                describe_event(kind, ev.data),
                ref=str(seq),
                exercise=record.exercise,
            )
        )
    entries.extend(_sitrep_entries(conn, record.id))
    # 5. places of safety, when the caller computed them; 6. the outcome versions
    if options is not None and options_at is not None:
        entries.append(_options_entry(options, options_at, record.exercise))
    entries.extend(_outcome_entries(conn, record.id, record.exercise))
    order = {s: i for i, s in enumerate(STAGES)}
    indexed = sorted(enumerate(entries), key=lambda ie: (ie[1].at, order[ie[1].stage], ie[0]))
    return CaseThread(
        record.id,
        record.exercise,
        "closed" if st.is_closed else "open",
        st.phase.value,
        st.conclusion.value if st.conclusion else None,
        record.mmsi,
        (record.lkp_lat, record.lkp_lon),
        tuple(track),
        tuple(e for _, e in indexed),
    )


def cases_of_vessel(conn: psycopg.Connection, mmsi: int) -> list[dict[str, Any]]:
    """The cases of one vessel, newest first: opened from it, or from a flag on it; each with its status,
    conclusion and current outcome (None when none is recorded)."""
    if not 0 <= mmsi <= 999_999_999:
        raise ValueError(f"MMSI must be 0-999999999, got {mmsi}")
    rows = fetch_all_by_name(
        conn,
        """SELECT c.id, c.phase, c.status, c.conclusion, c.is_exercise, c.opened_at, c.closed_at, c.persons,
                  c.owner, o.outcome, o.state, coalesce(o.locode, o.place_name) AS place
             FROM sar_case c
             LEFT JOIN disembarkation_outcome_current o ON o.case_id = c.id
            WHERE c.mmsi = %(mmsi)s
               OR c.flag_id IN (SELECT f.id FROM flag f WHERE f.mmsi = %(mmsi)s)
            ORDER BY c.opened_at DESC, c.id DESC""",
        {"mmsi": mmsi},
    )
    return [
        {
            "id": r["id"],
            "reference": case_reference(r["id"]),
            "phase": r["phase"],
            "status": r["status"],
            "conclusion": r["conclusion"],
            "exercise": r["is_exercise"],
            "opened_at": r["opened_at"].isoformat(),
            "closed_at": r["closed_at"].isoformat() if r["closed_at"] else None,
            "persons": r["persons"],
            "owner": r["owner"],
            "outcome": None
            if r["outcome"] is None
            else {"outcome": r["outcome"], "state": r["state"], "place": r["place"]},
        }
        for r in rows
    ]
