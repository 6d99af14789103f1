"""Rule 7 — distress and urgency. A ``distress`` flag always has severity ``distress``, whatever any risk
score says; ``urgency`` is high; ``distress_status`` (navigational status alone) is at most medium.

* A distress device transmitting: AIS-SART (MMSI ``970XXYYYY``), MOB-AIS (``972XXYYYY``) or EPIRB-AIS
  (``974XXYYYY``) — ITU-R M.585-9 Annex 2. In test mode such a device sends navigational status 15 and the
  message 14 text ``SART TEST`` / ``MOB TEST`` (ITU-R M.1371-5, IEC 61097-14); a device whose every text in
  the window says TEST and that never reports status 14 is reported as a test (info), not distress. A
  device heard without any text is treated as active: the watch officer verifies, the rule never guesses
  a test.
* A safety text (message 14) saying ``SART ACTIVE``, ``MOB ACTIVE`` or ``EPIRB ACTIVE``, from any MMSI.
* A safety-related text (message 14 broadcast, message 12 addressed) in the words of a distress call:
  ``MAYDAY`` (also ``MAYDAY RELAY``), ``SOS``, ``SINKING``, ``ABANDON SHIP``, ``MAN OVERBOARD`` — the
  distress signal and the words of a distress message (ITU Radio Regulations art. 32 and Appendix 14;
  IAMSAR Manual Vol. III) — raises ``distress``; ``PAN PAN``, the urgency signal (RR art. 33), raises
  ``urgency`` (high). A number of persons aboard (``30 POB``, ``POB 30``, ``30 PERSONS``) is read into the
  evidence. A text that also says ``TEST`` or ``DRILL`` is a test and raises nothing (an exercise says
  ``EXERCISE``, which does not suppress it: exercise flags are marked as such downstream).
* Navigational status 2 "not under command" or 6 "aground", reported in consecutive reports while
  offshore, raises ``distress_status`` of at most **medium** severity: the status is set by hand, is often
  left on by ships waiting offshore, and alone is no evidence that people are in danger (it is never
  ``distress``; a watch officer calls the ship).
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
URGENCY_ID = "urgency"
STATUS_ID = "distress_status"
RULE_VERSION = 2  # 2: distress and urgency words in safety texts; navigational status alone at most medium

ACTIVE_TEXT = re.compile(r"\b(SART|MOB|EPIRB)\s*[-_ ]?\s*ACTIVE\b", re.IGNORECASE)
TEST_TEXT = re.compile(r"\b(SART|MOB|EPIRB)\s*[-_ ]?\s*TEST\b", re.IGNORECASE)

#: The distress signal and distress-message words (ITU RR art. 32, Appendix 14), on word boundaries.
DISTRESS_WORDS = re.compile(
    r"\b(MAYDAY(?:\s+RELAY)?|SOS|SINKING|ABANDON(?:ING)?\s+SHIP|MAN\s+OVERBOARD)\b", re.IGNORECASE
)
#: The urgency signal (ITU RR art. 33), however it is spaced.
URGENCY_WORDS = re.compile(r"\bPAN\s*[-_ ]?\s*PAN\b", re.IGNORECASE)
#: Words that make a text a test of the equipment, not a call.
TEST_WORDS = re.compile(r"\b(TEST|TESTING|DRILL)\b", re.IGNORECASE)
#: Persons on board: ``30 POB``, ``POB 30``, ``POB: 30``, ``30 PERSONS (ON BOARD)``, ``30 PAX``, ``30 SOULS``.
PERSONS_ON_BOARD = re.compile(
    r"\b(\d{1,4})\s*(?:POB|P\.O\.B\.?|PERSONS?|PERS|PAX|SOULS|PEOPLE)(?![A-Z])|\bPOB\s*[:=]?\s*(\d{1,4})\b",
    re.IGNORECASE,
)

_STATUS_WORDS = {NAV_NOT_UNDER_COMMAND: "not under command", NAV_AGROUND: "aground"}


def persons_on_board(text: str) -> int | None:
    """The largest count of persons aboard stated in a safety text (``None`` when it states none)."""
    counts = [int(a or b) for a, b in PERSONS_ON_BOARD.findall(text)]
    return max(counts) if counts else None


@dataclass(frozen=True, slots=True)
class DistressParameters(RuleParameters):
    offshore_nm: float = threshold(
        12.0,
        unit="nm",
        low=0.0,
        high=200.0,
        source="UNCLOS art. 3: beyond the 12 nm territorial sea (Seasight's choice of anchor)",
        description="not-under-command or aground reported at least this far from shore raises a "
        "distress_status flag (at most medium)",
    )
    min_status_reports: float = threshold(
        2.0,
        unit="reports",
        low=1.0,
        high=100.0,
        source="Seasight (authored): one corrupt report must not raise distress",
        description="consecutive reports of not-under-command/aground needed",
    )


_SCORES = {Severity.DISTRESS: 1.0, Severity.HIGH: 0.8, Severity.MEDIUM: 0.5}


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
        score=_SCORES.get(severity, 0.0),
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

    if info.kind not in DISTRESS_DEVICES:
        flags += _word_flags(window, own_texts, params)

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
                STATUS_ID,
                Severity.MEDIUM,
                f"MMSI {window.mmsi} reports {word} {shore_nm:.0f} nm offshore ({len(run)} reports; "
                "navigational status alone, call the ship)",
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


def _word_flags(window: TrackWindow, texts: Sequence[SafetyText], params: DistressParameters) -> list[Flag]:
    """``distress`` for texts in the words of a distress call, ``urgency`` for PAN PAN (module docstring):
    one flag of each per window, from the first such text to the last."""
    out: list[Flag] = []
    calls = [t for t in texts if not TEST_WORDS.search(t.text)]
    for rule_id, words, severity, what in (
        (RULE_ID, DISTRESS_WORDS, Severity.DISTRESS, "distress call"),
        (URGENCY_ID, URGENCY_WORDS, Severity.HIGH, "urgency call"),
    ):
        said = [t for t in calls if words.search(t.text)]
        if rule_id == URGENCY_ID:  # a text with both signals is a distress call, already flagged
            said = [t for t in said if not DISTRESS_WORDS.search(t.text)]
        if not said:
            continue
        first, last = said[0], said[-1]
        pts = window.points
        anchor = min(pts, key=lambda p: abs(p.observed_at - first.observed_at)) if pts else None
        persons = [n for n in (persons_on_board(t.text) for t in said) if n is not None]
        pob = max(persons) if persons else None
        found = sorted({m.group(0).upper() for t in said for m in words.finditer(t.text)})
        who = "" if pob is None else f", {pob} persons on board"
        out.append(
            Flag(
                rule_id=rule_id,
                rule_version=RULE_VERSION,
                subject_kind=SubjectKind.VESSEL,
                mmsi=window.mmsi,
                sighting_id=None,
                severity=severity,
                score=_SCORES[severity],
                window_start=first.observed_at,
                window_end=last.observed_at,
                lat=anchor.lat if anchor else first.lat,
                lon=anchor.lon if anchor else first.lon,
                summary=f'MMSI {window.mmsi} {what} "{first.text.strip()}" (message {first.msg_type}){who}',
                evidence={
                    "words": found,
                    "persons_on_board": pob,
                    "texts": [
                        {"t": t.observed_at.isoformat(), "text": t.text, "msg_type": t.msg_type} for t in said[:10]
                    ],
                    "nearest_report": anchor.evidence() if anchor else None,
                },
                parameters=params.provenance(),
            )
        )
    return out
