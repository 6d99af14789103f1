"""Zone tests of the streaming stage, vectorised: one STRtree query per batch tags every new report with the
ids of the zones it lies in, and the zone rules read those tags instead of testing each point against each
zone again at every evaluation (the rules themselves are unchanged: :class:`IndexedZone` is a
:class:`~tracking.rules.model.Zone` whose ``contains`` answers from the tags, falling back to the geometry)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from tracking.rules.model import TrackPoint, Zone
from tracking.stream.state import NO_TAG, Tag


class ZoneLookup:
    """Zone ids by report position (lat, lon), for the reports being evaluated."""

    __slots__ = ("tags",)

    def __init__(self) -> None:
        self.tags: dict[tuple[float, float], Tag] = {}


@dataclass(frozen=True, slots=True, eq=False)
class IndexedZone(Zone):
    lookup: ZoneLookup | None = None

    def contains(self, lat: float, lon: float) -> bool:
        if self.lookup is not None:
            tag = self.lookup.tags.get((lat, lon))
            if tag is not None:
                return self.zone_id in tag
        return Zone.contains(self, lat, lon)


class ZoneIndex:
    """An STRtree over the active zones; :meth:`tags` answers for a whole batch of reports at once."""

    def __init__(self, zones: Sequence[Zone]) -> None:
        self.lookup = ZoneLookup()
        self.zones = tuple(
            IndexedZone(
                zone_id=z.zone_id,
                name=z.name,
                kind=z.kind,
                geometry=z.geometry,
                reason=z.reason,
                state=z.state,
                lookup=self.lookup,
            )
            for z in zones
        )
        self._ids = np.array([z.zone_id for z in zones], dtype=np.int64)
        self._tree = shapely.STRtree([z.geometry for z in zones]) if zones else None

    def tags(self, points: Sequence[TrackPoint]) -> list[Tag]:
        """For each report, the ids of the zones it lies in (one vectorised query)."""
        if self._tree is None or not points:
            return [NO_TAG] * len(points)
        xy = shapely.points(np.array([p.lon for p in points]), np.array([p.lat for p in points]))
        hits = self._tree.query(xy, predicate="intersects")
        out: list[set[int]] = [set() for _ in points]
        for k, g in zip(hits[0].tolist(), hits[1].tolist(), strict=True):
            out[k].add(int(self._ids[g]))
        return [frozenset(s) if s else NO_TAG for s in out]
