"""NMEA 0183 line parsing for AIS feeds, and bounded multi-sentence reassembly. Pure: no I/O, no clock.

What a line may look like (all seen in real feeds, see ../shared/data/ais_nmea):

* an AIS sentence, IEC 61162-1 / NMEA 0183 ``!AIVDM`` (other stations) or ``!AIVDO`` (own ship), any
  two-character talker (``AI``, ``AB``, ``BS``, ``SA``, ``--``): ``!AIVDM,<count>,<number>,<sequence id>,
  <channel>,<payload>,<fill bits>*<checksum>``;
* the same preceded by an NMEA 4.x / IEC 61162-450 tag block ``\\s:<station>,c:<unix time>,g:<n>-<total>-<id>
  *<checksum>\\`` (``c:`` in seconds, or milliseconds when larger than 10^11);
* the same followed by USCG-style trailing fields after the checksum, the last one a UNIX time of receipt;
* a Gatehouse ``$PGHP,1,<year>,<month>,<day>,<hour>,<minute>,<second>,<ms>,<MID>,<region>,<source>,
  <online>,<checksum of the next sentence>*hh`` wrapper, which times the AIS sentence after it;
* blank lines, ``#`` comments, other NMEA sentences (``$GPGGA`` ...) and noise.

The NMEA checksum (XOR of the characters between ``!``/``$``/``\\`` and ``*``) is enforced for sentences,
tag blocks and wrappers: a mismatch is a rejection, never decoded (pyais would decode it by default).

:class:`FragmentBuffer` reassembles multi-sentence messages keyed by tag-block group, else by channel,
sequence id and fragment count (not by station: a wrapper or tag block often times only the first
fragment). Pending groups are bounded in number and live at most a time-to-live; whatever is evicted
comes back to the caller to be counted as orphan fragments.
"""

from __future__ import annotations

import calendar
import functools
import operator
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import NamedTuple

# ITU-R M.1371 annex 8 six-bit payload armouring: '0'..'W' (48..87) and '`'..'w' (96..119).
_PAYLOAD_CHARS = bytes(range(48, 88)) + bytes(range(96, 120))
_HEX = frozenset(b"0123456789ABCDEFabcdef")

MAX_FRAGMENT_COUNT = 9
MAX_SENTENCE_CHARS = len("!AIVDM,9,9,9,A,") + 168 + len(",5*hh")
"""Longest sentence accepted from its start delimiter (``!``/``$``) to its checksum, characters (188).
IEC 61162-1 sets 82 with the closing CR LF, but real receivers send longer single-sentence messages (a
91-character message 5 in libais's examples, 170 characters in gpsd's test captures), and refusing them would
hide real reports. The hard bound is the longest message one sentence can carry: five slots of ITU-R M.1371,
1,008 bits, 168 six-bit characters."""
MAX_TAG_BLOCK_CHARS = 80
"""Longest tag block between its two backslashes, characters (NMEA 0183 4.10 / IEC 61162-450 limit)."""
"""Most sentences one AIS message may take: the count field is one digit (IEC 61162-1, VDM)."""


@dataclass(frozen=True, slots=True)
class LineProblem:
    """Why a line cannot be used: a reason of :attr:`seasight.schemas.RejectedInput.REASONS` and detail."""

    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class GatehouseStamp:
    """A Gatehouse ``$PGHP`` type 1 wrapper: the time (UNIX seconds, UTC) and source of the next sentence."""

    time_s: float | None
    source: str | None
    next_checksum: str | None  # the two hex digits of the checksum of the sentence it wraps, upper case


class Sentence(NamedTuple):
    """One checksum-valid AIS sentence (VDM/VDO), with what its tag block or trailer told about it.

    An immutable named tuple rather than a frozen dataclass: one is built per input line, and a frozen
    dataclass's ``__init__`` costs about eight times as much (3-4 µs against 0.5 µs for 12 fields)."""

    raw: bytes
    own_ship: bool  # VDO: the receiver's own ship
    fragment_count: int
    fragment_number: int
    sequence_id: str
    channel: str
    payload: bytes
    fill_bits: int
    checksum: str  # two upper-case hex digits
    feed_time_s: float | None = None  # UNIX seconds from tag block c:, a wrapper or a trailing time
    source_station: str | None = None  # tag block s: or the wrapper's source
    group: str | None = None  # tag-block group id (g:<n>-<total>-<id>)


