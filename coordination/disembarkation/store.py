"""Database adapter for cases' outcomes and for the options of a case.

Side effects, in order, in ONE transaction per call: lock the case's outcome log (advisory lock on the
case id), read the case, validate, insert the next version. Nothing is updated or deleted: an edit of an
outcome is a new version (``disembarkation_outcome`` is append-only by trigger), and the current outcome
of a case is its highest version.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row

from coordination.cases import case_reference
from coordination.disembarkation.errors import (
    InvalidOutcomeError,
    NoSeaRouteError,
    PlaceNotFoundError,
)
from coordination.disembarkation.outcomes import Outcome, OutcomeKind, Reception, validate_outcome
from coordination.disembarkation.practices import OutcomeRecord, practice_of
from coordination.disembarkation.ranking import (
    Candidate,
    PlaceOfSafety,
    RankedOption,
    RankingParameters,
    Rescue,
    rank_options,
    score_candidate,
)
from coordination.disembarkation.register import candidate_places_within, get_place
from coordination.disembarkation.sea_routes import NETWORK_SOURCE, SeaRoute, SeaRouter, default_router
from coordination.errors import CaseNotFoundError
from geodata.geodesy import distance_nm
from seasight.rows import fetch_all_by_name, fetch_one_by_name
from seasight.sharing import audit_cross_state_reads

log = logging.getLogger("seasight.coordination.disembarkation.store")

_LOCK_NAMESPACE = 0x5EA5_0050


@dataclass(frozen=True)
class CaseFacts:
    """What this part reads from a SAR case (migration 0040)."""

    case_id: int
    lat: float
    lon: float
    lkp_time: datetime
    opened_at: datetime
    persons: int | None
    is_exercise: bool
    srr_id: str | None
    rcc_name: str | None
    rcc_country: str | None


def load_case(conn: psycopg.Connection[Any], case_id: int) -> CaseFacts:
    if conn.execute("SELECT to_regclass('sar_case')").fetchone() == (None,):
        raise CaseNotFoundError("the sar_case table does not exist: migrate the database (0040_sar_case)")
    with conn.cursor(row_factory=class_row(CaseFacts)) as cur:
        row = cur.execute(
            "SELECT id AS case_id, ST_Y(lkp)::float8 AS lat, ST_X(lkp)::float8 AS lon, lkp_time, opened_at, persons,"
            " coalesce(is_exercise, false) AS is_exercise, srr_id, rcc_name, rcc_country"
            " FROM sar_case WHERE id = %s",
            (case_id,),
        ).fetchone()
    if row is None:
        raise CaseNotFoundError(f"no SAR case {case_id}")
    return row


def record_outcome(conn: psycopg.Connection[Any], outcome: Outcome, reason: str, by: str, owner: str) -> int:
    """Validate and store ``outcome`` as the case's next version; return that version number.

    Persons aboard defaults to the case's count; the alert time to the case's opening; the state to the
    state of the place of safety named by ``locode`` (which must be in the register and in that state).
    """
    if not reason.strip():
        raise InvalidOutcomeError("reason is required (e.g. 'first report', 'corrected counts from UNHCR')")
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_LOCK_NAMESPACE, outcome.case_id % 2**31))
        case = load_case(conn, outcome.case_id)
        o = replace(
            outcome,
            is_exercise=case.is_exercise,
            persons_aboard=outcome.persons_aboard if outcome.persons_aboard is not None else case.persons,
            alert_at=outcome.alert_at or case.opened_at,
        )
        if o.locode:
            try:
                place = get_place(conn, o.locode)
            except PlaceNotFoundError as exc:
                raise InvalidOutcomeError(f"port {o.locode}: {exc}; add it to the register first") from exc
            if o.state and o.state.strip().upper() != place.state:
                raise InvalidOutcomeError(
                    f"port {place.locode} ({place.name}) is in {place.state}, not in state {o.state}"
                )
            o = replace(o, state=place.state, place_name=o.place_name or place.name)
        o = validate_outcome(o)
        row = fetch_one_by_name(
            conn,
            "SELECT coalesce(max(version), 0) + 1 AS next_version FROM disembarkation_outcome WHERE case_id = %s",
            (o.case_id,),
        )
        version = int(row["next_version"]) if row else 1
        conn.execute(
            """INSERT INTO disembarkation_outcome (
                   case_id, version, is_exercise, outcome, state, locode, place_name, alert_at,
                   outcome_at, route,
                   persons_aboard, men, women, children, uasc, deaths, missing, nationalities, days_at_sea,
                   reception, screened, referred_to_asylum, trafficking_victims_identified,
                   consular_notification,
                   voluntary_returns, source, source_quality, note, reason, owner, acted_by,
                   pregnant_women, older_persons, persons_with_disabilities, medical_evacuations)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
                       %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
            (
                o.case_id,
                version,
                o.is_exercise,
                o.outcome.value,
                o.state,
                o.locode,
                o.place_name,
                o.alert_at,
                o.outcome_at,
                o.route,
                o.persons_aboard,
                o.men,
                o.women,
                o.children,
                o.uasc,
                o.deaths,
                o.missing,
                json.dumps(dict(o.nationalities)),
                o.days_at_sea,
                o.reception.value if o.reception else None,
                o.screened,
                o.referred_to_asylum,
                o.trafficking_victims_identified,
                o.consular_notification,
                o.voluntary_returns,
                o.source,
                o.source_quality,
                o.note,
                reason.strip(),
                owner,
                by,
                o.pregnant_women,
                o.older_persons,
                o.persons_with_disabilities,
                o.medical_evacuations,
            ),
        )
    log.info("case %d: outcome version %d recorded (%s)", o.case_id, version, o.outcome.value)
    return version


