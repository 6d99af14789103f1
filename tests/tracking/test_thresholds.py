"""The thresholds file (tracking/thresholds.py): checked against the declared units and ranges, applied to
the rules, recorded on every flag, shown by ``seasight thresholds show``, and its example kept in sync."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seasight.app.cli import main
from seasight.settings import Settings
from tests.tracking.test_encounter import FAR_FROM_ANCHORAGE, MOTHER, SKIFF, side_by_side
from tracking.detect import RuleSet
from tracking.rules.encounter import find_encounters
from tracking.rules.errors import ThresholdsFileError
from tracking.rules.parameters import effective_rule_version
from tracking.thresholds import (
    BUILT_IN,
    catalogue_in_force,
    describe,
    example_file,
    groups,
    load_thresholds,
    parse_thresholds,
    selected_thresholds,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "thresholds.example.toml"


def test_the_example_file_is_generated_from_the_declarations_and_sets_every_default() -> None:
    assert EXAMPLE.read_text(encoding="utf-8") == example_file(), (
        "docs/thresholds.example.toml is stale: regenerate it with "
        "`seasight thresholds example > docs/thresholds.example.toml`"
    )
    example = load_thresholds(EXAMPLE)
    assert example.rules == RuleSet() and example.tuned() == {}
    assert example.digest == selected_thresholds(Settings(thresholds_file=None)).digest
    text = EXAMPLE.read_text(encoding="utf-8")
    for row in describe(example):  # every declared threshold is in the file, at its default
        assert f"\n[{row['group']}]\n" in text
        assert f"\n{row['name']} = " in text, row["name"]
        assert row["value"] == row["default"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[encounter]\nmax_distance_m = 99999\n", ["[encounter] max_distance_m", "99999 m", "range 10–5000 m"]),
        ("[encounter]\nmax_distance_m = 5\n", ["[encounter] max_distance_m", "5 m", "range 10–5000 m"]),
        ("[went_dark]\nmin_gap_h = -1\n", ["[went_dark] min_gap_h", "-1 h", "range 0.25–72 h"]),
        ('[encounter]\nmax_distance_m = "far"\n', ["[encounter] max_distance_m must be a number in m", "10–5000 m"]),
        ("[encounter]\nmax_distance_m = true\n", ["must be a number in m"]),
        ("[encounters]\nmax_distance_m = 300\n", ["unknown rule [encounters]", "encounter", "went_dark"]),
        ("[encounter]\nmax_distance = 300\n", ["[encounter] has no threshold 'max_distance'", "max_distance_m"]),
        ("max_distance_m = 300\n", ["unknown rule [max_distance_m]"]),
        ("encounter = 300\n", ["encounter must be a table"]),
        ("[encounter\nmax_distance_m = 300\n", ["not valid TOML"]),
    ],
)
def test_invalid_files_are_refused_naming_rule_threshold_unit_and_range(text: str, expected: list[str]) -> None:
    with pytest.raises(ThresholdsFileError) as raised:
        parse_thresholds(text, "tuned.toml")
    message = str(raised.value)
    assert message.startswith("thresholds file tuned.toml: ")
    for part in expected:
        assert part in message, (part, message)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ThresholdsFileError, match="no such file"):
        load_thresholds(tmp_path / "nowhere.toml")


def test_a_changed_threshold_changes_the_flags_and_they_record_it() -> None:
    tuned = parse_thresholds("# a wider encounter\n[encounter]\nmax_distance_m = 1000\n", "wide.toml")
    assert tuned.rules.encounter.max_distance_m == 1000.0
    assert tuned.rules.went_dark == RuleSet().went_dark  # the rest keep their defaults
    assert tuned.tuned() == {"encounter": ["max_distance_m"]}
    assert tuned.digest != parse_thresholds("", "empty.toml").digest

    a, b = side_by_side(800, 3)  # 800 m apart for 3 h: beyond the default 500 m, within 1000 m
    assert find_encounters([a, b], RuleSet().encounter, distance_to_anchorage_km=FAR_FROM_ANCHORAGE) == []
    flags = find_encounters([a, b], tuned.rules.encounter, distance_to_anchorage_km=FAR_FROM_ANCHORAGE)
    assert {f.mmsi for f in flags} == {MOTHER, SKIFF}
    for f in flags:
        assert f.parameters["max_distance_m"]["value"] == 1000.0 and f.parameters["max_distance_m"]["unit"] == "m"
        assert f.parameters["thresholds"] == {"digest": tuned.rules.encounter.digest(), "tuned": ["max_distance_m"]}

    # flags of the defaults say so, with another digest; 1000 and 1000.0 are the same thresholds
    default = RuleSet().encounter.provenance()["thresholds"]
    assert default["tuned"] == [] and default["digest"] != tuned.rules.encounter.digest()
    same = parse_thresholds("[encounter]\nmax_distance_m = 1000.0\n", "same.toml")
    assert same.rules.encounter.digest() == tuned.rules.encounter.digest()


def test_a_changed_threshold_changes_the_rule_version_each_flag_shows() -> None:
    a, b = side_by_side(100, 3)  # an encounter under every file below
    shown = {}
    for name, text in (
        ("built-in", ""),
        ("default", "[encounter]\nmax_distance_m = 500\n"),
        ("narrow", "[encounter]\nmax_distance_m = 300\n"),
        ("narrower", "[encounter]\nmax_distance_m = 150\n"),
    ):
        rules = parse_thresholds(text, f"{name}.toml").rules
        flags = find_encounters([a, b], rules.encounter, distance_to_anchorage_km=FAR_FROM_ANCHORAGE)
        assert len(flags) == 2 and all(f.rule_version == 2 for f in flags)
        versions = {f.effective_version for f in flags}
        assert len(versions) == 1
        shown[name] = versions.pop()
        if name in ("narrow", "narrower"):
            assert shown[name] == f"2+{rules.encounter.digest()[:8]}"
    assert shown["built-in"] == shown["default"] == "2"  # a file repeating a default tunes nothing
    assert len({shown["default"], shown["narrow"], shown["narrower"]}) == 3
    assert effective_rule_version(3, {}) == "3"  # a flag stored before thresholds were recorded


def test_the_option_wins_over_the_setting_and_the_setting_over_the_defaults(tmp_path: Path) -> None:
    by_setting = tmp_path / "setting.toml"
    by_setting.write_text("[encounter]\nmax_distance_m = 800\n", encoding="utf-8")
    by_option = tmp_path / "option.toml"
    by_option.write_text("[loitering]\nmin_duration_h = 4\n", encoding="utf-8")
    configured = Settings(thresholds_file=by_setting)
    assert selected_thresholds(Settings(thresholds_file=None)).source == BUILT_IN
    assert selected_thresholds(configured).rules.encounter.max_distance_m == 800.0
    chosen = selected_thresholds(configured, by_option)
    assert chosen.source == str(by_option)
    assert chosen.rules.encounter == RuleSet().encounter and chosen.rules.loitering.min_duration_h == 4.0


def test_the_dashboard_catalogue_shows_the_value_in_force_beside_the_default() -> None:
    tuned = parse_thresholds("[encounter]\nmax_distance_m = 300\n", "tuned.toml")
    rows = catalogue_in_force(tuned)
    distance = next(r for r in rows if r["rule"] == "encounter" and r["name"] == "max_distance_m")
    assert distance["value"] == 300.0 and distance["default"] == 500.0 and distance["tuned"]
    assert distance["unit"] == "m" and distance["range"] == [10.0, 5000.0]
    assert sum(r["tuned"] for r in rows) == 1 and any(r["rule"] == "risk" for r in rows)  # weights: defaults
    described = {(r["group"], r["name"]) for r in describe(tuned)}
    assert len(described) == sum(len(p.values()) for p in groups(tuned.rules).values())


def test_thresholds_show_lists_every_threshold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tuned = tmp_path / "tuned.toml"
    tuned.write_text("[encounter]\nmax_distance_m = 300\n", encoding="utf-8")
    assert main(["thresholds", "show", "--json", "--thresholds", str(tuned)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["source"] == str(tuned) and shown["digest"] == load_thresholds(tuned).digest
    row = next(r for r in shown["thresholds"] if r["group"] == "encounter" and r["name"] == "max_distance_m")
    assert row["value"] == 300.0 and row["default"] == 500.0 and row["unit"] == "m" and row["range"] == [10, 5000]
    assert "Global Fishing Watch" in row["source"] and row["tuned"]
    assert len(shown["thresholds"]) == len(describe(load_thresholds(tuned)))

    assert main(["thresholds", "show", "--thresholds", str(tuned)]) == 0
    text = capsys.readouterr().out
    assert "* max_distance_m" in text and "default 500" in text and "range 10..5000" in text

    tuned.write_text("[encounter]\nmax_distance_m = 9000\n", encoding="utf-8")
    assert main(["thresholds", "check", str(tuned)]) == 1
    assert "[encounter] max_distance_m = 9000 m is outside its range 10–5000 m" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["detect", "--once"],
        ["track", "--detect", "--until-idle"],
        ["replay", "capture.nmea", "--as-fast-as-possible"],
    ],
)
def test_detect_track_and_replay_load_the_file_before_they_start(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from seasight.settings import get_settings

    bad = tmp_path / "bad.toml"
    bad.write_text("[encounter]\nmax_distance_m = 6000\n", encoding="utf-8")
    assert main([*argv, "--thresholds", str(bad)]) == 1  # refused before any connection is opened
    assert f"thresholds file {bad}: [encounter] max_distance_m = 6000 m is outside" in capsys.readouterr().err

    monkeypatch.setenv("SEASIGHT_THRESHOLDS_FILE", str(bad))  # the setting, without the option
    get_settings.cache_clear()
    try:
        assert main(argv) == 1
    finally:
        get_settings.cache_clear()
    assert "[encounter] max_distance_m = 6000 m is outside its range 10–5000 m" in capsys.readouterr().err


def test_thresholds_need_detection_in_the_tracker(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["track", "--thresholds", "any.toml"]) == 1
    assert "--thresholds needs --detect" in capsys.readouterr().err
