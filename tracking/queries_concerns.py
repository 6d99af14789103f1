"""Read-side queries of vessels and contacts of concern: the ranked list of flags with their explanation
(rule, severity, score, summary, evidence, parameters) and each flag's version history.

Ranking: most urgent severity first (distress > high > medium > low > info), then score, then the most
recent. These functions return typed records; pages show outside text (ship names, notes) as text only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

STATUSES: tuple[str, ...] = ("open", "acknowledged", "dismissed", "withdrawn")

_RANK = "CASE f.severity WHEN 'distress' THEN 5 WHEN 'high' THEN 4 WHEN 'medium' THEN 3 WHEN 'low' THEN 2 ELSE 1 END"


@dataclass(frozen=True, slots=True)
class Concern:
    """One flag: a vessel (by MMSI) or a contact (by sighting) of concern, with its provenance."""

    flag_id: int
    rule_id: str
    rule_version: int
    subject_kind: str  # "vessel" | "contact"
    mmsi: int | None
    vessel_name: str | None
    sighting_id: str | None
    severity: str
    score: float
    window_start: datetime
    window_end: datetime
    lat: float | None
    lon: float | None
    summary: str
    evidence: dict[str, Any]
    parameters: dict[str, Any]
    status: str
    status_reason: str | None
    acted_by: str
    version: int
    raised_at: datetime
    updated_at: datetime
    exercise: bool  # an exercise flag (migration 0003) or a contact from an exercise sighting

    @property
    def subject(self) -> str:
        if self.subject_kind == "vessel":
            return f"{self.vessel_name or '(no name)'} — MMSI {self.mmsi}"
        return f"contact (sighting {self.sighting_id})"


_COLUMNS = """f.id, f.rule_id, f.rule_version, f.subject_kind, f.mmsi, v.name, f.sighting_id::text,
              f.severity,
              f.score, f.window_start, f.window_end, ST_Y(f.geom), ST_X(f.geom), f.summary, f.evidence,
              f.parameters, f.status, f.status_reason, f.acted_by, f.version, f.raised_at, f.updated_at,
              (f.is_exercise OR coalesce(s.is_exercise, false))"""


def ranked_concerns(
    conn: psycopg.Connection,
    statuses: tuple[str, ...] = ("open", "acknowledged"),
    rule_ids: tuple[str, ...] = (),
    min_score: float = 0.0,
    limit: int = 500,
) -> list[Concern]:
    """Flags in ``statuses`` ranked by severity, score and recency (see module doc)."""
    bad = set(statuses) - set(STATUSES)
    if bad:
        raise ValueError(f"unknown flag statuses: {sorted(bad)}")
    where = ["f.status = ANY(%s)", "f.score >= %s"]
    params: list[object] = [list(statuses), min_score]
    if rule_ids:
        where.append("f.rule_id = ANY(%s)")
        params.append(list(rule_ids))
    params.append(limit)
    rows = conn.execute(
        f"""SELECT {_COLUMNS}
              FROM flag f
              LEFT JOIN vessel v ON v.mmsi = f.mmsi
              LEFT JOIN sighting s ON s.id = f.sighting_id
             WHERE {" AND ".join(where)}
             ORDER BY {_RANK} DESC, f.score DESC, f.window_end DESC
             LIMIT %s""",
        params,
    ).fetchall()
    return [Concern(*r) for r in rows]


def concern(conn: psycopg.Connection, flag_id: int) -> Concern | None:
    row = conn.execute(
        f"""SELECT {_COLUMNS} FROM flag f LEFT JOIN vessel v ON v.mmsi = f.mmsi
              LEFT JOIN sighting s ON s.id = f.sighting_id WHERE f.id = %s""",
        (flag_id,),
    ).fetchone()
    return None if row is None else Concern(*row)


@dataclass(frozen=True, slots=True)
class FlagVersion:
    version: int
    action: str
    reason: str
    severity: str
    score: float
    summary: str
    recorded_at: datetime
    acted_by: str


def flag_history(conn: psycopg.Connection, flag_id: int) -> list[FlagVersion]:
    """Every version the detector (or a person) recorded for the flag, oldest first (table flag_version)."""
    rows = conn.execute(
        """SELECT version, action, reason, severity, score, summary, recorded_at, acted_by
             FROM flag_version WHERE flag_id = %s ORDER BY version""",
        (flag_id,),
    ).fetchall()
    return [FlagVersion(*r) for r in rows]


def rules_present(conn: psycopg.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT DISTINCT rule_id FROM flag ORDER BY 1").fetchall()]


def concerns_for(
    conn: psycopg.Connection,
    mmsi: int | None = None,
    sighting_id: str | None = None,
    statuses: tuple[str, ...] = ("open", "acknowledged"),
) -> list[Concern]:
    """Flags on one vessel (by MMSI) or one contact (by sighting id), ranked as :func:`ranked_concerns`."""
    if (mmsi is None) == (sighting_id is None):
        raise ValueError("give exactly one of mmsi or sighting_id")
    subject = "f.mmsi = %s" if mmsi is not None else "f.sighting_id = %s::uuid"
    rows = conn.execute(
        f"""SELECT {_COLUMNS} FROM flag f LEFT JOIN vessel v ON v.mmsi = f.mmsi
              LEFT JOIN sighting s ON s.id = f.sighting_id
             WHERE {subject} AND f.status = ANY(%s)
             ORDER BY {_RANK} DESC, f.score DESC, f.window_end DESC""",
        (mmsi if mmsi is not None else sighting_id, list(statuses)),
    ).fetchall()
    return [Concern(*r) for r in rows]


@dataclass(frozen=True, slots=True)
class VesselIdentity:
    mmsi: int
    name: str | None
    imo: int | None
    callsign: str | None
    ship_type: int | None
    flag_state: str | None
    destination: str | None
    length_m: float | None
    ais_class: str | None
    first_seen_at: datetime
    last_report_at: datetime | None
    identity_changes: int


def vessel_identity(conn: psycopg.Connection, mmsi: int) -> VesselIdentity | None:
    """What is known of one vessel: static data, last report and how often its identity changed."""
    row = conn.execute(
        """SELECT v.mmsi, v.name, v.imo, v.callsign, v.ship_type, v.flag_state, v.destination, v.length_m,
                  v.ais_class, v.first_seen_at, vs.observed_at,
                  (SELECT count(*) FROM vessel_identity_change c WHERE c.mmsi = v.mmsi)
             FROM vessel v LEFT JOIN vessel_state vs USING (mmsi) WHERE v.mmsi = %s""",
        (mmsi,),
    ).fetchone()
    return None if row is None else VesselIdentity(*row)