_OUTCOME_COLUMNS = (
    "case_id",
    "version",
    "is_exercise",
    "outcome",
    "state",
    "locode",
    "place_name",
    "alert_at",
    "outcome_at",
    "route",
    "persons_aboard",
    "men",
    "women",
    "children",
    "uasc",
    "deaths",
    "missing",
    "nationalities",
    "days_at_sea",
    "reception",
    "screened",
    "referred_to_asylum",
    "trafficking_victims_identified",
    "consular_notification",
    "voluntary_returns",
    "source",
    "source_quality",
    "note",
    "reason",
    "owner",
    "acted_by",
    "recorded_at",
    "pregnant_women",
    "older_persons",
    "persons_with_disabilities",
    "medical_evacuations",
)


def outcome_versions(conn: psycopg.Connection[Any], case_id: int) -> list[dict[str, Any]]:
    """Every recorded version of a case's outcome, oldest first (the last is current)."""
    versions = fetch_all_by_name(
        conn,
        f"SELECT {', '.join(_OUTCOME_COLUMNS)} FROM disembarkation_outcome WHERE case_id = %s ORDER BY version",
        (case_id,),
    )
    audit_cross_state_reads(
        conn, "disembarkation_outcome", [(f"{v['case_id']}/{v['version']}", v["owner"]) for v in versions]
    )
    return versions


def current_outcome(conn: psycopg.Connection[Any], case_id: int) -> Outcome | None:
    versions = outcome_versions(conn, case_id)
    if not versions:
        return None
    v = versions[-1]
    return Outcome(
        case_id=v["case_id"],
        outcome=OutcomeKind(v["outcome"]),
        state=v["state"],
        locode=v["locode"],
        place_name=v["place_name"],
        alert_at=v["alert_at"],
        outcome_at=v["outcome_at"],
        route=v["route"],
        persons_aboard=v["persons_aboard"],
        men=v["men"],
        women=v["women"],
        children=v["children"],
        uasc=v["uasc"],
        deaths=v["deaths"],
        missing=v["missing"],
        nationalities=dict(v["nationalities"]),
        days_at_sea=float(v["days_at_sea"]) if v["days_at_sea"] is not None else None,
        reception=Reception(v["reception"]) if v["reception"] else None,
        screened=v["screened"],
        referred_to_asylum=v["referred_to_asylum"],
        trafficking_victims_identified=v["trafficking_victims_identified"],
        consular_notification=v["consular_notification"],
        voluntary_returns=v["voluntary_returns"],
        source=v["source"],
        source_quality=v["source_quality"],
        note=v["note"],
        is_exercise=v["is_exercise"],
        pregnant_women=v["pregnant_women"],
        older_persons=v["older_persons"],
        persons_with_disabilities=v["persons_with_disabilities"],
        medical_evacuations=v["medical_evacuations"],
    )


#: The columns of an :class:`OutcomeRecord`, each named as its field.
_REAL_OUTCOME_COLUMNS = """case_id, outcome, state, coalesce(locode, place_name) AS port,
                  extract(year FROM coalesce(outcome_at, alert_at))::int AS year, route, persons_aboard, women,
                  children,
                  deaths, missing, days_at_sea::float8 AS days_at_sea,
                  CASE WHEN outcome = 'disembarked' AND outcome_at IS NOT NULL AND alert_at IS NOT NULL
                       THEN (extract(epoch FROM outcome_at - alert_at) / 3600.0)::float8 END
                      AS hours_to_disembarkation,
                  reception, is_exercise,
                  uasc, pregnant_women, older_persons, persons_with_disabilities, medical_evacuations, screened,
                  consular_notification"""


