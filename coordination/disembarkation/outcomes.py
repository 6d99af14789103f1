"""Recorded outcomes of a case: what happened to the people after rescue (pure logic, no I/O).

An outcome says whether the people were disembarked at a place of safety (IMO MSC.167(78) para 6.12)
or not (refused, pushed back, towed out, still at sea), where and when, and the people concerned as COUNTS
only: men, women, children, unaccompanied or separated children (UASC), deaths, missing, nationalities as
counts per ISO 3166-1 alpha-3 code, and persons with specific needs (UNHCR's categories for the protection
of persons rescued at sea): pregnant women, older persons (60 and over), persons with disabilities, and
medical evacuations (persons evacuated for medical reasons before disembarkation). There is deliberately
no field for a name or any personal identifier.

:func:`validate_outcome` rejects impossible records with a message naming the field and the reason, e.g.
``deaths (12) + missing (0) exceed persons aboard (10)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from coordination.disembarkation.errors import InvalidOutcomeError


class OutcomeKind(StrEnum):
    """What became of the people rescued (UNHCR regional sea-movement monitoring categories)."""

    DISEMBARKED = "disembarked"
    REFUSED = "refused"  # disembarkation refused by the coastal state
    PUSHED_BACK = "pushed_back"  # boat turned away at sea
    TOWED_OUT = "towed_out"  # boat towed back out to sea
    STILL_AT_SEA = "still_at_sea"


NOT_DISEMBARKED = (OutcomeKind.REFUSED, OutcomeKind.PUSHED_BACK, OutcomeKind.TOWED_OUT)
"""Outcomes counted as 'refused or pushed back' in practice statistics."""


class Reception(StrEnum):
    """Reception on arrival. ``detention`` is detention on arrival; the others count as release."""

    COMMUNITY = "community"
    SHELTER = "shelter"
    CAMP = "camp"
    DETENTION = "detention"


SPECIFIC_NEEDS = ("pregnant_women", "older_persons", "persons_with_disabilities", "medical_evacuations")
"""Counts of persons with specific needs (each at most the persons aboard; pregnant women at most the women)."""

MAX_DAYS_AT_SEA = 365.0
"""Upper bound accepted for days at sea (d). Range check only; longest recorded drifts are months."""

_ISO3 = re.compile(r"^[A-Z]{3}$")
_LOCODE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}$")


@dataclass(frozen=True)
class Outcome:
    """One recorded outcome of a case. Counts are persons (integers >= 0); None = not known."""

    case_id: int
    outcome: OutcomeKind
    state: str | None = None  # ISO 3166-1 alpha-3 of the state of disembarkation / refusal
    locode: str | None = None  # UN/LOCODE of the place of safety, when a port
    place_name: str | None = None  # landing place without a LOCODE
    alert_at: datetime | None = None  # first alert of the case (UTC)
    outcome_at: datetime | None = None  # time of disembarkation / refusal / pushback (UTC)
    route: str | None = None  # e.g. "Bay of Bengal/Andaman Sea"
    persons_aboard: int | None = None  # persons embarked on the craft
    men: int | None = None
    women: int | None = None
    children: int | None = None
    uasc: int | None = None  # unaccompanied or separated children (subset of children)
    deaths: int | None = None
    missing: int | None = None
    nationalities: Mapping[str, int] = field(default_factory=dict)  # ISO alpha-3 -> persons
    days_at_sea: float | None = None  # days
    reception: Reception | None = None
    screened: bool | None = None  # screening on arrival took place
    referred_to_asylum: bool | None = None  # referral to asylum / refugee status procedures
    trafficking_victims_identified: int | None = None
    consular_notification: bool | None = None
    voluntary_returns: int | None = None  # persons who later returned voluntarily (AVRR)
    pregnant_women: int | None = None  # among the women
    older_persons: int | None = None  # aged 60 and over
    persons_with_disabilities: int | None = None
    medical_evacuations: int | None = None  # persons evacuated for medical reasons before disembarkation
    source: str = ""
    source_quality: int | None = None  # 1 (single unverified) .. 5 (official, verified), IOM MMP scale
    note: str | None = None
    is_exercise: bool = False

    @property
    def survivors(self) -> int | None:
        """Persons aboard minus deaths and missing (None when persons aboard is unknown)."""
        if self.persons_aboard is None:
            return None
        return self.persons_aboard - (self.deaths or 0) - (self.missing or 0)


def _count(name: str, value: int | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidOutcomeError(f"{name} must be a whole number of persons, got {value!r}")
    if value < 0:
        raise InvalidOutcomeError(f"{name} ({value}) cannot be negative")


def validate_outcome(o: Outcome) -> Outcome:
    """Return ``o`` (codes upper-cased) if possible, else raise :class:`InvalidOutcomeError` naming the field.

    Rules: counts are whole numbers >= 0; deaths + missing <= persons aboard; each specific-needs count
    <= persons aboard, pregnant women <= women; men + women + children <=
    persons aboard; UASC <= children; nationality counts <= persons aboard in total; trafficking victims
    identified and voluntary returns <= survivors; a disembarkation names its state and time; a case still
    at sea has no outcome time in a port; the outcome time is not before the alert; days at sea within
    0..365; source quality 1..5; a source is given.
    """
    counts = (
        "persons_aboard",
        "men",
        "women",
        "children",
        "uasc",
        "deaths",
        "missing",
        "trafficking_victims_identified",
        "voluntary_returns",
        *SPECIFIC_NEEDS,
    )
    for name in counts:
        _count(name, getattr(o, name))
    state = o.state.strip().upper() if o.state else None
    locode = o.locode.strip().upper().replace(" ", "") if o.locode else None
    if state is not None and not _ISO3.match(state):
        raise InvalidOutcomeError(f"state {o.state!r} is not an ISO 3166-1 alpha-3 code (e.g. IDN)")
    if locode is not None and not _LOCODE.match(locode):
        raise InvalidOutcomeError(f"port {o.locode!r} is not a UN/LOCODE (e.g. IDLSW)")
    nationalities: dict[str, int] = {}
    for code, n in o.nationalities.items():
        iso = code.strip().upper()
        if not _ISO3.match(iso):
            raise InvalidOutcomeError(f"nationality {code!r} is not an ISO 3166-1 alpha-3 code (e.g. MMR)")
        _count(f"nationality {iso}", n)
        nationalities[iso] = nationalities.get(iso, 0) + n

    aboard = o.persons_aboard
    lost = (o.deaths or 0) + (o.missing or 0)
    if aboard is not None:
        if lost > aboard:
            raise InvalidOutcomeError(
                f"deaths ({o.deaths or 0}) + missing ({o.missing or 0}) exceed persons aboard ({aboard})"
            )
        by_group = (o.men or 0) + (o.women or 0) + (o.children or 0)
        if by_group > aboard:
            raise InvalidOutcomeError(
                f"men ({o.men or 0}) + women ({o.women or 0}) + children ({o.children or 0}) exceed persons "
                f"aboard ({aboard})"
            )
        if sum(nationalities.values()) > aboard:
            raise InvalidOutcomeError(
                f"nationality counts ({sum(nationalities.values())}) exceed persons aboard ({aboard})"
            )
        for name in SPECIFIC_NEEDS:
            value = getattr(o, name)
            if value is not None and value > aboard:
                raise InvalidOutcomeError(f"{name} ({value}) exceed persons aboard ({aboard})")
        survivors = aboard - lost
        for name in ("trafficking_victims_identified", "voluntary_returns"):
            value = getattr(o, name)
            if value is not None and value > survivors:
                raise InvalidOutcomeError(
                    f"{name} ({value}) exceed survivors ({survivors} = persons aboard {aboard} - deaths - missing)"
                )
    if o.uasc is not None and o.children is not None and o.uasc > o.children:
        raise InvalidOutcomeError(f"uasc ({o.uasc}) exceed children ({o.children})")
    if o.pregnant_women is not None and o.women is not None and o.pregnant_women > o.women:
        raise InvalidOutcomeError(f"pregnant_women ({o.pregnant_women}) exceed women ({o.women})")
    if o.uasc is not None and o.children is None:
        raise InvalidOutcomeError("uasc given without children: give the number of children too")

    if o.outcome is OutcomeKind.DISEMBARKED:
        if state is None:
            raise InvalidOutcomeError("state is required when the outcome is disembarked")
        if o.outcome_at is None:
            raise InvalidOutcomeError("time (outcome_at) is required when the outcome is disembarked")
    else:
        if o.reception is not None:
            raise InvalidOutcomeError(f"reception ({o.reception.value}) only applies when the outcome is disembarked")
    if o.outcome is OutcomeKind.STILL_AT_SEA and locode is not None:
        raise InvalidOutcomeError("port given but the outcome is still_at_sea")
    for name in ("alert_at", "outcome_at"):
        value = getattr(o, name)
        if value is not None and value.tzinfo is None:
            raise InvalidOutcomeError(f"{name} must carry a time zone (UTC), got {value.isoformat()}")
    if o.alert_at is not None and o.outcome_at is not None and o.outcome_at < o.alert_at:
        raise InvalidOutcomeError(
            f"outcome time ({o.outcome_at.isoformat()}) is before the alert ({o.alert_at.isoformat()})"
        )
    if o.days_at_sea is not None and not 0 <= o.days_at_sea <= MAX_DAYS_AT_SEA:
        raise InvalidOutcomeError(f"days_at_sea ({o.days_at_sea}) must be between 0 and {MAX_DAYS_AT_SEA:g}")
    if o.source_quality is not None and not 1 <= o.source_quality <= 5:
        raise InvalidOutcomeError(f"source_quality ({o.source_quality}) must be from 1 to 5")
    if not o.source.strip():
        raise InvalidOutcomeError("source is required (who reported this outcome)")
    return replace(o, state=state, locode=locode, nationalities=nationalities, source=o.source.strip())
