"""Rule 8 — reachability: where could a dark vessel of concern be by now?

A vessel that is still silent (rule 1 ``went_dark`` flag with ``ongoing``) and is *of concern* (any of its
flags in the same evaluation at or above ``concern_min_severity``, the went-dark flag included) could, at
its top speed, be anywhere within ``top speed × hours silent`` of its last report. The rule names the watch
zones, departure areas, destination approaches and coasts inside that circle and the earliest time it
could reach each — where to send the patrol aircraft, which RCC or coastguard to tell.

Top speed: the highest speed over ground the vessel reported in the window (reports above
``max_plausible_speed_kn``, the impossible-speed bound, are ignored), and never less than
``min_top_speed_kn`` — a vessel seen only drifting may well make way once dark.

Reach is a straight line on the sphere: land, currents and weather are ignored, so the circle is an
upper bound (the evidence says so). Hours silent are counted to the evaluation time in whole
steps of ``step_h`` (so a dark vessel's flag gains a version per step, not per detection round), capped
at ``horizon_h``. Distress beacons (AIS-SART, MOB, EPIRB-AIS; MMSI 970/972/974) are not projected: they
drift, which is the SAR drift model's matter, not a top-speed reach. Coasts: ``distance_to_shore`` (any
shore) and, when given, state coast polygons (:class:`~tracking.rules.model.Zone` records of kind
``coast`` with ``state``) to name them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tracking.rules.mmsi import DISTRESS_DEVICES, classify_mmsi
from tracking.rules.model import DistanceToShore, Flag, Severity, SubjectKind, TrackWindow, Zone, hours_between
from tracking.rules.parameters import RuleParameters, threshold

RULE_ID = "reachability"
RULE_VERSION = 1
WENT_DARK_ID = "went_dark"

#: Zone kinds within reach that make the flag high (a watch area or a destination's approaches).
URGENT_KINDS = frozenset({"watch", "transit_corridor", "destination_approach"})
COAST_KIND = "coast"


@dataclass(frozen=True, slots=True)
class ReachabilityParameters(RuleParameters):
    min_top_speed_kn: float = threshold(
        6.0,
        unit="kn",
        low=0.5,
        high=40.0,
        source="Seasight (authored): a small motorised craft makes at least this once under way; design "
        "reference 'underway > 3.5 kn'",
        description="top speed assumed when the vessel reported only slower speeds (or none)",
    )
    max_plausible_speed_kn: float = threshold(
        50.0,
        unit="kn",
        low=10.0,
        high=102.2,
        source="Design reference numbers: impossible speed > 50 kn between fixes",
        description="reported speeds above this are ignored when taking the top speed",
    )
    horizon_h: float = threshold(
        48.0,
        unit="h",
        low=1.0,
        high=240.0,
        source="Seasight (authored): beyond two days a reach circle is too wide to act on",
        description="hours silent counted at most this many",
    )
    step_h: float = threshold(
        1.0,
        unit="h",
        low=0.05,
        high=24.0,
        source="Seasight (authored): one new flag version per step, not one per detection round",
        description="hours silent are counted in whole steps of this length (the reach grows stepwise)",
    )
    concern_min_severity: float = threshold(
        2.0,
        unit="severity (0 info .. 4 distress)",
        low=0.0,
        high=4.0,
        source="Seasight (authored): 2 = medium, the level from which a flag asks an officer to look",
        description="a dark vessel is of concern when one of its flags is at least this severe",
    )


def top_speed_kn(window: TrackWindow, params: ReachabilityParameters) -> tuple[float, str]:
    """(top speed in knots, how it was chosen) — see the module docstring."""
    reported = [p.sog_kn for p in window.points if p.sog_kn is not None and p.sog_kn <= params.max_plausible_speed_kn]
    best = max(reported, default=None)
    if best is None:
        return params.min_top_speed_kn, "no speed reported: min_top_speed_kn"
    if best < params.min_top_speed_kn:
        return params.min_top_speed_kn, f"max reported {best:.1f} kn below min_top_speed_kn"
    return best, "max speed over ground reported"


def _eta(last_at: datetime, distance: float, speed: float) -> str:
    return (last_at + timedelta(hours=distance / speed)).isoformat()


def reachability(
    window: TrackWindow,
    flags: Sequence[Flag],
    params: ReachabilityParameters,
    *,
    zones: Sequence[Zone] = (),
    coasts: Sequence[Zone] = (),
    distance_to_shore: DistanceToShore | None = None,
) -> list[Flag]:
    """Reach of one silent vessel of concern. ``flags`` are this evaluation's flags (other vessels' are
    ignored); ``zones`` the reference zones; ``coasts`` state coast polygons (kind ``coast``)."""
    own = [f for f in flags if f.subject_kind is SubjectKind.VESSEL and f.mmsi == window.mmsi]
    dark = [f for f in own if f.rule_id == WENT_DARK_ID and f.evidence.get("ongoing")]
    if not dark or not window.points or classify_mmsi(window.mmsi).kind in DISTRESS_DEVICES:
        return []
    if max(f.severity for f in own) < params.concern_min_severity:
        return []
    gap = max(dark, key=lambda f: f.window_start)
    last = max((p for p in window.points if p.observed_at <= gap.window_start), key=lambda p: p.observed_at)
    silent_h = min(hours_between(last.observed_at, window.end), params.horizon_h)
    hours = math.floor(silent_h / params.step_h + 1e-9) * params.step_h
    speed, speed_basis = top_speed_kn(window, params)
    radius = speed * hours

    zones_in_reach: list[dict[str, Any]] = []
    for z in zones:
        if z.kind == COAST_KIND:
            continue
        d = z.distance_nm(last.lat, last.lon)
        if d <= radius:
            zones_in_reach.append(
                {
                    "id": z.zone_id,
                    "name": z.name,
                    "kind": z.kind,
                    "state": z.state,
                    "distance_nm": round(d, 2),
                    "earliest_arrival": _eta(last.observed_at, d, speed),
                    "inside_at_last_report": d == 0.0,
                }
            )
    coasts_in_reach: list[dict[str, Any]] = []
    for c in coasts:
        d = c.distance_nm(last.lat, last.lon)
        if d <= radius:
            coasts_in_reach.append(
                {
                    "state": c.state,
                    "name": c.name,
                    "distance_nm": round(d, 2),
                    "earliest_arrival": _eta(last.observed_at, d, speed),
                }
            )
    shore_nm = None if distance_to_shore is None else distance_to_shore(last.lat, last.lon)
    shore_in_reach = shore_nm is not None and shore_nm <= radius
    if not zones_in_reach and not coasts_in_reach and not shore_in_reach:
        return []
    zones_in_reach.sort(key=lambda r: r["distance_nm"])
    coasts_in_reach.sort(key=lambda r: r["distance_nm"])

    urgent = [z for z in zones_in_reach if z["kind"] in URGENT_KINDS]
    severity = Severity.HIGH if urgent else Severity.MEDIUM
    score = 0.9 if urgent else 0.6
    parts = [f"MMSI {window.mmsi} dark {hours:.1f} h: at {speed:.1f} kn could be {radius:.0f} nm from its last fix"]
    if zones_in_reach:
        parts.append("zones in reach: " + ", ".join(z["name"] for z in zones_in_reach[:5]))
    if coasts_in_reach:
        parts.append("coasts in reach: " + ", ".join(c["state"] or c["name"] for c in coasts_in_reach[:5]))
    elif shore_in_reach and shore_nm is not None:
        parts.append(f"a coast {shore_nm:.0f} nm away is in reach")
    return [
        Flag(
            rule_id=RULE_ID,
            rule_version=RULE_VERSION,
            subject_kind=SubjectKind.VESSEL,
            mmsi=window.mmsi,
            sighting_id=None,
            severity=severity,
            score=score,
            window_start=last.observed_at,
            window_end=last.observed_at + timedelta(hours=hours),
            lat=last.lat,
            lon=last.lon,
            summary="; ".join(parts),
            evidence={
                "last_fix": last.evidence(),
                "hours_silent": round(hours, 3),
                "reach_at": (last.observed_at + timedelta(hours=hours)).isoformat(),
                "top_speed_kn": round(speed, 2),
                "top_speed_basis": speed_basis,
                "reachable_radius_nm": round(radius, 2),
                "zones_in_reach": zones_in_reach,
                "coasts_in_reach": coasts_in_reach,
                "nearest_shore_nm": None if shore_nm is None else round(shore_nm, 2),
                "shore_in_reach": shore_in_reach,
                "concern_flags": sorted({f.rule_id for f in own if f.severity >= params.concern_min_severity}),
                "assumption": "straight-line reach at top speed; land, currents and weather ignored",
            },
            parameters=params.provenance(),
        )
    ]
