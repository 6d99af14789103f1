"""The demo's stories, one per user, written through the real functions (issue 18).

* **RSO analyst** (:func:`load_rso_story`): the region's candidate places of safety (the packaged port
  positions and the team's authored landing places, ``coordination.disembarkation.register``), the real IOM
  Missing Migrants Project Asia-Pacific incidents shipped in ``seasight/app/demo_data`` (CC BY 4.0, see its
  README), and :data:`SIMULATED_OUTCOMES` recorded outcomes of EXERCISE cases over five years and five
  states (:func:`simulated_outcomes`), each opened with ``coordination.cases.open_case(exercise=True)`` and
  recorded with ``coordination.disembarkation.store.record_outcome``, so they never enter a real statistic
  (``disembarkation_outcome_real``) and Practices shows them only as exercise figures.
* **SAR coordinator** (:func:`run_sar_story`): the exercise case from the last exercise sighting to a place
  of safety — phases, SURPIC, drift and search area, SITREPs, CAP, hand-over, disembarkation and outcome.

Everything here is SIMULATED except the IOM incidents and the port positions; each simulated record says so
in the database (``is_exercise``) and in its texts (EXERCISE). Counts of persons only, never identities.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from coordination.disembarkation.outcomes import Outcome, OutcomeKind, Reception

log = logging.getLogger("seasight.demo.stories")

DEMO_DATA = Path(__file__).with_name("demo_data")
IOM_EXTRACT = DEMO_DATA / "iom_mmp_asia_pacific_2014-2019.csv"
SIMULATED_OUTCOMES = 50
SIMULATED_SOURCE = "SIMULATED (seasight demo): not a real case"
DEMO_ACTOR = "demo-simulator"


@dataclass(frozen=True, slots=True)
class DemoRoute:
    """Where the simulated cases of one state of disembarkation were found (a point at sea, degrees)."""

    state: str  # ISO 3166-1 alpha-3
    route: str
    lat: float
    lon: float
    nationalities: tuple[str, ...]  # ISO alpha-3 of the people aboard, most frequent first


DEMO_ROUTES = (
    DemoRoute("BGD", "Bay of Bengal", 20.70, 91.60, ("MMR", "BGD")),
    DemoRoute("IDN", "Andaman Sea", 6.20, 95.60, ("MMR", "BGD")),
    DemoRoute("MYS", "Andaman Sea/Strait of Malacca", 6.10, 99.30, ("MMR", "BGD", "IDN")),
    DemoRoute("THA", "Andaman Sea", 8.30, 97.60, ("MMR", "BGD")),
    DemoRoute("LKA", "Indian Ocean", 8.70, 81.80, ("LKA", "MMR")),
)
_OUTCOME_WEIGHTS = (
    (OutcomeKind.DISEMBARKED, 70),
    (OutcomeKind.PUSHED_BACK, 10),
    (OutcomeKind.REFUSED, 8),
    (OutcomeKind.TOWED_OUT, 5),
    (OutcomeKind.STILL_AT_SEA, 7),
)
_RECEPTIONS = (Reception.COMMUNITY, Reception.SHELTER, Reception.CAMP, Reception.DETENTION)


@dataclass(frozen=True, slots=True)
class SimulatedOutcome:
    """One simulated historical case and its outcome (counts of persons; times UTC; hours, days)."""

    route: DemoRoute
    lat: float
    lon: float
    alert_at: datetime
    kind: OutcomeKind
    hours_to_outcome: float
    persons: int
    women: int
    children: int
    uasc: int
    deaths: int
    missing: int
    days_at_sea: float
    reception: Reception | None
    screened: bool | None
    consular_notification: bool | None
    pregnant_women: int
    older_persons: int
    persons_with_disabilities: int
    medical_evacuations: int
    nationalities: dict[str, int]


def simulated_outcomes(now: datetime, count: int = SIMULATED_OUTCOMES, seed: int = 18) -> list[SimulatedOutcome]:
    """``count`` reproducible simulated outcomes spread over the five years before ``now``'s year and the
    states of :data:`DEMO_ROUTES` (pure: the same ``now`` year and seed give the same list)."""
    rng = random.Random(seed)
    kinds = [k for k, _ in _OUTCOME_WEIGHTS]
    weights = [w for _, w in _OUTCOME_WEIGHTS]
    out = []
    for i in range(count):
        route = DEMO_ROUTES[i % len(DEMO_ROUTES)]
        year = now.year - 5 + (i // len(DEMO_ROUTES)) % 5
        alert_at = datetime(year, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 364 * 24 * 60))
        kind = rng.choices(kinds, weights)[0]
        persons = rng.randrange(25, 220)
        women = rng.randrange(persons // 8, persons // 3)
        children = rng.randrange(persons // 10, persons // 3)
        dead_or_missing = rng.random() < 0.3
        deaths = rng.randrange(0, max(1, persons // 15)) if dead_or_missing else 0
        missing = rng.randrange(0, max(1, persons // 20)) if dead_or_missing else 0
        main, *others = route.nationalities
        minority = rng.randrange(0, persons // 5) if others else 0
        nationalities = {main: persons - minority, **({others[0]: minority} if minority else {})}
        disembarked = kind is OutcomeKind.DISEMBARKED
        out.append(
            SimulatedOutcome(
                route=route,
                lat=route.lat + rng.uniform(-0.25, 0.25),
                lon=route.lon + rng.uniform(-0.25, 0.25),
                alert_at=alert_at,
                kind=kind,
                hours_to_outcome=round(rng.uniform(10, 240), 1),
                persons=persons,
                women=women,
                children=children,
                uasc=rng.randrange(0, children // 3 + 1),
                deaths=deaths,
                missing=missing,
                days_at_sea=round(rng.uniform(3, 45), 1),
                reception=rng.choice(_RECEPTIONS) if disembarked else None,
                screened=rng.random() < 0.7 if disembarked else None,
                consular_notification=rng.random() < 0.5 if disembarked else None,
                pregnant_women=rng.randrange(0, women // 10 + 1),
                older_persons=rng.randrange(0, persons // 25 + 1),
                persons_with_disabilities=rng.randrange(0, persons // 30 + 1),
                medical_evacuations=rng.randrange(0, 4),
                nationalities=nationalities,
            )
        )
    return out


def load_places_of_safety(conn: psycopg.Connection[Any]) -> int:
    """Register the participating states' candidate places of safety (packaged port positions and the
    authored landing places; a service session). Returns how many were added."""
    from coordination.disembarkation.register import load_packaged_ports

    return load_packaged_ports(conn, None, DEMO_ACTOR, "SYSTEM").added


def load_iom_extract(conn: psycopg.Connection[Any], path: Path = IOM_EXTRACT) -> int:
    """Import the shipped IOM MMP Asia-Pacific extract (real history, CC BY 4.0); returns the rows stored."""
    from coordination.disembarkation.iom import import_iom_file

    report = import_iom_file(conn, path, by=DEMO_ACTOR)
    return report.inserted + report.updated


DEMO_SHARING = (("THA", "case", "IDN"), ("THA", "outcome", "IDN"), ("THA", "sighting", "IDN"))
"""The exercise's neighbouring-RCC sharing: Thailand shares its cases, outcomes and sightings with Indonesia."""


