"""Per-vessel keyed state of the streaming detection stage: a bounded, thinned, packed recent track per MMSI.

What is kept of a vessel's reports, per ``spacing`` bucket of message time (10 minutes: the interval to which
Global Fishing Watch resamples tracks for encounters and loitering):

* the earliest report of the bucket — enough for the rules that read hours of track (loitering's hourly
  means, encounters of at least 2 h, zone crossings, drift);
* the first report of each other (navigational status, message type, zones) of the bucket — status and class
  changes are what several rules read;
* every distress report (nav status 14, AIS-SART/MOB/EPIRB MMSIs 970/972/974, ITU-R M.1371-5) and every
  report an impossible distance (over ``jump_kn``) from the bucket's earliest — the spoofing rule's evidence;

plus the latest report overall (a silence starts there), and nothing older than ``horizon`` before it.
A bucket's kept reports are a function of the reports received in it, so a replayed batch changes nothing
(a report already held is ignored) and a restart that rebuilds the state from the committed positions
gets the same state.

**Packed.** A kept report is one 22-byte record (:data:`RECORD`), in time order in one ``bytes`` per vessel,
at the resolution ITU-R M.1371-5 itself transmits: time in milliseconds from the vessel's base time,
latitude and longitude in 1e-7 degree (AIS sends 1/600,000 degree: the record is within 5 mm of the
decoded value), speed over ground in 0.1 kn (0–102.2, 1023 not available), course in 0.1 degree (0–359.9,
3600 not available), heading in whole degrees (0–359, 511 not available) — the same bit widths as message 1
(10, 12 and 9 bits) in one 32-bit word; navigational status and message number share a 16-bit word;
the station (feed) and the zone tag are indexes into a :class:`Codebook` shared by all vessels of a stage.
Records are decoded into :class:`~tracking.rules.model.TrackPoint` only when a vessel is evaluated, so the
rules read the same objects in every mode. Units: times timezone-aware UTC, speeds in knots.
"""

from __future__ import annotations

import struct
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tracking.rules.geo import distance_nm
from tracking.rules.model import NAV_AIS_SART_ACTIVE, TrackPoint, TrackWindow

#: One kept report: time (ms from the vessel's base), lat, lon (1e-7 degree), motion word (SOG 10 bits,
#: COG 12 bits, heading 9 bits), kind word (nav status 5 bits, message number 5 bits), station, zone tag.
RECORD = struct.Struct("<iiiIHHH")
SIZE = RECORD.size  # 22 bytes
_TIME = struct.Struct("<i")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_SOG_NA, _COG_NA, _HEADING_NA, _NAV_NA = 1023, 3600, 511, 31
_REBASE_MS = 2**31 - 1  # int32 milliseconds: a vessel's records span at most 24.8 days around its base


@dataclass(frozen=True, slots=True)
class StateLimits:
    """How much track the stage keeps per vessel (see the module docstring)."""

    spacing: timedelta = timedelta(minutes=10)  # GFW resamples tracks every 10 minutes
    horizon: timedelta = timedelta(hours=24)
    jump_kn: float = 50.0  # design reference numbers: impossible speed > 50 kn between fixes


def _is_distress_point(p: TrackPoint) -> bool:
    return p.nav_status == NAV_AIS_SART_ACTIVE or p.mmsi // 1_000_000 in (970, 972, 974)


#: What else a report is tagged with when it enters the state (e.g. the ids of the zones it lies in,
#: from one spatial-index query per batch); a change of tag within a bucket is kept like a status change.
Tag = frozenset[int]
NO_TAG: Tag = frozenset()


