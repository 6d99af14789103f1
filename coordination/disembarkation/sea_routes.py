"""Sea routes from a rescue position to places of safety: at sea all the way, fine near the coast.

How a route is built
    1. **Near each end: the land-mask raster.** Within :data:`COASTAL_RADIUS_NM` of the rescue position and
       of each port, the route is the shortest path over the cells at sea of the GLOBE 1 km land mask
       (PyPI ``global-land-mask``, 1/120 degree cells), eight neighbours per cell (a diagonal step only
       where one of the two cells beside it is at sea too, so a route never slips between two land cells
       touching at a corner). This is Dijkstra's algorithm on the raster graph (``scipy.sparse.csgraph``),
       step lengths geodesic on WGS84.
    2. **Beyond: the searoute network.** The maritime network packaged in ``searoute`` (PyPI, Apache-2.0;
       the Eurostat/Oak Ridge "Marnet" lines, about 9,700 nodes and 16,000 edges, the North-West passage
       left out) joins the two ends. The raster of each end joins the network at every network node inside
       it that the raster reaches, and, from the edge of the raster, by a straight leg at sea to network
       nodes up to :data:`EXIT_LEG_MAX_NM` beyond (the network is sparse off some coasts: west of the
       Andaman Islands its nearest node to Port Blair is 166 nm away).
    3. When a port lies within the raster of the rescue position, the raster route itself is a candidate
       (e.g. Sabang from 60 nm west of Aceh), and so is a straight leg at sea from the rescue position.
    4. The raster parts are straightened ("string pulling": each vertex joined to the furthest later
       vertex that a straight leg at sea reaches), and the distance is the sum of the geodesic lengths of
       the final legs (WGS84, ``geodata.geodesy``).

At sea
    Every leg of the at-sea part is checked every :data:`LAND_CHECK_STEP_NM` against the same mask
    (network edges too, when a shortest path uses them: an edge over land is banned and the search
    repeated).

Ports
    A port's charted position is often the town, on land or up a river. Its *approach point* is the nearest
    cell at sea, within :data:`APPROACH_SEARCH_NM`, whose water reaches the edge of the port's raster (a
    lake or a closed lagoon does not count); the leg from the approach point to the port (a river or
    harbour channel the 1 km mask cannot see, e.g. the Hooghly up to Kolkata) is counted in the distance
    as ``harbour_leg_nm`` and shown, never hidden. A port with no such water is *no sea access*, with the
    reason (:meth:`SeaRouter.port_access`).

Units: nautical miles, degrees (WGS84).
"""

from __future__ import annotations

import heapq
import logging
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from coordination.disembarkation.errors import NoSeaRouteError
from coordination.search_box import degree_box, leg_length_bound_nm
from geodata.geodesy import METRES_PER_NM, WGS84, distance_nm, distances_nm, path_length_nm

log = logging.getLogger("seasight.coordination.disembarkation.sea_routes")