def share_with_rso(owner_conn: psycopg.Connection[Any], states: list[str]) -> None:
    """The demo's (SIMULATED) sharing decisions, at full detail (migration 0073): each state of the
    simulated outcomes shares its outcomes with the RSO, so the RSO analyst's Practices page has figures;
    and :data:`DEMO_SHARING`, so Indonesia's focal point follows the exercise's cases."""
    agreements = [(state, "outcome", "RSO") for state in states] + list(DEMO_SHARING)
    with owner_conn.transaction():
        for owner, kind, recipient in agreements:
            owner_conn.execute(
                "INSERT INTO sharing_agreement (owner, record_kind, recipient, detail, acted_by) "
                "VALUES (%s, %s, %s, 'full', %s) ON CONFLICT (owner, record_kind, recipient) DO NOTHING",
                (owner, kind, recipient, DEMO_ACTOR),
            )


def record_simulated_outcomes(conn: psycopg.Connection[Any], now: datetime) -> int:
    """Open, conclude and record the outcome of each :func:`simulated_outcomes` case as an EXERCISE case,
    through the real coordination functions (a service session). Once: a database already holding simulated
    outcomes is left as it is. Returns how many were recorded."""
    from coordination.cases import OpenCaseRequest, close_case, open_case
    from coordination.disembarkation.register import list_places
    from coordination.disembarkation.store import record_outcome
    from coordination.phases import Conclusion, Phase

    done = conn.execute(
        "SELECT count(*) FROM disembarkation_outcome WHERE is_exercise AND source = %s", (SIMULATED_SOURCE,)
    ).fetchone()
    conn.rollback()
    if done and done[0]:
        return 0
    places = {r.state: [p.locode for p in list_places(conn, r.state)] for r in DEMO_ROUTES}
    rng = random.Random(180)
    recorded = 0
    for spec in simulated_outcomes(now):
        state = spec.route.state
        case = open_case(
            conn,
            OpenCaseRequest(
                lat=spec.lat,
                lon=spec.lon,
                time=spec.alert_at,
                persons=spec.persons,
                craft="wooden_boat",
                source="SIMULATED report (seasight demo)",
                casualty="EXERCISE: overcrowded boat (simulated historical case)",
                exercise=True,
                phase=Phase.DISTRESS,
                reason="EXERCISE: simulated historical case for the RSO practices story",
            ),
            by=DEMO_ACTOR,
            owner=state,
            now=spec.alert_at,
        )
        outcome_at = spec.alert_at + timedelta(hours=spec.hours_to_outcome)
        disembarked = spec.kind is OutcomeKind.DISEMBARKED
        locode = rng.choice(places[state]) if disembarked and places[state] else None
        record_outcome(
            conn,
            Outcome(
                case_id=case.id,
                outcome=spec.kind,
                state=state,
                locode=locode,
                alert_at=spec.alert_at,
                outcome_at=outcome_at,
                route=spec.route.route,
                persons_aboard=spec.persons,
                women=spec.women,
                children=spec.children,
                uasc=spec.uasc,
                deaths=spec.deaths,
                missing=spec.missing,
                nationalities=spec.nationalities,
                days_at_sea=spec.days_at_sea,
                reception=spec.reception,
                screened=spec.screened,
                consular_notification=spec.consular_notification,
                pregnant_women=spec.pregnant_women,
                older_persons=spec.older_persons,
                persons_with_disabilities=spec.persons_with_disabilities,
                medical_evacuations=spec.medical_evacuations,
                source=SIMULATED_SOURCE,
                source_quality=1,
                note="EXERCISE: simulated outcome of seasight demo",
            ),
            reason="EXERCISE: simulated outcome (seasight demo)",
            by=DEMO_ACTOR,
            owner=state,
        )
        close_case(
            conn,
            case.id,
            Conclusion.RESCUED if spec.kind is not OutcomeKind.STILL_AT_SEA else Conclusion.LOST,
            "EXERCISE: simulated historical case concluded",
            by=DEMO_ACTOR,
            now=outcome_at,
        )
        recorded += 1
    conn.commit()
    log.info("recorded %d simulated (exercise) outcomes", recorded)
    return recorded