class Codebook:
    """Small integers for the stations and zone tags held by a stage's states (code 0: none).

    Standalone, a codebook numbers values as it meets them. A checkpointing stage binds the codes of table
    ``detection_code`` instead (:meth:`bind_station`, :meth:`bind_tag`) before it encodes a batch, so that
    every tracker process and every restart reads the stored records alike."""

    __slots__ = ("stations", "_station_ids", "tags", "_tag_ids", "_top")

    def __init__(self) -> None:
        self.stations: dict[int, str | None] = {0: None}
        self._station_ids: dict[str | None, int] = {None: 0}
        self.tags: dict[int, Tag] = {0: NO_TAG}
        self._tag_ids: dict[Tag, int] = {NO_TAG: 0}
        self._top = {"station": 0, "tag": 0}  # the highest code bound of each kind

    def station_id(self, station: str | None) -> int:
        sid = self._station_ids.get(station)
        if sid is None:
            sid = self.bind_station(station, self._top["station"] + 1)
        return sid

    def tag_id(self, tag: Tag) -> int:
        tid = self._tag_ids.get(tag)
        if tid is None:
            tid = self.bind_tag(tag, self._top["tag"] + 1)
        return tid

    def knows_station(self, station: str | None) -> bool:
        return station in self._station_ids

    def knows_tag(self, tag: Tag) -> bool:
        return tag in self._tag_ids

    def bind_station(self, station: str | None, code: int) -> int:
        if not 0 < code <= 0xFFFF:
            raise OverflowError("more than 65,535 receiving stations in one detection stage")
        self.stations[code] = station
        self._station_ids[station] = code
        self._top["station"] = max(self._top["station"], code)
        return code

    def bind_tag(self, tag: Tag, code: int) -> int:
        if not 0 < code <= 0xFFFF:
            raise OverflowError("more than 65,535 combinations of zones in one detection stage")
        self.tags[code] = tag
        self._tag_ids[tag] = code
        self._top["tag"] = max(self._top["tag"], code)
        return code


def tag_text(tag: Tag) -> str:
    """A zone tag as table ``detection_code`` keeps it: the sorted zone ids joined by ','."""
    return ",".join(str(z) for z in sorted(tag))


def tag_of_text(text: str) -> Tag:
    return frozenset(int(z) for z in text.split(",")) if text else NO_TAG


def epoch_ms(t: datetime) -> int:
    """Milliseconds since 1970-01-01 UTC (exact, floor)."""
    return (t - _EPOCH) // _MS


def _encode(p: TrackPoint, tag: Tag, base_ms: int, book: Codebook, at_ms: int | None = None) -> bytes:
    sog = _SOG_NA if p.sog_kn is None else min(1022, max(0, round(p.sog_kn * 10)))
    cog = _COG_NA if p.cog_deg is None else min(3599, max(0, round(p.cog_deg * 10)))
    heading = _HEADING_NA if p.heading_deg is None else p.heading_deg
    nav = _NAV_NA if p.nav_status is None else p.nav_status
    return RECORD.pack(
        (epoch_ms(p.observed_at) if at_ms is None else at_ms) - base_ms,
        round(p.lat * 1e7),
        round(p.lon * 1e7),
        sog | cog << 10 | heading << 22,
        nav | p.msg_type << 5,
        book.station_id(p.station),
        book.tag_id(tag),
    )


def _decode(mmsi: int, record: tuple[int, int, int, int, int, int, int], base_ms: int, book: Codebook) -> TrackPoint:
    t, lat, lon, motion, kind, station, _ = record
    sog, cog, heading, nav = motion & 0x3FF, motion >> 10 & 0xFFF, motion >> 22 & 0x1FF, kind & 0x1F
    return TrackPoint(
        mmsi=mmsi,
        observed_at=_EPOCH + timedelta(milliseconds=base_ms + t),
        lat=lat / 1e7,
        lon=lon / 1e7,
        sog_kn=None if sog == _SOG_NA else sog / 10,
        cog_deg=None if cog == _COG_NA else cog / 10,
        heading_deg=None if heading == _HEADING_NA else heading,
        nav_status=None if nav == _NAV_NA else nav,
        msg_type=kind >> 5,
        station=book.stations[station],
    )


def _thin(reports: list[tuple[TrackPoint, Tag]], limits: StateLimits) -> list[tuple[TrackPoint, Tag]]:
    """The kept reports of one bucket (time order in, time order out); see the module docstring."""
    earliest = reports[0][0]
    kept = [reports[0]]
    seen = {(earliest.nav_status, earliest.msg_type, reports[0][1])}
    for p, tag in reports[1:]:
        combo = (p.nav_status, p.msg_type, tag)
        hours = (p.observed_at - earliest.observed_at).total_seconds() / 3600.0
        jumped = hours > 0 and distance_nm(earliest.lat, earliest.lon, p.lat, p.lon) / hours > limits.jump_kn
        if combo not in seen or _is_distress_point(p) or jumped:
            kept.append((p, tag))
            seen.add(combo)
    return kept


