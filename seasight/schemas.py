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
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from typing import Any, ClassVar, TypeVar

from seasight.errors import SchemaError

T = TypeVar("T", bound="Message")


def utc_iso(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, millisecond precision."""
    if value.tzinfo is None:
        raise SchemaError("naive datetime: every time in Seasight is timezone-aware UTC")
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_utc(value: str, field_name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError) as exc:
        raise SchemaError(f"{field_name}: {value!r} is not an ISO 8601 time") from exc
    if parsed.tzinfo is None:
        raise SchemaError(f"{field_name}: {value!r} has no UTC offset")
    return parsed.astimezone(timezone.utc)


@dataclass(frozen=True, slots=True)
class Message:
    """Base of every topic message: a name, a version and a JSON encoding."""

    SCHEMA: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1
    TIME_FIELDS: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict[str, Any]:
        body = asdict(self)
        for name in self.TIME_FIELDS:
            if body[name] is not None:
                body[name] = utc_iso(body[name])
        return {"schema": self.SCHEMA, "v": self.VERSION, **body}

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False).encode()

    @classmethod
    def from_dict(cls: type[T], raw: dict[str, Any]) -> T:
        if raw.get("schema") != cls.SCHEMA:
            raise SchemaError(f"expected schema {cls.SCHEMA!r}, got {raw.get('schema')!r}")
        if raw.get("v") != cls.VERSION:
            raise SchemaError(f"{cls.SCHEMA}: unsupported version {raw.get('v')!r} (know {cls.VERSION})")
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in raw:
                raise SchemaError(f"{cls.SCHEMA}: missing field {f.name!r}")
            value = raw[f.name]
            if f.name in cls.TIME_FIELDS and value is not None:
                value = parse_utc(value, f.name)
            values[f.name] = value
        message = cls(**values)
        message.validate()
        return message

    @classmethod
    def from_json(cls: type[T], data: bytes | str) -> T:
        try:
            raw = json.loads(data)
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
