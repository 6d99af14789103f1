"""Versions of a sighting: a report under an id already stored is a new version, a repeat, or another
owner's report — never a discarded one (migration 0093). Pure: tracking/store.py reads the stored state
and writes what :func:`plan_versions` decides.

A sighting's *content* is what was seen and by whom (time, position, uncertainty, source, craft, persons,
conditions, course, speed, AIS seen, confidence, note, exercise flag, owner) — not who typed it in or when
it was received. For one incoming report, in order:

* its id belongs to another owner: the report never changes that owner's sighting; it is stored as a
  sighting of its own owner under :func:`id_for_other_owner` (and counted ``sighting_other_owner``), then
  judged under that id as below;
* the id is new: the first version (revision 1);
* the same content and receipt time as a stored version (a Kafka replay), or the same content as the
  current version (a re-submission): a repeat, nothing is added (``sighting_repeat``);
* otherwise a new revision: it becomes current when it was received no earlier than the current version
  (``sighting_revision``), else it is kept but the later-received current version stays
  (``sighting_late``). "False alarm, 0 persons" then "boat sinking, 120 persons, persons in water" under
  one id: the second is revision 2 and current, and it is what the rules see.
"""

from __future__ import annotations

import enum
import struct
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from seasight.schemas import Sighting

#: Namespace of the id a report is stored under when its id was already another owner's (UUID 5).
OTHER_OWNER_NAMESPACE = uuid.UUID("b3f0c2d4-6a1e-4c57-9e2b-0d8f3a5c7e61")

_F32 = struct.Struct("<f")

Content = tuple[object, ...]


def as_real(value: float | None) -> float | None:
    """``value`` as a PostgreSQL ``real`` column stores it (how a stored value reads back)."""
    return None if value is None else float(_F32.unpack(_F32.pack(value))[0])


def content_key(s: Sighting) -> Content:
    """What a version says, comparable between an incoming report and a stored row (``real`` columns
    rounded as the database stores them)."""
    return (
        s.observed_at,
        s.lat,
        s.lon,
        as_real(s.uncertainty_nm),
        s.source_type,
        s.craft_type,
        s.persons_estimated,
        tuple(s.conditions),
        as_real(s.course_deg),
        as_real(s.speed_kn),
        s.ais_seen,
        s.confidence,
        s.note,
        s.is_exercise,
        s.owner,
    )


def id_for_other_owner(reported_id: str, owner: str) -> str:
    """The id a report is stored under when ``reported_id`` already belongs to another owner."""
    return str(uuid.uuid5(OTHER_OWNER_NAMESPACE, f"{uuid.UUID(reported_id)}|{owner}"))


@dataclass(frozen=True, slots=True)
class StoredVersion:
    revision: int
    content: Content
    received_at: datetime


@dataclass(slots=True)
class StoredSighting:
    """A stored sighting: its owner, every version, and which is current (its revision)."""

    owner: str
    versions: list[StoredVersion]
    current: int

    def current_version(self) -> StoredVersion:
        return next(v for v in self.versions if v.revision == self.current)


class Action(enum.StrEnum):
    NEW = "new"  # first version of a new sighting
    REVISION = "sighting_revision"  # a new version, now current
    LATE = "sighting_late"  # a new version received before the current one: kept, not current
    REPEAT = "sighting_repeat"  # nothing new


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one incoming report: ``stored_id`` is the sighting it is a version of."""

    report: Sighting
    stored_id: str
    action: Action
    revision: int | None  # the new version's number (None for a repeat)
    other_owner: bool


@dataclass(frozen=True, slots=True)
class Plan:
    decisions: tuple[Decision, ...]
    current: Mapping[str, Sighting] = field(default_factory=dict)  # stored id -> its new current version

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in self.decisions:
            if d.action is not Action.NEW:
                out[d.action.value] = out.get(d.action.value, 0) + 1
            if d.other_owner:
                out["sighting_other_owner"] = out.get("sighting_other_owner", 0) + 1
        return out


def plan_versions(stored: Mapping[str, StoredSighting], reports: Sequence[Sighting]) -> Plan:
    """Decide every report of a batch, in order, against the stored sightings (``stored``: by id, for
    every id the batch's reports carry or would be stored under; updated copies are kept as it goes)."""
    state = {k: StoredSighting(v.owner, list(v.versions), v.current) for k, v in stored.items()}
    decisions: list[Decision] = []
    current: dict[str, Sighting] = {}
    for report in reports:
        stored_id = str(uuid.UUID(report.id))
        other_owner = False
        held = state.get(stored_id)
        if held is not None and held.owner != report.owner:
            stored_id = id_for_other_owner(report.id, report.owner)
            other_owner = True
            held = state.get(stored_id)
        key = content_key(report)
        if held is None:
            state[stored_id] = StoredSighting(report.owner, [StoredVersion(1, key, report.received_at)], 1)
            current[stored_id] = report
            decisions.append(Decision(report, stored_id, Action.NEW, 1, other_owner))
            continue
        now = held.current_version()
        replayed = any(v.content == key and v.received_at == report.received_at for v in held.versions)
        if replayed or now.content == key:
            decisions.append(Decision(report, stored_id, Action.REPEAT, None, other_owner))
            continue
        revision = max(v.revision for v in held.versions) + 1
        held.versions.append(StoredVersion(revision, key, report.received_at))
        if report.received_at >= now.received_at:
            held.current = revision
            current[stored_id] = report
            action = Action.REVISION
        else:
            action = Action.LATE
        decisions.append(Decision(report, stored_id, action, revision, other_owner))
    return Plan(tuple(decisions), current)


__all__ = [
    "Action",
    "as_real",
    "Decision",
    "Plan",
    "StoredSighting",
    "StoredVersion",
    "content_key",
    "id_for_other_owner",
    "plan_versions",
]
