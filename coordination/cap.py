"""OASIS Common Alerting Protocol (CAP) 1.2 messages for a SAR case.

Element names and order follow the CAP 1.2 specification (OASIS Standard, 1 July 2010): ``alert``
(identifier, sender, sent, status, msgType, source, scope, restriction, …, references) with one ``info``
(language, category, event, responseType, urgency, severity, certainty, senderName, headline,
description, instruction, contact, parameter, area) and one ``area`` (areaDesc, polygon, circle).

* ``status`` is ``Exercise`` for an exercise case, ``Actual`` otherwise.
* ``scope`` is ``Restricted`` by default (SAR authorities), with a ``restriction`` text.
* ``msgType``: the first message of a case is ``Alert``; later ones are ``Update``; closing the case
  sends ``Cancel``. Update and Cancel carry ``references`` to every earlier message of the case
  ("sender,identifier,sent" triples, space-separated).
* urgency / severity / certainty follow the IAMSAR phase (:data:`PHASE_CAP_CODES`).
* The area is the datum circle (``lat,lon radius`` with radius in **km**) and the search-area polygon
  (``lat,lon`` pairs, first = last), or a circle around the last known position before a search area exists.

Building is pure (:func:`build_cap`); :func:`validate_cap` checks a message against the OASIS CAP 1.2
XSD kept in the repository (``coordination/standards/CAP-v1.2-schema.xsd``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

from coordination.errors import CapValidationError, InvalidInputError
from coordination.phases import Phase
from coordination.report import CaseReport
from geodata.geodesy import destination

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
KM_PER_NM = 1.852

# (urgency, severity, certainty) per IAMSAR phase — Seasight's mapping of the phase definitions
# (IAMSAR Vol. II ch. 3) onto the CAP 1.2 code lists.
PHASE_CAP_CODES: dict[Phase, tuple[str, str, str]] = {
    Phase.UNCERTAINTY: ("Future", "Moderate", "Possible"),  # doubt about safety
    Phase.ALERT: ("Expected", "Severe", "Likely"),  # apprehension for safety
    Phase.DISTRESS: ("Immediate", "Extreme", "Observed"),  # grave and imminent danger
}
CANCEL_CAP_CODES = ("Past", "Minor", "Observed")

DEFAULT_LKP_RADIUS_NM = 10.0  # circle around the LKP when no search area is stored yet; nm (Seasight default)


class MsgType(StrEnum):
    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"


@dataclass(frozen=True)
class CapReference:
    """An earlier CAP message of the same case (CAP 1.2 ``references`` element)."""

    sender: str
    identifier: str
    sent: datetime


@dataclass(frozen=True)
class CapMessage:
    identifier: str
    sender: str
    sent: datetime
    msg_type: MsgType
    xml: str


_FORBIDDEN = re.compile(r"[\s,<&]")


def cap_time(t: datetime) -> str:
    """CAP 1.2 dateTime: ``YYYY-MM-DDThh:mm:ss+00:00`` (no 'Z', no fractions — CAP 1.2 §3.3.2)."""
    if t.tzinfo is None:
        raise InvalidInputError("CAP times must be timezone-aware")
    return t.astimezone(UTC).replace(microsecond=0).isoformat()


def _check_token(value: str, name: str) -> str:
    if not value or _FORBIDDEN.search(value):
        raise InvalidInputError(f"CAP {name} {value!r} must be non-empty without spaces, commas, '<' or '&'")
    return value


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        el.text = text
    return el


def _polygon_text(ring: Sequence[tuple[float, float]]) -> str:
    pts = list(ring)
    if pts[0] != pts[-1]:
        pts.append(pts[0])
    if len(pts) < 4:
        raise InvalidInputError("CAP polygon needs at least 4 points (first = last)")
    return " ".join(f"{lat:.5f},{lon:.5f}" for lon, lat in pts)


def next_msg_type(previous: Sequence[CapReference], closing: bool) -> MsgType:
    if closing:
        return MsgType.CANCEL
    return MsgType.UPDATE if previous else MsgType.ALERT


def build_cap(
    report: CaseReport,
    sender: str,
    sent: datetime,
    sequence: int,
    previous: Sequence[CapReference] = (),
    scope: str = "Restricted",
    restriction: str = "For SAR authorities and rescue co-ordination centres only",
) -> CapMessage:
    """A CAP 1.2 alert for the case: Alert first, Update after, Cancel once the case is closed.

    ``sequence`` numbers the case's CAP messages (1, 2, …) and makes the identifier unique.
    """
    sender = _check_token(sender, "sender")
    if sequence < 1:
        raise InvalidInputError(f"CAP message sequence must be 1 or more, got {sequence}")
    if scope not in ("Public", "Restricted", "Private"):
        raise InvalidInputError(f"CAP scope must be Public, Restricted or Private, got {scope!r}")
    closing = report.closed_at is not None
    msg_type = next_msg_type(previous, closing)
    if msg_type is not MsgType.ALERT and not previous:
        raise InvalidInputError("a CAP Cancel needs the earlier messages of the case to reference")
    identifier = _check_token(f"{report.reference}.{sequence}", "identifier")

    ET.register_namespace("", CAP_NS)
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(alert, "identifier", identifier)
    _sub(alert, "sender", sender)
    _sub(alert, "sent", cap_time(sent))
    _sub(alert, "status", "Exercise" if report.exercise else "Actual")
    _sub(alert, "msgType", msg_type.value)
    _sub(alert, "source", "Seasight")
    _sub(alert, "scope", scope)
    if scope == "Restricted":
        _sub(alert, "restriction", restriction)
    if report.exercise:
        _sub(alert, "note", "EXERCISE - not a real SAR case")
    if previous:
        _sub(alert, "references", " ".join(f"{p.sender},{p.identifier},{cap_time(p.sent)}" for p in previous))
    _sub(alert, "incidents", report.reference)

    info = _sub(alert, "info")
    _sub(info, "language", "en-US")
    _sub(info, "category", "Rescue")
    ex = "EXERCISE " if report.exercise else ""
    _sub(info, "event", f"{ex}Maritime search and rescue case")
    _sub(
        info,
        "responseType",
        "AllClear" if closing else ("Execute" if report.phase is Phase.DISTRESS else "Monitor"),
    )
    urgency, severity, certainty = CANCEL_CAP_CODES if closing else PHASE_CAP_CODES[report.phase]
    _sub(info, "urgency", urgency)
    _sub(info, "severity", severity)
    _sub(info, "certainty", certainty)
    if report.rcc is not None:
        _sub(info, "senderName", report.rcc.rcc_name)
    persons = f"{report.persons} persons" if report.persons is not None else "persons aboard unknown"
    if closing:
        assert report.conclusion is not None
        headline = f"{ex}{report.reference} closed: {report.conclusion.value.replace('_', ' ')}"
    else:
        headline = f"{ex}{report.reference} {report.phase.value} phase ({report.phase.icao_code}), {persons}"
    _sub(info, "headline", headline[:160])
    parts = [
        f"{report.craft.replace('_', ' ')} with {persons}.",
        f"{report.situation.strip().rstrip('.')}." if report.situation.strip() else "",
        f"Last known position {report.lkp_lat:.4f},{report.lkp_lon:.4f} at {cap_time(report.lkp_time)}.",
        f"Reported by {report.source}.",
    ]
    if closing and report.conclusion_summary:
        parts.append(f"Conclusion: {report.conclusion_summary}")
    _sub(info, "description", " ".join(p for p in parts if p))
    if not closing:
        _sub(
            info,
            "instruction",
            "Ships in the area: keep a sharp lookout and report sightings to the co-ordinating RCC."
            if report.phase is not Phase.UNCERTAINTY
            else "Report any information on this craft to the co-ordinating RCC.",
        )
    if report.rcc is not None and (report.rcc.phone or report.rcc.email):
        _sub(info, "contact", " ".join(x for x in (report.rcc.phone, report.rcc.email) if x))
    for name, value in (
        ("SEASIGHT_CASE", str(report.case_id)),
        ("IAMSAR_PHASE", report.phase.icao_code),
        ("PERSONS_ON_BOARD", str(report.persons) if report.persons is not None else "unknown"),
    ):
        param = _sub(info, "parameter")
        _sub(param, "valueName", name)
        _sub(param, "value", value)

    area = _sub(info, "area")
    if report.search_area is not None:
        sa = report.search_area
        _sub(area, "areaDesc", f"Search area around datum {sa.datum_lat:.4f},{sa.datum_lon:.4f}")
        _sub(area, "polygon", _polygon_text(sa.ring))
        _sub(area, "circle", f"{sa.datum_lat:.5f},{sa.datum_lon:.5f} {sa.radius_nm * KM_PER_NM:.2f}")
    else:
        _sub(
            area,
            "areaDesc",
            f"Last known position {report.lkp_lat:.4f},{report.lkp_lon:.4f} (radius {DEFAULT_LKP_RADIUS_NM:g} nm)",
        )
        _sub(
            area,
            "polygon",
            _polygon_text(_square_ring(report.lkp_lat, report.lkp_lon, DEFAULT_LKP_RADIUS_NM)),
        )
        _sub(
            area,
            "circle",
            f"{report.lkp_lat:.5f},{report.lkp_lon:.5f} {DEFAULT_LKP_RADIUS_NM * KM_PER_NM:.2f}",
        )
    xml = ET.tostring(alert, encoding="unicode", xml_declaration=False)
    xml = '<?xml version="1.0" encoding="UTF-8"?>\n' + xml
    return CapMessage(identifier, sender, sent.astimezone(UTC).replace(microsecond=0), msg_type, xml)


def _square_ring(lat: float, lon: float, half_side_nm: float) -> list[tuple[float, float]]:
    """A square of (lon, lat) corners ``half_side_nm`` north/south and east/west of the position (WGS84
    geodesics, ``geodata.geodesy``)."""
    north, _ = destination(lat, lon, 0.0, half_side_nm)
    south, _ = destination(lat, lon, 180.0, half_side_nm)
    _, east = destination(lat, lon, 90.0, half_side_nm)
    _, west = destination(lat, lon, 270.0, half_side_nm)
    dlat = (north - south) / 2.0
    dlon = (((east - west) + 360.0) % 360.0) / 2.0
    return [
        (lon - dlon, lat - dlat),
        (lon + dlon, lat - dlat),
        (lon + dlon, lat + dlat),
        (lon - dlon, lat + dlat),
        (lon - dlon, lat - dlat),
    ]


@lru_cache(maxsize=1)
def _schema() -> Any:
    from lxml import etree

    xsd = resources.files("coordination").joinpath("standards/CAP-v1.2-schema.xsd")
    with xsd.open("rb") as fh:
        return etree.XMLSchema(etree.parse(fh))


def validate_cap(xml: str) -> None:
    """Validate against the OASIS CAP 1.2 XSD; raise :class:`CapValidationError` listing the problems."""
    from lxml import etree

    try:
        doc = etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError as exc:
        raise CapValidationError(f"CAP message is not well-formed XML: {exc}") from exc
    schema = _schema()
    if not schema.validate(doc):
        problems = "; ".join(f"line {e.line}: {e.message}" for e in schema.error_log)
        raise CapValidationError(f"CAP message does not validate against the CAP 1.2 XSD: {problems}")
