"""The shared watchlist (table ``watchlist_entry``, migrations 0030, 0077) that rule 6 reads: entries
checked, added, listed and removed for an account (``seasight watchlist …``, the dashboard's upload).

Who may do what (the same for the command line and the dashboard; the database enforces it, migration 0077):

* an entry is its state's record: owned by the participant of the account that wrote it (``owner``, ISO
  alpha-3 or an organisation code), naming that account (``acted_by``); written only as the own state, by
  the roles that report; read by the states it is shared with (record kind ``watchlist``); the detector, a
  service, reads them all; administrators hold no contributed records (migration 0073);
* an entry id of another participant is refused, never taken over (checked here first, with the rows
  locked, for a clear message; the row-level security of migration 0077 refuses it in any case);
* removing an entry deactivates it (``active = false``): the flags that cite it keep their evidence, and
  the audit log (migration 0071) holds every change with the account that made it.

Identifiers are checked as ITU and the IMO define them: an MMSI of up to 9 digits (ITU-R M.585), an IMO
number of 7 digits whose last is its check digit (IMO resolution A.1117(30)), a call sign of at most 7
letters and digits once spaces and punctuation are set aside (what an AIS message 5 carries), a name.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from seasight.errors import SeasightError
from seasight.rows import fetch_all_as, fetch_all_by_name
from tracking.rules.watchlist import normalise_callsign, normalise_name

log = logging.getLogger(__name__)

#: Columns of a watchlist CSV (header row required). ``id`` and ``reason`` are required, and at least one
#: identifier (mmsi, imo, callsign, name), as table ``watchlist_entry`` (migration 0030) demands.
WATCHLIST_COLUMNS = ("id", "reason", "mmsi", "imo", "callsign", "name")
MAX_WATCHLIST_BYTES = 1024 * 1024  # a watchlist is a few thousand rows at most; larger is the wrong file
MAX_WATCHLIST_ROWS = 20_000
MAX_ID_CHARS = 64
MAX_REASON_CHARS = 500
MAX_NAME_CHARS = 120
MAX_CALLSIGN_CHARS = 7  # ITU-R M.1371 message 5: 7 six-bit characters
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$")
_READERS_DENIED = frozenset({"administrator"})


class WatchlistError(SeasightError):
    """A watchlist change that cannot be made; ``problems`` lists every reason (``line N: field: what``)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"{self.problems[0]}{more}" if self.problems else "watchlist change refused")


@dataclass(frozen=True, slots=True)
class WatchlistRecord:
    """One entry; at least one identifier. ``owner``: the contributing state (ISO alpha-3) or organisation."""

    id: str
    reason: str
    owner: str
    acted_by: str
    mmsi: int | None = None
    imo: int | None = None
    callsign: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """An entry as stored, for ``seasight watchlist list``."""

    id: str
    owner: str
    mmsi: int | None
    imo: int | None
    callsign: str | None
    name: str | None
    reason: str
    active: bool
    acted_by: str
    updated_at: datetime

    def as_json(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self.__slots__}
        out["updated_at"] = self.updated_at.isoformat()
        return out


# -- checking ------------------------------------------------------------------------------------------------


def imo_check_digit(first_six: str) -> int:
    """The IMO number's check digit (IMO resolution A.1117(30)): the six leading digits weighted 7, 6, 5,
    4, 3 and 2, summed; the last digit of the sum."""
    return sum(int(d) * w for d, w in zip(first_six, (7, 6, 5, 4, 3, 2), strict=True)) % 10


