"""``seasight watchlist add|list|remove|import``: the shared watchlist rule 6 reads (tracking/watchlist.py).

Every command acts for the configured account (SEASIGHT_ACCOUNT_TOKEN, or SEASIGHT_ACCOUNT with
SEASIGHT_ACCOUNT_PASSWORD), like ``seasight sharing``: entries it adds are owned by the account's state or
organisation and name the account; it changes and removes only that participant's entries. An import
checks every line first and writes all of them in one transaction, or none.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from seasight.settings import Settings


def _show(entry: Any) -> str:
    """One line per entry: id, owner, identifiers, why, and whether it was removed."""
    parts = [f"{entry.id:24}", f"{entry.owner:8}"]
    if entry.name:
        parts.append(f'name "{entry.name}"')
    parts += [
        f"{label} {value}"
        for label, value in (("MMSI", entry.mmsi), ("IMO", entry.imo), ("call sign", entry.callsign))
        if value is not None
    ]
    parts.append(f"— {entry.reason}")
    if not entry.active:
        parts.append("[removed]")
    return " ".join(parts)


def _cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    from seasight.db import acting
    from tracking.watchlist import add_entry

    with acting(settings) as (conn, me):
        record, replaced = add_entry(
            conn,
            reason=args.reason,
            ident=args.id,
            mmsi=args.mmsi or "",
            imo=args.imo or "",
            callsign=args.callsign or "",
            name=args.name or "",
        )
    print(f"watchlist entry {record.id} {'replaced' if replaced else 'added'} for {me.participant} by {me.name}")
    return 0


def _cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    from seasight.db import acting
    from tracking.watchlist import list_entries

    owner = args.owner.strip().upper() if args.owner else None
    with acting(settings) as (conn, _me):
        entries = list_entries(conn, include_inactive=args.all, owner=owner)
    if args.json:
        print(json.dumps([e.as_json() for e in entries], indent=2))
        return 0
    if not entries:
        print("the watchlist is empty" + (f" for {owner}" if owner else ""))
    for e in entries:
        print(_show(e))
    return 0


def _cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    from seasight.db import acting
    from tracking.watchlist import remove_entry

    with acting(settings) as (conn, me):
        entry = remove_entry(conn, args.id)
    print(f"watchlist entry {entry.id} removed by {me.name} (kept, inactive, for the flags that cite it)")
    return 0


def _cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from seasight.db import acting
    from tracking.watchlist import WatchlistError, import_entries, read_watchlist_file

    text = sys.stdin.read() if args.file == "-" else read_watchlist_file(args.file)
    try:
        with acting(settings) as (conn, me):
            records = import_entries(conn, text, dry_run=args.dry_run)
    except WatchlistError as exc:
        for problem in exc.problems:
            print(f"{args.file}: {problem}", file=sys.stderr)
        print(f"seasight: error: nothing was imported ({len(exc.problems)} problem(s))", file=sys.stderr)
        return 1
    verb = "would import" if args.dry_run else "imported"
    print(f"{verb} {len(records)} watchlist entr{'y' if len(records) == 1 else 'ies'} for {me.participant}")
    return 0


def register(sub: Any) -> None:
    watchlist = sub.add_parser("watchlist", help="the shared watchlist: entries of this account's state")
    wsub = watchlist.add_subparsers(dest="watchlist_command", required=True, metavar="WATCHLIST_COMMAND")
    p = wsub.add_parser("add", help="add an entry (at least one of --mmsi, --imo, --callsign, --name)")
    p.add_argument("--reason", required=True, help="why the vessel is watched (shown on every flag)")
    p.add_argument("--id", default=None, help="entry id (default: the state's code and a random suffix)")
    p.add_argument("--mmsi", default=None, help="MMSI, up to 9 digits")
    p.add_argument("--imo", default=None, help="IMO number, 7 digits with its check digit")
    p.add_argument("--callsign", default=None, help="call sign (spaces and punctuation do not matter)")
    p.add_argument("--name", default=None, help="vessel name (case, punctuation and hull prefixes do not matter)")
    p.set_defaults(handler=_cmd_add)
    p = wsub.add_parser("list", help="the entries every state's detector matches against")
    p.add_argument("--all", action="store_true", help="with removed entries")
    p.add_argument("--owner", default=None, help="only one state's or organisation's entries")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_list)
    p = wsub.add_parser("remove", help="remove an entry of this state (kept, inactive, for the flags citing it)")
    p.add_argument("id")
    p.set_defaults(handler=_cmd_remove)
    p = wsub.add_parser("import", help="import a CSV (id,reason,mmsi,imo,callsign,name): every line or none")
    p.add_argument("file", help="CSV file with a header row, or - for standard input")
    p.add_argument("--dry-run", action="store_true", help="check every line, write nothing")
    p.set_defaults(handler=_cmd_import)