def _xor(data: bytes) -> int:
    return functools.reduce(operator.xor, data, 0)


def _checksum_ok(body: bytes, given: bytes) -> bool:
    if len(given) != 2 or given[0] not in _HEX or given[1] not in _HEX:
        return False
    return _xor(body) == int(given, 16)


def _unix_time(text: bytes) -> float | None:
    """A tag-block ``c:`` time: UNIX seconds, or milliseconds when above 10^11 (some networks)."""
    try:
        value = float(text)
    except ValueError:
        return None
    if value > 1e11:
        value /= 1000.0
    return value if value > 0 else None


@dataclass(frozen=True, slots=True)
class TagBlock:
    """The fields of an NMEA 4.x tag block that Seasight uses."""

    time_s: float | None
    station: str | None
    group: str | None
    group_index: int | None


def parse_tag_block(content: bytes) -> TagBlock | LineProblem:
    """Parse the text between the two backslashes of a tag block (IEC 61162-450 / NMEA 4.10)."""
    star = content.rfind(b"*")
    if star < 0:
        return LineProblem("truncated", "tag block has no checksum")
    if not _checksum_ok(content[:star], content[star + 1 :]):
        return LineProblem("checksum", "tag block checksum does not match")
    time_s: float | None = None
    station: str | None = None
    group: str | None = None
    group_index: int | None = None
    for item in content[:star].split(b","):
        key, sep, value = item.partition(b":")
        if not sep:
            return LineProblem("malformed", f"tag block field {item[:20]!r} has no ':'")
        if key == b"c":
            time_s = _unix_time(value)
        elif key == b"s":
            station = value.decode("ascii", "replace") or None
        elif key == b"g":
            parts = value.split(b"-")
            if len(parts) == 3 and parts[0].isdigit():
                group_index = int(parts[0])
                group = parts[2].decode("ascii", "replace")
    return TagBlock(time_s, station, group, group_index)


@functools.lru_cache(maxsize=256)
def _minute_start(year: int, month: int, day: int, hour: int, minute: int) -> int:
    """UNIX time of a UTC minute (cached: a feed's wrappers fall in few distinct minutes)."""
    return calendar.timegm((year, month, day, hour, minute, 0, 0, 0, 0))


def parse_gatehouse(line: bytes) -> GatehouseStamp | LineProblem:
    """Parse a Gatehouse ``$PGHP`` wrapper. Only type 1 (time and source of the next sentence) is used."""
    star = line.rfind(b"*")
    if star < 0:
        return LineProblem("truncated", "$PGHP wrapper has no checksum")
    if not _checksum_ok(line[1:star], line[star + 1 : star + 3]):
        return LineProblem("checksum", "$PGHP wrapper checksum does not match")
    fields = line[1:star].split(b",")
    if len(fields) < 14 or fields[1] != b"1":
        return GatehouseStamp(None, None, None)
    time_s: float | None = None
    try:
        year, month, day, hour, minute, second, millis = (int(f) for f in fields[2:9])
        if 1 <= month <= 12 and 1 <= day <= 31 and 0 <= hour < 24 and 0 <= minute < 60 and 0 <= second < 61:
            time_s = _minute_start(year, month, day, hour, minute) + second + millis / 1000
    except (ValueError, OverflowError):
        time_s = None
    source = fields[11].decode("ascii", "replace") or None
    # "00" stands for "not given" in real streams (DMA AisLib stream_example.txt: 131 wrappers); a wrapper
    # without it still times the sentence right after it.
    named = fields[13].decode("ascii", "replace").upper()
    return GatehouseStamp(time_s, source, None if named in ("", "00") else named)


