"""Benchmark of the live map with many vessels: server-side queries, GeoJSON, the map's HTML, and the
browser drawing it (headless Debian Chromium), on a fresh local stack in a temporary folder.

    .venv/bin/python -m dashboard.benchmark --vessels 20000 [--json] [--no-browser]

Figures only, no pass/fail: they show whether 20,000 vessels in view stay responsive. The vessels are
SYNTHETIC (random positions over the region), written through the tracker's real writer.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg

from seasight.clock import system_clock

REGION = (80.0, -12.0, 130.0, 22.0)  # west, south, east, north: Bay of Bengal to the Timor Sea
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
    "--no-first-run",
]


def _timed(fn: Callable[[], Any], repeat: int = 5) -> tuple[Any, float]:
    """The result and the median wall time in milliseconds over ``repeat`` runs."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return result, round(statistics.median(times), 1)


def seed(conn: psycopg.Connection, vessels: int, fixes_per_vessel: int = 3, seed_value: int = 7) -> None:
    """Synthetic vessels (MMSIs 2xx000000+) with a short track each, through tracking.store."""
    from seasight.schemas import PositionReport
    from tracking.store import write_positions

    rng = random.Random(seed_value)
    now = system_clock()
    west, south, east, north = REGION
    reports = []
    for i in range(vessels):
        lat, lon = rng.uniform(south, north), rng.uniform(west, east)
        cog, sog = rng.uniform(0, 359), rng.choice([0.0, 0.2, 5.0, 9.5, 12.0, 18.0])
        for k in range(fixes_per_vessel):
            reports.append(
                PositionReport(
                    mmsi=201_000_000 + i,
                    observed_at=now - timedelta(minutes=10 * k + rng.uniform(0, 5)),
                    lat=lat - 0.01 * k,
                    lon=lon - 0.01 * k,
                    sog_kn=sog,
                    cog_deg=cog,
                    heading_deg=None,
                    nav_status=0,
                    msg_type=1,
                    station="benchmark-synthetic",
                    received_at=now,
                )
            )
    for start in range(0, len(reports), 20_000):
        write_positions(conn, reports[start : start + 20_000])
    conn.commit()


def measure(database_url: str, vessels: int, browser: bool) -> dict[str, Any]:
    from dashboard.maps import line_layer, live_map, vessel_layers
    from tracking.queries_map import (
        MapFilter,
        course_vectors_geojson,
        map_vessels_geojson,
        trails_geojson,
        vessels_in_view,
    )

    figures: dict[str, Any] = {"vessels_seeded": vessels}
    with psycopg.connect(database_url) as conn:
        start = time.perf_counter()
        seed(conn, vessels)
        figures["seed_s"] = round(time.perf_counter() - start, 1)
        now = system_clock()
        everything, figures["query_all_ms"] = _timed(lambda: vessels_in_view(conn, MapFilter()))
        figures["vessels_in_view_all"] = len(everything)
        quarter = (80.0, -12.0, 105.0, 5.0)
        part, figures["query_bbox_quarter_ms"] = _timed(lambda: vessels_in_view(conn, MapFilter(bbox=quarter)))
        figures["vessels_in_view_quarter"] = len(part)
        _, figures["query_min_risk_high_ms"] = _timed(lambda: vessels_in_view(conn, MapFilter(min_risk="high")))
        some = [v.mmsi for v in everything[:1500]]
        _, figures["trails_1500_vessels_ms"] = _timed(lambda: trails_geojson(conn, some, now - timedelta(hours=2)))
    geo, figures["geojson_all_ms"] = _timed(lambda: map_vessels_geojson(everything, now))
    vectors, figures["course_vectors_all_ms"] = _timed(lambda: course_vectors_geojson(everything))
    figures["geojson_all_bytes"] = len(json.dumps(geo, separators=(",", ":")))

    def html(with_vectors: bool = True) -> str:
        fmap = live_map()
        for group in vessel_layers(geo):
            group.add_to(fmap)
        if with_vectors:
            line_layer(vectors, "Course vectors", "#333").add_to(fmap)
        return str(fmap.get_root().render())

    page, figures["folium_render_all_ms"] = _timed(html, repeat=3)
    figures["map_html_bytes"] = len(page)
    if browser:
        figures.update({f"{k}_each_vessel": v for k, v in _browser(page).items()})
    # What the live map does with more than MAX_INDIVIDUAL vessels in view: flagged vessels one by one,
    # the rest as density cells (about 50 across the view).
    from dashboard.maps import MAX_INDIVIDUAL, density_cell_deg, density_layer
    from tracking.queries_map import count_in_view, density_geojson

    with psycopg.connect(database_url) as conn:
        wide = MapFilter(bbox=REGION)

        def wide_view() -> tuple[int, dict[str, Any], list[Any]]:
            n = count_in_view(conn, wide)
            flagged = vessels_in_view(conn, MapFilter(bbox=REGION, min_risk="info", limit=MAX_INDIVIDUAL))
            return n, density_geojson(conn, wide, density_cell_deg(REGION)), flagged

        (n, cells, flagged), figures["wide_view_queries_ms"] = _timed(wide_view)
    figures["wide_view_cells"] = len(cells["features"])

    def wide_html() -> str:
        fmap = live_map()
        density_layer(cells).add_to(fmap)
        for group in vessel_layers(map_vessels_geojson(flagged, now)):
            group.add_to(fmap)
        return str(fmap.get_root().render())

    wide_page, figures["wide_view_folium_render_ms"] = _timed(wide_html, repeat=3)
    figures["wide_view_html_bytes"] = len(wide_page)
    if browser:
        figures.update({f"{k}_wide_view": v for k, v in _browser(wide_page).items()})
    return figures


