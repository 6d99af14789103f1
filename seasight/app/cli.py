"""The ``seasight`` command line. Output for people goes to stdout; logs go to stderr.

Sub-commands are registered by small functions so later parts add theirs without touching the others.
Every failure Seasight anticipates is a :class:`SeasightError` and ends with a one-line message and exit
status 1 (2 for bad usage), never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from seasight.cliargs import utc_time
from seasight.errors import SeasightError
from seasight.settings import Settings, get_settings

if TYPE_CHECKING:
    from tracking.liveness import ConsumerReport

log = logging.getLogger("seasight.cli")

Handler = Callable[[argparse.Namespace, Settings], int]

# Each part of Seasight adds its own sub-commands: a module with ``register(subparsers)`` that sets a
# ``handler(args, settings) -> exit status`` default on each parser it adds.
COMMAND_MODULES = (
    "seasight.account_cli",
    "ingest.cli",
    "tracking.cli",
    "tracking.watchlist_cli",
    "geodata.cli",
    "coordination.cli",
    "coordination.disembarkation.cli",
)


# ---------------------------------------------------------------------------------------------------------
# stack
# ---------------------------------------------------------------------------------------------------------


def _cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    from seasight.stack import LocalStack

    stack = LocalStack(settings.stack_dir)
    state = stack.up(partitions=settings.topic_partitions, replication=settings.topic_replication)
    print("Seasight local stack is up.")
    print(f"  SEASIGHT_DATABASE_URL={stack.database_url(state)}")
    print(f"  SEASIGHT_KAFKA_BOOTSTRAP={stack.kafka_bootstrap(state)}")
    print(f"  data folder: {stack.stack_dir} (PostgreSQL cluster in {state.postgres.data_dir})")
    if stack.broker_restart is not None:
        restart = stack.broker_restart
        print(
            f"  the broker had restarted (cluster {restart.current}, was {restart.previous}): "
            "its memory storage lost the previous run's topics, records and consumer-group offsets; topics "
            "created again"
        )
    from ingest.publish import sweep_orphans

    swept = sweep_orphans(settings.ingest_buffer_dir, stack.database_url(state), stack.kafka_bootstrap(state))
    if swept.buffers:
        print(
            f"  ingest buffers of ended processes: {swept.buffers}, {swept.removed} freed (stored), "
            f"{swept.resent} record(s) sent again, {swept.held} held until the tracker stores them"
        )
    from geodata.loader import load_reference_layers_at

    for layer in load_reference_layers_at(stack.database_url(state), cache_root=settings.stack_dir):
        print(f"  reference layer {layer.name}: version {layer.version} {layer.status}")
    return 0


def _cmd_down(args: argparse.Namespace, settings: Settings) -> int:
    from seasight.stack import LocalStack

    stack = LocalStack(settings.stack_dir)
    if args.purge:
        stack.destroy()
        print(f"stopped the local stack and deleted its data ({stack.stack_dir})")
        return 0
    stopped = stack.down()
    print("stopped: " + (", ".join(stopped) if stopped else "nothing (no component started by `up` was running)"))
    return 0


def _cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.publish import describe_publisher, held_in_buffers, running_publishers
    from seasight.stack import LocalStack, status_as_dict
    from tracking.liveness import limits_from, report_as_dict, status_lines

    components = LocalStack(settings.stack_dir).status()
    folders, held = held_in_buffers(settings.ingest_buffer_dir)
    publishers = running_publishers(settings.ingest_buffer_dir)
    report, unreadable = _consumer_report(settings)
    limits = limits_from(settings)
    if args.json:
        print(
            json.dumps(
                {
                    "stack_dir": str(settings.stack_dir.resolve()),
                    "components": status_as_dict(components),
                    "ingest_buffers": {"folders": folders, "bytes_held": held},
                    "publishers": [
                        {
                            "buffer_id": p.buffer_id,
                            "pid": p.pid,
                            "broker_away_since": p.broker_away_since.isoformat() if p.broker_away_since else None,
                            "kept": p.kept,
                            "as_of": p.as_of.isoformat() if p.as_of else None,
                        }
                        for p in publishers
                    ],
                    "consumers": report_as_dict(report, limits, (settings.consumer_group,))
                    if report is not None
                    else {"error": unreadable},
                },
                indent=2,
            )
        )
    else:
        for c in components:
            print(f"{c.name:9} {c.state:8} {c.url or '-':60} {c.detail}")
        print(
            f"ingest buffers: {folders} folder(s), {held / 2**20:.1f} MB held until the tracker has stored it "
            f"({settings.ingest_buffer_dir})"
        )
        for publisher in publishers:
            print(describe_publisher(publisher))
        if report is None:
            print(f"consumers: cannot read the trackers' heartbeats ({unreadable})")
        else:
            for line in status_lines(report, limits):
                print(line)
    return 0 if all(c.state == "running" for c in components) else 3


def _consumer_report(settings: Settings) -> tuple[ConsumerReport | None, str]:
    """The trackers' heartbeats, or why they cannot be read (no stack, database away)."""
    import psycopg

    from seasight.db import database_url
    from tracking.liveness import read_report

    try:
        return read_report(database_url(settings), timeout_s=3), ""
    except (psycopg.Error, SeasightError) as exc:
        text = str(exc).strip()
        return None, text.splitlines()[0] if text else type(exc).__name__


