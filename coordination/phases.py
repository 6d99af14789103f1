"""IAMSAR emergency phases of a SAR case, as pure functions over the case's event history.

IAMSAR Manual Vol. II, chapter 3 ("Awareness and initial action"; "Emergency phases"):

* **Uncertainty** (INCERFA) — doubt about the safety of a craft or persons: the RCC verifies the
  information and makes enquiries (communication search).
* **Alert** (ALERFA) — apprehension for the safety of a craft or persons: the RCC alerts SAR units,
  broadcasts to shipping and expands the communication search.
* **Distress** (DETRESFA) — reasonable certainty that the craft or persons are threatened by grave and
  imminent danger and require immediate assistance: the RCC dispatches SAR facilities, relays the
  distress to shipping, designates an on-scene co-ordinator and plans the search.

A case's state is never stored by itself: it is the fold of its append-only event log (:func:`replay`).
Every command (:func:`change_phase`, :func:`record_action`, :func:`propose_no_action`,
:func:`confirm_no_action`, :func:`close_case`, :func:`hand_over`) checks the rules against that state
and returns the single new :class:`CaseEvent` to append; nothing here reads a clock or a database —
``now`` is always passed in.

Timings. IAMSAR leaves the timing of each action to the SAR mission co-ordinator; the due times below
are Seasight defaults (source: "Seasight default, tune per RCC policy") so that an overdue action prompts
the coordinator. Each has a name, a unit (minutes after the phase was entered), a default and a range.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from coordination.errors import CaseClosedError, InvalidInputError, PhaseRuleError


class Phase(StrEnum):
    """IAMSAR emergency phase (Vol. II ch. 3), in order of increasing concern."""

    UNCERTAINTY = "uncertainty"
    ALERT = "alert"
    DISTRESS = "distress"

    @property
    def icao_code(self) -> str:
        """The ICAO/IAMSAR code word: INCERFA, ALERFA, DETRESFA."""
        return {"uncertainty": "INCERFA", "alert": "ALERFA", "distress": "DETRESFA"}[self.value]

    @property
    def rank(self) -> int:
        return {"uncertainty": 1, "alert": 2, "distress": 3}[self.value]


class Conclusion(StrEnum):
    """How a SAR case ended."""

    RESCUED = "rescued"
    LOCATED_SAFE = "located_safe"
    LOST = "lost"
    FALSE_ALARM = "false_alarm"
    HANDED_OVER = "handed_over"


class EventKind(StrEnum):
    """Kinds of entries in the append-only case log."""

    OPENED = "opened"
    PHASE_CHANGED = "phase_changed"
    ACTION_DONE = "action_done"
    NO_ACTION_PROPOSED = "no_action_proposed"
    NO_ACTION_CONFIRMED = "no_action_confirmed"
    ASSIGNED = "assigned"
    HANDED_OVER = "handed_over"
    SEARCH_AREA = "search_area"
    MESSAGE_SENT = "message_sent"
    NOTE = "note"
    CLOSED = "closed"
    ASSISTANCE_REQUESTED = "assistance_requested"
    ASSISTANCE_ENDED = "assistance_ended"
    SITREP_ITEM = "sitrep_item"
    HANDOVER_OFFERED = "handover_offered"
    HANDOVER_ACCEPTED = "handover_accepted"
    HANDOVER_DECLINED = "handover_declined"


class AssistanceNeed(StrEnum):
    """What a case asks others for: SITREP item E, "assistance required" (IAMSAR Vol. II, SITREP format)."""

    RESCUE = "rescue"
    SHIPS_TO_ASSIST = "ships_to_assist"
    SEARCH = "search"
    MEDICAL_EVACUATION = "medical_evacuation"
    MEDICAL_ADVICE = "medical_advice"
    WATER_AND_FOOD = "water_and_food"
    TOW = "tow"
    FUEL = "fuel"
    ESCORT = "escort"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The words of the SITREP line (upper case, as messages are written)."""
        return {
            "rescue": "RESCUE",
            "ships_to_assist": "SHIPS IN THE VICINITY TO PROCEED AND ASSIST",
            "search": "SEARCH BY AIR AND SURFACE UNITS",
            "medical_evacuation": "MEDICAL EVACUATION (MEDEVAC)",
            "medical_advice": "MEDICAL ADVICE (MEDICO)",
            "water_and_food": "DRINKING WATER AND FOOD",
            "tow": "TOW",
            "fuel": "FUEL",
            "escort": "ESCORT",
            "other": "OTHER",
        }[self.value]