class _Times:
    """The record times of a packed track, as a sequence for :func:`bisect.bisect_left`."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(self.data) // SIZE

    def __getitem__(self, i: int) -> int:
        return int(_TIME.unpack_from(self.data, i * SIZE)[0])


class VesselState:
    """The kept reports of one MMSI, packed (see the module docstring)."""

    __slots__ = ("mmsi", "base_ms", "data", "tail", "tail_ms")

    def __init__(self, mmsi: int) -> None:
        self.mmsi = mmsi
        self.base_ms = 0
        self.data = b""  # kept records, time order
        self.tail = b""  # the latest report (a record), kept or not
        self.tail_ms: int | None = None  # its time, ms since the epoch

    def last(self, book: Codebook) -> TrackPoint | None:
        """The latest report."""
        if not self.tail:
            return None
        return _decode(self.mmsi, RECORD.unpack(self.tail), self.base_ms, book)

    def tail_station(self, book: Codebook) -> str | None:
        return book.stations[RECORD.unpack(self.tail)[5]] if self.tail else None

    def tail_position(self) -> tuple[float, float]:
        _, lat, lon, *_ = RECORD.unpack(self.tail)
        return lat / 1e7, lon / 1e7

    def tail_at(self) -> datetime | None:
        return None if self.tail_ms is None else _EPOCH + timedelta(milliseconds=self.tail_ms)

    def _rebase(self, at_ms: int, limits: StateLimits, book: Codebook) -> None:
        """Re-encode around ``at_ms`` (a report newer than every held one by weeks: a vessel heard again) so
        that times fit the int32 offsets; what is then older than the horizon is dropped."""
        keep_from = at_ms - limits.horizon // _MS - limits.spacing // _MS
        kept = [(p, book.tags[r[6]]) for r, p in self._records(book) if self.base_ms + r[0] >= keep_from]
        tail = self.last(book)
        tail_tag = book.tags[RECORD.unpack(self.tail)[6]] if self.tail else NO_TAG
        self.base_ms = at_ms
        self.data = b"".join(_encode(p, tag, at_ms, book) for p, tag in kept)
        if tail is not None and epoch_ms(tail.observed_at) >= keep_from:
            self.tail = _encode(tail, tail_tag, at_ms, book)
        else:
            self.tail, self.tail_ms = b"", None

    def _records(self, book: Codebook) -> list[tuple[tuple[int, int, int, int, int, int, int], TrackPoint]]:
        return [(r, _decode(self.mmsi, r, self.base_ms, book)) for r in RECORD.iter_unpack(self.data)]

    def add(self, p: TrackPoint, limits: StateLimits, book: Codebook, tag: Tag = NO_TAG) -> bool:
        """Take one report. Returns whether the kept track changed beyond its latest report — what makes
        the vessel worth re-evaluating (a report that only replaces the latest one changes no flag's
        start or severity). A duplicate changes nothing."""
        at_ms = epoch_ms(p.observed_at)
        if self.tail_ms is not None and at_ms < self.tail_ms - limits.horizon // _MS - limits.spacing // _MS:
            return False  # older than anything the state holds for this vessel
        if not self.data and not self.tail:
            self.base_ms = at_ms
        elif not -_REBASE_MS < at_ms - self.base_ms < _REBASE_MS:
            self._rebase(at_ms, limits, book)
        t = at_ms - self.base_ms
        rec = _encode(p, tag, self.base_ms, book, at_ms)
        if self.tail_ms is None or at_ms > self.tail_ms:
            self.tail = rec
            self.tail_ms = at_ms
        spacing_ms = limits.spacing // _MS
        bucket_start = at_ms // spacing_ms * spacing_ms - self.base_ms
        times = _Times(self.data)
        n = len(times)
        last_t = times[n - 1] if n else None
        if last_t is None or last_t < bucket_start:
            lo = hi = n  # a report in a bucket after every kept one
        elif last_t < bucket_start + spacing_ms:
            lo = hi = n  # the usual case: a report in the newest kept bucket (a few records: scan back)
            while lo > 0 and times[lo - 1] >= bucket_start:
                lo -= 1
        else:
            lo = bisect_left(times, bucket_start)
            hi = bisect_left(times, bucket_start + spacing_ms, lo)
        held_records = list(RECORD.iter_unpack(self.data[lo * SIZE : hi * SIZE]))
        if any(r[0] == t for r in held_records):
            return False
        new = RECORD.unpack(rec)
        if held_records and held_records[0][0] < t and not _is_distress_point(p):
            # Fast path, the same decision as _thin: a later report whose (status, type, zones) an earlier kept
            # report of its bucket already shows, no distress, no jump from the bucket's earliest: not kept.
            combo = (new[4], new[6])
            if any((r[4], r[6]) == combo for r in held_records if r[0] < t):
                first = held_records[0]
                hours = timedelta(milliseconds=t - first[0]).total_seconds() / 3600.0
                distance = distance_nm(first[1] / 1e7, first[2] / 1e7, new[1] / 1e7, new[2] / 1e7)
                if distance / hours <= limits.jump_kn:
                    return False
        held = [(_decode(self.mmsi, r, self.base_ms, book), book.tags[r[6]]) for r in held_records]
        point = _decode(self.mmsi, new, self.base_ms, book)
        kept = _thin(sorted([*held, (point, tag)], key=lambda q: q[0].observed_at), limits)
        if kept == held:
            return False
        packed = b"".join(_encode(q, q_tag, self.base_ms, book) for q, q_tag in kept)
        oldest = (self.tail_ms - limits.horizon // _MS) // spacing_ms * spacing_ms - self.base_ms
        cut = bisect_left(times, oldest)
        if cut > lo:  # the new bucket itself is older than the horizon: keep only the newer ones
            pruned = self.data[cut * SIZE :]
            changed = pruned != self.data
            self.data = pruned
            return changed
        self.data = self.data[cut * SIZE : lo * SIZE] + packed + self.data[hi * SIZE :]
        return True

    def points(self, book: Codebook) -> list[TrackPoint]:
        """The kept reports, oldest first (the latest report last)."""
        out = [p for _, p in self._records(book)]
        if self.tail_ms is not None and (not out or epoch_ms(out[-1].observed_at) < self.tail_ms):
            last = self.last(book)
            assert last is not None
            out.append(last)
        return out

    def tagged(self, book: Codebook) -> list[tuple[TrackPoint, Tag]]:
        """The kept reports with their zone tags (the latest report is tagged when it is kept)."""
        return [(p, book.tags[r[6]]) for r, p in self._records(book)]

    def cells(self, cell_deg: float) -> set[tuple[int, int]]:
        """The grid cells of the kept reports and the latest one (see :class:`~tracking.stream.stage.Grid`)."""
        scale, columns = cell_deg * 1e7, round(360.0 / cell_deg)
        out = {(int(r[1] // scale), int(r[2] // scale) % columns) for r in RECORD.iter_unpack(self.data)}
        if self.tail:
            r = RECORD.unpack(self.tail)
            out.add((int(r[1] // scale), int(r[2] // scale) % columns))
        return out

    @classmethod
    def restored(cls, mmsi: int, base_ms: int, records: bytes, latest: TrackPoint, book: Codebook) -> VesselState:
        """A state from its checkpoint (``detection_track``: base and packed records) and the vessel's latest
        report (its ``vessel_state`` row)."""
        if len(records) % SIZE:
            raise ValueError(f"MMSI {mmsi}: checkpoint records are not a whole number of {SIZE}-byte records")
        state = cls(mmsi)
        state.base_ms = base_ms
        state.data = records
        tag = NO_TAG
        if records:
            last = RECORD.unpack_from(records, len(records) - SIZE)
            if base_ms + last[0] == epoch_ms(latest.observed_at):
                tag = book.tags[last[6]]
        latest_ms = epoch_ms(latest.observed_at)
        if not -_REBASE_MS < latest_ms - base_ms < _REBASE_MS:
            state.tail, state.tail_ms = b"", None
            state._rebase(latest_ms, StateLimits(), book)
        state.tail = _encode(latest, tag, state.base_ms, book, latest_ms)
        state.tail_ms = latest_ms
        return state

    def size(self) -> int:
        """Reports held: the kept ones and the latest."""
        return len(self.data) // SIZE + (1 if self.tail else 0)

    def nbytes(self) -> int:
        """Bytes of packed records held (without the Python objects around them)."""
        return len(self.data) + len(self.tail)

    def window(self, start: datetime, end: datetime, book: Codebook) -> TrackWindow:
        """The kept reports as a :class:`TrackWindow` over the evaluation's range (widened to hold them)."""
        pts = tuple(self.points(book))
        first = pts[0].observed_at if pts else start
        last = pts[-1].observed_at if pts else end
        return TrackWindow(self.mmsi, min(start, first), max(end, last), pts)


def build_states(points: Iterable[TrackPoint], limits: StateLimits, book: Codebook) -> dict[int, VesselState]:
    """States from stored reports (a restart rebuilds its state from the committed positions)."""
    states: dict[int, VesselState] = {}
    for p in points:
        state = states.get(p.mmsi)
        if state is None:
            state = states[p.mmsi] = VesselState(p.mmsi)
        state.add(p, limits, book)
    return states
