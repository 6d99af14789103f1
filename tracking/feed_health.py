"""Stores feed-health snapshots (``seasight.feed.health``, :class:`~seasight.schemas.FeedHealth`) in the
``feed_health`` table (migration 0020) for the dashboard. Called by the tracker inside its batch
transaction, so the rows commit before the offsets (see ``tracking/consumer.py``); ``(feed, as_of)`` is the
natural key, so a replayed batch inserts nothing twice."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from seasight.schemas import FeedHealth
from tracking.rules.feeds import FeedOutage

log = logging.getLogger("seasight.tracking.feed_health")


def write_feed_health(conn: psycopg.Connection, snapshots: Sequence[FeedHealth]) -> int:
    """Insert the snapshots; return how many rows were new."""
    if not snapshots:
        return 0
    inserted = 0
    with conn.cursor() as cur:
        for h in snapshots:
            cur.execute(
                """INSERT INTO feed_health (feed, as_of, station, opened_at, lines_in, lines_decoded,
                                            lines_rejected, lines_metadata, messages_decoded,
                                            messages_published,
                                            rejects_by_reason, messages_per_s, out_of_order_share,
                                            latency_p50_s, latency_p95_s, latency_max_s, pending_fragments)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (feed, as_of) DO NOTHING""",
                (
                    h.feed,
                    h.as_of,
                    h.station,
                    h.opened_at,
                    h.lines_in,
                    h.lines_decoded,
                    h.lines_rejected,
                    h.lines_metadata,
                    h.messages_decoded,
                    h.messages_published,
                    Jsonb(h.rejects_by_reason),
                    h.messages_per_s,
                    h.out_of_order_share,
                    h.latency_p50_s,
                    h.latency_p95_s,
                    h.latency_max_s,
                    h.pending_fragments,
                ),
            )
            inserted += cur.rowcount
    return inserted


def latest_feed_health(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """The latest snapshot of every feed (for the dashboard's feed-health panel), newest feed first."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT feed, station, as_of, lines_in, lines_decoded, lines_rejected, lines_metadata,
                      messages_decoded, messages_per_s, out_of_order_share, latency_p50_s, latency_p95_s,
                      rejects_by_reason
               FROM feed_health_latest ORDER BY as_of DESC"""
        )
        names = [d.name for d in cur.description or []]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


#: ``feed_outage.feed`` of reports that name no receiving station.
UNNAMED_FEED = "(unnamed station)"


def store_feed_outages(conn: psycopg.Connection, outages: Iterable[FeedOutage]) -> int:
    """Record feed outages (table ``feed_outage``, migration 0060) in the caller's transaction: one row per
    outage, keyed by (feed, last_heard_at); an outage seen again is updated only when it has since ended.
    Returns how many rows were added or changed."""
    rows = [(o.feed if o.feed is not None else UNNAMED_FEED, o.last_heard_at, o.resumed_at) for o in outages]
    if not rows:
        return 0
    changed = 0
    with conn.cursor() as cur:
        for feed, last_heard_at, resumed_at in rows:
            cur.execute(
                """INSERT INTO feed_outage AS o (feed, last_heard_at, resumed_at) VALUES (%s, %s, %s)
                   ON CONFLICT (feed, last_heard_at) DO UPDATE
                       SET resumed_at = excluded.resumed_at, updated_at = now()
                       WHERE o.resumed_at IS NULL AND excluded.resumed_at IS NOT NULL""",
                (feed, last_heard_at, resumed_at),
            )
            changed += cur.rowcount
    if changed:
        log.info("feed notices: %d outage(s) recorded or ended", changed)
    return changed


def feed_notices(conn: psycopg.Connection, *, only_open: bool = False) -> list[dict[str, Any]]:
    """Feed outages for the feed-health view (view ``feed_notice``), newest first: feed, last_heard_at,
    resumed_at, still_stopped, hours."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT feed, last_heard_at, resumed_at, still_stopped, hours FROM feed_notice"
            + (" WHERE still_stopped" if only_open else "")
            + " ORDER BY last_heard_at DESC"
        )
        names = [d.name for d in cur.description or []]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
