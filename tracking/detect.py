"""Run the detection rules over recent windows from PostGIS and store their flags as versioned events.

Three layers, I/O only at the edges:

1. :func:`load_input` reads one time range from PostGIS (positions → :class:`TrackWindow` per MMSI, active
   zones, sightings, latest identities from ``vessel``, ports as anchorages, the active watchlist).
2. :func:`evaluate` is pure: it runs every rule of :mod:`tracking.rules` with the parameters of a
   :class:`RuleSet` and returns :class:`Flag` records. Distance to shore and to the nearest anchorage are
   injected callables.
3. :func:`store_flags` writes them in the caller's transaction, idempotently:

   * a flag whose natural key (rule, subject, window start — migration 0001) exists is *updated* only when
     its content (severity, score, end, summary, evidence, parameters, rule version) changed;
   * an event that continues one already stored (same rule and subject, starting at or before the stored
     one's end; for encounters also the same other vessel) updates that flag instead of opening a new
     one, so a sliding window does not repeat long events;
   * an open or acknowledged flag of an evaluated rule and vessel, starting inside the evaluated range, that
     the rules no longer produce is *withdrawn* (late data showed it no longer holds) — except distress
     flags, which only a person closes;
   * every change adds a row to ``flag_version`` (raised / updated / withdrawn / reraised, with the reason);
     evaluating the same data again changes nothing.

Side-effect order: the caller commits the transaction; publishing to ``seasight.flag`` (not done here)
must happen after that commit, from the returned :class:`StoreResult`.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg
import shapely
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from seasight.db import connect
from seasight.settings import Settings
from tracking.feed_health import store_feed_outages
from tracking.rules import appeared_dark as appeared_rule
from tracking.rules import distress as distress_rule
from tracking.rules import encounter as encounter_rule
from tracking.rules import identity as identity_rule
from tracking.rules import loitering as loitering_rule
from tracking.rules import motion as motion_rule
from tracking.rules import people_at_risk as people_rule
from tracking.rules import reachability as reach_rule
from tracking.rules import unidentified as unidentified_rule
from tracking.rules import went_dark as went_dark_rule
from tracking.rules import zone_events as zone_rule
from tracking.rules.cooldown import CooldownParameters, PriorFlag, event_identity, repeat_of
from tracking.rules.feeds import FeedTimeline
from tracking.rules.geo import METRES_PER_NM, degree_box, distance_m, lon_difference_deg
from tracking.rules.model import (
    Contact,
    DistanceToShore,
    Flag,
    IdentityReport,
    SafetyText,
    Severity,
    SubjectKind,
    TrackPoint,
    TrackWindow,
    Zone,
)
from tracking.rules.watchlist import WatchlistEntry, WatchlistParameters, watchlist

logger = logging.getLogger(__name__)

#: Rules evaluated by :func:`evaluate` (flags of other rules are never withdrawn by :func:`store_flags`).
EVALUATED_RULES = frozenset(
    {
        went_dark_rule.RULE_ID,
        appeared_rule.RULE_ID,
        loitering_rule.LOITERING_ID,
        loitering_rule.DRIFTING_ID,
        encounter_rule.ENCOUNTER_ID,
        encounter_rule.CONTACT_ID,
        zone_rule.ENTERED_WATCH_ZONE_ID,
        zone_rule.REACHED_DEPARTURE_AREA_ID,
        zone_rule.APPROACHING_DESTINATION_ID,
        identity_rule.IMPOSSIBLE_SPEED_ID,
        identity_rule.TWO_PLACES_ID,
        identity_rule.INVALID_MMSI_ID,
        identity_rule.IDENTITY_CHANGE_ID,
        identity_rule.FLAG_CHANGE_ID,
        motion_rule.RULE_ID,
        "watchlist",
        distress_rule.RULE_ID,
        distress_rule.TEST_RULE_ID,
        distress_rule.URGENCY_ID,
        distress_rule.STATUS_ID,
        reach_rule.RULE_ID,
        unidentified_rule.UNIDENTIFIED_ID,
        unidentified_rule.MATCHED_ID,
        people_rule.RULE_ID,
    }
)
#: Rules whose events last (a later window sees the same event from a later first report).
CONTINUING_RULES = frozenset(
    {
        loitering_rule.LOITERING_ID,
        loitering_rule.DRIFTING_ID,
        encounter_rule.ENCOUNTER_ID,
        identity_rule.TWO_PLACES_ID,
        identity_rule.INVALID_MMSI_ID,
        identity_rule.IDENTITY_CHANGE_ID,
        identity_rule.FLAG_CHANGE_ID,
        motion_rule.RULE_ID,
        "watchlist",
        distress_rule.RULE_ID,
        distress_rule.TEST_RULE_ID,
        distress_rule.URGENCY_ID,
        distress_rule.STATUS_ID,
    }
)
#: Flags of these rules are never withdrawn automatically: a person closes them.
NEVER_WITHDRAWN = frozenset({distress_rule.RULE_ID, distress_rule.URGENCY_ID, people_rule.RULE_ID})
#: How far after a stored event's end a new one still continues it.
CONTINUATION_TOLERANCE = timedelta(hours=1)

DistanceToAnchorage = Callable[[float, float], float]


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The parameters of every rule (defaults: the documented public thresholds)."""

    went_dark: went_dark_rule.WentDarkParameters = field(default_factory=went_dark_rule.WentDarkParameters)
    appeared_dark: appeared_rule.AppearedDarkParameters = field(default_factory=appeared_rule.AppearedDarkParameters)
    loitering: loitering_rule.LoiteringParameters = field(default_factory=loitering_rule.LoiteringParameters)
    drifting: loitering_rule.DriftingParameters = field(default_factory=loitering_rule.DriftingParameters)
    encounter: encounter_rule.EncounterParameters = field(default_factory=encounter_rule.EncounterParameters)
    contact_encounter: encounter_rule.ContactEncounterParameters = field(
        default_factory=encounter_rule.ContactEncounterParameters
    )
    zones: zone_rule.ZoneEventParameters = field(default_factory=zone_rule.ZoneEventParameters)
    spoofing: identity_rule.SpoofingParameters = field(default_factory=identity_rule.SpoofingParameters)
    motion: motion_rule.MotionParameters = field(default_factory=motion_rule.MotionParameters)
    identity: identity_rule.IdentityChangeParameters = field(default_factory=identity_rule.IdentityChangeParameters)
    watchlist: WatchlistParameters = field(default_factory=WatchlistParameters)
    distress: distress_rule.DistressParameters = field(default_factory=distress_rule.DistressParameters)
    reachability: reach_rule.ReachabilityParameters = field(default_factory=reach_rule.ReachabilityParameters)
    unidentified: unidentified_rule.UnidentifiedCraftParameters = field(
        default_factory=unidentified_rule.UnidentifiedCraftParameters
    )
    people_at_risk: people_rule.PeopleAtRiskParameters = field(default_factory=people_rule.PeopleAtRiskParameters)
    #: not a rule: applied where flags are stored (:func:`store_flags`)
    cooldown: CooldownParameters = field(default_factory=CooldownParameters)


