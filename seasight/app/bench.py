"""``seasight bench``: the full system measured against the bare libraries chained, in one run, on one stack.

Both chains run on the same FRESH local stack (its own PostGIS cluster and broker in a temporary folder), on
the same input (a simulated AIS feed from ``ingest/simulate.py``, or an NMEA file given with ``--file``),
interleaved ``--rounds`` times: full, bare, full, bare, … so load from other processes on the machine falls on
both alike; the ratios are the figures to read, the absolute rates depend on the machine.

* **full** — the real chain: :mod:`ingest.ais` reader (pyais inside) → :class:`~seasight.schemas.Message` wire
  format → idempotent producer → broker → :class:`tracking.consumer.Tracker` (validation, clock checks, COPY,
  latest state, offset commit after the database commit).
* **bare** — :mod:`seasight.app.bare_bench`: pyais → JSON array → kafka-python producer → broker → kafka-python
  consumer → binary COPY + one set-based latest-state upsert → commit (docs/architecture.md, "Throughput").

JSON keys (``--json`` prints ``{"figures": {...}, "targets": [...]}``), stable. Rates are per second,
latencies in milliseconds, memory in MiB; a "record" is one position report (ITU-R M.1371 message 1/2/3/…).

Accounting (nothing lost silently), counted from the database and the consumers, the warm-up excluded:

======================================  ===============================================================
``input.lines``                         AIVDM lines given
``input.position_reports``              position reports the full chain published in one round
``{full,bare}.rounds``                  timed rounds of the chain
``{full,bare}.published``               records published over all timed rounds
``full.stored``                         new ``position`` rows
``full.conflicts``                      new ``position_conflict`` rows: a second report of a vessel and second
                                        with other content (a shared MMSI: the simulated fleet has one,
                                        564257251, so its second report each tick lands here)
``full.replayed``                       records already stored that added nothing (``tracker_drop``
                                        ``position_duplicate``): every record of rounds after the first
``full.quarantined``                    new ``report_quarantine`` rows (stamped in the future)
``bare.stored``                         rows the bare chain stored in its first round
``bare.replayed``                       rows it stored in later rounds (no natural key: each round stores the
                                        same input again, into a fresh session table)
``{full,bare}.redelivered``             deliveries of a record already committed in the same pass (a batch
                                        read again after a rebalance: the full chain adds nothing, the bare
                                        chain stores the rows again); kept out of every count above
``{full,bare}.unaccounted``             published minus stored, conflicts, replayed and quarantined of the
                                        chain; 0 means no loss
======================================  ===============================================================

End to end, both chains running (``--rounds`` interleaved passes, summed):

======================================  ===============================================================
``{full,bare}.msgs_per_s``              records / (first publish → last commit), records/s
``{full,bare}.publish_msgs_per_s``      decode + serialise + produce (acknowledged), records/s
``{full,bare}.p50_ms``, ``.p99_ms``     publish-to-commit latency (receive stamp → database commit seen by
                                        the consumer), ms
======================================  ===============================================================

Per component, each alone (records/s; the decode rate in lines/s):

======================================  ===============================================================
``{full,bare}.decode_lines_per_s``      decode (full: the :mod:`ingest.ais` reader; bare: ``pyais.decode``)
``{full,bare}.serialise_msgs_per_s``    wire encoding (full: ``Message.to_json``; bare: a JSON array)
``{full,bare}.deserialise_msgs_per_s``  wire decoding (full: ``PositionReport.from_json``; bare: json.loads)
``{full,bare}.produce_msgs_per_s``      already-encoded records sent by the chain's producer until all are
                                        acknowledged (full: ``seasight.kafka.make_producer``, lz4)
``{full,bare}.consume_msgs_per_s``      those records fetched by the chain's consumer (broker fetch, batch
                                        decompression and CRC32C check; no value decoding, no database)
``{full,bare}.write_msgs_per_s``        database write in batches of 5,000, one commit each (full:
                                        ``tracking.store.write_positions`` on new keys; bare: binary COPY +
                                        upsert)
``ratio.X``                             ``full.X / bare.X`` (3 decimals) for every rate and latency above
                                        both chains have (rates: < 1 = full slower; latencies: > 1 = full
                                        slower); none when a figure is missing, NaN or the bare one is 0
``memory.bench_peak_rss_mib``           peak resident memory of the publishing (bench) process, MiB
``memory.consumer_peak_rss_mib``        peak resident memory of the largest consumer process, MiB
======================================  ===============================================================

Other parts add their own figures (``geodata.*``, ``tracking.*``, …) through ``BENCH_MODULES`` (a module with
``run_benchmark() -> dict``), skipped with ``--pipeline-only``. Targets are issue 15's (``TARGETS``);
``--check`` exits 1 when one is missed.
"""

