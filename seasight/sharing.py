"""Per-state sharing (migrations 0073, 0075, 0077): which of a state's records other participants (or the
RSO) see.

The database decides, with FORCED row-level security on every table holding contributed records; this
module holds the same rule as a pure function (:func:`allowed`) — the specification the database is tested
against, cell by cell (tests/seasight/test_sharing_matrix.py) — and the adapter for ``seasight sharing``.

Rule (a request acts for one account: its participant and role):

* no account: nothing; administrator: no contributed records; service: everything;
* read: own participant's records (an RSO analyst has none), SYSTEM-owned records, and records of owners
  sharing that kind with the participant (or with ``*``) at ``full`` detail. ``aggregate`` gives no row;
* write (insert, update, delete): only records owned by the own participant, of the kinds the role
  records (:data:`WRITERS`) — and only where the table allows the operation at all (the append-only logs
  and case headers take no UPDATE or DELETE from anyone: :data:`NO_UPDATE_DELETE`).

Flags (detector output, owner SYSTEM) follow :func:`flag_allowed`: read by every signed-in account but
administrators, except that a flag built from a sighting or from watchlist entries is only as visible as
they are; written by services, and their review status by the roles that review flags.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from seasight.accounts import RSO, AccountError, Role
from seasight.rows import fetch_all_as, fetch_one_by_name

log = logging.getLogger("seasight.sharing")

KINDS = ("sighting", "case", "outcome", "place_of_safety", "flag_review", "watchlist")
DETAILS = ("full", "aggregate")
EVERYONE = "*"

# table -> record kind, for every table with FORCED row-level security
TABLE_KIND = {
    "sighting": "sighting",
    "sar_case": "case",
    "case_event": "case",
    "case_sitrep": "case",  # SITREPs as sent (migration 0120)
    "disembarkation_outcome": "outcome",
    "flag_version": "flag_review",
    "watchlist_entry": "watchlist",
}
# tables nobody in the application may UPDATE or DELETE (privileges, migrations 0070 and 0071)
NO_UPDATE_DELETE = frozenset({"sar_case", "case_event", "case_sitrep", "disembarkation_outcome"})

# the register of places of safety (migration 0075): read by every signed-in account but administrators,
# written only by the focal point of the place's state (or a service); nobody deletes a place
PLACE_TABLES = ("place_of_safety", "place_of_safety_change")

WRITERS: dict[str, frozenset[Role]] = {
    "sighting": frozenset({Role.MOC_OPERATOR, Role.SAR_COORDINATOR, Role.FOCAL_POINT}),
    "case": frozenset({Role.SAR_COORDINATOR}),
    "outcome": frozenset({Role.SAR_COORDINATOR, Role.FOCAL_POINT}),
    "place_of_safety": frozenset({Role.FOCAL_POINT}),
    "flag_review": frozenset({Role.MOC_OPERATOR, Role.SAR_COORDINATOR}),
    "watchlist": frozenset({Role.MOC_OPERATOR, Role.SAR_COORDINATOR, Role.FOCAL_POINT}),
}


@dataclass(frozen=True)
class Agreement:
    owner: str
    kind: str
    recipient: str  # participant code, RSO, or * (everyone)
    detail: str  # full | aggregate


def may_read(role: Role, participant: str, owner: str, kind: str, agreements: Iterable[Agreement]) -> bool:
    if role is Role.SERVICE:
        return True
    if role is Role.ADMINISTRATOR:
        return False
    if owner == "SYSTEM":
        return True
    if owner == participant and role is not Role.RSO_ANALYST:
        return True
    return any(
        a.owner == owner and a.kind == kind and a.detail == "full" and a.recipient in (participant, EVERYONE)
        for a in agreements
    )


def may_write(role: Role, participant: str, owner: str, kind: str) -> bool:
    if role is Role.SERVICE:
        return True
    return owner == participant and role in WRITERS[kind]


def allowed(
    role: Role,
    participant: str,
    owner: str,
    table: str,
    operation: str,
    agreements: Iterable[Agreement],
    flag: FlagSource | None = None,
) -> bool:
    """May an account (role, participant) do ``operation`` (SELECT, INSERT, UPDATE, DELETE) on a record of
    ``table`` owned by ``owner``? (UPDATE and DELETE also need to see the row.) A ``flag_version`` row also
    needs its flag to be readable: ``flag`` says what that flag was built from (None: nothing contributed)."""
    kind = TABLE_KIND[table]
    agreements = list(agreements)
    if (
        table == "flag_version"
        and role is not Role.SERVICE
        and not flag_allowed(role, participant, flag or FlagSource(), "SELECT", agreements)
    ):
        return False
    if operation == "SELECT":
        return may_read(role, participant, owner, kind, agreements)
    if operation == "INSERT":
        return may_write(role, participant, owner, kind)
    if operation in ("UPDATE", "DELETE"):
        if table in NO_UPDATE_DELETE:
            return False
        return may_write(role, participant, owner, kind) and may_read(role, participant, owner, kind, agreements)
    raise ValueError(f"unknown operation {operation!r}")


@dataclass(frozen=True)
class FlagSource:
    """What a flag was built from: the owner of its sighting (None: no sighting) and the owners of the
    watchlist entries it names (a watchlist flag)."""

    sighting_owner: str | None = None
    watchlist_owners: tuple[str, ...] = ()


REVIEWERS = WRITERS["flag_review"]


def flag_allowed(
    role: Role, participant: str, source: FlagSource, operation: str, agreements: Iterable[Agreement]
) -> bool:
    """May an account do ``operation`` on a flag (table ``flag``, migration 0077) built from ``source``?
    UPDATE is its review status only (the database refuses any other column to a person)."""
    agreements = list(agreements)
    if role is Role.SERVICE:
        return operation in ("SELECT", "INSERT", "UPDATE", "DELETE")
    readable = (
        role is not Role.ADMINISTRATOR
        and (
            source.sighting_owner is None or may_read(role, participant, source.sighting_owner, "sighting", agreements)
        )
        and all(may_read(role, participant, o, "watchlist", agreements) for o in source.watchlist_owners)
    )
    if operation == "SELECT":
        return readable
    if operation == "UPDATE":
        return readable and role in REVIEWERS
    if operation in ("INSERT", "DELETE"):
        return False
    raise ValueError(f"unknown operation {operation!r}")


def place_allowed(role: Role, participant: str, place_state: str, table: str, operation: str) -> bool:
    """May an account do ``operation`` on ``table`` (a place of ``place_state``, or its change log), the
    record owned by the place's state as an edit makes it?"""
    if table not in PLACE_TABLES:
        raise ValueError(f"{table} is not a place-of-safety table")
    if operation == "SELECT":
        return role is not Role.ADMINISTRATOR
    if table == "place_of_safety_change" and operation in ("UPDATE", "DELETE"):
        return False  # append-only (no privilege)
    if role is Role.SERVICE:
        return True
    if operation == "DELETE":
        return False
    return role is Role.FOCAL_POINT and place_state == participant