@dataclass(frozen=True, slots=True)
class DetectionInput:
    """Everything the rules look at for one evaluated range ``[start, end]``."""

    start: datetime
    end: datetime
    windows: tuple[TrackWindow, ...]
    zones: tuple[Zone, ...] = ()
    contacts: tuple[Contact, ...] = ()
    identities: Mapping[int, IdentityReport] = field(default_factory=dict)
    identity_history: tuple[IdentityReport, ...] = ()
    texts: tuple[SafetyText, ...] = ()
    watchlist: tuple[WatchlistEntry, ...] = ()
    #: State coasts (``Zone`` of kind ``coast`` with ``state``) near silent vessels, for rule 8.
    coasts: tuple[Zone, ...] = ()
    #: Watermarks and outages of every feed; built from the windows' reports when not given.
    feeds: FeedTimeline | None = None


# --------------------------------------------------------------------------------------------------- pure


def evaluate(
    data: DetectionInput,
    rules: RuleSet,
    *,
    distance_to_shore: DistanceToShore,
    distance_to_anchorage_km: DistanceToAnchorage | None = None,
    subjects: Collection[int] | None = None,
) -> list[Flag]:
    """Run every rule over ``data``; pure (no I/O, no clock).

    ``subjects`` (the streaming stage): only these MMSIs are evaluated; the other windows are their
    neighbours, read for coverage and as the other party of encounters, and raise nothing of their own."""
    only = None if subjects is None else frozenset(subjects)
    flags = _evaluate(data, rules, distance_to_shore, distance_to_anchorage_km, only)
    if only is None:
        return flags
    return [
        f
        for f in flags
        if f.subject_kind is SubjectKind.CONTACT or f.mmsi in only or f.evidence.get("other_mmsi") in only
    ]


def _evaluate(
    data: DetectionInput,
    rules: RuleSet,
    distance_to_shore: DistanceToShore,
    distance_to_anchorage_km: DistanceToAnchorage | None,
    only: frozenset[int] | None,
) -> list[Flag]:
    flags: list[Flag] = []
    coverage = went_dark_rule.CoverageIndex(p for w in data.windows for p in w.points)
    feeds = data.feeds or FeedTimeline.from_points(p for w in data.windows for p in w.points)
    texts_by_mmsi: dict[int, list[SafetyText]] = defaultdict(list)
    for t in data.texts:
        texts_by_mmsi[t.mmsi].append(t)
    history_by_mmsi: dict[int, list[IdentityReport]] = defaultdict(list)
    for r in data.identity_history:
        history_by_mmsi[r.mmsi].append(r)

    for w in data.windows:
        if (not w.points and w.before is None) or (only is not None and w.mmsi not in only):
            continue
        gaps = went_dark_rule.find_gaps(w, rules.went_dark, feeds)
        if gaps:
            flags += went_dark_rule.went_dark(
                w,
                rules.went_dark,
                distance_to_shore=distance_to_shore,
                watch_zones=[z for z in data.zones if z.kind in zone_rule.WATCH_KINDS],
                others=coverage,
                feeds=feeds,
            )
        if not w.points:
            continue  # silent throughout the window, last heard before it: only its gap is judged
        flags += appeared_rule.appeared_dark(
            w, rules.appeared_dark, distance_to_shore=distance_to_shore, others=coverage, feeds=feeds
        )
        flags += loitering_rule.loitering(w, rules.loitering, distance_to_shore=distance_to_shore)
        flags += loitering_rule.drifting(w, rules.drifting)
        flags += zone_rule.zone_events(w, data.zones, rules.zones, data.identities.get(w.mmsi))
        flags += identity_rule.position_jumps(w, rules.spoofing)
        flags += motion_rule.reported_motion_mismatch(w, rules.motion)
        flags += identity_rule.invalid_mmsi(w)
        flags += distress_rule.distress(
            w, rules.distress, texts=texts_by_mmsi.get(w.mmsi, ()), distance_to_shore=distance_to_shore
        )
        if w.mmsi in history_by_mmsi:
            flags += identity_rule.identity_changes(w.mmsi, history_by_mmsi[w.mmsi], rules.identity)
        if data.watchlist:
            last = w.points[-1]
            flags += watchlist(
                w.mmsi,
                data.identities.get(w.mmsi),
                data.watchlist,
                rules.watchlist,
                seen_at=w.points[0].observed_at,
                lat=last.lat,
                lon=last.lon,
            )

    with_positions = {w.mmsi for w in data.windows if w.points}
    for mmsi, texts in sorted(texts_by_mmsi.items()):
        if mmsi not in with_positions and (only is None or mmsi in only):
            silent = TrackWindow(mmsi=mmsi, start=data.start, end=data.end, points=())
            flags += distress_rule.distress(silent, rules.distress, texts=texts)

    flags += encounter_rule.find_encounters(
        data.windows, rules.encounter, distance_to_anchorage_km=distance_to_anchorage_km
    )
    flags += _contact_encounters(data, rules.contact_encounter)
    seen_mmsis = {w.mmsi for w in data.windows} if only is None else set(only)
    flags += [
        f
        for f in identity_rule.flag_changes([*data.identities.values(), *data.identity_history])
        if f.mmsi in seen_mmsis
    ]
    flags += _reachability(data, rules.reachability, flags, distance_to_shore)
    for c in data.contacts:
        flags += unidentified_rule.unidentified_craft(
            c, _windows_near(data.windows, c, rules.unidentified), rules.unidentified
        )
        flags += people_rule.people_at_risk(c, rules.people_at_risk)
    return _one_per_natural_key(flags)


