"""People acting on flags: acknowledge, dismiss (with a reason) or reopen a flag of concern.

Each action is a new version of the flag in ``flag_version`` (migration 0031), carrying the acting user
and the state or organisation they act for, beside the detector's raised / updated / withdrawn versions.
It takes the detector's lock (``store_flags``) so the two never number a version twice. A dismissed or
acknowledged flag keeps that status when the detector later updates its evidence.

The flag's status is its one regional status; the review's reason and author are only in the review's
``flag_version`` row, which belongs to the reviewer's state and is shared by its ``flag_review``
agreements (migration 0077). So the reason is not copied into the flag, and the database lets a person
change nothing of a flag but its status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg

from seasight.errors import SeasightError

OWNER = re.compile(r"^[A-Z]{3}$|^[A-Za-z][A-Za-z0-9_.-]{1,63}$")  # ISO 3166-1 alpha-3 or organisation id
MAX_REASON_CHARS = 1000


class FlagReviewError(SeasightError):
    """A review that cannot be recorded (unknown flag, wrong state, missing reason or identity)."""


@dataclass(frozen=True, slots=True)
class ReviewAction:
    status: str  # the flag's status afterwards
    version_action: str  # the flag_version action recorded
    allowed_from: frozenset[str]
    reason_required: bool


ACTIONS: dict[str, ReviewAction] = {
    "acknowledge": ReviewAction("acknowledged", "acknowledged", frozenset({"open"}), False),
    "dismiss": ReviewAction("dismissed", "dismissed", frozenset({"open", "acknowledged"}), True),
    "reopen": ReviewAction("open", "reopened", frozenset({"acknowledged", "dismissed"}), True),
}


def review_flag(
    conn: psycopg.Connection, flag_id: int, action: str, reason: str | None, acted_by: str, owner: str
) -> int:
    """Record ``action`` on flag ``flag_id`` in the caller's transaction; return the new version number."""
    if action not in ACTIONS:
        raise FlagReviewError(f"action {action!r} is not one of {', '.join(ACTIONS)}")
    spec = ACTIONS[action]
    text = (reason or "").strip()
    if spec.reason_required and not text:
        raise FlagReviewError(f"a reason is required to {action} a flag")
    if len(text) > MAX_REASON_CHARS:
        raise FlagReviewError(f"reason is longer than {MAX_REASON_CHARS} characters")
    if not acted_by.strip():
        raise FlagReviewError("acted_by (the person acting) is required")
    if not OWNER.match(owner):
        raise FlagReviewError(f"owner {owner!r} is not an ISO 3166-1 alpha-3 code or an organisation id")
    with conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('seasight.detect.store_flags'))")
        cur.execute("SELECT status, version FROM flag WHERE id = %s FOR UPDATE", (flag_id,))
        row = cur.fetchone()
        if row is None:
            raise FlagReviewError(f"no flag {flag_id}")
        status, version = row
        if status not in spec.allowed_from:
            raise FlagReviewError(
                f"flag {flag_id} is {status}: cannot {action} it "
                f"(only a flag that is {' or '.join(sorted(spec.allowed_from))})"
            )
        new_version = int(version) + 1
        cur.execute(
            """UPDATE flag SET status = %s, status_reason = NULL, version = %s, updated_at = now() WHERE id = %s""",
            (spec.status, new_version, flag_id),
        )
        cur.execute(
            """INSERT INTO flag_version (flag_id, version, action, reason, rule_version, severity, score,
                                         window_start, window_end, summary, evidence, parameters, evaluated_to,
                                         acted_by, owner)
               SELECT f.id, %s, %s, %s, f.rule_version, f.severity, f.score, f.window_start, f.window_end,
                      f.summary, f.evidence, f.parameters,
                      COALESCE((SELECT max(evaluated_to) FROM flag_version WHERE flag_id = f.id), f.window_end),
                      %s, %s
               FROM flag f WHERE f.id = %s""",
            (new_version, spec.version_action, text or f"{action} by {acted_by}", acted_by, owner, flag_id),
        )
    return new_version