def load_rso_story(conn: psycopg.Connection[Any], owner_conn: psycopg.Connection[Any], now: datetime) -> dict[str, int]:
    """Places of safety, the IOM extract and the simulated outcomes (see the module docstring); returns
    what was added."""
    places = load_places_of_safety(conn)
    conn.commit()
    incidents = load_iom_extract(conn)
    conn.commit()
    share_with_rso(owner_conn, [r.state for r in DEMO_ROUTES])
    outcomes = record_simulated_outcomes(conn, now)
    return {"places_of_safety": places, "iom_incidents": incidents, "simulated_outcomes": outcomes}


# ---------------------------------------------------------------------------------------------------------
# the SAR coordinator's story
# ---------------------------------------------------------------------------------------------------------

EXERCISE_OWNER = "THA"  # the exercise's coordinating state (the scenario's reporter)
RAKHINE_BOAT = 506_017_009  # ingest.simulate.ANDAMAN: leaves the Rakhine coast, then its AIS goes silent
RAKHINE_LAST_SEEN = (19.72, 92.54)  # the end of its last transmitting leg (lat, lon)


def run_sar_story(
    conn: psycopg.Connection[Any], sighting_id: str, sighting_at: datetime, now: datetime
) -> dict[str, Any]:
    """The exercise's SAR cases through the real coordination functions (a service session), once: a
    database already holding the exercise case from ``sighting_id`` is left as it is.

    1. From the aircraft's report of persons in the water (``sighting_id``, observed at ``sighting_at``):
       opened in the alert phase, raised to distress, SMC assigned, drift and search area, SURPIC and the
       nearest ship asked to assist, SITREP 1 and a CAP Alert, hand-over of coordination, rescue, ranked
       places of safety, disembarkation at the first one and its outcome, the case closed, FINAL SITREP and
       CAP Cancel — every step at its time in the scenario, all before ``now``.
    2. The boat that went silent off the Rakhine coast: an open case in the alert phase with a search area,
       a SURPIC and SITREP 1, the coordinator's work in progress.

    Returns the two case ids and what the story did."""
    from coordination.cases import (
        OpenCaseRequest,
        answer_handover,
        assign,
        case_surpic,
        change_phase,
        close_case,
        hand_over,
        issue_cap,
        issue_sitrep,
        load_case,
        open_case,
        receiving_state_in_seasight,
        record_action,
        request_assistance,
        store_search_area,
    )
    from coordination.disembarkation.ranking import RankingParameters
    from coordination.disembarkation.store import options_for_case, record_outcome
    from coordination.phases import AssistanceNeed, Conclusion, Phase

    row = conn.execute("SELECT id FROM sar_case WHERE sighting_id = %s", (sighting_id,)).fetchone()
    conn.rollback()
    if row is not None:
        return {"case": int(row[0]), "already": True}
    by = DEMO_ACTOR
    t = sighting_at + timedelta(minutes=5)

    def at(minutes: float) -> datetime:
        return min(t + timedelta(minutes=minutes), now)

    case = open_case(
        conn,
        OpenCaseRequest(
            sighting_id=sighting_id,
            craft="wooden_boat",
            exercise=True,
            phase=Phase.ALERT,
            reason="EXERCISE: patrol aircraft reports persons in the water (simulated)",
        ),
        by=by,
        owner=EXERCISE_OWNER,
        now=at(0),
    )
    cid = case.id
    for action in ("alert_sar_units", "broadcast_to_shipping"):
        record_action(conn, cid, action, by=by, now=at(1), note="EXERCISE")
    # SURPIC from the latest AIS picture: the story is written when the demo starts (``now``), its events
    # dated back in the scenario's timeline, and the latest states are those of ``now``.
    _, ships = case_surpic(conn, cid, now)
    record_action(conn, cid, "surpic", by=by, now=at(1), note=f"EXERCISE: {len(ships)} ships within reach")
    change_phase(conn, cid, Phase.DISTRESS, "EXERCISE: persons in the water, boat taking water", by=by, now=at(2))
    assign(conn, cid, "SMC", "EXERCISE duty SMC, MRCC Thailand", by=by, now=at(3))
    for action in ("distress_relay", "dispatch_sar_facilities"):
        record_action(conn, cid, action, by=by, now=at(4), note="EXERCISE")
    store_search_area(
        conn,
        cid,
        wind_from_deg=225.0,
        wind_kn=15.0,
        current_set_deg=90.0,
        current_drift_kn=0.5,
        by=by,
        now=at(6),
    )
    _, ships = case_surpic(conn, cid, now)  # around the datum now that the search area is computed
    helper = ships[0] if ships else None
    if helper is not None:
        request_assistance(
            conn,
            cid,
            AssistanceNeed.RESCUE,
            by=by,
            now=at(9),
            detail=f"EXERCISE: divert to the datum, ETA {helper.eta_hours or 0:.1f} h",
            asked_of=f"{helper.name or 'MMSI'} ({helper.mmsi})",
        )
        assign(conn, cid, "OSC", f"EXERCISE: master of {helper.name or helper.mmsi}", by=by, now=at(9))
        record_action(conn, cid, "designate_osc", by=by, now=at(9), note="EXERCISE")
    issue_sitrep(conn, cid, by=by, now=at(10), to=["MRCC Thailand", "BASARNAS Jakarta"])
    issue_cap(conn, cid, by=by, now=at(11))
    record = load_case(conn, cid)
    if (record.rcc.rcc_country if record.rcc else None) != "IDN":
        to_country, to_name = "IDN", "BASARNAS Jakarta (EXERCISE)"
    else:
        to_country, to_name = "THA", "MRCC Thailand (EXERCISE)"
    in_seasight = receiving_state_in_seasight(conn, to_country)
    hand_over(
        conn,
        cid,
        None,
        "EXERCISE: the rescue ship is bound for the receiving state's SRR",
        by=by,
        now=at(30),
        accepted_by="" if in_seasight else "EXERCISE duty SMC",
        to_rcc_name=to_name,
        to_country=to_country,
    )
    if in_seasight:
        answer_handover(conn, cid, True, to_country, by=f"demo-{to_country.lower()}-coordinator", now=at(35))
    options = options_for_case(conn, cid, RankingParameters())
    place = options.options[0] if options.options else None
    persons = load_case(conn, cid).persons or 180
    rescued_at = at(90)
    disembarked_at = rescued_at + timedelta(hours=place.eta_hours) if place else None
    disembarked_at = min(disembarked_at, now) if disembarked_at else None
    outcome = Outcome(
        case_id=cid,
        outcome=OutcomeKind.DISEMBARKED if place else OutcomeKind.STILL_AT_SEA,
        state=place.state if place else None,
        locode=place.locode if place else None,
        outcome_at=disembarked_at,
        route="Andaman Sea",
        persons_aboard=persons,
        women=persons // 5,
        children=persons // 4,
        uasc=persons // 20,
        deaths=2,
        missing=3,
        nationalities={"MMR": persons - 12, "BGD": 12},
        days_at_sea=9.0,
        reception=Reception.SHELTER if place else None,
        screened=True if place else None,
        consular_notification=True if place else None,
        medical_evacuations=2,
        source="EXERCISE (seasight demo): simulated rescue",
        source_quality=1,
        note="EXERCISE: the rescue ship landed the survivors at the first ranked place of safety",
    )
    owner = load_case(conn, cid).owner
    record_outcome(conn, outcome, reason="EXERCISE: first report from the rescue ship", by=by, owner=owner)
    close_case(conn, cid, Conclusion.RESCUED, "EXERCISE: survivors rescued and landed", by=by, now=at(95))
    issue_sitrep(conn, cid, by=by, now=at(96), to=["MRCC Thailand", "BASARNAS Jakarta"])
    issue_cap(conn, cid, by=by, now=at(97))
    conn.commit()

    open_case_id = _open_rakhine_case(conn, now)
    log.info(
        "SAR story: exercise case %d concluded at %s; open case %s", cid, place.locode if place else "-", open_case_id
    )
    return {"case": cid, "open_case": open_case_id, "place_of_safety": place.locode if place else None}


