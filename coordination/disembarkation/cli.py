"""``seasight disembark …`` and ``seasight report practices`` (stable command-line contract).

disembark participants [--json]             — participating states / organisations, places registered
disembark places load|list|add|edit|history — the register of places of safety
disembark options CASE [--json]             — ranked places of safety for a case (IMO MSC.167(78))
disembark record CASE --outcome ...         — record (a new version of) a case's outcome, counts only
disembark outcome CASE [--json]             — every recorded version of a case's outcome
disembark import-iom FILE...                — historical incidents from IOM Missing Migrants CSVs
report practices --format csv|json|geojson|kml [--by state,year] [--origin live|iom_mmp]
                                            — suppressed practice figures to stdout

Every command acts as the configured account (SEASIGHT_ACCOUNT_TOKEN, or SEASIGHT_ACCOUNT with
SEASIGHT_ACCOUNT_PASSWORD): what it records carries that account as the actor and its state or
organisation as the owner (packaged port positions loaded by ``places load`` are owned by SYSTEM).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from coordination.cases import case_reference, case_reference_arg
from coordination.disembarkation import iom, store
from coordination.disembarkation import register as places_register
from coordination.disembarkation.errors import DisembarkationError, InvalidOutcomeError, InvalidPlaceError
from coordination.disembarkation.outcomes import Outcome, OutcomeKind, Reception
from coordination.disembarkation.practices import GROUPINGS, INCIDENT_GROUPINGS
from coordination.disembarkation.ranking import PARAMETERS, RankingParameters
from coordination.sitrep import EXERCISE_BANNER
from seasight.cliargs import utc_time
from seasight.db import acting, connect
from seasight.errors import SeasightError
from seasight.rows import fetch_one_by_name
from seasight.settings import Settings


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date such as 2026-11-23") from exc


def _tristate(text: str) -> bool | None:
    value = text.strip().lower()
    if value in ("yes", "y", "true"):
        return True
    if value in ("no", "n", "false"):
        return False
    if value in ("unknown", ""):
        return None
    raise argparse.ArgumentTypeError(f"{text!r}: give yes, no or unknown")


def _nationality(text: str) -> tuple[str, int]:
    code, sep, count = text.partition("=")
    if not sep or not count.strip().lstrip("-").isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: give ISO3=COUNT, e.g. MMR=120")
    return code.strip().upper(), int(count)


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


# ---------------------------------------------------------------------------------------------------------


def _cmd_participants(args: argparse.Namespace, settings: Settings) -> int:
    from coordination.disembarkation import queries

    with acting(settings) as (conn, me):
        frame = queries.participants_frame(conn)
    if args.json:
        _print_json(frame.to_dict("records"))
    else:
        for r in frame.to_dict("records"):
            roles = "/".join(r["roles"]) or "-"
            print(f"{r['code']:6} {r['kind']:12} {r['name']:40} roles {roles:20} places {r['places_of_safety']}")
    return 0


def _cmd_places_load(args: argparse.Namespace, settings: Settings) -> int:
    states = [s for s in args.states.split(",") if s.strip()] if args.states else None
    # Packaged reference positions, owned by SYSTEM until a state's focal point edits its own places: loaded
    # by a service session (the local stack's, or SEASIGHT_ACCOUNT_TOKEN of a service account); the
    # database refuses anyone else (migration 0075).
    with connect(settings) as conn:
        row = fetch_one_by_name(conn, "SELECT name, role FROM session_account()")
        if row is None or row["role"] != "service":
            raise DisembarkationError(
                "places load runs as a service account (set SEASIGHT_ACCOUNT_TOKEN to a service account's token)"
            )
        report = places_register.load_packaged_ports(conn, states, row["name"], "SYSTEM")
    print(
        f"places of safety: {report.added} added, {report.already_registered} already registered, "
        f"{len(report.offshore_left_out)} left out as charted over 10 nm from shore "
        f"({', '.join(report.offshore_left_out) or '-'}); "
        f"states {', '.join(report.states)}"
    )
    return 0


def _cmd_places_list(args: argparse.Namespace, settings: Settings) -> int:
    with acting(settings) as (conn, me):
        places = places_register.list_places(conn, args.state, usable_only=not args.all)
    if args.json:
        _print_json([places_register.place_as_dict(p) for p in places])
    else:
        for p in places:
            attrs = (
                f"medical {p.medical_capacity or '?'}, UNHCR {p.unhcr_presence}, IOM {p.iom_presence}"
                if p.attributes_source
                else f"{p.status}: attributes not recorded; size class {p.size_class or 'not known'}"
            )
            print(f"{p.locode} {p.state} {p.name:28} {p.lat:8.4f} {p.lon:9.4f} v{p.version} {attrs}")
    return 0


def _cmd_places_add(args: argparse.Namespace, settings: Settings) -> int:
    with acting(settings, autocommit=False) as (conn, me):
        p = places_register.add_landing_place(
            conn,
            args.locode,
            args.name,
            args.state,
            args.lat,
            args.lon,
            args.source,
            me.name,
            me.participant,
            kind=args.kind,
        )
    print(f"registered {p.locode} {p.name} ({p.state}) at {p.lat:.4f}, {p.lon:.4f}")
    return 0


def _cmd_places_edit(args: argparse.Namespace, settings: Settings) -> int:
    changes: dict[str, Any] = {}
    for key in ("name", "reception_facilities", "medical_capacity", "screening_procedures", "practice_notes"):
        value = getattr(args, key)
        if value is not None:
            changes[key] = value
    for key in ("unhcr_presence", "iom_presence", "usable"):
        value = getattr(args, key)
        if value is not None:
            changes[key] = _tristate(value)
    with acting(settings, autocommit=False) as (conn, me):
        p = places_register.edit_place(
            conn, args.locode, changes, args.reason, me.name, me.participant, args.source, args.as_of
        )
    print(f"{p.locode} {p.name}: now version {p.version}")
    return 0


def _cmd_places_history(args: argparse.Namespace, settings: Settings) -> int:
    with acting(settings) as (conn, me):
        history = places_register.place_history(conn, args.locode)
    if args.json:
        _print_json(history)
    else:
        for h in history:
            print(
                f"v{h['version']} {h['changed_at']:%Y-%m-%d %H:%M} {h['owner']}/{h['acted_by']}: "
                f"{h['reason']} "
                f"[{', '.join(h['changed'])}]"
            )
    return 0


def _cmd_options(args: argparse.Namespace, settings: Settings) -> int:
    values: dict[str, Any] = {}
    if args.speed is not None:
        values["ship_speed_kn"] = args.speed
    if args.max_distance is not None:
        values["max_sea_distance_nm"] = args.max_distance
    if args.limit is not None:
        values["max_options"] = args.limit
    if args.other_states is not None:
        values["other_state_options"] = args.other_states
    params = RankingParameters(**values)
    if (args.from_lat is None) != (args.from_lon is None):
        raise InvalidPlaceError("give both --from-lat and --from-lon (the rescuing ship's current position)")
    from_position = (args.from_lat, args.from_lon) if args.from_lat is not None else None
    with acting(settings) as (conn, me):
        result = store.options_for_case(conn, args.case_id, params, from_position)
    data = store.options_as_dict(result)
    if args.json:
        _print_json(data)
        return 0
    if result.exercise:
        print(EXERCISE_BANNER)
    print(
        f"{'EXERCISE ' if result.exercise else ''}case {data['reference']}: responsible state "
        f"{data['responsible_state'] or 'unknown'} - {data['responsible_basis']}"
    )
    if not result.options:
        print(f"no place of safety within {params.max_sea_distance_nm:g} nm by sea in the register")
    for o in result.options:
        print(
            f"{o.rank:2}. {o.port} ({o.locode}, {o.state}) {o.sea_distance_nm:.0f} nm, {o.eta_hours:.1f} h [{o.status}]"
        )
        for reason in o.reasons:
            print(f"      - {reason}")
    for u in result.unreachable:
        print(f"not reachable: {u.name} ({u.locode}, {u.state}): {u.reason}")
    if result.exercise:
        print(EXERCISE_BANNER)
    return 0


def _cmd_record(args: argparse.Namespace, settings: Settings) -> int:
    nationalities: dict[str, int] = {}
    for code, count in args.nationality or []:
        if code in nationalities:
            raise InvalidOutcomeError(f"nationality {code} given twice")
        nationalities[code] = count
    outcome = Outcome(
        case_id=args.case_id,
        outcome=OutcomeKind(args.outcome),
        state=args.state,
        locode=args.port,
        place_name=args.place_name,
        alert_at=args.alert_at,
        outcome_at=args.at,
        route=args.route,
        persons_aboard=args.persons,
        men=args.men,
        women=args.women,
        children=args.children,
        uasc=args.uasc,
        deaths=args.deaths,
        missing=args.missing,
        nationalities=nationalities,
        days_at_sea=args.days_at_sea,
        reception=Reception(args.reception) if args.reception else None,
        screened=_tristate(args.screened) if args.screened else None,
        referred_to_asylum=_tristate(args.asylum_referral) if args.asylum_referral else None,
        trafficking_victims_identified=args.trafficking_victims,
        consular_notification=_tristate(args.consular_notified) if args.consular_notified else None,
        voluntary_returns=args.voluntary_returns,
        pregnant_women=args.pregnant_women,
        older_persons=args.older_persons,
        persons_with_disabilities=args.persons_with_disabilities,
        medical_evacuations=args.medical_evacuations,
        source=args.source,
        source_quality=args.source_quality,
        note=args.note,
    )
    with acting(settings, autocommit=False) as (conn, me):
        version = store.record_outcome(conn, outcome, args.reason, me.name, me.participant)
        exercise = store.outcome_versions(conn, args.case_id)[-1]["is_exercise"]
    ex = "EXERCISE " if exercise else ""
    print(f"{ex}case {case_reference(args.case_id)}: outcome recorded (version {version})")
    return 0


def _cmd_outcome(args: argparse.Namespace, settings: Settings) -> int:
    with acting(settings) as (conn, me):
        versions = store.outcome_versions(conn, args.case_id)
    if args.json:
        _print_json(versions)
    elif not versions:
        print(f"case {case_reference(args.case_id)}: no outcome recorded")
    else:
        for v in versions:
            print(
                f"{'EXERCISE ' if v['is_exercise'] else ''}"
                f"v{v['version']} {v['recorded_at']:%Y-%m-%d %H:%M} {v['outcome']} {v['state'] or '-'} "
                f"{v['locode'] or v['place_name'] or '-'} aboard {v['persons_aboard']} dead {v['deaths']} "
                f"missing {v['missing']} - {v['reason']} ({v['owner']}/{v['acted_by']})"
            )
    return 0


def _cmd_import_iom(args: argparse.Namespace, settings: Settings) -> int:
    reports = []
    with acting(settings, autocommit=False) as (conn, me):
        for path in args.files:
            reports.append(iom.import_iom_file(conn, Path(path), me.name))
    if args.json:
        _print_json([asdict(r) for r in reports])
    else:
        for r in reports:
            print(
                f"{r.file_name} ({r.source_schema}): {r.rows} rows, {r.inserted} new, {r.updated} updated; "
                f"dead {r.stored_totals.get('dead')}, missing {r.stored_totals.get('missing')}, survivors "
                f"{r.stored_totals.get('survivors')}; set aside {r.set_aside}; "
                f"{r.rows_with_quality_notes} rows with quality notes"
            )
    return 0


def _cmd_report_practices(args: argparse.Namespace, settings: Settings) -> int:
    from coordination.disembarkation import queries

    default = "state" if args.origin == "live" else "region,year"
    by = [b.strip() for b in (args.by or default).split(",") if b.strip()]
    with acting(settings) as (conn, me):
        if args.origin == "live":
            text = queries.export_practices(conn, args.format, by)
        else:
            text = queries.export_iom_summary(conn, args.format, by)
    print(text, end="" if text.endswith("\n") else "\n")
    return 0


def _cmd_report_publish(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from coordination.disembarkation.publish import publish_practices

    if args.every is not None and args.every <= 0:
        raise SeasightError(f"--every must be a positive number of seconds, got {args.every}")
    while True:
        with acting(settings) as (conn, me):
            if me.role.value != "service":
                raise SeasightError(f"practice figures are published by a service account, not {me.label}")
            written = publish_practices(conn)
        print(
            "practice figures published for "
            + (", ".join(f"{r} ({n} groupings)" for r, n in written.items()) or "nobody (no aggregate-only sharing)"),
            flush=True,
        )
        if args.every is None:
            return 0
        time.sleep(args.every)


def register_commands(subparsers: Any) -> None:
    d = subparsers.add_parser("disembark", help="places of safety, options for a case, outcomes, IOM import")
    sub = d.add_subparsers(dest="disembark_command", required=True, metavar="ACTION")

    p = sub.add_parser("participants", help="participating states and organisations, places registered")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_participants)

    places = sub.add_parser("places", help="the register of places of safety")
    psub = places.add_subparsers(dest="places_command", required=True, metavar="ACTION")
    p = psub.add_parser("load", help="register the packaged (searoute) ports of participating states")
    p.add_argument("--states", help="ISO alpha-3 list, e.g. BGD,IDN,MYS,THA,LKA (default: participant table)")
    p.set_defaults(handler=_cmd_places_load)
    p = psub.add_parser("list", help="list registered places")
    p.add_argument("--state")
    p.add_argument("--all", action="store_true", help="include places marked not usable")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_places_list)
    p = psub.add_parser("add", help="add a landing place not in the packaged ports")
    p.add_argument("locode")
    p.add_argument("--name", required=True)
    p.add_argument("--state", required=True, help="ISO alpha-3")
    p.add_argument("--lat", type=float, required=True)
    p.add_argument("--lon", type=float, required=True)
    p.add_argument("--kind", choices=("landing_place", "port"), default="landing_place")
    p.add_argument("--source", required=True, help="where the position comes from")
    p.set_defaults(handler=_cmd_places_add)
    p = psub.add_parser("edit", help="change a place's attributes (history kept)")
    p.add_argument("locode")
    p.add_argument("--name")
    p.add_argument("--reception", dest="reception_facilities")
    p.add_argument("--medical", dest="medical_capacity", help="none | basic | hospital ('' to clear)")
    p.add_argument("--unhcr", dest="unhcr_presence", help="yes | no | unknown")
    p.add_argument("--iom", dest="iom_presence", help="yes | no | unknown")
    p.add_argument("--screening", dest="screening_procedures")
    p.add_argument("--notes", dest="practice_notes")
    p.add_argument("--usable", help="yes | no")
    p.add_argument("--source", help="who says so (required for any attribute)")
    p.add_argument("--as-of", type=_date, help="date the information was true (required for any attribute)")
    p.add_argument("--reason", required=True)
    p.set_defaults(handler=_cmd_places_edit)
    p = psub.add_parser("history", help="every version of a place")
    p.add_argument("locode")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_places_history)

    p = sub.add_parser("options", help="ranked places of safety for a case")
    p.add_argument("case_id", type=case_reference_arg, help="case, as shown (SEASIGHT-12) or its number")
    p.add_argument("--json", action="store_true")
    p.add_argument("--speed", type=float, help=f"ship speed, kn (default {PARAMETERS['ship_speed_kn'].default:g})")
    p.add_argument("--max-distance", type=float, help="furthest place by sea, nm")
    p.add_argument("--limit", type=int, help="places listed")
    p.add_argument("--other-states", type=int, help="places of other states always listed (default 3)")
    p.add_argument("--from-lat", type=float, help="rescuing ship's current position (default: the case LKP)")
    p.add_argument("--from-lon", type=float)
    p.set_defaults(handler=_cmd_options)

    p = sub.add_parser("record", help="record a case's outcome (counts only; a new version each time)")
    p.add_argument("case_id", type=case_reference_arg, help="case, as shown (SEASIGHT-12) or its number")
    p.add_argument("--outcome", required=True, choices=[k.value for k in OutcomeKind])
    p.add_argument("--state", help="ISO alpha-3 of the state of disembarkation / refusal")
    p.add_argument("--port", help="UN/LOCODE of the place of safety (in the register)")
    p.add_argument("--place-name", help="landing place without a LOCODE")
    p.add_argument("--at", type=utc_time, help="time of disembarkation / refusal, ISO 8601 with offset")
    p.add_argument("--alert-at", type=utc_time, help="first alert (default: when the case was opened)")
    p.add_argument("--route", help="e.g. 'Bay of Bengal/Andaman Sea'")
    for name in (
        "persons",
        "men",
        "women",
        "children",
        "uasc",
        "deaths",
        "missing",
        "trafficking-victims",
        "voluntary-returns",
    ):
        p.add_argument(f"--{name}", type=int)
    p.add_argument("--pregnant-women", type=int, help="pregnant women among the women (count)")
    p.add_argument("--older-persons", type=int, help="persons aged 60 and over (count)")
    p.add_argument("--persons-with-disabilities", type=int, help="persons with disabilities (count)")
    p.add_argument(
        "--medical-evacuations", type=int, help="persons evacuated for medical reasons before disembarkation (count)"
    )
    p.add_argument("--nationality", type=_nationality, action="append", help="ISO3=COUNT, repeat")
    p.add_argument("--days-at-sea", type=float)
    p.add_argument("--reception", choices=[r.value for r in Reception])
    p.add_argument("--screened", help="yes | no | unknown")
    p.add_argument("--asylum-referral", help="yes | no | unknown")
    p.add_argument("--consular-notified", help="yes | no | unknown")
    p.add_argument("--source", required=True, help="who reported the outcome")
    p.add_argument("--source-quality", type=int, help="1 (single unverified) .. 5 (official, verified)")
    p.add_argument("--note")
    p.add_argument("--reason", default="recorded", help="why this version (e.g. 'corrected counts')")
    p.set_defaults(handler=_cmd_record)

    p = sub.add_parser("outcome", help="every recorded version of a case's outcome")
    p.add_argument("case_id", type=case_reference_arg, help="case, as shown (SEASIGHT-12) or its number")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_outcome)

    p = sub.add_parser("import-iom", help="import IOM Missing Migrants Project CSV files (2020 or current layout)")
    p.add_argument("files", nargs="+")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_import_iom)

    report = subparsers.add_parser("report", help="shared reports")
    rsub = report.add_subparsers(dest="report_command", required=True, metavar="REPORT")
    p = rsub.add_parser("practices", help="RSO disembarkation practice figures (counts under 5 suppressed)")
    p.add_argument("--format", choices=("csv", "json", "geojson", "kml"), default="csv")
    p.add_argument(
        "--by",
        help=f"comma list of {', '.join(GROUPINGS)} (default state); for --origin iom_mmp: "
        f"{', '.join(INCIDENT_GROUPINGS)} (default region,year)",
    )
    p.add_argument(
        "--origin",
        choices=("live", "iom_mmp"),
        default="live",
        help="live: recorded outcomes of real cases (default); iom_mmp: imported IOM incidents (csv/json)",
    )
    p.set_defaults(handler=_cmd_report_practices)
    p = rsub.add_parser(
        "publish",
        help="(a service) publish the suppressed practice figures of recipients of aggregate-only outcomes",
    )
    p.add_argument("--every", type=float, default=None, help="run again every this many seconds (a service)")
    p.set_defaults(handler=_cmd_report_publish)


def register(subparsers: Any) -> None:
    """Entry point listed in seasight.app.cli.COMMAND_MODULES."""
    register_commands(subparsers)
