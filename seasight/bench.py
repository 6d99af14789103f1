"""``seasight bench``: speed and memory of the pipeline, measured against the design's targets.

The chain is the real one — pyais decoding in ``ingest`` → idempotent producer → broker → the tracker's
consumer → binary COPY into PostGIS → offset commit — on a FRESH local stack (its own PostGIS cluster and
broker in a temporary folder: the broker keeps every record in memory, so each benchmark gets a new one).
Input is a simulated AIS feed (``ingest/simulate.py``) or an NMEA file given with ``--file``.

Figures: decode rate (lines/s), decode+publish rate, end-to-end rate (publish start → last commit),
publish-to-commit latency p50/p99 (s), peak resident memory (MiB). Other parts add their own figures
through ``BENCH_MODULES`` (a module with ``run_benchmark() -> dict``).

Targets come from docs/architecture.md ("about 16,000 AIS messages/s with p99 publish-to-commit near 0.4 s" for the
bare libraries chained on 2 cores); ``--check`` exits 1 when a target is missed.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import queue
import resource
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from seasight.clock import system_clock
from seasight.errors import SeasightError
from seasight.kafka import TOPIC_AIS_POSITION
from seasight.schemas import Message, PositionReport
from seasight.stack import LocalStack

log = logging.getLogger("seasight.bench")

BENCH_MODULES = ("geodata.bench", "ingest.bench", "tracking.bench", "coordination.disembarkation.bench")


@dataclass(frozen=True)
class Target:
    name: str
    figure: str
    limit: float
    higher_is_better: bool
    source: str

    def met(self, figures: dict[str, Any]) -> bool | None:
        value = figures.get(self.figure)
        if not isinstance(value, int | float):
            return None
        return value >= self.limit if self.higher_is_better else value <= self.limit


TARGETS = (
    Target(
        "end-to-end throughput",
        "pipeline.end_to_end_msgs_per_s",
        16_000,
        True,
        "docs/architecture.md: bare libraries chained on 2 cores, about 16,000 msg/s",
    ),
    Target(
        "publish-to-commit p99",
        "pipeline.latency_p99_s",
        0.4,
        False,
        "docs/architecture.md: p99 publish-to-commit near 0.4 s",
    ),
)


def simulated_lines(count: int, vessels: int = 2000) -> list[bytes]:
    """``count`` AIVDM lines of a simulated fleet (message 1 only, the bulk of real traffic)."""
    from ingest.simulate import build_fleet, sentences_at

    fleet = build_fleet(vessels, seed=11)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    lines: list[bytes] = []
    tick = 0
    while len(lines) < count:
        now = start + timedelta(seconds=10 * tick)
        lines.extend(s.encode() for s in sentences_at(fleet, start, now, with_static=False))
        tick += 1
    return lines[:count]


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _tracker_process(database_url: str, bootstrap: str, results: Any, stop: Any) -> None:
    """The tracker in its own process, as in production; reports each commit's latencies to the parent."""
    from tracking.consumer import Tracker

    def on_commit(batch: dict[str, list[Message]]) -> None:
        now = system_clock()
        positions = batch.get(TOPIC_AIS_POSITION, [])
        latencies = [(now - m.received_at).total_seconds() for m in positions if isinstance(m, PositionReport)]
        results.put((time.time(), latencies))

    tracker = Tracker(database_url, bootstrap, "bench", max_poll_interval_ms=3000, on_commit=on_commit)

    def stop_when_asked() -> None:
        stop.wait()
        tracker.stop()

    threading.Thread(target=stop_when_asked, daemon=True).start()
    tracker.run()


def run_pipeline(lines: list[bytes], partitions: int = 3) -> dict[str, float]:
    from ingest.ais import publish_positions, read_positions

    started = time.perf_counter()
    decoded = sum(1 for _ in read_positions(lines, "bench"))
    decode_s = time.perf_counter() - started
    if decoded == 0:
        raise SeasightError("benchmark input decoded to no position reports")

    context = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory(prefix="seasight-bench-") as folder:
        stack = LocalStack(Path(folder))
        try:
            state = stack.up(partitions=partitions)
            bootstrap = stack.kafka_bootstrap(state)
            results = context.Queue()
            stop = context.Event()
            tracker = context.Process(
                target=_tracker_process,
                name="bench-tracker",
                args=(stack.database_url(state), bootstrap, results, stop),
            )
            tracker.start()

            def collect(expected: int, timeout_s: float) -> tuple[list[float], float]:
                latencies: list[float] = []
                last = 0.0
                deadline = time.monotonic() + timeout_s
                while len(latencies) < expected and time.monotonic() < deadline:
                    try:
                        last, batch = results.get(timeout=1)
                    except queue.Empty:
                        continue
                    latencies.extend(batch)
                if len(latencies) < expected:
                    raise SeasightError(f"only {len(latencies)} of {expected} reports committed in {timeout_s} s")
                return latencies, last

            # Let the group join (Tansu: the first join waits for the rebalance timeout) before timing.
            collect(publish_positions(read_positions(lines[:10], "bench"), bootstrap), 60)
            publish_started = time.time()
            tick = time.perf_counter()
            published = publish_positions(read_positions(lines, "bench"), bootstrap)
            publish_s = time.perf_counter() - tick
            latencies, last_commit = collect(published, 300)
            end_to_end_s = last_commit - publish_started
            stop.set()
            tracker.join(timeout=30)
            if tracker.is_alive():
                tracker.kill()
        finally:
            stack.destroy()
    return {
        "lines": len(lines),
        "position_reports": decoded,
        "decode_lines_per_s": round(len(lines) / decode_s),
        "decode_publish_msgs_per_s": round(published / publish_s),
        "end_to_end_msgs_per_s": round(published / end_to_end_s),
        "latency_p50_s": round(statistics.median(latencies), 3),
        "latency_p99_s": round(_percentile(latencies, 0.99), 3),
        "ingest_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "tracker_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
    }


def run_all(lines: list[bytes], include_parts: bool = True) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for name, value in run_pipeline(lines).items():
        figures[f"pipeline.{name}"] = value
    if include_parts:
        for module_name in BENCH_MODULES:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError:
                continue
            for name, value in module.run_benchmark().items():
                figures[f"{module_name.split('.')[0]}.{name}"] = value
    return figures
