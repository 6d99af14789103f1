"""Benchmark of detection (``run_benchmark() -> dict``, collected by ``seasight bench``), on a fresh local stack.

Figures (a benchmark, not a test: nothing here asserts a speed):

* ``stage_<N>_positions_per_s`` / ``stage_<N>_us_per_position`` — the streaming stage
  (:mod:`tracking.stream.stage`, every rule on) over N synthetic positions of V vessels reporting every
  10 s, in tracker-sized batches of 5,000, each batch one transaction: ``write_positions`` then the stage.
  ``..._detect_us_per_position`` is the stage alone (state, rules, flag reconciliation), without the
  position writes. The scaling table is N = 10 k, 100 k, 1 M with 1 k vessels and 100 k with 10 k vessels:
  flat cost per position means the 10 k and 1 M figures within 20 %.
* ``batch_round_<N>_s`` — the periodic batch (``run_detection`` over the last 24 h), the mode the stage
  replaces: one round over the same N positions, and ``batch_round_<N>_repeat_s`` a second round with
  nothing new.
* ``state_bytes_per_vessel`` — memory the stage holds per tracked vessel (keyed state, neighbour grid, gap
  queue, watermarks) after 24 h of reports every 60 s from 200 vessels (tracemalloc);
  ``state_points_per_vessel`` the reports it keeps, ``state_packed_bytes_per_vessel`` their packed records.
* ``distress_latency_p50_s`` / ``_p99_s`` — an AIS-SART position published to ``seasight.ais.distress``
  while the tracker (with ``--detect``) drains a backlog of 200,000 ordinary positions, to its flag event
  received on ``seasight.flag`` (after the database commit).
"""

from __future__ import annotations

import logging
import multiprocessing
import statistics
import tempfile
import threading
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from seasight.schemas import PositionReport

log = logging.getLogger("seasight.tracking.bench")

SCALING = ((10_000, 1_000), (100_000, 1_000), (1_000_000, 1_000), (100_000, 10_000))
BATCH = 5000
DISTRESS_BACKLOG = 200_000
DISTRESS_PROBES = 20
DETECT_POLL_RECORDS = 5000  # as `seasight track --detect` polls (the Tracker default)


