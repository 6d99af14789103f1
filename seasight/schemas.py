"""Message schemas on the Kafka topics, defined once and used by producer and consumer alike.

Every message is a JSON object carrying ``schema`` (its name) and ``v`` (its version). A consumer accepts
the versions it knows and raises :class:`~seasight.errors.SchemaError` for anything else, so the record goes
to the dead-letter topic instead of being half-understood.

Units: latitude/longitude in decimal degrees (WGS 84), speed over ground in knots, course over ground and
heading in degrees true, times as ISO 8601 UTC strings. "Not available" values of ITU-R M.1371 (e.g. SOG
102.3, COG 360, heading 511, lat 91, lon 181) are normalised to ``null`` by ingest before publishing.
"""

from __future__ import annotations

import json
from dataclasses import MISSING, dataclass, fields
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from seasight.errors import SchemaError

T = TypeVar("T", bound="Message")


def utc_iso(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, millisecond precision."""
    if value.tzinfo is UTC:  # the common case, without a conversion (runs per AIS message)
        return value.isoformat(timespec="milliseconds")[:-6] + "Z"
    if value.tzinfo is None:
        raise SchemaError("naive datetime: every time in Seasight is timezone-aware UTC")
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_utc(value: str, field_name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError) as exc:
        raise SchemaError(f"{field_name}: {value!r} is not an ISO 8601 time") from exc
    if parsed.tzinfo is UTC:  # the common case (a "Z" or "+00:00" time), already in UTC
        return parsed
    if parsed.tzinfo is None:
        raise SchemaError(f"{field_name}: {value!r} has no UTC offset")
    return parsed.astimezone(UTC)


#: The wire encoder (compact separators, UTF-8 text kept as is), made once: ``json.dumps`` with options
#: builds a new encoder on every call, and this runs per AIS message.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)

_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_FIELD_SPECS: dict[type, tuple[tuple[str, bool, bool], ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def _field_specs(cls: type[Message]) -> tuple[tuple[str, bool, bool], ...]:
    """Per field of a message class, once: (name, has a default, is a time field). ``dataclasses.fields``
    is not cheap, and reading a record runs per AIS message."""
    specs = _FIELD_SPECS.get(cls)
    if specs is None:
        specs = _FIELD_SPECS[cls] = tuple(
            (f.name, f.default is not MISSING, f.name in cls.TIME_FIELDS) for f in fields(cls)
        )
    return specs


def _utf8_text(data: bytes | str) -> bytes | str:
    """``data`` as ``json.loads`` would read it, decoded here when it is plainly UTF-8 (an object whose
    second byte is not NUL: what ``json.detect_encoding`` would answer) so the per-record encoding guess
    is skipped; anything else is left to ``json.loads`` unchanged."""
    if isinstance(data, bytes) and data[:1] == b"{" and data[1:2] != b"\x00":
        return data.decode("utf-8", "surrogatepass")  # what json.loads does for UTF-8 input
    return data


@dataclass(frozen=True, slots=True)
class Message:
    """Base of every topic message: a name, a version and a JSON encoding."""

    SCHEMA: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1
    TIME_FIELDS: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict[str, Any]:
        # Hand-rolled rather than dataclasses.asdict (which deep-copies): this runs per AIS message.
        body: dict[str, Any] = {"schema": self.SCHEMA, "v": self.VERSION}
        for name in _field_names(type(self)):
            value = getattr(self, name)
            if isinstance(value, datetime):
                value = utc_iso(value)
            elif isinstance(value, tuple):
                value = list(value)
            body[name] = value
        return body

    def to_json(self) -> bytes:
        return _ENCODER.encode(self.to_dict()).encode()

    @classmethod
    def from_dict(cls: type[T], raw: dict[str, Any]) -> T:
        if raw.get("schema") != cls.SCHEMA:
            raise SchemaError(f"expected schema {cls.SCHEMA!r}, got {raw.get('schema')!r}")
        if raw.get("v") != cls.VERSION:
            raise SchemaError(f"{cls.SCHEMA}: unsupported version {raw.get('v')!r} (know {cls.VERSION})")
        values: dict[str, Any] = {}
        for name, has_default, is_time in _field_specs(cls):
            if name not in raw:
                if has_default:  # a field added later with a default: older records lack it
                    continue
                raise SchemaError(f"{cls.SCHEMA}: missing field {name!r}")
            value = raw[name]
            if is_time and value is not None:
                value = parse_utc(value, name)
            values[name] = value
        message = cls(**values)
        message.validate()
        return message

    @classmethod
    def from_json(cls: type[T], data: bytes | str) -> T:
        try:
            raw = json.loads(_utf8_text(data))
        except (TypeError, ValueError) as exc:
            raise SchemaError(f"{cls.SCHEMA}: not JSON ({exc})") from exc
        if not isinstance(raw, dict):
            raise SchemaError(f"{cls.SCHEMA}: expected a JSON object")
        return cls.from_dict(raw)

    def validate(self) -> None:
        """Raise SchemaError naming the first field out of range."""


def _check_range(schema: str, name: str, value: float | None, low: float, high: float) -> None:
    if value is None:
        return
    if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
        raise SchemaError(f"{schema}: {name}={value!r} outside [{low}, {high}]")


@dataclass(frozen=True, slots=True)
class PositionReport(Message):
    """A position report (ITU-R M.1371 messages 1/2/3 Class A, 18/19 Class B, 27 long range, 9 SAR
    aircraft) on ``seasight.ais.position``, keyed by MMSI."""

    SCHEMA: ClassVar[str] = "seasight.ais.position"
    VERSION: ClassVar[int] = 1
    TIME_FIELDS: ClassVar[tuple[str, ...]] = ("observed_at", "received_at")

    mmsi: int
    observed_at: datetime  # time of the fix: the feed's timestamp (tag block / wrapper), else receive time
    lat: float  # degrees, WGS 84
    lon: float  # degrees, WGS 84
    sog_kn: float | None  # speed over ground, knots
    cog_deg: float | None  # course over ground, degrees true [0, 360)
    heading_deg: int | None  # true heading, degrees [0, 359]
    nav_status: int | None  # ITU-R M.1371 navigational status 0..15 (Class A only)
    msg_type: int  # ITU-R M.1371 message number
    station: str | None  # receiving station / feed name
    received_at: datetime  # when Seasight read the line

    def validate(self) -> None:
        # The common record, every field of its usual type and in range, passes in one expression (this runs
        # per AIS message); anything else goes through the checks below, which name the first field wrong.
        sog, cog, heading, status = self.sog_kn, self.cog_deg, self.heading_deg, self.nav_status
        if (
            type(self.mmsi) is int
            and 0 <= self.mmsi <= 999_999_999
            and type(self.lat) is float
            and -90 <= self.lat <= 90
            and type(self.lon) is float
            and -180 <= self.lon <= 180
            and (sog is None or (type(sog) is float and 0 <= sog <= 102.2))
            and (cog is None or (type(cog) is float and 0 <= cog <= 359.99))
            and (heading is None or (type(heading) is int and 0 <= heading <= 359))
            and (status is None or (type(status) is int and 0 <= status <= 15))
            and type(self.msg_type) is int
            and 1 <= self.msg_type <= 27
        ):
            return
        s = self.SCHEMA
        _check_range(s, "mmsi", self.mmsi, 0, 999_999_999)
        if not isinstance(self.mmsi, int):
            raise SchemaError(f"{s}: mmsi must be an integer")
        _check_range(s, "lat", self.lat, -90, 90)
        _check_range(s, "lon", self.lon, -180, 180)
        _check_range(s, "sog_kn", self.sog_kn, 0, 102.2)
        _check_range(s, "cog_deg", self.cog_deg, 0, 359.99)
        _check_range(s, "heading_deg", self.heading_deg, 0, 359)
        _check_range(s, "nav_status", self.nav_status, 0, 15)
        _check_range(s, "msg_type", self.msg_type, 1, 27)


def _check_text(schema: str, name: str, value: object, max_len: int, required: bool = False) -> None:
    if value is None:
        if required:
            raise SchemaError(f"{schema}: {name} is required")
        return
    if not isinstance(value, str):
        raise SchemaError(f"{schema}: {name} must be text, got {type(value).__name__}")
    if len(value) > max_len:
        raise SchemaError(f"{schema}: {name} is longer than {max_len} characters")
    if required and not value.strip():
        raise SchemaError(f"{schema}: {name} must not be empty")


def _check_int(schema: str, name: str, value: object, low: int, high: int) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise SchemaError(f"{schema}: {name} must be an integer, got {value!r}")
    if not low <= value <= high:
        raise SchemaError(f"{schema}: {name}={value!r} outside [{low}, {high}]")


def _check_choice(schema: str, name: str, value: object, choices: frozenset[str]) -> None:
    if value not in choices:
        raise SchemaError(f"{schema}: {name}={value!r} is not one of {', '.join(sorted(choices))}")


@dataclass(frozen=True, slots=True)
class StaticVoyageReport(Message):
    """Static and voyage-related data on ``seasight.ais.static``, keyed by MMSI.

    ITU-R M.1371 message 5 (Class A static and voyage data), message 19 (Class B extended position report,
    its static part) and message 24 part A (name) / part B (type, call sign, dimensions) merged per MMSI:
    a report from one part of 24 carries the latest known values of the other part for the same MMSI.
    Dimensions in metres from the position reference point; draught in metres; ETA as ``MM-DDTHH:MM`` UTC
    (the message carries no year). "Not available" values (IMO 0, ship type 0, empty text, draught 0,
    ETA month 0 / day 0 / hour 24 / minute 60) are ``null``.
    """

    SCHEMA: ClassVar[str] = "seasight.ais.static"
    VERSION: ClassVar[int] = 1
    TIME_FIELDS: ClassVar[tuple[str, ...]] = ("observed_at", "received_at")

    mmsi: int
    observed_at: datetime
    msg_type: int  # 5, 19 or 24
    imo: int | None  # IMO ship identification number (7 digits); flag-state numbers in the field -> null
    callsign: str | None
    shipname: str | None
    ship_type: int | None  # ITU-R M.1371 table 53 code 1..99
    to_bow_m: int | None
    to_stern_m: int | None
    to_port_m: int | None
    to_starboard_m: int | None
    draught_m: float | None
    destination: str | None
    eta: str | None  # "MM-DDTHH:MM" UTC, no year in the message
    station: str | None
    received_at: datetime

    def validate(self) -> None:
        s = self.SCHEMA
        _check_int(s, "mmsi", self.mmsi, 0, 999_999_999)
        _check_int(s, "msg_type", self.msg_type, 5, 24)
        _check_int(s, "imo", self.imo, 1_000_000, 9_999_999)
        _check_int(s, "ship_type", self.ship_type, 1, 255)
        for name in ("to_bow_m", "to_stern_m", "to_port_m", "to_starboard_m"):
            _check_int(s, name, getattr(self, name), 0, 511)
        _check_range(s, "draught_m", self.draught_m, 0, 25.5)
        for name, limit in (("callsign", 7), ("shipname", 20), ("destination", 20), ("eta", 11)):
            _check_text(s, name, getattr(self, name), limit)


@dataclass(frozen=True, slots=True)
class SafetyBroadcast(Message):
    """A safety-related text (ITU-R M.1371 message 14, broadcast, or message 12, addressed to the station
    ``dest_mmsi``) on ``seasight.ais.safety``, keyed by the sender's MMSI.

    ``device`` names the distress device class from the MMSI (ITU-R M.585): 970xxyyyy AIS-SART,
    972xxyyyy man overboard, 974xxyyyy EPIRB-AIS; ``null`` for a ship or shore station. A SART sends
    "SART ACTIVE" when activated and "SART TEST" when tested. ``dest_mmsi`` (added in version 1 with a
    default, so records without it still read) is ``null`` for message 14.
    """

    SCHEMA: ClassVar[str] = "seasight.ais.safety"
    VERSION: ClassVar[int] = 1
    TIME_FIELDS: ClassVar[tuple[str, ...]] = ("observed_at", "received_at")
    DEVICES: ClassVar[frozenset[str]] = frozenset({"ais_sart", "man_overboard", "epirb_ais"})

    mmsi: int
    observed_at: datetime
    msg_type: int  # 14 broadcast, 12 addressed
    text: str
    device: str | None
    station: str | None
    received_at: datetime
    dest_mmsi: int | None = None  # message 12: the station the text is addressed to

    def validate(self) -> None:
        s = self.SCHEMA
        _check_int(s, "mmsi", self.mmsi, 0, 999_999_999)
        if self.msg_type not in (12, 14):
            raise SchemaError(f"{s}: msg_type={self.msg_type!r} is not 12 or 14")
        _check_text(s, "text", self.text, 161)
        _check_int(s, "dest_mmsi", self.dest_mmsi, 0, 999_999_999)
        if self.msg_type == 14 and self.dest_mmsi is not None:
            raise SchemaError(f"{s}: message 14 is a broadcast, dest_mmsi must be null")
        if self.device is not None:
            _check_choice(s, "device", self.device, self.DEVICES)


@dataclass(frozen=True, slots=True)
class HeardReport(Message):
    """A message that shows a station was heard but gives no position, static, safety or fixed-station
    record, on ``seasight.ais.heard``, keyed by MMSI. The tracker refreshes the station's "last heard"
    from it and never moves a vessel.

    What it covers (ITU-R M.1371-5): position reports (1/2/3, 9, 18, 19, 27) whose position is "not
    available" (lat 91° / lon 181°), and messages 6 (binary addressed), 7 and 13 (acknowledgements), 8
    (binary broadcast), 10 and 11 (UTC/date inquiry and response), 15 (interrogation), 16 (assigned mode),
    17 (DGNSS broadcast), 20 (data link management), 22 (channel management), 23 (group assignment), 25
    and 26 (single/multiple slot binary). ``dac`` (designated area code, 10 bits) and ``fi`` (function
    identifier, 6 bits) name a binary message's application (6 and 8; 25 and 26 when structured).
    ``fields`` are the message's decoded fields as ``seasight decode`` prints them (pyais names, "not
    available" codes as ``null``, positions in degrees, binary data as hex).
    """

    SCHEMA: ClassVar[str] = "seasight.ais.heard"
    VERSION: ClassVar[int] = 1
    TIME_FIELDS: ClassVar[tuple[str, ...]] = ("observed_at", "received_at")

    mmsi: int
    observed_at: datetime
    msg_type: int  # ITU-R M.1371 message number
    dac: int | None
    fi: int | None
    fields: dict[str, Any]
    station: str | None
    received_at: datetime

    def validate(self) -> None:
        s = self.SCHEMA
        _check_int(s, "mmsi", self.mmsi, 0, 999_999_999)
        _check_int(s, "msg_type", self.msg_type, 1, 27)
        _check_int(s, "dac", self.dac, 0, 1023)
        _check_int(s, "fi", self.fi, 0, 63)
        if not isinstance(self.fields, dict):
            raise SchemaError(f"{s}: fields must be an object")


@dataclass(frozen=True, slots=True)
class FixedStationReport(Message):
    """A base station report (ITU-R M.1371 message 4) or aid-to-navigation report (message 21) on
    ``seasight.ais.fixed``, keyed by MMSI. Latitude/longitude in degrees (``null`` when not available);
    ``station_time`` is the UTC a base station reports (message 4), ``null`` when not available."""

    SCHEMA: ClassVar[str] = "seasight.ais.fixed"
    VERSION: ClassVar[int] = 1
    TIME_FIELDS: ClassVar[tuple[str, ...]] = ("observed_at", "station_time", "received_at")
    KINDS: ClassVar[frozenset[str]] = frozenset({"base_station", "aid_to_navigation"})

    mmsi: int
    observed_at: datetime
    msg_type: int  # 4 or 21
    kind: str  # base_station | aid_to_navigation
    lat: float | None
    lon: float | None
    name: str | None  # aid-to-navigation name (message 21, with its extension)
    aid_type: int | None  # ITU-R M.1371 table 74 code (message 21)
    virtual_aid: bool | None
    off_position: bool | None
    station_time: datetime | None
    station: str | None
    received_at: datetime

    def validate(self) -> None:
        s = self.SCHEMA
        _check_int(s, "mmsi", self.mmsi, 0, 999_999_999)
        _check_choice(s, "kind", self.kind, self.KINDS)
        _check_range(s, "lat", self.lat, -90, 90)
        _check_range(s, "lon", self.lon, -180, 180)
        _check_int(s, "aid_type", self.aid_type, 0, 31)
        _check_text(s, "name", self.name, 34)


@dataclass(frozen=True, slots=True)
class RejectedInput(Message):
    """A line (or group of fragment lines) that could not become a record, on ``seasight.rejected``,
    keyed by feed. ``reason`` is one of :attr:`REASONS`; ``detail`` says what exactly was wrong."""

    SCHEMA: ClassVar[str] = "seasight.rejected"
    VERSION: ClassVar[int] = 1
    TIME_FIELDS: ClassVar[tuple[str, ...]] = ("received_at",)
    REASONS: ClassVar[frozenset[str]] = frozenset(
        {
            "checksum",  # NMEA 0183 / tag-block checksum does not match
            "truncated",  # sentence or payload shorter than its message needs
            "malformed",  # not a well-formed sentence (fields, fill bits, characters)
            "orphan_fragment",  # a multi-sentence fragment whose other parts never came (TTL or bound)
            "unknown_type",  # a message number ITU-R M.1371 does not define
            "unsupported_type",  # (no longer given: every defined message is a record; kept for old records)
            "undecodable_payload",  # payload characters or structure pyais cannot decode
            "out_of_range",  # a value outside its ITU-R M.1371 range (e.g. latitude 95)
            "no_position",  # a CSV history row without a position (AIS: lat 91 / lon 181 is a HeardReport)
            "not_ais",  # another NMEA sentence or text that is not AIS
            "invalid_record",  # a CSV/sighting record with a bad field
            "too_long",  # a line, sentence, tag block or payload longer than its standard allows
        }
    )

    feed: str
    station: str | None
    reason: str
    detail: str
    raw: str
    received_at: datetime

    def validate(self) -> None:
        _check_choice(self.SCHEMA, "reason", self.reason, self.REASONS)


SOURCE_TYPES = frozenset(
    {"aircraft", "vessel", "coastal_radar", "fisher", "ngo_hotline", "satellite_sar", "satellite_optical", "other"}
)
SIGHTING_CONDITIONS = frozenset(
    {
        "overcrowded",
        "taking_water",
        "engine_failure",
        "adrift",
        "no_life_jackets",
        "persons_in_water",
        "medical_emergency",
        "deaths_reported",
    }
)
AIS_SEEN = frozenset({"yes", "no", "unknown"})
CONFIDENCE_LEVELS = frozenset({"low", "medium", "high"})


@dataclass(frozen=True, slots=True)
class Sighting(Message):
    """A report of a craft seen by eye, radar or satellite (often a boat with no AIS), on
    ``seasight.sighting``, keyed by ``id``. Matches the ``sighting`` table of migration 0001.

    Position in degrees WGS 84 with its uncertainty radius in nautical miles; course in degrees true,
    speed in knots. ``owner`` is the reporting state (ISO 3166 alpha-3) or organisation id; ``acted_by``
    the person or system that entered it.
    """

    SCHEMA: ClassVar[str] = "seasight.sighting"
    VERSION: ClassVar[int] = 1
    TIME_FIELDS: ClassVar[tuple[str, ...]] = ("observed_at", "received_at")

    id: str  # UUID
    observed_at: datetime
    lat: float
    lon: float
    uncertainty_nm: float
    source_type: str
    craft_type: str
    persons_estimated: int | None
    conditions: tuple[str, ...]
    course_deg: float | None
    speed_kn: float | None
    ais_seen: str
    confidence: str
    note: str | None
    is_exercise: bool
    owner: str
    acted_by: str
    received_at: datetime

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Sighting:
        conditions = raw.get("conditions")
        if isinstance(conditions, list):
            raw = {**raw, "conditions": tuple(conditions)}
        return super(Sighting, cls).from_dict.__func__(cls, raw)  # type: ignore[attr-defined,no-any-return]

    def validate(self) -> None:
        s = self.SCHEMA
        import uuid

        try:
            uuid.UUID(str(self.id))
        except ValueError as exc:
            raise SchemaError(f"{s}: id={self.id!r} is not a UUID") from exc
        _check_range(s, "lat", self.lat, -90, 90)
        _check_range(s, "lon", self.lon, -180, 180)
        _check_range(s, "uncertainty_nm", self.uncertainty_nm, 0, 500)
        _check_choice(s, "source_type", self.source_type, SOURCE_TYPES)
        _check_text(s, "craft_type", self.craft_type, 60, required=True)
        _check_int(s, "persons_estimated", self.persons_estimated, 0, 100_000)
        if not isinstance(self.conditions, tuple):
            raise SchemaError(f"{s}: conditions must be a list")
        for condition in self.conditions:
            _check_choice(s, "conditions", condition, SIGHTING_CONDITIONS)
        if self.course_deg is not None:
            _check_range(s, "course_deg", self.course_deg, 0, 359.999)
        _check_range(s, "speed_kn", self.speed_kn, 0, 60)
        _check_choice(s, "ais_seen", self.ais_seen, AIS_SEEN)
        _check_choice(s, "confidence", self.confidence, CONFIDENCE_LEVELS)
        _check_text(s, "note", self.note, 4000)
        if not isinstance(self.is_exercise, bool):
            raise SchemaError(f"{s}: is_exercise must be true or false")
        _check_text(s, "owner", self.owner, 64, required=True)
        _check_text(s, "acted_by", self.acted_by, 128, required=True)


@dataclass(frozen=True, slots=True)
class FeedHealth(Message):
    """A snapshot of one feed's data-quality ledger on ``seasight.feed.health``, keyed by feed.

    Counts are cumulative since the feed was opened (``opened_at``); rates are over the whole period.
    ``lines_in = lines_decoded + lines_rejected + lines_metadata`` always holds (metadata: Gatehouse
    ``$PGHP`` wrappers, blank lines and ``#`` comments). Latency is publish time minus the feed's own
    timestamp (tag block ``c:``, ``$PGHP`` or trailing time), in seconds, over the last samples kept.
    """

    SCHEMA: ClassVar[str] = "seasight.feed.health"
    VERSION: ClassVar[int] = 1
    TIME_FIELDS: ClassVar[tuple[str, ...]] = ("opened_at", "as_of")

    feed: str
    station: str | None
    opened_at: datetime
    as_of: datetime
    lines_in: int
    lines_decoded: int
    lines_rejected: int
    lines_metadata: int
    messages_decoded: int
    messages_published: int
    rejects_by_reason: dict[str, int]
    messages_per_s: float
    out_of_order_share: float  # share of timed messages older than the newest already seen, 0..1
    latency_p50_s: float | None
    latency_p95_s: float | None
    latency_max_s: float | None
    pending_fragments: int

    def validate(self) -> None:
        s = self.SCHEMA
        _check_text(s, "feed", self.feed, 200, required=True)
        for name in (
            "lines_in",
            "lines_decoded",
            "lines_rejected",
            "lines_metadata",
            "messages_decoded",
            "messages_published",
            "pending_fragments",
        ):
            _check_int(s, name, getattr(self, name), 0, 2**62)
        _check_range(s, "out_of_order_share", self.out_of_order_share, 0, 1)
        if not isinstance(self.rejects_by_reason, dict):
            raise SchemaError(f"{s}: rejects_by_reason must be an object")


FLAG_ACTIONS = frozenset({"raised", "updated", "withdrawn", "reraised"})


@dataclass(frozen=True, slots=True)
class FlagEvent(Message):
    """A change to a flag of concern on ``seasight.flag``, keyed by subject (``vessel:MMSI`` or
    ``contact:SIGHTING_ID``), published only after the detector's database transaction has committed.

    ``version`` is the flag's version in ``flag_version``; a consumer that has seen a higher version of the
    same ``flag_id`` ignores a lower one. Position in degrees (``null`` when the rule has none), score in
    [0, 1]. A withdrawal carries the flag's last known content with ``action`` "withdrawn".
    """

    SCHEMA: ClassVar[str] = "seasight.flag"
    VERSION: ClassVar[int] = 1
    TIME_FIELDS: ClassVar[tuple[str, ...]] = ("window_start", "window_end", "published_at")

    flag_id: int
    version: int
    action: str
    rule_id: str
    rule_version: int
    subject: str
    severity: str
    score: float
    window_start: datetime
    window_end: datetime
    lat: float | None
    lon: float | None
    summary: str
    published_at: datetime

    def validate(self) -> None:
        s = self.SCHEMA
        _check_int(s, "flag_id", self.flag_id, 1, 2**63 - 1)
        _check_int(s, "version", self.version, 1, 2**31 - 1)
        _check_choice(s, "action", self.action, FLAG_ACTIONS)
        _check_choice(s, "severity", self.severity, frozenset({"info", "low", "medium", "high", "distress"}))
        _check_range(s, "score", self.score, 0, 1)
        _check_range(s, "lat", self.lat, -90, 90)
        _check_range(s, "lon", self.lon, -180, 180)
        _check_text(s, "subject", self.subject, 80, required=True)
