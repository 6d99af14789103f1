"""Cooldowns and grouping of repeated events: one alert per vessel and event within a rule's cooldown.

A rule fires on an *event* (a gap, an entry into a zone, a jump). When the same event happens again soon —
the same vessel goes dark twice in an afternoon, re-enters the same watch zone after a brief exit, jumps
again — a watch officer should not get a second alert for it: the repeat *updates* the flag already
raised (its repeat count and last-seen time go up, and its history gains a version with the repeat's
evidence) instead of raising another. This is the cooldown/grouping of alert managers (e.g. Prometheus
Alertmanager's ``group_interval``), per rule, declared as thresholds so an analyst can tune them in the
thresholds file's ``[cooldown]`` table (``docs/thresholds.md``).

The decision (:func:`repeat_of`) is pure. A new event (one whose natural key matches no stored flag and
that continues none) is a *repeat* of a stored flag when all of these hold:

* same rule, same subject (vessel MMSI, or sighting for contact flags) and same *event identity*
  (:func:`event_identity`: the other vessel of an encounter, the zones of a zone event, the watchlist
  entries, the identity field that changed);
* the cooldown of the rule is not 0, and the repeat starts after the stored flag's event began and no more
  than the cooldown after the stored flag was last seen (its end, or its latest repeat's end);
* the stored flag is open or acknowledged — a dismissed or withdrawn flag does not hold back a new one;
* the repeat is no more severe than the stored flag: an escalation is always its own alert.

Each repeat is identified by its own window start (kept on the flag), so re-evaluating the same data
counts it once. Units: hours.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tracking.rules.model import Flag, Severity
from tracking.rules.parameters import RuleParameters, threshold

_AUTHORED = "Seasight (authored): alert grouping per rule, as Prometheus Alertmanager's group_interval"


@dataclass(frozen=True, slots=True)
class CooldownParameters(RuleParameters):
    """Per rule, how long after a flag was last seen a repeat of the same event updates it (0: never
    grouped; every repeat is its own flag). Field names are ``<rule id>_h``."""

    went_dark_h: float = threshold(
        12.0,
        unit="h",
        low=0.0,
        high=168.0,
        source=f"{_AUTHORED}; Global Fishing Watch's long-gap length (12 h)",
        description="another AIS gap of the same vessel this soon after the last one updates its flag",
    )
    loitering_h: float = threshold(
        6.0,
        unit="h",
        low=0.0,
        high=168.0,
        source=_AUTHORED,
        description="loitering again this soon after the last loitering event updates its flag",
    )
    drifting_h: float = threshold(
        6.0,
        unit="h",
        low=0.0,
        high=168.0,
        source=_AUTHORED,
        description="drifting again this soon after the last drift updates its flag",
    )
    encounter_h: float = threshold(
        12.0,
        unit="h",
        low=0.0,
        high=168.0,
        source=f"{_AUTHORED}; beyond GFW's merge of encounter runs < 4 h apart",
        description="another encounter with the same vessel this soon after the last updates its flag",
    )
    zone_h: float = threshold(
        6.0,
        unit="h",
        low=0.0,
        high=168.0,
        source=_AUTHORED,
        description="entering the same zones again (watch zone, departure area, destination approach) this "
        "soon after the last entry updates its flag",
    )
    impossible_speed_h: float = threshold(
        1.0,
        unit="h",
        low=0.0,
        high=168.0,
        source=_AUTHORED,
        description="another impossible jump of the same MMSI this soon after the last updates its flag",
    )
    reported_motion_mismatch_h: float = threshold(
        6.0,
        unit="h",
        low=0.0,
        high=168.0,
        source=_AUTHORED,
        description="reported motion disagreeing with the track again this soon updates its flag",
    )
    identity_change_h: float = threshold(
        24.0,
        unit="h",
        low=0.0,
        high=168.0,
        source=_AUTHORED,
        description="another change of the same identity field this soon after the last updates its flag",
    )
    distress_status_h: float = threshold(
        6.0,
        unit="h",
        low=0.0,
        high=168.0,
        source=_AUTHORED,
        description="not under command / aground reported again this soon updates its flag",
    )
    distress_h: float = threshold(
        1.0,
        unit="h",
        low=0.0,
        high=24.0,
        source=f"{_AUTHORED}; an AIS-SART repeats its message every minute (ITU-R M.1371-5 / IEC 61097-14)",
        description="the same distress device or text again this soon after the last updates its flag",
    )
    reachability_h: float = threshold(
        12.0,
        unit="h",
        low=0.0,
        high=168.0,
        source=_AUTHORED,
        description="a dark vessel able to reach the same zones again this soon updates its flag",
    )

    def cooldown(self, rule_id: str) -> timedelta:
        """The cooldown of ``rule_id`` (zero for rules without one)."""
        name = _FIELD_OF.get(rule_id, f"{rule_id}_h")
        hours = self.values().get(name, 0.0)
        return timedelta(hours=float(hours))

    @classmethod
    def rule_ids(cls) -> list[str]:
        """The rule ids with a cooldown, in declaration order."""
        out: list[str] = []
        for row in cls.describe():
            name = str(row["name"])
            shared = [rule for rule, field_name in _FIELD_OF.items() if field_name == name]
            out += shared or [name.removesuffix("_h")]
        return out


#: Rule ids that share one cooldown threshold.
_FIELD_OF = {
    "entered_watch_zone": "zone_h",
    "reached_departure_area": "zone_h",
    "approaching_destination_coast": "zone_h",
}


def event_identity(rule_id: str, evidence: Mapping[str, Any]) -> tuple[Any, ...]:
    """What makes two flags of one rule and subject *the same event* beyond the subject: the other vessel
    of an encounter, the zones entered or reachable, the watchlist entries matched, the identity fields
    changed, the distress device or text kind. Empty for rules where the subject alone is the event."""
    if rule_id == "encounter":
        return (evidence.get("other_mmsi"),)
    zones = evidence.get("zones")
    if isinstance(zones, list):
        return tuple(sorted(str(z.get("id") if isinstance(z, Mapping) else z) for z in zones))
    entries = evidence.get("entries")
    if rule_id == "watchlist" and isinstance(entries, list):
        return tuple(sorted(str(e.get("entry_id", e.get("id")) if isinstance(e, Mapping) else e) for e in entries))
    changes = evidence.get("changes")
    if rule_id == "identity_change" and isinstance(changes, list):
        return tuple(sorted(str(c.get("field")) for c in changes if isinstance(c, Mapping)))
    return ()


@dataclass(frozen=True, slots=True)
class PriorFlag:
    """A stored flag as the cooldown decision sees it."""

    flag_id: int
    rule_id: str
    subject: tuple[str, int | None, str | None]  # (subject kind, MMSI, sighting id)
    identity: tuple[Any, ...]
    severity: Severity
    status: str
    window_start: datetime
    last_seen: datetime  # the flag's end, or its latest repeat's end
    repeat_starts: frozenset[datetime] = frozenset()


def subject_of(f: Flag) -> tuple[str, int | None, str | None]:
    return (f.subject_kind.value, f.mmsi, f.sighting_id)


def repeat_of(flag: Flag, stored: Iterable[PriorFlag], params: CooldownParameters) -> PriorFlag | None:
    """The stored flag ``flag`` repeats within its rule's cooldown (module docstring), or ``None`` when it is
    a new event to raise. Among several candidates, the one last seen most recently."""
    cooldown = params.cooldown(flag.rule_id)
    if cooldown <= timedelta(0):
        return None
    subject = subject_of(flag)
    identity = event_identity(flag.rule_id, flag.evidence)
    candidates = [
        s
        for s in stored
        if s.rule_id == flag.rule_id
        and s.subject == subject
        and s.identity == identity
        and s.status in ("open", "acknowledged")
        and flag.severity <= s.severity
        and (flag.window_start in s.repeat_starts or s.window_start < flag.window_start <= s.last_seen + cooldown)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda s: (flag.window_start in s.repeat_starts, s.last_seen))


__all__ = ["CooldownParameters", "PriorFlag", "event_identity", "repeat_of", "subject_of"]
