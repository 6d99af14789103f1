"""Sea-route distances from a rescue position to places of safety, never a straight line over land.

Network
    The maritime network packaged in ``searoute`` (PyPI ``searoute``, Apache-2.0; the Eurostat/Oak Ridge
    "Marnet" lines): about 9,700 nodes (lon, lat) and 16,000 edges at sea. Edges marked as the North-West
    passage are left out, as ``searoute`` does by default.

Joining the network
    ``searoute`` itself snaps each end to its single nearest network node and draws nothing between the end
    and that node, so the leg from a rescue position to the network may cross land unseen (e.g. across a
    peninsula). Here each end is joined to one of its :data:`SNAP_CANDIDATES` nearest nodes (within
    :data:`SNAP_MAX_NM`) only if the straight leg stays at sea, checked every :data:`LAND_CHECK_STEP_NM` with
    the 1 km GLOBE land mask of PyPI ``global-land-mask``. A port's charted position is often the town,
    on land or up a river: such a port is reached through its *approach point*, the nearest position at sea
    (within :data:`APPROACH_SEARCH_NM`) from which the network can be joined; the last leg from the approach
    point to the port (``harbour_leg_nm``, a river or harbour channel the land mask cannot see) is counted
    in the distance and shown, never hidden. A direct leg from the rescue position to the approach point is
    used when it is at sea all the way and shorter.

Distances are great-circle lengths of each leg in nautical miles (mean Earth radius 6371.0088 km),
summed along the route. One Dijkstra search from the rescue position serves all candidate ports.
"""

from __future__ import annotations

import heapq
import logging
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from coordination.disembarkation.errors import NoSeaRouteError
from geodata.geodesy import EARTH_RADIUS_M, METRES_PER_NM, distance_nm

log = logging.getLogger("seasight.coordination.disembarkation.sea_routes")

EARTH_RADIUS_NM = EARTH_RADIUS_M / METRES_PER_NM  # for the vectorised distances below
"""Mean Earth radius (IUGG) in nautical miles."""
SNAP_CANDIDATES = 25
"""Nearest network nodes tried when joining an end to the network (count). Default 25, range 1-100."""
SNAP_MAX_NM = 250.0
"""Furthest network node an end may be joined to (nm). Default 250, range 10-1000; network spacing in
open ocean reaches about 200 nm."""
LAND_CHECK_STEP_NM = 0.25
"""Spacing of the land-mask checks along a joining leg (nm). Default 0.25 (≈ 460 m, under the 1 km mask
cell), range 0.05-2."""
APPROACH_SEARCH_NM = 20.0
"""Furthest an approach point at sea may be from a port's charted position (nm); river ports such as
Chittagong lie about 10 nm up-river. Default 20, range 0-50."""
APPROACH_RING_STEP_NM = 0.5
"""Spacing of the rings searched for an approach point (nm), doubled beyond 5 nm. Default 0.5, range
0.1-2."""
APPROACH_TRIES_PER_RING = 8
"""Sea positions tried per ring, spread round it (count). Default 8, range 1-64."""
APPROACH_NODE_CANDIDATES = 12
"""Nearest network nodes tried from each approach position (count). Default 12, range 1-100."""
MAX_EDGE_REPAIRS = 50
"""Most times one search is repeated after banning network edges found to cross land (count)."""
NETWORK_SOURCE = "searoute (PyPI) Marnet maritime network; land mask global-land-mask (GLOBE 1 km)"


@dataclass(frozen=True)
class SeaRoute:
    """A route at sea from the rescue position to one destination."""

    distance_nm: float
    coordinates: tuple[tuple[float, float], ...]  # (lon, lat) from the rescue position to the destination
    via_network: bool  # False: a direct leg at sea, no network node used
    harbour_leg_nm: float = 0.0  # last leg, approach point -> port (river / harbour)

    @property
    def at_sea_coordinates(self) -> tuple[tuple[float, float], ...]:
        """The route up to the approach point (everything checked to be at sea)."""
        return self.coordinates[:-1] if self.harbour_leg_nm > 0 else self.coordinates


