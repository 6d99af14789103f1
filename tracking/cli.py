"""``seasight track`` and other tracking sub-commands."""

from __future__ import annotations

import argparse
from typing import Any

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


def register(sub: Any) -> None:
    p = sub.add_parser("track", help="consume the AIS topics into PostGIS")
    p.add_argument("--until-idle", action="store_true", help="drain what is there, then exit")
    p.add_argument("--idle-timeout", type=float, default=60.0, help="with --until-idle: give up after s")
    p.add_argument("--group", default=None, help="consumer group (default SEASIGHT_CONSUMER_GROUP)")
    p.add_argument("--max-poll-interval-ms", type=int, default=300_000,
                   help="Kafka max.poll.interval.ms (a few seconds in tests: first group join waits for it)")
    p.set_defaults(handler=_cmd_track)