# SITREP items a coordinator writes (IAMSAR Vol. II, SITREP full form): G description of casualty, H weather
# on scene, L co-ordinating instructions, M future plans, N additional information. The latest text wins.
SITREP_ITEMS: dict[str, str] = {
    "G": "description of casualty",
    "H": "weather on scene",
    "L": "co-ordinating instructions",
    "M": "future plans",
    "N": "additional information",
}

# At most this many characters per SITREP item text or request detail (a SITREP line stays readable).
MAX_ITEM_CHARS = 1000


@dataclass(frozen=True)
class CaseEvent:
    """One entry of the case log: what happened, when (UTC), who did it, and its details."""

    kind: EventKind
    at: datetime
    acted_by: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChecklistAction:
    """An action IAMSAR expects in a phase, with the Seasight due time that prompts the coordinator.

    ``due_after_min``: minutes after the phase was entered (range 1–1440), default per action below,
    source "Seasight default, tune per RCC policy"; the action itself is from ``iamsar_ref``.
    """

    id: str
    phase: Phase
    title: str
    due_after_min: int
    iamsar_ref: str


# The phase checklists (IAMSAR Vol. II ch. 3, "Emergency phases" — actions of the RCC in each phase).
CHECKLIST: tuple[ChecklistAction, ...] = (
    ChecklistAction(
        "verify_report",
        Phase.UNCERTAINTY,
        "Verify the report and its source",
        15,
        "IAMSAR Vol. II 3.5 Uncertainty phase: verify the information received",
    ),
    ChecklistAction(
        "communication_search",
        Phase.UNCERTAINTY,
        "Enquiries (communication search): owners, agents, ports, ship reporting systems",
        30,
        "IAMSAR Vol. II 3.5 Uncertainty phase: communication search",
    ),
    ChecklistAction(
        "plot_lkp",
        Phase.UNCERTAINTY,
        "Plot the last known position and intended track",
        30,
        "IAMSAR Vol. II 3.5 Uncertainty phase: evaluate and plot",
    ),
    ChecklistAction(
        "alert_sar_units",
        Phase.ALERT,
        "Alert SAR units and facilities",
        15,
        "IAMSAR Vol. II 3.6 Alert phase: alert appropriate SAR facilities",
    ),
    ChecklistAction(
        "broadcast_to_shipping",
        Phase.ALERT,
        "Broadcast to shipping in the area",
        20,
        "IAMSAR Vol. II 3.6 Alert phase: urgency broadcast to shipping",
    ),
    ChecklistAction(
        "surpic",
        Phase.ALERT,
        "Request a SURPIC of ships near the datum",
        20,
        "IAMSAR Vol. II 3.6 Alert phase: identify ships able to assist",
    ),
    ChecklistAction(
        "expand_enquiries",
        Phase.ALERT,
        "Expand the communication search",
        60,
        "IAMSAR Vol. II 3.6 Alert phase: extended communication search",
    ),
    ChecklistAction(
        "dispatch_sar_facilities",
        Phase.DISTRESS,
        "Dispatch SAR facilities",
        10,
        "IAMSAR Vol. II 3.7 Distress phase: dispatch SAR facilities",
    ),
    ChecklistAction(
        "distress_relay",
        Phase.DISTRESS,
        "Distress relay (MAYDAY RELAY) to shipping",
        10,
        "IAMSAR Vol. II 3.7 Distress phase: distress broadcast to shipping",
    ),
    ChecklistAction(
        "designate_osc",
        Phase.DISTRESS,
        "Designate the on-scene co-ordinator",
        30,
        "IAMSAR Vol. II 3.7 Distress phase: designate an OSC",
    ),
    ChecklistAction(
        "search_plan",
        Phase.DISTRESS,
        "Compute datum and search area; issue the search plan",
        45,
        "IAMSAR Vol. II 3.7 Distress phase and ch. 4 search planning",
    ),
    ChecklistAction(
        "sitrep",
        Phase.DISTRESS,
        "Send a SITREP to the authorities concerned",
        60,
        "IAMSAR Vol. II 3.7 Distress phase; SITREP format (Appendix D)",
    ),
)