def _open_rakhine_case(conn: psycopg.Connection[Any], now: datetime) -> int:
    """The open exercise case about the boat that went silent off the Rakhine coast (alert phase)."""
    from coordination.cases import (
        OpenCaseRequest,
        case_surpic,
        issue_sitrep,
        open_case,
        record_action,
        store_search_area,
    )
    from coordination.phases import Phase

    by = DEMO_ACTOR
    case = open_case(
        conn,
        OpenCaseRequest(
            mmsi=RAKHINE_BOAT,
            lat=RAKHINE_LAST_SEEN[0],
            lon=RAKHINE_LAST_SEEN[1],
            persons=90,
            craft="wooden_boat",
            exercise=True,
            phase=Phase.ALERT,
            reason="EXERCISE: boat left the Rakhine coast with people aboard and its AIS went silent",
        ),
        by=by,
        owner=EXERCISE_OWNER,
        now=now,
    )
    record_action(conn, case.id, "expand_enquiries", by=by, now=now, note="EXERCISE: no answer on VHF")
    store_search_area(
        conn, case.id, wind_from_deg=200.0, wind_kn=12.0, current_set_deg=150.0, current_drift_kn=0.4, by=by, now=now
    )
    case_surpic(conn, case.id, now)
    record_action(conn, case.id, "surpic", by=by, now=now, note="EXERCISE")
    issue_sitrep(conn, case.id, by=by, now=now, to=["MRCC Thailand", "RCC Bangladesh"])
    conn.commit()
    from coordination.disembarkation.store import record_outcome

    record_outcome(  # what is known so far: the people are still at sea (UNHCR's monitoring category)
        conn,
        Outcome(
            case_id=case.id,
            outcome=OutcomeKind.STILL_AT_SEA,
            route="Bay of Bengal",
            persons_aboard=90,
            source="EXERCISE (seasight demo): simulated report",
            source_quality=1,
            note="EXERCISE: boat not found yet; people believed still at sea",
        ),
        reason="EXERCISE: status while the search goes on",
        by=by,
        owner=EXERCISE_OWNER,
    )
    conn.commit()
    return case.id
