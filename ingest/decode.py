"""AIS payloads into Seasight's typed records, pyais doing the bit-level decoding. Pure: no I/O, no clock.

ITU-R M.1371-5 messages turned into records:

* 1, 2, 3 (Class A position), 18 (Class B position), 19 (Class B extended), 27 (long-range position),
  9 (SAR aircraft position) → :class:`~seasight.schemas.PositionReport`;
* 5 (static and voyage data), 19 (its static part), 24 part A / part B (Class B static data, merged per
  MMSI by :class:`StaticMerger`) → :class:`~seasight.schemas.StaticVoyageReport`;
* 14 (safety-related broadcast, e.g. an AIS-SART's "SART ACTIVE") →
  :class:`~seasight.schemas.SafetyBroadcast`;
* 4 (base station report), 21 (aid-to-navigation report) → :class:`~seasight.schemas.FixedStationReport`;
* 12 (addressed safety-related message) → :class:`~seasight.schemas.SafetyBroadcast` with ``dest_mmsi``;
* every other message (6 binary addressed, 7/13 acknowledgements, 8 binary broadcast, 10/11 UTC/date
  inquiry and response, 15 interrogation, 16 assigned mode command, 17 DGNSS broadcast, 20 data link
  management, 22 channel management, 23 group assignment, 25/26 single/multiple slot binary), and a
  position report whose position is "not available" (lat 91° / lon 181°) →
  :class:`~seasight.schemas.HeardReport`: the station was heard, nothing moves. Its ``fields`` are what
  pyais decodes (:func:`heard_fields`), with the DAC/FI of binary messages and, where pyais knows the
  application (e.g. DAC 1 FI 31 meteorological and hydrographic data), the application's fields.

Units are normalised: positions in degrees, speed in knots, course and heading in degrees true. The
"not available" codes of each message become ``None``: latitude 91°, longitude 181°, SOG 1023 (102.3 kn;
messages 9 and 27: 1023 kn / 63 kn), COG 3600 (360°; message 27: 511), heading 511, IMO 0, ship type 0,
draught 0, empty text ("@" padding). pyais message attributes are read directly (not ``asdict()``), which
is several times faster.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from pyais.bit_vector import bit_vector
from pyais.messages import MSG_CLASS, MessageType6Default, MessageType8Default

from ingest.nmea import LineProblem
from seasight.schemas import FixedStationReport, HeardReport, PositionReport, SafetyBroadcast, StaticVoyageReport

AisRecord = PositionReport | StaticVoyageReport | SafetyBroadcast | FixedStationReport | HeardReport

POSITION_TYPES = frozenset({1, 2, 3, 9, 18, 19, 27})
DEFINED_TYPES = frozenset(range(1, 28))  # ITU-R M.1371-5 defines messages 1..27
SUPPORTED_TYPES = DEFINED_TYPES  # every defined message becomes a record (pyais decodes all of them)

#: What each message is (ITU-R M.1371-5 titles), printed by ``seasight decode`` for the heard-only ones.
MESSAGE_NAMES: dict[int, str] = {
    1: "position report (Class A)",
    2: "position report (Class A, assigned schedule)",
    3: "position report (Class A, response to interrogation)",
    4: "base station report",
    5: "static and voyage related data",
    6: "binary addressed message",
    7: "binary acknowledge",
    8: "binary broadcast message",
    9: "standard SAR aircraft position report",
    10: "UTC and date inquiry",
    11: "UTC and date response",
    12: "addressed safety related message",
    13: "safety related acknowledgement",
    14: "safety related broadcast message",
    15: "interrogation",
    16: "assigned mode command",
    17: "DGNSS broadcast binary message",
    18: "standard Class B position report",
    19: "extended Class B position report",
    20: "data link management message",
    21: "aid-to-navigation report",
    22: "channel management",
    23: "group assignment command",
    24: "static data report (Class B)",
    25: "single slot binary message",
    26: "multiple slot binary message with communications state",
    27: "position report for long-range applications",
}

# Shortest payload (bits) Seasight accepts per message: the ITU-R M.1371 length, except message 5, sent
# with 420 bits by many transponders (the last two spare bits cut), and message 21 whose name extension
# is optional (272 bits without it), and 14 whose text may be a single character (40 + 6 bits). For the
# variable-length messages, the fields up to the first variable one: 6 up to its DAC/FI (88), 8 up to its
# DAC/FI (56), 12 up to its text (72), 7/13 one acknowledged station (72), 10 the destination (72), 15 one
# interrogation (88), 16 one assignment (96), 17 the reference station position (80), 20 one slot
# reservation (72), 25 the header and its two flags (40), 26 that and the communication state (60).
MIN_PAYLOAD_BITS: dict[int, int] = {
    1: 168,
    2: 168,
    3: 168,
    4: 168,
    5: 420,
    6: 88,
    7: 72,
    8: 56,
    9: 168,
    10: 72,
    11: 168,
    12: 72,
    13: 72,
    14: 46,
    15: 88,
    16: 96,
    17: 80,
    18: 168,
    19: 312,
    20: 72,
    21: 272,
    22: 168,
    23: 160,
    25: 40,
    26: 60,
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
        if msg_type not in DEFINED_TYPES:
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
        try:
            return MSG_CLASS[msg_type].from_vector(vector)
        except Exception:
            # An application pyais knows (by DAC/FI) whose data does not fit it: the message is still a
            # binary message from that station, kept with its data undecoded.
            if msg_type == 6:
                return MessageType6Default.from_vector(vector)
            if msg_type == 8:
                return MessageType8Default.from_vector(vector)
            raise
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
    lat, lon = msg.lat, msg.lon
    problem = _position_problem(lat, lon)
    if problem is not None:
        return problem
    sog, cog, heading, status = _motion(msg)
    return PositionReport(
        mmsi=int(msg.mmsi),
        observed_at=ctx.observed_at,
        lat=float(lat),
        lon=float(lon),
        sog_kn=sog,
        cog_deg=cog,
        heading_deg=heading,
        nav_status=status,
        msg_type=int(msg.msg_type),
        station=ctx.station,
        received_at=ctx.received_at,
    )


def _motion(msg: Any) -> tuple[float | None, float | None, int | None, int | None]:
    """SOG (kn), COG (degrees true), true heading (degrees) and navigational status of a position report
    (messages 1/2/3, 9, 18, 19, 27), each ``None`` when "not available" or not in the message."""
    msg_type = int(msg.msg_type)
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
    return sog, cog, heading, status


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
    """Message 14 (broadcast) or 12 (addressed) as a :class:`SafetyBroadcast`. The text is whole six-bit
    characters after the header (40 bits for 14, 72 for 12): a last character cut short by the payload
    length is not text (pyais pads it with zeros)."""
    mmsi = int(msg.mmsi)
    msg_type = int(msg.msg_type)
    text = msg.text if isinstance(msg.text, str) else ""
    if payload_bits is not None:
        text = text[: max(0, (payload_bits - (72 if msg_type == 12 else 40)) // 6)]
    return SafetyBroadcast(
        mmsi=mmsi,
        observed_at=ctx.observed_at,
        msg_type=msg_type,
        text=_text(text) or "",
        device=mmsi_device(mmsi),
        station=ctx.station,
        received_at=ctx.received_at,
        dest_mmsi=int(msg.dest_mmsi) if msg_type == 12 else None,
    )


#: Fields of messages 17, 22 and 23 that pyais gives in minutes of arc (the message sends 1/10 minute):
#: printed in degrees like every other position.
_MINUTE_FIELDS = frozenset({"lon", "lat", "ne_lon", "ne_lat", "sw_lon", "sw_lat"})
_IN_MINUTES = frozenset({17, 22, 23})
_BASE_KEYS = frozenset({"msg_type", "mmsi"})
_BINARY_KEYS = frozenset({"dac", "fid"})


def _signed_tenth_minutes(minutes: float, bits: int) -> float:
    """Message 17's reference position (minutes) read as the two's-complement field ITU-R M.1371-5 sends
    (18-bit longitude, 17-bit latitude, 1/10 minute): pyais 3.3 reads these two as unsigned, which puts a
    southern or western station at e.g. latitude 173.8°; gpsd reads them signed."""
    raw = round(minutes * 10)
    if raw >= 1 << (bits - 1):
        raw -= 1 << bits
    return raw / 10.0


def _json_value(value: object) -> object:
    """A pyais field value as JSON: enums as their number, bytes as hex, non-finite numbers as null."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        return _text(value)
    return value