@dataclass(frozen=True)
class PhaseTimers:
    """How long a case may stay in a phase before Seasight prompts escalation.

    * ``uncertainty_max_min`` — minutes in Uncertainty before prompting Alert; default 60, range 5–1440,
      source "Seasight default, tune per RCC policy" (IAMSAR Vol. II ch. 3 lets the SMC decide).
    * ``alert_max_min`` — minutes in Alert before prompting Distress; default 120, range 5–2880, same source.
    """

    uncertainty_max_min: int = 60
    alert_max_min: int = 120

    def __post_init__(self) -> None:
        if not 5 <= self.uncertainty_max_min <= 1440:
            raise InvalidInputError(f"uncertainty_max_min must be 5–1440 minutes, got {self.uncertainty_max_min}")
        if not 5 <= self.alert_max_min <= 2880:
            raise InvalidInputError(f"alert_max_min must be 5–2880 minutes, got {self.alert_max_min}")


@dataclass(frozen=True)
class PhasePeriod:
    phase: Phase
    start: datetime
    end: datetime | None  # None while it is the current phase


@dataclass(frozen=True)
class NoActionDecision:
    """A decision to take no (further) action, effective only once a second coordinator confirms it."""

    reason: str
    proposed_by: str
    proposed_at: datetime
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None


@dataclass(frozen=True)
class AssistanceRequest:
    """A request for assistance recorded with the case (numbered 1, 2 … per case); open until met or
    withdrawn. ``persons``: persons it concerns (e.g. 2 for a medical evacuation), None when not given."""

    number: int
    need: AssistanceNeed
    detail: str
    asked_of: str
    persons: int | None
    requested_at: datetime
    requested_by: str
    status: str = "open"  # open | met | withdrawn
    ended_at: datetime | None = None
    note: str = ""

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class HandoverOffer:
    """A pending offer to hand the case over to another state's RCC (IAMSAR Vol. II ch. 3): the offering
    RCC stays responsible until a coordinator of ``to_country`` accepts."""

    to_rcc: str
    to_country: str
    to_srr_id: str | None
    reason: str
    offered_by: str
    offered_at: datetime


@dataclass(frozen=True)
class CaseState:
    """The state of a case, folded from its log (see :func:`replay`)."""

    opened_at: datetime
    opened_by: str
    phase: Phase
    periods: tuple[PhasePeriod, ...]
    actions_done: frozenset[tuple[Phase, str]] = frozenset()
    no_action: NoActionDecision | None = None
    closed_at: datetime | None = None
    conclusion: Conclusion | None = None
    rcc: str | None = None
    sitreps_sent: int = 0
    final_sitrep_sent: int | None = None  # number of the SITREP sent as FINAL, if any
    requests: tuple[AssistanceRequest, ...] = ()
    sitrep_items: tuple[tuple[str, str], ...] = ()  # (item letter, latest text), letters in SITREP order
    handover_offer: HandoverOffer | None = None

    @property
    def open_requests(self) -> tuple[AssistanceRequest, ...]:
        return tuple(r for r in self.requests if r.is_open)

    def sitrep_item(self, letter: str) -> str:
        """The coordinator's latest text for SITREP item ``letter`` ('' when none was written)."""
        return dict(self.sitrep_items).get(letter, "")

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def phase_since(self) -> datetime:
        return self.periods[-1].start


@dataclass(frozen=True)
class Prompt:
    """A timer that has run out: an overdue checklist action or a phase held too long."""

    kind: str  # "overdue_action" | "escalate"
    message: str
    due_at: datetime
    overdue_by: timedelta
    action_id: str | None = None


