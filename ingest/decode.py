"""AIS payloads into Seasight's typed records, pyais doing the bit-level decoding. Pure: no I/O, no clock.

ITU-R M.1371-5 messages turned into records:

* 1, 2, 3 (Class A position), 18 (Class B position), 19 (Class B extended), 27 (long-range position),
  9 (SAR aircraft position) → :class:`~seasight.schemas.PositionReport`;
* 5 (static and voyage data), 19 (its static part), 24 part A / part B (Class B static data, merged per
  MMSI by :class:`StaticMerger`) → :class:`~seasight.schemas.StaticVoyageReport`;
* 14 (safety-related broadcast, e.g. an AIS-SART's "SART ACTIVE") →
  :class:`~seasight.schemas.SafetyBroadcast`;
* 4 (base station report), 21 (aid-to-navigation report) → :class:`~seasight.schemas.FixedStationReport`.

Units are normalised: positions in degrees, speed in knots, course and heading in degrees true. The
"not available" codes of each message become ``None``: latitude 91°, longitude 181°, SOG 1023 (102.3 kn;
messages 9 and 27: 1023 kn / 63 kn), COG 3600 (360°; message 27: 511), heading 511, IMO 0, ship type 0,
draught 0, empty text ("@" padding). pyais message attributes are read directly (not ``asdict()``), which
is several times faster.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from pyais.bit_vector import bit_vector
from pyais.messages import MSG_CLASS

from ingest.nmea import LineProblem
from seasight.schemas import FixedStationReport, PositionReport, SafetyBroadcast, StaticVoyageReport

AisRecord = PositionReport | StaticVoyageReport | SafetyBroadcast | FixedStationReport

POSITION_TYPES = frozenset({1, 2, 3, 9, 18, 19, 27})
SUPPORTED_TYPES = frozenset({1, 2, 3, 4, 5, 9, 14, 18, 19, 21, 24, 27})
DEFINED_TYPES = frozenset(range(1, 28))  # ITU-R M.1371-5 defines messages 1..27

# Shortest payload (bits) Seasight accepts per message: the ITU-R M.1371 length, except message 5, sent
# with 420 bits by many transponders (the last two spare bits cut), and message 21 whose name extension
# is optional (272 bits without it), and 14 whose text may be a single character (40 + 6 bits).
MIN_PAYLOAD_BITS: dict[int, int] = {
    1: 168,
    2: 168,
    3: 168,
    4: 168,
    5: 420,
    9: 168,
    14: 46,
    18: 168,
    19: 312,
    21: 272,
    27: 96,
}
MIN_PAYLOAD_BITS_24 = {0: 160, 1: 168}  # part A, part B

_NOT_AVAILABLE_LAT = 91.0
_NOT_AVAILABLE_LON = 181.0


class MessageContext(NamedTuple):
    """Where and when a message was received: feed time (else receive time) and station.
    (A named tuple: built per message, it is several times cheaper than a frozen dataclass.)"""

    observed_at: datetime
    station: str | None
    received_at: datetime


#: Longest payload any message may carry (bits): five slots of ITU-R M.1371-5, 1,008 data bits. (Fixed-length
#: messages are not held to their nominal length: real transponders pad them, e.g. message 27 of 200 and 264
#: bits and message 21 of 368 bits in gpsd's test captures, and refusing those would hide real reports.)
MAX_SLOT_BITS = 1008


def decode_payload(payload: bytes, fill_bits: int) -> Any:
    """The pyais message of a (reassembled) payload, or a :class:`LineProblem` saying why not."""
    try:
        vector = bit_vector(payload, fill_bits)
        if len(vector) < 38:
            return LineProblem("truncated", f"payload has {len(vector)} bits, fewer than a message header")
        msg_type = vector.get(0, 6)
        if len(vector) > MAX_SLOT_BITS:
            return LineProblem(
                "too_long",
                f"message {msg_type} has {len(vector)} bits; five slots of ITU-R M.1371 carry {MAX_SLOT_BITS}",
            )
        if msg_type not in SUPPORTED_TYPES:
            if msg_type in DEFINED_TYPES:
                return LineProblem("unsupported_type", f"message {msg_type} is not turned into a record")
            return LineProblem("unknown_type", f"message number {msg_type} is not defined by ITU-R M.1371")
        if msg_type == 24:
            part = vector.get(38, 2)
            if part not in MIN_PAYLOAD_BITS_24:
                return LineProblem("undecodable_payload", f"message 24 part number {part} (only A=0, B=1)")
            needed = MIN_PAYLOAD_BITS_24[part]
        else:
            needed = MIN_PAYLOAD_BITS[msg_type]
        if len(vector) < needed:
            return LineProblem("truncated", f"message {msg_type} has {len(vector)} bits, needs {needed}")
        return MSG_CLASS[msg_type].from_vector(vector)
    except Exception as exc:  # pyais raises assorted errors for malformed bit strings
        return LineProblem("undecodable_payload", f"pyais: {type(exc).__name__}: {exc}")


def _text(value: object) -> str | None:
    """Six-bit text (ITU-R M.1371 table 47): "@" pads and ends the text, trailing spaces are padding."""
    if not isinstance(value, str):
        return None
    cleaned = value.split("@", 1)[0].strip()
    return cleaned or None


def _position_problem(lat: float | None, lon: float | None) -> LineProblem | None:
    if lat is None or lon is None:
        return LineProblem("truncated", "position fields missing")
    if lat == _NOT_AVAILABLE_LAT or lon == _NOT_AVAILABLE_LON:
        return LineProblem("no_position", "position not available (lat 91 / lon 181)")
    if not -90.0 <= lat <= 90.0:
        return LineProblem("out_of_range", f"latitude {lat} outside ±90°")
    if not -180.0 <= lon <= 180.0:
        return LineProblem("out_of_range", f"longitude {lon} outside ±180°")
    return None


def mmsi_device(mmsi: int) -> str | None:
    """The distress-device class of an MMSI (ITU-R M.585 annex 2): 970 SART, 972 MOB, 974 EPIRB-AIS."""
    prefix = mmsi // 1_000_000
    return {970: "ais_sart", 972: "man_overboard", 974: "epirb_ais"}.get(prefix)


def position_report(msg: Any, ctx: MessageContext) -> PositionReport | LineProblem:
    """ITU-R M.1371 messages 1/2/3, 18, 19, 27 and 9 as a :class:`PositionReport`."""
    msg_type = int(msg.msg_type)
    lat, lon = msg.lat, msg.lon
    problem = _position_problem(lat, lon)
    if problem is not None:
        return problem
    speed = msg.speed
    course = msg.course
    heading: int | None = None
    status: int | None = None
    if msg_type == 27:
        sog = None if speed is None or speed >= 63 else float(speed)  # knots, 63 = not available
        cog = None if course is None or course >= 360 else float(course)  # degrees, 511 = not available
        status = int(msg.status)
    elif msg_type == 9:
        sog = None if speed is None or speed >= 1023 else float(speed)  # knots, 1023 = not available
        cog = None if course is None or course >= 360 else float(course)
        sog = None if sog is not None and sog > 102.2 else sog  # aircraft above 102.2 kn: schema range
    else:
        sog = None if speed is None or speed >= 102.3 else float(speed)  # 0.1 kn, 1023 = not available
        cog = None if course is None or course >= 360 else float(course)  # 0.1°, 3600 = not available
        raw_heading = msg.heading
        heading = int(raw_heading) if raw_heading is not None and raw_heading < 360 else None
        if msg_type <= 3:
            status = int(msg.status)
    return PositionReport(
        mmsi=int(msg.mmsi),
        observed_at=ctx.observed_at,
        lat=float(lat),
        lon=float(lon),
        sog_kn=sog,
        cog_deg=cog,
        heading_deg=heading,
        nav_status=status,
        msg_type=msg_type,
        station=ctx.station,
        received_at=ctx.received_at,
    )


def imo_number(value: object) -> int | None:
    """The IMO number of message 5's 30-bit field, or ``None``. ITU-R M.1371-5 table 52: 0 = not available,
    0001000000-0009999999 = IMO number, 0010000000-1073741823 = an official flag-state number (not an IMO)."""
    if value is None:
        return None
    number = int(value)  # type: ignore[call-overload]
    return number if 1_000_000 <= number <= 9_999_999 else None


def _eta(month: int | None, day: int | None, hour: int | None, minute: int | None) -> str | None:
    if not month or not day or month > 12 or day > 31:
        return None
    if hour is None or minute is None or hour >= 24 or minute >= 60:
        return f"{month:02d}-{day:02d}"
    return f"{month:02d}-{day:02d}T{hour:02d}:{minute:02d}"


def _int_or_none(value: object, not_available: int = 0) -> int | None:
    if value is None:
        return None
    number = int(value)  # type: ignore[call-overload]
    return None if number == not_available else number


@dataclass(frozen=True, slots=True)
class _Part24:
    shipname: str | None = None
    callsign: str | None = None
    ship_type: int | None = None
    dims: tuple[int | None, int | None, int | None, int | None] = (None, None, None, None)


class StaticMerger:
    """Merges message 24 part A (name) and part B (type, call sign, dimensions) per MMSI.

    ``max_vessels`` (count, default 200,000, range 1..10,000,000): MMSIs remembered, least recently
    heard evicted first, so memory stays bounded however many vessels a feed carries.
    """

    def __init__(self, max_vessels: int = 200_000) -> None:
        if not 1 <= max_vessels <= 10_000_000:
            raise ValueError(f"max_vessels={max_vessels} outside 1..10,000,000")
        self.max_vessels = max_vessels
        self._known: OrderedDict[int, _Part24] = OrderedDict()

    def __len__(self) -> int:
        return len(self._known)

    def merge(self, msg: Any) -> _Part24:
        mmsi = int(msg.mmsi)
        known = self._known.pop(mmsi, None) or _Part24()
        if int(msg.partno) == 0:
            merged = _Part24(_text(msg.shipname), known.callsign, known.ship_type, known.dims)
        else:
            dims = (
                _int_or_none(msg.to_bow, -1),
                _int_or_none(msg.to_stern, -1),
                _int_or_none(msg.to_port, -1),
                _int_or_none(msg.to_starboard, -1),
            )
            if mmsi // 10_000_000 == 98:  # auxiliary craft: the dimension bits hold the mother ship's MMSI
                dims = (None, None, None, None)
            merged = _Part24(known.shipname, _text(msg.callsign), _int_or_none(msg.ship_type), dims)
        self._known[mmsi] = merged
        while len(self._known) > self.max_vessels:
            self._known.popitem(last=False)
        return merged


def static_report(msg: Any, ctx: MessageContext, merger: StaticMerger) -> StaticVoyageReport:
    """Messages 5, 19 and 24 as a :class:`StaticVoyageReport`."""
    msg_type = int(msg.msg_type)
    imo: int | None = None
    draught: float | None = None
    destination: str | None = None
    eta: str | None = None
    callsign: str | None = None
    if msg_type == 24:
        part = merger.merge(msg)
        shipname, callsign, ship_type = part.shipname, part.callsign, part.ship_type
        bow, stern, port, starboard = part.dims
    else:
        shipname = _text(msg.shipname)
        ship_type = _int_or_none(msg.ship_type)
        bow, stern, port, starboard = (
            int(msg.to_bow),
            int(msg.to_stern),
            int(msg.to_port),
            int(msg.to_starboard),
        )
        if msg_type == 5:
            imo = imo_number(msg.imo)
            callsign = _text(msg.callsign)
            draught = float(msg.draught) if msg.draught else None  # 0.1 m, 0 = not available
            destination = _text(msg.destination)
            eta = _eta(msg.month, msg.day, msg.hour, msg.minute)
    return StaticVoyageReport(
        mmsi=int(msg.mmsi),
        observed_at=ctx.observed_at,
        msg_type=msg_type,
        imo=imo,
        callsign=callsign,
        shipname=shipname,
        ship_type=ship_type,
        to_bow_m=bow,
        to_stern_m=stern,
        to_port_m=port,
        to_starboard_m=starboard,
        draught_m=draught,
        destination=destination,
        eta=eta,
        station=ctx.station,
        received_at=ctx.received_at,
    )


def _station_time(msg: Any) -> datetime | None:
    """The UTC a base station reports (message 4); ``None`` when any part is "not available"."""
    try:
        if not msg.year or not msg.month or not msg.day or msg.hour > 23 or msg.minute > 59 or msg.second > 59:
            return None
        return datetime(msg.year, msg.month, msg.day, msg.hour, msg.minute, msg.second, tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def fixed_station_report(msg: Any, ctx: MessageContext) -> FixedStationReport | LineProblem:
    """Messages 4 (base station) and 21 (aid to navigation) as a :class:`FixedStationReport`."""
    msg_type = int(msg.msg_type)
    lat: float | None = msg.lat
    lon: float | None = msg.lon
    problem = _position_problem(lat, lon)
    if problem is not None:
        if problem.reason != "no_position":
            return problem
        lat = lon = None
    if msg_type == 4:
        return FixedStationReport(
            mmsi=int(msg.mmsi),
            observed_at=ctx.observed_at,
            msg_type=4,
            kind="base_station",
            lat=lat,
            lon=lon,
            name=None,
            aid_type=None,
            virtual_aid=None,
            off_position=None,
            station_time=_station_time(msg),
            station=ctx.station,
            received_at=ctx.received_at,
        )
    name = (_text(msg.name) or "") + (_text(msg.name_ext) or "")
    return FixedStationReport(
        mmsi=int(msg.mmsi),
        observed_at=ctx.observed_at,
        msg_type=21,
        kind="aid_to_navigation",
        lat=lat,
        lon=lon,
        name=name or None,
        aid_type=int(msg.aid_type),
        virtual_aid=bool(msg.virtual_aid),
        off_position=bool(msg.off_position) if msg.second is not None and msg.second <= 59 else None,
        station_time=None,
        station=ctx.station,
        received_at=ctx.received_at,
    )


def safety_broadcast(msg: Any, ctx: MessageContext, payload_bits: int | None = None) -> SafetyBroadcast:
    """Message 14 as a :class:`SafetyBroadcast`. The text is whole six-bit characters after the 40-bit
    header: a last character cut short by the payload length is not text (pyais pads it with zeros)."""
    mmsi = int(msg.mmsi)
    text = msg.text if isinstance(msg.text, str) else ""
    if payload_bits is not None:
        text = text[: max(0, (payload_bits - 40) // 6)]
    return SafetyBroadcast(
        mmsi=mmsi,
        observed_at=ctx.observed_at,
        msg_type=14,
        text=_text(text) or "",
        device=mmsi_device(mmsi),
        station=ctx.station,
        received_at=ctx.received_at,
    )


def to_records(
    msg: Any, ctx: MessageContext, merger: StaticMerger, payload_bits: int | None = None
) -> list[AisRecord] | LineProblem:
    """The records of one decoded message (message 19 gives a position and a static record).
    ``payload_bits`` is the payload's length in bits (six per character less the fill bits)."""
    try:
        msg_type = int(msg.msg_type)
        if msg_type in POSITION_TYPES:
            position = position_report(msg, ctx)
            if isinstance(position, LineProblem):
                return position
            if msg_type == 19:
                return [position, static_report(msg, ctx, merger)]
            return [position]
        if msg_type in (5, 24):
            return [static_report(msg, ctx, merger)]
        if msg_type == 14:
            return [safety_broadcast(msg, ctx, payload_bits)]
        station = fixed_station_report(msg, ctx)
        return station if isinstance(station, LineProblem) else [station]
    except (TypeError, ValueError, AttributeError) as exc:
        return LineProblem("undecodable_payload", f"{type(exc).__name__}: {exc}")


