"""Ranking candidate places of safety for a case (pure logic: frozen records in, frozen records out).

Order, per IMO MSC.167(78) para 2.5 and SAR Convention Annex para 3.1.9 (as amended 2004): places in the
state responsible for the SAR region (SRR) where the people were rescued come first, because that state
must provide a place of safety or ensure one is provided; then places in other states. Within each group
places are ordered by a *score in hours*: the sailing time at the ship's speed over the sea-route distance,
plus penalties, each stated as a reason, for what the register and the recorded practice say about the
place (no medical capacity; no UNHCR or IOM presence; a record of refusals, pushbacks or detention on
arrival). The rescuing ship is only a temporary place of safety (MSC.167(78) para 6.12-6.14), so a shorter
voyage weighs most. Every weight below is a :class:`Parameter` with a name, unit, default, range and
source, so an RSO analyst or SMC can see why a place ranks where it does and tune it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date

from coordination.disembarkation.errors import DisembarkationError


@dataclass(frozen=True)
class Parameter:
    """One named weight or threshold of the ranking."""

    name: str
    unit: str
    default: float
    minimum: float
    maximum: float
    source: str
    description: str


PARAMETERS: dict[str, Parameter] = {
    p.name: p
    for p in (
        Parameter(
            "ship_speed_kn",
            "kn",
            8.0,
            1.0,
            40.0,
            "Team assumption (Seasight, 2026-11): a slow merchant or patrol vessel with survivors aboard",
            "Speed of the rescuing ship used for the time to each place when the case gives none.",
        ),
        Parameter(
            "max_sea_distance_nm",
            "nm",
            800.0,
            20.0,
            3000.0,
            "Team choice (Seasight, 2026-11): about four days at 8 kn",
            "Places further than this by sea are not offered.",
        ),
        Parameter(
            "max_options",
            "places",
            10.0,
            1.0,
            50.0,
            "Team choice (Seasight, 2026-11)",
            "How many ranked places are listed.",
        ),
        Parameter(
            "other_state_options",
            "places",
            3.0,
            0.0,
            20.0,
            "Team choice (Seasight, 2026-11): the SMC should see the nearest alternatives in case the "
            "responsible state does not provide a place of safety",
            "Places of other states kept in the list even when the responsible state's places could fill it.",
        ),
        Parameter(
            "no_medical_penalty_h",
            "h",
            12.0,
            0.0,
            168.0,
            "Team choice (Seasight, 2026-11): sailing time an SMC might add to reach medical care",
            "Added when the register records no medical capacity at the place.",
        ),
        Parameter(
            "basic_medical_penalty_h",
            "h",
            4.0,
            0.0,
            168.0,
            "Team choice (Seasight, 2026-11)",
            "Added when the register records only basic medical capacity (no hospital).",
        ),
        Parameter(
            "no_protection_presence_penalty_h",
            "h",
            6.0,
            0.0,
            168.0,
            "Team choice (Seasight, 2026-11): Jakarta Declaration protection commitments (victim "
            "identification, referral)",
            "Added when the register records neither UNHCR nor IOM present.",
        ),
        Parameter(
            "refusal_penalty_h",
            "h per share",
            48.0,
            0.0,
            500.0,
            "Team choice (Seasight, 2026-11); categories of UNHCR regional sea-movement monitoring",
            "Times the share of recorded outcomes refused, pushed back or towed out by that state/port.",
        ),
        Parameter(
            "detention_penalty_h",
            "h per share",
            12.0,
            0.0,
            500.0,
            "Team choice (Seasight, 2026-11); UNHCR monitoring records detention on arrival vs release",
            "Times the share of disembarkations followed by detention on arrival.",
        ),
        Parameter(
            "min_cases_for_practice",
            "cases",
            5.0,
            1.0,
            100.0,
            "RSO rule: counts under 5 are suppressed in shared outputs (issue 7)",
            "Recorded practice is used (and shown) only when at least this many real cases are recorded.",
        ),
    )
}


@dataclass(frozen=True)
class RankingParameters:
    """Values of :data:`PARAMETERS` for one ranking (defaults unless given)."""

    ship_speed_kn: float = PARAMETERS["ship_speed_kn"].default
    max_sea_distance_nm: float = PARAMETERS["max_sea_distance_nm"].default
    max_options: int = int(PARAMETERS["max_options"].default)
    other_state_options: int = int(PARAMETERS["other_state_options"].default)
    no_medical_penalty_h: float = PARAMETERS["no_medical_penalty_h"].default
    basic_medical_penalty_h: float = PARAMETERS["basic_medical_penalty_h"].default
    no_protection_presence_penalty_h: float = PARAMETERS["no_protection_presence_penalty_h"].default
    refusal_penalty_h: float = PARAMETERS["refusal_penalty_h"].default
    detention_penalty_h: float = PARAMETERS["detention_penalty_h"].default
    min_cases_for_practice: int = int(PARAMETERS["min_cases_for_practice"].default)

    def __post_init__(self) -> None:
        for f in fields(self):
            p = PARAMETERS[f.name]
            value = getattr(self, f.name)
            if not p.minimum <= value <= p.maximum:
                raise DisembarkationError(
                    f"{f.name} ({value} {p.unit}) must be between {p.minimum:g} and {p.maximum:g} {p.unit}"
                )


CANDIDATE_NOT_VERIFIED = "candidate \u2014 not verified"
"""Status of a place whose facilities nobody has recorded with a source: a port that may serve as a place
of safety, to be confirmed with the state's focal point before it is relied on."""