def _cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from seasight.db import owner_database_url
    from seasight.migrate import migrate

    applied = migrate(owner_database_url(settings))
    print("applied: " + (", ".join(f"{v:04d}" for v in applied) if applied else "nothing (schema up to date)"))
    return 0


def _cmd_dashboard(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard.assets import install_static_assets

    install_static_assets()
    app = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        str(args.port or settings.dashboard_port),
        "--server.address",
        args.address,
        "--server.headless",
        "true",
        "--server.enableStaticServing",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]
    provider = settings.oidc()
    if provider is not None:
        # OpenID Connect: Streamlit's st.login reads its provider from [auth] of a secrets file (seasight/oidc.py)
        from seasight.oidc import write_streamlit_secrets

        cmd += ["--secrets.files", str(write_streamlit_secrets(provider, settings.stack_dir.resolve()))]
    env = dict(os.environ)
    env["SEASIGHT_STACK_DIR"] = str(settings.stack_dir.resolve())
    # Become Streamlit (exec, not a child): a signal sent to `seasight dashboard` reaches the server itself
    # and no orphaned Streamlit survives its parent.
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, cmd, env)


def _cmd_topics(args: argparse.Namespace, settings: Settings) -> int:
    from seasight.db import kafka_bootstrap
    from seasight.kafka import ensure_topics

    created = ensure_topics(kafka_bootstrap(settings), settings.topic_partitions, settings.topic_replication)
    print("created topics: " + (", ".join(created) if created else "none (all exist)"))
    return 0


def _cmd_health(args: argparse.Namespace, settings: Settings) -> int:
    """Real client calls: a query to PostgreSQL (PostGIS present, schema migrated), a metadata request
    to the Kafka brokers, the trackers' heartbeats (consumers: missing, waiting for the broker, lag
    growing) and this machine's buffered publishers (one that cannot reach the broker fails). Exit 0 only
    when every check asked for passes (used by compose healthchecks)."""
    from seasight.app.health import check_consumers, check_database, check_kafka, check_publishers

    checks = []
    if not args.kafka_only:
        checks.append(check_database(settings))
    if not args.database_only:
        checks.append(check_kafka(settings))
    if not (args.kafka_only or args.database_only):
        checks.append(check_consumers(settings))
        checks.append(check_publishers(settings))
    for check in checks:
        print(f"{check.name}: {'ok' if check.ok else 'FAILED'} - {check.detail}")
    return 0 if all(c.ok for c in checks) else 1


def _cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    from seasight.app.bench import TARGETS, run_all, simulated_lines

    if args.file:
        path = Path(args.file)
        if not path.is_file():
            raise SeasightError(f"benchmark input {args.file!r}: no such file")
        lines = path.read_bytes().splitlines()
    else:
        lines = simulated_lines(args.messages)
    figures = run_all(lines, include_parts=not args.pipeline_only, rounds=args.rounds)
    results = [(t, t.met(figures)) for t in TARGETS]
    if args.json:
        print(
            json.dumps(
                {
                    "figures": figures,
                    "targets": [
                        {"name": t.name, "figure": t.figure, "limit": t.limit, "met": met, "source": t.source}
                        for t, met in results
                    ],
                },
                indent=2,
            )
        )
    else:
        for name, value in figures.items():
            print(f"{name:45} {value}")
        for target, met in results:
            verdict = "n/a" if met is None else ("met" if met else "MISSED")
            print(
                f"target {target.name}: {verdict} ({'>=' if target.higher_is_better else '<='} "
                f"{target.limit}; {target.source})"
            )
    return 1 if args.check and any(met is False for _, met in results) else 0


def _cmd_simulate(args: argparse.Namespace, settings: Settings) -> int:

    from ingest.simulate import SCENARIOS, write_scenario_files

    if args.scenario not in SCENARIOS:
        raise SeasightError(f"unknown scenario {args.scenario!r}; known: {', '.join(sorted(SCENARIOS))}")
    if not 0 < args.hours <= 24 * 14:
        raise SeasightError(f"--hours must be between 0 and 336, got {args.hours}")
    if args.vessels < 0 or args.vessels > 20_000:
        raise SeasightError(f"--vessels must be between 0 and 20000, got {args.vessels}")
    end = args.end or settings.clock()()
    out = Path(args.out)
    if not out.parent.is_dir():
        raise SeasightError(f"--out {args.out!r}: folder {out.parent} does not exist")
    truth = write_scenario_files(SCENARIOS[args.scenario], out, args.hours, end, args.vessels)
    print(
        f"SIMULATED scenario {truth['scenario']}: {truth['nmea_lines']} NMEA lines in {out}, "
        f"{len(truth['sightings'])} sightings in {out}.sightings.jsonl, ground truth in {out}.truth.json"
    )
    return 0


def _cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from seasight.app.demo import run_demo

    run_demo(
        settings,
        vessels=args.vessels,
        interval_s=args.interval,
        open_dashboard=not args.no_dashboard,
        duration_s=args.duration,
    )
    return 0