def _reachability(
    data: DetectionInput,
    params: reach_rule.ReachabilityParameters,
    flags: Sequence[Flag],
    distance_to_shore: DistanceToShore,
) -> list[Flag]:
    """Rule 8 for every vessel with an ongoing went-dark flag (the rule decides whether it is of concern)."""
    by_mmsi: dict[int, list[Flag]] = defaultdict(list)
    for f in flags:
        if f.mmsi is not None and f.subject_kind is SubjectKind.VESSEL:
            by_mmsi[f.mmsi].append(f)
    out: list[Flag] = []
    for w in data.windows:
        own = by_mmsi.get(w.mmsi, [])
        ongoing = [f for f in own if f.rule_id == went_dark_rule.RULE_ID and f.evidence.get("ongoing")]
        if ongoing and w.points:
            # Event time: the vessel has been silent up to its feed's watermark (the gap's end), not the
            # evaluation's end.
            silent_to = max(f.window_end for f in ongoing)
            upto = dataclasses.replace(w, end=min(w.end, max(silent_to, w.points[-1].observed_at)))
            out += reach_rule.reachability(
                upto, own, params, zones=data.zones, coasts=data.coasts, distance_to_shore=distance_to_shore
            )
    return out


def _windows_near(
    windows: Sequence[TrackWindow], c: Contact, params: unidentified_rule.UnidentifiedCraftParameters
) -> list[TrackWindow]:
    """Windows with a fix within the rule's time window of the sighting and a few tens of nm of it (a cheap
    prefilter; the rule itself measures)."""
    span = timedelta(minutes=params.time_window_min)
    # conservative degree box (any latitude, across 180): the radius plus 30 nm of travel margin
    reach_nm = max(params.correlation_radius_nm + c.uncertainty_nm, params.nearby_report_nm) + 30
    dlat, dlon = degree_box(c.lat, reach_nm * METRES_PER_NM)
    out = []
    for w in windows:
        if (
            not w.points
            or w.points[0].observed_at - span > c.observed_at
            or w.points[-1].observed_at + span < c.observed_at
        ):
            continue
        if any(
            abs(p.observed_at - c.observed_at) <= span
            and abs(p.lat - c.lat) <= dlat
            and lon_difference_deg(p.lon, c.lon) <= dlon
            for p in w.points
        ):
            out.append(w)
    return out


def _contact_encounters(data: DetectionInput, params: encounter_rule.ContactEncounterParameters) -> list[Flag]:
    flags: list[Flag] = []
    offset = timedelta(minutes=params.max_time_offset_min)
    for c in data.contacts:
        if c.ais_seen == "yes":
            continue
        # conservative degree box (any latitude, across 180): the distance, the uncertainty and 30 nm of travel
        reach_m = params.max_distance_m + (c.uncertainty_nm + 30) * METRES_PER_NM
        dlat, dlon = degree_box(c.lat, reach_m)
        for w in data.windows:
            if (
                not w.points
                or w.points[0].observed_at - offset > c.observed_at
                or w.points[-1].observed_at + offset < c.observed_at
            ):
                continue
            if not any(abs(p.lat - c.lat) <= dlat and lon_difference_deg(p.lon, c.lon) <= dlon for p in w.points):
                continue
            flags += encounter_rule.contact_encounter(w, c, params)
    return flags


def natural_key(f: Flag) -> tuple[str, str, int | None, str | None, datetime]:
    """The natural key of table ``flag`` (migration 0001)."""
    return (f.rule_id, f.subject_kind.value, f.mmsi, f.sighting_id, f.window_start)


def _one_per_natural_key(flags: Sequence[Flag]) -> list[Flag]:
    """Keep the strongest flag where two share a natural key (e.g. encounters with two vessels that begin
    at the same report)."""
    best: dict[tuple[Any, ...], Flag] = {}
    for f in flags:
        key = natural_key(f)
        kept = best.get(key)
        if kept is None or (f.severity, f.score) > (kept.severity, kept.score):
            if kept is not None:
                logger.info("flag %s %s: two events share a natural key; keeping the stronger", *key[:3])
            best[key] = f
    return list(best.values())


def nearest_port_km(ports: Sequence[tuple[float, float]]) -> DistanceToAnchorage:
    """A distance-to-nearest-port function (km) over (lat, lon) points, for the encounter rule's
    anchorage test. Ports farther than about 2° are not searched (the answer is then 'far': 500 km)."""
    ordered = sorted(ports)
    lats = [p[0] for p in ordered]

    def distance(lat: float, lon: float) -> float:
        lo, hi = bisect.bisect_left(lats, lat - 2.0), bisect.bisect_right(lats, lat + 2.0)
        best = 500.0
        for plat, plon in ordered[lo:hi]:
            if lon_difference_deg(plon, lon) <= 3.0:
                best = min(best, distance_m(lat, lon, plat, plon) / 1000.0)
        return best

    return distance


# --------------------------------------------------------------------------------------------------- I/O


