"""``seasight account …`` and ``seasight whoami``: accounts, roles and tokens (seasight.accounts).

Administration runs as the configured account (SEASIGHT_ACCOUNT_TOKEN / SEASIGHT_ACCOUNT, which must be
an administrator) or, when no account is configured, on the owner side (SEASIGHT_OWNER_DATABASE_URL or
the local stack's owner role) — how the first administrator is created.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from seasight.accounts import Role, add_account, disable_account, issue_token, list_accounts, revoke_token, set_password
from seasight.cliargs import utc_time
from seasight.errors import SeasightError
from seasight.settings import Settings


@contextmanager
def _admin_connection(settings: Settings) -> Iterator[psycopg.Connection[Any]]:
    from seasight.db import acting, owner_database_url

    if settings.account_token is not None or settings.account is not None:
        with acting(settings) as (conn, _account):
            yield conn
        return
    try:
        conn = psycopg.connect(owner_database_url(settings), autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise SeasightError(f"cannot connect as the owner role: {exc}") from exc
    with conn:
        yield conn


def _password(args: argparse.Namespace) -> str | None:
    if not args.password_stdin:
        return None
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise SeasightError("--password-stdin: no password on standard input")
    return password


def _cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    try:
        role = Role(args.role)
    except ValueError as exc:
        raise SeasightError(f"--role must be one of {', '.join(r.value for r in Role)}, got {args.role!r}") from exc
    with _admin_connection(settings) as conn:
        account = add_account(conn, args.name, args.participant, role, _password(args), args.display_name)
    print(f"account {account.label} added")
    return 0


def _cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    with _admin_connection(settings) as conn:
        rows = list_accounts(conn)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            state = "DISABLED" if r["disabled"] else "enabled"
            print(f"{r['participant']:10} {r['name']:24} {r['role']:16} {state:8} tokens {r['active_tokens']}")
    return 0


def _cmd_disable(args: argparse.Namespace, settings: Settings) -> int:
    with _admin_connection(settings) as conn:
        disable_account(conn, args.name)
    print(f"account {args.name} disabled; its tokens are revoked")
    return 0


def _cmd_password(args: argparse.Namespace, settings: Settings) -> int:
    password = _password(args)
    if password is None:
        raise SeasightError("give the new password with --password-stdin")
    with _admin_connection(settings) as conn:
        set_password(conn, args.name, password)
    print(f"password of {args.name} set")
    return 0


def _cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    with _admin_connection(settings) as conn:
        issued = issue_token(conn, args.name, args.label, args.expires)
    if args.json:
        print(json.dumps({"token_id": issued.token_id, "token": issued.secret}))
    else:
        print(f"token {issued.token_id} for {args.name} (shown once; only its SHA-256 is kept):")
        print(issued.secret)
    return 0


def _cmd_revoke(args: argparse.Namespace, settings: Settings) -> int:
    with _admin_connection(settings) as conn:
        revoke_token(conn, args.token_id)
    print(f"token {args.token_id} revoked")
    return 0


def _cmd_link(args: argparse.Namespace, settings: Settings) -> int:
    from seasight.oidc import link_identity

    with _admin_connection(settings) as conn:
        link_identity(conn, args.name, args.issuer, args.subject, args.email)
    print(f"identity {args.subject or args.email} at {args.issuer} now signs in as {args.name}")
    return 0


def _cmd_unlink(args: argparse.Namespace, settings: Settings) -> int:
    from seasight.oidc import unlink_identity

    with _admin_connection(settings) as conn:
        unlink_identity(conn, args.issuer, args.subject, args.email)
    print(f"identity {args.subject or args.email} at {args.issuer} unlinked")
    return 0


def _cmd_signin_key(args: argparse.Namespace, settings: Settings) -> int:
    from seasight.oidc import issue_signin_key, revoke_signin_key

    with _admin_connection(settings) as conn:
        if args.revoke:
            revoke_signin_key(conn, args.revoke)
            print(f"sign-in key {args.revoke} revoked")
            return 0
        if not args.label:
            raise SeasightError("give --label (which dashboard holds the key) or --revoke KEY_ID")
        issued = issue_signin_key(conn, args.label)
    if args.json:
        print(json.dumps({"key_id": issued.token_id, "key": issued.secret}))
    else:
        print(f"sign-in key {issued.token_id} (shown once; set it as SEASIGHT_OIDC_SIGNIN_KEY of the dashboard):")
        print(issued.secret)
    return 0


def _cmd_whoami(args: argparse.Namespace, settings: Settings) -> int:
    from seasight.db import acting

    with acting(settings) as (_conn, account):
        if args.json:
            print(json.dumps({"name": account.name, "participant": account.participant, "role": account.role.value}))
        else:
            print(account.label)
    return 0


def _cmd_sharing_set(args: argparse.Namespace, settings: Settings) -> int:
    from seasight.db import acting
    from seasight.sharing import set_sharing

    detail = None if args.detail == "none" else args.detail
    with acting(settings) as (conn, me):
        set_sharing(conn, args.kind, args.recipient, detail)
    print(f"{me.participant} shares its {args.kind} records with {args.recipient.upper()}: {args.detail}")
    return 0


def _cmd_sharing_show(args: argparse.Namespace, settings: Settings) -> int:
    from seasight.db import acting
    from seasight.sharing import show_sharing

    with acting(settings) as (conn, me):
        agreements = show_sharing(conn)
    if args.json:
        print(json.dumps([a.__dict__ for a in agreements], indent=2))
    else:
        print(f"sharing agreements that concern {me.participant} (own records are always visible to their state):")
        for a in agreements:
            print(f"  {a.owner:8} shares {a.kind:16} with {a.recipient:8} at {a.detail}")
        if not agreements:
            print("  none: other states' records stay invisible, and this state's stay its own")
    return 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("whoami", help="the account this process acts for (from SEASIGHT_ACCOUNT_*)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_whoami)

    account = subparsers.add_parser("account", help="accounts, roles and API tokens")
    sub = account.add_subparsers(dest="account_command", required=True, metavar="ACCOUNT_COMMAND")
    p = sub.add_parser("add", help="add an account of one participating state or organisation")
    p.add_argument("name")
    p.add_argument("--participant", required=True, help="ISO alpha-3 or organisation code (geodata), or RSO")
    p.add_argument("--role", required=True, help=", ".join(r.value for r in Role))
    p.add_argument("--display-name", default=None)
    p.add_argument("--password-stdin", action="store_true", help="read the account's password from stdin")
    p.set_defaults(handler=_cmd_add)
    p = sub.add_parser("list", help="accounts with role, participant and active tokens")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_list)
    p = sub.add_parser("disable", help="disable an account and revoke its tokens")
    p.add_argument("name")
    p.set_defaults(handler=_cmd_disable)
    p = sub.add_parser("password", help="set an account's password (argon2id)")
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true", required=True)
    p.set_defaults(handler=_cmd_password)
    p = sub.add_parser("token", help="issue an API token for an account (shown once)")
    p.add_argument("name")
    p.add_argument("--label", required=True, help="where the token is used")
    p.add_argument("--expires", type=utc_time, default=None, help="expiry, ISO 8601 with offset (default never)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_token)
    p = sub.add_parser("revoke", help="revoke a token by its id")
    p.add_argument("token_id")
    p.set_defaults(handler=_cmd_revoke)
    p = sub.add_parser("link", help="let an OpenID Connect identity sign in to the dashboard as this account")
    p.add_argument("name")
    p.add_argument("--issuer", required=True, help="the identity provider's issuer URL (claim iss)")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--subject", help="the person's subject at the provider (claim sub)")
    who.add_argument("--email", help="the person's e-mail address (used only when the provider verified it)")
    p.set_defaults(handler=_cmd_link)
    p = sub.add_parser("unlink", help="stop an OpenID Connect identity signing in")
    p.add_argument("--issuer", required=True)
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--subject")
    who.add_argument("--email")
    p.set_defaults(handler=_cmd_unlink)
    p = sub.add_parser("signin-key", help="the key a dashboard presents to open OpenID Connect sessions")
    p.add_argument("--label", help="which dashboard holds it (issue a new key, shown once)")
    p.add_argument("--revoke", metavar="KEY_ID", help="revoke a key by its id instead")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_signin_key)

    sharing = subparsers.add_parser("sharing", help="what this state shares with which participants or the RSO")
    ssub = sharing.add_subparsers(dest="sharing_command", required=True, metavar="SHARING_COMMAND")
    p = ssub.add_parser("set", help="share this state's records of a kind (a focal point's decision)")
    p.add_argument("kind", help="sighting, case, outcome, place_of_safety, flag_review or watchlist")
    p.add_argument("recipient", help="a participant code, RSO, or * for everyone")
    p.add_argument("detail", choices=("full", "aggregate", "none"))
    p.set_defaults(handler=_cmd_sharing_set)
    p = ssub.add_parser("show", help="the agreements that concern this account's state")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_sharing_show)
