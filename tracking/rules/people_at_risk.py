"""Rule 10 — people at risk: a sighted craft with people aboard and signs of danger, with the IAMSAR phase
a SAR coordinator should consider.

IAMSAR Manual Vol. II ch. 3 (emergency phases): *uncertainty* (INCERFA) when there is doubt about the
safety of people, *alert* (ALERFA) when there is apprehension for their safety, *distress* (DETRESFA)
when there is reasonable certainty that they are in grave and imminent danger and need immediate
assistance. The indicators are the sighting conditions (``seasight.schemas.SIGHTING_CONDITIONS``); the
factors weighed together follow EU Regulation 656/2014 art. 9(2)(f) (seaworthiness, number of persons
against the craft, supplies, safety equipment, persons needing urgent medical assistance, deceased
persons), which is the most explicit public list of what decides a phase for boats carrying migrants.

* persons in the water or deaths reported → **distress** (never lowered by any score);
* a medical emergency, taking water, engine failure or adrift → **alert**; ``indicators_for_distress`` of
  the alert and uncertainty indicators together → **distress**;
* overcrowded or no life jackets alone → **uncertainty**;
* people ranked above ships (``docs/severity.md``): a craft with at least ``unseaworthy_persons`` persons
  estimated aboard in an unseaworthy state — overcrowded, taking water, without propulsion or adrift, or a
  small open craft (dinghy, inflatable, raft, canoe) carrying that many — is at least **alert** (high),
  whatever else is known: the number of persons against the type and condition of the craft is one of the
  factors of EU Regulation 656/2014 art. 9(2)(f)(i)-(ii).

The phase is a *suggestion* for the SAR mission coordinator, who declares phases (IAMSAR Vol. II 3.2).
People must be aboard: ``persons_estimated`` at least ``min_persons``, or a condition that implies people
(persons in water, deaths, a medical emergency). A sighting without any indicator raises nothing here.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from tracking.rules.model import Contact, Flag, Severity, SubjectKind
from tracking.rules.parameters import RuleParameters, threshold

RULE_ID = "people_at_risk"
RULE_VERSION = 2  # 2: ten or more persons in an unseaworthy craft is at least alert


class IamsarPhase(enum.StrEnum):
    """IAMSAR emergency phases (Vol. II ch. 3), least to most urgent."""

    UNCERTAINTY = "uncertainty"  # INCERFA
    ALERT = "alert"  # ALERFA
    DISTRESS = "distress"  # DETRESFA


#: Each condition indicator, the phase it suggests on its own, and the reason an officer reads.
INDICATORS: dict[str, tuple[IamsarPhase, str]] = {
    "persons_in_water": (IamsarPhase.DISTRESS, "persons in the water"),
    "deaths_reported": (IamsarPhase.DISTRESS, "deaths reported aboard"),
    "medical_emergency": (IamsarPhase.ALERT, "persons in urgent need of medical assistance"),
    "taking_water": (IamsarPhase.ALERT, "craft taking water (seaworthiness)"),
    "engine_failure": (IamsarPhase.ALERT, "engine failure: no propulsion"),
    "adrift": (IamsarPhase.ALERT, "craft adrift"),
    "overcrowded": (IamsarPhase.UNCERTAINTY, "overcrowded for the craft"),
    "no_life_jackets": (IamsarPhase.UNCERTAINTY, "no life jackets seen (safety equipment)"),
}
#: Conditions that make a craft unseaworthy for the people aboard (EU Reg. 656/2014 art. 9(2)(f)(i)-(ii)).
UNSEAWORTHY = frozenset({"overcrowded", "taking_water", "engine_failure", "adrift"})
#: Words of ``craft_type`` naming a small open craft, unseaworthy for a crowd at sea whatever its state.
SMALL_OPEN_CRAFT = frozenset({"dinghy", "inflatable", "rubber", "raft", "liferaft", "canoe", "kayak"})
#: Conditions that by themselves mean people are (or were) aboard, whatever the count says.
IMPLY_PERSONS = frozenset({"persons_in_water", "deaths_reported", "medical_emergency"})

_SEVERITY = {
    IamsarPhase.DISTRESS: Severity.DISTRESS,
    IamsarPhase.ALERT: Severity.HIGH,
    IamsarPhase.UNCERTAINTY: Severity.MEDIUM,
}
_SCORE = {IamsarPhase.DISTRESS: 1.0, IamsarPhase.ALERT: 0.8, IamsarPhase.UNCERTAINTY: 0.5}
_ORDER = [IamsarPhase.UNCERTAINTY, IamsarPhase.ALERT, IamsarPhase.DISTRESS]


@dataclass(frozen=True, slots=True)
class PeopleAtRiskParameters(RuleParameters):
    min_persons: float = threshold(
        1.0,
        unit="persons",
        low=1.0,
        high=1000.0,
        source="IAMSAR Vol. II ch. 3: the phases concern persons; Seasight flags any craft with people",
        description="persons estimated aboard needed (unless a condition implies people)",
    )
    indicators_for_distress: float = threshold(
        3.0,
        unit="indicators",
        low=2.0,
        high=8.0,
        source="EU Regulation 656/2014 art. 9(2)(f): the factors are weighed together; count Seasight's",
        description="this many distinct condition indicators together suggest distress",
    )
    unseaworthy_persons: float = threshold(
        10.0,
        unit="persons",
        low=1.0,
        high=1000.0,
        source="Seasight (authored), docs/severity.md: people at risk rank above ships; EU Regulation "
        "656/2014 art. 9(2)(f)(i)-(ii) (seaworthiness; persons against type and condition of the craft)",
        description="this many persons estimated aboard an unseaworthy or small open craft suggest at least alert",
    )
    persons_for_alert: float = threshold(
        50.0,
        unit="persons",
        low=1.0,
        high=5000.0,
        source="Seasight (authored), after EU Regulation 656/2014 art. 9(2)(f)(ii) (number of persons)",
        description="an uncertainty-only sighting with at least this many persons aboard suggests alert",
    )


def small_open_craft(craft_type: str) -> bool:
    """Whether ``craft_type`` (free text such as ``rubber_dinghy``) names a small open craft."""
    return bool(set(re.split(r"[^a-z]+", craft_type.lower())) & SMALL_OPEN_CRAFT)


def people_at_risk(contact: Contact, params: PeopleAtRiskParameters) -> list[Flag]:
    """The people-at-risk flag of one sighting (subject: the contact), or nothing (see module doc)."""
    present = [c for c in contact.conditions if c in INDICATORS]
    persons = contact.persons_estimated
    small = small_open_craft(contact.craft_type)
    crowd = persons is not None and persons >= params.unseaworthy_persons
    unseaworthy = sorted(set(present) & UNSEAWORTHY) + (["small open craft"] if small else [])
    if not present and not (small and crowd):
        return []
    implied = sorted(set(present) & IMPLY_PERSONS)
    if not implied and (persons is None or persons < params.min_persons):
        return []

    phases = [INDICATORS[c][0] for c in present]
    phase = max(phases, key=_ORDER.index) if phases else IamsarPhase.UNCERTAINTY
    reasons = [INDICATORS[c][1] for c in present]
    distinct = len(set(present))
    if phase is not IamsarPhase.DISTRESS and distinct >= params.indicators_for_distress:
        phase = IamsarPhase.DISTRESS
        reasons.append(f"{distinct} danger indicators together (at least {params.indicators_for_distress:g})")
    elif phase is IamsarPhase.UNCERTAINTY and crowd and unseaworthy:
        phase = IamsarPhase.ALERT
        reasons.append(
            f"about {persons} persons aboard an unseaworthy craft ({', '.join(unseaworthy).replace('_', ' ')}; "
            f"at least {params.unseaworthy_persons:g})"
        )
    elif phase is IamsarPhase.UNCERTAINTY and persons is not None and persons >= params.persons_for_alert:
        phase = IamsarPhase.ALERT
        reasons.append(f"about {persons} persons aboard (at least {params.persons_for_alert:g})")

    who = "unknown number of people" if persons is None else f"about {persons} people"
    what = contact.craft_type.replace("_", " ")
    return [
        Flag(
            rule_id=RULE_ID,
            rule_version=RULE_VERSION,
            subject_kind=SubjectKind.CONTACT,
            mmsi=None,
            sighting_id=contact.sighting_id,
            severity=_SEVERITY[phase],
            score=_SCORE[phase],
            window_start=contact.observed_at,
            window_end=contact.observed_at,
            lat=contact.lat,
            lon=contact.lon,
            summary=(
                f"{phase.value.upper()} phase suggested: {what} with {who} ({contact.source_type}); "
                + "; ".join(reasons)
            ),
            evidence={
                "suggested_phase": phase.value,
                "reasons": reasons,
                "indicators": present,
                "persons_estimated": persons,
                "persons_implied_by": implied,
                "unseaworthy": unseaworthy,
                "sighting": contact.evidence(),
            },
            parameters=params.provenance(),
        )
    ]