def _require_text(value: str, name: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidInputError(f"{name} must not be empty")
    return text


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise InvalidInputError("time must be timezone-aware (UTC)")


def open_event(phase: Phase, by: str, now: datetime, reason: str, details: Mapping[str, Any]) -> CaseEvent:
    """The first event of a case: opened in ``phase`` for ``reason``."""
    _require_aware(now)
    return CaseEvent(
        EventKind.OPENED,
        now,
        _require_text(by, "acted_by"),
        {"phase": phase.value, "reason": _require_text(reason, "reason"), **details},
    )


def replay(events: Iterable[CaseEvent]) -> CaseState:
    """Fold a case's log, oldest first, into its state. The first event must be ``opened``."""
    state: CaseState | None = None
    for ev in events:
        if state is None:
            if ev.kind is not EventKind.OPENED:
                raise PhaseRuleError(f"case log must start with 'opened', got {ev.kind.value!r}")
            phase = Phase(ev.data["phase"])
            state = CaseState(
                opened_at=ev.at,
                opened_by=ev.acted_by,
                phase=phase,
                periods=(PhasePeriod(phase, ev.at, None),),
                rcc=ev.data.get("rcc"),
            )
            continue
        if ev.kind is EventKind.PHASE_CHANGED:
            new = Phase(ev.data["to"])
            last = state.periods[-1]
            periods = (*state.periods[:-1], replace(last, end=ev.at), PhasePeriod(new, ev.at, None))
            # a new phase makes any pending or confirmed no-action decision of the old phase moot
            state = replace(state, phase=new, periods=periods, no_action=None)
        elif ev.kind is EventKind.ACTION_DONE:
            state = replace(
                state, actions_done=state.actions_done | {(Phase(ev.data["phase"]), str(ev.data["action"]))}
            )
        elif ev.kind is EventKind.NO_ACTION_PROPOSED:
            state = replace(state, no_action=NoActionDecision(str(ev.data["reason"]), ev.acted_by, ev.at))
        elif ev.kind is EventKind.NO_ACTION_CONFIRMED and state.no_action is not None:
            state = replace(state, no_action=replace(state.no_action, confirmed_by=ev.acted_by, confirmed_at=ev.at))
        elif ev.kind is EventKind.HANDED_OVER:
            state = replace(state, rcc=ev.data.get("to_rcc"))
        elif ev.kind is EventKind.HANDOVER_OFFERED:
            offer = HandoverOffer(
                str(ev.data["to_rcc"]),
                str(ev.data["to_country"]),
                ev.data.get("to_srr_id"),
                str(ev.data.get("reason", "")),
                ev.acted_by,
                ev.at,
            )
            state = replace(state, handover_offer=offer)
        elif ev.kind is EventKind.HANDOVER_ACCEPTED:
            state = replace(state, rcc=ev.data.get("to_rcc"), handover_offer=None)
        elif ev.kind is EventKind.HANDOVER_DECLINED:
            state = replace(state, handover_offer=None)
        elif ev.kind is EventKind.MESSAGE_SENT and ev.data.get("format") == "sitrep":
            number = state.sitreps_sent + 1
            final = state.final_sitrep_sent
            if ev.data.get("final"):
                final = final or number
            state = replace(state, sitreps_sent=number, final_sitrep_sent=final)
        elif ev.kind is EventKind.ASSISTANCE_REQUESTED:
            persons = ev.data.get("persons")
            request = AssistanceRequest(
                int(ev.data["number"]),
                AssistanceNeed(ev.data["need"]),
                str(ev.data.get("detail", "")),
                str(ev.data.get("asked_of", "")),
                int(persons) if persons is not None else None,
                ev.at,
                ev.acted_by,
            )
            state = replace(state, requests=(*state.requests, request))
        elif ev.kind is EventKind.ASSISTANCE_ENDED:
            number = int(ev.data["number"])
            state = replace(
                state,
                requests=tuple(
                    replace(r, status=str(ev.data["status"]), ended_at=ev.at, note=str(ev.data.get("note", "")))
                    if r.number == number
                    else r
                    for r in state.requests
                ),
            )
        elif ev.kind is EventKind.SITREP_ITEM:
            items = dict(state.sitrep_items)
            items[str(ev.data["item"])] = str(ev.data["text"])
            state = replace(state, sitrep_items=tuple((k, items[k]) for k in SITREP_ITEMS if k in items))
        elif ev.kind is EventKind.CLOSED:
            last = state.periods[-1]
            state = replace(
                state,
                closed_at=ev.at,
                conclusion=Conclusion(ev.data["conclusion"]),
                periods=(*state.periods[:-1], replace(last, end=ev.at)),
            )
    if state is None:
        raise PhaseRuleError("case log is empty")
    return state


def _check_open(state: CaseState, now: datetime) -> None:
    _require_aware(now)
    if state.is_closed:
        raise CaseClosedError(f"the case was closed at {state.closed_at:%Y-%m-%d %H:%MZ} ({state.conclusion})")
    if now < state.periods[-1].start:
        raise InvalidInputError("time is before the case's last phase change")


def change_phase(state: CaseState, to: Phase, reason: str, by: str, now: datetime) -> CaseEvent:
    """Move the case to another phase (escalation or downgrade); a reason is always recorded."""
    _check_open(state, now)
    reason = _require_text(reason, "reason")
    if to is state.phase:
        raise PhaseRuleError(f"the case is already in the {to.value} phase")
    return CaseEvent(
        EventKind.PHASE_CHANGED,
        now,
        _require_text(by, "acted_by"),
        {
            "from": state.phase.value,
            "to": to.value,
            "reason": reason,
            "direction": "escalation" if to.rank > state.phase.rank else "downgrade",
        },
    )


def checklist_for(phase: Phase) -> tuple[ChecklistAction, ...]:
    return tuple(a for a in CHECKLIST if a.phase is phase)


def record_action(state: CaseState, action_id: str, by: str, now: datetime, note: str = "") -> CaseEvent:
    """Tick an action of the current phase's checklist as done."""
    _check_open(state, now)
    known = {a.id for a in checklist_for(state.phase)}
    if action_id not in known:
        raise InvalidInputError(
            f"action {action_id!r} is not on the {state.phase.value} checklist "
            f"(expected one of: {', '.join(sorted(known))})"
        )
    if (state.phase, action_id) in state.actions_done:
        raise PhaseRuleError(f"action {action_id!r} is already recorded as done in this phase")
    return CaseEvent(
        EventKind.ACTION_DONE,
        now,
        _require_text(by, "acted_by"),
        {"phase": state.phase.value, "action": action_id, "note": note.strip()},
    )


def propose_no_action(state: CaseState, reason: str, by: str, now: datetime) -> CaseEvent:
    """Record a decision to take no further action; it needs a second coordinator's confirmation.

    Not allowed in the distress phase: IAMSAR Vol. II ch. 3 requires action on distress; downgrade the
    phase first, with its reason.
    """
    _check_open(state, now)
    if state.phase is Phase.DISTRESS:
        raise PhaseRuleError("no-action cannot be decided in the distress phase; downgrade the phase first")
    if state.no_action is not None:
        status = "confirmed" if state.no_action.confirmed_by else "awaiting confirmation"
        raise PhaseRuleError(f"a no-action decision by {state.no_action.proposed_by} is already {status}")
    return CaseEvent(
        EventKind.NO_ACTION_PROPOSED,
        now,
        _require_text(by, "acted_by"),
        {"reason": _require_text(reason, "reason"), "phase": state.phase.value},
    )


def confirm_no_action(state: CaseState, by: str, now: datetime) -> CaseEvent:
    """Second coordinator's confirmation of a no-action decision (never the one who proposed it)."""
    _check_open(state, now)
    by = _require_text(by, "acted_by")
    if state.no_action is None:
        raise PhaseRuleError("there is no no-action decision to confirm")
    if state.no_action.confirmed_by is not None:
        raise PhaseRuleError(f"the no-action decision was already confirmed by {state.no_action.confirmed_by}")
    if by == state.no_action.proposed_by:
        raise PhaseRuleError(f"{by} proposed the no-action decision; a second coordinator must confirm it")
    return CaseEvent(EventKind.NO_ACTION_CONFIRMED, now, by, {"proposed_by": state.no_action.proposed_by})


def hand_over(state: CaseState, to_rcc: str, reason: str, by: str, now: datetime, accepted_by: str = "") -> CaseEvent:
    """Hand coordination over to another RCC (IAMSAR Vol. II ch. 3, transfer of SMC duties)."""
    _check_open(state, now)
    to_rcc = _require_text(to_rcc, "to_rcc")
    if to_rcc == state.rcc:
        raise PhaseRuleError(f"{to_rcc} already coordinates this case")
    return CaseEvent(
        EventKind.HANDED_OVER,
        now,
        _require_text(by, "acted_by"),
        {
            "from_rcc": state.rcc,
            "to_rcc": to_rcc,
            "reason": _require_text(reason, "reason"),
            "accepted_by": accepted_by.strip(),
        },
    )


def request_assistance(
    state: CaseState,
    need: AssistanceNeed,
    detail: str,
    asked_of: str,
    persons: int | None,
    by: str,
    now: datetime,
) -> CaseEvent:
    """Record a request for assistance (SITREP item E); numbered 1, 2 … in the case. ``other`` needs a
    detail saying what is asked; ``persons`` (0–10000) is how many persons it concerns, when known."""
    _check_open(state, now)
    detail = detail.strip()
    asked_of = asked_of.strip()
    if need is AssistanceNeed.OTHER and not detail:
        raise InvalidInputError("a request of kind 'other' needs --detail saying what is asked")
    for name, text in (("detail", detail), ("asked_of", asked_of)):
        if len(text) > MAX_ITEM_CHARS:
            raise InvalidInputError(f"{name} is {len(text)} characters; at most {MAX_ITEM_CHARS}")
    if persons is not None and not 0 <= persons <= 10000:
        raise InvalidInputError(f"persons must be 0–10000, got {persons}")
    return CaseEvent(
        EventKind.ASSISTANCE_REQUESTED,
        now,
        _require_text(by, "acted_by"),
        {
            "number": len(state.requests) + 1,
            "need": need.value,
            "detail": detail,
            "asked_of": asked_of,
            "persons": persons,
        },
    )


def end_assistance(state: CaseState, number: int, status: str, note: str, by: str, now: datetime) -> CaseEvent:
    """Mark request ``number`` as ``met`` or ``withdrawn`` (a withdrawal says why in ``note``)."""
    _check_open(state, now)
    if status not in ("met", "withdrawn"):
        raise InvalidInputError(f"a request ends as met or withdrawn, not {status!r}")
    request = next((r for r in state.requests if r.number == number), None)
    if request is None:
        known = ", ".join(str(r.number) for r in state.requests) or "none recorded"
        raise InvalidInputError(f"no assistance request number {number} in this case (requests: {known})")
    if not request.is_open:
        raise PhaseRuleError(f"request {number} is already {request.status}")
    note = note.strip()
    if status == "withdrawn" and not note:
        raise InvalidInputError("say why the request is withdrawn (--note)")
    return CaseEvent(
        EventKind.ASSISTANCE_ENDED,
        now,
        _require_text(by, "acted_by"),
        {"number": number, "status": status, "note": note},
    )


def set_sitrep_item(state: CaseState, item: str, text: str, by: str, now: datetime) -> CaseEvent:
    """The coordinator's text for SITREP item G, H, L, M or N (see :data:`SITREP_ITEMS`); it replaces the
    earlier text of that item in every later SITREP. Allowed on a closed case too (the final SITREP)."""
    _require_aware(now)
    letter = item.strip().upper()
    if letter not in SITREP_ITEMS:
        raise InvalidInputError(
            f"SITREP item {item!r} is not written by hand; choose from "
            + ", ".join(f"{k} ({v})" for k, v in SITREP_ITEMS.items())
        )
    text = " ".join(text.split())
    if not text:
        raise InvalidInputError(f"the text of SITREP item {letter} ({SITREP_ITEMS[letter]}) must not be empty")
    if len(text) > MAX_ITEM_CHARS:
        raise InvalidInputError(f"the text of SITREP item {letter} is {len(text)} characters; at most {MAX_ITEM_CHARS}")
    if now < state.periods[-1].start:
        raise InvalidInputError("time is before the case's last phase change")
    if text == state.sitrep_item(letter):
        raise PhaseRuleError(f"SITREP item {letter} already reads so")
    return CaseEvent(EventKind.SITREP_ITEM, now, _require_text(by, "acted_by"), {"item": letter, "text": text})


def offer_handover(
    state: CaseState,
    to_rcc: str,
    to_country: str,
    to_srr_id: str | None,
    owner: str,
    reason: str,
    by: str,
    now: datetime,
) -> CaseEvent:
    """Offer the case to the RCC of another state (``owner`` is the state holding it now); it stays with
    the offering RCC until the receiving state's coordinator accepts (:func:`answer_handover`)."""
    _check_open(state, now)
    to_rcc = _require_text(to_rcc, "to_rcc")
    if state.handover_offer is not None:
        o = state.handover_offer
        raise PhaseRuleError(f"a hand-over to {o.to_rcc} ({o.to_country}) offered by {o.offered_by} is pending")
    if to_country == owner:
        raise PhaseRuleError(
            f"{to_country} holds the case already: a hand-over within the state changes the RCC (give --accepted-by)"
        )
    if to_rcc == state.rcc:
        raise PhaseRuleError(f"{to_rcc} already coordinates this case")
    return CaseEvent(
        EventKind.HANDOVER_OFFERED,
        now,
        _require_text(by, "acted_by"),
        {
            "from_rcc": state.rcc,
            "to_rcc": to_rcc,
            "to_country": to_country,
            "to_srr_id": to_srr_id,
            "reason": _require_text(reason, "reason"),
        },
    )


def answer_handover(
    state: CaseState, accept: bool, participant: str, by: str, now: datetime, reason: str = ""
) -> CaseEvent:
    """The receiving state's answer to a pending offer: accepted (the case becomes that state's) or
    declined with a reason. ``participant`` is the answering coordinator's state."""
    _check_open(state, now)
    offer = state.handover_offer
    if offer is None:
        raise PhaseRuleError("no hand-over is offered for this case")
    if participant != offer.to_country:
        raise PhaseRuleError(
            f"the case is offered to {offer.to_rcc} ({offer.to_country}); a coordinator of {offer.to_country} "
            f"answers, not one of {participant}"
        )
    by = _require_text(by, "acted_by")
    if accept:
        return CaseEvent(
            EventKind.HANDOVER_ACCEPTED,
            now,
            by,
            {
                "from_rcc": state.rcc,
                "to_rcc": offer.to_rcc,
                "to_country": offer.to_country,
                "to_srr_id": offer.to_srr_id,
                "offered_by": offer.offered_by,
                "reason": offer.reason,
            },
        )
    return CaseEvent(
        EventKind.HANDOVER_DECLINED,
        now,
        by,
        {"to_rcc": offer.to_rcc, "to_country": offer.to_country, "reason": _require_text(reason, "reason")},
    )


def withdraw_handover(state: CaseState, reason: str, by: str, now: datetime) -> CaseEvent:
    """The offering side withdraws its pending offer (recorded as declined, ``withdrawn``)."""
    _check_open(state, now)
    offer = state.handover_offer
    if offer is None:
        raise PhaseRuleError("no hand-over is offered for this case")
    return CaseEvent(
        EventKind.HANDOVER_DECLINED,
        now,
        _require_text(by, "acted_by"),
        {
            "to_rcc": offer.to_rcc,
            "to_country": offer.to_country,
            "reason": _require_text(reason, "reason"),
            "withdrawn": True,
        },
    )


def close_case(state: CaseState, conclusion: Conclusion, summary: str, by: str, now: datetime) -> CaseEvent:
    """Close the case with its conclusion (rescued, located safe, lost, false alarm, handed over)."""
    _check_open(state, now)
    if state.no_action is not None and state.no_action.confirmed_by is None:
        raise PhaseRuleError(
            "a no-action decision awaits a second coordinator's confirmation; confirm it before closing"
        )
    return CaseEvent(
        EventKind.CLOSED,
        now,
        _require_text(by, "acted_by"),
        {
            "conclusion": conclusion.value,
            "summary": _require_text(summary, "summary"),
            "final_phase": state.phase.value,
        },
    )


def time_in_phases(state: CaseState, now: datetime) -> dict[Phase, timedelta]:
    """Total time the case spent in each phase (up to ``now`` for the current one)."""
    totals = {p: timedelta(0) for p in Phase}
    for period in state.periods:
        end = period.end if period.end is not None else now
        totals[period.phase] += max(end - period.start, timedelta(0))
    return totals


def prompts(
    state: CaseState,
    now: datetime,
    timers: PhaseTimers = PhaseTimers(),
    checklist: Sequence[ChecklistAction] = CHECKLIST,
) -> list[Prompt]:
    """Timers that have run out at ``now``: overdue checklist actions of the current phase, then a prompt
    to escalate when the case has stayed too long in Uncertainty or Alert. Nothing for closed cases or
    while a confirmed no-action decision stands."""
    if state.is_closed or (state.no_action is not None and state.no_action.confirmed_by is not None):
        return []
    since = state.phase_since
    out: list[Prompt] = []
    for action in checklist:
        if action.phase is not state.phase or (state.phase, action.id) in state.actions_done:
            continue
        due = since + timedelta(minutes=action.due_after_min)
        if now > due:
            out.append(Prompt("overdue_action", f"{action.title} — overdue", due, now - due, action.id))
    limit = {Phase.UNCERTAINTY: timers.uncertainty_max_min, Phase.ALERT: timers.alert_max_min}.get(state.phase)
    if limit is not None:
        due = since + timedelta(minutes=limit)
        if now > due:
            nxt = Phase.ALERT if state.phase is Phase.UNCERTAINTY else Phase.DISTRESS
            out.append(
                Prompt(
                    "escalate",
                    f"{state.phase.value} phase for over {limit} min: consider escalating to {nxt.value}",
                    due,
                    now - due,
                )
            )
    return out