def parse_line(line: bytes, wrapper: GatehouseStamp | None = None) -> Sentence | GatehouseStamp | LineProblem | None:
    """Classify one line (without its line ending).

    Returns a :class:`Sentence`, a :class:`GatehouseStamp` (to apply to the next sentence), a
    :class:`LineProblem`, or ``None`` for a line that carries nothing (blank, ``#`` comment).
    ``wrapper`` is the ``$PGHP`` line just before, if any: its time and source are given to this sentence
    when its last field names this sentence's checksum (or names none).
    """
    line = line.strip()
    if not line or line[0] == 35:  # '#'
        return None
    tag: TagBlock | None = None
    if line[0] == 92:  # '\' tag block
        end = line.find(b"\\", 1)
        if end < 0:
            return LineProblem("truncated", "tag block is not closed by a backslash")
        if end - 1 > MAX_TAG_BLOCK_CHARS:
            return LineProblem(
                "too_long", f"tag block of {end - 1} characters; NMEA 0183 4.10 allows {MAX_TAG_BLOCK_CHARS}"
            )
        parsed = parse_tag_block(line[1:end])
        if isinstance(parsed, LineProblem):
            return parsed
        tag = parsed
        line = line[end + 1 :]
        if not line:
            return LineProblem("truncated", "tag block without a sentence")
    if line.startswith(b"$PGHP"):
        return parse_gatehouse(line)
    if len(line) < 6 or line[0] not in (33, 36) or line[3:6] not in (b"VDM", b"VDO"):
        return LineProblem("not_ais", "not an AIS VDM/VDO sentence")
    star = line.find(b"*")
    if star < 0 or len(line) < star + 3:
        return LineProblem("truncated", "sentence has no complete checksum")
    checksum = line[star + 1 : star + 3]
    if star + 3 > MAX_SENTENCE_CHARS:
        return LineProblem(
            "too_long",
            f"sentence of {star + 3} characters; at most {MAX_SENTENCE_CHARS} (IEC 61162-1 sets 82 with CR LF, "
            "a five-slot message needs 188)",
        )
    if not _checksum_ok(line[1:star], checksum):
        return LineProblem("checksum", "NMEA checksum does not match")
    fields = line[1:star].split(b",")
    if len(fields) < 7:
        return LineProblem("truncated", f"sentence has {len(fields)} fields, VDM needs 7")
    if len(fields) > 7:
        return LineProblem("malformed", f"sentence has {len(fields)} fields, VDM has 7")
    _, count, number, sequence, channel, payload, fill = fields
    if not (count.isdigit() and number.isdigit() and len(count) == 1 and len(number) == 1):
        return LineProblem("malformed", "fragment count/number are not single digits")
    fragment_count, fragment_number = int(count), int(number)
    if not 1 <= fragment_number <= fragment_count <= MAX_FRAGMENT_COUNT:
        return LineProblem("malformed", f"fragment {fragment_number} of {fragment_count} is impossible")
    if not (len(fill) == 1 and 48 <= fill[0] <= 53):
        return LineProblem("malformed", f"fill bits {fill[:5]!r} not 0..5")
    if not payload:
        return LineProblem("truncated", "empty payload")
    if payload.translate(None, _PAYLOAD_CHARS):
        return LineProblem("undecodable_payload", "payload has characters outside the AIS six-bit set")
    time_s = tag.time_s if tag is not None else None
    station = tag.station if tag is not None else None
    checksum_text = checksum.decode("ascii").upper()
    # A wrapper names the checksum of the sentence it wraps; before a multi-sentence message it names the
    # XOR of all the fragments' checksums, which cannot be checked yet: it is given to the first fragment.
    if wrapper is not None and (
        wrapper.next_checksum is None
        or wrapper.next_checksum == checksum_text
        or (fragment_count > 1 and fragment_number == 1)
    ):
        time_s = time_s if time_s is not None else wrapper.time_s
        station = station if station is not None else wrapper.source
    if time_s is None and len(line) > star + 3:
        # USCG-style trailer: ",d-109,S2105,t050056.00,T56.137,r003669946,1325394060,1325394001".
        # The last field is the receiver's UNIX time.
        last = line[star + 3 :].rsplit(b",", 1)[-1]
        if len(last) == 10 and last.isdigit():
            time_s = float(last)
    return Sentence(
        raw=line,
        own_ship=line[5] == 79,  # 'O'
        fragment_count=fragment_count,
        fragment_number=fragment_number,
        sequence_id=sequence.decode("ascii", "replace"),
        channel=channel.decode("ascii", "replace"),
        payload=payload,
        fill_bits=fill[0] - 48,
        checksum=checksum_text,
        feed_time_s=time_s,
        source_station=station,
        group=tag.group if tag is not None else None,
    )