# ---------------------------------------------------------------------------------------------------------
# adapter: `seasight sharing set|show`
# ---------------------------------------------------------------------------------------------------------


def set_sharing(conn: psycopg.Connection[Any], kind: str, recipient: str, detail: str | None) -> None:
    """Share the session's own participant's records of ``kind`` with ``recipient`` at ``detail`` (None:
    stop sharing). The database allows only the owner's focal point."""
    if kind not in KINDS:
        raise AccountError(f"record kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if detail is not None and detail not in DETAILS:
        raise AccountError(f"detail must be full, aggregate or none, got {detail!r}")
    recipient = recipient.strip().upper()
    row = conn.execute("SELECT participant, role, name FROM session_account()").fetchone()
    if row is None:
        raise AccountError("sign in first: sharing is set by a state's focal point")
    owner, role, name = row
    if role != Role.FOCAL_POINT.value:
        raise AccountError(f"only a focal point sets {owner}'s sharing (this account is {role})")
    if recipient != EVERYONE and recipient != RSO:
        known = conn.execute("SELECT 1 FROM participant WHERE code = %s", (recipient,)).fetchone()
        if known is None:
            raise AccountError(f"recipient {recipient!r} is not a participant code, RSO or *")
    if recipient == owner:
        raise AccountError("a state always sees its own records")
    with conn.transaction():
        if detail is None:
            conn.execute(
                "DELETE FROM sharing_agreement WHERE owner = %s AND record_kind = %s AND recipient = %s",
                (owner, kind, recipient),
            )
        else:
            conn.execute(
                """INSERT INTO sharing_agreement (owner, record_kind, recipient, detail, acted_by)
                   VALUES (%s, %s, %s, %s, %s)
                   ON CONFLICT (owner, record_kind, recipient)
                   DO UPDATE SET detail = EXCLUDED.detail, acted_by = EXCLUDED.acted_by, updated_at = now()""",
                (owner, kind, recipient, detail, name),
            )
    log.info("sharing of %s %s with %s: %s", owner, kind, recipient, detail or "none")


def show_sharing(conn: psycopg.Connection[Any]) -> list[Agreement]:
    """The agreements this session may see: its own participant's, and those shared with it."""
    return fetch_all_as(
        conn,
        Agreement,
        "SELECT owner, record_kind AS kind, recipient, detail FROM sharing_agreement"
        " ORDER BY owner, record_kind, recipient",
    )


def audit_cross_state_reads(conn: psycopg.Connection[Any], table: str, records: Iterable[tuple[str, str]]) -> int:
    """Append to the audit log what this session read of other participants' records of ``table``:
    ``records`` are (key, owner) pairs just read. One audit row per other owner, with the keys; nothing
    for the session's own or SYSTEM records, and nothing for service sessions (the pipeline reads all).
    Returns the audit rows appended."""
    me = fetch_one_by_name(conn, "SELECT participant, role FROM session_account()")
    if me is None or me["role"] == Role.SERVICE.value:
        return 0
    by_owner: dict[str, list[str]] = {}
    for key, owner in records:
        if owner not in (me["participant"], "SYSTEM"):
            by_owner.setdefault(owner, []).append(str(key))
    for owner, keys in sorted(by_owner.items()):
        conn.execute(
            "SELECT audit_read(%s, %s, %s, %s)",
            (table, ",".join(keys), owner, Jsonb({"keys": keys, "rows": len(keys)})),
        )
    return len(by_owner)