def binary_application(msg: Any) -> tuple[int | None, int | None, bool | None]:
    """(DAC, FI, decoded) of a binary message: 6 and 8 carry them as fields; 25 and 26, when structured,
    in their 16-bit application identifier (DAC = upper 10 bits, FI = lower 6). ``decoded`` says whether
    pyais knew the application and decoded its fields (``None`` for a message that is not binary)."""
    msg_type = int(msg.msg_type)
    if msg_type in (6, 8):
        default = MessageType6Default if msg_type == 6 else MessageType8Default
        return int(msg.dac), int(msg.fid), not isinstance(msg, default)
    if msg_type in (25, 26):
        if getattr(msg, "structured", False) and getattr(msg, "app_id", None) is not None:
            app_id = int(msg.app_id)
            return app_id >> 6, app_id & 0x3F, False
        return None, None, False
    return None, None, None


def _message26_data(msg: Any, payload_bits: int) -> dict[str, Any]:
    """Message 26's ``data`` and ``app_id`` read as gpsd reads them. The binary data starts after the
    header (40 bits), the destination (30 bits) when addressed and the application identifier (16 bits)
    when structured; the last 20 bits are the communication state (selector flag and 19-bit state), not
    data. pyais 3.3 keeps those 20 bits in ``data`` and, for unstructured data, reads its first 16 bits as
    an application identifier: both are undone here."""
    app_id = getattr(msg, "app_id", None)
    bits = "".join(f"{b:08b}" for b in (msg.data or b""))
    if not msg.structured and app_id is not None:
        bits = f"{int(app_id):016b}" + bits
    start = 40 + (30 if msg.addressed else 0) + (16 if msg.structured else 0)
    bits = bits[: max(0, payload_bits - start - 20)]
    padded = bits + "0" * (-len(bits) % 8)
    data = bytes(int(padded[i : i + 8], 2) for i in range(0, len(padded), 8))
    return {"data": data.hex(), "app_id": int(app_id) if msg.structured and app_id is not None else None}