@dataclass(frozen=True)
class PlaceOfSafety:
    """A port or landing place in the register, with the team's own attributes (None = not known)."""

    locode: str
    name: str
    state: str  # ISO 3166-1 alpha-3
    lat: float
    lon: float
    kind: str = "port"  # port | landing_place
    reception_facilities: str | None = None
    medical_capacity: str | None = None  # none | basic | hospital
    unhcr_presence: bool | None = None
    iom_presence: bool | None = None
    screening_procedures: str | None = None
    practice_notes: str | None = None
    attributes_source: str | None = None
    attributes_as_of: date | None = None
    position_source: str = ""
    version: int = 1
    size_class: str | None = None  # e.g. "liner port: services to 12 countries listed (searoute)"
    in_register: bool = True  # False: a candidate from the port list, not (yet) in the register

    @property
    def verified(self) -> bool:
        """True once the state's focal point (or the team) recorded facilities with a source and a date."""
        return self.attributes_source is not None

    @property
    def status(self) -> str:
        if self.verified:
            return f"verified: {self.attributes_source}, {self.attributes_as_of}"
        return CANDIDATE_NOT_VERIFIED


@dataclass(frozen=True)
class Practice:
    """Recorded practice of a state or port, from real (non-exercise) recorded outcomes."""

    scope: str  # "state IDN" or "port IDLSW"
    cases: int
    disembarked_share: float | None  # 0..1
    refused_share: float | None  # refused, pushed back or towed out, 0..1
    detention_share: float | None  # detention on arrival among receptions known, 0..1
    median_hours_to_disembarkation: float | None


@dataclass(frozen=True)
class Rescue:
    """Where the people are and who is responsible (SRR of the rescue position)."""

    case_id: int
    lat: float
    lon: float
    responsible_state: str | None  # ISO alpha-3 of the SRR's RCC state, None if no SRR covers it
    responsible_basis: str  # e.g. "SRR 'IDN' (BASARNAS JRCC Jakarta) covers the rescue position"
    position_basis: str = "rescue position (case LKP)"


@dataclass(frozen=True)
class Candidate:
    """A place with its sea route from the rescue position (computed by the sea-route adapter)."""

    place: PlaceOfSafety
    sea_distance_nm: float
    harbour_leg_nm: float = 0.0
    state_practice: Practice | None = None
    port_practice: Practice | None = None


@dataclass(frozen=True)
class RankedOption:
    """One ranked place of safety with the reasons for its rank."""

    rank: int
    port: str
    locode: str
    state: str
    lat: float
    lon: float
    responsible_state: bool
    sea_distance_nm: float
    eta_hours: float
    score_hours: float
    reasons: tuple[str, ...] = field(default_factory=tuple)
    status: str = CANDIDATE_NOT_VERIFIED  # "candidate — not verified" or "verified: source, date"
    size_class: str | None = None


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _practice_reason(p: Practice) -> str:
    parts = [f"recorded practice, {p.scope} ({p.cases} real cases):"]
    if p.median_hours_to_disembarkation is not None:
        parts.append(f"median {p.median_hours_to_disembarkation:.0f} h from alert to disembarkation,")
    if p.disembarked_share is not None:
        parts.append(f"{_pct(p.disembarked_share)} disembarked,")
    if p.refused_share is not None:
        parts.append(f"{_pct(p.refused_share)} refused/pushed back/towed out,")
    parts.append(
        "detention on arrival " + (_pct(p.detention_share) if p.detention_share is not None else "not recorded")
    )
    return " ".join(parts)


