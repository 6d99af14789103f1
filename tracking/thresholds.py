"""One thresholds file for every detection rule: an analyst tunes a rule without touching code.

The file is TOML (``tomllib``, Python 3.11). Each table is one group of a :class:`~tracking.detect.RuleSet`
(``[encounter]``, ``[went_dark]``, …) and each key one declared threshold of that group
(:func:`tracking.rules.parameters.threshold`); a threshold left out keeps its declared default::

    [encounter]
    max_distance_m = 300   # m, range 10–5000

What is refused, with the file, the rule, the threshold, its unit and its range in the message
(:class:`~tracking.rules.errors.ThresholdsFileError`): a file that is missing or not TOML, an unknown rule
group or threshold name, a value that is not a number, a value outside the declared range.

Which file: ``seasight detect``, ``seasight track --detect`` and ``seasight replay`` take ``--thresholds
FILE``; without it, ``SEASIGHT_THRESHOLDS_FILE``; without either, the built-in defaults
(:func:`selected_thresholds`). The same file therefore applies to the periodic detector and to the streaming
stage.

Which thresholds fired a flag: every flag's ``parameters`` carry the values of its rule's group and
``"thresholds": {"digest", "tuned"}`` (:meth:`~tracking.rules.parameters.RuleParameters.provenance`). The
digest is of the group's values, so changing ``[encounter] max_distance_m`` changes the digest on encounter
flags only; the flags of other rules are not rewritten. The stored ``rule_version`` stays the version of
the rule's *logic* (an integer that means the same code everywhere); what a flag *shows* as its version adds
the digest when the group is tuned (``2+3f9a1c2b``, :func:`tracking.rules.parameters.effective_rule_version`),
so a change of thresholds changes it. The flag's natural key (rule, subject, window start) includes
neither, so re-evaluation under new thresholds updates the same flag: its ``version`` goes up, with a
``flag_version`` row whose reason names the change of thresholds
(:func:`tracking.detect.store_flags`).

``seasight thresholds show`` and the dashboard's rule catalogue list every threshold in force with its
default, unit, range and source; :func:`example_file` writes ``docs/thresholds.example.toml`` from the
declarations.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seasight.settings import Settings
from tracking.detect import RuleSet
from tracking.rules.catalogue import RULES
from tracking.rules.cooldown import CooldownParameters
from tracking.rules.errors import InvalidParameterError, ThresholdsFileError
from tracking.rules.parameters import RuleParameters, ThresholdInfo

logger = logging.getLogger(__name__)

#: What :attr:`Thresholds.source` says when no file is selected.
BUILT_IN = "built-in defaults"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The rule set in force and where it came from."""

    rules: RuleSet
    #: the file's path, or :data:`BUILT_IN`
    source: str

    @property
    def digest(self) -> str:
        """12 hex digits of SHA-256 over every group's digest: one name for the whole set in force."""
        joined = ",".join(f"{group}={params.digest()}" for group, params in groups(self.rules).items())
        return hashlib.sha256(joined.encode()).hexdigest()[:12]

    def tuned(self) -> dict[str, list[str]]:
        """``{group: [threshold names away from their defaults]}`` (groups with none left out)."""
        return {group: params.tuned() for group, params in groups(self.rules).items() if params.tuned()}


def groups(rules: RuleSet) -> dict[str, RuleParameters]:
    """``{group name: parameters record}`` of a rule set, in declaration order."""
    out: dict[str, RuleParameters] = {}
    for f in dataclasses.fields(rules):
        value = getattr(rules, f.name)
        if isinstance(value, RuleParameters):
            out[f.name] = value
    return out


def rules_of_group(params: type[RuleParameters]) -> list[str]:
    """The rule ids (:data:`tracking.rules.catalogue.RULES`) that use a parameters record."""
    if params is CooldownParameters:  # applied where flags are stored, to these rules
        return CooldownParameters.rule_ids()
    return [rule_id for rule_id, _version, cls, _detects in RULES if cls is params]


def _declared(params: type[RuleParameters]) -> dict[str, tuple[float, ThresholdInfo]]:
    out: dict[str, tuple[float, ThresholdInfo]] = {}
    for f in dataclasses.fields(params):
        info = f.metadata.get("threshold")
        if isinstance(info, ThresholdInfo):
            out[f.name] = (f.default, info)  # type: ignore[assignment]
    return out


def _range(info: ThresholdInfo) -> str:
    return f"{info.low:g}–{info.high:g} {info.unit}".rstrip()