def _cmd_audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    from seasight.audit import verify
    from seasight.db import connect

    with connect(settings, autocommit=True) as conn:
        try:
            verdict = verify(conn, expect_head=args.expect_head)
        except ValueError as exc:
            raise SeasightError(str(exc)) from exc
    if args.json:
        print(
            json.dumps(
                {
                    "ok": verdict.ok,
                    "rows": verdict.rows,
                    "head": verdict.head,
                    "problems": [{"id": p.id, "problem": p.problem} for p in verdict.problems],
                },
                indent=2,
            )
        )
    else:
        for problem in verdict.problems:
            print(f"audit row {problem.id}: {problem.problem}")
        print(f"audit log {'intact' if verdict.ok else 'TAMPERED'}: {verdict.rows} rows, head {verdict.head}")
    return 0 if verdict.ok else 1


def _cmd_audit_show(args: argparse.Namespace, settings: Settings) -> int:
    from seasight.audit import recent
    from seasight.db import connect

    with connect(settings, autocommit=True) as conn:
        rows = recent(conn, args.limit)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            print(
                f"{r['id']:>8} {r['at']} {r['action']:6} {r['table']}/{r['record']} owner {r['record_owner']} "
                f"by {r['account'] or r['db_user']}"
            )
    return 0


# ---------------------------------------------------------------------------------------------------------
# parser
# ---------------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seasight", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("up", help="start the local stack (PostgreSQL+PostGIS, broker), create topics, migrate")
    p.set_defaults(handler=_cmd_up)
    p = sub.add_parser("down", help="stop what `up` started")
    p.add_argument("--purge", action="store_true", help="also delete the local stack's data (database, logs)")
    p.set_defaults(handler=_cmd_down)
    p = sub.add_parser("status", help="state of each local-stack component")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=_cmd_status)
    p = sub.add_parser("migrate", help="apply pending schema migrations")
    p.set_defaults(handler=_cmd_migrate)

    p = sub.add_parser("dashboard", help="run the Streamlit dashboard")
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--address", default="0.0.0.0")
    p.set_defaults(handler=_cmd_dashboard)

    p = sub.add_parser("topics", help="create the Seasight topics that do not exist yet")
    p.set_defaults(handler=_cmd_topics)
    p = sub.add_parser(
        "health", help="check the database, the Kafka brokers and the trackers (consumers) with real client calls"
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument("--database-only", action="store_true")
    group.add_argument("--kafka-only", action="store_true")
    p.set_defaults(handler=_cmd_health)

    p = sub.add_parser("bench", help="measure the pipeline's speed and memory on a fresh stack")
    p.add_argument("--messages", type=int, default=20_000, help="simulated AIS lines (default 20000)")
    p.add_argument("--rounds", type=int, default=2, help="interleaved rounds of each chain (default 2)")
    p.add_argument("--file", default=None, help="an NMEA file to use instead of the simulated feed")
    p.add_argument("--pipeline-only", action="store_true", help="skip the other parts' benchmarks")
    p.add_argument("--json", action="store_true")
    p.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    p.set_defaults(handler=_cmd_bench)

    p = sub.add_parser("simulate", help="write a SIMULATED exercise feed, its sightings and its ground truth")
    p.add_argument("--scenario", default="andaman", help="andaman (Bay of Bengal / Andaman Sea) or timor")
    p.add_argument("--hours", type=float, default=8.0, help="hours of feed before --end (default 8)")
    p.add_argument("--out", required=True, help="NMEA file to write (.sightings.jsonl and .truth.json beside)")
    p.add_argument("--vessels", type=int, default=40, help="ordinary lane traffic (default 40)")
    p.add_argument("--end", type=utc_time, default=None, help="end of the feed, ISO 8601 with offset (default now)")
    p.set_defaults(handler=_cmd_simulate)

    p = sub.add_parser("demo", help="stack + SIMULATED AIS feed + tracker + dashboard, until Ctrl-C")
    p.add_argument(
        "--vessels", type=int, default=2500, help="simulated lane vessels (default 2500: regional traffic density)"
    )
    p.add_argument("--interval", type=float, default=5.0, help="seconds between feed ticks")
    p.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    p.add_argument("--no-dashboard", action="store_true", help="feed and tracker only")
    p.set_defaults(handler=_cmd_demo)

    audit = sub.add_parser("audit", help="the tamper-evident audit log: verify its hash chain, show recent rows")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="AUDIT_COMMAND")
    p = audit_sub.add_parser("verify", help="recompute the hash chain; exit 1 when any row was altered/removed/moved")
    p.add_argument("--expect-head", default=None, help="ID:HASH printed by an earlier verify (finds rows cut off)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_audit_verify)
    p = audit_sub.add_parser("show", help="the newest audit rows")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_audit_show)

    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
        logging.basicConfig(
            level=logging.DEBUG if args.verbose else settings.log_level,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
        logging.getLogger("kafka").setLevel(logging.WARNING)
        handler: Handler = args.handler
        return handler(args, settings)
    except SeasightError as exc:
        print(f"seasight: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
