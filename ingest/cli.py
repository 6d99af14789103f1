"""``seasight ingest …`` sub-commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from seasight.errors import SeasightError
from seasight.settings import Settings


def _cmd_ingest_ais(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.ais import publish_positions, read_positions
    from seasight.db import kafka_bootstrap

    bootstrap = kafka_bootstrap(settings)
    station = args.station or settings.station
    total = 0
    for source in args.sources:
        if source == "-":
            total += publish_positions(read_positions(sys.stdin.buffer, station), bootstrap)
            continue
        path = Path(source)
        if not path.is_file():
            raise SeasightError(f"AIS source {source!r}: no such file")
        with path.open("rb") as fh:
            total += publish_positions(read_positions(fh, station), bootstrap)
    print(f"published {total} position reports")
    return 0


def register(sub: Any) -> None:
    ingest = sub.add_parser("ingest", help="read feeds and publish to Kafka")
    ingest_sub = ingest.add_subparsers(dest="ingest_command", required=True, metavar="KIND")
    p = ingest_sub.add_parser("ais", help="AIS NMEA 0183 from files or stdin ('-')")
    p.add_argument("sources", nargs="+", metavar="SOURCE")
    p.add_argument("--station", default=None, help="receiving-station name recorded with each report")
    p.set_defaults(handler=_cmd_ingest_ais)