def real_outcome_records(conn: psycopg.Connection[Any]) -> list[OutcomeRecord]:
    """The current outcome of every REAL case (exercises left out by the view), for analytics."""
    rows = fetch_all_by_name(conn, f"SELECT {_REAL_OUTCOME_COLUMNS} FROM disembarkation_outcome_real ORDER BY case_id")
    owners = fetch_all_by_name(
        conn, "SELECT case_id || '/' || version AS outcome_ref, owner FROM disembarkation_outcome_real"
    )
    audit_cross_state_reads(conn, "disembarkation_outcome", [(r["outcome_ref"], r["owner"]) for r in owners])
    return [_outcome_record(r) for r in rows]


def exercise_outcome_records(conn: psycopg.Connection[Any]) -> list[OutcomeRecord]:
    """The current outcome of every EXERCISE case (simulated or table-top), for exercise figures only:
    never mixed with :func:`real_outcome_records` (``practices.group_figures`` refuses a mix)."""
    rows = fetch_all_by_name(
        conn, f"SELECT {_REAL_OUTCOME_COLUMNS} FROM disembarkation_outcome_current WHERE is_exercise ORDER BY case_id"
    )
    return [_outcome_record(r) for r in rows]


def _outcome_record(r: Mapping[str, Any]) -> OutcomeRecord:
    """An :class:`OutcomeRecord` from a row of :data:`_REAL_OUTCOME_COLUMNS` read by name (a field missing
    from the SELECT fails with a ``KeyError`` naming it)."""
    return OutcomeRecord(**{f.name: r[f.name] for f in fields(OutcomeRecord)})


def real_outcome_records_with_owner(conn: psycopg.Connection[Any]) -> list[tuple[str, OutcomeRecord]]:
    """(owner, record) of every real case's current outcome this session may read — for a service
    publishing aggregate figures (coordination.disembarkation.publish), every one."""
    rows = fetch_all_by_name(
        conn, f"SELECT owner, {_REAL_OUTCOME_COLUMNS} FROM disembarkation_outcome_real ORDER BY case_id"
    )
    audit_cross_state_reads(conn, "disembarkation_outcome", [(f"{r['case_id']}", r["owner"]) for r in rows])
    return [(r["owner"], _outcome_record(r)) for r in rows]


# ---------------------------------------------------------------------------------------------------------
# options for a case
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unreachable:
    locode: str
    name: str
    state: str
    reason: str


@dataclass(frozen=True)
class OptionsResult:
    rescue: Rescue
    options: tuple[RankedOption, ...]
    unreachable: tuple[Unreachable, ...]
    routes: dict[str, SeaRoute]
    parameters: RankingParameters
    exercise: bool = False  # the case is an exercise: every output of the options says so


def responsible_state_at(conn: psycopg.Connection[Any], lat: float, lon: float) -> tuple[str | None, str]:
    """(ISO alpha-3 of the RCC state, basis) for the SRR covering the position (smallest if several)."""
    if conn.execute("SELECT to_regclass('srr')").fetchone() == (None,):
        return None, "no SRR layer in the database"
    row = fetch_one_by_name(
        conn,
        "SELECT id, rcc_name, rcc_country, indicative FROM srr "
        "WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) ORDER BY ST_Area(geom) LIMIT 1",
        (lon, lat),
    )
    if row is None:
        return None, "no SRR covers the rescue position"
    note = " (indicative boundary)" if row["indicative"] else ""
    rcc_country: str | None = row["rcc_country"]
    return rcc_country, f"SRR '{row['id']}'{note} of {row['rcc_name']} covers the rescue position"


def options_for_case(
    conn: psycopg.Connection[Any],
    case_id: int,
    params: RankingParameters,
    from_position: tuple[float, float] | None = None,
    router: SeaRouter | None = None,
) -> OptionsResult:
    """Ranked places of safety for a case; responsible state from the SRR of the rescue position (LKP)."""
    case = load_case(conn, case_id)
    # MSC.167(78) para 2.5: the SRR where the people were recovered (the case's last known position), not
    # the RCC that holds the case now (which may have changed by hand-over).
    state, basis = responsible_state_at(conn, case.lat, case.lon)
    if state is None and case.rcc_country:
        state = case.rcc_country
        basis = f"SRR '{case.srr_id}' of {case.rcc_name}, as recorded with the case"
    elif case.rcc_country and case.rcc_country != state:
        basis += f"; the case is now held by {case.rcc_name} ({case.rcc_country})"
    lat, lon = from_position if from_position else (case.lat, case.lon)
    rescue = Rescue(
        case_id,
        lat,
        lon,
        state,
        basis,
        "rescuing ship's current position" if from_position else "rescue position (case LKP)",
    )
    places = candidate_places_within(conn, lat, lon, params.max_sea_distance_nm)
    router = router or default_router()
    records = real_outcome_records(conn)
    candidates, unreachable, kept = _route_candidates(router, rescue, places, params, records, case_id)
    options = rank_options(rescue, candidates, params)
    return OptionsResult(
        rescue,
        tuple(options),
        tuple(unreachable),
        {o.locode: kept[o.locode] for o in options},
        params,
        case.is_exercise,
    )


