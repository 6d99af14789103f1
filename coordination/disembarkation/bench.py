"""Benchmark of the sea routes behind ``disembark options`` (``seasight bench`` collects ``run_benchmark()``).

Figures (measured, nothing assumed; seconds of wall time on this machine):
    sea_route_network_load_s        the searoute network and the GLOBE 1 km mask, first use in a process
    sea_route_port_access_ms_p50    one port's coastal raster (60 nm) and its joins, computed once per port
    sea_route_request_cold_s_p50 / _max   one options request (raster around the rescue position, 100 nm,
                                    plus the network) for the 12 nearest ports, ports not yet computed
    sea_route_request_warm_s_p50 / _max   the same request again (ports kept), what a dashboard page waits

Rescue positions: the five of issue 17 (west of Aceh, Andaman Sea, Bay of Bengal, off Rakhine, Timor Sea).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from geodata.geodesy import distance_nm

STARTS = ((5.45, 94.25), (8.5, 96.8), (19.5, 90.5), (20.0, 92.6), (-11.5, 126.0))
PORTS_PER_REQUEST = 12
MEMBER_ISO2 = ("AU", "BD", "ID", "IN", "LK", "MM", "MY", "TH", "TL", "PG")


def run_benchmark() -> dict[str, Any]:
    from coordination.disembarkation.register import authored_landing_places, packaged_ports
    from coordination.disembarkation.sea_routes import SeaRouter, _grid

    t0 = time.monotonic()
    _grid()
    router = SeaRouter.from_searoute()
    load_s = time.monotonic() - t0
    ports = [p for p in [*packaged_ports(), *authored_landing_places()] if p["locode"][:2] in MEMBER_ISO2]
    cold: list[float] = []
    warm: list[float] = []
    access_ms: list[float] = []
    for lat, lon in STARTS:
        nearest = sorted(ports, key=lambda p: distance_nm(lat, lon, p["lat"], p["lon"]))[:PORTS_PER_REQUEST]
        destinations = [(p["locode"], p["lat"], p["lon"]) for p in nearest]
        fresh = [p for p in nearest if (round(p["lat"], 6), round(p["lon"], 6)) not in router._ports]
        t0 = time.monotonic()
        router.routes_from(lat, lon, destinations)
        elapsed = time.monotonic() - t0
        cold.append(elapsed)
        t0 = time.monotonic()
        router.routes_from(lat, lon, destinations)
        warm.append(time.monotonic() - t0)
        if fresh:
            for p in fresh[:3]:
                probe = SeaRouter.from_searoute()
                t0 = time.monotonic()
                probe.port_access(p["lat"], p["lon"])
                access_ms.append((time.monotonic() - t0) * 1000)
    return {
        "sea_route_network_load_s": round(load_s, 2),
        "sea_route_port_access_ms_p50": round(statistics.median(access_ms), 1) if access_ms else None,
        "sea_route_request_cold_s_p50": round(statistics.median(cold), 2),
        "sea_route_request_cold_s_max": round(max(cold), 2),
        "sea_route_request_warm_s_p50": round(statistics.median(warm), 2),
        "sea_route_request_warm_s_max": round(max(warm), 2),
    }
