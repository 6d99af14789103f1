"""Retention of track-level data (``seasight retention run``): what is older than its period goes, and
nothing else.

Periods follow EUROSUR practice (Regulation (EU) 2019/1896): ship identifiers kept 7 days, positions
2 months (60 days), aggregates kept. Concretely, at time ``now``:

* positions (``position``) observed before ``now - positions_days``: the daily partitions that end before
  that instant are dropped whole (migration 0074's owner function), the rows before it in the partition
  holding it are deleted; so are the conflicting reports kept as evidence (``position_conflict``) and the
  reports quarantined for their time (``report_quarantine``, by their receipt time) from before it;
* identifiers observed before ``now - identifiers_days``: the identity-change history
  (``vessel_identity_change``: names, call signs, IMO numbers seen) and the latest identified position of
  each vessel (``vessel_state``);
* kept: vessels' current identity, flags and their versions, sightings and their versions, cases,
  outcomes, feed health and every aggregate — nothing outside the two lists above is touched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from seasight.errors import SeasightError
from seasight.rows import fetch_all_by_name

log = logging.getLogger("seasight.tracking.retention")

IDENTIFIERS_DAYS = 7.0  # ship identifiers, days (EUROSUR)
POSITIONS_DAYS = 60.0  # positions, days (2 months, EUROSUR)


@dataclass(frozen=True)
class RetentionPeriods:
    identifiers_days: float = IDENTIFIERS_DAYS
    positions_days: float = POSITIONS_DAYS

    def __post_init__(self) -> None:
        for name, value in (("identifiers_days", self.identifiers_days), ("positions_days", self.positions_days)):
            if not 1 <= value <= 3650:
                raise SeasightError(f"retention {name} must be 1–3650 days, got {value}")


@dataclass(frozen=True)
class RetentionReport:
    positions_before: datetime
    identifiers_before: datetime
    partitions_dropped: tuple[str, ...] = field(default=())
    positions_deleted: int = 0
    identity_changes_deleted: int = 0
    vessel_states_deleted: int = 0
    conflicts_deleted: int = 0
    quarantined_deleted: int = 0


def run_retention(
    conn: psycopg.Connection[Any], now: datetime, periods: RetentionPeriods | None = None
) -> RetentionReport:
    """Apply the retention periods at ``now`` (timezone-aware) in one transaction."""
    if now.tzinfo is None:
        raise SeasightError("retention needs a timezone-aware time")
    periods = periods or RetentionPeriods()
    positions_before = now - timedelta(days=periods.positions_days)
    identifiers_before = now - timedelta(days=periods.identifiers_days)
    cutoff_day = positions_before.astimezone(UTC).date()
    with conn.transaction():
        try:
            dropped = tuple(
                r["partition_name"]
                for r in fetch_all_by_name(
                    conn, "SELECT drop_position_partitions_before(%s) AS partition_name", (cutoff_day,)
                )
            )
        except psycopg.errors.InsufficientPrivilege as exc:
            raise SeasightError(str(exc).splitlines()[0]) from exc
        positions = conn.execute("DELETE FROM position WHERE observed_at < %s", (positions_before,)).rowcount
        conflicts = conn.execute("DELETE FROM position_conflict WHERE observed_at < %s", (positions_before,)).rowcount
        quarantined = conn.execute("DELETE FROM report_quarantine WHERE received_at < %s", (positions_before,)).rowcount
        changes = conn.execute(
            "DELETE FROM vessel_identity_change WHERE observed_at < %s", (identifiers_before,)
        ).rowcount
        states = conn.execute("DELETE FROM vessel_state WHERE observed_at < %s", (identifiers_before,)).rowcount
    report = RetentionReport(
        positions_before, identifiers_before, dropped, positions, changes, states, conflicts, quarantined
    )
    log.info(
        "retention at %s: %d partitions dropped, %d positions, %d identity changes, %d vessel states deleted",
        now.isoformat(),
        len(dropped),
        positions,
        changes,
        states,
    )
    return report
