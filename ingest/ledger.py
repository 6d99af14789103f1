"""The data-quality ledger of one feed: what came in, what became records, what was rejected and why.

Pure bookkeeping (times are passed in). Every input line is counted exactly once, as decoded (it was, or
was a fragment of, a decoded message), rejected (with a reason) or metadata (a Gatehouse wrapper, a blank
line, a ``#`` comment), so ``lines_in == lines_decoded + lines_rejected + lines_metadata`` always: nothing
is dropped without a count. A :class:`~seasight.schemas.FeedHealth` snapshot is what goes on
``seasight.feed.health`` and what ``seasight feeds --json`` prints.
"""

from __future__ import annotations

from collections import Counter, deque
from datetime import datetime

from seasight.schemas import FeedHealth

LATENCY_SAMPLES = 4096
"""Latency samples kept per feed (count, default 4096): percentiles describe the most recent messages."""


class FeedLedger:
    """Counters of one feed (one receiver connection, file or listener)."""

    def __init__(
        self, feed: str, station: str | None, opened_at: datetime, latency_samples: int = LATENCY_SAMPLES
    ) -> None:
        self.feed = feed
        self.station = station
        self.opened_at = opened_at
        self.lines_in = 0
        self.lines_decoded = 0
        self.lines_rejected = 0
        self.lines_metadata = 0
        self.messages_decoded = 0
        self.messages_published = 0
        self.rejects_by_reason: Counter[str] = Counter()
        self.timed_messages = 0
        self.out_of_order = 0
        self._newest_feed_time_s: float | None = None
        self._latencies: deque[float] = deque(maxlen=latency_samples)

    def line_metadata(self) -> None:
        self.lines_metadata += 1

    def message_decoded(self, lines: int, feed_time_s: float | None) -> None:
        """A message decoded from ``lines`` sentences, timed by the feed at ``feed_time_s`` (if it was)."""
        self.lines_decoded += lines
        self.messages_decoded += 1
        if feed_time_s is not None:
            self.timed_messages += 1
            newest = self._newest_feed_time_s
            if newest is None or feed_time_s >= newest:
                self._newest_feed_time_s = feed_time_s
            else:
                self.out_of_order += 1

    def rejected(self, reason: str, lines: int) -> None:
        self.lines_rejected += lines
        self.rejects_by_reason[reason] += lines

    def published(self, latency_s: float | None) -> None:
        """A record handed to the producer; ``latency_s`` = publish time − feed time (when the feed
        timed it)."""
        self.messages_published += 1
        if latency_s is not None:
            self._latencies.append(latency_s)

    def _percentile(self, ordered: list[float], share: float) -> float | None:
        if not ordered:
            return None
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def snapshot(self, as_of: datetime, pending_fragments: int = 0) -> FeedHealth:
        elapsed = max((as_of - self.opened_at).total_seconds(), 1e-6)
        ordered = sorted(self._latencies)
        return FeedHealth(
            feed=self.feed,
            station=self.station,
            opened_at=self.opened_at,
            as_of=as_of,
            lines_in=self.lines_in,
            lines_decoded=self.lines_decoded,
            lines_rejected=self.lines_rejected,
            lines_metadata=self.lines_metadata,
            messages_decoded=self.messages_decoded,
            messages_published=self.messages_published,
            rejects_by_reason=dict(self.rejects_by_reason),
            messages_per_s=round(self.messages_decoded / elapsed, 3),
            out_of_order_share=round(self.out_of_order / self.timed_messages, 6) if self.timed_messages else 0.0,
            latency_p50_s=self._percentile(ordered, 0.50),
            latency_p95_s=self._percentile(ordered, 0.95),
            latency_max_s=ordered[-1] if ordered else None,
            pending_fragments=pending_fragments,
        )
