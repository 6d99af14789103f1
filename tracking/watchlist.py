"""The shared watchlist (table ``watchlist_entry``, migrations 0030, 0077) that rule 6 reads: adding entries.

Entries are their state's records: written only as the own state (by the roles that report), read by the
states it shares them with (record kind ``watchlist``); the detector, a service, reads them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import psycopg

from seasight.errors import SeasightError


class WatchlistError(SeasightError):
    """An entry that may not be written (another state's entry id, or not this account's state or role)."""


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


def upsert_watchlist(conn: psycopg.Connection, entries: Iterable[WatchlistRecord]) -> int:
    """Add or update entries by id (in the caller's transaction); return how many were written."""
    written = 0
    with conn.cursor() as cur:
        for e in entries:
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
                raise WatchlistError(
                    f"watchlist entry {e.id!r} (owner {e.owner}): refused by the database — the id is another "
                    "state's entry, or this account may not add entries for that state"
                ) from exc
            written += cur.rowcount
    return written