def entry_problems(
    ident: str, reason: str, mmsi: str, imo: str, callsign: str, name: str
) -> tuple[list[str], dict[str, Any]]:
    """What is wrong with one entry's fields (as typed: text), ``field: what`` each, and the values
    parsed (``id``, ``reason``, ``mmsi``, ``imo``, ``callsign``, ``name``; ``None`` when not given)."""
    problems: list[str] = []
    ident, reason, mmsi, imo = ident.strip(), reason.strip(), mmsi.strip(), imo.strip()
    callsign, name = callsign.strip(), name.strip()
    if not ident or len(ident) > MAX_ID_CHARS:
        problems.append(f"id: required, at most {MAX_ID_CHARS} characters")
    elif not _ID.match(ident):
        problems.append(f"id: {ident!r} may hold letters, digits and _ . : / - only, starting with a letter or digit")
    if not reason:
        problems.append("reason: required (why the vessel is watched)")
    elif len(reason) > MAX_REASON_CHARS:
        problems.append(f"reason: longer than {MAX_REASON_CHARS} characters")
    numbers: dict[str, int | None] = {"mmsi": None, "imo": None}
    if mmsi:
        if not mmsi.isdigit() or len(mmsi) > 9 or int(mmsi) == 0:
            problems.append(f"mmsi: {mmsi!r} is not a number of up to 9 digits")
        else:
            numbers["mmsi"] = int(mmsi)
    if imo:
        if not imo.isdigit() or len(imo) > 7 or int(imo) == 0:
            problems.append(f"imo: {imo!r} is not a number of up to 7 digits")
        elif len(imo) != 7 or imo[0] == "0":
            problems.append(f"imo: {imo!r}: an IMO number has 7 digits (e.g. 9074729)")
        elif imo_check_digit(imo[:6]) != int(imo[6]):
            problems.append(
                f"imo: {imo!r} fails the IMO check digit (the last digit should be {imo_check_digit(imo[:6])})"
            )
        else:
            numbers["imo"] = int(imo)
    if callsign:
        compact = normalise_callsign(callsign)
        if compact is None:
            problems.append(f"callsign: {callsign!r} has no letter or digit")
        elif len(compact) > MAX_CALLSIGN_CHARS:
            problems.append(
                f"callsign: {callsign!r} has {len(compact)} letters and digits; "
                f"AIS carries at most {MAX_CALLSIGN_CHARS}"
            )
    if name:
        if len(name) > MAX_NAME_CHARS:
            problems.append(f"name: longer than {MAX_NAME_CHARS} characters")
        elif normalise_name(name) is None:
            problems.append(f"name: {name!r} has no letter or digit")
    if not (mmsi or imo or callsign or name):
        problems.append("give at least one of mmsi, imo, callsign, name")
    values = {
        "id": ident,
        "reason": reason,
        "mmsi": numbers["mmsi"],
        "imo": numbers["imo"],
        "callsign": callsign or None,
        "name": name or None,
    }
    return problems, values


def parse_watchlist_csv(text: str, owner: str, acted_by: str) -> tuple[list[WatchlistRecord], list[str]]:
    """Entries of a watchlist CSV, or every problem found (``line N: field: what``). Nothing is written here;
    :func:`import_entries` (or :func:`upsert_watchlist`) writes the entries when there is no problem."""
    records, problems, _lines = _parse_csv(text, owner, acted_by)
    return records, problems


def _parse_csv(text: str, owner: str, acted_by: str) -> tuple[list[WatchlistRecord], list[str], dict[str, int]]:
    """:func:`parse_watchlist_csv`, and the line of each entry id."""
    problems: list[str] = []
    lines: dict[str, int] = {}
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    unknown = sorted(set(header) - set(WATCHLIST_COLUMNS))
    if not header:
        return [], ["the file is empty (a header row is needed: " + ", ".join(WATCHLIST_COLUMNS) + ")"], lines
    if unknown:
        problems.append(f"line 1: unknown column(s) {', '.join(unknown)} (columns: {', '.join(WATCHLIST_COLUMNS)})")
    for needed in ("id", "reason"):
        if needed not in header:
            problems.append(f"line 1: column {needed!r} is required")
    if problems:
        return [], problems, lines
    records: list[WatchlistRecord] = []
    seen: set[str] = set()
    try:
        for count, raw in enumerate(reader, start=1):
            if count > MAX_WATCHLIST_ROWS:
                problems.append(f"more than {MAX_WATCHLIST_ROWS} entries: split the file")
                break
            where = f"line {reader.line_num}"
            if None in raw:
                problems.append(f"{where}: more fields than the {len(header)} columns of the header")
            row = {(k or "").strip().lower(): (v or "") for k, v in raw.items() if isinstance(v, str | None)}
            found, v = entry_problems(
                row.get("id", ""),
                row.get("reason", ""),
                row.get("mmsi", ""),
                row.get("imo", ""),
                row.get("callsign", ""),
                row.get("name", ""),
            )
            if v["id"] and v["id"] in seen:
                found.insert(0, f"id: {v['id']!r} appears twice")
            seen.add(v["id"])
            lines.setdefault(v["id"], reader.line_num)
            problems += [f"{where}: {p}" for p in found]
            records.append(
                WatchlistRecord(v["id"], v["reason"], owner, acted_by, v["mmsi"], v["imo"], v["callsign"], v["name"])
            )
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: not readable as CSV ({exc})")
    if not records and not problems:
        problems.append("no entry in the file")
    return ([] if problems else records), problems, lines