def _browser(page_html: str) -> dict[str, Any]:
    """Load the map page in headless Chromium (Leaflet from the local XStatic copy) and time it."""
    import xstatic.pkg.leaflet as xleaflet
    from playwright.sync_api import sync_playwright

    from dashboard.assets import LEAFLET_CSS_URL, LEAFLET_JS_URL

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copytree(xleaflet.BASE_DIR, folder / "leaflet")
        text = page_html.replace(LEAFLET_JS_URL, "leaflet/leaflet.js").replace(LEAFLET_CSS_URL, "leaflet/leaflet.css")
        (folder / "map.html").write_text(text)
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            page = chromium.new_page(viewport={"width": 1400, "height": 900})
            start = time.perf_counter()
            page.goto((folder / "map.html").as_uri(), wait_until="load")
            page.wait_for_selector(".leaflet-container canvas", timeout=120_000)
            out["browser_load_to_drawn_ms"] = round((time.perf_counter() - start) * 1000, 1)
            # Frame times while panning: the map stays usable if a pan step draws within ~100 ms.
            steps = page.evaluate("""async () => {
                const key = Object.keys(window).find(k => k.startsWith('map_'));
                const map = window[key];
                const times = [];
                for (let i = 0; i < 10; i++) {
                    const t0 = performance.now();
                    map.panBy([60, 30], {animate: false});
                    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
                    times.push(performance.now() - t0);
                }
                return times;
            }""")
            out["browser_pan_step_median_ms"] = round(statistics.median(steps), 1)
            out["browser_pan_step_max_ms"] = round(max(steps), 1)
            out["browser_js_heap_mb"] = round(
                page.evaluate("() => performance.memory ? performance.memory.usedJSHeapSize : 0") / 1e6, 1
            )
            chromium.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vessels", type=int, default=20_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args(argv)
    from seasight.stack import LocalStack

    with tempfile.TemporaryDirectory(prefix="seasight-map-bench-") as tmp:
        stack = LocalStack(Path(tmp))
        try:
            state = stack.up(partitions=1)
            figures = measure(stack.database_url(state), args.vessels, not args.no_browser)
        finally:
            stack.destroy()
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for name, value in figures.items():
            print(f"{name:32} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