def heard_fields(msg: Any) -> dict[str, Any]:
    """The decoded fields of a message kept as a :class:`HeardReport` (pyais names, without ``msg_type``
    and ``mmsi``): "not available" positions (91° / 181°) are ``null``, the 1/10-minute positions of 17,
    22 and 23 are in degrees (6 decimals), six-bit text ends at "@", binary data is hex (padded with zero
    bits to whole bytes). Fields of binary applications are pyais's, in the units pyais gives."""
    msg_type = int(msg.msg_type)
    skip = _BASE_KEYS | _BINARY_KEYS if msg_type in (6, 8) else _BASE_KEYS  # DAC/FI: HeardReport.dac/.fi
    out: dict[str, Any] = {}
    for name, value in msg.asdict(enum_as_int=True).items():
        if name in skip:
            continue
        converted = _json_value(value)
        if msg_type in _IN_MINUTES and name in _MINUTE_FIELDS and isinstance(converted, int | float):
            if msg_type == 17:
                converted = _signed_tenth_minutes(float(converted), 18 if name == "lon" else 17)
            converted = round(float(converted) / 60.0, 6)
        out[name] = converted
    if msg_type in POSITION_TYPES:
        out["lat"] = None if out.get("lat") == _NOT_AVAILABLE_LAT else out.get("lat")
        out["lon"] = None if out.get("lon") == _NOT_AVAILABLE_LON else out.get("lon")
    return out


