"""``seasight ingest …``, ``seasight decode``, ``seasight feeds`` and ``seasight api`` sub-commands."""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import threading
from pathlib import Path
from typing import Any

from ingest.errors import IngestError, SightingError, SourceError
from ingest.sightings import MAX_SIGHTINGS_BYTES, MAX_SIGHTINGS_RECORDS
from seasight.settings import Settings


def _summary_line(sent: dict[str, int]) -> str:
    from seasight.kafka import (
        TOPIC_AIS_DISTRESS,
        TOPIC_AIS_FIXED,
        TOPIC_AIS_HEARD,
        TOPIC_AIS_POSITION,
        TOPIC_AIS_SAFETY,
        TOPIC_AIS_STATIC,
        TOPIC_REJECTED,
    )

    distress = sent.get(TOPIC_AIS_DISTRESS, 0)
    return (
        f"published {sent.get(TOPIC_AIS_POSITION, 0) + distress} position reports"
        + (f" ({distress} of distress devices, on the priority topic)" if distress else "")
        + ", "
        f"{sent.get(TOPIC_AIS_STATIC, 0)} static/voyage, {sent.get(TOPIC_AIS_SAFETY, 0)} safety, "
        f"{sent.get(TOPIC_AIS_FIXED, 0)} base station/aid-to-navigation, "
        f"{sent.get(TOPIC_AIS_HEARD, 0)} heard without a position (binary, acknowledgements, lat 91/lon 181 …); "
        f"{sent.get(TOPIC_REJECTED, 0)} rejected"
    )


def _stored_line(publisher: Any, wait_s: float) -> str | None:
    """What happened to the kept records: stored by the tracker (with ``--wait-stored``), or held in the
    ingest buffer until it does (ingest/buffer.py). None without a buffer."""
    buffer = publisher.buffer
    if buffer is None:
        return None
    if wait_s > 0:
        pending = publisher.wait_stored(wait_s)
        if pending == 0:
            return "stored in PostGIS by the tracker: every record kept"
        return (
            f"{pending} record(s) not yet stored by the tracker after {wait_s:.0f} s; kept in the ingest buffer "
            f"{buffer.folder} and sent again if the broker restarts"
        )
    return f"kept in the ingest buffer {buffer.folder} until the tracker has stored them"


def _add_wait_stored(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--wait-stored",
        type=float,
        default=0.0,
        metavar="S",
        help="after publishing, wait up to S seconds for the tracker to store every record (0: do not wait; the "
        "ingest buffer keeps them either way and sends them again if the broker restarts)",
    )


def _cmd_ingest_ais(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.pipeline import run_feeds
    from ingest.publish import Publisher
    from ingest.sources import Backoff, open_source

    sources = [
        open_source(spec, speed=args.speed, idle_exit_s=args.idle_exit, backoff=Backoff(max_s=args.max_backoff))
        for spec in args.sources
    ]
    if sum(1 for s in args.sources if s == "-") > 1:
        raise SourceError("stdin ('-') can be given only once")
    publisher = Publisher.for_settings(settings)
    try:
        summary = run_feeds(
            sources,
            publisher,
            args.station or settings.station,
            stop=threading.Event(),
            health_interval_s=args.health_interval,
            clock=settings.clock(),  # receipt times: SEASIGHT_FIXED_TIME pins them like every other "now"
        )
        stored = _stored_line(publisher, args.wait_stored)
    finally:
        publisher.close()
    print(_summary_line(summary.sent_by_topic))
    if stored:
        print(f"  {stored}")
    for health in summary.health:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(health.rejects_by_reason.items())) or "none"
        print(
            f"  {health.feed}: {health.lines_in} lines, {health.messages_decoded} messages decoded, "
            f"{health.lines_rejected} lines rejected ({reasons})"
        )
    for error in summary.source_errors:
        print(f"seasight: error: feed {error}", file=sys.stderr)
    return 1 if summary.source_errors else 0


