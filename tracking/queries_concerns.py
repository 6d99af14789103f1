"""Read-side queries of vessels and contacts of concern: the ranked list of flags with their explanation
(rule, severity, score, summary, evidence, parameters) and each flag's version history.

Ranking: most urgent severity first (distress > high > medium > low > info), then score, then the most
recent. :func:`subjects_of_concern` groups the flags per vessel or contact with the risk score of
:mod:`tracking.rules.risk` and its explanation (``seasight concerns``).
These functions return typed records; pages show outside text (ship names, notes) as text only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from seasight.rows import fetch_all_by_name
from tracking.rules.model import Flag, Severity, SubjectKind
from tracking.rules.parameters import effective_rule_version
from tracking.rules.risk import RiskAssessment, RiskParameters, assess_all

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
    def effective_rule_version(self) -> str:
        """The rule version shown: ``2`` at the default thresholds, ``2+<digest>`` when a thresholds file tuned
        the rule's group (:func:`tracking.rules.parameters.effective_rule_version`)."""
        return effective_rule_version(self.rule_version, self.parameters)

    @property
    def subject(self) -> str:
        if self.subject_kind == "vessel":
            return f"{self.vessel_name or '(no name)'} — MMSI {self.mmsi}"
        return f"contact (sighting {self.sighting_id})"


_COLUMNS = """f.id, f.rule_id, f.rule_version, f.subject_kind, f.mmsi, v.name, f.sighting_id::text,
              f.severity,
              f.score, f.window_start, f.window_end, ST_Y(f.geom), ST_X(f.geom), f.summary, f.evidence,
              f.parameters, f.status,
              -- a review's reason is in its flag_version row, readable where the reviewer's state shares it
              CASE WHEN f.status IN ('acknowledged', 'dismissed')
                   THEN (SELECT r.reason FROM flag_version r WHERE r.flag_id = f.id AND r.action = f.status
                          ORDER BY r.version DESC LIMIT 1)
                   ELSE f.status_reason END,
              f.acted_by, f.version, f.raised_at, f.updated_at,
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
    return [r["rule_id"] for r in fetch_all_by_name(conn, "SELECT DISTINCT rule_id FROM flag ORDER BY 1")]


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


# ------------------------------------------------------------------------ per subject, with the risk score


@dataclass(frozen=True, slots=True)
class SubjectOfConcern:
    """One vessel (``kind`` vessel, by MMSI) or contact (``kind`` contact, by sighting) with its current
    flags and the risk score combining them (:func:`tracking.rules.risk.assess_risk`)."""

    kind: str  # "vessel" | "contact"
    mmsi: int | None
    sighting_id: str | None
    name: str | None
    assessment: RiskAssessment
    flags: tuple[Concern, ...]

    @property
    def exercise(self) -> bool:
        """True when every flag of the subject is an exercise flag (migration 0003)."""
        return all(f.exercise for f in self.flags)

    def as_json(self) -> dict[str, Any]:
        """The ``seasight concerns --json`` item (the stable command-line contract: ``kind``, ``mmsi``,
        ``score``, ``flags`` with ``rule``, ``severity``, ``first_seen``, ``last_seen``, ``evidence``)."""
        a = self.assessment
        return {
            "kind": self.kind,
            "mmsi": self.mmsi,
            "sighting_id": self.sighting_id,
            "name": self.name,
            "score": a.score,
            "severity": a.severity.label,
            "distress": a.distress,
            "exercise": self.exercise,
            "explanation": a.explanation,
            "contributions": [
                {"rule": c.rule_id, "weight": c.weight, "flag_score": c.flag_score, "contribution": c.contribution}
                for c in a.contributions
            ],
            "flags": [concern_json(f) for f in self.flags],
        }


def concern_json(f: Concern) -> dict[str, Any]:
    """One flag, JSON-ready (times ISO 8601 UTC)."""
    return {
        "flag_id": f.flag_id,
        "rule": f.rule_id,
        "rule_version": f.rule_version,
        "effective_rule_version": f.effective_rule_version,
        "thresholds": f.parameters.get("thresholds"),
        "severity": f.severity,
        "score": f.score,
        "status": f.status,
        "first_seen": f.window_start.isoformat(),
        "last_seen": f.window_end.isoformat(),
        "lat": f.lat,
        "lon": f.lon,
        "summary": f.summary,
        "evidence": f.evidence,
        "parameters": f.parameters,
        "sighting_id": f.sighting_id,
        "exercise": f.exercise,
        "version": f.version,
    }


def as_rule_flag(c: Concern) -> Flag:
    """A stored flag back as the rules' :class:`Flag` record (for the risk score)."""
    kind = SubjectKind(c.subject_kind)
    return Flag(
        rule_id=c.rule_id,
        rule_version=c.rule_version,
        subject_kind=kind,
        mmsi=c.mmsi,
        sighting_id=c.sighting_id,
        severity=Severity[c.severity.upper()],
        score=min(1.0, max(0.0, float(c.score))),
        window_start=c.window_start,
        window_end=c.window_end,
        lat=c.lat,
        lon=c.lon,
        summary=c.summary,
        evidence=c.evidence,
        parameters=c.parameters,
    )


def subjects_of_concern(
    conn: psycopg.Connection,
    *,
    statuses: tuple[str, ...] = ("open", "acknowledged"),
    include_info: bool = False,
    include_exercise: bool = True,
    risk: RiskParameters | None = None,
    limit: int = 5000,
) -> list[SubjectOfConcern]:
    """Current vessels and contacts of concern: flags in ``statuses`` grouped by subject, each subject
    scored by :func:`tracking.rules.risk.assess_all` (distress first, then by descending score). Subjects
    whose flags are all ``info`` (e.g. a sighting matched to a track, a beacon in test mode) are left out
    unless ``include_info``; exercise flags are marked, and left out when not ``include_exercise``."""
    concerns = ranked_concerns(conn, statuses, limit=limit)
    if not include_exercise:
        concerns = [c for c in concerns if not c.exercise]
    by_subject: dict[str, list[Concern]] = {}
    for c in concerns:
        key = f"vessel:{c.mmsi}" if c.subject_kind == "vessel" else f"contact:{c.sighting_id}"
        by_subject.setdefault(key, []).append(c)
    assessments = assess_all([as_rule_flag(c) for c in concerns], risk or RiskParameters())
    out: list[SubjectOfConcern] = []
    for a in assessments:
        flags = by_subject[a.subject]
        if not include_info and all(f.severity == Severity.INFO.label for f in flags):
            continue
        first = flags[0]
        out.append(
            SubjectOfConcern(
                kind=first.subject_kind,
                mmsi=first.mmsi if first.subject_kind == "vessel" else None,
                sighting_id=first.sighting_id if first.subject_kind == "contact" else None,
                name=first.vessel_name if first.subject_kind == "vessel" else None,
                assessment=a,
                flags=tuple(flags),
            )
        )
    return out
