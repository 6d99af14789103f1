"""Glue between dashboard forms and the owning packages' validation and intake (no rules of its own).

A sighting entered in the dashboard goes through exactly what ``POST /sightings`` does
(:mod:`ingest.api`): the OpenAPI model :class:`ingest.api.SightingIn` for types and ranges, then
:func:`ingest.sightings.sighting_from_mapping` for the domain checks, then it is published to
``seasight.sighting`` and acknowledged by the broker; the tracker stores it like any other report.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from ingest.api import SightingIn
from ingest.errors import SightingError
from ingest.publish import Publisher
from seasight.schemas import Sighting
from seasight.settings import Settings


def validate_sighting(form: Mapping[str, Any], received_at: datetime) -> Sighting | list[str]:
    """The sighting, or the list of problems (one per field) the API would answer with ``422``."""
    try:
        report = SightingIn(**{k: v for k, v in form.items() if v is not None and v != ""})
    except ValidationError as exc:
        return [f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}" for e in exc.errors()]
    from ingest.sightings import sighting_from_mapping

    data = report.model_dump(exclude_none=True)
    data["observed_at"] = report.observed_at.isoformat()
    try:
        return sighting_from_mapping(data, "form", received_at)
    except SightingError as exc:
        return list(exc.problems)


def publish_sighting(settings: Settings, sighting: Sighting) -> None:
    """Publish and wait for the broker's acknowledgement (raises ``PublishError`` if not acknowledged). The
    sighting is kept in an ingest buffer until the tracker has stored it (ingest/buffer.py)."""
    publisher = Publisher.for_settings(settings, buffer_wait_s=20.0)
    try:
        publisher.send(sighting)
        publisher.flush(timeout_s=20)
    finally:
        publisher.close()


def parse_counts(text: str) -> dict[str, int]:
    """``"MMR:120, BGD:3"`` as ``{"MMR": 120, "BGD": 3}`` (codes are checked by the outcome's validation).
    Raises ValueError naming the part that is not ``CODE:count``."""
    counts: dict[str, int] = {}
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if not part:
            continue
        code, sep, number = part.partition(":")
        if not sep or not number.strip().isdigit() or not code.strip():
            raise ValueError(f"nationalities: {part!r} is not CODE:count (e.g. MMR:120)")
        key = code.strip().upper()
        counts[key] = counts.get(key, 0) + int(number.strip())
    return counts
