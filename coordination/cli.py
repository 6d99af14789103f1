"""``seasight case …`` — SAR case commands for coordinators (stable contract; operators script against it).

open | show | list | phase | action | no-action | assign | request | request-end | handover | close |
sitrep [compose | send | list | show] | cap | surpic | search-area (alias drift) | rcc | due | stats.
Data-printing commands take ``--json``. A case is named as users see it (``SEASIGHT-12``) or by its number.
Every output of an exercise case says EXERCISE (text) or ``"exercise": true`` (JSON) (CONTRIBUTING.md §18).

Every command acts as the configured account (SEASIGHT_ACCOUNT_TOKEN, or SEASIGHT_ACCOUNT with
SEASIGHT_ACCOUNT_PASSWORD; see seasight.accounts): the case log records that account as the actor and a
case opened belongs to the account's state or organisation. There is no free-text "acting as".
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from coordination import cases
from coordination.drift import LEEWAY_CLASSES, DriftParameters
from coordination.errors import InvalidInputError
from coordination.phases import CHECKLIST, SITREP_ITEMS, AssistanceNeed, Conclusion, Phase
from coordination.rcc import responsible_rcc
from coordination.report import ResponsibleRcc
from coordination.surpic import SurpicParameters, to_csv, to_json
from seasight.cliargs import utc_time
from seasight.db import acting
from seasight.settings import Settings, get_settings


def _now() -> datetime:
    return get_settings().clock()()


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def _print_case(record: cases.CaseRecord, as_json: bool, lookup: Any = None) -> None:
    data = cases.case_as_dict(record, _now(), lookup)
    if as_json:
        _print_json(data)
        return
    ex = "EXERCISE " if record.exercise else ""
    rcc = data["rcc"]
    print(
        f"{ex}{data['reference']}  {data['status']}  phase {data['phase']} ({data['phase_code']}) "
        f"since {data['phase_since']}"
    )
    print(
        f"  position {record.lkp_lat:.4f},{record.lkp_lon:.4f} at {data['position']['time']}  "
        f"persons {record.persons if record.persons is not None else 'unknown'}  craft {record.craft}"
    )
    print(f"  casualty {record.casualty}  source {record.source}")
    print(
        f"  RCC {rcc['name'] + ' (' + str(rcc['country']) + ')' if rcc else 'none (no SRR at this position)'}"
        + (" [indicative SRR]" if rcc and rcc["indicative"] else "")
    )
    for n in data.get("neighbour_rccs", []):
        print(f"  neighbouring RCC {n['name']} ({n['country']}), SRR {n['srr_id']} at {n['distance_nm']} nm")
    for item in data["checklist"]:
        print(f"  [{'x' if item['done'] else ' '}] {item['id']}: {item['title']} (due {item['due_at']})")
    for p in data["prompts"]:
        print(f"  ! {p['message']} ({p['overdue_min']} min)")
    if data["handover_offer"]:
        o = data["handover_offer"]
        print(f"  hand-over offered to {o['to_rcc']} ({o['to_country']}) by {o['offered_by']}: awaiting acceptance")
    if data["no_action"]:
        na = data["no_action"]
        print(f"  no-action decision by {na['proposed_by']}: {na['reason']} — {na['status']}")
    if data["search_area"]:
        sa = data["search_area"]
        print(
            f"  datum {sa['datum']['lat']:.4f},{sa['datum']['lon']:.4f} at {sa['datum_time'] or 'time not recorded'} "
            f"radius {sa['radius_nm']:.1f} nm"
        )
    for r in data["requests"]:
        persons = f", {r['persons']} persons" if r["persons"] is not None else ""
        print(f"  request {r['number']} [{r['status']}] {r['label']}{persons}: {r['detail'] or '-'}")
    for letter, item in data["sitrep_items"].items():
        print(f"  SITREP {letter} ({item['item']}): {item['text']}")
    if data["conclusion"]:
        print(f"  closed {data['closed_at']}: {data['conclusion']}")
    print("  case log:")
    for entry in data["log"]:
        print(f"    {entry['seq']:3d} {entry['at']} {entry['by']:12} {entry['kind']:20} {entry['summary']}")


# --------------------------------------------------------------------------------------------------------


def _cmd_open(args: argparse.Namespace, settings: Settings) -> int:
    req = cases.OpenCaseRequest(
        lat=args.lat,
        lon=args.lon,
        time=args.time,
        persons=args.persons,
        craft=args.craft,
        source=args.source,
        casualty=args.casualty,
        situation=args.situation or "",
        exercise=args.exercise,
        phase=Phase(args.phase),
        reason=args.reason,
        mmsi=args.mmsi,
        sighting_id=args.sighting,
        flag_id=args.flag,
    )
    with acting(settings) as (conn, me):
        record = cases.open_case(conn, req, me.name, me.participant, _now())
        lookup = responsible_rcc(conn, record.lkp_lat, record.lkp_lon) if record.rcc else None
        _print_case(record, args.json, lookup)
    return 0


def _cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    with acting(settings) as (conn, me):
        record = cases.load_case(conn, args.id)
        _print_case(record, args.json)
    return 0


def _cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    exercise = True if args.exercise else (False if args.real else None)
    with acting(settings) as (conn, me):
        rows = cases.list_cases(conn, include_closed=args.all, exercise=exercise)
    if args.json:
        _print_json(rows)
    else:
        for r in rows:
            rcc = r["rcc"]["name"] if r["rcc"] else "-"
            print(
                f"{'EXERCISE ' if r['exercise'] else ''}{r['reference']:14} {r['status']:6} {r['phase']:11} "
                f"{r['position']['lat']:8.4f} {r['position']['lon']:9.4f} persons {r['persons']} RCC {rcc}"
            )
    return 0


def _cmd_phase(args: argparse.Namespace, settings: Settings) -> int:
    with acting(settings) as (conn, me):
        record = cases.change_phase(conn, args.id, Phase(args.phase), args.reason, me.name, _now())
        _print_case(record, args.json)
    return 0


def _cmd_action(args: argparse.Namespace, settings: Settings) -> int:
    with acting(settings) as (conn, me):
        record = cases.record_action(conn, args.id, args.action, me.name, _now(), args.note or "")
        _print_case(record, args.json)
    return 0


def _cmd_no_action(args: argparse.Namespace, settings: Settings) -> int:
    with acting(settings) as (conn, me):
        if args.confirm:
            record = cases.confirm_no_action(conn, args.id, me.name, _now())
        else:
            if not args.reason:
                raise InvalidInputError("give --reason to propose a no-action decision, or --confirm to confirm one")
            record = cases.propose_no_action(conn, args.id, args.reason, me.name, _now())
        _print_case(record, args.json)
    return 0


def _cmd_assign(args: argparse.Namespace, settings: Settings) -> int:
    with acting(settings) as (conn, me):
        record = cases.assign(conn, args.id, args.role, args.name, me.name, _now())
        _print_case(record, args.json)
    return 0


def _cmd_handover(args: argparse.Namespace, settings: Settings) -> int:
    with acting(settings) as (conn, me):
        record = cases.hand_over(
            conn,
            args.id,
            args.to,
            args.reason,
            me.name,
            _now(),
            args.accepted_by or "",
            to_rcc_name=args.to_rcc,
            to_country=args.to_country,
        )
        _print_case(record, args.json)
    return 0


def _cmd_handover_answer(args: argparse.Namespace, settings: Settings) -> int:
    with acting(settings) as (conn, me):
        if args.handover_answer == "withdraw":
            record = cases.withdraw_handover(conn, args.id, args.reason, me.name, _now())
        else:
            accept = args.handover_answer == "accept"
            if not accept and not (args.reason or "").strip():
                raise InvalidInputError("give --reason to decline a hand-over")
            record = cases.answer_handover(conn, args.id, accept, me.participant, me.name, _now(), args.reason or "")
        _print_case(record, args.json)
    return 0


def _parse_conclusion(text: str) -> tuple[Conclusion, str]:
    head, _, rest = text.partition(":")
    key = head.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return Conclusion(key), rest.strip()
    except ValueError:
        raise InvalidInputError(
            f"--conclusion must start with one of {', '.join(c.value for c in Conclusion)} "
            f"(optionally 'rescued: details'), got {text!r}"
        ) from None


def _cmd_close(args: argparse.Namespace, settings: Settings) -> int:
    conclusion, details = _parse_conclusion(args.conclusion)
    summary = args.summary or details or conclusion.value.replace("_", " ")
    with acting(settings) as (conn, me):
        record = cases.close_case(conn, args.id, conclusion, summary, me.name, _now())
        _print_case(record, args.json)
    return 0


SITREP_VERBS = ("compose", "send", "list", "show")
_ITEM_OPTIONS = {"G": "description", "H": "weather", "L": "instructions", "M": "plans", "N": "info"}


def _sitrep_items(args: argparse.Namespace) -> dict[str, str]:
    return {k: getattr(args, v) for k, v in _ITEM_OPTIONS.items() if getattr(args, v) is not None}


def _cmd_sitrep(args: argparse.Namespace, settings: Settings) -> int:
    """``case sitrep [compose|send|list|show] CASE [NUMBER]``; ``case sitrep CASE`` sends (``--preview``:
    composes), as before."""
    words = list(args.words)
    verb = words.pop(0) if words[0] in SITREP_VERBS else ("compose" if args.preview else "send")
    want = 2 if verb == "show" else 1
    if len(words) != want:
        raise InvalidInputError(
            f"case sitrep {verb} takes {'CASE NUMBER' if want == 2 else 'CASE'} (e.g. SEASIGHT-12"
            f"{' 3' if want == 2 else ''}), got {' '.join(words) or 'nothing'}"
        )
    case_id = cases.parse_case_reference(words[0])
    items = _sitrep_items(args)
    if verb in ("list", "show") and (items or args.full or args.to or args.preview):
        raise InvalidInputError(f"case sitrep {verb} reads what was sent: item texts, --full, --to do not apply")
    with acting(settings) as (conn, me):
        if verb == "list":
            rows = cases.list_sitreps(conn, case_id)
            record = cases.load_case(conn, case_id)
        elif verb == "show":
            if not words[1].isdigit() or int(words[1]) < 1:
                raise InvalidInputError(f"SITREP number must be 1 or more, got {words[1]!r}")
            sent = cases.get_sitrep(conn, case_id, int(words[1]))
        else:
            number, text = cases.issue_sitrep(
                conn, case_id, me.name, _now(), full=args.full, to=args.to or (), record_it=verb == "send", items=items
            )
    if verb == "list":
        if args.json:
            _print_json(rows)
        elif not rows:
            print(f"{'EXERCISE ' if record.exercise else ''}{record.reference}: no SITREP sent")
        for r in rows if not args.json else ():
            print(
                f"{'EXERCISE ' if r['exercise'] else ''}{r['reference']} SITREP {r['number']:3d}"
                f"{' FINAL' if r['final'] else '      '} {r['form']:5} {r['sent_at']} by {r['sent_by']} "
                f"to {', '.join(r['to']) or 'ALL CONCERNED'} sha256 {r['sha256'][:12]}"
            )
    elif verb == "show":
        if args.json:
            _print_json(sent)
        else:
            print(sent["text"], end="")
    elif args.json:
        _print_json(
            {
                "case": case_id,
                "reference": cases.case_reference(case_id),
                "number": number,
                "full": args.full,
                "recorded": verb == "send",
                "text": text,
            }
        )
    else:
        print(text, end="")
    return 0


def _cmd_request(args: argparse.Namespace, settings: Settings) -> int:
    with acting(settings) as (conn, me):
        record = cases.request_assistance(
            conn,
            args.id,
            AssistanceNeed(args.need),
            me.name,
            _now(),
            detail=args.detail or "",
            asked_of=args.asked_of or "",
            persons=args.persons,
        )
        _print_case(record, args.json)
    return 0


def _cmd_request_end(args: argparse.Namespace, settings: Settings) -> int:
    with acting(settings) as (conn, me):
        record = cases.end_assistance(conn, args.id, args.number, args.status, me.name, _now(), args.note or "")
        _print_case(record, args.json)
    return 0


def _cmd_cap(args: argparse.Namespace, settings: Settings) -> int:
    with acting(settings) as (conn, me):
        msg = cases.issue_cap(conn, args.id, me.name, _now(), sender=args.sender, record_it=not args.preview)
    if args.json:
        _print_json(
            {
                "identifier": msg.identifier,
                "sender": msg.sender,
                "sent": msg.sent.isoformat(),
                "msg_type": msg.msg_type.value,
                "recorded": not args.preview,
                "xml": msg.xml,
            }
        )
    else:
        print(msg.xml)
    return 0


def _cmd_surpic(args: argparse.Namespace, settings: Settings) -> int:
    params = SurpicParameters(
        radius_nm=args.radius_nm, ship_types=frozenset(args.type or ()), min_length_m=args.min_length_m
    )
    with acting(settings) as (conn, me):
        record = cases.load_case(conn, args.id)
        datum, entries = cases.case_surpic(conn, args.id, _now(), params, max_age_h=args.max_age_h)
    if args.csv:
        print(to_csv(entries, record.reference, record.exercise), end="")
    elif args.json:
        print(to_json(entries, record.reference, record.exercise))
    else:
        print(
            f"{'EXERCISE ' if record.exercise else ''}SURPIC for case {record.reference}: datum "
            f"{datum[0]:.4f},{datum[1]:.4f}, radius {args.radius_nm:g} nm, {len(entries)} ships"
        )
        for e in entries:
            eta = f"{e.eta_hours:6.1f} h" if e.eta_hours is not None else "  —    "
            turn = f"{e.course_change_deg:+6.0f}°" if e.course_change_deg is not None else "   —  "
            print(f"  {e.mmsi:9d} {str(e.name or ''):20.20} {e.distance_nm:6.1f} nm  turn {turn}  ETA {eta}")
    return 0


def _cmd_search_area(args: argparse.Namespace, settings: Settings) -> int:
    params = DriftParameters(
        safety_factor=args.safety_factor,
        initial_position_error_nm=args.x_nm,
        facility_nav_error_nm=args.y_nm,
        drift_error_fraction=args.drift_error,
    )
    with acting(settings) as (conn, me):
        record, res = cases.store_search_area(
            conn,
            args.id,
            args.wind_from,
            args.wind_kn,
            args.current_set,
            args.current_kn,
            me.name,
            _now(),
            args.datum_time,
            args.craft,
            params,
        )
    data = {
        "case": record.id,
        "reference": record.reference,
        "exercise": record.exercise,
        "datum_time": cases.latest_search_area_data(record).get("datum_time"),
        "drift_hours": round(res.drift_hours, 3),
        "leeway_downwind_kn": round(res.leeway_downwind_kn, 3),
        "leeway_crosswind_kn": round(res.leeway_crosswind_kn, 3),
        "drift_nm": round(res.drift_distance_nm, 2),
        "drift_direction_deg": round(res.drift_direction_deg, 1),
        "datum": {"lat": res.datum.lat, "lon": res.datum.lon},
        "datum_left": {"lat": res.datum_left.lat, "lon": res.datum_left.lon},
        "datum_right": {"lat": res.datum_right.lat, "lon": res.datum_right.lon},
        "probable_error_nm": round(res.probable_error_nm, 2),
        "radius_nm": round(res.search_radius_nm, 2),
        "area_sq_nm": round(res.search_area_sq_nm, 1),
        "polygon": [list(p) for p in res.search_area_ring],
    }
    if args.json:
        _print_json(data)
    else:
        print(
            f"{'EXERCISE ' if record.exercise else ''}"
            f"datum {res.datum.lat:.4f},{res.datum.lon:.4f} at {data['datum_time']} (drift {data['drift_nm']} nm "
            f"towards {data['drift_direction_deg']}°), probable error {data['probable_error_nm']} nm, search radius "
            f"{data['radius_nm']} nm, area {data['area_sq_nm']} sq nm — stored with case {record.id}"
        )
    return 0


def _cmd_rcc(args: argparse.Namespace, settings: Settings) -> int:
    with acting(settings) as (conn, me):
        lookup = responsible_rcc(conn, args.lat, args.lon, args.near_nm)
    data: dict[str, Any] = {
        "responsible": cases.rcc_as_dict(lookup.responsible),
        "distance_to_boundary_nm": None
        if lookup.distance_to_boundary_nm is None
        else round(lookup.distance_to_boundary_nm, 1),
        "neighbours": [
            {**(cases.rcc_as_dict(n.rcc) or {}), "distance_nm": round(n.distance_nm, 1)} for n in lookup.neighbours
        ],
    }
    rccs = [lookup.responsible] + [n.rcc for n in lookup.neighbours]
    for entry, rcc in zip([data["responsible"], *data["neighbours"]], rccs, strict=True):
        if entry is not None and rcc is not None:
            entry.update(_rcc_sources(rcc))
    data["boundary_note"] = SRR_NOTE
    if args.json:
        _print_json(data)
    else:
        r = lookup.responsible
        if r is None:
            print(f"responsible: none (no SRR drawn at this position) - {SRR_NOTE}")
        else:
            kind = "indicative boundary" if r.indicative else "official boundary (imported)"
            print(f"responsible: {r.rcc_name} ({r.rcc_country}), SRR {r.srr_id} [{kind}]")
            print(f"  boundary source: {r.boundary_source or r.source or 'not recorded'}")
            print(f"  contact: {_contact_line(r)}")
        for n, near in zip(data["neighbours"], lookup.neighbours, strict=True):
            kind = "indicative" if near.rcc.indicative else "official"
            print(f"neighbour: {n['name']} ({n['country']}), SRR {n['srr_id']} [{kind}], {n['distance_nm']} nm")
        if r is not None and r.indicative:
            print(f"note: {SRR_NOTE}")
    return 0


SRR_NOTE = (
    "SRR boundaries of the authored layer are indicative (straight-line approximations, possibly tens of nm "
    "off): confirm the responsible RCC with the official SRR data (IMO GISIS)"
)


def _contact_line(rcc: ResponsibleRcc) -> str:
    numbers = " ".join(x for x in (rcc.phone, rcc.email) if x)
    if not numbers:
        return "not published in a source the team checked (take it from the IMO GISIS SAR contact list)"
    return f"{numbers} (source: {rcc.contact_source or 'not recorded'}, as of {rcc.contact_as_of or 'unknown'})"


def _rcc_sources(rcc: ResponsibleRcc) -> dict[str, Any]:
    return {
        "boundary_source": rcc.boundary_source or rcc.source,
        "contact_source": rcc.contact_source,
        "contact_as_of": rcc.contact_as_of,
    }


def _cmd_due(args: argparse.Namespace, settings: Settings) -> int:
    from coordination.queries import due_prompts

    with acting(settings) as (conn, me):
        rows = due_prompts(conn, _now())
    if args.json:
        _print_json(rows)
    else:
        for r in rows:
            ex = "EXERCISE " if r["exercise"] else ""
            print(f"{ex}{r['reference']:14} {r['phase']:11} {r['message']} ({r['overdue_min']} min overdue)")
        if not rows:
            print("no overdue actions")
    return 0


def _cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    with acting(settings) as (conn, me):
        data = cases.case_statistics(conn, exercise=args.exercise)
    _print_json(data)
    return 0


# --------------------------------------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    case = subparsers.add_parser("case", help="SAR cases: IAMSAR phases, RCC, SURPIC, search area, SITREP, CAP")
    sub = case.add_subparsers(dest="case_command", required=True, metavar="CASE_COMMAND")

    def add(
        name: str,
        handler: Any,
        help_text: str,
        case_id: bool = True,
        json_flag: bool = True,
        aliases: tuple[str, ...] = (),
    ) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=help_text, aliases=list(aliases))
        if case_id:
            p.add_argument("id", type=cases.case_reference_arg, help="case, as shown (SEASIGHT-12) or its number")
        if json_flag:
            p.add_argument("--json", action="store_true", help="machine-readable output")
        p.set_defaults(handler=handler)
        return p

    p = add("open", _cmd_open, "open a SAR case (by hand, or from a vessel, sighting or flag)", case_id=False)
    p.add_argument("--lat", type=float)
    p.add_argument("--lon", type=float)
    p.add_argument("--time", type=utc_time, help="time of the last known position, ISO 8601 with offset")
    p.add_argument("--persons", type=int)
    p.add_argument("--craft", help=f"craft type, e.g. {', '.join(LEEWAY_CLASSES)}")
    p.add_argument("--source", help="who reported it (hotline, aircraft, AIS …)")
    p.add_argument("--casualty", help="identity of the casualty (name, description)")
    p.add_argument("--situation", help="nature of the emergency")
    p.add_argument("--exercise", action="store_true", help="an exercise case: marked on every output")
    p.add_argument("--phase", choices=[x.value for x in Phase], default=Phase.UNCERTAINTY.value)
    p.add_argument("--reason", default="case opened", help="why the case is opened in this phase")
    p.add_argument("--mmsi", type=int, help="open from this vessel's latest AIS state")
    p.add_argument("--sighting", help="open from this sighting (UUID)")
    p.add_argument("--flag", type=int, help="open from this flag (id)")

    add("show", _cmd_show, "show a case with its checklist, timers and log")
    p = add("list", _cmd_list, "list open cases (newest first)", case_id=False)
    p.add_argument("--all", action="store_true", help="include closed cases")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--exercise", action="store_true", help="exercise cases only")
    g.add_argument("--real", action="store_true", help="real cases only")

    p = add("phase", _cmd_phase, "change the IAMSAR phase (uncertainty / alert / distress)")
    p.add_argument("phase", choices=[x.value for x in Phase])
    p.add_argument("--reason", required=True, help="why (recorded in the case log)")

    p = add("action", _cmd_action, "tick a checklist action of the current phase as done")
    p.add_argument("action", choices=sorted({a.id for a in CHECKLIST}))
    p.add_argument("--note")

    p = add("no-action", _cmd_no_action, "propose (--reason) or confirm (--confirm) a no-action decision")
    p.add_argument("--reason")
    p.add_argument("--confirm", action="store_true", help="confirm as the second coordinator")

    p = add("assign", _cmd_assign, "assign an SMC, OSC, SRU or ACO")
    p.add_argument("role", choices=["SMC", "OSC", "SRU", "ACO", "smc", "osc", "sru", "aco"])
    p.add_argument("name")

    p = add(
        "handover",
        _cmd_handover,
        "hand coordination over to the RCC of another SRR (an offer its coordinator accepts in Seasight)",
    )
    p.add_argument("--to", help="SRR id of the receiving RCC")
    p.add_argument("--to-rcc", help="name of a receiving RCC outside the SRR layer (with --to-country)")
    p.add_argument("--to-country", help="ISO alpha-3 code of that RCC's state")
    p.add_argument("--reason", required=True)
    p.add_argument(
        "--accepted-by",
        help="who accepted at the receiving RCC, for an RCC outside Seasight (one in Seasight accepts itself)",
    )
    for verb, text in (
        ("accept", "accept the hand-over offered to your state: the case becomes yours"),
        ("decline", "decline the hand-over offered to your state (--reason)"),
        ("withdraw", "withdraw your state's pending hand-over offer (--reason)"),
    ):
        p = add(f"handover-{verb}", _cmd_handover_answer, text)
        p.add_argument("--reason", required=verb == "withdraw", help="why (recorded in the case log)")
        p.set_defaults(handover_answer=verb)

    p = add("close", _cmd_close, "close the case with its conclusion")
    p.add_argument(
        "--conclusion",
        required=True,
        help=f"one of {', '.join(c.value for c in Conclusion)}, optionally 'rescued: details'",
    )
    p.add_argument("--summary")

    p = add(
        "request",
        _cmd_request,
        "record a request for assistance (SITREP item E), numbered in the case",
    )
    p.add_argument("need", choices=[n.value for n in AssistanceNeed])
    p.add_argument("--detail", help="what exactly is asked (required for 'other')")
    p.add_argument("--asked-of", help="who is asked (ships in the area, an RCC, a SAR unit ...)")
    p.add_argument("--persons", type=int, help="persons it concerns (e.g. 2 for a medical evacuation)")

    p = add("request-end", _cmd_request_end, "mark a request for assistance met or withdrawn")
    p.add_argument("number", type=int, help="request number (see case show)")
    p.add_argument("--status", choices=("met", "withdrawn"), required=True)
    p.add_argument("--note", help="how it was met, or why it is withdrawn (required for withdrawn)")

    p = add(
        "sitrep",
        _cmd_sitrep,
        "SITREPs: compose (draft) | send | list | show CASE [NUMBER] (IAMSAR short form A–F, --full A–N)",
        case_id=False,
    )
    p.add_argument(
        "words",
        nargs="+",
        metavar="[compose|send|list|show] CASE [NUMBER]",
        help="compose prints the next SITREP without sending it; send numbers it, stores it verbatim and prints "
        "it; list shows those sent; show CASE NUMBER prints one as sent. 'sitrep CASE' alone sends.",
    )
    p.add_argument("--full", action="store_true", help="full form (items G–N)")
    p.add_argument("--to", action="append", help="addressee (repeatable)")
    p.add_argument("--preview", action="store_true", help="same as compose (do not number or record it as sent)")
    for letter, option in _ITEM_OPTIONS.items():
        p.add_argument(
            f"--{option}",
            help=f"item {letter} ({SITREP_ITEMS[letter]}): recorded in the case log, kept for later SITREPs",
        )

    p = add("cap", _cmd_cap, "print the next CAP 1.2 message (Alert / Update / Cancel)")
    p.add_argument("--sender", help="CAP sender id (default seasight.<owner>)")
    p.add_argument("--preview", action="store_true", help="do not record it as sent")

    p = add("surpic", _cmd_surpic, "ships near the datum that could assist, by time to reach")
    p.add_argument("--radius-nm", type=float, default=100.0)
    p.add_argument("--type", type=int, action="append", help="AIS ship-type code to keep (repeatable)")
    p.add_argument("--min-length-m", type=float)
    p.add_argument("--max-age-h", type=float, default=cases.DEFAULT_SURPIC_MAX_AGE_H)
    p.add_argument("--csv", action="store_true", help="CSV export")

    p = add(
        "search-area",
        _cmd_search_area,
        "drift, datum and search area from wind and current",
        aliases=("drift",),
    )
    p.add_argument("--wind-from", type=float, required=True, help="wind direction FROM, degrees true")
    p.add_argument("--wind-kn", type=float, required=True, help="10-m wind speed, knots")
    p.add_argument("--current-set", type=float, required=True, help="total water current set (towards), °T")
    p.add_argument("--current-kn", type=float, required=True, help="total water current drift, knots")
    p.add_argument("--craft", help=f"leeway class: {', '.join(LEEWAY_CLASSES)} (default: the case's craft)")
    p.add_argument("--datum-time", type=utc_time, help="time of the datum (default now)")
    p.add_argument("--safety-factor", type=float, default=DriftParameters.safety_factor)
    p.add_argument(
        "--x-nm",
        type=float,
        default=DriftParameters.initial_position_error_nm,
        help="initial position error X, nm",
    )
    p.add_argument(
        "--y-nm",
        type=float,
        default=DriftParameters.facility_nav_error_nm,
        help="search facility navigation error Y, nm",
    )
    p.add_argument(
        "--drift-error",
        type=float,
        default=DriftParameters.drift_error_fraction,
        help="drift error as a fraction of drift distance",
    )

    p = add("rcc", _cmd_rcc, "responsible RCC (and neighbours) for a position", case_id=False)
    p.add_argument("--lat", type=float, required=True)
    p.add_argument("--lon", type=float, required=True)
    p.add_argument("--near-nm", type=float, default=50.0, help="list neighbouring SRRs within this distance")

    add(
        "due",
        _cmd_due,
        "overdue checklist actions and escalation prompts of all open cases",
        case_id=False,
    )
    p = add(
        "stats",
        _cmd_stats,
        "case counts (real cases; --exercise for exercises only)",
        case_id=False,
        json_flag=False,
    )
    p.add_argument("--exercise", action="store_true")
