"""AIS NMEA 0183 lines in, typed records or typed rejections out: the one reader every transport uses.

:class:`AisReader` is pure (receive times are passed in, nothing is read from a clock or a socket): each
line goes through :func:`ingest.nmea.parse_line` (tag blocks, Gatehouse wrappers, checksum enforced),
multi-sentence messages through the bounded :class:`ingest.nmea.FragmentBuffer`, payloads through pyais
(:mod:`ingest.decode`, ITU-R M.1371 messages 1/2/3, 4, 5, 9, 14, 18, 19, 21, 24, 27). What comes out is a
list of :class:`Decoded` (records for ``seasight.ais.position`` / ``.static`` / ``.safety`` / ``.fixed``) and
:class:`Rejected` (for ``seasight.rejected``), and every line is counted in the feed's
:class:`~ingest.ledger.FeedLedger`. Nothing raises out of :meth:`AisReader.feed` for bad input.

The fix of a message is timed by the feed (tag block ``c:``, ``$PGHP`` wrapper, trailing USCG time) when it
carries a plausible time, else by its receive time.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from ingest.decode import AisRecord, MessageContext, StaticMerger, decode_payload, to_records
from ingest.ledger import FeedLedger
from ingest.nmea import FragmentBuffer, GatehouseStamp, LineProblem, ReassemblyLimits, Sentence, parse_line
from seasight.clock import Clock, system_clock
from seasight.errors import SchemaError
from seasight.schemas import PositionReport, RejectedInput

log = logging.getLogger("seasight.ingest.ais")

EARLIEST_FEED_TIME_S = 788_918_400.0  # 1995-01-01 UTC: AIS did not exist before; earlier feed times are wrong
FUTURE_TOLERANCE_S = 86_400.0
"""How far (seconds, default 1 day) a feed time may lie after the receive time before it is distrusted
(receive time used instead): clocks of small receivers drift and some networks stamp in local time."""

MAX_RAW_CHARS = 2_000  # longest raw text kept in a rejection


@dataclass(frozen=True, slots=True)
class Decoded:
    """Records decoded from one AIS message, and how many input lines (sentences) it took."""

    records: tuple[AisRecord, ...]
    lines: int


@dataclass(frozen=True, slots=True)
class Rejected:
    """A rejection and how many input lines it accounts for."""

    rejection: RejectedInput
    lines: int


Outcome = Decoded | Rejected


class AisReader:
    """Turns one feed's lines into records and rejections, counting every line in ``ledger``."""

    def __init__(
        self,
        feed: str,
        station: str | None,
        ledger: FeedLedger | None = None,
        limits: ReassemblyLimits | None = None,
        static_merger: StaticMerger | None = None,
        clock: Clock = system_clock,
    ) -> None:
        """``clock`` opens the ledger and times the lines :meth:`read` takes (the system clock for a live
        feed; a fixed or replayed clock in tests and replays)."""
        self.feed = feed
        self.station = station
        self.clock = clock
        self.ledger = ledger or FeedLedger(feed, station, clock())
        self.fragments = FragmentBuffer(limits)
        self.merger = static_merger or StaticMerger()
        self._wrapper: GatehouseStamp | None = None

    # -- rejections ------------------------------------------------------------------------------------

    def _reject(
        self, problem: LineProblem, raw: bytes, lines: int, received_at: datetime, station: str | None = None
    ) -> Rejected:
        self.ledger.rejected(problem.reason, lines)
        rejection = RejectedInput(
            feed=self.feed,
            station=station or self.station,
            reason=problem.reason,
            detail=problem.detail,
            raw=raw[:MAX_RAW_CHARS].decode("ascii", "replace"),
            received_at=received_at,
        )
        return Rejected(rejection, lines)

    def _orphans(self, groups: list[list[Sentence]], received_at: datetime) -> list[Outcome]:
        out: list[Outcome] = []
        for group in groups:
            raw = b"\n".join(s.raw for s in sorted(group, key=lambda s: s.fragment_number))
            got = ",".join(str(s.fragment_number) for s in group)
            problem = LineProblem(
                "orphan_fragment", f"fragments {got} of {group[0].fragment_count}: the rest never arrived"
            )
            out.append(self._reject(problem, raw, len(group), received_at, group[0].source_station))
        return out

    # -- lines -----------------------------------------------------------------------------------------

    def feed_line(self, line: bytes, received_at: datetime) -> list[Outcome]:
        """Process one line (line ending optional) received at ``received_at`` (timezone-aware UTC)."""
        self.ledger.lines_in += 1
        try:
            parsed = parse_line(line, self._wrapper)
        except Exception as exc:  # a parser bug must not stop a feed: the line is rejected and counted
            log.exception("feed %s: parser failed on a line", self.feed)
            return [
                self._reject(
                    LineProblem("malformed", f"parser error {type(exc).__name__}"),
                    line.strip(),
                    1,
                    received_at,
                )
            ]
        if parsed is None:
            self.ledger.line_metadata()
            return []
        if isinstance(parsed, GatehouseStamp):
            self._wrapper = parsed
            self.ledger.line_metadata()
            return []
        self._wrapper = None
        if isinstance(parsed, LineProblem):
            return [self._reject(parsed, line.strip(), 1, received_at)]
        if parsed.fragment_count == 1:
            if not len(self.fragments):
                return [self._decode([parsed], received_at)]
            out: list[Outcome] = self._orphans(self.fragments.expire(received_at.timestamp()), received_at)
            out.append(self._decode([parsed], received_at))
            return out
        complete, evicted = self.fragments.add(parsed, received_at.timestamp())
        out = self._orphans(evicted, received_at) if evicted else []
        if complete is not None:
            out.append(self._decode(complete, received_at))
        return out

    def _decode(self, sentences: list[Sentence], received_at: datetime) -> Outcome:
        first = sentences[0]
        if len(sentences) == 1:
            payload, raw = first.payload, first.raw
        else:
            payload = b"".join(s.payload for s in sentences)
            raw = b"\n".join(s.raw for s in sentences)
        station = first.source_station or self.station
        decoded = decode_payload(payload, sentences[-1].fill_bits)
        if isinstance(decoded, LineProblem):
            return self._reject(decoded, raw, len(sentences), received_at, station)
        feed_time_s = next((s.feed_time_s for s in sentences if s.feed_time_s is not None), None)
        if feed_time_s is not None and not (
            EARLIEST_FEED_TIME_S <= feed_time_s <= received_at.timestamp() + FUTURE_TOLERANCE_S
        ):
            feed_time_s = None
        observed_at = datetime.fromtimestamp(feed_time_s, UTC) if feed_time_s is not None else received_at
        records = to_records(
            decoded,
            MessageContext(observed_at, station, received_at),
            self.merger,
            len(payload) * 6 - sentences[-1].fill_bits,
        )
        if isinstance(records, LineProblem):
            return self._reject(records, raw, len(sentences), received_at, station)
        for record in records:  # the same checks the consumer makes: never publish what it would refuse
            try:
                record.validate()
            except SchemaError as exc:
                problem = LineProblem("out_of_range", str(exc))
                return self._reject(problem, raw, len(sentences), received_at, station)
        self.ledger.message_decoded(len(sentences), feed_time_s)
        return Decoded(tuple(records), len(sentences))

    def finish(self, received_at: datetime) -> list[Outcome]:
        """End of the feed: every pending fragment is an orphan."""
        return self._orphans(self.fragments.drain(), received_at)

    def read(self, lines: Iterable[bytes]) -> Iterator[Outcome]:
        """Every outcome of ``lines``, each line timed by the reader's clock as it is read, then
        :meth:`finish`."""
        for line in lines:
            yield from self.feed_line(line, self.clock())
        yield from self.finish(self.clock())