def load_contacts(conn: psycopg.Connection[Any], start: datetime, end: datetime | None = None) -> tuple[Contact, ...]:
    """The sightings observed from ``start`` (to ``end``, when given) as the rules' contacts: the one query
    of table ``sighting`` for the periodic detector and the streaming stage alike."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            """SELECT id::text AS sighting_id, observed_at, ST_Y(geom) AS lat, ST_X(geom) AS lon, uncertainty_nm,
                      source_type, craft_type, persons_estimated, conditions, ais_seen
               FROM sighting WHERE observed_at >= %s AND (%s::timestamptz IS NULL OR observed_at <= %s)""",
            (start, end, end),
        ).fetchall()
    return tuple(Contact(**{**r, "conditions": tuple(r["conditions"] or ())}) for r in rows)


def load_input(
    conn: psycopg.Connection[Any], start: datetime, end: datetime, max_silence: timedelta | None = None
) -> DetectionInput:
    """Read the evaluated range from PostGIS (positions, zones, sightings, identities, watchlist).

    ``max_silence`` (default ``WentDarkParameters.max_silence_h``): each window also gets the vessel's last
    report before ``start`` (:attr:`TrackWindow.before`), and a vessel silent throughout the range but last
    heard (``vessel_state``) within ``max_silence`` of ``end`` gets a window of that report alone — so a
    silence longer than the range is seen whole in one round (:func:`load_reports_before`)."""
    windows: list[TrackWindow] = []
    with conn.cursor() as cur:
        cur.execute(
            """SELECT mmsi, observed_at, ST_Y(geom), ST_X(geom), sog_kn, cog_deg, heading_deg, nav_status,
                      msg_type, station
               FROM position WHERE observed_at >= %s AND observed_at <= %s ORDER BY mmsi, observed_at""",
            (start, end),
        )
        current: list[TrackPoint] = []
        for row in cur:
            p = TrackPoint(
                mmsi=row[0],
                observed_at=row[1],
                lat=row[2],
                lon=row[3],
                sog_kn=row[4],
                cog_deg=row[5],
                heading_deg=row[6],
                nav_status=row[7],
                msg_type=row[8],
                station=row[9],
            )
            if current and current[-1].mmsi != p.mmsi:
                windows.append(TrackWindow(current[0].mmsi, start, end, tuple(current)))
                current = []
            current.append(p)
        if current:
            windows.append(TrackWindow(current[0].mmsi, start, end, tuple(current)))

        cur.execute("SELECT id, name, kind, reason, ST_AsBinary(geom) FROM zone WHERE active")
        zones = tuple(
            Zone(zone_id=r[0], name=r[1], kind=r[2], reason=r[3], geometry=shapely.from_wkb(r[4]))
            for r in cur.fetchall()
        )

        contacts = load_contacts(conn, start, end)

        mmsis = [w.mmsi for w in windows]
        cur.execute(
            """SELECT mmsi, coalesce(static_at, first_seen_at), name, callsign, imo, ship_type, destination
               FROM vessel WHERE mmsi = ANY(%s) OR imo IN (SELECT imo FROM vessel WHERE mmsi = ANY(%s))""",
            (mmsis, mmsis),
        )
        identities = {
            r[0]: IdentityReport(
                mmsi=r[0],
                observed_at=r[1],
                name=r[2],
                callsign=r[3],
                imo=r[4],
                ship_type=r[5],
                destination=r[6],
            )
            for r in cur.fetchall()
        }

        cur.execute("SELECT id, reason, owner, mmsi, imo, callsign, name FROM watchlist_entry WHERE active")
        entries = tuple(
            WatchlistEntry(entry_id=r[0], reason=r[1], owner=r[2], mmsi=r[3], imo=r[4], callsign=r[5], name=r[6])
            for r in cur.fetchall()
        )
        # Safety broadcasts (message 14) and identity changes, kept by the tracker (migration 0002).
        cur.execute(
            """SELECT mmsi, observed_at, text, ST_Y(geom), ST_X(geom), msg_type FROM safety_broadcast
               WHERE observed_at >= %s AND observed_at <= %s ORDER BY observed_at""",
            (start, end),
        )
        texts = tuple(
            SafetyText(mmsi=r[0], observed_at=r[1], text=r[2], lat=r[3], lon=r[4], msg_type=r[5])
            for r in cur.fetchall()
        )
        cur.execute(
            """SELECT mmsi, observed_at, field, old_value, new_value FROM vessel_identity_change
               WHERE observed_at >= %s AND observed_at <= %s AND field IN ('name', 'callsign', 'imo')
               ORDER BY mmsi, observed_at""",
            (start, end),
        )
        history = tuple(r for row in cur.fetchall() for r in identity_reports_from_change(*row))
    silence = (
        max_silence if max_silence is not None else timedelta(hours=went_dark_rule.WentDarkParameters().max_silence_h)
    )
    windows = with_reports_before(conn, windows, start, end, silence)
    coasts = load_coasts(conn, [w for w in windows if w.points], end)
    feeds = FeedTimeline.from_points(p for w in windows for p in w.points)
    return DetectionInput(
        start=start,
        end=end,
        windows=tuple(windows),
        zones=zones,
        contacts=contacts,
        identities=identities,
        identity_history=history,
        texts=texts,
        watchlist=entries,
        coasts=coasts,
        feeds=feeds,
    )


_POSITION_COLUMNS = """observed_at, ST_Y(geom), ST_X(geom), sog_kn, cog_deg, heading_deg, nav_status, msg_type,
                       station"""


def load_reports_before(
    conn: psycopg.Connection[Any], firsts: Mapping[int, datetime], since: datetime
) -> dict[int, TrackPoint]:
    """The last stored report of each MMSI strictly before the given time and not before ``since`` (one
    index probe per MMSI on the key of table ``position``)."""
    if not firsts:
        return {}
    mmsis = sorted(firsts)
    rows = conn.execute(
        f"""SELECT t.mmsi, p.* FROM unnest(%s::integer[], %s::timestamptz[]) AS t(mmsi, first_at)
            CROSS JOIN LATERAL (
                SELECT {_POSITION_COLUMNS} FROM position
                WHERE mmsi = t.mmsi AND observed_at < t.first_at AND observed_at >= %s
                ORDER BY observed_at DESC LIMIT 1) p""",
        (mmsis, [firsts[m] for m in mmsis], since),
    ).fetchall()
    return {r[0]: TrackPoint(r[0], *r[1:]) for r in rows}


def with_reports_before(
    conn: psycopg.Connection[Any], windows: Sequence[TrackWindow], start: datetime, end: datetime, silence: timedelta
) -> list[TrackWindow]:
    """``windows`` with each vessel's last report before the range (within ``silence`` of ``end``), plus a
    window of that report alone for each vessel last heard (``vessel_state``) in ``[end - silence, start)``."""
    since = end - silence
    before = load_reports_before(conn, {w.mmsi: w.points[0].observed_at for w in windows if w.points}, since)
    out = [dataclasses.replace(w, before=before[w.mmsi]) if w.mmsi in before else w for w in windows]
    heard = {w.mmsi for w in windows}
    rows = conn.execute(
        f"""SELECT mmsi, {_POSITION_COLUMNS} FROM vessel_state
            WHERE observed_at >= %s AND observed_at < %s ORDER BY mmsi""",
        (since, start),
    ).fetchall()
    for r in rows:
        if r[0] not in heard:
            out.append(TrackWindow(r[0], start, end, (), before=TrackPoint(r[0], *r[1:])))
    return out


#: Rule 8 looks for coasts only around vessels silent at least this long at the evaluated end (the lowest
#: ``WentDarkParameters.min_gap_h`` allowed), and within this many degrees of their last report (about
#: 48 h at 12 kn; ``ReachabilityParameters.horizon_h`` caps the reach).
COAST_SILENT_AFTER = timedelta(minutes=15)
COAST_SEARCH_DEG = 10.0
#: Simplification tolerance of the state polygons (degrees, about 0.5 nm): coast distances to the nm.
COAST_SIMPLIFY_DEG = 0.01


def load_coasts(conn: psycopg.Connection[Any], windows: Sequence[TrackWindow], end: datetime) -> tuple[Zone, ...]:
    """State polygons (table ``state``, e.g. Natural Earth countries) near vessels silent at ``end``, as
    :class:`Zone` records of kind ``coast`` (``state`` = ISO alpha-2, else alpha-3) for rule 8. Empty when
    no state layer is loaded or no vessel is silent."""
    silent = [w.points[-1] for w in windows if w.points and end - w.points[-1].observed_at >= COAST_SILENT_AFTER]
    if not silent:
        return ()
    west, east = min(p.lon for p in silent), max(p.lon for p in silent)
    south, north = min(p.lat for p in silent), max(p.lat for p in silent)
    rows = conn.execute(
        """SELECT iso3, coalesce(iso2, iso3), name, ST_AsBinary(ST_SimplifyPreserveTopology(geom, %s))
             FROM state WHERE geom && ST_Expand(ST_MakeEnvelope(%s, %s, %s, %s, 4326), %s) ORDER BY iso3""",
        (COAST_SIMPLIFY_DEG, west, south, east, north, COAST_SEARCH_DEG),
    ).fetchall()
    return tuple(
        Zone(
            zone_id=k,
            name=r[2],
            kind=reach_rule.COAST_KIND,
            geometry=shapely.from_wkb(bytes(r[3])),
            state=r[1],
            reason=f"coast of {r[2]} (table state)",
        )
        for k, r in enumerate(rows)
    )


def identity_reports_from_change(
    mmsi: int, observed_at: datetime, field_name: str, old: str | None, new: str | None
) -> list[IdentityReport]:
    """One stored identity change (table ``vessel_identity_change``) as the two identity reports either
    side of it (the old value a microsecond before, the new one at the change), which is what
    :func:`tracking.rules.identity.identity_changes` compares. A first value (no old one) is no change."""
    if old is None or new is None:
        return []

    def report(value: str, at: datetime) -> IdentityReport:
        if field_name == "imo":
            return IdentityReport(mmsi=mmsi, observed_at=at, imo=int(value) if value.isdigit() else None)
        if field_name == "callsign":
            return IdentityReport(mmsi=mmsi, observed_at=at, callsign=value)
        return IdentityReport(mmsi=mmsi, observed_at=at, name=value)

    return [report(old, observed_at - timedelta(microseconds=1)), report(new, observed_at)]


def load_ports(conn: psycopg.Connection[Any]) -> list[tuple[float, float]]:
    with conn.cursor() as cur:
        cur.execute("SELECT ST_Y(geom), ST_X(geom) FROM port")
        return [(r[0], r[1]) for r in cur.fetchall()]


@dataclass(frozen=True, slots=True)
class StoredChange:
    flag_id: int
    version: int
    action: str
    flag: Flag | None  # None for a withdrawal


@dataclass(frozen=True, slots=True)
class StoreResult:
    raised: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    reraised: int = 0
    changes: tuple[StoredChange, ...] = ()


def _json(value: Mapping[str, Any]) -> Any:
    """The value as PostgreSQL will give it back from jsonb (for change detection)."""
    return json.loads(json.dumps(value, default=str))


@dataclass
class _Stored:
    id: int
    rule_id: str
    mmsi: int | None
    sighting_id: str | None
    window_start: datetime
    window_end: datetime
    status: str
    version: int
    content: tuple[Any, ...]
    other_mmsi: Any
    subject_kind: str = "vessel"
    severity: str = "info"
    identity: tuple[Any, ...] = ()
    repeats: int = 0
    last_seen_at: datetime | None = None
    repeat_starts: set[datetime] = field(default_factory=set)

    def prior(self) -> PriorFlag:
        return PriorFlag(
            flag_id=self.id,
            rule_id=self.rule_id,
            subject=(self.subject_kind, self.mmsi, self.sighting_id),
            identity=self.identity,
            severity=Severity[self.severity.upper()],
            status=self.status,
            window_start=self.window_start,
            last_seen=max(self.window_end, self.last_seen_at or self.window_end),
            repeat_starts=frozenset(self.repeat_starts),
        )


def _content(
    rule_version: int,
    severity: str,
    score: float,
    window_end: datetime,
    summary: str,
    evidence: Any,
    parameters: Any,
) -> tuple[Any, ...]:
    return (rule_version, severity, round(float(score), 4), window_end, summary, evidence, parameters)


def store_flags(
    conn: psycopg.Connection[Any],
    flags: Sequence[Flag],
    *,
    start: datetime,
    end: datetime,
    evaluated_mmsis: Iterable[int],
    evaluated_rules: Iterable[str] = EVALUATED_RULES,
    evaluated_sightings: Iterable[str] = (),
    cooldown: CooldownParameters | None = None,
) -> StoreResult:
    """Write ``flags`` as versioned events inside the caller's transaction (see the module docstring).
    Contact flags (rules 9, 10) are matched by their natural key among the stored flags of
    ``evaluated_sightings`` (and of the flags' own sightings), and withdrawn like vessel flags.

    ``cooldown`` (default: the declared defaults; ``RuleSet.cooldown`` from the thresholds file): a new
    event that repeats a stored one of the same rule, subject and event within the rule's cooldown
    (:func:`tracking.rules.cooldown.repeat_of`) is not raised: the stored flag's ``repeats``,
    ``last_seen_at`` and ``repeat_starts`` (migration 0140) are updated, with a ``flag_version`` row
    (action ``updated``, reason ``repeat N within the cooldown``) holding the repeat's own evidence."""
    cooldown = cooldown or CooldownParameters()
    rules = sorted(set(evaluated_rules))
    mmsis = sorted(set(evaluated_mmsis) | {f.mmsi for f in flags if f.mmsi is not None})
    sightings = sorted(
        set(evaluated_sightings)
        | {f.sighting_id for f in flags if f.subject_kind is SubjectKind.CONTACT and f.sighting_id}
    )
    stored: list[_Stored] = []
    with conn.cursor() as cur:
        # One detector writes flags at a time (two would race on the natural key); held to commit.
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('seasight.detect.store_flags'))")
        cur.execute(
            """SELECT id, rule_id, mmsi, sighting_id::text, window_start, window_end, status, version,
                      rule_version, severity, score, summary, evidence, parameters,
                      repeats, last_seen_at, repeat_starts
               FROM flag
               WHERE subject_kind = 'vessel' AND rule_id = ANY(%s) AND mmsi = ANY(%s)
                 AND window_end >= %s - interval '7 days'
               FOR UPDATE""",
            # an event the rules date before ``start`` (a long-held stream state) is matched too
            (rules, mmsis, min([start, *(f.window_start for f in flags)])),
        )
        rows = cur.fetchall()
        cur.execute(
            """SELECT id, rule_id, mmsi, sighting_id::text, window_start, window_end, status, version,
                      rule_version, severity, score, summary, evidence, parameters,
                      repeats, last_seen_at, repeat_starts
               FROM flag
               WHERE subject_kind = 'contact' AND rule_id = ANY(%s) AND sighting_id = ANY(%s::uuid[])
               FOR UPDATE""",
            (rules, sightings),
        )
        contact_ids = set()
        for r in cur.fetchall():
            rows.append(r)
            contact_ids.add(r[0])
        for r in rows:
            stored.append(
                _Stored(
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    r[4],
                    r[5],
                    r[6],
                    r[7],
                    _content(r[8], r[9], r[10], r[5], r[11], r[12], r[13]),
                    (r[12] or {}).get("other_mmsi"),
                    "contact" if r[0] in contact_ids else "vessel",
                    severity=r[9],
                    identity=event_identity(r[1], r[12] or {}),
                    repeats=r[14],
                    last_seen_at=r[15],
                    repeat_starts=set(r[16] or ()),
                )
            )
    by_key = {(s.rule_id, s.subject_kind, s.mmsi, s.sighting_id, s.window_start): s for s in stored}
    by_subject: dict[tuple[str, int | None], list[_Stored]] = defaultdict(list)
    for s in stored:
        by_subject[(s.rule_id, s.mmsi)].append(s)

    changes: list[StoredChange] = []
    counts = {"raised": 0, "updated": 0, "unchanged": 0, "withdrawn": 0, "reraised": 0}
    touched: set[int] = set()
    for f in sorted(flags, key=lambda x: (x.window_start, x.rule_id, x.mmsi or 0)):
        evidence, parameters = _json(f.evidence), _json(f.parameters)
        match = by_key.get(natural_key(f))
        if match is None and f.rule_id in CONTINUING_RULES and f.subject_kind is SubjectKind.VESSEL:
            candidates = [
                s
                for s in by_subject.get((f.rule_id, f.mmsi), ())
                if s.window_start <= f.window_start <= s.window_end + CONTINUATION_TOLERANCE
                and s.id not in touched
                and (f.rule_id != encounter_rule.ENCOUNTER_ID or s.other_mmsi == f.evidence.get("other_mmsi"))
            ]
            match = max(candidates, key=lambda s: s.window_start) if candidates else None
        if match is None:
            subject_stored = by_subject.get((f.rule_id, f.mmsi), ())
            prior = repeat_of(f, (s.prior() for s in subject_stored), cooldown)
            if prior is not None:
                grouped = next(s for s in subject_stored if s.id == prior.flag_id)
                touched.add(grouped.id)
                if _record_repeat(conn, grouped, f, evidence, parameters, end, cooldown):
                    changes.append(StoredChange(grouped.id, grouped.version, "updated", f))
                    counts["updated"] += 1
                else:
                    counts["unchanged"] += 1
                continue
            flag_id = _insert(conn, f)
            _version(conn, flag_id, 1, "raised", "rule holds", f, evidence, parameters, end)
            changes.append(StoredChange(flag_id, 1, "raised", f))
            counts["raised"] += 1
            new = _Stored(
                flag_id,
                f.rule_id,
                f.mmsi,
                f.sighting_id,
                f.window_start,
                f.window_end,
                "open",
                1,
                _content(f.rule_version, f.severity.label, f.score, f.window_end, f.summary, evidence, parameters),
                f.evidence.get("other_mmsi"),
                f.subject_kind.value,
                severity=f.severity.label,
                identity=event_identity(f.rule_id, f.evidence),
            )
            by_subject[(f.rule_id, f.mmsi)].append(new)
            touched.add(flag_id)
            continue
        touched.add(match.id)
        window_start = min(match.window_start, f.window_start)
        window_end = max(match.window_end, f.window_end)
        content = _content(f.rule_version, f.severity.label, f.score, window_end, f.summary, evidence, parameters)
        if content == match.content and match.status != "withdrawn":
            counts["unchanged"] += 1
            continue
        action = "reraised" if match.status == "withdrawn" else "updated"
        version = match.version + 1
        with conn.cursor() as cur:
            cur.execute(
                """UPDATE flag SET rule_version = %s, severity = %s, score = %s, window_end = %s,
                          summary = %s,
                          evidence = %s, parameters = %s, geom = %s, version = %s, updated_at = now(),
                          status = CASE WHEN status = 'withdrawn' THEN 'open' ELSE status END,
                          status_reason = CASE WHEN status = 'withdrawn' THEN NULL ELSE status_reason END
                   WHERE id = %s""",
                (
                    f.rule_version,
                    f.severity.label,
                    f.score,
                    window_end,
                    f.summary,
                    Jsonb(evidence),
                    Jsonb(parameters),
                    _point(f),
                    version,
                    match.id,
                ),
            )
        reason = "rule holds again" if action == "reraised" else _thresholds_change(match.content[6], parameters)
        _version(
            conn,
            match.id,
            version,
            action,
            reason,
            f,
            evidence,
            parameters,
            end,
            window_start=window_start,
            window_end=window_end,
        )
        match.version, match.status, match.window_end = version, "open", window_end
        match.content = content
        changes.append(StoredChange(match.id, version, action, f))
        counts[action] += 1

    evaluated = set(mmsis) & set(evaluated_mmsis)
    evaluated_contacts = set(evaluated_sightings)
    for s in stored:
        subject_evaluated = s.sighting_id in evaluated_contacts if s.subject_kind == "contact" else s.mmsi in evaluated
        if (
            s.id in touched
            or s.status not in ("open", "acknowledged")
            or s.rule_id in NEVER_WITHDRAWN
            or not subject_evaluated
            or not start <= s.window_start <= end
        ):
            continue
        version = s.version + 1
        reason = f"no longer holds on re-evaluation of {start.isoformat()} to {end.isoformat()}"
        with conn.cursor() as cur:
            cur.execute(
                """UPDATE flag SET status = 'withdrawn', status_reason = %s, version = %s,
                                  updated_at = now() WHERE id = %s""",
                (reason, version, s.id),
            )
            cur.execute(
                """INSERT INTO flag_version (flag_id, version, action, reason, rule_version, severity, score,
                                             window_start, window_end, summary, evidence, parameters,
                                             evaluated_to)
                   SELECT id, %s, 'withdrawn', %s, rule_version, severity, score, window_start, window_end,
                          summary, evidence, parameters, %s FROM flag WHERE id = %s""",
                (version, reason, end, s.id),
            )
        changes.append(StoredChange(s.id, version, "withdrawn", None))
        counts["withdrawn"] += 1
    return StoreResult(changes=tuple(changes), **counts)


