"""``seasight track`` and other tracking sub-commands."""

from __future__ import annotations

import argparse
import signal
from typing import Any

from seasight.cliargs import utc_time
from seasight.errors import ConfigurationError
from seasight.settings import Settings


def _cmd_track(args: argparse.Namespace, settings: Settings) -> int:
    from seasight.db import database_url, kafka_bootstrap
    from tracking.consumer import Tracker

    stage = None
    if args.thresholds is not None and not args.detect:
        raise ConfigurationError("--thresholds needs --detect (the tracker alone runs no rules)")
    if args.detect:
        from tracking.stream.stage import DetectionStage
        from tracking.thresholds import selected_thresholds

        stage = DetectionStage(rules=selected_thresholds(settings, args.thresholds).rules)
    join_bound = settings.tracker_join_bound_s if args.join_bound is None else args.join_bound
    if not 0 <= join_bound <= 3600:
        raise ConfigurationError(f"--join-bound must be between 0 and 3600 s (0: never), got {join_bound}")
    tracker = Tracker(
        database_url(settings),
        kafka_bootstrap(settings),
        args.group or settings.consumer_group,
        max_poll_interval_ms=args.max_poll_interval_ms,
        detection=stage,
        join_bound_s=join_bound or None,
        heartbeat_s=settings.tracker_heartbeat_s,
        stale_after_s=settings.consumer_stale_after_s,
    )
    # SIGTERM (docker stop, systemd) ends the tracker as Ctrl-C does: after the batch in hand, leaving its
    # group and marking its heartbeat stopped, so the group rebalances at once and health knows it ended.
    previous = signal.signal(signal.SIGTERM, lambda *_: tracker.stop())
    try:
        stats = tracker.run(until_idle=args.until_idle, idle_timeout_s=args.idle_timeout)
    finally:
        signal.signal(signal.SIGTERM, previous)
    written = ", ".join(f"{count} {topic}" for topic, count in sorted(stats.written.items())) or "nothing new"
    print(
        f"tracker: {stats.records} records, written: {written}; {stats.dead_lettered} dead-lettered, "
        f"{stats.batches} batches"
        + (f"; detection: {stats.flag_events} flag events published to seasight.flag" if args.detect else "")
    )
    from seasight.db import connect
    from tracking.store import drop_counts

    with connect(settings) as conn:
        drops = drop_counts(conn)
    if drops:
        print(
            "not stored as new (all trackers, by reason): "
            + ", ".join(f"{reason} {count}" for reason, count in sorted(drops.items()))
        )
    return 0