great_circle_nm = distance_nm  # one geodesy for all of Seasight: geodata.geodesy


def _gc_many(
    lat: float, lon: float, lats: npt.NDArray[np.float64], lons: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    p1, p2 = np.radians(lat), np.radians(lats)
    dl = np.radians(lons - lon)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    result: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_NM * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    return result


_MASK: tuple[npt.NDArray[np.bool_], float, float, float, float] | None = None


def _mask() -> tuple[npt.NDArray[np.bool_], float, float, float, float]:
    """(ocean mask, first lat, lat step, first lon, lon step) of global-land-mask's GLOBE grid (loaded
    once)."""
    global _MASK
    if _MASK is None:
        from global_land_mask import globe

        lat, lon = globe._lat, globe._lon  # the package's grid axes (its own lookups re-validate every call)
        _MASK = (globe._mask, float(lat[0]), float(lat[1] - lat[0]), float(lon[0]), float(lon[1] - lon[0]))
    return _MASK


def _is_land(lats: npt.NDArray[np.float64], lons: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Land (True) or sea at each position, GLOBE 1 km mask (same cell rule as global-land-mask)."""
    ocean, lat0, dlat, lon0, dlon = _mask()
    wrapped = ((np.asarray(lons, dtype=float) + 180.0) % 360.0) - 180.0
    i = ((np.clip(np.asarray(lats, dtype=float), -90, 90) - lat0) / dlat).astype(int)
    j = ((wrapped - lon0) / dlon).astype(int)
    i = np.clip(i, 0, ocean.shape[0] - 1)
    j = np.clip(j, 0, ocean.shape[1] - 1)
    result: npt.NDArray[np.bool_] = ~ocean[i, j]
    return result


def legs_at_sea(
    lat: float, lon: float, lats: npt.NDArray[np.float64], lons: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    """For each straight leg (linear in lon/lat) from (lat, lon) to (lats[k], lons[k]): stays at sea?"""
    lats = np.asarray(lats, dtype=float)
    lons = np.asarray(lons, dtype=float)
    if lats.size == 0:
        return np.zeros(0, dtype=bool)
    lengths = _gc_many(lat, lon, lats, lons)
    counts = np.maximum(2, np.ceil(lengths / LAND_CHECK_STEP_NM).astype(int) + 1)
    leg = np.repeat(np.arange(lats.size), counts)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    t = (np.arange(leg.size) - starts[leg]) / (counts[leg] - 1)
    dlon = ((lons - lon + 180.0) % 360.0) - 180.0
    land = _is_land(lat + (lats[leg] - lat) * t, lon + dlon[leg] * t)
    result: npt.NDArray[np.bool_] = ~np.logical_or.reduceat(land, starts)
    return result


def leg_at_sea(lat1: float, lon1: float, lat2: float, lon2: float) -> bool:
    """True when the straight leg (linear in lon/lat) between two positions stays at sea."""
    return bool(legs_at_sea(lat1, lon1, np.array([lat2]), np.array([lon2]))[0])


def position_at_sea(lat: float, lon: float) -> bool:
    """True when the position is at sea according to the 1 km land mask."""
    return not bool(_is_land(np.array([lat]), np.array([lon]))[0])


class SeaRouter:
    """Shortest routes on the packaged maritime network; build once per process (about 3 s)."""

    def __init__(self, nodes: Sequence[tuple[float, float]], edges: Iterable[tuple[int, int]]) -> None:
        self._nodes = list(nodes)
        self._lons = np.array([n[0] for n in self._nodes], dtype=float)
        self._lats = np.array([n[1] for n in self._nodes], dtype=float)
        self._adjacent: list[list[tuple[int, float]]] = [[] for _ in self._nodes]
        for u, v in edges:
            (lon1, lat1), (lon2, lat2) = self._nodes[u], self._nodes[v]
            d = great_circle_nm(lat1, lon1, lat2, lon2)
            self._adjacent[u].append((v, d))
            self._adjacent[v].append((u, d))
        self._checked: set[tuple[int, int]] = set()
        self._banned: set[tuple[int, int]] = set()
        self._approaches: dict[tuple[float, float], tuple[float, float, list[tuple[int, float]]] | None] = {}

    @classmethod
    def from_searoute(cls) -> SeaRouter:
        import searoute

        marnet = searoute.setup_M()
        index: dict[tuple[float, float], int] = {}
        nodes: list[tuple[float, float]] = []
        for node in marnet.nodes:
            index[node] = len(nodes)
            nodes.append((float(node[0]), float(node[1])))
        edges = [(index[u], index[v]) for u, v, data in marnet.edges(data=True) if data.get("passage") != "northwest"]
        log.info("sea-route network loaded: %d nodes, %d edges", len(nodes), len(edges))
        return cls(nodes, edges)

    def _joins(self, lat: float, lon: float, candidates: int = SNAP_CANDIDATES) -> list[tuple[int, float]]:
        """(node, leg length nm) for the ``candidates`` nearest nodes (within :data:`SNAP_MAX_NM`) joined to
        (lat, lon) by a straight leg at sea."""
        d = _gc_many(lat, lon, self._lats, self._lons)
        order = np.argpartition(d, candidates)[:candidates]
        order = order[np.argsort(d[order])]
        order = order[d[order] <= SNAP_MAX_NM]
        ok = legs_at_sea(lat, lon, self._lats[order], self._lons[order])
        return [(int(i), float(d[i])) for i in order[ok]]

    def approach(self, lat: float, lon: float) -> tuple[float, float, list[tuple[int, float]]] | None:
        """(lat, lon, joins) of the approach point at sea of a port charted at (lat, lon), or None."""
        key = (round(lat, 6), round(lon, 6))
        if key in self._approaches:
            return self._approaches[key]
        found: tuple[float, float, list[tuple[int, float]]] | None = None
        if position_at_sea(lat, lon):
            joins = self._joins(lat, lon)
            if joins:
                found = (lat, lon, joins)
        radius = APPROACH_RING_STEP_NM
        coslat = max(0.05, math.cos(math.radians(lat)))
        while found is None and radius <= APPROACH_SEARCH_NM + 1e-9:
            points = max(8, int(2 * math.pi * radius / APPROACH_RING_STEP_NM))
            bearings = np.linspace(0.0, 2 * math.pi, points, endpoint=False)
            lats = lat + (radius / 60.0) * np.cos(bearings)
            lons = lon + (radius / 60.0) * np.sin(bearings) / coslat
            sea = np.flatnonzero(~_is_land(lats, lons))
            if sea.size > APPROACH_TRIES_PER_RING:  # spread the tries round the ring
                sea = sea[np.linspace(0, sea.size - 1, APPROACH_TRIES_PER_RING).astype(int)]
            for plat, plon in zip(lats[sea], lons[sea], strict=True):
                joins = self._joins(float(plat), float(plon), candidates=APPROACH_NODE_CANDIDATES)
                if joins:
                    found = (float(plat), float(plon), joins)
                    break
            radius += APPROACH_RING_STEP_NM if radius < 5 else 2 * APPROACH_RING_STEP_NM
        self._approaches[key] = found
        return found

    def _dijkstra(self, starts: list[tuple[int, float]]) -> tuple[dict[int, float], dict[int, int]]:
        dist: dict[int, float] = {}
        previous: dict[int, int] = {}
        heap: list[tuple[float, int]] = []
        for node, leg in starts:
            if leg < dist.get(node, math.inf):
                dist[node] = leg
                heapq.heappush(heap, (leg, node))
        banned = self._banned
        while heap:
            d, u = heapq.heappop(heap)
            if d > dist.get(u, math.inf):
                continue
            for v, w in self._adjacent[u]:
                nd = d + w
                if nd < dist.get(v, math.inf) and (u, v) not in banned:
                    dist[v] = nd
                    previous[v] = u
                    heapq.heappush(heap, (nd, v))
        return dist, previous

    @staticmethod
    def _path_to(node: int, previous: dict[int, int]) -> list[int]:
        path = [node]
        while path[-1] in previous:
            path.append(previous[path[-1]])
        path.reverse()
        return path

    def _ban_land_edges(self, path: list[int]) -> bool:
        """Check the path's edges (cached); ban those over land; True if any was newly banned."""
        newly = False
        for u, v in zip(path, path[1:], strict=False):
            if (u, v) in self._checked:
                continue
            ok = leg_at_sea(float(self._lats[u]), float(self._lons[u]), float(self._lats[v]), float(self._lons[v]))
            self._checked.update({(u, v), (v, u)})
            if not ok:
                self._banned.update({(u, v), (v, u)})
                newly = True
                log.debug("network edge %s -> %s crosses land: not used", self._nodes[u], self._nodes[v])
        return newly

    def routes_from(
        self, lat: float, lon: float, destinations: Sequence[tuple[str, float, float]]
    ) -> dict[str, SeaRoute | None]:
        """Shortest sea route from (lat, lon) to each (key, lat, lon); None where no route stays at sea.

        Raises :class:`NoSeaRouteError` when the start itself is on land.
        """
        if not position_at_sea(lat, lon):
            raise NoSeaRouteError(
                f"position {lat:.4f}, {lon:.4f} is on land (GLOBE 1 km land mask): give a position at sea"
            )
        starts = self._joins(lat, lon)
        approaches = {key: self.approach(dlat, dlon) for key, dlat, dlon in destinations}
        for _ in range(MAX_EDGE_REPAIRS):
            dist, previous = self._dijkstra(starts)
            # Network edges are checked against the land mask only when a shortest path uses them; an edge
            # over land (a few hundred of the network's 16,000 clip islands or causeways) is banned and the
            # search repeated.
            banned_now = False
            for approach in approaches.values():
                if approach is None:
                    continue
                for node, _leg in approach[2]:
                    if node in dist and self._ban_land_edges(self._path_to(node, previous)):
                        banned_now = True
            if not banned_now:
                break
        results: dict[str, SeaRoute | None] = {}
        for key, dlat, dlon in destinations:
            approach = approaches[key]
            if approach is None:
                results[key] = None
                continue
            alat, alon, joins = approach
            harbour = great_circle_nm(alat, alon, dlat, dlon) if (alat, alon) != (dlat, dlon) else 0.0
            tail: tuple[tuple[float, float], ...] = ((alon, alat), (dlon, dlat)) if harbour else ((dlon, dlat),)
            best: SeaRoute | None = None
            direct = great_circle_nm(lat, lon, alat, alon)
            if direct <= SNAP_MAX_NM and leg_at_sea(lat, lon, alat, alon):
                best = SeaRoute(direct + harbour, ((lon, lat), *tail), False, harbour)
            for node, leg in joins:
                total = dist.get(node, math.inf) + leg + harbour
                if total < (best.distance_nm if best else math.inf):
                    path = self._path_to(node, previous)
                    if any((u, v) in self._banned for u, v in zip(path, path[1:], strict=False)):
                        continue  # repairs exhausted: never offer a path known to cross land
                    best = SeaRoute(total, ((lon, lat), *(self._nodes[i] for i in path), *tail), True, harbour)
            results[key] = best
        return results


_router: SeaRouter | None = None
_router_lock = threading.Lock()


def default_router() -> SeaRouter:
    """The process-wide router on the packaged network (built on first use)."""
    global _router
    with _router_lock:
        if _router is None:
            _router = SeaRouter.from_searoute()
        return _router