def _cmd_ingest_csv(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.history_csv import read_csv_history
    from ingest.ledger import FeedLedger
    from ingest.publish import Publisher
    from seasight.schemas import RejectedInput

    path = Path(args.file)
    rows = read_csv_history(path, args.layout, args.station)
    first = next(rows, None)  # the header is checked (CsvLayoutError) before the broker is contacted
    clock = settings.clock()
    ledger = FeedLedger(f"csv:{path.name}", args.station, clock())
    publisher = Publisher.for_settings(settings)
    try:
        for outcome in itertools.chain([first] if first is not None else [], rows):
            ledger.lines_in += 1
            if isinstance(outcome, RejectedInput):
                ledger.rejected(outcome.reason, 1)
                publisher.send(outcome)
                continue
            ledger.message_decoded(1, None)
            for record in outcome:
                publisher.send(record, ledger)
        publisher.send(ledger.snapshot(clock()))
        publisher.flush()
        stored = _stored_line(publisher, args.wait_stored)
    finally:
        publisher.close()
    print(_summary_line(publisher.sent) + f" (of {ledger.lines_in} rows)")
    if stored:
        print(f"  {stored}")
    return 0


def _read_input(source: str, max_bytes: int) -> tuple[str, str | None]:
    """The text of a sightings file (or stdin), refused unread beyond ``max_bytes``."""
    too_big = (
        f"{source}: larger than {max_bytes} bytes, the most taken at once (as over HTTP); "
        "split it, or give --max-bytes explicitly"
    )
    try:
        if source == "-":
            data = sys.stdin.buffer.read(max_bytes + 1)
            name = None
        else:
            path = Path(source)
            if path.stat().st_size > max_bytes:
                raise SightingError([too_big])
            with path.open("rb") as fh:
                data = fh.read(max_bytes + 1)
            name = path.name
    except OSError as exc:
        raise SourceError(f"sightings file {source!r}: cannot read ({exc.strerror})") from exc
    if len(data) > max_bytes:
        raise SightingError([too_big])
    try:
        return data.decode("utf-8-sig"), name
    except UnicodeDecodeError as exc:
        raise SightingError([f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from exc


def _cmd_ingest_sightings(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.publish import Publisher
    from ingest.sightings import SightingDefaults, parse_sightings

    text, name = _read_input(args.file, args.max_bytes)
    defaults = SightingDefaults(owner=args.owner, acted_by=args.acted_by, is_exercise=args.exercise or None)
    sightings = parse_sightings(
        text, settings.clock()(), name=name, fmt=args.format, defaults=defaults, max_records=args.max_records
    )
    publisher = Publisher.for_settings(settings)
    try:
        for sighting in sightings:
            publisher.send(sighting)
        publisher.flush()
        stored = _stored_line(publisher, args.wait_stored)
    finally:
        publisher.close()
    print(f"published {len(sightings)} sightings")
    if stored:
        print(f"  {stored}")
    for sighting in sightings:
        print(
            f"  {sighting.id} {sighting.observed_at.isoformat()} {sighting.lat:.4f},{sighting.lon:.4f} "
            f"{sighting.source_type} ({sighting.owner})"
        )
    return 0


def _cmd_decode(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.ais import AisReader, Decoded
    from ingest.decode import decode_json

    if args.file == "-":
        stream: Any = sys.stdin.buffer
    else:
        try:
            path = Path(args.file)
            if path.suffix == ".gz":
                import gzip

                stream = gzip.open(path, "rb")  # noqa: SIM115 - closed in the finally below
            else:
                stream = path.open("rb")  # noqa: SIM115 - closed in the finally below
        except OSError as exc:
            raise SourceError(f"cannot read {args.file!r}: {exc.strerror}") from exc
    reader = AisReader(args.file, args.station)
    out, err = sys.stdout, sys.stderr
    try:
        for outcome in reader.read(line.rstrip(b"\r\n") for line in stream):
            if isinstance(outcome, Decoded):
                for record in outcome.records:
                    out.write(json.dumps(decode_json(record), ensure_ascii=False) + "\n")
            else:
                r = outcome.rejection
                err.write(
                    json.dumps({"reason": r.reason, "detail": r.detail, "raw": r.raw, "lines": outcome.lines}) + "\n"
                )
    except BrokenPipeError:  # the reader of our output went away (e.g. `| head`): not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        raise SourceError(f"reading {args.file!r} failed: {exc}") from exc
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    out.flush()
    return 0


def read_feed_health(bootstrap: str, timeout_s: float = 10.0) -> list[dict[str, Any]]:
    """The latest ``seasight.feed.health`` snapshot of every feed, read from the topic's beginning."""
    import time

    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import KafkaError

    from seasight.errors import SchemaError, StackError
    from seasight.kafka import TOPIC_FEED_HEALTH
    from seasight.schemas import FeedHealth

    try:
        consumer = KafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None, client_id="seasight-feeds"
        )
    except KafkaError as exc:
        raise StackError(f"cannot reach the Kafka broker at {bootstrap}: {exc}") from exc
    latest: dict[str, FeedHealth] = {}
    try:
        partitions = consumer.partitions_for_topic(TOPIC_FEED_HEALTH) or set()
        assigned = [TopicPartition(TOPIC_FEED_HEALTH, p) for p in sorted(partitions)]
        if not assigned:
            return []
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        ends = consumer.end_offsets(assigned)
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < ends[tp] for tp in assigned) and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    try:
                        health = FeedHealth.from_json(record.value)
                    except SchemaError:
                        continue
                    known = latest.get(health.feed)
                    if known is None or health.as_of >= known.as_of:
                        latest[health.feed] = health
    finally:
        consumer.close()
    return [latest[k].to_dict() for k in sorted(latest)]


def _cmd_feeds(args: argparse.Namespace, settings: Settings) -> int:
    from seasight.db import kafka_bootstrap

    feeds = read_feed_health(kafka_bootstrap(settings))
    if args.json:
        print(json.dumps(feeds, indent=2))
        return 0
    if not feeds:
        print("no feed has reported yet")
    for f in feeds:
        latency = "-" if f["latency_p50_s"] is None else f"{f['latency_p50_s']:.1f}"
        print(
            f"{f['feed']:40} as of {f['as_of']}  {f['messages_per_s']:8.1f} msg/s  "
            f"rejected {f['lines_rejected']}/{f['lines_in']} lines  out of order "
            f"{100 * f['out_of_order_share']:.1f}%  latency p50 {latency} s"
        )
    return 0


def _cmd_api(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from ingest.api import create_app
    from ingest.publish import Publisher
    from seasight.schemas import Sighting

    # A full buffer (the tracker stores nothing) makes a request wait at most 30 s, then answer 503.
    publisher = Publisher.for_settings(settings, buffer_wait_s=30.0)
    lock = threading.Lock()

    def publish(sightings: list[Sighting]) -> None:
        with lock:
            for sighting in sightings:
                publisher.send(sighting)
            publisher.flush(timeout_s=30)

    from ingest.api import ApiCaller, ApiLimits
    from seasight.accounts import Role, token_lookup
    from seasight.db import connect

    # the account behind a token is looked up in the database on every request (revocation is immediate)
    lookup = token_lookup(lambda: connect(settings, autocommit=True))
    reporters = {Role.MOC_OPERATOR, Role.SAR_COORDINATOR, Role.FOCAL_POINT}

    def authenticate(secret: str) -> ApiCaller | None:
        account = lookup(secret)
        if account is None:
            return None
        return ApiCaller(account.name, account.participant, account.role in reporters)

    try:
        uvicorn.run(
            create_app(
                publish,
                authenticate,
                clock=settings.clock(),
                limits=ApiLimits(
                    max_body_bytes=settings.api_max_body_bytes,
                    max_records=settings.api_max_records,
                    requests_per_minute=settings.api_requests_per_minute,
                    burst=settings.api_burst,
                ),
            ),
            host=args.host,
            port=args.port,
            log_level="info",
        )
    finally:
        publisher.close()
    return 0


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be greater than 0")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be greater than 0")
    return value


def register(sub: Any) -> None:
    ingest = sub.add_parser("ingest", help="read feeds and publish to Kafka")
    ingest_sub = ingest.add_subparsers(dest="ingest_command", required=True, metavar="KIND")

    p = ingest_sub.add_parser(
        "ais",
        help="AIS NMEA 0183: files, '-' (stdin), tcp://HOST:PORT (client), udp://[HOST]:PORT (listener)",
    )
    p.add_argument("sources", nargs="+", metavar="SOURCE")
    p.add_argument(
        "--station",
        default=None,
        help="receiving-station name recorded with each report (a tag block s: in the feed takes precedence)",
    )
    p.add_argument(
        "--speed",
        type=_positive,
        default=None,
        help="replay files at X times real time using the file's own timestamps (default: as fast as possible)",
    )
    p.add_argument(
        "--idle-exit",
        type=_positive,
        default=None,
        metavar="SECONDS",
        help="stop a network source after this long without data (default: run until Ctrl-C)",
    )
    p.add_argument(
        "--max-backoff",
        type=_positive,
        default=30.0,
        metavar="SECONDS",
        help="longest wait between TCP reconnection attempts (default 30)",
    )
    p.add_argument(
        "--health-interval",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="publish each feed's data-quality ledger this often (default 10)",
    )
    p.set_defaults(handler=_cmd_ingest_ais)

    _add_wait_stored(p)
    p = ingest_sub.add_parser("csv", help="decoded AIS history in CSV (MarineCadastre, DMA, AMSA layouts)")
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--layout",
        choices=("marinecadastre", "dma", "amsa"),
        default=None,
        help="column layout (default: recognised from the header)",
    )
    p.add_argument("--station", default=None, help="station name recorded with each report")
    p.set_defaults(handler=_cmd_ingest_csv)

    _add_wait_stored(p)
    p = ingest_sub.add_parser("sightings", help="sighting reports: JSON lines, JSON, CSV or GeoJSON ('-': stdin)")
    p.add_argument("file", metavar="FILE|-")
    p.add_argument(
        "--format",
        choices=("jsonl", "json", "csv", "geojson"),
        default=None,
        help="input format (default: from the file name or content)",
    )
    p.add_argument(
        "--owner", default=None, help="reporting state (ISO alpha-3) or organisation, when records do not say"
    )
    p.add_argument("--acted-by", default=None, help="who entered the reports, when records do not say")
    p.add_argument("--exercise", action="store_true", help="mark every report as an exercise")
    p.add_argument(
        "--max-bytes",
        type=_positive_int,
        default=MAX_SIGHTINGS_BYTES,
        help=f"largest input taken (default {MAX_SIGHTINGS_BYTES}, the HTTP intake's limit)",
    )
    p.add_argument(
        "--max-records",
        type=_positive_int,
        default=MAX_SIGHTINGS_RECORDS,
        help=f"most sightings taken (default {MAX_SIGHTINGS_RECORDS}, the HTTP intake's limit)",
    )
    p.set_defaults(handler=_cmd_ingest_sightings)

    _add_wait_stored(p)
    p = sub.add_parser("decode", help="decode AIS NMEA offline: one JSON object per message; rejects on stderr")
    p.add_argument("file", nargs="?", default="-", metavar="FILE|-")
    p.add_argument("--station", default=None)
    p.set_defaults(handler=_cmd_decode)

    p = sub.add_parser("feeds", help="data-quality ledger of each feed (from seasight.feed.health)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=_cmd_feeds)

    p = sub.add_parser("api", help="HTTP intake of sightings (POST /sightings, OpenAPI at /openapi.json)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8088)
    p.set_defaults(handler=_cmd_api)


__all__ = ["register", "read_feed_health", "IngestError"]
