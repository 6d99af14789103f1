"""SAR situation report (SITREP) in the IAMSAR format, plain text ready to send.

IAMSAR Manual Vol. II, Appendix D ("SITREP"): a heading (transmission priority, date-time group, from,
to, "SAR SITREP" with its number in the case's sequence and FINAL on the last), then

* **short form** — A identity of casualty, B position, C situation, D number of persons, E assistance
  required, F co-ordinating RCC;
* **full form** — the short form plus G description of casualty, H weather on scene, J initial actions
  taken, K search area, L co-ordinating instructions, M future plans, N additional information / conclusion
  (the letter I is not used).

Where each item comes from (:func:`sitrep_lines`):

* E — the case's open requests for assistance, numbered; with none open, persons in the distress phase
  still read as needing immediate assistance (IAMSAR: DETRESFA is "grave and imminent danger ... require
  immediate assistance"), never NIL; requests met or withdrawn are named;
* J — checklist actions done, assignments and requests met, each with its time;
* K — the latest datum with the datum's own time (the instant the drift was computed for), the drift's
  starting LKP time, radius, area and corners, then when it was computed;
* G, H, L, M, N — the coordinator's texts (:data:`coordination.phases.SITREP_ITEMS`) beside what the case
  knows: the craft type (G), the wind and current used for drift (H), the SMC/OSC/SRU/ACO assigned (L),
  hand-overs and no-action decisions (N), and on a closed case its conclusion and closing time (N).

An exercise SITREP starts and ends with "EXERCISE EXERCISE EXERCISE" and every letter line is prefixed
"EXERCISE" so no line can be taken for a real report when quoted alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from coordination.errors import InvalidInputError
from coordination.phases import AssistanceRequest, Phase
from coordination.report import CaseReport

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
EXERCISE_BANNER = "EXERCISE EXERCISE EXERCISE"


@dataclass(frozen=True)
class SitrepHeader:
    """Heading of a SITREP: its number in the case's sequence, when it is sent, to whom, whether final."""

    number: int
    sent_at: datetime
    to: Sequence[str] = ()
    final: bool = False

    def __post_init__(self) -> None:
        if self.number < 1:
            raise InvalidInputError(f"SITREP number must be 1 or more, got {self.number}")
        if self.sent_at.tzinfo is None:
            raise InvalidInputError("SITREP sent_at must be timezone-aware (UTC)")


def date_time_group(t: datetime) -> str:
    """Date-time group, e.g. ``231305Z NOV 26`` (day, hour, minute, Z for UTC, month, year)."""
    u = t.astimezone(UTC)
    return f"{u:%d%H%M}Z {_MONTHS[u.month - 1]} {u:%y}"


def format_position(lat: float, lon: float) -> str:
    """Degrees and decimal minutes, e.g. ``05 30.0N 095 15.5E``."""

    def part(value: float, width: int, pos: str, neg: str) -> str:
        hemi = pos if value >= 0 else neg
        minutes_total = round(abs(value) * 60, 1)
        deg, minutes = divmod(minutes_total, 60)
        return f"{int(deg):0{width}d} {minutes:04.1f}{hemi}"

    return f"{part(lat, 2, 'N', 'S')} {part(lon, 3, 'E', 'W')}"


def _priority(phase: Phase) -> str:
    """Transmission priority from the phase: DISTRESS for distress, URGENCY otherwise."""
    return "DISTRESS" if phase is Phase.DISTRESS else "URGENCY"


def _or_nil(text: str) -> str:
    return text.strip() if text and text.strip() else "NIL"


def _join(*parts: str) -> str:
    return "; ".join(p.strip() for p in parts if p and p.strip())


def _persons(report: CaseReport) -> str:
    return f"{report.persons} PERSONS" if report.persons is not None else "PERSONS ON BOARD (NUMBER UNKNOWN)"


def request_text(r: AssistanceRequest) -> str:
    """One request as item E writes it: ``(1) RESCUE, 120 PERSONS: detail - ASKED OF … - REQUESTED 231310Z …``
    (requests are separated by "; ")."""
    text = f"({r.number}) {r.need.label}"
    if r.persons is not None:
        text += f", {r.persons} PERSON{'S' if r.persons != 1 else ''}"
    if r.detail:
        text += f": {r.detail}"
    if r.asked_of:
        text += f" - ASKED OF {r.asked_of}"
    return text + f" - REQUESTED {date_time_group(r.requested_at)}"


def assistance_text(report: CaseReport) -> str:
    """Item E (see the module doc): NIL once the case is closed; else the open requests, else the distress
    phase's need, else NIL; requests met or withdrawn are named after it."""
    open_requests = [r for r in report.requests if r.is_open]
    ended = [r for r in report.requests if not r.is_open]
    if report.conclusion is not None:
        base = "NIL, CASE CLOSED"
    elif open_requests:
        base = "; ".join(request_text(r) for r in open_requests)
    elif report.assistance_required.strip():
        base = report.assistance_required.strip()
    elif report.phase is Phase.DISTRESS:
        base = (
            f"IMMEDIATE ASSISTANCE FOR {_persons(report)} IN DISTRESS (GRAVE AND IMMINENT DANGER); "
            "NO SPECIFIC REQUEST RECORDED YET"
        )
    else:
        base = "NIL"
    if ended:
        base += " (" + ", ".join(f"REQUEST {r.number} {r.status.upper()}" for r in ended) + ")"
    return base


