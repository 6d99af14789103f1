"""In-memory point-in-polygon index of SRRs and watch zones, for per-message use by the tracker.

The PostGIS lookups in :mod:`geodata.lookup` take about 0.25 ms each (one round trip); a consumer
handling thousands of AIS messages per second instead loads the polygons once with
:meth:`GeoIndex.from_db` (or :meth:`GeoIndex.from_records`) and asks in a few microseconds, with no I/O.
Reload it when ``geodata_layer`` changes (compare :attr:`GeoIndex.versions`).

Containment is planar in lon/lat degrees, the same test as PostGIS ``ST_Covers`` on the stored
geometries (authored polygons are densified to 0.5°, see :mod:`geodata.reference`), so both agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import psycopg
import shapely
from shapely.geometry import MultiPolygon

from geodata.errors import CoordinateError


@dataclass(frozen=True)
class AreaRef:
    """One SRR or watch zone as the index returns it."""

    layer: str  # 'srr' or 'zone'
    key: str  # srr id, or zone id as text
    name: str
    kind: str  # SRR: 'srr'; zone: departure_coast / transit_corridor / destination_approach / ...
    indicative: bool


@dataclass(frozen=True)
class GeoIndex:
    """SRR and active watch-zone polygons, prepared (immutable; build a new one to refresh)."""

    areas: tuple[AreaRef, ...]
    geoms: tuple[MultiPolygon, ...] = field(repr=False)
    versions: tuple[tuple[str, str], ...] = ()  # (layer, checksum) from geodata_layer when built
    _bounds: tuple[tuple[float, float, float, float], ...] = field(repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        # a few dozen polygons: a bounding-box scan in Python beats a tree query per point
        for g in self.geoms:
            shapely.prepare(g)
        object.__setattr__(self, "_bounds", tuple(tuple(g.bounds) for g in self.geoms))

    @classmethod
    def from_records(
        cls, areas: list[tuple[AreaRef, MultiPolygon]], versions: tuple[tuple[str, str], ...] = ()
    ) -> GeoIndex:
        return cls(tuple(a for a, _ in areas), tuple(g for _, g in areas), versions)

    @classmethod
    def from_db(cls, conn: psycopg.Connection[Any]) -> GeoIndex:
        """Read every SRR and active zone (one query each) and build the index."""
        areas: list[tuple[AreaRef, MultiPolygon]] = []
        for srr_id, name, indicative, wkb in conn.execute(
            "SELECT id, name, indicative, ST_AsBinary(geom) FROM srr ORDER BY id"
        ).fetchall():
            areas.append((AreaRef("srr", srr_id, name, "srr", bool(indicative)), _multi(wkb)))
        for zone_id, name, kind, wkb in conn.execute(
            "SELECT id, name, kind, ST_AsBinary(geom) FROM zone WHERE active ORDER BY id"
        ).fetchall():
            areas.append((AreaRef("zone", str(zone_id), name, kind, False), _multi(wkb)))
        versions = tuple(
            (str(n), str(c)) for n, c in conn.execute("SELECT name, checksum FROM geodata_layer ORDER BY name")
        )
        return cls.from_records(areas, versions)

    def areas_at(self, lat: float, lon: float) -> tuple[AreaRef, ...]:
        """Every SRR and zone covering the position (boundary included), SRRs first."""
        if not (math.isfinite(lat) and -90.0 <= lat <= 90.0 and math.isfinite(lon) and -180.0 <= lon <= 180.0):
            raise CoordinateError(f"position must be latitude -90..90, longitude -180..180, got {lat!r}, {lon!r}")
        found = [
            self.areas[i]
            for i, (minx, miny, maxx, maxy) in enumerate(self._bounds)
            if minx <= lon <= maxx and miny <= lat <= maxy and shapely.intersects_xy(self.geoms[i], lon, lat)
        ]
        return tuple(sorted(found, key=lambda a: (a.layer != "srr", a.key)))

    def srr_at(self, lat: float, lon: float) -> AreaRef | None:
        """The SRR containing the position, or None outside every loaded SRR."""
        for area in self.areas_at(lat, lon):
            if area.layer == "srr":
                return area
        return None

    def zones_at(self, lat: float, lon: float) -> tuple[AreaRef, ...]:
        """The active watch zones containing the position."""
        return tuple(a for a in self.areas_at(lat, lon) if a.layer == "zone")


def _multi(wkb: bytes) -> MultiPolygon:
    geom = shapely.from_wkb(bytes(wkb))
    if isinstance(geom, MultiPolygon):
        return geom
    return MultiPolygon([geom])