COASTAL_RADIUS_NM = 100.0
"""Half-size of the land-mask raster routed around each end (nm). Default 100, range 20-200: the coastal
part of a route where the network is too coarse; larger is slower (about the square)."""
PORT_RADIUS_NM = 60.0
"""Half-size of the land-mask raster routed around each port (nm). Default 60, range 20-200: enough to
reach open water off a port in a sound or behind islands (Port Blair by Duncan Passage, Kupang by the Semau
Strait); smaller than :data:`COASTAL_RADIUS_NM` because it is computed for every port of an options list
(kept once computed)."""
EXIT_LEG_MAX_NM = 200.0
"""Longest straight leg at sea from the edge of an end's raster to a network node beyond it (nm).
Default 200, range 0-400."""
EXIT_SPACING_CELLS = 12
"""Spacing of the raster-edge cells tried as exits (cells of 1/120 degree, about 1.85 km). Default 12."""
LAND_CHECK_STEP_NM = 0.25
"""Spacing of the land-mask checks along a leg (nm). Default 0.25 (about 460 m, under the 1 km mask cell),
range 0.05-2."""
APPROACH_SEARCH_NM = 60.0
"""Furthest an approach point at sea may be from a port's charted position (nm). Default 60, range 0-100:
Kolkata lies about 55 nm up the Hooghly from water the 1 km mask sees as open."""
DIRECT_LEG_MAX_NM = 300.0
"""Longest straight leg at sea from the rescue position to a port's approach point tried (nm)."""
MAX_EDGE_REPAIRS = 50
"""Most times one search is repeated after banning network edges found to cross land (count)."""
SMOOTHING_CANDIDATE_STEP = 3
"""Every n-th raster vertex is tried as the end of a straightened leg (count, plus always the next)."""
NETWORK_SOURCE = (
    "searoute (PyPI) Marnet maritime network beyond 100 nm of each end; GLOBE 1 km land mask "
    "(global-land-mask) raster within it; geodesics on WGS84"
)
NO_ACCESS_SOURCE = "GLOBE 1 km land mask (global-land-mask)"

FloatArray = npt.NDArray[np.float64]
Coordinate = tuple[float, float]  # (lon, lat)


@dataclass(frozen=True)
class SeaRoute:
    """A route at sea from the rescue position to one destination."""

    distance_nm: float
    coordinates: tuple[Coordinate, ...]  # (lon, lat) from the rescue position to the destination
    via_network: bool  # False: no searoute network node used (raster or direct leg only)
    harbour_leg_nm: float = 0.0  # last leg, approach point -> port (river / harbour)

    @property
    def at_sea_coordinates(self) -> tuple[Coordinate, ...]:
        """The route up to the approach point (everything checked to be at sea)."""
        return self.coordinates[:-1] if self.harbour_leg_nm > 0 else self.coordinates


@dataclass(frozen=True)
class PortAccess:
    """How a port is reached from the sea: its approach point and joins to the network, or why it cannot be."""

    lat: float
    lon: float
    approach_lat: float | None
    approach_lon: float | None
    harbour_leg_nm: float
    # network node -> (distance nm approach point -> node, path (lon, lat) from the node to the approach point)
    joins: dict[int, tuple[float, tuple[Coordinate, ...]]] = field(default_factory=dict)
    no_sea_access: str | None = None  # the reason, when the port cannot be reached by sea

    @property
    def routable(self) -> bool:
        return self.no_sea_access is None