def _record_repeat(
    conn: psycopg.Connection[Any],
    grouped: _Stored,
    f: Flag,
    evidence: Any,
    parameters: Any,
    evaluated_to: datetime,
    cooldown: CooldownParameters,
) -> bool:
    """Group ``f`` onto the stored flag ``grouped`` as a repeat within the cooldown (migration 0140). A
    repeat already counted (same window start) changes nothing unless it was last seen later now. Returns
    whether the flag changed."""
    last_seen = max(grouped.last_seen_at or grouped.window_end, f.window_end)
    if f.window_start in grouped.repeat_starts and last_seen == (grouped.last_seen_at or grouped.window_end):
        return False
    new_repeat = f.window_start not in grouped.repeat_starts
    repeats = grouped.repeats + (1 if new_repeat else 0)
    version = grouped.version + 1
    with conn.cursor() as cur:
        cur.execute(
            """UPDATE flag SET repeats = %s, last_seen_at = %s,
                      repeat_starts = CASE WHEN %s::timestamptz = ANY(repeat_starts) THEN repeat_starts
                                           ELSE array_append(repeat_starts, %s::timestamptz) END,
                      version = %s, updated_at = now()
               WHERE id = %s""",
            (repeats, last_seen, f.window_start, f.window_start, version, grouped.id),
        )
    hours = cooldown.cooldown(f.rule_id) / timedelta(hours=1)
    reason = (
        f"repeat {repeats} within the {hours:g} h cooldown (this repeat {f.window_start.isoformat()} to "
        f"{f.window_end.isoformat()}; first {grouped.window_start.isoformat()})"
    )
    _version(conn, grouped.id, version, "updated", reason, f, evidence, parameters, evaluated_to)
    grouped.version, grouped.repeats, grouped.last_seen_at = version, repeats, last_seen
    grouped.repeat_starts.add(f.window_start)
    logger.info("flag %s (%s, MMSI %s): %s", grouped.id, f.rule_id, f.mmsi, reason)
    return True