def synthetic(positions: int, vessels: int, start: datetime, mmsi_base: int) -> list[PositionReport]:
    """``positions`` reports of ``vessels`` vessels on parallel courses 6 nm apart (open Bay of Bengal),
    every 10 s, time-ordered; a few of them stop reporting halfway (went-dark candidates)."""
    out: list[PositionReport] = []
    rounds = max(1, positions // vessels)
    for k in range(rounds):
        t = start + timedelta(seconds=10 * k)
        for v in range(vessels):
            if v % 97 == 0 and k > rounds // 2:
                continue
            out.append(
                PositionReport(
                    mmsi=mmsi_base + v,
                    observed_at=t,
                    lat=5.0 + 0.1 * (v // 100),
                    lon=84.0 + 0.1 * (v % 100) + 0.00055 * k,
                    sog_kn=12.0,
                    cog_deg=90.0,
                    heading_deg=90,
                    nav_status=0,
                    msg_type=1,
                    station="bench",
                    received_at=t,
                )
            )
    return out[:positions]


def _stage_figures(url: str, scaling: tuple[tuple[int, int], ...] = SCALING) -> dict[str, Any]:
    import psycopg

    from tracking.detect import run_detection
    from tracking.store import write_positions
    from tracking.stream.stage import DetectionStage

    figures: dict[str, Any] = {}
    for n, (positions, vessels) in enumerate(scaling):
        start = datetime(2030, 1, 1, tzinfo=UTC) + timedelta(days=30 * n)
        reports = synthetic(positions, vessels, start, 563_000_000 + 100_000 * n)
        label = f"{positions // 1000}k_{vessels // 1000}kv"
        stage = DetectionStage()
        with psycopg.connect(url) as conn:
            stage.start(conn)
            conn.commit()
            write_s = 0.0
            started = time.perf_counter()
            for i in range(0, len(reports), BATCH):
                batch = reports[i : i + BATCH]
                with conn.transaction():
                    t0 = time.perf_counter()
                    write_positions(conn, batch)
                    write_s += time.perf_counter() - t0
                    stage.process(conn, positions=batch)
            with conn.transaction():
                stage.flush(conn)
            total_s = time.perf_counter() - started
            figures[f"stage_{label}_positions_per_s"] = round(len(reports) / total_s)
            figures[f"stage_{label}_us_per_position"] = round(total_s / len(reports) * 1e6, 1)
            figures[f"stage_{label}_detect_us_per_position"] = round((total_s - write_s) / len(reports) * 1e6, 1)
            figures[f"stage_{label}_evaluations"] = stage.stats.evaluations
            if positions <= 100_000 and vessels == 1_000:
                end = reports[-1].observed_at + timedelta(seconds=10)
                for key in ("", "_repeat"):
                    t0 = time.perf_counter()
                    run_detection(conn, end=end, lookback=timedelta(hours=24))
                    conn.commit()
                    figures[f"batch_round_{label}{key}_s"] = round(time.perf_counter() - t0, 2)
        log.info("detection bench %s: %s", label, {k: v for k, v in figures.items() if label in k})
    small, large = figures.get("stage_10k_1kv_us_per_position"), figures.get("stage_1000k_1kv_us_per_position")
    if small and large:
        figures["stage_cost_growth_10k_to_1m"] = round(large / small, 2)
    return figures


def state_memory(vessels: int = 200, hours: int = 24) -> dict[str, Any]:
    """Bytes the streaming stage holds per tracked vessel (its keyed states, the neighbour grid, the gap
    queue, the feed watermarks — everything but the reference data) after ``hours`` of reports every 60 s
    from ``vessels`` vessels under way at 12 kn (tracemalloc; no database needed)."""
    from tracking.rules.model import TrackPoint
    from tracking.stream.stage import DetectionStage

    start = datetime(2030, 6, 1, tzinfo=UTC)

    def minute(k: int) -> list[TrackPoint]:
        return [
            TrackPoint(
                mmsi=500_000_000 + v,
                observed_at=start + timedelta(minutes=k, seconds=v % 60),
                lat=5.0 + 0.01 * v,
                lon=84.0 + 0.0033 * k,
                sog_kn=12.0,
                cog_deg=90.0,
                heading_deg=90,
                nav_status=0,
                msg_type=1,
                station="bench",
            )
            for v in range(vessels)
        ]

    stage = DetectionStage(distance_to_shore=lambda lat, lon: 100.0)
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for k in range(hours * 60):  # made inside the measured span: what the stage keeps is all that stays
        stage._take(minute(k))
        stage._pop_due()
        stage._prune_grid()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in after.compare_to(before, "filename"))
    return {
        "state_points_per_vessel": round(stage.memory_points() / vessels, 1),
        "state_bytes_per_vessel": round(grown / vessels),
        "state_packed_bytes_per_vessel": round(sum(s.nbytes() for s in stage.states.values()) / vessels),
    }


def _tracker_child(url: str, bootstrap: str, group: str, stop: Any, max_poll_records: int) -> None:
    import threading

    from tracking.consumer import Tracker
    from tracking.stream.stage import DetectionStage

    tracker = Tracker(
        url,
        bootstrap,
        group,
        max_poll_interval_ms=5000,
        detection=DetectionStage(),
        max_poll_records=max_poll_records,
    )

    def stop_when_asked() -> None:
        stop.wait()
        tracker.stop()

    threading.Thread(target=stop_when_asked, daemon=True).start()
    tracker.run()


def distress_latency(
    url: str, bootstrap: str, backlog: int = DISTRESS_BACKLOG, max_poll_records: int = DETECT_POLL_RECORDS
) -> dict[str, Any]:
    """Start the tracker (``--detect``), check it flags a first AIS-SART, then publish a backlog of ordinary
    positions with an AIS-SART probe after every ``backlog / probes`` of them, and time each probe from its
    send to its flag event on ``seasight.flag``."""
    from kafka import KafkaConsumer

    from seasight.kafka import TOPIC_AIS_DISTRESS, TOPIC_AIS_POSITION, TOPIC_FLAG, make_producer

    producer = make_producer(bootstrap)
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    group = f"bench-{uuid.uuid4().hex[:6]}"
    child = context.Process(target=_tracker_child, args=(url, bootstrap, group, stop, max_poll_records))
    child.start()
    start = datetime(2031, 1, 1, tzinfo=UTC)
    sent: dict[str, float] = {}
    arrived: dict[str, float] = {}
    lock = threading.Lock()
    listening = threading.Event()
    done = threading.Event()

    def listen() -> None:
        """Its own thread and consumer: a flag event is timed when it arrives, not when the publisher next
        looks (the publisher is busy sending the backlog)."""
        flags = KafkaConsumer(TOPIC_FLAG, bootstrap_servers=bootstrap, auto_offset_reset="latest", group_id=None)
        try:
            flags.poll(timeout_ms=1000)
            listening.set()
            while not done.is_set():
                for records in flags.poll(timeout_ms=100).values():
                    for rec in records:
                        subject = (rec.key or b"").decode()
                        if b'"distress"' in rec.value:
                            with lock:
                                arrived.setdefault(subject, time.monotonic())
        finally:
            flags.close()

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    listening.wait(30)

    def probe(k: int) -> None:
        mmsi = 970_900_000 + k
        sart = PositionReport(
            mmsi=mmsi,
            observed_at=start + timedelta(seconds=k),
            lat=6.0,
            lon=88.0,
            sog_kn=0.2,
            cog_deg=0.0,
            heading_deg=None,
            nav_status=14,
            msg_type=1,
            station="bench",
            received_at=start,
        )
        sent[f"vessel:{mmsi}"] = time.monotonic()
        producer.send(TOPIC_AIS_DISTRESS, key=str(mmsi), value=sart.to_json())
        producer.flush()

    def wait_for(subjects: list[str], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with lock:
                if all(s in arrived for s in subjects):
                    return
            time.sleep(0.05)

    try:
        probe(0)  # warm-up: both consumers of the tracker have joined their groups once this is flagged
        wait_for(["vessel:970900000"], 120)
        if "vessel:970900000" not in arrived:
            return {"distress_latency_missed": "the tracker never flagged a first AIS-SART"}
        every = max(1, backlog // DISTRESS_PROBES)
        for i, r in enumerate(synthetic(backlog, 2000, start, 564_000_000)):
            producer.send(TOPIC_AIS_POSITION, key=str(r.mmsi), value=r.to_json())
            if i % every == every - 1:
                producer.flush()
                probe(1 + i // every)
        producer.flush()
        wait_for([s for s in sent if s != "vessel:970900000"], 120)
    finally:
        done.set()
        stop.set()
        child.join(timeout=60)
        if child.is_alive():
            child.terminate()
        listener.join(timeout=10)
        producer.close()
    with lock:
        latencies = sorted(arrived[s] - t for s, t in sent.items() if s in arrived and s != "vessel:970900000")
    missed = len(sent) - 1 - len(latencies)
    figures: dict[str, Any] = {"distress_backlog_positions": backlog, "distress_probes_missed": missed}
    if latencies:
        latencies.sort()
        figures["distress_probes_flagged"] = len(latencies)
        figures["distress_latency_p50_s"] = round(statistics.median(latencies), 3)
        figures["distress_latency_p99_s"] = round(latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 3)
    return figures


def run_benchmark() -> dict[str, Any]:
    from seasight.errors import SeasightError
    from seasight.stack import LocalStack

    figures: dict[str, Any] = dict(state_memory())
    with tempfile.TemporaryDirectory(prefix="seasight-detectbench-") as tmp:
        stack = LocalStack(Path(tmp))
        try:
            state = stack.up(partitions=3)
            url = stack.database_url(state)
            figures.update(_stage_figures(url))
            figures.update(distress_latency(url, stack.kafka_bootstrap(state)))
        except SeasightError as exc:
            log.warning("detection benchmark skipped: %s", exc)
            figures["skipped"] = str(exc)
        finally:
            stack.destroy()
    return figures


if __name__ == "__main__":  # pragma: no cover - manual run: python -m tracking.bench
    logging.basicConfig(level=logging.INFO)
    for key, value in run_benchmark().items():
        print(f"{key:45} {value}")