def great_circle_nm(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance (nm, WGS84): one geodesy for all of Seasight (``geodata.geodesy``)."""
    return distance_nm(lat1, lon1, lat2, lon2)


# --- the GLOBE 1 km land mask --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Grid:
    ocean: npt.NDArray[np.bool_]  # True at sea; row 0 at 90N, column 0 at 180W
    lat0: float
    dlat: float  # negative
    lon0: float
    dlon: float


_GRID: _Grid | None = None
_GRID_LOCK = threading.Lock()


def _grid() -> _Grid:
    """The GLOBE grid of global-land-mask (loaded once)."""
    global _GRID
    with _GRID_LOCK:
        if _GRID is None:
            from global_land_mask import globe

            lat, lon = globe._lat, globe._lon  # the package's axes (its own lookups re-validate every call)
            _GRID = _Grid(globe._mask, float(lat[0]), float(lat[1] - lat[0]), float(lon[0]), float(lon[1] - lon[0]))
        return _GRID


def _cell_rows(lats: FloatArray) -> npt.NDArray[np.int64]:
    g = _grid()
    rows = ((np.clip(np.asarray(lats, dtype=float), -90, 90) - g.lat0) / g.dlat).astype(np.int64)
    result: npt.NDArray[np.int64] = np.clip(rows, 0, g.ocean.shape[0] - 1)
    return result


def _cell_cols(lons: FloatArray) -> npt.NDArray[np.int64]:
    g = _grid()
    wrapped = ((np.asarray(lons, dtype=float) + 180.0) % 360.0) - 180.0
    return np.clip(((wrapped - g.lon0) / g.dlon).astype(np.int64), 0, g.ocean.shape[1] - 1)


def _is_land(lats: FloatArray, lons: FloatArray) -> npt.NDArray[np.bool_]:
    """Land (True) or sea at each position, GLOBE 1 km mask (same cell rule as global-land-mask)."""
    result: npt.NDArray[np.bool_] = ~_grid().ocean[_cell_rows(lats), _cell_cols(lons)]
    return result


def legs_at_sea_between(
    lats1: FloatArray, lons1: FloatArray, lats2: FloatArray, lons2: FloatArray
) -> npt.NDArray[np.bool_]:
    """For each straight leg (linear in lon/lat, as drawn on a map) from (lats1[k], lons1[k]) to
    (lats2[k], lons2[k]): does it stay at sea? Checked every :data:`LAND_CHECK_STEP_NM`."""
    lats1, lons1, lats2, lons2 = (np.asarray(a, dtype=float) for a in np.broadcast_arrays(lats1, lons1, lats2, lons2))
    if lats2.size == 0:
        return np.zeros(0, dtype=bool)
    dlon = ((lons2 - lons1 + 180.0) % 360.0) - 180.0
    # an upper bound of each leg's length (WGS84), so the checks are never further apart than the step
    lengths = leg_length_bound_nm(lats1, lons1, lats2, lons2)
    counts = np.maximum(2, np.ceil(lengths / LAND_CHECK_STEP_NM).astype(np.int64) + 1)
    leg = np.repeat(np.arange(lats2.size), counts)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    t = (np.arange(leg.size) - starts[leg]) / (counts[leg] - 1)
    land = _is_land(lats1[leg] + (lats2[leg] - lats1[leg]) * t, lons1[leg] + dlon[leg] * t)
    result: npt.NDArray[np.bool_] = ~np.logical_or.reduceat(land, starts)
    return result


def legs_at_sea(lat: float, lon: float, lats: FloatArray, lons: FloatArray) -> npt.NDArray[np.bool_]:
    """For each straight leg from (lat, lon) to (lats[k], lons[k]): stays at sea?"""
    lats = np.asarray(lats, dtype=float)
    return legs_at_sea_between(np.full(lats.shape, lat), np.full(lats.shape, lon), lats, np.asarray(lons, dtype=float))


def leg_at_sea(lat1: float, lon1: float, lat2: float, lon2: float) -> bool:
    """True when the straight leg (linear in lon/lat) between two positions stays at sea."""
    return bool(legs_at_sea(lat1, lon1, np.array([lat2]), np.array([lon2]))[0])


def position_at_sea(lat: float, lon: float) -> bool:
    """True when the position is at sea according to the 1 km land mask."""
    return not bool(_is_land(np.array([lat]), np.array([lon]))[0])


# --- the coastal raster around one end ------------------------------------------------------------------


class _CoastalRaster:
    """Shortest paths over the sea cells of the land mask within ``radius_nm`` of a centre position."""

    def __init__(self, lat: float, lon: float, radius_nm: float) -> None:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        self.radius_nm = radius_nm
        g = _grid()
        # the degree box of the geodesic circle of radius_nm (WGS84), as a window of whole cells
        box = degree_box(lat, lon, radius_nm)
        half_rows = int(math.ceil(max(box.north - lat, lat - box.south) / abs(g.dlat)))
        half_cols = min(g.ocean.shape[1] // 2 - 1, int(math.ceil(box.half_width_deg / g.dlon)))
        centre_row = int(_cell_rows(np.array([lat]))[0])
        centre_col = int(_cell_cols(np.array([lon]))[0])
        self.row0 = max(0, centre_row - half_rows)
        row1 = min(g.ocean.shape[0], centre_row + half_rows + 1)
        self.col0 = centre_col - half_cols  # may be negative or past the antimeridian: columns wrap
        cols = np.arange(self.col0, centre_col + half_cols + 1) % g.ocean.shape[1]
        self.sea: npt.NDArray[np.bool_] = g.ocean[self.row0 : row1][:, cols]
        self.shape = self.sea.shape
        h, w = self.shape
        self.centre = (centre_row - self.row0) * w + (centre_col - self.col0)
        # cell centres
        self.lats = g.lat0 + (np.arange(self.row0, row1) + 0.5) * g.dlat
        self.lons = g.lon0 + (np.arange(self.col0, self.col0 + w) + 0.5) * g.dlon  # unwrapped
        # graph: 8 neighbours, geodesic step lengths per row (WGS84)
        lat_a = self.lats
        _, _, east = WGS84.inv(np.zeros(h), lat_a, np.full(h, g.dlon), lat_a)  # (r, c) -> (r, c + 1)
        lat_b = np.append(lat_a[1:], lat_a[-1] + g.dlat)
        _, _, south = WGS84.inv(np.zeros(h), lat_a, np.zeros(h), lat_b)  # (r, c) -> (r + 1, c)
        _, _, diagonal = WGS84.inv(np.zeros(h), lat_a, np.full(h, g.dlon), lat_b)  # (r, c) -> (r + 1, c +- 1)
        east, south, diagonal = (np.asarray(a, dtype=float) for a in (east, south, diagonal))
        rows_i, rows_j, weights = [], [], []
        index = np.arange(h * w).reshape(h, w)
        for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
            # pairs (r, c) -> (r + dr, c + dc) for r in [0, h - dr), c in [c0, c1)
            c0, c1 = max(0, -dc), w - max(0, dc)
            ok = self.sea[: h - dr, c0:c1] & self.sea[dr:, c0 + dc : c1 + dc]
            if dr and dc:  # a diagonal step needs one of the two cells beside it at sea
                ok &= self.sea[: h - dr, c0 + dc : c1 + dc] | self.sea[dr:, c0:c1]
            ia = index[: h - dr, c0:c1][ok]
            ib = index[dr:, c0 + dc : c1 + dc][ok]
            r = ia // w
            length = east[r] if dr == 0 else (south[r] if dc == 0 else diagonal[r])
            rows_i.append(ia)
            rows_j.append(ib)
            weights.append(np.asarray(length, dtype=float))
        i = np.concatenate(rows_i)
        j = np.concatenate(rows_j)
        wts = np.concatenate(weights)
        self.graph = coo_matrix((wts, (i, j)), shape=(h * w, h * w)).tocsr()
        # water joined (by the same steps) to the edge of the raster: open sea, not a lake or closed lagoon
        _, labels = connected_components(self.graph, directed=False)
        grid_labels = labels.reshape(h, w)
        border = np.concatenate((grid_labels[0], grid_labels[-1], grid_labels[:, 0], grid_labels[:, -1]))
        border_sea = np.concatenate((self.sea[0], self.sea[-1], self.sea[:, 0], self.sea[:, -1]))
        self.open_sea: npt.NDArray[np.bool_] = self.sea & np.isin(grid_labels, np.unique(border[border_sea]))

    def cells_of(self, lats: FloatArray, lons: FloatArray) -> npt.NDArray[np.int64]:
        """Flat cell index of each position, -1 outside the raster."""
        g = _grid()
        h, w = self.shape
        r = _cell_rows(lats) - self.row0
        c = ((np.asarray(lons, dtype=float) - g.lon0) / g.dlon).astype(np.int64)
        c = (c - self.col0) % g.ocean.shape[1]
        inside = (r >= 0) & (r < h) & (c >= 0) & (c < w)
        return np.where(inside, r * w + c, -1)

    def position(self, cell: int) -> Coordinate:
        h, w = self.shape
        lon = float(self.lons[cell % w])
        return ((lon + 180.0) % 360.0 - 180.0, float(self.lats[cell // w]))

    def shortest_from(self, cell: int) -> tuple[FloatArray, npt.NDArray[np.int32]]:
        """(distance m to every cell, predecessor of every cell) from ``cell``; inf / -9999 where unreached."""
        from scipy.sparse.csgraph import dijkstra

        dist, pred = dijkstra(self.graph, directed=False, indices=cell, return_predecessors=True)
        return np.asarray(dist, dtype=float), np.asarray(pred, dtype=np.int32)

    def path(self, pred: npt.NDArray[np.int32], cell: int) -> list[int]:
        """Cells from the search's origin to ``cell``."""
        path = [cell]
        while pred[path[-1]] >= 0:
            path.append(int(pred[path[-1]]))
        path.reverse()
        return path

    def exits(self, dist: FloatArray) -> npt.NDArray[np.int64]:
        """Reached cells on the edge of the raster, about every :data:`EXIT_SPACING_CELLS` cells."""
        h, w = self.shape
        index = np.arange(h * w).reshape(h, w)
        ring = np.concatenate((index[0, :], index[1:, -1], index[-1, -2::-1], index[-2:0:-1, 0]))
        ring = ring[np.isfinite(dist[ring])]
        result: npt.NDArray[np.int64] = ring[::EXIT_SPACING_CELLS]
        return result


@dataclass(frozen=True)
class _EndSearch:
    """The raster search around one end: distances (m) to network nodes and how to draw each join."""

    joins: dict[int, tuple[float, tuple[Coordinate, ...]]]  # node -> (nm, path from the end to the node)
    raster: _CoastalRaster
    dist: FloatArray
    pred: npt.NDArray[np.int32]
    origin: int


def straighten(points: Sequence[Coordinate]) -> list[Coordinate]:
    """String pulling: from each kept vertex, the furthest later vertex (every
    :data:`SMOOTHING_CANDIDATE_STEP`-th, and always the next) that a straight leg at sea reaches."""
    if len(points) <= 2:
        return list(points)
    pts = np.asarray(points, dtype=float)
    kept = [0]
    i = 0
    n = len(pts)
    while i < n - 1:
        candidates = np.unique(np.concatenate((np.arange(i + 1, n, SMOOTHING_CANDIDATE_STEP), [i + 1, n - 1])))
        ok = legs_at_sea_between(
            np.full(candidates.size, pts[i, 1]),
            np.full(candidates.size, pts[i, 0]),
            pts[candidates, 1],
            pts[candidates, 0],
        )
        reachable = candidates[ok]
        i = int(reachable.max()) if reachable.size else i + 1
        kept.append(i)
    return [(float(pts[k, 0]), float(pts[k, 1])) for k in kept]


class SeaRouter:
    """Shortest routes at sea (coastal raster + packaged network); build once per process (a few seconds)."""

    def __init__(
        self,
        nodes: Sequence[Coordinate],
        edges: Iterable[tuple[int, int]],
        coastal_radius_nm: float = COASTAL_RADIUS_NM,
        port_radius_nm: float = PORT_RADIUS_NM,
    ) -> None:
        for name, value in (("coastal_radius_nm", coastal_radius_nm), ("port_radius_nm", port_radius_nm)):
            if not 20.0 <= value <= 200.0:
                raise ValueError(f"{name} must be 20-200 nm, got {value}")
        self.coastal_radius_nm = coastal_radius_nm
        self.port_radius_nm = port_radius_nm
        self._nodes = [(float(x), float(y)) for x, y in nodes]
        self._lons = np.array([n[0] for n in self._nodes], dtype=float)
        self._lats = np.array([n[1] for n in self._nodes], dtype=float)
        pairs = np.array(list(edges), dtype=np.int64).reshape(-1, 2)
        lengths = distances_nm(
            self._lats[pairs[:, 0]], self._lons[pairs[:, 0]], self._lats[pairs[:, 1]], self._lons[pairs[:, 1]]
        )
        self._adjacent: list[list[tuple[int, float]]] = [[] for _ in self._nodes]
        for (u, v), d in zip(pairs.tolist(), lengths.tolist(), strict=True):
            self._adjacent[u].append((v, d))
            self._adjacent[v].append((u, d))
        self._checked: set[tuple[int, int]] = set()
        self._banned: set[tuple[int, int]] = set()
        self._ports: dict[tuple[float, float], PortAccess] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_searoute(cls) -> SeaRouter:
        import searoute

        marnet = searoute.setup_M()
        index: dict[tuple[float, float], int] = {}
        nodes: list[Coordinate] = []
        for node in marnet.nodes:
            index[node] = len(nodes)
            nodes.append((float(node[0]), float(node[1])))
        edges = [(index[u], index[v]) for u, v, data in marnet.edges(data=True) if data.get("passage") != "northwest"]
        log.info("sea-route network loaded: %d nodes, %d edges", len(nodes), len(edges))
        return cls(nodes, edges)

    # -- one end ---------------------------------------------------------------------------------------

    def _search_end(self, raster: _CoastalRaster, origin: int) -> _EndSearch:
        """Raster search from ``origin``: network nodes reached inside, and beyond by a leg from the edge."""
        dist, pred = raster.shortest_from(origin)
        joins: dict[int, tuple[float, tuple[Coordinate, ...]]] = {}
        node_cells = raster.cells_of(self._lats, self._lons)
        inside = np.flatnonzero(node_cells >= 0)
        for node in inside:
            cell = int(node_cells[node])
            if np.isfinite(dist[cell]):
                path = tuple(raster.position(c) for c in raster.path(pred, cell)) + (self._nodes[node],)
                joins[int(node)] = (float(dist[cell]) / METRES_PER_NM, path)
        exits = raster.exits(dist)
        if exits.size and EXIT_LEG_MAX_NM > 0:
            centre_lon, centre_lat = raster.position(origin)
            radius = raster.radius_nm
            reach = distances_nm(centre_lat, centre_lon, self._lats, self._lons)
            outside = np.flatnonzero((node_cells < 0) & (reach <= radius * 1.5 + EXIT_LEG_MAX_NM))
            if outside.size:
                exit_pos = np.array([raster.position(int(c)) for c in exits])
                e_idx = np.repeat(np.arange(exits.size), outside.size)
                n_idx = np.tile(outside, exits.size)
                legs = distances_nm(exit_pos[e_idx, 1], exit_pos[e_idx, 0], self._lats[n_idx], self._lons[n_idx])
                near = legs <= EXIT_LEG_MAX_NM
                e_idx, n_idx, legs = e_idx[near], n_idx[near], legs[near]
                ok = legs_at_sea_between(exit_pos[e_idx, 1], exit_pos[e_idx, 0], self._lats[n_idx], self._lons[n_idx])
                totals = dist[exits[e_idx]] / METRES_PER_NM + legs
                best: dict[int, tuple[float, int]] = {}
                for e, n, total in zip(e_idx[ok].tolist(), n_idx[ok].tolist(), totals[ok].tolist(), strict=True):
                    if total < best.get(n, (math.inf, -1))[0]:
                        best[n] = (total, e)
                for n, (total, e) in best.items():
                    path = tuple(raster.position(c) for c in raster.path(pred, int(exits[e]))) + (self._nodes[n],)
                    joins[n] = (float(total), path)
        return _EndSearch(joins, raster, dist, pred, origin)

    def port_access(self, lat: float, lon: float) -> PortAccess:
        """How a port charted at (lat, lon) is reached from the sea (computed once per port, then kept)."""
        key = (round(lat, 6), round(lon, 6))
        with self._lock:
            cached = self._ports.get(key)
        if cached is not None:
            return cached
        access = self._port_access(lat, lon)
        with self._lock:
            self._ports[key] = access
        return access

    def _approach_cell(self, raster: _CoastalRaster, lat: float, lon: float) -> tuple[int, float] | None:
        """(cell, nm) of the nearest open-sea cell within :data:`APPROACH_SEARCH_NM` of (lat, lon)."""
        h, w = raster.shape
        cell = int(raster.cells_of(np.array([lat]), np.array([lon]))[0])
        if cell >= 0 and raster.open_sea.flat[cell]:
            return cell, 0.0
        box = degree_box(lat, lon, max(APPROACH_SEARCH_NM, 1e-3))  # WGS84; then the geodesic distance decides
        near_rows = (raster.lats >= box.south) & (raster.lats <= box.north)
        near_cols = np.abs(((raster.lons - lon + 180.0) % 360.0) - 180.0) <= box.half_width_deg
        candidates = np.flatnonzero((raster.open_sea & near_rows[:, None] & near_cols[None, :]).ravel())
        if candidates.size == 0:
            return None
        c_lats = raster.lats[candidates // w]
        c_lons = raster.lons[candidates % w]
        d = distances_nm(lat, lon, c_lats, c_lons)
        best = int(np.argmin(d))
        if d[best] > APPROACH_SEARCH_NM:
            return None
        return int(candidates[best]), float(d[best])

    def _port_access(self, lat: float, lon: float) -> PortAccess:
        raster = _CoastalRaster(lat, lon, self.port_radius_nm)
        found = self._approach_cell(raster, lat, lon)
        if found is None:
            return PortAccess(
                lat,
                lon,
                None,
                None,
                0.0,
                no_sea_access=(
                    f"no sea access: no water connected to the open sea within {APPROACH_SEARCH_NM:g} nm of the "
                    f"charted position ({NO_ACCESS_SOURCE})"
                ),
            )
        cell, harbour = found
        alon, alat = (lon, lat) if harbour == 0.0 else raster.position(cell)  # the charted position is at sea
        search = self._search_end(raster, cell)
        joins = {node: (nm, (*reversed(path[1:]), (alon, alat))) for node, (nm, path) in search.joins.items()}
        if not joins:
            return PortAccess(
                lat,
                lon,
                alat,
                alon,
                harbour,
                no_sea_access=(
                    f"no sea access: the water off the port reaches no sea lane of the network within "
                    f"{self.port_radius_nm + EXIT_LEG_MAX_NM:g} nm ({NETWORK_SOURCE})"
                ),
            )
        harbour_nm = harbour if harbour > 0 else 0.0
        return PortAccess(lat, lon, alat, alon, harbour_nm, joins)

    # -- the network -----------------------------------------------------------------------------------

    def _dijkstra(self, starts: dict[int, float]) -> tuple[dict[int, float], dict[int, int]]:
        dist: dict[int, float] = {}
        previous: dict[int, int] = {}
        heap: list[tuple[float, int]] = []
        for node, leg in starts.items():
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
        todo = [(u, v) for u, v in zip(path, path[1:], strict=False) if (u, v) not in self._checked]
        if not todo:
            return False
        us = np.array([u for u, _ in todo])
        vs = np.array([v for _, v in todo])
        ok = legs_at_sea_between(self._lats[us], self._lons[us], self._lats[vs], self._lons[vs])
        newly = False
        for (u, v), at_sea in zip(todo, ok.tolist(), strict=True):
            self._checked.update({(u, v), (v, u)})
            if not at_sea:
                self._banned.update({(u, v), (v, u)})
                newly = True
                log.debug("network edge %s -> %s crosses land: not used", self._nodes[u], self._nodes[v])
        return newly

    # -- routes ----------------------------------------------------------------------------------------

    def routes_from(
        self, lat: float, lon: float, destinations: Sequence[tuple[str, float, float]]
    ) -> dict[str, SeaRoute | None]:
        """Shortest sea route from (lat, lon) to each (key, lat, lon); None where the port has no sea access
        (:meth:`port_access` says why) or no route stays at sea.

        Raises :class:`NoSeaRouteError` when the start itself is on land.
        """
        if not position_at_sea(lat, lon):
            raise NoSeaRouteError(
                f"position {lat:.4f}, {lon:.4f} is on land (GLOBE 1 km land mask): give a position at sea"
            )
        raster = _CoastalRaster(lat, lon, self.coastal_radius_nm)
        start = self._search_end(raster, raster.centre)
        accesses = {key: self.port_access(dlat, dlon) for key, dlat, dlon in destinations}
        starts = {node: nm for node, (nm, _) in start.joins.items()}
        dist: dict[int, float] = {}
        previous: dict[int, int] = {}
        for _ in range(MAX_EDGE_REPAIRS):
            dist, previous = self._dijkstra(starts)
            banned_now = False
            for access in accesses.values():
                best = min(
                    ((dist[n] + nm, n) for n, (nm, _) in access.joins.items() if n in dist),
                    default=None,
                )
                if best is not None and self._ban_land_edges(self._path_to(best[1], previous)):
                    banned_now = True
            if not banned_now:
                break
        results: dict[str, SeaRoute | None] = {}
        for key, dlat, dlon in destinations:
            results[key] = self._route(lat, lon, dlat, dlon, start, accesses[key], dist, previous)
        return results

    def _route(
        self,
        lat: float,
        lon: float,
        dlat: float,
        dlon: float,
        start: _EndSearch,
        access: PortAccess,
        dist: dict[int, float],
        previous: dict[int, int],
    ) -> SeaRoute | None:
        if not access.routable or access.approach_lat is None or access.approach_lon is None:
            return None
        alat, alon = access.approach_lat, access.approach_lon
        harbour = access.harbour_leg_nm
        tail: tuple[Coordinate, ...] = ((dlon, dlat),) if harbour > 0 else ()
        candidates: list[tuple[float, list[Coordinate], bool]] = []  # (estimate nm, at-sea polyline, network)
        # the raster around the rescue position reaches the approach point
        cell = int(start.raster.cells_of(np.array([alat]), np.array([alon]))[0])
        if cell >= 0 and np.isfinite(start.dist[cell]):
            path = [start.raster.position(c) for c in start.raster.path(start.pred, cell)]
            candidates.append((float(start.dist[cell]) / METRES_PER_NM, [(lon, lat), *path[1:-1], (alon, alat)], False))
        # a straight leg at sea
        direct = great_circle_nm(lat, lon, alat, alon)
        if direct <= DIRECT_LEG_MAX_NM and leg_at_sea(lat, lon, alat, alon):
            candidates.append((direct, [(lon, lat), (alon, alat)], False))
        # through the network
        best_node, best_total = -1, math.inf
        for node, (nm, _) in access.joins.items():
            total = dist.get(node, math.inf) + nm
            if total < best_total:
                nodes = self._path_to(node, previous)
                if any((u, v) in self._banned for u, v in zip(nodes, nodes[1:], strict=False)):
                    continue  # repairs exhausted: never offer a path known to cross land
                best_node, best_total = node, total
        if best_node >= 0:
            nodes = self._path_to(best_node, previous)
            first = start.joins[nodes[0]][1]
            last = access.joins[best_node][1]
            line = [(lon, lat), *straighten([(lon, lat), *first[1:]])[1:-1]]
            line += [self._nodes[n] for n in nodes]
            line += straighten(last)[1:-1] + [(alon, alat)]
            candidates.append((best_total, line, True))
        if not candidates:
            return None
        best: SeaRoute | None = None
        for _estimate, line, network in sorted(candidates, key=lambda c: c[0])[:2]:
            at_sea = straighten(line) if not network else line
            length = path_length_nm(at_sea) + harbour
            if best is None or length < best.distance_nm:
                best = SeaRoute(length, (*at_sea, *tail), network, harbour)
        return best


_router: SeaRouter | None = None
_router_lock = threading.Lock()


def default_router() -> SeaRouter:
    """The process-wide router on the packaged network (built on first use)."""
    global _router
    with _router_lock:
        if _router is None:
            _router = SeaRouter.from_searoute()
        return _router
