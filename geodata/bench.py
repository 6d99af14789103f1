"""Benchmark of the per-message geographic lookups (``seasight bench`` collects ``run_benchmark()``).

Figures (all measured, nothing assumed):
    shore_grid_load_s                 first use of the GSHHG grid in a process (s)
    distance_to_shore_us_per_call     median µs per scalar :func:`distance_to_shore_nm` call
    is_land_us_per_call               median µs per scalar :func:`is_land` call
    distance_to_shore_batch_per_s     positions/s, :func:`distance_to_shore_nm_many` in batches of 10,000
    basemap_build_s / basemap_kib     first :func:`land_geojson` for the Asia-Pacific, and its JSON size (KiB)
    srr_at_ms_p50 / _p99, srr_at_per_s          :func:`srr_at` on one connection, PostGIS on a fresh stack
    where_ms_p50 / _p99                         the whole :func:`where` answer (SRR, states, zones, ports)
    index_build_s, index_areas_at_us_per_call   the in-memory :class:`~geodata.index.GeoIndex` (no I/O)

Positions are uniformly random over the Bay of Bengal, Andaman Sea and Indonesian waters (seeded, so
runs are comparable). The database figures use a fresh local stack in a temporary folder (started and
destroyed here) with the reference layers loaded; they are skipped (reported as None with the reason) if
that stack cannot start.
"""

from __future__ import annotations

import json
import logging
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger("seasight.geodata.bench")

REGION = (80.0, -12.0, 125.0, 23.0)  # min_lon, min_lat, max_lon, max_lat: Bay of Bengal to Timor Sea
SCALAR_CALLS = 50_000
BATCH = 10_000
DB_QUERIES = 500


def _positions(n: int, seed: int = 3) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    min_lon, min_lat, max_lon, max_lat = REGION
    return [(rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon)) for _ in range(n)]


def _per_call_us(fn: Any, points: list[tuple[float, float]]) -> float:
    samples = []
    chunk = 1000
    for k in range(0, len(points), chunk):
        part = points[k : k + chunk]
        t0 = time.perf_counter()
        for lat, lon in part:
            fn(lat, lon)
        samples.append((time.perf_counter() - t0) / len(part) * 1e6)
    return round(statistics.median(samples), 3)


def pure_figures() -> dict[str, Any]:
    """Figures of the database-free lookups."""
    from geodata import shore
    from geodata.basemap import land_geojson

    t0 = time.perf_counter()
    shore.load_grid()
    figures: dict[str, Any] = {"shore_grid_load_s": round(time.perf_counter() - t0, 3)}
    points = _positions(SCALAR_CALLS)
    figures["distance_to_shore_us_per_call"] = _per_call_us(shore.distance_to_shore_nm, points)
    figures["is_land_us_per_call"] = _per_call_us(shore.is_land, points)
    lat = np.array([p[0] for p in points[:BATCH]])
    lon = np.array([p[1] for p in points[:BATCH]])
    t0 = time.perf_counter()
    rounds = 20
    for _ in range(rounds):
        shore.distance_to_shore_nm_many(lat, lon)
    figures["distance_to_shore_batch_per_s"] = round(rounds * BATCH / (time.perf_counter() - t0))
    t0 = time.perf_counter()
    fc = land_geojson()
    figures["basemap_build_s"] = round(time.perf_counter() - t0, 3)
    figures["basemap_kib"] = round(len(json.dumps(fc, separators=(",", ":"))) / 1024, 1)
    return figures


def _percentile_ms(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)


def database_figures(database_url: str) -> dict[str, Any]:
    """Figures of the PostGIS lookups against a database that has the reference layers loaded."""
    import psycopg

    from geodata.index import GeoIndex
    from geodata.lookup import srr_at, where

    points = _positions(DB_QUERIES, seed=5)
    figures: dict[str, Any] = {}
    with psycopg.connect(database_url, autocommit=True) as conn:
        for lat, lon in points[:20]:  # warm the plan cache and the shore grid
            where(conn, lat, lon)
        srr_times = []
        t_all = time.perf_counter()
        for lat, lon in points:
            t0 = time.perf_counter()
            srr_at(conn, lat, lon)
            srr_times.append(time.perf_counter() - t0)
        figures["srr_at_per_s"] = round(len(points) / (time.perf_counter() - t_all))
        figures["srr_at_ms_p50"] = _percentile_ms(srr_times, 0.50)
        figures["srr_at_ms_p99"] = _percentile_ms(srr_times, 0.99)
        where_times = []
        for lat, lon in points[:200]:
            t0 = time.perf_counter()
            where(conn, lat, lon)
            where_times.append(time.perf_counter() - t0)
        figures["where_ms_p50"] = _percentile_ms(where_times, 0.50)
        figures["where_ms_p99"] = _percentile_ms(where_times, 0.99)
        t0 = time.perf_counter()
        index = GeoIndex.from_db(conn)
        figures["index_build_s"] = round(time.perf_counter() - t0, 3)
    figures["index_areas_at_us_per_call"] = _per_call_us(index.areas_at, _positions(SCALAR_CALLS // 5, seed=9))
    return figures


def run_benchmark() -> dict[str, Any]:
    """All figures; the database ones on a fresh local stack started (and destroyed) here."""
    from geodata.loader import load_reference_layers_at
    from seasight.errors import SeasightError
    from seasight.stack import LocalStack

    figures = pure_figures()
    with tempfile.TemporaryDirectory(prefix="seasight-geobench-") as tmp:
        stack = LocalStack(Path(tmp))
        try:
            state = stack.up(partitions=1)
            url = stack.database_url(state)
            load_reference_layers_at(url)
            figures.update(database_figures(url))
        except SeasightError as exc:
            log.warning("geodata database benchmark skipped: %s", exc)
            figures["database_skipped"] = str(exc)
        finally:
            stack.destroy()
    return figures


if __name__ == "__main__":  # pragma: no cover - manual run: python -m geodata.bench
    logging.basicConfig(level=logging.INFO)
    for key, value in run_benchmark().items():
        print(f"{key:35} {value}")
