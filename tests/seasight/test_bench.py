"""The benchmark's ratios of the full system to the bare chain, and its accounting of every record
(seasight/app/bench.py): pure functions over figures, no stack."""

from __future__ import annotations

import math

import pytest

from seasight.app.bench import RATIO_FIGURES, TARGETS, Round, _summarise, ratios


def test_ratio_is_full_over_bare_to_three_decimals() -> None:
    figures = {"full.msgs_per_s": 10_064, "bare.msgs_per_s": 14_752, "full.p99_ms": 2874.0, "bare.p99_ms": 1106.0}
    assert ratios(figures) == {"ratio.msgs_per_s": 0.682, "ratio.p99_ms": 2.599}


def test_every_declared_figure_gets_a_ratio_when_both_chains_have_it() -> None:
    figures = {f"{chain}.{name}": value for name in RATIO_FIGURES for chain, value in (("full", 3), ("bare", 4))}
    assert ratios(figures) == {f"ratio.{name}": 0.75 for name in RATIO_FIGURES}


@pytest.mark.parametrize(
    "bare",
    [None, 0, 0.0, math.nan, True, "14752"],
    ids=["missing", "zero", "zero-float", "nan", "bool", "text"],
)
def test_no_ratio_without_a_usable_bare_figure(bare: object) -> None:
    figures: dict[str, object] = {"full.msgs_per_s": 10_000}
    if bare is not None:
        figures["bare.msgs_per_s"] = bare
    assert ratios(figures) == {}


def test_no_ratio_of_a_nan_full_figure_or_of_figures_not_declared() -> None:
    figures = {"full.msgs_per_s": math.nan, "bare.msgs_per_s": 1.0, "full.other": 1.0, "bare.other": 2.0}
    assert ratios(figures) == {}


def _round(published: int, stored: int, conflicts: int = 0, replayed: int = 0, quarantined: int = 0) -> Round:
    return Round(published, 1.0, 2.0, [0.1, 0.2, 0.3], stored, conflicts, replayed, quarantined)


def test_full_accounting_keeps_replays_apart_and_shows_a_loss() -> None:
    runs = [_round(2000, 1999, conflicts=1), _round(2000, 0, replayed=2000)]
    figures = _summarise("full", runs)
    assert figures["full.published"] == 4000
    assert (figures["full.stored"], figures["full.conflicts"], figures["full.replayed"]) == (1999, 1, 2000)
    assert figures["full.unaccounted"] == 0
    assert figures["full.msgs_per_s"] == 1000  # 4000 records over 2 x 2 s end to end
    lost = _summarise("full", [_round(2000, 1998, conflicts=1)])
    assert lost["full.unaccounted"] == 1
    nothing_lost = next(t for t in TARGETS if t.figure == "full.unaccounted")
    assert nothing_lost.met(figures) is True
    assert nothing_lost.met(lost) is False


def test_bare_accounting_counts_later_rounds_as_replayed() -> None:
    figures = _summarise("bare", [_round(2000, 2000), _round(2000, 2000), _round(2000, 1990)])
    assert (figures["bare.published"], figures["bare.stored"], figures["bare.replayed"]) == (6000, 2000, 3990)
    assert figures["bare.unaccounted"] == 10


def test_a_batch_delivered_twice_is_reported_apart_and_not_counted_as_stored_or_lost() -> None:
    runs = [Round(2000, 1.0, 2.0, [0.1], 1999, 1, 0, 0, redelivered=500)]
    figures = _summarise("full", runs)
    assert (figures["full.redelivered"], figures["full.unaccounted"]) == (500, 0)
    bare = _summarise("bare", [Round(2000, 1.0, 2.0, [0.1], 2000, redelivered=500)])
    assert (bare["bare.stored"], bare["bare.redelivered"], bare["bare.unaccounted"]) == (2000, 500, 0)