def read_watchlist_file(path: str) -> str:
    """A watchlist CSV file's text (UTF-8, a byte-order mark allowed), refused when too large."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_WATCHLIST_BYTES + 1)
    except OSError as exc:
        raise WatchlistError([f"{path}: cannot read ({exc.strerror})"]) from exc
    if len(data) > MAX_WATCHLIST_BYTES:
        raise WatchlistError([f"{path}: larger than {MAX_WATCHLIST_BYTES // 1024} KiB; a watchlist is smaller"])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise WatchlistError([f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from exc


# -- who may do what --------------------------------------------------------------------------------------


def may_read(role: str) -> bool:
    """Every signed-in role but administrators (no contributed records) reads the watchlist it is shown
    (its own state's entries and those shared with it: row-level security, migration 0077)."""
    return role not in _READERS_DENIED


def may_change(role: str, participant: str, owner: str) -> bool:
    """An entry is changed or removed by accounts of the participant that owns it (never an administrator);
    a service account (the demo, the pipeline) changes any."""
    if role == "service":
        return True
    return role not in _READERS_DENIED and owner == participant


def foreign_owners(conn: psycopg.Connection[Any], records: Sequence[WatchlistRecord]) -> dict[str, str]:
    """``{id: owner}`` of the entries whose id another participant already owns; the rows stay locked
    until the caller's transaction ends, so the answer holds for its write."""
    if not records:
        return {}
    rows = fetch_all_by_name(
        conn,
        "SELECT id, owner FROM watchlist_entry WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
        ([r.id for r in records],),
    )
    owners = {str(row["id"]): str(row["owner"]) for row in rows}
    return {r.id: owners[r.id] for r in records if r.id in owners and owners[r.id] != r.owner}


def conflict_problem(ident: str, owner: str) -> str:
    return f"id: {ident!r} is {owner}'s entry; only {owner} changes it (choose another id)"


# -- writing -------------------------------------------------------------------------------------------------


def upsert_watchlist(
    conn: psycopg.Connection[Any], entries: Iterable[WatchlistRecord], lines: dict[str, int] | None = None
) -> int:
    """Add or update entries by id (in the caller's transaction); return how many were written. An id
    another owner holds is refused (:class:`WatchlistError`, nothing of this call written)."""
    records = list(entries)
    conflicts = foreign_owners(conn, records)
    if conflicts:
        raise WatchlistError([conflict_problem(i, o) for i, o in conflicts.items()])
    written = 0
    with conn.cursor() as cur:
        for e in records:
            try:
                cur.execute(
                    """INSERT INTO watchlist_entry (id, reason, mmsi, imo, callsign, name, active, owner, acted_by)
                       VALUES (%s, %s, %s, %s, %s, %s, true, %s, %s)
                       ON CONFLICT (id) DO UPDATE SET reason = excluded.reason, mmsi = excluded.mmsi,
                           imo = excluded.imo, callsign = excluded.callsign, name = excluded.name, active = true,
                           owner = excluded.owner, acted_by = excluded.acted_by, updated_at = now()""",
                    (e.id, e.reason, e.mmsi, e.imo, e.callsign, e.name, e.owner, e.acted_by),
                )
            except psycopg.errors.InsufficientPrivilege as exc:
                where = f"line {lines[e.id]}: " if lines and e.id in lines else ""
                raise WatchlistError(
                    [
                        f"{where}id: {e.id!r} refused by the database: it is another state's entry (choose "
                        f"another id), or this account may not write entries for {e.owner}"
                    ]
                ) from exc
            written += cur.rowcount
    return written


def _session(conn: psycopg.Connection[Any]) -> tuple[str, str, str]:
    """(account name, participant, role) of the signed-in session; refused for nobody or an administrator."""
    row = conn.execute("SELECT name, participant, role FROM session_account()").fetchone()
    if row is None:
        raise WatchlistError(["sign in first: the watchlist is kept by the participating states' accounts"])
    name, participant, role = row
    if not may_read(role):
        raise WatchlistError([f"an {role} account keeps no watchlist entries (sign in as a state's account)"])
    return str(name), str(participant), str(role)


def new_entry_id(participant: str) -> str:
    """An entry id for an entry added without one: the owner's code and 8 random hex digits."""
    return f"{participant}-{secrets.token_hex(4)}"


def add_entry(
    conn: psycopg.Connection[Any],
    *,
    reason: str,
    ident: str | None = None,
    mmsi: str = "",
    imo: str = "",
    callsign: str = "",
    name: str = "",
) -> tuple[WatchlistRecord, bool]:
    """Add (or, for an id this participant owns, replace) one entry owned by the session's participant,
    in one transaction. Returns the record and whether it replaced one."""
    account, participant, _role = _session(conn)
    problems, v = entry_problems(ident or new_entry_id(participant), reason, mmsi, imo, callsign, name)
    if problems:
        raise WatchlistError(problems)
    record = WatchlistRecord(v["id"], v["reason"], participant, account, v["mmsi"], v["imo"], v["callsign"], v["name"])
    with conn.transaction():
        existed = conn.execute("SELECT 1 FROM watchlist_entry WHERE id = %s", (record.id,)).fetchone() is not None
        upsert_watchlist(conn, [record])
    log.info("watchlist entry %s %s by %s (%s)", record.id, "replaced" if existed else "added", account, participant)
    return record, existed


def import_entries(conn: psycopg.Connection[Any], text: str, *, dry_run: bool = False) -> list[WatchlistRecord]:
    """Import a watchlist CSV as the session's participant: every line is checked first, then every entry
    is written in ONE transaction — any problem (a bad field, an id of another owner) and nothing is
    written (:class:`WatchlistError` with every problem). ``dry_run`` checks without writing."""
    account, participant, _role = _session(conn)
    records, problems, lines = _parse_csv(text, participant, account)
    if problems:
        raise WatchlistError(problems)
    with conn.transaction():
        conflicts = foreign_owners(conn, records)
        if conflicts:
            raise WatchlistError(
                [
                    f"line {lines[i]}: {conflict_problem(i, o)}"
                    for i, o in sorted(conflicts.items(), key=lambda c: lines[c[0]])
                ]
            )
        if not dry_run:
            upsert_watchlist(conn, records, lines)
    log.info(
        "watchlist import of %d entries by %s (%s)%s",
        len(records),
        account,
        participant,
        " (dry run)" if dry_run else "",
    )
    return records


def remove_entry(conn: psycopg.Connection[Any], ident: str) -> StoredEntry:
    """Deactivate one entry the session's participant owns (it stays stored for the flags that cite it)."""
    account, participant, role = _session(conn)
    with conn.transaction():
        row = conn.execute(
            "SELECT owner, active FROM watchlist_entry WHERE id = %s FOR UPDATE", (ident.strip(),)
        ).fetchone()
        if row is None:
            raise WatchlistError([f"no watchlist entry {ident.strip()!r}"])
        owner, active = row
        if not may_change(role, participant, owner):
            raise WatchlistError([f"entry {ident.strip()!r} is {owner}'s; only {owner} removes it"])
        if not active:
            raise WatchlistError([f"entry {ident.strip()!r} was already removed"])
        conn.execute(
            "UPDATE watchlist_entry SET active = false, acted_by = %s, updated_at = now() WHERE id = %s",
            (account, ident.strip()),
        )
    log.info("watchlist entry %s removed by %s (%s)", ident.strip(), account, participant)
    (entry,) = list_entries(conn, include_inactive=True, ident=ident.strip())
    return entry


def list_entries(
    conn: psycopg.Connection[Any], include_inactive: bool = False, owner: str | None = None, ident: str | None = None
) -> list[StoredEntry]:
    """The watchlist entries the session may read (its state's and those shared with it), by id."""
    _session(conn)
    return fetch_all_as(
        conn,
        StoredEntry,
        """SELECT id, owner, mmsi, imo, callsign, name, reason, active, acted_by, updated_at
             FROM watchlist_entry
            WHERE (active OR %s) AND (%s::text IS NULL OR owner = %s) AND (%s::text IS NULL OR id = %s)
            ORDER BY id""",
        (include_inactive, owner, owner, ident, ident),
    )