def _cmd_detect(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import timedelta

    from tracking.flag_events import run_detector
    from tracking.thresholds import selected_thresholds

    if args.every <= 0:
        raise ConfigurationError(f"--every must be a positive number of seconds, got {args.every}")
    if args.lookback_hours <= 0:
        raise ConfigurationError(f"--lookback-hours must be positive, got {args.lookback_hours}")
    if args.end is not None and not args.once:
        raise ConfigurationError("--end needs --once (periodic rounds end at the clock's now)")
    thresholds = selected_thresholds(settings, args.thresholds)
    sent = run_detector(
        settings,
        every_s=args.every,
        once=args.once,
        lookback=timedelta(hours=args.lookback_hours),
        end=args.end,
        rules=thresholds.rules,
    )
    print(f"detector: {sent} flag events published to seasight.flag")
    return 0


def _cmd_replay(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import UTC, datetime
    from pathlib import Path

    from seasight.db import connect, kafka_bootstrap
    from seasight.kafka import make_producer
    from tracking.stream.replay import read_capture, replay
    from tracking.stream.stage import DetectionStage
    from tracking.thresholds import selected_thresholds

    speed = None if args.as_fast_as_possible else args.speed
    if speed is not None and speed <= 0:
        raise ConfigurationError(f"--speed must be a positive factor, got {args.speed}")
    until = None
    if args.at:
        try:
            until = datetime.fromisoformat(args.at)
        except ValueError as exc:
            raise ConfigurationError(f"--at wants an ISO 8601 time such as 2022-01-03T12:00Z, got {args.at!r}") from exc
        if until.tzinfo is None:
            until = until.replace(tzinfo=UTC)
    stage = DetectionStage(rules=selected_thresholds(settings, args.thresholds).rules)
    records = read_capture(Path(args.file), layout=args.layout, station=args.station)
    producer = make_producer(kafka_bootstrap(settings)) if args.publish else None
    try:
        with connect(settings) as conn:
            result = replay(conn, records, stage=stage, speed=speed, until=until, producer=producer)
    finally:
        if producer is not None:
            producer.close()
    span = (
        f"{result.first_at:%Y-%m-%d %H:%M:%S}Z .. {result.last_at:%Y-%m-%d %H:%M:%S}Z"
        if result.first_at and result.last_at
        else "no timed records"
    )
    print(
        f"replay: {result.records} records ({span}) in {result.batches} batches; flags raised {result.raised}, "
        f"updated {result.updated}, withdrawn {result.withdrawn}"
        + (f"; {result.published} flag events published" if args.publish else "")
    )
    return 0


def _cmd_concerns(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from seasight.db import connect
    from tracking.queries_concerns import subjects_of_concern

    if args.limit <= 0:
        raise ConfigurationError(f"--limit must be a positive number of subjects, got {args.limit}")
    with connect(settings) as conn:
        subjects = subjects_of_concern(conn, include_info=args.all, include_exercise=not args.no_exercise)
    subjects = subjects[: args.limit]
    if args.json:
        print(json.dumps([s.as_json() for s in subjects], indent=2, default=str))
        return 0
    if not subjects:
        print("no vessels or contacts of concern")
        return 0
    for s in subjects:
        a = s.assessment
        who = f"vessel {s.mmsi} {s.name or '(no name)'}" if s.kind == "vessel" else f"contact {s.sighting_id}"
        tag = " [EXERCISE]" if s.exercise else ""
        print(f"{a.severity.label.upper():8} {a.score:4.2f}  {who}{tag}")
        print(f"    {a.explanation}")
        for f in s.flags:
            ex = " [EXERCISE]" if f.exercise else ""
            print(
                f"    - {f.rule_id} v{f.effective_rule_version} ({f.severity}, {f.score:.2f}, {f.status})"
                f" {f.window_start:%Y-%m-%d %H:%M}Z"
                f" .. {f.window_end:%Y-%m-%d %H:%M}Z{ex}: {f.summary}"
            )
    print(f"{len(subjects)} subject(s) of concern")
    return 0


def _cmd_vessel(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from seasight.db import connect
    from seasight.errors import SeasightError
    from tracking.queries_vessel import vessel_report

    if not 0 <= args.mmsi <= 999_999_999:
        raise ConfigurationError(f"an MMSI has at most 9 digits, got {args.mmsi}")
    with connect(settings) as conn:
        report = vessel_report(conn, args.mmsi)
    if not report.known:
        raise SeasightError(f"nothing is stored about MMSI {args.mmsi:09d} (no identity, positions or flags)")
    if args.json:
        print(json.dumps(report.as_json(), indent=2, default=str))
        return 0
    ident = report.identity
    print(f"MMSI {report.mmsi:09d}")
    if ident is None:
        print("  identity: no static data stored")
    else:
        print(
            f"  name {ident.name or '-'}  call sign {ident.callsign or '-'}  IMO {ident.imo or '-'}"
            f"  type {ident.ship_type if ident.ship_type is not None else '-'}  flag {ident.flag_state or '-'}"
            f"  class {ident.ais_class or '-'}"
        )
        print(
            f"  length {ident.length_m or '-'} m  beam {ident.beam_m or '-'} m"
            f"  destination {ident.destination or '-'}  first seen {ident.first_seen_at:%Y-%m-%d %H:%M}Z"
        )
    print(f"identity changes: {len(report.identity_changes)}")
    for c in report.identity_changes:
        print(f"  {c.observed_at:%Y-%m-%d %H:%M}Z {c.field}: {c.old_value!r} -> {c.new_value!r}")
    t = report.track
    print(f"track: {t.fixes} fixes, {t.distance_nm:.1f} nm sailed")
    if t.first_fix_at is not None and t.last_fix_at is not None and t.last_position is not None:
        p = t.last_position
        print(
            f"  first {t.first_fix_at:%Y-%m-%d %H:%M}Z  last {t.last_fix_at:%Y-%m-%d %H:%M}Z"
            f" at {p.lat:.4f}, {p.lon:.4f}  SOG {p.sog_kn if p.sog_kn is not None else '-'} kn"
            f"  COG {p.cog_deg if p.cog_deg is not None else '-'}"
        )
    if report.last_heard is not None:
        print(f"last heard {report.last_heard[0]:%Y-%m-%d %H:%M}Z ({report.last_heard[1]})")
    print(f"risk {report.risk.score:.2f} ({report.risk.severity.label}): {report.risk.explanation}")
    print(f"flags: {len(report.flags)}")
    for fh in report.flags:
        f = fh.flag
        ex = " [EXERCISE]" if f.exercise else ""
        print(f"  #{f.flag_id} {f.rule_id} {f.severity} {f.score:.2f} {f.status}{ex}: {f.summary}")
        for v in fh.versions:
            print(f"      v{v.version} {v.recorded_at:%Y-%m-%d %H:%M}Z {v.action} by {v.acted_by}: {v.reason}")
    return 0


def _cmd_retention(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from seasight.db import connect
    from tracking.retention import RetentionPeriods, run_retention

    periods = RetentionPeriods(args.identifiers_days, args.positions_days)
    if args.every is not None and args.every <= 0:
        raise ConfigurationError(f"--every must be a positive number of seconds, got {args.every}")
    while True:
        with connect(settings) as conn:
            report = run_retention(conn, args.now or settings.clock()(), periods)
        print(
            f"retention: positions before {report.positions_before.isoformat()} "
            f"({len(report.partitions_dropped)} daily partitions dropped, {report.positions_deleted} rows deleted); "
            f"identifiers before {report.identifiers_before.isoformat()} "
            f"({report.identity_changes_deleted} identity changes, {report.vessel_states_deleted} vessel states); "
            f"{report.conflicts_deleted} conflicting and {report.quarantined_deleted} quarantined reports deleted",
            flush=True,
        )
        if args.every is None or args.now is not None:
            return 0
        time.sleep(args.every)


def _cmd_thresholds_show(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from tracking.thresholds import describe, selected_thresholds

    thresholds = selected_thresholds(settings, args.thresholds)
    rows = describe(thresholds)
    if args.json:
        print(
            json.dumps(
                {"source": thresholds.source, "digest": thresholds.digest, "thresholds": rows}, indent=2, default=str
            )
        )
        return 0
    print(f"thresholds: {thresholds.source} (digest {thresholds.digest})")
    group = None
    for r in rows:
        if r["group"] != group:
            group = r["group"]
            print(f"[{group}] rules {', '.join(r['rules']) or '-'} (digest {r['group_digest']})")
        mark = "*" if r["tuned"] else " "
        low, high = r["range"]
        print(
            f" {mark} {r['name']:32} {r['value']:>10g} {r['unit']:12} default {r['default']:g}"
            f"  range {low:g}..{high:g}  source: {r['source']}"
        )
    tuned = sum(1 for r in rows if r["tuned"])
    print(f"{len(rows)} thresholds, {tuned} set away from the default (*)")
    return 0


def _cmd_thresholds_example(args: argparse.Namespace, settings: Settings) -> int:
    from tracking.thresholds import example_file

    print(example_file(), end="")
    return 0


def _cmd_thresholds_check(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from tracking.thresholds import load_thresholds

    thresholds = load_thresholds(Path(args.file))
    tuned = "; ".join(f"[{g}] {', '.join(names)}" for g, names in thresholds.tuned().items()) or "none"
    print(f"{args.file}: valid (digest {thresholds.digest}); set away from the default: {tuned}")
    return 0


def register(sub: Any) -> None:
    from tracking.retention import IDENTIFIERS_DAYS, POSITIONS_DAYS

    retention = sub.add_parser("retention", help="retention of track-level data (EUROSUR periods)")
    rsub = retention.add_subparsers(dest="retention_command", required=True, metavar="RETENTION_COMMAND")
    p = rsub.add_parser("run", help="delete positions and identifiers older than their periods, nothing else")
    p.add_argument("--identifiers-days", type=float, default=IDENTIFIERS_DAYS, help="default 7 (EUROSUR)")
    p.add_argument("--positions-days", type=float, default=POSITIONS_DAYS, help="default 60 (2 months, EUROSUR)")
    p.add_argument("--now", type=utc_time, default=None, help="the time to apply the periods at (default now)")
    p.add_argument("--every", type=float, default=None, help="run again every this many seconds (a service)")
    p.set_defaults(handler=_cmd_retention)

    p = sub.add_parser("track", help="consume the AIS topics into PostGIS")
    p.add_argument("--until-idle", action="store_true", help="drain what is there, then exit")
    p.add_argument("--idle-timeout", type=float, default=60.0, help="with --until-idle: give up after s")
    p.add_argument("--group", default=None, help="consumer group (default SEASIGHT_CONSUMER_GROUP)")
    p.add_argument(
        "--detect",
        action="store_true",
        help="run detection in the tracker, on event time, per position (flags commit with the positions)",
    )
    p.add_argument(
        "--max-poll-interval-ms",
        type=int,
        default=300_000,
        help="Kafka max.poll.interval.ms (a few seconds in tests: first group join waits for it)",
    )
    p.add_argument(
        "--join-bound",
        type=float,
        default=None,
        metavar="SECONDS",
        help="without partitions this long, say why and rejoin, resetting a wedged group (default "
        "SEASIGHT_TRACKER_JOIN_BOUND_S, 60; 0: never)",
    )
    p.add_argument(
        "--thresholds",
        default=None,
        metavar="FILE",
        help="TOML thresholds file for the rules (docs/thresholds.md; default SEASIGHT_THRESHOLDS_FILE, "
        "else the built-in defaults)",
    )
    p.set_defaults(handler=_cmd_track)

    p = sub.add_parser("detect", help="run the detection rules periodically and publish flag changes")
    p.add_argument("--every", type=float, default=60.0, help="seconds between rounds (default 60)")
    p.add_argument("--once", action="store_true", help="one round, then exit")
    p.add_argument("--lookback-hours", type=float, default=24.0, help="window evaluated each round (h)")
    p.add_argument(
        "--end", type=utc_time, default=None, help="with --once: evaluate up to this time (ISO 8601 with offset)"
    )
    p.add_argument(
        "--thresholds",
        default=None,
        metavar="FILE",
        help="TOML thresholds file for the rules (docs/thresholds.md; default SEASIGHT_THRESHOLDS_FILE, "
        "else the built-in defaults)",
    )
    p.set_defaults(handler=_cmd_detect)

    p = sub.add_parser(
        "replay", help="replay a historical capture (NMEA with tag-block times, or CSV) through detection"
    )
    p.add_argument("file", help="the capture: .nmea/.txt (tag-block times) or .csv/.csv.gz (ingest csv layouts)")
    pace = p.add_mutually_exclusive_group()
    pace.add_argument("--speed", type=float, default=1.0, help="times faster than message time (default 1)")
    pace.add_argument("--as-fast-as-possible", action="store_true", help="no pacing at all")
    p.add_argument("--at", default=None, help="stop at this message time (ISO 8601): what was flagged at T")
    p.add_argument("--layout", default=None, help="CSV layout (default: detected from the header)")
    p.add_argument("--station", default=None, help="receiving-station name given to the capture's reports")
    p.add_argument("--publish", action="store_true", help="also publish flag changes to seasight.flag")
    p.add_argument(
        "--thresholds",
        default=None,
        metavar="FILE",
        help="TOML thresholds file for the rules (docs/thresholds.md; default SEASIGHT_THRESHOLDS_FILE, "
        "else the built-in defaults)",
    )
    p.set_defaults(handler=_cmd_replay)

    th = sub.add_parser("thresholds", help="the detection thresholds in force (docs/thresholds.md)")
    thsub = th.add_subparsers(dest="thresholds_command", required=True, metavar="THRESHOLDS_COMMAND")
    p = thsub.add_parser("show", help="every threshold: value in force, default, unit, range and source")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--thresholds",
        default=None,
        metavar="FILE",
        help="show this file's thresholds (default SEASIGHT_THRESHOLDS_FILE, else the built-in defaults)",
    )
    p.set_defaults(handler=_cmd_thresholds_show)
    p = thsub.add_parser("example", help="print an example thresholds file: every threshold at its default")
    p.set_defaults(handler=_cmd_thresholds_example)
    p = thsub.add_parser("check", help="check a thresholds file; exit 1 naming what is wrong")
    p.add_argument("file", help="the TOML thresholds file")
    p.set_defaults(handler=_cmd_thresholds_check)

    p = sub.add_parser("concerns", help="current vessels and contacts of concern, with risk score and evidence")
    p.add_argument("--json", action="store_true", help="a JSON list (kind, mmsi, score, flags with evidence)")
    p.add_argument("--all", action="store_true", help="also subjects with only info flags (e.g. matched sightings)")
    p.add_argument("--no-exercise", action="store_true", help="leave out exercise flags")
    p.add_argument("--limit", type=int, default=1000, help="at most this many subjects (default 1000)")
    p.set_defaults(handler=_cmd_concerns)

    p = sub.add_parser("vessel", help="one vessel: identity, identity changes, track summary, flag history")
    p.add_argument("mmsi", type=int, help="the 9-digit MMSI")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=_cmd_vessel)
