"""Acknowledge, dismiss with a reason, reopen: each a version of the flag with who acted and for whom."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest

from tracking.flag_review import FlagReviewError, review_flag

pytestmark = pytest.mark.integration

T = datetime(2031, 3, 1, 6, 0, tzinfo=UTC)


def _flag(db: psycopg.Connection) -> int:
    row = db.execute(
        """INSERT INTO flag (rule_id, rule_version, subject_kind, mmsi, severity, score, window_start, window_end,
                             summary) VALUES ('loitering', 1, 'vessel', 525999001, 'medium', 0.6, %s, %s,
                             'test loitering') RETURNING id""",
        (T, T),
    ).fetchone()
    assert row is not None
    db.execute(
        """INSERT INTO flag_version (flag_id, version, action, reason, rule_version, severity, score,
                                            window_start, window_end, summary, evaluated_to)
                  VALUES (%s, 1, 'raised', 'test', 1, 'medium', 0.6, %s, %s, 'test loitering', %s)""",
        (row[0], T, T, T),
    )
    return int(row[0])


def test_review_actions_are_versions_with_their_people(db: psycopg.Connection) -> None:
    flag_id = _flag(db)
    assert review_flag(db, flag_id, "acknowledge", None, "watch officer 3", "MYS") == 2
    assert review_flag(db, flag_id, "dismiss", "fishing vessel known to the MMEA", "watch officer 3", "MYS") == 3
    # the flag carries the status; the reason stays in Malaysia's review version, shared as Malaysia shares
    # its flag reviews (migration 0077)
    assert db.execute("SELECT status, status_reason, version FROM flag WHERE id = %s", (flag_id,)).fetchone() == (
        "dismissed",
        None,
        3,
    )
    assert db.execute("SELECT reason FROM flag_version WHERE flag_id = %s AND version = 3", (flag_id,)).fetchone() == (
        "fishing vessel known to the MMEA",
    )
    assert review_flag(db, flag_id, "reopen", "seen again near the boat", "duty SMC", "THA") == 4
    history = db.execute(
        "SELECT version, action, acted_by, owner FROM flag_version WHERE flag_id = %s ORDER BY 1", (flag_id,)
    ).fetchall()
    assert history == [
        (1, "raised", "system", "SYSTEM"),
        (2, "acknowledged", "watch officer 3", "MYS"),
        (3, "dismissed", "watch officer 3", "MYS"),
        (4, "reopened", "duty SMC", "THA"),
    ]


@pytest.mark.parametrize(
    ("action", "reason", "acted_by", "owner", "message"),
    [
        ("dismiss", "  ", "officer", "MYS", "a reason is required"),
        ("ignore", "x", "officer", "MYS", "not one of"),
        ("acknowledge", None, " ", "MYS", "acted_by"),
        ("acknowledge", None, "officer", "M Y", "not an ISO 3166-1 alpha-3"),
        ("reopen", "why", "officer", "MYS", "cannot reopen"),
    ],
)
def test_bad_reviews_are_refused_and_change_nothing(
    db: psycopg.Connection, action: str, reason: str | None, acted_by: str, owner: str, message: str
) -> None:
    flag_id = _flag(db)
    with pytest.raises(FlagReviewError, match=message):
        review_flag(db, flag_id, action, reason, acted_by, owner)
    assert db.execute("SELECT status, version FROM flag WHERE id = %s", (flag_id,)).fetchone() == ("open", 1)


def test_unknown_flag(db: psycopg.Connection) -> None:
    with pytest.raises(FlagReviewError, match="no flag"):
        review_flag(db, 987_654_321, "acknowledge", None, "officer", "UNHCR")
