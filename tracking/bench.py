"""Benchmark of detection (``run_benchmark() -> dict``, collected by ``seasight bench``), on a fresh local stack.

Figures (a benchmark, not a test: nothing here asserts a speed):

* ``stage_<N>_positions_per_s`` / ``stage_<N>_us_per_position`` — the streaming stage
  (:mod:`tracking.stream.stage`, every rule on) over N synthetic positions of V vessels reporting every
  10 s, in tracker-sized batches of 5,000, each batch one transaction: ``write_positions`` then the stage.
  ``..._detect_us_per_position`` is the stage alone (state, rules, flag reconciliation), without the
  position writes. The scaling table is N = 10 k, 100 k, 1 M with 1 k vessels and 100 k with 10 k vessels.
  ``stage_detect_us_per_position_after_<N>k_held`` is the stage's marginal cost over two 10-minute buckets
  of event time after N positions are already held (10 k and 880 k of the 1 M run), and
  ``stage_cost_growth_held_10k_to_1m`` their ratio: flat cost per position means it stays within 1.2.
* ``batch_round_<N>_s`` — the periodic batch (``run_detection`` over the last 24 h), the mode the stage
  replaces: one round over the same N positions, and ``batch_round_<N>_repeat_s`` a second round with
  nothing new.
* ``state_bytes_per_vessel`` — memory the stage holds per tracked vessel (keyed state, neighbour grid, gap
  queue, watermarks) after 24 h of reports every 60 s from 200 vessels (tracemalloc);
  ``state_points_per_vessel`` the reports it keeps, ``state_packed_bytes_per_vessel`` their packed records.
* ``distress_latency_p50_s`` / ``_p99_s`` — an AIS-SART position published to ``seasight.ais.distress``
  while the tracker (with ``--detect``) drains a backlog of 200,000 ordinary positions, to its flag event
  received on ``seasight.flag`` (after the database commit), timed on arrival by a listener of its own.
* ``flag_latency_p50_s`` / ``_p99_s`` — an ordinary flag (an impossible speed on ``seasight.ais.position``)
  while the tracker takes 1,000 positions/s, from the report that completes it to its flag event.
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
LIVE_RATE = 1000  # positions/s: the paper plan's average for 10,000 vessels every 10 s
LIVE_SECONDS = 40.0


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
            detect_per_batch: list[float] = []
            for i in range(0, len(reports), BATCH):
                batch = reports[i : i + BATCH]
                with conn.transaction():
                    t0 = time.perf_counter()
                    write_positions(conn, batch)
                    t1 = time.perf_counter()
                    write_s += t1 - t0
                    stage.process(conn, positions=batch)
                    detect_per_batch.append(time.perf_counter() - t1)
            if positions >= 1_000_000:
                # Marginal cost with few vs many positions already held: the stage alone over the same number
                # of batches (two 10-minute buckets of event time) after 10 k and after 880 k positions.
                span = 2 * 600 * vessels // 10 // BATCH
                for held in (10_000, positions - span * BATCH):
                    k = held // BATCH
                    figures[f"stage_detect_us_per_position_after_{held // 1000}k_held"] = round(
                        sum(detect_per_batch[k : k + span]) / (span * BATCH) * 1e6, 1
                    )
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
    marginal = sorted(k for k in figures if k.startswith("stage_detect_us_per_position_after_"))
    if len(marginal) == 2:
        few, many = (figures[k] for k in sorted(marginal, key=lambda k: int(k.split("_")[-2][:-1])))
        figures["stage_cost_growth_held_10k_to_1m"] = round(many / few, 2)
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


class _FlagListener:
    """Flag events on ``seasight.flag`` timed on arrival, by a thread and consumer of their own (the publisher
    is busy sending), while a tracker with ``--detect`` runs in a child process."""

    def __init__(self, url: str, bootstrap: str, marker: bytes, max_poll_records: int = DETECT_POLL_RECORDS) -> None:
        self.url, self.bootstrap, self.marker = url, bootstrap, marker
        self.max_poll_records = max_poll_records
        self.sent: dict[str, float] = {}
        self.arrived: dict[str, float] = {}
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._listening = threading.Event()

    def __enter__(self) -> _FlagListener:
        context = multiprocessing.get_context("fork")  # forked before this process starts any thread
        self._stop = context.Event()
        group = f"bench-{uuid.uuid4().hex[:6]}"
        self._child = context.Process(
            target=_tracker_child, args=(self.url, self.bootstrap, group, self._stop, self.max_poll_records)
        )
        self._child.start()
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()
        self._listening.wait(30)
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._stop.set()
        self._child.join(timeout=60)
        if self._child.is_alive():
            self._child.terminate()
        self._thread.join(timeout=10)

    def _listen(self) -> None:
        from kafka import KafkaConsumer

        from seasight.kafka import TOPIC_FLAG

        flags = KafkaConsumer(TOPIC_FLAG, bootstrap_servers=self.bootstrap, auto_offset_reset="latest", group_id=None)
        try:
            flags.poll(timeout_ms=1000)
            self._listening.set()
            while not self._done.is_set():
                for records in flags.poll(timeout_ms=100).values():
                    for rec in records:
                        if self.marker in rec.value:
                            with self._lock:
                                self.arrived.setdefault((rec.key or b"").decode(), time.monotonic())
        finally:
            flags.close()

    def mark_sent(self, subject: str) -> None:
        self.sent[subject] = time.monotonic()

    def wait_for(self, subjects: list[str], timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if all(s in self.arrived for s in subjects):
                    return True
            time.sleep(0.05)
        return False

    def latencies(self, skip: str) -> tuple[list[float], int]:
        """Sorted latencies of the probes (``skip``: the warm-up probe) and how many were never flagged."""
        with self._lock:
            got = sorted(self.arrived[s] - t for s, t in self.sent.items() if s in self.arrived and s != skip)
        return got, len(self.sent) - 1 - len(got)


def _percentiles(prefix: str, latencies: list[float], missed: int) -> dict[str, Any]:
    figures: dict[str, Any] = {f"{prefix}_probes_missed": missed}
    if latencies:
        figures[f"{prefix}_probes_flagged"] = len(latencies)
        figures[f"{prefix}_latency_p50_s"] = round(statistics.median(latencies), 3)
        figures[f"{prefix}_latency_p99_s"] = round(latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 3)
    return figures


def distress_latency(
    url: str, bootstrap: str, backlog: int = DISTRESS_BACKLOG, max_poll_records: int = DETECT_POLL_RECORDS
) -> dict[str, Any]:
    """Start the tracker (``--detect``), check it flags a first AIS-SART, then publish a backlog of ordinary
    positions with an AIS-SART probe after every ``backlog / probes`` of them, and time each probe from its
    send to its flag event on ``seasight.flag``."""
    from seasight.kafka import TOPIC_AIS_DISTRESS, TOPIC_AIS_POSITION, make_producer

    producer = make_producer(bootstrap)
    start = datetime(2031, 1, 1, tzinfo=UTC)

    def probe(listener: _FlagListener, k: int) -> None:
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
        listener.mark_sent(f"vessel:{mmsi}")
        producer.send(TOPIC_AIS_DISTRESS, key=str(mmsi), value=sart.to_json())
        producer.flush()

    warm_up = "vessel:970900000"
    try:
        with _FlagListener(url, bootstrap, b'"distress"', max_poll_records) as listener:
            probe(listener, 0)  # warm-up: both consumers of the tracker have joined their groups once flagged
            if not listener.wait_for([warm_up], 120):
                return {"distress_latency_missed": "the tracker never flagged a first AIS-SART"}
            every = max(1, backlog // DISTRESS_PROBES)
            for i, r in enumerate(synthetic(backlog, 2000, start, 564_000_000)):
                producer.send(TOPIC_AIS_POSITION, key=str(r.mmsi), value=r.to_json())
                if i % every == every - 1:
                    producer.flush()
                    probe(listener, 1 + i // every)
            producer.flush()
            listener.wait_for(list(listener.sent), 120)
            latencies, missed = listener.latencies(skip=warm_up)
    finally:
        producer.close()
    return {"distress_backlog_positions": backlog, **_percentiles("distress", latencies, missed)}


def flag_latency(url: str, bootstrap: str, rate: int = LIVE_RATE, seconds: float = LIVE_SECONDS) -> dict[str, Any]:
    """An ordinary (non-distress) flag at a live rate: ordinary positions of 2,000 vessels at ``rate`` per
    second for ``seconds``, and every 2 s a probe vessel whose second report lies 30 nm from its first,
    20 s later (an impossible speed, rule ``impossible_speed``), both on ``seasight.ais.position``;
    timed from the send of the report that completes the flag to its flag event on ``seasight.flag``."""
    from seasight.kafka import TOPIC_AIS_POSITION, make_producer
    from tracking.rules.identity import IMPOSSIBLE_SPEED_ID

    producer = make_producer(bootstrap)
    start = datetime(2031, 2, 1, tzinfo=UTC)
    traffic = synthetic(int(rate * seconds), 2000, start, 565_000_000)

    def report(mmsi: int, at: datetime, lat: float) -> bytes:
        return PositionReport(
            mmsi=mmsi,
            observed_at=at,
            lat=lat,
            lon=89.0,
            sog_kn=10.0,
            cog_deg=0.0,
            heading_deg=0,
            nav_status=0,
            msg_type=1,
            station="bench",
            received_at=at,
        ).to_json()

    def probe(listener: _FlagListener, k: int, at: datetime) -> None:
        mmsi = 563_990_000 + k
        producer.send(TOPIC_AIS_POSITION, key=str(mmsi), value=report(mmsi, at, 6.0))
        producer.flush()
        listener.mark_sent(f"vessel:{mmsi}")
        producer.send(TOPIC_AIS_POSITION, key=str(mmsi), value=report(mmsi, at + timedelta(seconds=20), 6.5))
        producer.flush()

    warm_up = "vessel:563990000"
    try:
        with _FlagListener(url, bootstrap, IMPOSSIBLE_SPEED_ID.encode()) as listener:
            probe(listener, 0, start)
            if not listener.wait_for([warm_up], 120):
                return {"flag_latency_missed": "the tracker never flagged a first impossible speed"}
            began = time.monotonic()
            next_probe = began + 2.0
            for i, r in enumerate(traffic):
                producer.send(TOPIC_AIS_POSITION, key=str(r.mmsi), value=r.to_json())
                ahead = began + i / rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
                if time.monotonic() >= next_probe:
                    producer.flush()
                    probe(listener, len(listener.sent), r.observed_at)
                    next_probe += 2.0
            producer.flush()
            listener.wait_for(list(listener.sent), 60)
            latencies, missed = listener.latencies(skip=warm_up)
    finally:
        producer.close()
    return {"flag_live_rate_positions_per_s": rate, **_percentiles("flag", latencies, missed)}


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
            figures.update(flag_latency(url, stack.kafka_bootstrap(state)))
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
