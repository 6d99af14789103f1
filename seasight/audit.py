"""The tamper-evident audit log (migrations 0071, 0078): read it and verify its hash chain.

Each row of ``audit_log`` carries ``prev_hash`` (the previous row's hash; 64 zeros for row 1) and
``hash`` = SHA-256 (FIPS 180-4) of the row's canonical text (``audit_entry_text``: every column but the
hash, prev_hash included). Rows are numbered 1, 2, 3 … without gaps. :func:`verify` walks the whole chain
through ``audit_chain()``, which gives per row its number, prev_hash, stored hash and the SHA-256 of its
canonical text recomputed now (hashes only: the application may not read what the rows record), and
checks every link and hash here, so a row altered, removed or moved by hand (even by the database
superuser) is found: an altered row no longer matches its hash, a removed row leaves a gap and a broken
link, swapped rows break the links. Rows cut from the end leave a shorter but consistent chain: compare the
head with one noted earlier (``expect_head``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import psycopg

from seasight.rows import fetch_all_by_name

log = logging.getLogger("seasight.audit")

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditProblem:
    id: int
    problem: str


@dataclass(frozen=True)
class AuditVerdict:
    rows: int
    head_id: int
    head_hash: str
    problems: tuple[AuditProblem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def head(self) -> str:
        return f"{self.head_id}:{self.head_hash}"


_ROWS = "SELECT id, prev_hash, hash, computed_hash FROM audit_chain()"


def verify(conn: psycopg.Connection, expect_head: str | None = None) -> AuditVerdict:
    """Walk the whole chain (oldest first) and list every break. ``expect_head`` ("ID:HASH", from an
    earlier verification) must still be in the chain with that hash."""
    problems: list[AuditProblem] = []
    previous_hash = GENESIS
    expected_id = 1
    count = 0
    head_id, head_hash = 0, GENESIS
    seen: dict[int, str] = {}
    with conn.cursor() as cur:
        cur.execute(_ROWS)
        for row_id, prev_hash, stored_hash, computed in cur:
            count += 1
            if row_id != expected_id:
                problems.append(AuditProblem(row_id, f"row {expected_id} to {row_id - 1} missing (numbering gap)"))
            if prev_hash != previous_hash:
                problems.append(AuditProblem(row_id, "previous-hash link broken (a row before it removed or moved)"))
            if computed != stored_hash:
                problems.append(AuditProblem(row_id, "content does not match its hash (row altered)"))
            previous_hash = stored_hash
            expected_id = row_id + 1
            head_id, head_hash = row_id, stored_hash
            seen[row_id] = stored_hash
    if expect_head:
        want_id_text, _, want_hash = expect_head.partition(":")
        if not want_id_text.isdigit() or len(want_hash) != 64:
            raise ValueError(f"expected head {expect_head!r} is not ID:HASH (as `seasight audit verify` prints)")
        want_id = int(want_id_text)
        if seen.get(want_id) != want_hash:
            problems.append(AuditProblem(want_id, "the head noted earlier is gone or changed (rows cut or rewritten)"))
    verdict = AuditVerdict(count, head_id, head_hash, tuple(problems))
    log.info("audit chain: %d rows, head %s, %d problems", count, verdict.head, len(problems))
    return verdict


def recent(conn: psycopg.Connection, limit: int = 20) -> list[dict[str, object]]:
    """The newest audit rows this session may read (migration 0078), newest first, as plain data."""
    rows = fetch_all_by_name(
        conn,
        """SELECT id, at, db_user, account, participant, action, table_name, record_key, record_owner
             FROM audit_log ORDER BY id DESC LIMIT %s""",
        (limit,),
    )
    return [
        {
            "id": r["id"],
            "at": r["at"].isoformat(),
            "db_user": r["db_user"],
            "account": r["account"],
            "participant": r["participant"],
            "action": r["action"],
            "table": r["table_name"],
            "record": r["record_key"],
            "record_owner": r["record_owner"],
        }
        for r in rows
    ]