def heard_report(msg: Any, ctx: MessageContext, payload_bits: int | None = None) -> HeardReport:
    """Any message without a record of its own (see the module docstring) as a :class:`HeardReport`.
    ``payload_bits``: the payload's length, by which an acknowledgement (7, 13) carries 1 to 4 stations of
    32 bits each after its 40-bit header; a station cut short by the payload's end is ``null`` (pyais
    reads what bits there are as a number)."""
    dac, fi, decoded = binary_application(msg)
    fields = heard_fields(msg)
    if int(msg.msg_type) in (7, 13) and payload_bits is not None:
        for n in range(max(0, (payload_bits - 40) // 32) + 1, 5):
            fields[f"mmsi{n}"] = fields[f"mmsiseq{n}"] = None
    if int(msg.msg_type) == 26 and payload_bits is not None:
        fields.update(_message26_data(msg, payload_bits))
    if decoded is not None:
        fields["data_decoded"] = decoded
    if int(msg.msg_type) in POSITION_TYPES:  # pyais's raw speed, course and status, normalised
        for raw in ("speed", "course", "status"):
            fields.pop(raw, None)
        fields.update(_position_fields(msg))
    return HeardReport(
        mmsi=int(msg.mmsi),
        observed_at=ctx.observed_at,
        msg_type=int(msg.msg_type),
        dac=dac,
        fi=fi,
        fields=fields,
        station=ctx.station,
        received_at=ctx.received_at,
    )


def _position_fields(msg: Any) -> dict[str, Any]:
    """SOG, COG, heading and navigational status of a position report without a position, with the "not
    available" codes as ``null`` and the names of :func:`decode_json`'s position records."""
    sog, cog, heading, status = _motion(msg)
    return {"sog": sog, "cog": cog, "heading": heading, "nav_status": status}


def to_records(
    msg: Any, ctx: MessageContext, merger: StaticMerger, payload_bits: int | None = None
) -> list[AisRecord] | LineProblem:
    """The records of one decoded message (message 19 gives a position and a static record).
    ``payload_bits`` is the payload's length in bits (six per character less the fill bits)."""
    try:
        msg_type = int(msg.msg_type)
        if msg_type in POSITION_TYPES:
            position: PositionReport | HeardReport | LineProblem = position_report(msg, ctx)
            if isinstance(position, LineProblem):
                if position.reason != "no_position":
                    return position
                position = heard_report(msg, ctx, payload_bits)  # heard, but nothing to move the vessel to
            if msg_type == 19:
                return [position, static_report(msg, ctx, merger)]
            return [position]
        if msg_type in (5, 24):
            return [static_report(msg, ctx, merger)]
        if msg_type in (12, 14):
            return [safety_broadcast(msg, ctx, payload_bits)]
        if msg_type in (4, 21):
            station = fixed_station_report(msg, ctx)
            return station if isinstance(station, LineProblem) else [station]
        return [heard_report(msg, ctx, payload_bits)]
    except (TypeError, ValueError, AttributeError) as exc:
        return LineProblem("undecodable_payload", f"{type(exc).__name__}: {exc}")


def decode_json(record: AisRecord) -> dict[str, Any]:
    """The flat JSON object ``seasight decode`` prints for a record (keys of the issue, gpsd-like):
    ``msg_type``, ``mmsi``, ``record`` (position, static, safety, fixed or heard), the record's fields, and
    for a heard-only message its ``message`` name, ``dac``/``fi`` when binary, and every field pyais
    decodes (:func:`heard_fields`)."""
    base: dict[str, Any] = {"msg_type": record.msg_type, "mmsi": record.mmsi, "record": _RECORD_NAMES[type(record)]}
    if isinstance(record, HeardReport):
        base["message"] = MESSAGE_NAMES[record.msg_type]
        if record.dac is not None:
            base.update(dac=record.dac, fi=record.fi)
        base.update(record.fields)
    elif isinstance(record, PositionReport):
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
        if record.msg_type == 12:
            base["dest_mmsi"] = record.dest_mmsi
    else:
        base.update(lat=record.lat, lon=record.lon, kind=record.kind, name=record.name, aid_type=record.aid_type)
    base["observed_at"] = record.observed_at.isoformat().replace("+00:00", "Z")
    base["station"] = record.station
    return base


_RECORD_NAMES: dict[type, str] = {
    PositionReport: "position",
    StaticVoyageReport: "static",
    SafetyBroadcast: "safety",
    FixedStationReport: "fixed",
    HeardReport: "heard",
}
