"""Risk score per vessel or contact: the active flags combined, with the explanation shown to the officer.

For each rule only its strongest flag counts (a rule repeating itself is not new evidence). Each rule's
contribution is ``weight × flag score``; contributions combine as a noisy-OR,
``risk = 1 − Π (1 − contribution)``, so the score stays in [0, 1], grows with every independent line of
evidence and is dominated by none. The explanation lists the contributions, largest first.

The score never contradicts the severity (``docs/severity.md``): a subject with a high flag scores at least
``high_score``, one with a medium flag at least ``medium_score`` — so a vessel dark for 14 h offshore in
coverage (high) never scores below an encounter pair (medium), and a crowded dinghy (people at risk,
high) never below a ship. A distress flag always makes the assessment ``distress``, whatever the score.
:func:`assess_all` ranks distress first, then by severity, people at risk before ships of the same
severity, then by score.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tracking.rules.model import Flag, Severity
from tracking.rules.parameters import RuleParameters, threshold

_SRC = "Seasight (authored); to be tuned by analysts against reviewed cases"


def _w(default: float, rule: str) -> Any:
    return threshold(
        default,
        unit="weight",
        low=0.0,
        high=1.0,
        source=_SRC,
        description=f"weight of a {rule} flag in the risk score",
    )


@dataclass(frozen=True, slots=True)
class RiskParameters(RuleParameters):
    went_dark: float = _w(0.7, "went_dark")
    loitering: float = _w(0.4, "loitering")
    drifting: float = _w(0.6, "drifting")
    encounter: float = _w(0.7, "encounter")
    encounter_contact: float = _w(0.8, "encounter_contact")
    entered_watch_zone: float = _w(0.4, "entered_watch_zone")
    reached_departure_area: float = _w(0.5, "reached_departure_area")
    approaching_destination_coast: float = _w(0.6, "approaching_destination_coast")
    impossible_speed: float = _w(0.5, "impossible_speed")
    two_places: float = _w(0.8, "two_places")
    invalid_mmsi: float = _w(0.5, "invalid_mmsi")
    identity_change: float = _w(0.5, "identity_change")
    flag_change: float = _w(0.5, "flag_change")
    watchlist: float = _w(0.9, "watchlist")
    distress: float = _w(1.0, "distress")
    distress_device_test: float = _w(0.0, "distress_device_test")
    urgency: float = _w(1.0, "urgency")
    distress_status: float = _w(0.5, "distress_status")
    reachability: float = _w(0.7, "reachability")
    unidentified_craft: float = _w(0.6, "unidentified_craft")
    sighting_matched: float = _w(0.0, "sighting_matched")
    people_at_risk: float = _w(1.0, "people_at_risk")
    appeared_dark: float = _w(0.6, "appeared_dark")
    reported_motion_mismatch: float = _w(0.6, "reported_motion_mismatch")
    other_rule: float = _w(0.5, "any rule without its own weight")
    high_score: float = threshold(
        0.75,
        unit="score",
        low=0.0,
        high=1.0,
        source=_SRC,
        description="risk at or above this is high; a subject with a high flag scores at least this",
    )
    medium_score: float = threshold(
        0.4,
        unit="score",
        low=0.0,
        high=1.0,
        source=_SRC,
        description="risk at or above this is medium; a subject with a medium flag scores at least this",
    )

    def weight(self, rule_id: str) -> float:
        value = getattr(self, rule_id, None)
        return (
            float(value)
            if isinstance(value, int | float) and rule_id not in ("high_score", "medium_score")
            else self.other_rule
        )


@dataclass(frozen=True, slots=True)
class Contribution:
    rule_id: str
    flag_score: float
    weight: float
    contribution: float
    summary: str


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    """The combined risk of one subject (``vessel:MMSI`` or ``contact:ID``)."""

    subject: str
    score: float
    severity: Severity
    distress: bool
    contributions: tuple[Contribution, ...]
    explanation: str


def assess_risk(subject: str, flags: Iterable[Flag], params: RiskParameters) -> RiskAssessment:
    """Combine the active flags of one subject (flags of other subjects are ignored)."""
    strongest: dict[str, Flag] = {}
    any_high = False
    for f in flags:
        if f.subject != subject:
            continue
        any_high = any_high or f.severity is Severity.HIGH
        kept = strongest.get(f.rule_id)
        if kept is None or (f.severity, f.score) > (kept.severity, kept.score):
            strongest[f.rule_id] = f
    distress = any(f.severity is Severity.DISTRESS for f in strongest.values())
    contributions = sorted(
        (
            Contribution(rule, f.score, params.weight(rule), round(params.weight(rule) * f.score, 4), f.summary)
            for rule, f in strongest.items()
        ),
        key=lambda c: -c.contribution,
    )
    remaining = 1.0
    for c in contributions:
        remaining *= 1.0 - c.contribution
    combined = round(1.0 - remaining, 4)
    top = max((f.severity for f in strongest.values() if f.severity is not Severity.DISTRESS), default=Severity.INFO)
    floor = params.high_score if top is Severity.HIGH else params.medium_score if top is Severity.MEDIUM else 0.0
    score = max(combined, floor)
    if distress:
        severity = Severity.DISTRESS
    elif score >= params.high_score or any_high:
        severity = Severity.HIGH
    elif score >= params.medium_score:
        severity = Severity.MEDIUM
    elif contributions:
        severity = Severity.LOW
    else:
        severity = Severity.INFO
    head = "DISTRESS — " if distress else ""
    parts = [
        f"{c.rule_id} {c.contribution:.2f} (weight {c.weight:.2f} × score {c.flag_score:.2f})" for c in contributions
    ]
    floored = f"at least {floor:.2f} for a {top.label} flag; " if floor > combined else ""
    explanation = f"{head}risk {score:.2f} = {floored}1 − Π(1 − contribution): " + ("; ".join(parts) or "no flags")
    return RiskAssessment(subject, score, severity, distress, tuple(contributions), explanation)


#: Rules whose flags are about people in danger (not a ship's behaviour): ranked first within a severity.
PEOPLE_RULES = frozenset({"people_at_risk", "urgency"})


def assess_all(flags: Iterable[Flag], params: RiskParameters) -> list[RiskAssessment]:
    """One assessment per subject: distress first, then by severity, people at risk before ships of the
    same severity, then by descending score."""
    flags = list(flags)
    subjects = sorted({f.subject for f in flags})
    out = [assess_risk(s, flags, params) for s in subjects]

    def people(a: RiskAssessment) -> bool:
        return any(c.rule_id in PEOPLE_RULES for c in a.contributions)

    return sorted(out, key=lambda a: (not a.distress, -a.severity, not people(a), -a.score, a.subject))
