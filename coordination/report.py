"""The facts of a case that every outgoing message (SITREP, CAP alert) is built from.

A :class:`CaseReport` is a frozen snapshot assembled by the adapter from the case row and its log; the
message builders (:mod:`coordination.sitrep`, :mod:`coordination.cap`) are pure functions of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coordination.phases import AssistanceRequest, Conclusion, Phase


@dataclass(frozen=True)
class ResponsibleRcc:
    """The RCC responsible for an SRR (from the ``srr`` layer; ``indicative`` when not an official import)."""

    srr_id: str | None
    srr_name: str
    rcc_name: str
    rcc_country: str | None
    phone: str | None = None
    email: str | None = None
    indicative: bool = True
    source: str | None = None
    boundary_source: str | None = None  # where the SRR boundary comes from
    contact_source: str | None = None  # where the phone / e-mail was published
    contact_as_of: str | None = None  # ISO date of that publication or check


@dataclass(frozen=True)
class SearchAreaSummary:
    """The latest search area of a case: datum (degrees), radius R (nm), the area's ring, when it was
    computed, and the datum's own time — the instant the drift was computed for (IAMSAR Vol. II ch. 4)."""

    datum_lat: float
    datum_lon: float
    radius_nm: float
    ring: tuple[tuple[float, float], ...]  # closed ring of (lon, lat)
    computed_at: datetime
    datum_time: datetime | None = None  # None only for an area recorded without it
    area_sq_nm: float | None = None


@dataclass(frozen=True)
class CaseReport:
    """Everything SITREP and CAP need about one case; times timezone-aware UTC."""

    case_id: int
    reference: str  # e.g. "SEASIGHT-42"
    exercise: bool
    phase: Phase
    opened_at: datetime
    lkp_lat: float
    lkp_lon: float
    lkp_time: datetime
    craft: str
    persons: int | None
    source: str
    casualty: str  # identity of the casualty: vessel name/MMSI or a description
    situation: str  # nature of the emergency, as recorded
    rcc: ResponsibleRcc | None
    owner: str
    actions_taken: tuple[str, ...] = ()
    search_area: SearchAreaSummary | None = None
    weather: str = ""
    assistance_required: str = ""
    coordinating_instructions: str = ""
    future_plans: str = ""
    additional_info: str = ""
    closed_at: datetime | None = None
    conclusion: Conclusion | None = None
    conclusion_summary: str = ""
    phase_since: datetime | None = None
    description: str = ""  # the coordinator's text for item G, beside the craft type
    requests: tuple[AssistanceRequest, ...] = ()  # every request for assistance of the case, open or ended
