"""Rule 7 — distress. Always raises severity ``distress``, whatever any risk score says.

* A distress device transmitting: AIS-SART (MMSI ``970XXYYYY``), MOB-AIS (``972XXYYYY``) or EPIRB-AIS
  (``974XXYYYY``) — ITU-R M.585-9 Annex 2. In test mode such a device sends navigational status 15 and the
  message 14 text ``SART TEST`` / ``MOB TEST`` (ITU-R M.1371-5, IEC 61097-14); a device whose every text in
  the window says TEST and that never reports status 14 is reported as a test (info), not distress. A
  device heard without any text is treated as active: the watch officer verifies, the rule never guesses
  a test.
* A safety text (message 14) saying ``SART ACTIVE``, ``MOB ACTIVE`` or ``EPIRB ACTIVE``, from any MMSI.
* Navigational status 2 "not under command" or 6 "aground", reported in consecutive reports while
  offshore.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tracking.rules.mmsi import DISTRESS_DEVICES, classify_mmsi
from tracking.rules.model import (
    NAV_AGROUND,
    NAV_AIS_SART_ACTIVE,
    NAV_NOT_UNDER_COMMAND,
    DistanceToShore,
    Flag,
    SafetyText,
    Severity,
    SubjectKind,
    TrackPoint,
    TrackWindow,
)
from tracking.rules.parameters import RuleParameters, threshold

RULE_ID = "distress"
TEST_RULE_ID = "distress_device_test"
RULE_VERSION = 1

ACTIVE_TEXT = re.compile(r"\b(SART|MOB|EPIRB)\s*[-_ ]?\s*ACTIVE\b", re.IGNORECASE)
TEST_TEXT = re.compile(r"\b(SART|MOB|EPIRB)\s*[-_ ]?\s*TEST\b", re.IGNORECASE)

_STATUS_WORDS = {NAV_NOT_UNDER_COMMAND: "not under command", NAV_AGROUND: "aground"}


@dataclass(frozen=True, slots=True)
class DistressParameters(RuleParameters):
    offshore_nm: float = threshold(
        12.0,
        unit="nm",
        low=0.0,
        high=200.0,
        source="UNCLOS art. 3: beyond the 12 nm territorial sea (Seasight's choice of anchor)",
        description="not-under-command or aground reported at least this far from shore raises distress",
    )
    min_status_reports: float = threshold(
        2.0,
        unit="reports",
        low=1.0,
        high=100.0,
        source="Seasight (authored): one corrupt report must not raise distress",
        description="consecutive reports of not-under-command/aground needed",
    )


def _flag(
    window: TrackWindow,
    point: TrackPoint,
    last: TrackPoint,
    rule_id: str,
    severity: Severity,
    summary: str,
    evidence: dict[str, object],
    params: DistressParameters,
) -> Flag:
    return Flag(
        rule_id=rule_id,
        rule_version=RULE_VERSION,
        subject_kind=SubjectKind.VESSEL,
        mmsi=window.mmsi,
        sighting_id=None,
        severity=severity,
        score=1.0 if severity is Severity.DISTRESS else 0.0,
        window_start=point.observed_at,
        window_end=last.observed_at,
        lat=last.lat,
        lon=last.lon,
        summary=summary,
        evidence=evidence,
        parameters=params.provenance(),
    )


def distress(
    window: TrackWindow,
    params: DistressParameters,
    *,
    texts: Sequence[SafetyText] = (),
    distance_to_shore: DistanceToShore | None = None,
) -> list[Flag]:
    """Distress flags for one MMSI's window (see module docstring). ``texts`` are its safety messages."""
    flags: list[Flag] = []
    own_texts = sorted((t for t in texts if t.mmsi == window.mmsi), key=lambda t: t.observed_at)
    info = classify_mmsi(window.mmsi)
    pts = window.points

    active_texts = [t for t in own_texts if ACTIVE_TEXT.search(t.text)]
    if info.kind in DISTRESS_DEVICES and pts:
        device = info.kind.value.replace("_", "-").upper()
        test_texts = [t for t in own_texts if TEST_TEXT.search(t.text)]
        status_active = any(p.nav_status == NAV_AIS_SART_ACTIVE for p in pts)
        evidence: dict[str, object] = {
            "device": device,
            "reports": len(pts),
            "first_report": pts[0].evidence(),
            "last_report": pts[-1].evidence(),
            "texts": [t.text for t in own_texts[:10]],
            "status_14_seen": status_active,
        }
        if test_texts and len(test_texts) == len(own_texts) and not status_active:
            flags.append(
                _flag(
                    window,
                    pts[0],
                    pts[-1],
                    TEST_RULE_ID,
                    Severity.INFO,
                    f'{device} {window.mmsi} transmitting in TEST mode ("{test_texts[0].text}")',
                    evidence,
                    params,
                )
            )
        else:
            flags.append(
                _flag(
                    window,
                    pts[0],
                    pts[-1],
                    RULE_ID,
                    Severity.DISTRESS,
                    f"{device} {window.mmsi} ACTIVE at {pts[-1].lat:.4f}, {pts[-1].lon:.4f}",
                    evidence,
                    params,
                )
            )
    elif active_texts:
        t = active_texts[0]
        where = pts[-1] if pts else None
        anchor = min(pts, key=lambda p: abs(p.observed_at - t.observed_at)) if pts else None
        flags.append(
            Flag(
                rule_id=RULE_ID,
                rule_version=RULE_VERSION,
                subject_kind=SubjectKind.VESSEL,
                mmsi=window.mmsi,
                sighting_id=None,
                severity=Severity.DISTRESS,
                score=1.0,
                window_start=t.observed_at,
                window_end=active_texts[-1].observed_at,
                lat=anchor.lat if anchor else t.lat,
                lon=anchor.lon if anchor else t.lon,
                summary=f'MMSI {window.mmsi} broadcast "{t.text.strip()}" (message {t.msg_type})',
                evidence={
                    "texts": [{"t": x.observed_at.isoformat(), "text": x.text} for x in active_texts[:10]],
                    "nearest_report": anchor.evidence() if anchor else None,
                    "last_report": where.evidence() if where else None,
                },
                parameters=params.provenance(),
            )
        )

    # Not under command / aground, sustained, offshore.
    run: list[TrackPoint] = []
    runs: list[list[TrackPoint]] = []
    for p in pts:
        if p.nav_status in _STATUS_WORDS and (not run or run[-1].nav_status == p.nav_status):
            run.append(p)
            continue
        if run:
            runs.append(run)
        run = [p] if p.nav_status in _STATUS_WORDS else []
    if run:
        runs.append(run)
    for run in runs:
        if len(run) < params.min_status_reports:
            continue
        shore_nm = None if distance_to_shore is None else distance_to_shore(run[-1].lat, run[-1].lon)
        if shore_nm is None or shore_nm < params.offshore_nm:
            continue
        word = _STATUS_WORDS[run[0].nav_status or 0]
        flags.append(
            _flag(
                window,
                run[0],
                run[-1],
                RULE_ID,
                Severity.DISTRESS,
                f"MMSI {window.mmsi} reports {word} {shore_nm:.0f} nm offshore ({len(run)} reports)",
                {
                    "nav_status": run[0].nav_status,
                    "status": word,
                    "reports": len(run),
                    "distance_to_shore_nm": round(shore_nm, 2),
                    "first_report": run[0].evidence(),
                    "last_report": run[-1].evidence(),
                },
                params,
            )
        )
    return flags