def decode_json(record: AisRecord) -> dict[str, Any]:
    """The flat JSON object ``seasight decode`` prints for a record (keys of the issue, gpsd-like)."""
    base: dict[str, Any] = {"msg_type": record.msg_type, "mmsi": record.mmsi}
    if isinstance(record, PositionReport):
        base.update(
            lat=record.lat,
            lon=record.lon,
            sog=record.sog_kn,
            cog=record.cog_deg,
            heading=record.heading_deg,
            nav_status=record.nav_status,
        )
    elif isinstance(record, StaticVoyageReport):
        base.update(
            imo=record.imo,
            callsign=record.callsign,
            shipname=record.shipname,
            ship_type=record.ship_type,
            destination=record.destination,
            draught=record.draught_m,
            eta=record.eta,
            to_bow=record.to_bow_m,
            to_stern=record.to_stern_m,
            to_port=record.to_port_m,
            to_starboard=record.to_starboard_m,
        )
    elif isinstance(record, SafetyBroadcast):
        base.update(text=record.text, device=record.device)
    else:
        base.update(lat=record.lat, lon=record.lon, kind=record.kind, name=record.name, aid_type=record.aid_type)
    base["observed_at"] = record.observed_at.isoformat().replace("+00:00", "Z")
    base["station"] = record.station
    return base