def score_candidate(rescue: Rescue, c: Candidate, params: RankingParameters) -> RankedOption:
    """Score one candidate (rank 0 until :func:`rank_options` orders them). Units: nm, kn, h."""
    place = c.place
    eta = c.sea_distance_nm / params.ship_speed_kn
    score = eta
    responsible = rescue.responsible_state is not None and place.state == rescue.responsible_state
    reasons: list[str] = []
    if responsible:
        reasons.append(
            f"responsible state {place.state}: {rescue.responsible_basis} - it must provide or ensure "
            "a place of safety (IMO MSC.167(78) para 2.5; SAR Convention Annex 3.1.9)"
        )
    elif rescue.responsible_state is not None:
        reasons.append(
            f"not the responsible state ({rescue.responsible_state}); {place.state} only if it agrees "
            "or the responsible state arranges it"
        )
    else:
        reasons.append("responsible state unknown: no SRR recorded for the rescue position")
    route = f"sea route {c.sea_distance_nm:.0f} nm (searoute network, legs checked at sea)"
    if c.harbour_leg_nm > 0:
        route += f", incl. {c.harbour_leg_nm:.1f} nm harbour/river leg from the approach point"
    reasons.append(f"{route}; {eta:.1f} h at {params.ship_speed_kn:g} kn from the {rescue.position_basis}")

    if place.attributes_source is None:
        size = f"; size class: {place.size_class}" if place.size_class else ""
        origin = "" if place.in_register else " (from the port list, not yet in the register)"
        reasons.append(f"{CANDIDATE_NOT_VERIFIED}{origin}: facilities not recorded by the state's focal point{size}")
    else:
        basis = f"(register: {place.attributes_source}, {place.attributes_as_of})"
        if place.medical_capacity == "none":
            score += params.no_medical_penalty_h
            reasons.append(f"no medical capacity {basis}: +{params.no_medical_penalty_h:g} h")
        elif place.medical_capacity == "basic":
            score += params.basic_medical_penalty_h
            reasons.append(f"basic medical capacity only {basis}: +{params.basic_medical_penalty_h:g} h")
        elif place.medical_capacity == "hospital":
            reasons.append(f"hospital care {basis}")
        else:
            reasons.append("medical capacity not recorded")
        if place.unhcr_presence is False and place.iom_presence is False:
            score += params.no_protection_presence_penalty_h
            reasons.append(f"neither UNHCR nor IOM present {basis}: +{params.no_protection_presence_penalty_h:g} h")
        else:
            present = [org for org, flag in (("UNHCR", place.unhcr_presence), ("IOM", place.iom_presence)) if flag]
            if present:
                reasons.append(" and ".join(present) + " present")
        if place.reception_facilities:
            reasons.append(f"reception: {place.reception_facilities}")
        if place.screening_procedures:
            reasons.append(f"screening: {place.screening_procedures}")

    practice = None
    for p in (c.port_practice, c.state_practice):
        if p is not None and p.cases >= params.min_cases_for_practice:
            practice = p
            break
    if practice is None:
        reasons.append(
            f"no recorded practice used (fewer than {params.min_cases_for_practice} real cases for "
            f"port {place.locode} and state {place.state})"
        )
    else:
        reasons.append(_practice_reason(practice))
        if practice.refused_share:
            extra = params.refusal_penalty_h * practice.refused_share
            score += extra
            reasons.append(f"refusals/pushbacks on record: +{extra:.1f} h")
        if practice.detention_share:
            extra = params.detention_penalty_h * practice.detention_share
            score += extra
            reasons.append(f"detention on arrival on record: +{extra:.1f} h")
    return RankedOption(
        0,
        place.name,
        place.locode,
        place.state,
        place.lat,
        place.lon,
        responsible,
        round(c.sea_distance_nm, 1),
        round(eta, 1),
        round(score, 1),
        tuple(reasons),
        place.status,
        place.size_class,
    )


def rank_options(rescue: Rescue, candidates: list[Candidate], params: RankingParameters) -> list[RankedOption]:
    """Places within reach, responsible state first, then by score (h), distance and LOCODE; ranks 1..n.

    At most ``max_options`` places; up to ``other_state_options`` of them are kept for other states' best
    places when the responsible state's places alone could fill the list."""
    scored = [score_candidate(rescue, c, params) for c in candidates if c.sea_distance_nm <= params.max_sea_distance_nm]
    scored.sort(key=lambda o: (not o.responsible_state, o.score_hours, o.sea_distance_nm, o.locode))
    responsible = [o for o in scored if o.responsible_state]
    others = [o for o in scored if not o.responsible_state]
    kept_others = min(len(others), params.other_state_options, params.max_options)
    kept = responsible[: params.max_options - kept_others]
    kept += others[: params.max_options - len(kept)]
    return [replace(o, rank=i) for i, o in enumerate(kept, start=1)]