# -- kept for the demo and the first slice: positions only --------------------------------------------


def read_positions(lines: Iterable[bytes], station: str | None = None) -> Iterator[PositionReport]:
    """Position reports of AIVDM/AIVDO lines (other records and rejections are left out)."""
    reader = AisReader(station or "local", station)
    for outcome in reader.read(lines):
        if isinstance(outcome, Decoded):
            for record in outcome.records:
                if isinstance(record, PositionReport):
                    yield record


def publish_positions(reports: Iterable[PositionReport], bootstrap: str) -> int:
    """Publish to ``seasight.ais.position`` keyed by MMSI; return the count sent (and acknowledged)."""
    from seasight.kafka import TOPIC_AIS_POSITION, make_producer

    producer = make_producer(bootstrap)
    sent = 0
    try:
        # Encoded in chunks, then sent back to back: sends interleaved with decoding cost the producer
        # about twice as much per record (its sender thread competes for the GIL).
        iterator = iter(reports)
        while chunk := [(str(r.mmsi), r.to_json()) for r in itertools.islice(iterator, 1000)]:
            for key, value in chunk:
                producer.send(TOPIC_AIS_POSITION, key=key, value=value)
            sent += len(chunk)
        producer.flush()
    finally:
        producer.close()
    log.info("published %d position reports", sent)
    return sent
