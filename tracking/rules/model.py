"""Typed records the detection rules take and return (frozen, no I/O).

Units everywhere: latitude/longitude in decimal degrees WGS 84, speed in knots, course and heading in degrees
true, times timezone-aware UTC, distances in nautical miles unless a name ends in ``_m``.
Navigational status codes and message numbers are those of ITU-R M.1371-5.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from tracking.rules.errors import InvalidTrackError
from tracking.rules.geo import METRES_PER_NM, WGS84, degree_box, distance_m
from tracking.rules.parameters import effective_rule_version

#: Distance from a point (lat, lon in degrees) to the nearest shore, in nautical miles. Injected into the
#: rules (e.g. ``geodata.shore.distance_to_shore_nm``) so that they stay pure and testable.
DistanceToShore = Callable[[float, float], float]

#: ITU-R M.1371-5 navigational status codes the rules name.
NAV_UNDER_WAY_ENGINE = 0
NAV_AT_ANCHOR = 1
NAV_NOT_UNDER_COMMAND = 2
NAV_RESTRICTED_MANOEUVRABILITY = 3
NAV_MOORED = 5
NAV_AGROUND = 6
NAV_ENGAGED_IN_FISHING = 7
NAV_AIS_SART_ACTIVE = 14  # "AIS-SART (active), MOB-AIS, EPIRB-AIS"
NAV_NOT_DEFINED = 15  # default; also used by AIS-SART / MOB / EPIRB under test

#: ITU-R M.1371 message numbers of Class B position reports (18 standard, 19 extended).
CLASS_B_MESSAGES = frozenset({18, 19})
#: Message 9: standard SAR aircraft position report.
SAR_AIRCRAFT_MESSAGE = 9


#: ``Zone.distance_nm`` densifies the zone's boundary near the point into pieces of at most this fraction of
#: the latitude its first estimate spans (the distance is then within about 0.1 % of the exact one).
_DENSIFY_FRACTION = 1.0 / 512.0


class Severity(enum.IntEnum):
    """How urgently a watch officer should look. ``DISTRESS`` is never lowered by any score."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    DISTRESS = 4

    @property
    def label(self) -> str:
        """The word stored in ``flag.severity`` (migration 0001)."""
        return self.name.lower()


class SubjectKind(enum.StrEnum):
    VESSEL = "vessel"  # known by its MMSI
    CONTACT = "contact"  # known only from sightings


@dataclass(frozen=True, slots=True)
class TrackPoint:
    """One AIS position report (ITU-R M.1371 message 1/2/3, 18/19, 27 or 9)."""

    mmsi: int
    observed_at: datetime
    lat: float
    lon: float
    sog_kn: float | None = None
    cog_deg: float | None = None
    heading_deg: int | None = None
    nav_status: int | None = None
    msg_type: int = 1
    #: The receiving station (feed) that delivered the report (``position.station``), if named.
    station: str | None = None

    def evidence(self) -> dict[str, Any]:
        """JSON-ready summary of this observation for a flag's evidence."""
        return {
            "mmsi": self.mmsi,
            "t": self.observed_at.isoformat(),
            "lat": round(self.lat, 6),
            "lon": round(self.lon, 6),
            "sog_kn": self.sog_kn,
            "cog_deg": self.cog_deg,
            "heading_deg": self.heading_deg,
            "nav_status": self.nav_status,
            "msg_type": self.msg_type,
        }