def parse_thresholds(text: str, source: str) -> Thresholds:
    """The rule set a thresholds file's text sets (see the module docstring for what is refused)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThresholdsFileError(f"thresholds file {source}: not valid TOML: {exc}") from exc
    defaults = groups(RuleSet())
    known = ", ".join(defaults)
    chosen: dict[str, Any] = {}  # group name: its parameters record (checked by RuleSet's field types)
    for group, table in document.items():
        if group not in defaults:
            raise ThresholdsFileError(f"thresholds file {source}: unknown rule [{group}]; the rules are: {known}")
        if not isinstance(table, dict):
            raise ThresholdsFileError(
                f"thresholds file {source}: {group} must be a table [{group}] of thresholds, got {table!r}"
            )
        cls = type(defaults[group])
        declared = _declared(cls)
        values: dict[str, float] = {}
        for name, value in table.items():
            if name not in declared:
                raise ThresholdsFileError(
                    f"thresholds file {source}: rule [{group}] has no threshold {name!r}; "
                    f"its thresholds are: {', '.join(declared)}"
                )
            default, info = declared[name]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ThresholdsFileError(
                    f"thresholds file {source}: [{group}] {name} must be a number in {info.unit} "
                    f"(range {_range(info)}, default {default:g}), got {value!r}"
                )
            if not info.low <= value <= info.high:
                raise ThresholdsFileError(
                    f"thresholds file {source}: [{group}] {name} = {value:g} {info.unit} is outside its range "
                    f"{_range(info)} (default {default:g}; source: {info.source})"
                )
            values[name] = float(value)
        try:
            chosen[group] = dataclasses.replace(defaults[group], **values)
        except InvalidParameterError as exc:  # a check across thresholds of one record
            raise ThresholdsFileError(f"thresholds file {source}: [{group}] {exc}") from exc
    return Thresholds(rules=dataclasses.replace(RuleSet(), **chosen), source=source)


def load_thresholds(path: Path) -> Thresholds:
    """Read and check a thresholds file (:func:`parse_thresholds`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ThresholdsFileError(f"thresholds file {path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ThresholdsFileError(f"thresholds file {path}: cannot be read ({exc})") from exc
    return parse_thresholds(text, str(path))


def selected_thresholds(settings: Settings, path: Path | str | None = None) -> Thresholds:
    """The thresholds in force: ``path`` (a ``--thresholds`` option) if given, else
    ``SEASIGHT_THRESHOLDS_FILE``, else the built-in defaults. Logged once with its digest."""
    chosen = Path(path) if path is not None else settings.thresholds_file
    thresholds = Thresholds(rules=RuleSet(), source=BUILT_IN) if chosen is None else load_thresholds(chosen)
    logger.info(
        "detection thresholds: %s (digest %s); tuned: %s",
        thresholds.source,
        thresholds.digest,
        "; ".join(f"[{g}] {', '.join(names)}" for g, names in thresholds.tuned().items()) or "none",
    )
    return thresholds


def describe(thresholds: Thresholds) -> list[dict[str, Any]]:
    """Every threshold in force, JSON-ready: group, the rules using it, name, value, default, unit, range,
    whether tuned, public source and description."""
    rows: list[dict[str, Any]] = []
    for group, params in groups(thresholds.rules).items():
        rule_ids = rules_of_group(type(params))
        for name, (default, info) in _declared(type(params)).items():
            value = getattr(params, name)
            rows.append(
                {
                    "group": group,
                    "rules": rule_ids,
                    "name": name,
                    "value": value,
                    "default": default,
                    "unit": info.unit,
                    "range": [info.low, info.high],
                    "tuned": float(value) != float(default),
                    "source": info.source,
                    "description": info.description,
                    "group_digest": params.digest(),
                }
            )
    return rows


def catalogue_in_force(thresholds: Thresholds) -> list[dict[str, Any]]:
    """The rule catalogue (:func:`tracking.rules.catalogue.catalogue`), one row per rule and threshold, with
    the value in force beside the default: what the dashboard shows (read-only)."""
    from tracking.rules.catalogue import catalogue

    by_class = {type(params): params for params in groups(thresholds.rules).values()}
    classes: dict[str, type[RuleParameters] | None] = {rule_id: cls for rule_id, _version, cls, _detects in RULES}
    classes["cooldown"] = CooldownParameters
    rows: list[dict[str, Any]] = []
    for entry in catalogue():  # the rules, then the risk-score weights (not set by the file: defaults)
        cls = classes.get(entry["rule"])
        params = by_class.get(cls) if cls is not None else None
        for t in entry["thresholds"]:
            value = getattr(params, t["name"]) if params is not None else t["default"]
            rows.append(
                {
                    "rule": entry["rule"],
                    "version": entry["version"],
                    "detects": entry["detects"],
                    "name": t["name"],
                    "value": value,
                    "default": t["default"],
                    "tuned": float(value) != float(t["default"]),
                    "unit": t["unit"],
                    "range": t["range"],
                    "source": t["source"],
                }
            )
    return rows


def _toml_number(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def example_file() -> str:
    """The example thresholds file, generated from the declarations: every threshold at its default, with
    its unit, range, source and meaning (``docs/thresholds.example.toml``; a test keeps it in sync)."""
    lines = [
        "# Seasight detection thresholds: every declared threshold at its built-in default.",
        "# Generated from the declarations (tracking/rules/parameters.py threshold()) by",
        "#   seasight thresholds example > thresholds.toml",
        "# Use it with `seasight detect --thresholds FILE`, `seasight track --detect --thresholds FILE`,",
        "# `seasight replay --thresholds FILE` or SEASIGHT_THRESHOLDS_FILE=FILE. Delete the lines you do not",
        "# change (a threshold left out keeps its default); a value outside its range is refused.",
        "# See docs/thresholds.md.",
    ]
    for group, params in groups(RuleSet()).items():
        lines += ["", f"# rules: {', '.join(rules_of_group(type(params)))}", f"[{group}]"]
        for name, (default, info) in _declared(type(params)).items():
            lines.append(f"# {info.description}")
            lines.append(f"#   {info.unit}, range {_range(info)}; source: {info.source}")
            lines.append(f"{name} = {_toml_number(default)}")
    return "\n".join(lines) + "\n"


__all__ = [
    "BUILT_IN",
    "Thresholds",
    "catalogue_in_force",
    "describe",
    "example_file",
    "groups",
    "load_thresholds",
    "parse_thresholds",
    "selected_thresholds",
]
