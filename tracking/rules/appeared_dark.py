"""Rule 1b — appeared dark: a vessel first heard far out at sea, inside an area the feed was demonstrably
covering, where no one heard it arrive.

The counterpart of :mod:`went_dark`: a vessel that switched its AIS off to sail somewhere and switches it
on again at sea is heard for the first time in the middle of the ocean. Every vessel is first heard
somewhere, so the rule asks for what rules out the ordinary reasons:

* **far from shore** — first heard at least ``min_shore_nm`` from shore (a vessel leaving port, or coming
  into range of a coastal station, is first heard near the coast; 50 nm is Global Fishing Watch's offshore
  threshold for suspected AIS disabling, and beyond the usual range of terrestrial AIS);
* **not at a feed's edge in time** — the vessel's feed was live for the whole ``lookback_h`` before the
  first report (with a feed timeline: no outage; without one: the evaluated window reaches that far back),
  so the vessel is not merely heard from the moment Seasight or the feed started listening;
* **not at a feed's edge in space** — in each of the four quadrants around the first fix (north-east,
  south-east, south-west, north-west) the same feed heard some other vessel at least ``edge_margin_nm``
  beyond it, within ``neighbour_radius_nm``, during that time: the fix lies inside the area the feed hears,
  not on the rim where vessels come into range;
* **neighbours heard before** — at least ``min_neighbours`` other vessels heard by the same feed within
  ``neighbour_radius_nm`` of the first fix during the ``lookback_h`` before it: the feed could have heard
  this vessel there, and did not.

Distress devices (AIS-SART, MOB, EPIRB: rule 7 raises them) and SAR aircraft are left out. Severity medium;
the evidence lists the neighbours and quadrants. Antimeridian-safe: distances and bearings are WGS84
geodesics and the neighbour search wraps at 180°.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tracking.rules.feeds import FeedTimeline
from tracking.rules.geo import bearing_deg, distance_nm
from tracking.rules.mmsi import DISTRESS_DEVICES, classify_mmsi
from tracking.rules.model import DistanceToShore, Flag, Severity, SubjectKind, TrackWindow
from tracking.rules.parameters import RuleParameters, threshold
from tracking.rules.went_dark import ANY_FEED, CoverageIndex

RULE_ID = "appeared_dark"
RULE_VERSION = 1

_QUADRANTS = ("north-east", "south-east", "south-west", "north-west")


@dataclass(frozen=True, slots=True)
class AppearedDarkParameters(RuleParameters):
    """Thresholds of the appeared-dark rule (units in each field's declaration)."""

    min_shore_nm: float = threshold(
        50.0,
        unit="nm",
        low=0.0,
        high=1000.0,
        source="Global Fishing Watch suspected AIS disabling: > 50 nm from shore (beyond terrestrial AIS range)",
        description="the first report is at least this far from shore",
    )
    lookback_h: float = threshold(
        2.0,
        unit="h",
        low=0.25,
        high=24.0,
        source="Seasight (authored): satellite AIS revisits an area about every 1-2 h (tracking.rules.feeds)",
        description="the feed was live, and heard the area, for this long before the first report",
    )
    neighbour_radius_nm: float = threshold(
        20.0,
        unit="nm",
        low=1.0,
        high=200.0,
        source="IMO Res. A.1106(29): nominal shipborne AIS range about 20 nm",
        description="other vessels heard within this distance of the first report are its neighbours",
    )
    min_neighbours: float = threshold(
        3.0,
        unit="vessels",
        low=1.0,
        high=1000.0,
        source="Seasight (authored), as went_dark.coverage_min_vessels",
        description="distinct other vessels the same feed heard nearby before the first report",
    )
    edge_margin_nm: float = threshold(
        5.0,
        unit="nm",
        low=0.0,
        high=100.0,
        source="Seasight (authored)",
        description="in every quadrant the feed heard another vessel at least this far beyond the first report",
    )


def appeared_dark(
    window: TrackWindow,
    params: AppearedDarkParameters,
    *,
    distance_to_shore: DistanceToShore,
    others: CoverageIndex,
    feeds: FeedTimeline | None = None,
) -> list[Flag]:
    """The appeared-dark flag of ``window``'s first report, or nothing (module docstring). ``others`` holds
    the reports of the vessels around (the subject's own are ignored); ``feeds`` the feeds' timeline."""
    if not window.points or window.ais_class == "SAR" or classify_mmsi(window.mmsi).kind in DISTRESS_DEVICES:
        return []
    first = window.points[0]
    lookback = timedelta(hours=params.lookback_h)
    since = first.observed_at - lookback
    if since < window.start:
        return []  # the window does not reach back far enough to say the vessel was not heard before
    if feeds is not None and feeds.live(first.station, since, first.observed_at) < lookback:
        return []  # the feed was not listening all that time (it started, or had an outage)
    shore_nm = distance_to_shore(first.lat, first.lon)
    if shore_nm < params.min_shore_nm:
        return []
    feed: str | None | object = first.station if feeds is not None else ANY_FEED
    heard = others.heard(
        first.lat, first.lon, params.neighbour_radius_nm, since, first.observed_at, exclude=window.mmsi, feed=feed
    )
    if len(heard) < params.min_neighbours:
        return []
    quadrants: dict[str, set[int]] = {q: set() for q in _QUADRANTS}
    for q in others.reports(
        first.lat, first.lon, params.neighbour_radius_nm, since, first.observed_at, exclude=window.mmsi, feed=feed
    ):
        if distance_nm(first.lat, first.lon, q.lat, q.lon) >= params.edge_margin_nm:
            quadrants[_QUADRANTS[int(bearing_deg(first.lat, first.lon, q.lat, q.lon) // 90) % 4]].add(q.mmsi)
    if not all(quadrants.values()):
        return []
    score = round(
        0.5
        + 0.25 * min(1.0, shore_nm / (2 * params.min_shore_nm or 1.0))
        + 0.25 * min(1.0, len(heard) / (2 * params.min_neighbours)),
        4,
    )
    return [
        Flag(
            rule_id=RULE_ID,
            rule_version=RULE_VERSION,
            subject_kind=SubjectKind.VESSEL,
            mmsi=window.mmsi,
            sighting_id=None,
            severity=Severity.MEDIUM,
            score=score,
            window_start=first.observed_at,
            window_end=first.observed_at,
            lat=first.lat,
            lon=first.lon,
            summary=(
                f"MMSI {window.mmsi} first heard {shore_nm:.0f} nm offshore, inside the area its feed covers; "
                f"{len(heard)} other vessel(s) heard nearby in the {params.lookback_h:g} h before, none of it"
            ),
            evidence={
                "first_report": first.evidence(),
                "distance_to_shore_nm": round(shore_nm, 2),
                "feed": first.station,
                "neighbours_heard_before": sorted(heard),
                "quadrants": {q: sorted(m)[:10] for q, m in quadrants.items()},
                "lookback_h": params.lookback_h,
            },
            parameters=params.provenance(),
        )
    ]