@dataclass(frozen=True, slots=True)
class TrackWindow:
    """The reports of one MMSI between ``start`` and ``end`` (the evaluation time), oldest first.

    ``end`` matters: silence from the last report up to ``end`` is an ongoing gap. ``before`` is the
    vessel's last report before the window's first (looked up before ``start``, within the went-dark rule's
    ``max_silence_h``), so that a silence longer than the window is still seen whole: only the went-dark
    rule reads it. A window may hold no points and only ``before`` (a vessel silent throughout).
    """

    mmsi: int
    start: datetime
    end: datetime
    points: tuple[TrackPoint, ...]
    before: TrackPoint | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidTrackError(f"MMSI {self.mmsi}: window times must be timezone-aware UTC")
        if self.end < self.start:
            raise InvalidTrackError(f"MMSI {self.mmsi}: window ends before it starts")
        previous: datetime | None = None
        for p in self.points:
            if p.mmsi != self.mmsi:
                raise InvalidTrackError(f"window of MMSI {self.mmsi} holds a point of MMSI {p.mmsi}")
            if previous is not None and p.observed_at < previous:
                raise InvalidTrackError(f"MMSI {self.mmsi}: points not in time order at {p.observed_at}")
            previous = p.observed_at
        if self.before is not None:
            if self.before.mmsi != self.mmsi:
                raise InvalidTrackError(f"window of MMSI {self.mmsi} has a last report before of {self.before.mmsi}")
            if self.points and self.before.observed_at >= self.points[0].observed_at:
                raise InvalidTrackError(f"MMSI {self.mmsi}: the report before the window is not before its first")

    @classmethod
    def of(
        cls, points: Sequence[TrackPoint], start: datetime | None = None, end: datetime | None = None
    ) -> TrackWindow:
        """Build a window from unsorted points of one MMSI (start/end default to the first/last fix)."""
        if not points:
            raise InvalidTrackError("a window needs at least one point, or explicit mmsi/start/end")
        ordered = tuple(sorted(points, key=lambda p: p.observed_at))
        return cls(
            mmsi=ordered[0].mmsi,
            start=start or ordered[0].observed_at,
            end=end or ordered[-1].observed_at,
            points=ordered,
        )

    @property
    def ais_class(self) -> str:
        """'B' when the MMSI sent Class B reports (messages 18/19), 'SAR' for message 9, else 'A'."""
        types = {p.msg_type for p in self.points}
        if self.before is not None:
            types.add(self.before.msg_type)
        if types & CLASS_B_MESSAGES:
            return "B"
        if SAR_AIRCRAFT_MESSAGE in types:
            return "SAR"
        return "A"


@dataclass(frozen=True, slots=True)
class Zone:
    """An area operators care about (table ``zone``): ``kind`` is e.g. ``watch``, ``departure_coast``,
    ``transit_corridor`` or ``destination_approach``; ``state`` is the ISO alpha-2 of the coast state
    when the zone belongs to one."""

    zone_id: int
    name: str
    kind: str
    geometry: BaseGeometry
    reason: str = ""
    state: str | None = None

    def __post_init__(self) -> None:
        shapely.prepare(self.geometry)

    def contains(self, lat: float, lon: float) -> bool:
        return bool(shapely.intersects_xy(self.geometry, lon, lat))

    def _frames(self, lon: float) -> list[float]:
        """The point's longitude, and the same taken 360° round where the zone lies on the other side of the
        180° meridian (a zone at 179.9° W is near a vessel at 179.9° E): every frame in which a point of the
        zone can be less than 180° of longitude from it."""
        west, _, east, _ = self.geometry.bounds
        return [x for x in (lon, lon - 360.0, lon + 360.0) if west - 180.0 <= x <= east + 180.0]

    def distance_nm(self, lat: float, lon: float) -> float:
        """0 inside; otherwise the geodesic distance (nm, WGS84, ``pyproj.Geod``) to the nearest point of the
        zone's boundary (its edges taken straight in longitude/latitude, as PostGIS stores them), across the
        180° meridian too. Never below the exact distance and within about 0.1 % above it: a first boundary
        point (nearest in a frame scaled for the latitude) bounds the distance, then the boundary inside the
        conservative degree box of that bound (:func:`~tracking.rules.geo.degree_box`) is densified and
        measured vertex by vertex."""
        if self.contains(lat, lon):
            return 0.0
        frames = self._frames(lon)
        phi = math.radians(lat)
        # east-west degrees shrink like the parallel's radius over the meridian's: a frame in which the
        # nearest point in the plane is close to the geodesically nearest one
        es = WGS84.es
        squeeze = max(1e-6, math.cos(phi) * (1.0 - es * math.sin(phi) ** 2) / (1.0 - es))
        bound_m = math.inf
        for x in frames:
            scaled = shapely.affinity.scale(self.geometry, xfact=squeeze, yfact=1.0, origin=(x, lat))
            nearest, _ = nearest_points(scaled, shapely.Point(x, lat))
            bound_m = min(bound_m, distance_m(lat, lon, nearest.y, x + (nearest.x - x) / squeeze))
        dlat, dlon = degree_box(lat, bound_m)
        best_m = bound_m
        boundary = self.geometry.boundary
        for x in frames:
            near = shapely.clip_by_rect(boundary, x - dlon, lat - dlat, x + dlon, lat + dlat)
            if near.is_empty:
                continue
            coords = shapely.get_coordinates(shapely.segmentize(near, max(dlat * _DENSIFY_FRACTION, 1e-7)))
            if coords.size == 0:
                continue
            _, _, d = WGS84.inv(
                np.full(len(coords), lon), np.full(len(coords), lat), coords[:, 0] - x + lon, coords[:, 1]
            )
            best_m = min(best_m, float(np.min(d)))
        return best_m / METRES_PER_NM

    def within_nm(self, lat: float, lon: float, nm: float) -> bool:
        """Whether the position is inside the zone or within ``nm`` nautical miles of it (geodesic, across
        180° too, as :meth:`distance_nm`). Zones nowhere near are ruled out by the conservative degree box of
        ``nm`` alone, without measuring."""
        if nm < 0:
            raise ValueError(f"zone {self.name}: distance {nm} nm is negative")
        dlat, dlon = degree_box(lat, nm * METRES_PER_NM)
        boxes = [shapely.box(x - dlon, lat - dlat, x + dlon, lat + dlat) for x in self._frames(lon)]
        if not any(self.geometry.intersects(b) for b in boxes):
            return False
        return self.distance_nm(lat, lon) <= nm


