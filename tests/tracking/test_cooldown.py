"""Cooldowns and grouping (tracking.rules.cooldown): the pure decision whether a new event repeats a stored
flag within its rule's cooldown."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from tracking.rules.cooldown import CooldownParameters, PriorFlag, event_identity, repeat_of
from tracking.rules.errors import InvalidParameterError, ThresholdsFileError
from tracking.rules.model import Flag, Severity, SubjectKind
from tracking.thresholds import parse_thresholds

pytestmark = pytest.mark.unit

T0 = datetime(2026, 5, 1, tzinfo=UTC)
H = timedelta(hours=1)


def flag(
    rule: str = "went_dark", start_h: float = 10, end_h: float = 17, *, mmsi: int = 525100001, **kw: object
) -> Flag:
    severity = kw.pop("severity", Severity.MEDIUM)
    assert isinstance(severity, Severity)
    evidence = kw.pop("evidence", {})
    assert isinstance(evidence, dict)
    return Flag(
        rule_id=rule,
        rule_version=1,
        subject_kind=SubjectKind.VESSEL,
        mmsi=mmsi,
        sighting_id=None,
        severity=severity,
        score=0.5,
        window_start=T0 + start_h * H,
        window_end=T0 + end_h * H,
        lat=10.0,
        lon=95.0,
        summary="test",
        evidence=evidence,
    )


def prior(rule: str = "went_dark", *, start_h: float = 0, last_h: float = 7, **kw: object) -> PriorFlag:
    base = PriorFlag(
        flag_id=1,
        rule_id=rule,
        subject=("vessel", 525100001, None),
        identity=(),
        severity=Severity.MEDIUM,
        status="open",
        window_start=T0 + start_h * H,
        last_seen=T0 + last_h * H,
    )
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


def test_a_second_gap_within_the_cooldown_repeats_the_first() -> None:
    params = CooldownParameters()  # went_dark: 12 h
    assert params.cooldown("went_dark") == 12 * H
    assert repeat_of(flag(start_h=10), [prior(last_h=7)], params) is not None
    # 12 h after the last seen end is still within; just past it is a new alert
    assert repeat_of(flag(start_h=19), [prior(last_h=7)], params) is not None
    assert repeat_of(flag(start_h=19.01), [prior(last_h=7)], params) is None


def test_what_is_not_a_repeat() -> None:
    params = CooldownParameters()
    assert repeat_of(flag(mmsi=525100002), [prior()], params) is None  # another vessel
    assert repeat_of(flag("loitering"), [prior()], params) is None  # another rule
    assert repeat_of(flag(severity=Severity.HIGH), [prior()], params) is None  # an escalation alerts
    assert repeat_of(flag(severity=Severity.LOW), [prior()], params) is not None
    assert repeat_of(flag(), [prior(status="dismissed")], params) is None
    assert repeat_of(flag(), [prior(status="withdrawn")], params) is None
    assert repeat_of(flag(), [prior(status="acknowledged")], params) is not None
    assert repeat_of(flag(start_h=-1), [prior()], params) is None  # began before the stored one
    # a rule without a cooldown (invalid MMSI) and a cooldown set to 0 never group
    assert repeat_of(flag("invalid_mmsi"), [prior("invalid_mmsi")], params) is None
    off = dataclasses.replace(params, went_dark_h=0.0)
    assert repeat_of(flag(), [prior()], off) is None


def test_the_same_event_means_the_same_other_vessel_or_zones() -> None:
    params = CooldownParameters()
    met = flag("encounter", evidence={"other_mmsi": 572100002})
    assert event_identity("encounter", met.evidence) == (572100002,)
    assert repeat_of(met, [prior("encounter", identity=(572100002,))], params) is not None
    assert repeat_of(met, [prior("encounter", identity=(572100003,))], params) is None
    entry = flag("entered_watch_zone", evidence={"zones": [{"id": 7, "name": "box"}]})
    assert params.cooldown("entered_watch_zone") == params.cooldown("approaching_destination_coast") == 6 * H
    assert repeat_of(entry, [prior("entered_watch_zone", identity=("7",))], params) is not None
    assert repeat_of(entry, [prior("entered_watch_zone", identity=("8",))], params) is None


def test_a_repeat_already_counted_is_recognised_by_its_start_and_the_latest_seen_wins() -> None:
    params = CooldownParameters()
    counted = prior(last_h=30, repeat_starts=frozenset({T0 + 10 * H}), flag_id=2)
    other = prior(last_h=8, flag_id=3)
    chosen = repeat_of(flag(start_h=10), [other, counted], params)
    assert chosen is not None and chosen.flag_id == 2
    chosen = repeat_of(flag(start_h=12), [other, dataclasses.replace(counted, repeat_starts=frozenset())], params)
    assert chosen is not None and chosen.flag_id == 2


def test_cooldowns_are_declared_thresholds_in_the_thresholds_file() -> None:
    tuned = parse_thresholds("[cooldown]\nwent_dark_h = 2\n", "tuned.toml")
    assert tuned.rules.cooldown.cooldown("went_dark") == 2 * H
    assert tuned.tuned() == {"cooldown": ["went_dark_h"]}
    with pytest.raises(ThresholdsFileError, match=r"\[cooldown\] went_dark_h = 500 h is outside its range 0–168 h"):
        parse_thresholds("[cooldown]\nwent_dark_h = 500\n", "bad.toml")
    with pytest.raises(ThresholdsFileError, match="has no threshold 'went_dark'"):
        parse_thresholds("[cooldown]\nwent_dark = 2\n", "bad.toml")
    with pytest.raises(InvalidParameterError):
        CooldownParameters(distress_h=-1.0)
    assert "went_dark" in CooldownParameters.rule_ids() and "entered_watch_zone" in CooldownParameters.rule_ids()
