"""Migration 0120 keeps what was sent before it: SITREPs recorded only in the case log (their text in the
``message_sent`` entry) are copied into ``case_sitrep`` with their numbers, form, addressees and FINAL mark,
byte for byte; the migration then applies the checks to new ones. Tried on a database migrated to 0119 with
such a log, then migrated on."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from seasight.migrate import available_migrations, migrate
from seasight.stack import OWNER_ROLE, prepare_database
from tests.conftest import RunningStack

pytestmark = pytest.mark.integration

DATABASE = "seasight_sitrep_migration_test"
FIRST = "EXERCISE EXERCISE EXERCISE\nEXERCISE SAR SITREP 1 SEASIGHT-1\nEXERCISE A. IDENTITY OF CASUALTY: boat\n"
SECOND = "EXERCISE EXERCISE EXERCISE\nEXERCISE SAR SITREP 2 FINAL SEASIGHT-1\nEXERCISE EXERCISE EXERCISE\n"


@pytest.fixture()
def owner_url(stack: RunningStack) -> Iterator[str]:
    admin = stack.superuser_url.rsplit("/", 1)[0]
    with psycopg.connect(admin + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(DATABASE), sql.Identifier(OWNER_ROLE))
        )
    with psycopg.connect(admin + f"/{DATABASE}", autocommit=True) as conn:
        prepare_database(conn, DATABASE)
    url = stack.owner_url.rsplit("/", 1)[0] + f"/{DATABASE}"
    yield url
    with psycopg.connect(admin + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))


def _migrate_before_0120(url: str) -> None:
    """Apply the migrations numbered below 0120 exactly as seasight.migrate does (file, then its row)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            """CREATE TABLE schema_migration (version integer PRIMARY KEY, name text NOT NULL,
                                              checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        for m in available_migrations():
            if m.version >= 120:
                break
            with conn.transaction():
                conn.execute(m.sql.encode())
                conn.execute(
                    "INSERT INTO schema_migration (version, name, checksum) VALUES (%s, %s, %s)",
                    (m.version, m.name, m.checksum),
                )


def test_sitreps_sent_before_the_migration_are_kept_verbatim(owner_url: str) -> None:
    _migrate_before_0120(owner_url)
    with psycopg.connect(owner_url, autocommit=True) as conn:  # the owner side writes the earlier log
        case_id = conn.execute(
            """INSERT INTO sar_case (origin_kind, lkp, lkp_time, craft_type, persons, source, casualty, phase,
                                     phase_since, opened_at, owner, acted_by, is_exercise)
               VALUES ('manual', 'SRID=4326;POINT(95 5)', '2026-01-01Z', 'wooden_boat', 10, 'test', 'test',
                       'distress', '2026-01-01Z', '2026-01-01Z', 'IDN', 'ana', true) RETURNING id"""
        ).fetchone()[0]  # type: ignore[index]
        entries = [
            ("opened", "2026-01-01T00:00Z", {"phase": "distress", "persons": 10}),
            (
                "message_sent",
                "2026-01-01T01:00Z",
                {"format": "sitrep", "number": 1, "full": False, "to": ["MRCC X"], "text": FIRST},
            ),
            (
                "message_sent",
                "2026-01-01T02:00Z",
                {"format": "sitrep", "number": 2, "full": True, "to": [], "text": SECOND},
            ),
            ("message_sent", "2026-01-01T03:00Z", {"format": "cap", "identifier": "x", "xml": "<alert/>"}),
        ]
        for seq, (kind, at, data) in enumerate(entries, start=1):
            conn.execute(
                """INSERT INTO case_event (case_id, seq, kind, at, data, is_exercise, owner, acted_by)
                   VALUES (%s, %s, %s, %s, %s, true, 'IDN', 'ana')""",
                (case_id, seq, kind, at, json.dumps(data)),
            )
    assert migrate(owner_url)[:1] == [120]
    with psycopg.connect(owner_url, autocommit=True) as conn:
        rows = conn.execute(
            """SELECT number, event_seq, form, final, addressees, text, sha256, acted_by, to_char(sent_at AT TIME ZONE
                      'UTC', 'HH24:MI') FROM case_sitrep WHERE case_id = %s ORDER BY number""",
            (case_id,),
        ).fetchall()
        assert rows == [
            (1, 2, "short", False, ["MRCC X"], FIRST, hashlib.sha256(FIRST.encode()).hexdigest(), "ana", "01:00"),
            (2, 3, "full", True, [], SECOND, hashlib.sha256(SECOND.encode()).hexdigest(), "ana", "02:00"),
        ]
        # the next one must follow in the sequence and agree with its log entry
        with pytest.raises(psycopg.errors.CheckViolation, match="the next SITREP of this case is number 3"):
            conn.execute(
                """INSERT INTO case_sitrep (case_id, number, event_seq, form, final, sent_at, text, sha256,
                                            is_exercise, owner, acted_by)
                   VALUES (%s, 5, 4, 'short', false, '2026-01-01T03:00Z', %s, %s, true, 'IDN', 'ana')""",
                (case_id, SECOND, hashlib.sha256(SECOND.encode()).hexdigest()),
            )
