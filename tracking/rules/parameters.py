"""Declared thresholds: every number a rule uses has a name, unit, default, range and public source.

A rule's parameters are a frozen dataclass whose fields are made with :func:`threshold`. The record checks
its own ranges on construction (:class:`~tracking.rules.errors.InvalidParameterError`), and
:meth:`RuleParameters.provenance` gives the values with their units, which every flag carries so that an
analyst can see exactly why something was flagged and tune it (CONTRIBUTING.md §7, §8).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tracking.rules.errors import InvalidParameterError


@dataclass(frozen=True, slots=True)
class ThresholdInfo:
    """What a threshold means: unit, allowed range (inclusive), public source and a one-line description."""

    unit: str
    low: float
    high: float
    source: str
    description: str


def threshold(default: float, *, unit: str, low: float, high: float, source: str, description: str) -> Any:
    """A dataclass field for a rule threshold (see :class:`ThresholdInfo`)."""
    if not low <= default <= high:
        raise InvalidParameterError(f"default {default} {unit} outside its own range [{low}, {high}]")
    info = ThresholdInfo(unit=unit, low=low, high=high, source=source, description=description)
    return dataclasses.field(default=default, metadata={"threshold": info})


def threshold_info(params: RuleParameters, name: str) -> ThresholdInfo:
    """The declared unit, range and source of one threshold of ``params``."""
    for f in dataclasses.fields(params):
        if f.name == name:
            info = f.metadata.get("threshold")
            if isinstance(info, ThresholdInfo):
                return info
    raise KeyError(name)


@dataclass(frozen=True, slots=True)
class RuleParameters:
    """Base of every rule's parameters record; validates ranges when built."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            info = f.metadata.get("threshold")
            if not isinstance(info, ThresholdInfo):
                continue
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidParameterError(f"{type(self).__name__}.{f.name} must be a number ({info.unit})")
            if not info.low <= value <= info.high:
                raise InvalidParameterError(
                    f"{type(self).__name__}.{f.name}={value} {info.unit} outside [{info.low}, {info.high}]"
                    f" (source: {info.source})"
                )

    def values(self) -> dict[str, float]:
        """``{name: value}`` of every threshold."""
        fields = dataclasses.fields(self)
        return {f.name: getattr(self, f.name) for f in fields if isinstance(f.metadata.get("threshold"), ThresholdInfo)}

    def tuned(self) -> list[str]:
        """Names of the thresholds whose value is not the declared default (set by a thresholds file)."""
        defaults = {f.name: f.default for f in dataclasses.fields(self)}
        return [name for name, value in self.values().items() if float(value) != float(defaults[name])]  # type: ignore[arg-type]

    def digest(self) -> str:
        """A short digest (12 hex digits of SHA-256) of this record's kind and threshold values: two flags with
        the same digest were fired by the same thresholds. 500 and 500.0 give the same digest."""
        canonical = json.dumps(
            [type(self).__name__, sorted((name, float(value)) for name, value in self.values().items())]
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]

    def provenance(self) -> dict[str, dict[str, Any]]:
        """``{name: {"value", "unit", "source"}}`` for every threshold, JSON-ready, stored on each flag, and
        ``"thresholds": {"digest", "tuned"}``: the :meth:`digest` of these values and the names set away from
        their defaults (by a thresholds file, :mod:`tracking.thresholds`)."""
        out: dict[str, dict[str, Any]] = {}
        for f in dataclasses.fields(self):
            info = f.metadata.get("threshold")
            if isinstance(info, ThresholdInfo):
                out[f.name] = {"value": getattr(self, f.name), "unit": info.unit, "source": info.source}
        out["thresholds"] = {"digest": self.digest(), "tuned": self.tuned()}
        return out

    @classmethod
    def describe(cls) -> list[dict[str, Any]]:
        """Documentation of every threshold (name, unit, default, range, source, description)."""
        rows: list[dict[str, Any]] = []
        for f in dataclasses.fields(cls):
            info = f.metadata.get("threshold")
            if isinstance(info, ThresholdInfo):
                rows.append(
                    {
                        "name": f.name,
                        "unit": info.unit,
                        "default": f.default,
                        "range": [info.low, info.high],
                        "source": info.source,
                        "description": info.description,
                    }
                )
        return rows


def effective_rule_version(rule_version: int, parameters: Mapping[str, Any]) -> str:
    """What a flag shows as its rule version: the version of the rule's logic, and — when a thresholds file
    set any threshold of its group away from the declared default — ``+`` and the first 8 hex digits of the
    group's thresholds digest (``parameters["thresholds"]``, :meth:`RuleParameters.provenance`): ``"2"`` at
    the defaults, ``"2+3f9a1c2b"`` when tuned. A change of thresholds therefore changes the version every
    flag of that rule shows, and two flags showing the same version were fired by the same code and values."""
    info = parameters.get("thresholds")
    if not isinstance(info, Mapping):
        return str(rule_version)
    digest, tuned = info.get("digest"), info.get("tuned")
    if not tuned or not isinstance(digest, str):
        return str(rule_version)
    return f"{rule_version}+{digest[:8]}"