def search_area_text(report: CaseReport) -> str:
    """Item K: the datum at its own time, drift from the LKP time, radius, area, corners; computed when."""
    sa = report.search_area
    if sa is None:
        return "NIL"
    when = (
        f"AT {date_time_group(sa.datum_time)} (DRIFT FROM LKP OF {date_time_group(report.lkp_time)})"
        if sa.datum_time is not None
        else "(TIME OF DATUM NOT RECORDED)"
    )
    text = f"DATUM {format_position(sa.datum_lat, sa.datum_lon)} {when}, RADIUS {sa.radius_nm:.1f} NM"
    if sa.area_sq_nm is not None:
        text += f", AREA {sa.area_sq_nm:.0f} SQ NM"
    corners = sa.ring[:-1] if len(sa.ring) > 1 and sa.ring[0] == sa.ring[-1] else sa.ring
    if corners:
        text += ", CORNERS " + ", ".join(format_position(lat, lon) for lon, lat in corners)
    return text + f"; COMPUTED {date_time_group(sa.computed_at)}"


def sitrep_lines(report: CaseReport, header: SitrepHeader, full: bool = False) -> list[str]:
    """The SITREP as lines (see module doc for the layout)."""
    ex = "EXERCISE " if report.exercise else ""
    rcc = report.rcc
    rcc_text = (
        f"{rcc.rcc_name} ({rcc.rcc_country or 'state unknown'})"
        if rcc is not None
        else "NOT DETERMINED (no SRR at this position)"
    )
    from_text = rcc.rcc_name if rcc is not None else f"SEASIGHT {report.owner}"
    persons = str(report.persons) if report.persons is not None else "UNKNOWN"
    title = f"SAR SITREP {header.number}" + (" FINAL" if header.final else "")
    since = f" SINCE {date_time_group(report.phase_since)}" if report.phase_since is not None else ""
    situation = (
        f"{report.phase.value.upper()} PHASE ({report.phase.icao_code}){since}. {_or_nil(report.situation)}. "
        f"REPORTED BY {_or_nil(report.source)}"
    )
    position = format_position(report.lkp_lat, report.lkp_lon)
    actions = "; ".join(report.actions_taken) if report.actions_taken else "NIL"
    lines: list[str] = []
    if report.exercise:
        lines.append(EXERCISE_BANNER)
    lines += [
        f"{ex}{_priority(report.phase)}",
        f"{ex}DTG {date_time_group(header.sent_at)}",
        f"{ex}FROM {from_text}",
        f"{ex}TO {', '.join(header.to) if header.to else 'ALL CONCERNED'}",
        f"{ex}{title} {report.reference}",
        f"{ex}A. IDENTITY OF CASUALTY: {_or_nil(report.casualty)}",
        f"{ex}B. POSITION: {position} AT {date_time_group(report.lkp_time)}",
        f"{ex}C. SITUATION: {situation}",
        f"{ex}D. NUMBER OF PERSONS: {persons}",
        f"{ex}E. ASSISTANCE REQUIRED: {assistance_text(report)}",
        f"{ex}F. CO-ORDINATING RCC: {rcc_text}",
    ]
    if full:
        conclusion = ""
        if report.conclusion is not None:
            closed = f" AT {date_time_group(report.closed_at)}" if report.closed_at is not None else ""
            conclusion = (
                f"CASE CLOSED{closed}: {report.conclusion.value.upper().replace('_', ' ')}. "
                f"{_or_nil(report.conclusion_summary)}"
            )
        craft = report.craft.replace("_", " ").upper()
        lines += [
            f"{ex}G. DESCRIPTION OF CASUALTY: {_or_nil(_join(craft, report.description))}",
            f"{ex}H. WEATHER ON SCENE: {_or_nil(report.weather)}",
            f"{ex}J. INITIAL ACTIONS TAKEN: {actions}",
            f"{ex}K. SEARCH AREA: {search_area_text(report)}",
            f"{ex}L. CO-ORDINATING INSTRUCTIONS: {_or_nil(report.coordinating_instructions)}",
            f"{ex}M. FUTURE PLANS: {_or_nil(report.future_plans)}",
            f"{ex}N. ADDITIONAL INFORMATION: {_or_nil(_join(conclusion, report.additional_info))}",
        ]
    if report.exercise:
        lines.append(EXERCISE_BANNER)
    return lines


def sitrep_text(report: CaseReport, header: SitrepHeader, full: bool = False) -> str:
    """The SITREP as plain text, one line per item, ending with a newline."""
    return "\n".join(sitrep_lines(report, header, full)) + "\n"
