"""Schema migrations: numbered plain-SQL files in ``seasight/migrations`` with a version table.

Files are named ``NNNN_description.sql`` and applied in number order, each in its own transaction together
with its row in ``schema_migration``. A PostgreSQL advisory lock serialises concurrent migrators (e.g. the
compose one-shot service and a developer). An applied file whose text has since changed is an error: a
released migration is never edited, a new one is added.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from importlib import resources

import psycopg

from seasight.errors import MigrationError
from seasight.rows import fetch_all_by_name

log = logging.getLogger("seasight.migrate")

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_KEY = 0x5EA5_1947


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available_migrations() -> list[Migration]:
    folder = resources.files("seasight") / "migrations"
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text()))
        elif entry.name.endswith(".sql"):
            raise MigrationError(f"migration file {entry.name} is not named NNNN_description.sql")
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(versions) != len(set(versions)):
        raise MigrationError(f"two migration files share a number: {versions}")
    return found


def migrate(database_url: str) -> list[int]:
    """Apply every pending migration; return the versions applied now."""
    applied_now: list[int] = []
    try:
        with psycopg.connect(database_url, autocommit=True, connect_timeout=10) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
            try:
                conn.execute(
                    """CREATE TABLE IF NOT EXISTS schema_migration (
                           version integer PRIMARY KEY,
                           name text NOT NULL,
                           checksum text NOT NULL,
                           applied_at timestamptz NOT NULL DEFAULT now())"""
                )
                done = {
                    row["version"]: row["checksum"]
                    for row in fetch_all_by_name(conn, "SELECT version, checksum FROM schema_migration")
                }
                for migration in available_migrations():
                    if migration.version in done:
                        if done[migration.version] != migration.checksum:
                            raise MigrationError(
                                f"migration {migration.version:04d}_{migration.name} was changed after it was "
                                "applied; add a new migration instead"
                            )
                        continue
                    log.info("applying migration %04d_%s", migration.version, migration.name)
                    try:
                        with conn.transaction():
                            conn.execute(migration.sql.encode())  # plain SQL file, no parameters
                            conn.execute(
                                "INSERT INTO schema_migration (version, name, checksum) VALUES (%s, %s, %s)",
                                (migration.version, migration.name, migration.checksum),
                            )
                    except psycopg.Error as exc:
                        raise MigrationError(
                            f"migration {migration.version:04d}_{migration.name} failed: {exc}"
                        ) from exc
                    applied_now.append(migration.version)
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    except psycopg.OperationalError as exc:
        raise MigrationError(f"cannot connect to the database to migrate: {exc}") from exc
    return applied_now


def applied_versions(conn: psycopg.Connection) -> list[int]:
    return [row["version"] for row in fetch_all_by_name(conn, "SELECT version FROM schema_migration ORDER BY version")]
