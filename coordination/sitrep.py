"""SAR situation report (SITREP) in the IAMSAR format, plain text ready to send.

IAMSAR Manual Vol. II, Appendix D ("SITREP"): a heading (transmission priority, date-time group, from,
to, "SAR SITREP" with its number in the case's sequence and FINAL on the last), then

* **short form** — A identity of casualty, B position, C situation, D number of persons, E assistance
  required, F co-ordinating RCC;
* **full form** — the short form plus G description of casualty, H weather on scene, J initial actions
  taken, K search area, L co-ordinating instructions, M future plans, N additional information / conclusion
  (the letter I is not used).

An exercise SITREP starts and ends with "EXERCISE EXERCISE EXERCISE" and every letter line is prefixed
"EXERCISE" so no line can be taken for a real report when quoted alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from coordination.errors import InvalidInputError
from coordination.phases import Phase
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
    situation = (
        f"{report.phase.value.upper()} PHASE ({report.phase.icao_code}). {_or_nil(report.situation)}. "
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
        f"{ex}E. ASSISTANCE REQUIRED: {_or_nil(report.assistance_required)}",
        f"{ex}F. CO-ORDINATING RCC: {rcc_text}",
    ]
    if full:
        if report.search_area is not None:
            sa = report.search_area
            area = (
                f"DATUM {format_position(sa.datum_lat, sa.datum_lon)} AT {date_time_group(sa.computed_at)}, "
                f"RADIUS {sa.radius_nm:.1f} NM"
            )
        else:
            area = "NIL"
        if report.conclusion is not None:
            extra = (
                f"CASE CLOSED: {report.conclusion.value.upper().replace('_', ' ')}. "
                f"{_or_nil(report.conclusion_summary)}"
            )
        else:
            extra = _or_nil(report.additional_info)
        lines += [
            f"{ex}G. DESCRIPTION OF CASUALTY: {_or_nil(report.craft.replace('_', ' ').upper())}",
            f"{ex}H. WEATHER ON SCENE: {_or_nil(report.weather)}",
            f"{ex}J. INITIAL ACTIONS TAKEN: {actions}",
            f"{ex}K. SEARCH AREA: {area}",
            f"{ex}L. CO-ORDINATING INSTRUCTIONS: {_or_nil(report.coordinating_instructions)}",
            f"{ex}M. FUTURE PLANS: {_or_nil(report.future_plans)}",
            f"{ex}N. ADDITIONAL INFORMATION: {extra}",
        ]
    if report.exercise:
        lines.append(EXERCISE_BANNER)
    return lines


def sitrep_text(report: CaseReport, header: SitrepHeader, full: bool = False) -> str:
    """The SITREP as plain text, one line per item, ending with a newline."""
    return "\n".join(sitrep_lines(report, header, full)) + "\n"
