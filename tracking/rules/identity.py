"""Rule 5 — identity and spoofing.

* ``impossible_speed``: consecutive fixes of one MMSI further apart than any vessel could travel (speed
  implied between fixes above 50 kn — design reference numbers), ignoring SAR aircraft (message 9). Every
  impossible jump is **medium** (``docs/severity.md``): whether a bad fix, a second transmitter or a spoofed
  position, the picture shows the vessel where it is not, and a 300 nm jump in 10 minutes is no rounding
  error; the score grows with the implied speed and two or more jumps in one window say so in the summary.
* ``two_places``: the fixes of one MMSI alternate between two places, each jump impossible while every
  other fix is consistent — two transmitters share the MMSI, or one is spoofing it.
* ``invalid_mmsi``: a vessel reports with an MMSI no ITU-R M.585-9 ship format allows (unallocated MID,
  placeholder such as 123456789, coast or group identity).
* ``identity_change``: name, call sign or IMO number changed within the window (ITU-R M.1371 messages
  5 / 24 / 19).
* ``flag_change``: one IMO number reported under MMSIs of different flag states (MIDs).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tracking.rules.geo import distance_nm
from tracking.rules.mmsi import DISTRESS_DEVICES, StationKind, classify_mmsi
from tracking.rules.model import (
    CLASS_B_MESSAGES,
    SAR_AIRCRAFT_MESSAGE,
    Flag,
    IdentityReport,
    Severity,
    SubjectKind,
    TrackPoint,
    TrackWindow,
    hours_between,
)
from tracking.rules.parameters import RuleParameters, threshold

IMPOSSIBLE_SPEED_ID = "impossible_speed"
TWO_PLACES_ID = "two_places"
INVALID_MMSI_ID = "invalid_mmsi"
IDENTITY_CHANGE_ID = "identity_change"
FLAG_CHANGE_ID = "flag_change"
RULE_VERSION = 2  # 2: an impossible jump is at least medium

#: Message numbers a vessel (not a base station or aid to navigation) sends its position in.
VESSEL_POSITION_MESSAGES = frozenset({1, 2, 3, 27}) | CLASS_B_MESSAGES
#: Station kinds that may legitimately send vessel position reports.
VESSEL_KINDS = frozenset({StationKind.SHIP, StationKind.HANDHELD, StationKind.CRAFT_OF_PARENT}) | DISTRESS_DEVICES


@dataclass(frozen=True, slots=True)
class SpoofingParameters(RuleParameters):
    max_speed_kn: float = threshold(
        50.0,
        unit="kn",
        low=20.0,
        high=500.0,
        source="Design reference numbers: impossible speed > 50 kn",
        description="a speed implied between two fixes above this is impossible for a vessel",
    )
    min_jump_nm: float = threshold(
        1.0,
        unit="nm",
        low=0.01,
        high=50.0,
        source="Seasight (authored): tolerance for position noise and receiver clock offsets",
        description="jumps shorter than this are never called impossible",
    )
    two_places_min_alternations: float = threshold(
        3.0,
        unit="alternations",
        low=1.0,
        high=1000.0,
        source="Seasight (authored)",
        description="back-and-forth jumps needed to say the MMSI is in two places",
    )


@dataclass(frozen=True, slots=True)
class IdentityChangeParameters(RuleParameters):
    medium_after_changes: float = threshold(
        2.0,
        unit="changes",
        low=1.0,
        high=100.0,
        source="Seasight (authored)",
        description="name/call-sign changes in the window that make the flag medium (IMO changes always do)",
    )


def _implied_speed_kn(a: TrackPoint, b: TrackPoint) -> tuple[float, float]:
    """(distance nm, implied speed kn) between two fixes; speed is infinite when they share a time."""
    d = distance_nm(a.lat, a.lon, b.lat, b.lon)
    hours = hours_between(a.observed_at, b.observed_at)
    return d, (d / hours if hours > 0 else float("inf"))


def position_jumps(window: TrackWindow, params: SpoofingParameters) -> list[Flag]:
    """``impossible_speed`` for each isolated impossible jump and one ``two_places`` flag when the fixes
    alternate between two places ``two_places_min_alternations`` times or more."""
    pts = [p for p in window.points if p.msg_type != SAR_AIRCRAFT_MESSAGE]
    jumps: list[tuple[int, float, float]] = []  # (index of the later fix, distance nm, implied speed kn)
    for i in range(1, len(pts)):
        d, v = _implied_speed_kn(pts[i - 1], pts[i])
        if d >= params.min_jump_nm and v > params.max_speed_kn:
            jumps.append((i, d, v))
    if not jumps:
        return []
    jump_at = {i for i, _, _ in jumps}
    alternations = []
    for i in sorted(jump_at):
        if i + 1 in jump_at:
            d, v = _implied_speed_kn(pts[i - 1], pts[i + 1])
            if v <= params.max_speed_kn or d < params.min_jump_nm:
                alternations.append(i)
    flags: list[Flag] = []
    provenance = params.provenance()
    if len(alternations) >= params.two_places_min_alternations:
        first, last = pts[alternations[0] - 1], pts[alternations[-1] + 1]
        a, b = pts[alternations[0] - 1], pts[alternations[0]]
        separation = distance_nm(a.lat, a.lon, b.lat, b.lon)
        flags.append(
            Flag(
                rule_id=TWO_PLACES_ID,
                rule_version=RULE_VERSION,
                subject_kind=SubjectKind.VESSEL,
                mmsi=window.mmsi,
                sighting_id=None,
                severity=Severity.HIGH,
                score=round(min(1.0, len(alternations) / (2 * params.two_places_min_alternations)), 4),
                window_start=first.observed_at,
                window_end=last.observed_at,
                lat=a.lat,
                lon=a.lon,
                summary=(
                    f"MMSI {window.mmsi} reported in two places {separation:.0f} nm apart, alternating "
                    f"{len(alternations)} times (shared or spoofed identity)"
                ),
                evidence={
                    "alternations": len(alternations),
                    "separation_nm": round(separation, 2),
                    "place_a": a.evidence(),
                    "place_b": b.evidence(),
                    "examples": [[pts[i - 1].evidence(), pts[i].evidence()] for i in alternations[:5]],
                },
                parameters=provenance,
            )
        )
        explained = {i for j in alternations for i in (j, j + 1)}
        jumps = [j for j in jumps if j[0] not in explained]
    # Every impossible jump misplaces the vessel on the picture (docs/severity.md): at least medium.
    jump_severity = Severity.MEDIUM
    repeated = f" ({len(jumps)} jumps in this window)" if len(jumps) >= 2 else ""
    for i, d, v in jumps:
        a, b = pts[i - 1], pts[i]
        speed = "simultaneous" if v == float("inf") else f"{v:.0f} kn"
        flags.append(
            Flag(
                rule_id=IMPOSSIBLE_SPEED_ID,
                rule_version=RULE_VERSION,
                subject_kind=SubjectKind.VESSEL,
                mmsi=window.mmsi,
                sighting_id=None,
                severity=jump_severity,
                score=round(min(1.0, 0.5 + 0.5 * min(1.0, (min(v, 1e6) / params.max_speed_kn - 1))), 4),
                window_start=a.observed_at,
                window_end=b.observed_at,
                lat=b.lat,
                lon=b.lon,
                summary=f"MMSI {window.mmsi} jumped {d:.1f} nm between fixes ({speed}): impossible at sea{repeated}",
                evidence={
                    "distance_nm": round(d, 3),
                    "implied_speed_kn": None if v == float("inf") else round(v, 1),
                    "seconds": (b.observed_at - a.observed_at).total_seconds(),
                    "from": a.evidence(),
                    "to": b.evidence(),
                },
                parameters=provenance,
            )
        )
    return flags


def invalid_mmsi(window: TrackWindow) -> list[Flag]:
    """A vessel position report (messages 1–3, 18, 19, 27) from an MMSI no ship format allows."""
    reports = [p for p in window.points if p.msg_type in VESSEL_POSITION_MESSAGES]
    if not reports:
        return []
    info = classify_mmsi(window.mmsi)
    if info.kind in VESSEL_KINDS:
        return []
    problem = info.problem or f"a {info.kind.value} identity sending vessel position reports"
    first = reports[0]
    return [
        Flag(
            rule_id=INVALID_MMSI_ID,
            rule_version=RULE_VERSION,
            subject_kind=SubjectKind.VESSEL,
            mmsi=window.mmsi,
            sighting_id=None,
            severity=Severity.MEDIUM,
            score=0.6,
            window_start=first.observed_at,
            window_end=reports[-1].observed_at,
            lat=reports[-1].lat,
            lon=reports[-1].lon,
            summary=f"MMSI {window.mmsi} is not a valid ship identity: {problem}",
            evidence={
                "problem": problem,
                "station_kind": info.kind.value,
                "mid": info.mid,
                "reports": len(reports),
                "first_report": first.evidence(),
            },
            parameters={"standard": {"value": "ITU-R M.585-9", "unit": "", "source": "ITU-R M.585-9 Annexes 1-2"}},
        )
    ]


_PADDING = re.compile(r"[@\s]+")


def normalise_text(value: str | None) -> str | None:
    """Upper case, AIS '@' padding and repeated spaces removed; empty becomes ``None``."""
    if value is None:
        return None
    cleaned = _PADDING.sub(" ", value).strip().upper()
    return cleaned or None


def identity_changes(mmsi: int, reports: Sequence[IdentityReport], params: IdentityChangeParameters) -> list[Flag]:
    """Changes of name, call sign or IMO number across the static reports of one MMSI (oldest first
    after sorting). Missing fields (e.g. message 24 part A carries no call sign) are not changes, nor are
    differences of case, padding or spacing."""
    ordered = sorted((r for r in reports if r.mmsi == mmsi), key=lambda r: r.observed_at)
    changes: list[dict[str, Any]] = []
    last: dict[str, Any] = {}
    for r in ordered:
        for field_name, value in (
            ("name", normalise_text(r.name)),
            ("callsign", normalise_text(r.callsign)),
            ("imo", r.imo or None),
        ):
            if value is None:
                continue
            if field_name in last and last[field_name][0] != value:
                changes.append(
                    {
                        "field": field_name,
                        "from": last[field_name][0],
                        "to": value,
                        "at": r.observed_at.isoformat(),
                        "previous_at": last[field_name][1],
                    }
                )
            last[field_name] = (value, r.observed_at.isoformat())
    if not changes:
        return []
    imo_changed = any(c["field"] == "imo" for c in changes)
    severity = Severity.MEDIUM if imo_changed or len(changes) >= params.medium_after_changes else Severity.LOW
    described = "; ".join(f"{c['field']} {c['from']} → {c['to']}" for c in changes[:4])
    first_at = next(r.observed_at for r in ordered if r.observed_at.isoformat() == changes[0]["at"])
    return [
        Flag(
            rule_id=IDENTITY_CHANGE_ID,
            rule_version=RULE_VERSION,
            subject_kind=SubjectKind.VESSEL,
            mmsi=mmsi,
            sighting_id=None,
            severity=severity,
            score=round(min(1.0, 0.3 + 0.2 * len(changes) + (0.3 if imo_changed else 0.0)), 4),
            window_start=first_at,
            window_end=ordered[-1].observed_at,
            lat=None,
            lon=None,
            summary=f"MMSI {mmsi} changed identity {len(changes)} time(s): {described}",
            evidence={"changes": changes},
            parameters=params.provenance(),
        )
    ]


def flag_changes(reports: Sequence[IdentityReport]) -> list[Flag]:
    """One IMO number seen under MMSIs of different flag states (MIDs): a flag change (or a false IMO).
    The flag is raised on the MMSI that reported the IMO most recently, naming the earlier ones."""
    by_imo: dict[int, list[IdentityReport]] = {}
    for r in reports:
        if r.imo:
            by_imo.setdefault(r.imo, []).append(r)
    flags: list[Flag] = []
    for imo, seen in by_imo.items():
        seen.sort(key=lambda r: r.observed_at)
        states: dict[str, IdentityReport] = {}
        for r in seen:
            iso2 = classify_mmsi(r.mmsi).flag_iso2
            if iso2 is not None:
                states.setdefault(iso2, r)
        if len(states) < 2:
            continue
        latest = seen[-1]
        history = sorted(states.items(), key=lambda kv: kv[1].observed_at)
        path = " → ".join(f"{iso2} (MMSI {r.mmsi})" for iso2, r in history)
        flags.append(
            Flag(
                rule_id=FLAG_CHANGE_ID,
                rule_version=RULE_VERSION,
                subject_kind=SubjectKind.VESSEL,
                mmsi=latest.mmsi,
                sighting_id=None,
                severity=Severity.MEDIUM,
                score=0.6,
                window_start=history[1][1].observed_at,
                window_end=latest.observed_at,
                lat=None,
                lon=None,
                summary=f"IMO {imo} changed flag: {path}",
                evidence={
                    "imo": imo,
                    "flags": [
                        {"flag": iso2, "mmsi": r.mmsi, "first_seen": r.observed_at.isoformat()} for iso2, r in history
                    ],
                },
                parameters={
                    "standard": {
                        "value": "ITU-R M.585-9 MID",
                        "unit": "",
                        "source": "flag state from the MMSI's MID",
                    }
                },
            )
        )
    return flags