@dataclass(frozen=True, slots=True)
class Contact:
    """A sighting of a craft (table ``sighting``): by aircraft, ship, radar, fisher, hotline or satellite.
    ``uncertainty_nm`` is the reporter's position uncertainty; ``conditions`` are words such as
    ``overcrowded``, ``adrift``, ``taking_water``, ``persons_in_water``."""

    sighting_id: str
    observed_at: datetime
    lat: float
    lon: float
    uncertainty_nm: float = 0.0
    source_type: str = "other"
    craft_type: str = "unknown"
    persons_estimated: int | None = None
    conditions: tuple[str, ...] = ()
    ais_seen: str = "unknown"

    def evidence(self) -> dict[str, Any]:
        return {
            "sighting_id": self.sighting_id,
            "t": self.observed_at.isoformat(),
            "lat": round(self.lat, 6),
            "lon": round(self.lon, 6),
            "uncertainty_nm": self.uncertainty_nm,
            "source_type": self.source_type,
            "craft_type": self.craft_type,
            "persons_estimated": self.persons_estimated,
            "conditions": list(self.conditions),
        }


@dataclass(frozen=True, slots=True)
class IdentityReport:
    """Static and voyage data as reported by one MMSI at one time (ITU-R M.1371 message 5, 24A/B or 19).
    Fields not in the message are ``None``."""

    mmsi: int
    observed_at: datetime
    name: str | None = None
    callsign: str | None = None
    imo: int | None = None
    ship_type: int | None = None
    destination: str | None = None


@dataclass(frozen=True, slots=True)
class SafetyText:
    """A safety-related broadcast (ITU-R M.1371 message 14; addressed message 12), e.g. ``SART ACTIVE``.
    ``lat``/``lon``: the sender's latest known position when received, if any (message 14 carries none)."""

    mmsi: int
    observed_at: datetime
    text: str
    msg_type: int = 14
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, slots=True)
class Flag:
    """A vessel or contact of concern raised by one rule, with its provenance (CONTRIBUTING.md §8).

    ``window_start`` is the start of the event (stable across re-evaluations of overlapping windows, so the
    natural key of table ``flag`` makes writes idempotent); ``window_end`` its latest observed time.
    ``score`` in [0, 1] says how strongly the rule holds; ``severity`` how urgently to look.
    """

    rule_id: str
    rule_version: int
    subject_kind: SubjectKind
    mmsi: int | None
    sighting_id: str | None
    severity: Severity
    score: float
    window_start: datetime
    window_end: datetime
    lat: float | None
    lon: float | None
    summary: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"{self.rule_id}: score {self.score} outside [0, 1]")
        if self.subject_kind is SubjectKind.VESSEL and self.mmsi is None:
            raise ValueError(f"{self.rule_id}: a vessel flag needs an MMSI")
        if self.subject_kind is SubjectKind.CONTACT and self.sighting_id is None:
            raise ValueError(f"{self.rule_id}: a contact flag needs a sighting id")

    @property
    def effective_version(self) -> str:
        """The rule version this flag shows: its logic's version, with the thresholds digest when they were
        tuned (:func:`tracking.rules.parameters.effective_rule_version`)."""
        return effective_rule_version(self.rule_version, self.parameters)

    @property
    def subject(self) -> str:
        """``vessel:MMSI`` or ``contact:SIGHTING_ID`` (used to group flags for the risk score)."""
        if self.subject_kind is SubjectKind.VESSEL:
            return f"vessel:{self.mmsi}"
        return f"contact:{self.sighting_id}"


def hours_between(a: datetime, b: datetime) -> float:
    return (b - a) / timedelta(hours=1)