from __future__ import annotations

import importlib
import itertools
import json
import logging
import math
import multiprocessing
import queue
import resource
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeGuard

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
        "nothing lost (full system)",
        "full.unaccounted",
        0,
        False,
        "issue 15: 1 M messages, nothing lost",
    ),
    Target(
        "end-to-end throughput",
        "full.msgs_per_s",
        14_000,
        True,
        "issue 15: kafka-python transport, full system >= 14,000 msg/s on 2 cores",
    ),
    Target(
        "throughput against the bare chain",
        "ratio.msgs_per_s",
        0.9,
        True,
        "issue 15: full system >= 0.9 x the bare libraries chained, same run",
    ),
    Target(
        "p99 publish-to-commit against the bare chain",
        "ratio.p99_ms",
        2.0,
        False,
        "issue 15: p99 publish-to-commit <= 2 x the bare chain's, same run",
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
        positions = [m for m in batch.get(TOPIC_AIS_POSITION, []) if isinstance(m, PositionReport)]
        # A record is known by its content and its receipt (stamped per line by the reader), so a batch
        # delivered again after a rebalance is recognised by the collector and not counted twice.
        results.put(
            (
                time.time(),
                [
                    ((m.mmsi, m.observed_at, m.lat, m.lon, m.received_at), (now - m.received_at).total_seconds())
                    for m in positions
                ],
            )
        )

    tracker = Tracker(database_url, bootstrap, "bench", max_poll_interval_ms=3000, on_commit=on_commit)

    def stop_when_asked() -> None:
        stop.wait()
        tracker.stop()

    threading.Thread(target=stop_when_asked, daemon=True).start()
    tracker.run()


def _collect(results: Any, expected: int, timeout_s: float) -> tuple[list[float], float, int, int]:
    """Wait for ``expected`` distinct records committed. Returns their publish-to-commit latencies (s, of each
    record's first commit), the last commit's wall time (s), the consumer's last stored count, and how many
    deliveries were of a record already committed (a batch delivered again after a rebalance)."""
    first: dict[Any, float] = {}
    again = 0
    last = 0.0
    stored = 0
    deadline = time.monotonic() + timeout_s
    while len(first) < expected and time.monotonic() < deadline:
        try:
            item = results.get(timeout=1)
        except queue.Empty:
            continue
        last, batch = item[0], item[1]
        if len(item) > 2:
            stored = item[2]
        for key, latency in batch:
            if key in first:
                again += 1
            else:
                first[key] = latency
    if len(first) < expected:
        raise SeasightError(f"only {len(first)} of {expected} reports committed in {timeout_s} s")
    return list(first.values()), last, stored, again


@dataclass(frozen=True)
class Round:
    """One timed pass of a chain. Counts are of this pass alone (its warm-up excluded)."""

    published: int
    publish_s: float  # decode + serialise + produce (acknowledged), seconds
    end_to_end_s: float  # first publish -> last commit, seconds
    latencies: list[float]  # publish-to-commit of every record, seconds
    stored: int  # new rows
    conflicts: int = 0  # full: kept in position_conflict (same vessel and second, other content)
    replayed: int = 0  # full: already stored before this pass, added nothing (position_duplicate)
    quarantined: int = 0  # full: stamped in the future, kept in report_quarantine
    redelivered: int = 0  # deliveries of a record already committed in this pass (after a rebalance)


_FULL_COUNTS = """SELECT (SELECT count(*) FROM position), (SELECT count(*) FROM position_conflict),
       (SELECT coalesce(sum(records), 0) FROM tracker_drop_total WHERE reason = 'position_duplicate'),
       (SELECT count(*) FROM report_quarantine)"""


def _full_counts(database_url: str) -> tuple[int, int, int, int]:
    """(position rows, position_conflict rows, duplicates counted, quarantined reports) in the database now."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        row = conn.execute(_FULL_COUNTS).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def _warm_up_reports(lines: list[bytes]) -> list[PositionReport]:
    """Ten reports for the full chain's warm-up that are not in the input (its first ten, one day earlier),
    so the timed pass meets none of them again."""
    from ingest.ais import read_positions

    reports = list(itertools.islice(read_positions(lines, "bench"), 10))
    return [replace(r, observed_at=r.observed_at - timedelta(days=1)) for r in reports]


def _run_chain(chain: str, lines: list[bytes], database_url: str, bootstrap: str, context: Any) -> Round:
    """One timed pass of ``chain`` ("full" or "bare") after a warm-up, in a fresh consumer process."""
    from ingest.ais import publish_positions, read_positions
    from seasight.app.bare_bench import bare_consumer_process, bare_publish

    results = context.Queue()
    stop = context.Event()
    target = _tracker_process if chain == "full" else bare_consumer_process
    consumer = context.Process(
        target=target, name=f"bench-{chain}", args=(database_url, bootstrap, results, stop), daemon=True
    )
    consumer.start()

    def publish(batch: list[bytes]) -> int:
        if chain == "full":
            return publish_positions(read_positions(batch, "bench"), bootstrap)
        return bare_publish(batch, bootstrap)

    try:
        # Let the group join (Tansu: the first join waits for the rebalance timeout) before timing.
        if chain == "full":
            _collect(results, publish_positions(_warm_up_reports(lines), bootstrap), 90)
            before = _full_counts(database_url)
        else:
            bare_before = _collect(results, bare_publish(lines[:10], bootstrap), 90)[2]
        publish_started = time.time()
        tick = time.perf_counter()
        published = publish(lines)
        publish_s = time.perf_counter() - tick
        latencies, last_commit, stored, again = _collect(results, published, 600)
        end_to_end_s = last_commit - publish_started
        if chain == "full":
            after = _full_counts(database_url)
            new, conflicts, duplicates, quarantined = (a - b for a, b in zip(after, before, strict=True))
            # A batch delivered again is counted by the tracker as duplicates: those are redeliveries.
            run = Round(
                published, publish_s, end_to_end_s, latencies, new, conflicts, duplicates - again, quarantined, again
            )
        else:
            # The bare chain has no natural key: a batch delivered again is stored again.
            run = Round(published, publish_s, end_to_end_s, latencies, stored - bare_before - again, redelivered=again)
    finally:
        stop.set()
        consumer.join(timeout=30)
        if consumer.is_alive():
            consumer.kill()
    return run


def _components(lines: list[bytes]) -> dict[str, float]:
    """Per-component rates (per second) of each chain that need no stack, in this process, on ``lines``."""
    from ingest.ais import read_positions
    from seasight.app.bare_bench import bare_decode, bare_serialise

    figures: dict[str, float] = {}
    tick = time.perf_counter()
    reports = list(read_positions(lines, "bench"))
    figures["full.decode_lines_per_s"] = len(lines) / (time.perf_counter() - tick)
    tick = time.perf_counter()
    for r in reports:
        r.to_json()
    figures["full.serialise_msgs_per_s"] = len(reports) / (time.perf_counter() - tick)
    encoded = [r.to_json() for r in reports]
    tick = time.perf_counter()
    for value in encoded:
        PositionReport.from_json(value)
    figures["full.deserialise_msgs_per_s"] = len(encoded) / (time.perf_counter() - tick)
    tick = time.perf_counter()
    rows = bare_decode(lines)
    figures["bare.decode_lines_per_s"] = len(lines) / (time.perf_counter() - tick)
    tick = time.perf_counter()
    bare_values = [bare_serialise(row, 0) for row in rows]
    figures["bare.serialise_msgs_per_s"] = len(rows) / (time.perf_counter() - tick)
    tick = time.perf_counter()
    for value in bare_values:
        json.loads(value)
    figures["bare.deserialise_msgs_per_s"] = len(bare_values) / (time.perf_counter() - tick)
    return {k: round(v) for k, v in figures.items()}


COMPONENT_TOPICS = {"full": "bench.full.produce", "bare": "bench.bare.produce"}


def _produce_alone(producer: Any, topic: str, values: list[tuple[Any, bytes]]) -> float:
    """Records/s of sending ``values`` (key, already encoded value) until every one is acknowledged."""
    tick = time.perf_counter()
    for key, value in values:
        producer.send(topic, key=key, value=value)
    producer.flush()
    elapsed = time.perf_counter() - tick
    producer.close()
    return len(values) / elapsed


def _consume_alone(consumer: Any, topic: str, expected: int, timeout_s: float = 300) -> float:
    """Records/s fetched by ``consumer`` from every partition of ``topic`` from the beginning (no decoding
    of the values, no database). The partitions are assigned, not joined as a group, so no rebalance wait is
    timed: the clock runs from the first poll to the last of ``expected`` records."""
    from kafka import TopicPartition

    consumer.unsubscribe()
    partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    got = 0
    deadline = time.monotonic() + timeout_s
    tick = time.perf_counter()
    try:
        while got < expected and time.monotonic() < deadline:
            got += sum(len(batch) for batch in consumer.poll(timeout_ms=500).values())
        elapsed = time.perf_counter() - tick
    finally:
        consumer.close()
    if got < expected:
        raise SeasightError(f"consume alone: only {got} of {expected} records of {topic} fetched in {timeout_s} s")
    return got / elapsed


def _write_alone_full(database_url: str, reports: list[PositionReport], batch: int) -> float:
    """Reports/s of :func:`tracking.store.write_positions` in batches of ``batch``, one commit each."""
    import psycopg

    from tracking.store import write_positions

    with psycopg.connect(database_url) as conn:
        tick = time.perf_counter()
        for start in range(0, len(reports), batch):
            write_positions(conn, reports[start : start + batch])
            conn.commit()
        return len(reports) / (time.perf_counter() - tick)


def _write_alone_bare(database_url: str, rows: list[Any], batch: int) -> float:
    """Rows/s of :func:`seasight.app.bare_bench.bare_write` in batches of ``batch`` (each its own commit)."""
    import psycopg

    from seasight.app.bare_bench import bare_tables, bare_write

    with psycopg.connect(database_url) as conn:
        bare_tables(conn)
        tick = time.perf_counter()
        for start in range(0, len(rows), batch):
            bare_write(conn, rows[start : start + batch])
        return len(rows) / (time.perf_counter() - tick)


def _stack_components(lines: list[bytes], database_url: str, bootstrap: str) -> dict[str, float]:
    """Produce alone, consume alone and write alone of each chain, on the stack, after the timed rounds.

    Produce: already-encoded values through each chain's producer to a topic of its own
    (``COMPONENT_TOPICS``); consume: those records fetched by each chain's consumer in a new group;
    write: the input's reports two days earlier (new keys) through each chain's database write,
    in batches of 5,000 (the tracker's ``max_poll_records``).
    """
    from ingest.ais import read_positions
    from seasight.app.bare_bench import bare_consumer, bare_decode, bare_producer, bare_serialise
    from seasight.kafka import make_consumer, make_producer

    reports = list(read_positions(lines, "bench"))
    full_values = [(str(r.mmsi), r.to_json()) for r in reports]
    now_ms = int(time.time() * 1000)
    bare_rows = bare_decode(lines)
    bare_values = [(str(row[0]).encode(), bare_serialise(row, now_ms)) for row in bare_rows]
    figures: dict[str, float] = {
        "full.produce_msgs_per_s": _produce_alone(make_producer(bootstrap), COMPONENT_TOPICS["full"], full_values),
        "bare.produce_msgs_per_s": _produce_alone(bare_producer(bootstrap), COMPONENT_TOPICS["bare"], bare_values),
    }
    figures["full.consume_msgs_per_s"] = _consume_alone(
        make_consumer(bootstrap, "bench-consume-full", [COMPONENT_TOPICS["full"]], max_poll_records=5000),
        COMPONENT_TOPICS["full"],
        len(full_values),
    )
    figures["bare.consume_msgs_per_s"] = _consume_alone(
        bare_consumer(bootstrap, "bench-consume-bare", COMPONENT_TOPICS["bare"]),
        COMPONENT_TOPICS["bare"],
        len(bare_values),
    )
    earlier = [replace(r, observed_at=r.observed_at - timedelta(days=2)) for r in reports]
    figures["full.write_msgs_per_s"] = _write_alone_full(database_url, earlier, 5000)
    rows = [(m, now_ms, lon, lat, sog, cog, heading, status) for m, lon, lat, sog, cog, heading, status in bare_rows]
    figures["bare.write_msgs_per_s"] = _write_alone_bare(database_url, rows, 5000)
    return {k: round(v) for k, v in figures.items()}


RATIO_FIGURES = (
    "msgs_per_s",
    "publish_msgs_per_s",
    "p50_ms",
    "p99_ms",
    "decode_lines_per_s",
    "serialise_msgs_per_s",
    "deserialise_msgs_per_s",
    "produce_msgs_per_s",
    "consume_msgs_per_s",
    "write_msgs_per_s",
)


def _number(value: object) -> TypeGuard[float]:
    """A number that is not NaN (a bool is not a figure)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value)


def ratios(figures: dict[str, Any]) -> dict[str, float]:
    """``ratio.X`` = ``full.X`` / ``bare.X`` for every X of ``RATIO_FIGURES`` both chains have, to 3 decimals
    (rates: < 1 means full is slower; latencies: > 1 means full is slower). A figure missing from either chain,
    not a number, or a zero or NaN denominator gives no ratio."""
    out: dict[str, float] = {}
    for name in RATIO_FIGURES:
        full, bare = figures.get(f"full.{name}"), figures.get(f"bare.{name}")
        if not (_number(full) and _number(bare)) or bare == 0:
            continue
        out[f"ratio.{name}"] = round(full / bare, 3)
    return out


def _summarise(chain: str, runs: list[Round]) -> dict[str, Any]:
    """The ``{chain}.*`` figures of its rounds (see the module docstring)."""
    published = sum(r.published for r in runs)
    latencies = [lat for r in runs for lat in r.latencies]
    out: dict[str, Any] = {f"{chain}.rounds": len(runs), f"{chain}.published": published}
    if chain == "full":
        out |= {
            "full.stored": sum(r.stored for r in runs),
            "full.conflicts": sum(r.conflicts for r in runs),
            "full.replayed": sum(r.replayed for r in runs),
            "full.quarantined": sum(r.quarantined for r in runs),
            "full.redelivered": sum(r.redelivered for r in runs),
        }
        held = out["full.stored"] + out["full.conflicts"] + out["full.replayed"] + out["full.quarantined"]
    else:
        # The bare chain has no natural key: each round stores everything again into a fresh session table.
        out |= {
            "bare.stored": runs[0].stored,
            "bare.replayed": sum(r.stored for r in runs[1:]),
            "bare.redelivered": sum(r.redelivered for r in runs),
        }
        held = out["bare.stored"] + out["bare.replayed"]
    out[f"{chain}.unaccounted"] = published - held
    out |= {
        f"{chain}.msgs_per_s": round(published / sum(r.end_to_end_s for r in runs)),
        f"{chain}.publish_msgs_per_s": round(published / sum(r.publish_s for r in runs)),
        f"{chain}.p50_ms": round(statistics.median(latencies) * 1000, 1),
        f"{chain}.p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
    }
    return out


def run_comparison(lines: list[bytes], rounds: int = 2, partitions: int = 3) -> dict[str, Any]:
    """Full system and bare chain, interleaved ``rounds`` times each (full, bare, full, bare, …) on one fresh
    stack, then the per-component figures on the same stack. Keys: see the module docstring."""
    from kafka.admin import KafkaAdminClient, NewTopic

    from seasight.app.bare_bench import BARE_TOPIC

    if rounds < 1:
        raise SeasightError(f"rounds must be at least 1, got {rounds}")
    figures: dict[str, Any] = {"input.lines": len(lines)}
    figures.update(_components(lines))
    if figures["full.decode_lines_per_s"] <= 0:
        raise SeasightError("benchmark input decoded to no position reports")
    context = multiprocessing.get_context("fork")
    full_runs: list[Round] = []
    bare_runs: list[Round] = []
    with tempfile.TemporaryDirectory(prefix="seasight-bench-") as folder:
        stack = LocalStack(Path(folder))
        try:
            state = stack.up(partitions=partitions)
            bootstrap = stack.kafka_bootstrap(state)
            url = stack.database_url(state)
            admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="seasight-bench")
            try:
                admin.create_topics(
                    [
                        NewTopic(name, num_partitions=partitions, replication_factor=1)
                        for name in (BARE_TOPIC, *COMPONENT_TOPICS.values())
                    ]
                )
            finally:
                admin.close()
            for _ in range(rounds):
                full_runs.append(_run_chain("full", lines, url, bootstrap, context))
                bare_runs.append(_run_chain("bare", lines, url, bootstrap, context))
            figures.update(_stack_components(lines, url, bootstrap))
        finally:
            stack.destroy()
    figures["input.position_reports"] = full_runs[0].published
    figures.update(_summarise("full", full_runs))
    figures.update(_summarise("bare", bare_runs))
    figures.update(ratios(figures))
    figures["memory.bench_peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    figures["memory.consumer_peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    return figures


def run_all(lines: list[bytes], include_parts: bool = True, rounds: int = 2) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    figures.update(run_comparison(lines, rounds))
    if include_parts:
        for module_name in BENCH_MODULES:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError:
                continue
            for name, value in module.run_benchmark().items():
                figures[f"{module_name.split('.')[0]}.{name}"] = value
    return figures
