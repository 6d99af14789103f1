"""``seasight track`` and other tracking sub-commands."""

from __future__ import annotations

import argparse
from typing import Any

from seasight.errors import ConfigurationError
from seasight.settings import Settings


def _cmd_track(args: argparse.Namespace, settings: Settings) -> int:
    from seasight.db import database_url, kafka_bootstrap
    from tracking.consumer import Tracker

    tracker = Tracker(database_url(settings), kafka_bootstrap(settings), args.group or settings.consumer_group,
                      max_poll_interval_ms=args.max_poll_interval_ms)
    stats = tracker.run(until_idle=args.until_idle, idle_timeout_s=args.idle_timeout)
    written = ", ".join(f"{count} {topic}" for topic, count in sorted(stats.written.items())) or "nothing new"
    print(f"tracker: {stats.records} records, written: {written}; {stats.dead_lettered} dead-lettered, "
          f"{stats.batches} batches")
    return 0


def _cmd_detect(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import timedelta

    from tracking.flag_events import run_detector

    if args.every <= 0:
        raise ConfigurationError(f"--every must be a positive number of seconds, got {args.every}")
    if args.lookback_hours <= 0:
        raise ConfigurationError(f"--lookback-hours must be positive, got {args.lookback_hours}")
    sent = run_detector(settings, every_s=args.every, once=args.once,
                        lookback=timedelta(hours=args.lookback_hours))
    print(f"detector: {sent} flag events published to seasight.flag")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("track", help="consume the AIS topics into PostGIS")
    p.add_argument("--until-idle", action="store_true", help="drain what is there, then exit")
    p.add_argument("--idle-timeout", type=float, default=60.0, help="with --until-idle: give up after s")
    p.add_argument("--group", default=None, help="consumer group (default SEASIGHT_CONSUMER_GROUP)")
    p.add_argument("--max-poll-interval-ms", type=int, default=300_000,
                   help="Kafka max.poll.interval.ms (a few seconds in tests: first group join waits for it)")
    p.set_defaults(handler=_cmd_track)

    p = sub.add_parser("detect", help="run the detection rules periodically and publish flag changes")
    p.add_argument("--every", type=float, default=60.0, help="seconds between rounds (default 60)")
    p.add_argument("--once", action="store_true", help="one round, then exit")
    p.add_argument("--lookback-hours", type=float, default=24.0, help="window evaluated each round (h)")
    p.set_defaults(handler=_cmd_detect)
