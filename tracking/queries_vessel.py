"""Read-side query of one vessel (``seasight vessel MMSI``): identity, identity-change history, track
summary and flag history with every version.

* Identity: table ``vessel`` (static and voyage data merged per MMSI, ITU-R M.1371 messages 5, 19, 24;
  flag state from the MMSI's maritime identification digits, ITU-R M.585).
* Identity changes: table ``vessel_identity_change`` (migration 0002), oldest first.
* Track summary: table ``position`` — first and last fix, number of fixes, last position, and the distance
  sailed: the sum of great-circle legs (PostGIS geography, WGS 84 spheroid) between consecutive fixes, in
  nautical miles (1 nm = 1852 m). A spoofed jump counts as sailed: the identity rules flag it apart.
* Flags: table ``flag`` (any status) with their versions from ``flag_version`` (migrations 0030, 0031),
  and the risk score of the flags still open or acknowledged (:mod:`tracking.rules.risk`).

Returns typed records with ``as_json()`` for the command line; no rendering here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row

from seasight.rows import fetch_all_as, fetch_all_by_name, fetch_one_as, fetch_one_by_name
from tracking.queries_concerns import Concern, as_rule_flag, concern_json, concerns_for
from tracking.rules.geo import METRES_PER_NM
from tracking.rules.risk import RiskAssessment, RiskParameters, assess_risk


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


@dataclass(frozen=True, slots=True)
class Identity:
    """Table ``vessel`` (units: metres; ``static_at`` is the observed time of the latest static report)."""

    mmsi: int
    name: str | None
    callsign: str | None
    imo: int | None
    ship_type: int | None
    length_m: float | None
    beam_m: float | None
    draught_m: float | None
    destination: str | None
    eta: str | None
    flag_state: str | None
    ais_class: str | None
    first_seen_at: datetime
    static_at: datetime | None
    last_heard_at: datetime | None = None  # latest message without a position (migration 0090)
    last_heard_msg_type: int | None = None

    def as_json(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self.__slots__}
        out["first_seen_at"] = _iso(self.first_seen_at)
        out["static_at"] = _iso(self.static_at)
        out["last_heard_at"] = _iso(self.last_heard_at)
        return out


@dataclass(frozen=True, slots=True)
class IdentityChange:
    observed_at: datetime
    field: str
    old_value: str | None
    new_value: str | None
    station: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "observed_at": _iso(self.observed_at),
            "field": self.field,
            "old": self.old_value,
            "new": self.new_value,
            "station": self.station,
        }


@dataclass(frozen=True, slots=True)
class Fix:
    observed_at: datetime
    lat: float
    lon: float
    sog_kn: float | None
    cog_deg: float | None
    heading_deg: int | None
    nav_status: int | None
    msg_type: int

    def as_json(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self.__slots__}
        out["observed_at"] = _iso(self.observed_at)
        return out


@dataclass(frozen=True, slots=True)
class TrackSummary:
    fixes: int
    first_fix_at: datetime | None
    last_fix_at: datetime | None
    last_position: Fix | None
    distance_nm: float

    def as_json(self) -> dict[str, Any]:
        return {
            "fixes": self.fixes,
            "first_fix": _iso(self.first_fix_at),
            "last_fix": _iso(self.last_fix_at),
            "last_position": None if self.last_position is None else self.last_position.as_json(),
            "distance_sailed_nm": round(self.distance_nm, 2),
        }


@dataclass(frozen=True, slots=True)
class FlagVersionRow:
    version: int
    action: str
    reason: str
    severity: str
    score: float
    window_start: datetime
    window_end: datetime
    summary: str
    recorded_at: datetime
    acted_by: str
    owner: str

    def as_json(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self.__slots__}
        for name in ("window_start", "window_end", "recorded_at"):
            out[name] = _iso(getattr(self, name))
        return out


@dataclass(frozen=True, slots=True)
class FlagWithHistory:
    flag: Concern
    versions: tuple[FlagVersionRow, ...]

    def as_json(self) -> dict[str, Any]:
        return {**concern_json(self.flag), "versions": [v.as_json() for v in self.versions]}


@dataclass(frozen=True, slots=True)
class VesselReport:
    mmsi: int
    identity: Identity | None
    identity_changes: tuple[IdentityChange, ...]
    track: TrackSummary
    flags: tuple[FlagWithHistory, ...]
    risk: RiskAssessment

    @property
    def known(self) -> bool:
        """Anything at all is stored about this MMSI."""
        return self.identity is not None or self.track.fixes > 0 or bool(self.flags)

    @property
    def last_heard(self) -> tuple[datetime, str] | None:
        """When the station was last heard and by what: its last fix ("position"), its last static report
        ("static report") or its last message without a position ("message N without a position")."""
        heard: list[tuple[datetime, str]] = []
        if self.track.last_fix_at is not None:
            heard.append((self.track.last_fix_at, "position"))
        if self.identity is not None and self.identity.static_at is not None:
            heard.append((self.identity.static_at, "static report"))
        if self.identity is not None and self.identity.last_heard_at is not None:
            heard.append(
                (self.identity.last_heard_at, f"message {self.identity.last_heard_msg_type} without a position")
            )
        return max(heard, key=lambda h: h[0]) if heard else None

    def as_json(self) -> dict[str, Any]:
        return {
            "mmsi": self.mmsi,
            "identity": None if self.identity is None else self.identity.as_json(),
            "identity_changes": [c.as_json() for c in self.identity_changes],
            "track": self.track.as_json(),
            "last_heard": None
            if self.last_heard is None
            else {"at": _iso(self.last_heard[0]), "by": self.last_heard[1]},
            "score": self.risk.score,
            "severity": self.risk.severity.label,
            "explanation": self.risk.explanation,
            "flags": [f.as_json() for f in self.flags],
        }


def track_summary(conn: psycopg.Connection, mmsi: int) -> TrackSummary:
    """First/last fix, count, last position and distance sailed of one MMSI (all stored positions)."""
    row = fetch_one_by_name(
        conn,
        """SELECT count(*) AS fixes, min(observed_at) AS first_fix_at, max(observed_at) AS last_fix_at,
                  coalesce(sum(leg_m), 0) AS distance_m
             FROM (SELECT observed_at,
                          ST_Distance(geom::geography, lag(geom) OVER (ORDER BY observed_at)::geography) AS leg_m
                     FROM position WHERE mmsi = %s) legs""",
        (mmsi,),
    )
    assert row is not None
    with conn.cursor(row_factory=class_row(Fix)) as cur:
        last = cur.execute(
            """SELECT observed_at, ST_Y(geom) AS lat, ST_X(geom) AS lon, sog_kn, cog_deg, heading_deg, nav_status,
                      msg_type
                 FROM position WHERE mmsi = %s ORDER BY observed_at DESC LIMIT 1""",
            (mmsi,),
        ).fetchone()
    return TrackSummary(
        fixes=int(row["fixes"]),
        first_fix_at=row["first_fix_at"],
        last_fix_at=row["last_fix_at"],
        last_position=last,
        distance_nm=float(row["distance_m"]) / METRES_PER_NM,
    )


def vessel_report(conn: psycopg.Connection, mmsi: int, risk: RiskParameters | None = None) -> VesselReport:
    """Everything ``seasight vessel MMSI`` shows (see the module docstring); the risk score combines the
    flags still open or acknowledged."""
    identity = fetch_one_as(
        conn,
        Identity,
        """SELECT mmsi, name, callsign, imo, ship_type, length_m, beam_m, draught_m, destination, eta,
                  flag_state, ais_class, first_seen_at, static_at, last_heard_at, last_heard_msg_type
             FROM vessel WHERE mmsi = %s""",
        (mmsi,),
    )
    changes = fetch_all_as(
        conn,
        IdentityChange,
        """SELECT observed_at, field, old_value, new_value, station FROM vessel_identity_change
            WHERE mmsi = %s ORDER BY observed_at, field""",
        (mmsi,),
    )
    flags = concerns_for(conn, mmsi=mmsi, statuses=("open", "acknowledged", "dismissed", "withdrawn"))
    flags = sorted(flags, key=lambda f: (f.window_start, f.flag_id))
    versions: dict[int, list[FlagVersionRow]] = {f.flag_id: [] for f in flags}
    if flags:
        for r in fetch_all_by_name(
            conn,
            """SELECT flag_id, version, action, reason, severity, score, window_start, window_end, summary,
                      recorded_at, acted_by, owner
                 FROM flag_version WHERE flag_id = ANY(%s) ORDER BY flag_id, version""",
            (list(versions),),
        ):
            flag_id = r.pop("flag_id")
            versions[flag_id].append(FlagVersionRow(**r))
    return VesselReport(
        mmsi=mmsi,
        identity=identity,
        identity_changes=tuple(changes),
        track=track_summary(conn, mmsi),
        flags=tuple(FlagWithHistory(f, tuple(versions[f.flag_id])) for f in flags),
        risk=assess_risk(
            f"vessel:{mmsi}",
            [as_rule_flag(f) for f in flags if f.status in ("open", "acknowledged")],
            risk or RiskParameters(),
        ),
    )