def _thresholds_change(stored: Any, parameters: Any) -> str:
    """The reason of an update: a change of the rule's thresholds (their digest, :mod:`tracking.thresholds`)
    names the digests and the thresholds now set away from their defaults; otherwise new evidence."""
    before = (stored or {}).get("thresholds") if isinstance(stored, dict) else None
    after = (parameters or {}).get("thresholds") if isinstance(parameters, dict) else None
    if not isinstance(before, dict) or not isinstance(after, dict) or before.get("digest") == after.get("digest"):
        return "new evidence"
    tuned = ", ".join(f"{n} = {parameters[n]['value']:g}" for n in after.get("tuned", ()) if n in parameters)
    return f"thresholds changed ({before.get('digest')} -> {after.get('digest')}; tuned: {tuned or 'none'})"


def _point(f: Flag) -> str | None:
    if f.lat is None or f.lon is None:
        return None
    return shapely.to_wkb(shapely.Point(f.lon, f.lat), hex=True, include_srid=True)  # type: ignore[no-any-return]


def _insert(conn: psycopg.Connection[Any], f: Flag) -> int:
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO flag (rule_id, rule_version, subject_kind, mmsi, sighting_id, severity, score,
                                 window_start, window_end, geom, summary, evidence, parameters, is_exercise)
               VALUES (%s, %s, %s, %s, %s::uuid, %s, %s, %s, %s, ST_SetSRID(%s::geometry, 4326), %s, %s, %s,
                       -- a flag raised from an exercise sighting is an exercise flag (migration 0003)
                       COALESCE((SELECT is_exercise FROM sighting WHERE id = %s::uuid), false))
               RETURNING id""",
            (
                f.rule_id,
                f.rule_version,
                f.subject_kind.value,
                f.mmsi,
                f.sighting_id,
                f.severity.label,
                f.score,
                f.window_start,
                f.window_end,
                _point(f),
                f.summary,
                Jsonb(_json(f.evidence)),
                Jsonb(_json(f.parameters)),
                f.sighting_id,
            ),
        )
        row = cur.fetchone()
        assert row is not None
        return int(row[0])


def _version(
    conn: psycopg.Connection[Any],
    flag_id: int,
    version: int,
    action: str,
    reason: str,
    f: Flag,
    evidence: Any,
    parameters: Any,
    evaluated_to: datetime,
    *,
    window_start: datetime | None = None,
    window_end: datetime | None = None,
) -> None:
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO flag_version (flag_id, version, action, reason, rule_version, severity, score,
                                         window_start, window_end, summary, evidence, parameters,
                                         evaluated_to)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
            (
                flag_id,
                version,
                action,
                reason,
                f.rule_version,
                f.severity.label,
                f.score,
                window_start or f.window_start,
                window_end or f.window_end,
                f.summary,
                Jsonb(evidence),
                Jsonb(parameters),
                evaluated_to,
            ),
        )


def run_detection(
    conn: psycopg.Connection[Any],
    *,
    end: datetime,
    lookback: timedelta = timedelta(hours=24),
    rules: RuleSet | None = None,
    distance_to_shore: DistanceToShore | None = None,
    texts: Sequence[SafetyText] = (),
    identity_history: Sequence[IdentityReport] = (),
) -> StoreResult:
    """Load ``[end - lookback, end]``, evaluate every rule and store the flags, in the caller's transaction
    (commit it afterwards, then publish the result's changes). ``distance_to_shore`` defaults to
    :func:`geodata.shore.distance_to_shore_nm`."""
    if distance_to_shore is None:
        from geodata.shore import distance_to_shore_nm

        distance_to_shore = distance_to_shore_nm
    start = end - lookback
    rules = rules or RuleSet()
    data = load_input(conn, start, end, timedelta(hours=rules.went_dark.max_silence_h))
    if texts or identity_history:
        data = DetectionInput(
            start=data.start,
            end=data.end,
            windows=data.windows,
            zones=data.zones,
            contacts=data.contacts,
            identities=data.identities,
            identity_history=(*data.identity_history, *identity_history),
            texts=(*data.texts, *texts),
            watchlist=data.watchlist,
            coasts=data.coasts,
            feeds=data.feeds,
        )
    flags = evaluate(
        data,
        rules,
        distance_to_shore=distance_to_shore,
        distance_to_anchorage_km=nearest_port_km(load_ports(conn)),
    )
    result = store_flags(
        conn,
        flags,
        start=start,
        end=end,
        # a vessel silent throughout (a window of its report before the range only) is judged by the
        # went-dark rule alone: its other flags are not re-evaluated, so not withdrawn
        evaluated_mmsis=[w.mmsi for w in data.windows if w.points],
        evaluated_sightings=[c.sighting_id for c in data.contacts],
        cooldown=rules.cooldown,
    )
    if data.feeds is not None:
        store_feed_outages(conn, data.feeds.all_outages())
    logger.info(
        "detection %s..%s: %d windows, %d flags; raised %d, updated %d, unchanged %d, withdrawn %d",
        start.isoformat(),
        end.isoformat(),
        len(data.windows),
        len(flags),
        result.raised,
        result.updated,
        result.unchanged,
        result.withdrawn,
    )
    return result


__all__ = [
    "CONTINUING_RULES",
    "EVALUATED_RULES",
    "DetectionInput",
    "RuleSet",
    "StoreResult",
    "evaluate",
    "load_input",
    "nearest_port_km",
    "run_detection",
    "detect_once",
    "store_flags",
    "Severity",
]


def detect_once(
    settings: Settings,
    *,
    end: datetime | None = None,
    lookback: timedelta = timedelta(hours=24),
    rules: RuleSet | None = None,
) -> StoreResult:
    """Open a connection, run :func:`run_detection` up to ``end`` (default: the settings' clock), commit, and return
    what changed — the entry point for the tracker's periodic detection or a CLI command. Publishing the
    returned changes to ``seasight.flag`` must follow this commit (never precede it)."""
    when = end or settings.clock()()
    with connect(settings) as conn:
        result = run_detection(conn, end=when, lookback=lookback, rules=rules)
        conn.commit()
    return result