ROUTING_BATCH = 12
"""Places routed at a time, nearest by great circle first (count). Default 12."""


def _route_candidates(
    router: SeaRouter,
    rescue: Rescue,
    places: list[PlaceOfSafety],
    params: RankingParameters,
    records: list[OutcomeRecord],
    case_id: int,
) -> tuple[list[Candidate], list[Unreachable], dict[str, SeaRoute]]:
    """Sea routes to the places, nearest by great circle first, in batches of :data:`ROUTING_BATCH`.

    A place's score (h) is at least its great-circle distance over the ship's speed (the sea route is never
    shorter, penalties are never negative), so routing stops once, for the responsible state's places and
    for the others, either none is left or ``max_options`` scores already lie under that bound of the next
    place: the places left could not enter the list (exact, not a heuristic)."""
    order = sorted(places, key=lambda p: (distance_nm(rescue.lat, rescue.lon, p.lat, p.lon), p.locode))
    gc = [distance_nm(rescue.lat, rescue.lon, p.lat, p.lon) for p in order]
    candidates: list[Candidate] = []
    unreachable: list[Unreachable] = []
    kept: dict[str, SeaRoute] = {}
    for start in range(0, len(order), ROUTING_BATCH):
        batch = order[start : start + ROUTING_BATCH]
        try:
            routes = router.routes_from(rescue.lat, rescue.lon, [(p.locode, p.lat, p.lon) for p in batch])
        except NoSeaRouteError as exc:
            raise NoSeaRouteError(
                f"case {case_id}: {exc} (give the rescuing ship's position with --from-lat/--from-lon)"
            ) from exc
        for p in batch:
            route = routes.get(p.locode)
            if route is None:
                access = router.port_access(p.lat, p.lon)
                reason = access.no_sea_access or "no sea route: no route at sea joins the rescue position and the port"
                unreachable.append(Unreachable(p.locode, p.name, p.state, reason))
                continue
            if route.distance_nm > params.max_sea_distance_nm:
                continue
            kept[p.locode] = route
            candidates.append(
                Candidate(
                    p,
                    route.distance_nm,
                    route.harbour_leg_nm,
                    state_practice=practice_of(records, f"state {p.state}", state=p.state),
                    port_practice=practice_of(records, f"port {p.locode}", port=p.locode),
                )
            )
        following = start + ROUTING_BATCH
        if following >= len(order):
            break
        bound_h = gc[following] / params.ship_speed_kn
        done = True
        for responsible in (True, False):
            left = [p for p in order[following:] if (p.state == rescue.responsible_state) == responsible]
            if not left:
                continue
            scores = sorted(
                score_candidate(rescue, c, params).score_hours
                for c in candidates
                if (c.place.state == rescue.responsible_state) == responsible
            )
            if len(scores) < params.max_options or scores[params.max_options - 1] > bound_h:
                done = False
        if done:
            log.debug("case %s: %d of %d places routed (the rest cannot rank)", case_id, following, len(order))
            break
    return candidates, unreachable, kept


def options_as_dict(result: OptionsResult) -> dict[str, Any]:
    r = result.rescue
    return {
        "case": r.case_id,
        "reference": case_reference(r.case_id),
        "exercise": result.exercise,
        "from": {"lat": r.lat, "lon": r.lon, "basis": r.position_basis},
        "responsible_state": r.responsible_state,
        "responsible_basis": r.responsible_basis,
        "ship_speed_kn": result.parameters.ship_speed_kn,
        "options": [
            {
                "rank": o.rank,
                "port": o.port,
                "locode": o.locode,
                "state": o.state,
                "responsible_state": o.responsible_state,
                "sea_distance_nm": o.sea_distance_nm,
                "eta_hours": o.eta_hours,
                "score_hours": o.score_hours,
                "lat": o.lat,
                "lon": o.lon,
                "status": o.status,
                "size_class": o.size_class,
                "route": [list(c) for c in result.routes[o.locode].coordinates],
                "route_source": NETWORK_SOURCE,
                "harbour_leg_nm": round(result.routes[o.locode].harbour_leg_nm, 2),
                "reasons": list(o.reasons),
            }
            for o in result.options
        ],
        "unreachable": [vars(u) for u in result.unreachable],
    }
