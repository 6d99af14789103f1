"""Rule 4 — zone events: entering a watch zone, reaching a known departure area, approaching the coast of a
destination state.

An event is the *crossing*: the first report inside (or within the approach distance) after a report
outside. A track that is already inside at its first report raises nothing — the window that saw the
crossing did — so re-evaluating overlapping windows raises the same event once (``window_start`` is the
time of the first report inside).

Zone kinds (column ``zone.kind``): ``watch`` and ``transit_corridor`` are watch zones, ``departure_coast``
and ``departure_area`` are departure areas, ``destination_approach`` marks the approaches to a destination
state's coast (``Zone.state``).

Approaching a destination coast is MEDIUM, entering a watch zone or reaching a departure area LOW, for the
craft the zones are about (fishing boats, small craft, vessels of unknown type or voyage). Merchant shipping
in regular service — ITU-R M.1371-5 table 53 types 6x passenger, 7x cargo, 8x tanker — that declares a
voyage (message 5 destination) crosses these zones or calls at their ports every day (the Fremantle–Sunda
Strait lane runs past Christmas Island, the Great Channel past Aceh, the Malacca Strait lanes through the
transit corridors): for such a ship every zone crossing is recorded INFO, with the declared voyage in the
evidence, so the record is there for a review but the live picture shows the few that matter
(docs/severity.md). Version 2: INFO (was LOW for approaching, LOW for the other two).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tracking.rules.model import Flag, IdentityReport, Severity, SubjectKind, TrackPoint, TrackWindow, Zone
from tracking.rules.parameters import RuleParameters, threshold

ENTERED_WATCH_ZONE_ID = "entered_watch_zone"
REACHED_DEPARTURE_AREA_ID = "reached_departure_area"
APPROACHING_DESTINATION_ID = "approaching_destination_coast"
RULE_VERSION = 2  # 2: merchant ships on a declared voyage are INFO for every zone crossing

WATCH_KINDS = frozenset({"watch", "transit_corridor"})
DEPARTURE_KINDS = frozenset({"departure_coast", "departure_area"})
DESTINATION_KINDS = frozenset({"destination_approach"})

#: ITU-R M.1371-5 table 53, first digit of "type of ship and cargo": 6 passenger, 7 cargo, 8 tanker.
MERCHANT_TYPE_DECADES = frozenset({6, 7, 8})


def declared_merchant_voyage(identity: IdentityReport | None) -> dict[str, object] | None:
    """The declared voyage of a merchant ship in regular service (type 60–89 with a message 5 destination),
    or None when the vessel is of another or unknown type, or declares no destination."""
    if identity is None or identity.ship_type is None or identity.ship_type // 10 not in MERCHANT_TYPE_DECADES:
        return None
    destination = (identity.destination or "").strip(" @")
    if not destination:
        return None
    return {"ship_type": identity.ship_type, "destination": destination, "static_at": identity.observed_at.isoformat()}


@dataclass(frozen=True, slots=True)
class ZoneEventParameters(RuleParameters):
    approach_nm: float = threshold(
        0.0,
        unit="nm",
        low=0.0,
        high=200.0,
        source="Seasight: destination_approach zones (geodata/layers/zones.geojson) already cover the "
        "approaches, so entering one is the event; set e.g. 24 nm (UNCLOS art. 33 contiguous zone) to warn "
        "earlier",
        description="coming within this distance of a destination-approach zone counts as approaching",
    )


def _crossings(window: TrackWindow, inside: Callable[[TrackPoint], bool]) -> list[tuple[TrackPoint, TrackPoint]]:
    """(last report outside, first report inside) pairs, in time order."""
    out: list[tuple[TrackPoint, TrackPoint]] = []
    previous: TrackPoint | None = None
    was_inside = False
    for p in window.points:
        now_inside = inside(p)
        if previous is not None and now_inside and not was_inside:
            out.append((previous, p))
        previous, was_inside = p, now_inside
    return out


def _zone_flags(
    window: TrackWindow,
    zones: Sequence[Zone],
    rule_id: str,
    severity: Severity,
    score: float,
    verb: str,
    params: ZoneEventParameters,
    reach_nm: float = 0.0,
    voyage: dict[str, object] | None = None,
) -> list[Flag]:
    by_entry: dict[int, tuple[TrackPoint, TrackPoint, list[Zone]]] = {}
    for zone in zones:

        def inside(p: TrackPoint, z: Zone = zone) -> bool:
            return z.contains(p.lat, p.lon) if reach_nm == 0 else z.within_nm(p.lat, p.lon, reach_nm)

        for before, entry in _crossings(window, inside):
            key = id(entry)
            if key not in by_entry:
                by_entry[key] = (before, entry, [])
            by_entry[key][2].append(zone)
    if voyage is not None:
        severity = Severity.INFO
    flags: list[Flag] = []
    for before, entry, entered in sorted(by_entry.values(), key=lambda item: item[1].observed_at):
        names = ", ".join(z.name for z in entered)
        states = sorted({z.state for z in entered if z.state})
        summary = f"MMSI {window.mmsi} {verb} {names}"
        if states:
            summary += f" ({'/'.join(states)})"
        evidence: dict[str, object] = {}
        if voyage is not None:
            summary += f" — merchant ship (type {voyage['ship_type']}) on a declared voyage to {voyage['destination']}"
            evidence["declared_voyage"] = voyage
        flags.append(
            Flag(
                rule_id=rule_id,
                rule_version=RULE_VERSION,
                subject_kind=SubjectKind.VESSEL,
                mmsi=window.mmsi,
                sighting_id=None,
                severity=severity,
                score=score,
                window_start=entry.observed_at,
                window_end=entry.observed_at,
                lat=entry.lat,
                lon=entry.lon,
                summary=summary,
                evidence={
                    "zones": [
                        {
                            "id": z.zone_id,
                            "name": z.name,
                            "kind": z.kind,
                            "state": z.state,
                            "reason": z.reason,
                        }
                        for z in entered
                    ],
                    "last_report_outside": before.evidence(),
                    "first_report_inside": entry.evidence(),
                    "distance_nm_at_entry": [round(z.distance_nm(entry.lat, entry.lon), 2) for z in entered],
                    **evidence,
                },
                parameters=params.provenance(),
            )
        )
    return flags


def entered_watch_zone(
    window: TrackWindow,
    zones: Sequence[Zone],
    params: ZoneEventParameters,
    identity: IdentityReport | None = None,
) -> list[Flag]:
    """Crossings into watch zones (kinds ``watch``, ``transit_corridor``): LOW, or INFO for a merchant ship on a
    declared voyage (:func:`declared_merchant_voyage`)."""
    watch = [z for z in zones if z.kind in WATCH_KINDS]
    voyage = declared_merchant_voyage(identity)
    return _zone_flags(
        window,
        watch,
        ENTERED_WATCH_ZONE_ID,
        Severity.LOW,
        0.4 if voyage is None else 0.1,
        "entered watch zone",
        params,
        voyage=voyage,
    )


def reached_departure_area(
    window: TrackWindow,
    zones: Sequence[Zone],
    params: ZoneEventParameters,
    identity: IdentityReport | None = None,
) -> list[Flag]:
    """Crossings into known departure areas (kinds ``departure_coast``, ``departure_area``): LOW, or INFO for a
    merchant ship on a declared voyage."""
    departure = [z for z in zones if z.kind in DEPARTURE_KINDS]
    voyage = declared_merchant_voyage(identity)
    return _zone_flags(
        window,
        departure,
        REACHED_DEPARTURE_AREA_ID,
        Severity.LOW,
        0.4 if voyage is None else 0.1,
        "reached departure area",
        params,
        voyage=voyage,
    )


def approaching_destination_coast(
    window: TrackWindow,
    zones: Sequence[Zone],
    params: ZoneEventParameters,
    identity: IdentityReport | None = None,
) -> list[Flag]:
    """Crossings to within ``approach_nm`` of a destination-approach zone (kind ``destination_approach``):
    MEDIUM, or INFO for a merchant ship on a declared voyage (:func:`declared_merchant_voyage`)."""
    destination = [z for z in zones if z.kind in DESTINATION_KINDS]
    voyage = declared_merchant_voyage(identity)
    return _zone_flags(
        window,
        destination,
        APPROACHING_DESTINATION_ID,
        Severity.MEDIUM,
        0.6 if voyage is None else 0.1,
        "approaching",
        params,
        reach_nm=params.approach_nm,
        voyage=voyage,
    )


def zone_events(
    window: TrackWindow,
    zones: Sequence[Zone],
    params: ZoneEventParameters,
    identity: IdentityReport | None = None,
) -> list[Flag]:
    """All three zone events of one track window (``identity``: the vessel's latest static data, if any)."""
    return (
        entered_watch_zone(window, zones, params, identity)
        + reached_departure_area(window, zones, params, identity)
        + approaching_destination_coast(window, zones, params, identity)
    )