@dataclass(frozen=True, slots=True)
class ReassemblyLimits:
    """Bounds on multi-sentence reassembly.

    ``max_pending`` (count, default 2,000, range 1..1,000,000): most incomplete messages held at once; the
    oldest is evicted as orphan when a new one would exceed it. Each holds at most nine sentences of at most
    82 characters (IEC 61162-1), so memory is bounded by about max_pending × 9 × 82 bytes of payload.
    ``ttl_s`` (seconds, default 10, range 0.1..3600): an incomplete message older than this (by receive
    time) is evicted as orphan. The parts of one AIS message are sent in consecutive slots, well under a
    second apart (ITU-R M.1371 annex 2); 10 s leaves room for network batching.
    """

    max_pending: int = 2_000
    ttl_s: float = 10.0

    def __post_init__(self) -> None:
        if not 1 <= self.max_pending <= 1_000_000:
            raise ValueError(f"max_pending={self.max_pending} outside 1..1,000,000")
        if not 0.1 <= self.ttl_s <= 3600:
            raise ValueError(f"ttl_s={self.ttl_s} outside 0.1..3600 s")


@dataclass(slots=True)
class _Pending:
    first_seen_s: float
    fragment_count: int
    parts: dict[int, Sentence] = field(default_factory=dict)


FragmentKey = tuple[str, ...]


class FragmentBuffer:
    """Bounded reassembly of multi-sentence AIS messages (IEC 61162-1 VDM fragments).

    Fragments may arrive in any order; a message is complete when all its fragment numbers are present.
    :meth:`add` returns the complete message's sentences (in fragment order) or ``None``, and the groups
    evicted on the way (TTL, bound, or a repeated fragment number that starts a new message), which the
    caller counts as orphan fragments. Time is passed in (receive time, UNIX seconds), never read here.
    """

    def __init__(self, limits: ReassemblyLimits | None = None) -> None:
        self.limits = limits or ReassemblyLimits()
        self._pending: OrderedDict[FragmentKey, _Pending] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pending)

    @property
    def pending_sentences(self) -> int:
        return sum(len(p.parts) for p in self._pending.values())

    @staticmethod
    def key(sentence: Sentence) -> FragmentKey:
        if sentence.group is not None:
            return ("g", sentence.group, str(sentence.fragment_count))
        return ("s", sentence.channel, sentence.sequence_id, str(sentence.fragment_count))

    def expire(self, now_s: float) -> list[list[Sentence]]:
        """Evict every pending message older than the TTL; return their sentences."""
        evicted: list[list[Sentence]] = []
        horizon = now_s - self.limits.ttl_s
        while self._pending:
            key, oldest = next(iter(self._pending.items()))
            if oldest.first_seen_s >= horizon:
                break
            del self._pending[key]
            evicted.append(list(oldest.parts.values()))
        return evicted

    def add(self, sentence: Sentence, now_s: float) -> tuple[list[Sentence] | None, list[list[Sentence]]]:
        evicted = self.expire(now_s)
        key = self.key(sentence)
        pending = self._pending.get(key)
        if pending is not None and sentence.fragment_number in pending.parts:
            # Same fragment again: the earlier message never completed; a new one starts.
            del self._pending[key]
            evicted.append(list(pending.parts.values()))
            pending = None
        if pending is None:
            while len(self._pending) >= self.limits.max_pending:
                _, oldest = self._pending.popitem(last=False)
                evicted.append(list(oldest.parts.values()))
            pending = _Pending(now_s, sentence.fragment_count)
            self._pending[key] = pending
        pending.parts[sentence.fragment_number] = sentence
        if len(pending.parts) < pending.fragment_count:
            return None, evicted
        del self._pending[key]
        return [pending.parts[n] for n in sorted(pending.parts)], evicted

    def drain(self) -> list[list[Sentence]]:
        """Remove and return every pending message (at the end of a feed)."""
        groups = [list(p.parts.values()) for p in self._pending.values()]
        self._pending.clear()
        return groups
