"""`seasight bench` runs the full chain and the bare-library chain interleaved on one fresh stack and reports
every figure, with every record accounted for. (The speed targets themselves are judged by the benchmark,
never by a timed test.)"""

from __future__ import annotations

import json

import pytest

from seasight.app.bench import RATIO_FIGURES
from tests.conftest import run_cli

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_bench_compares_full_and_bare_chains_and_loses_nothing() -> None:
    result = run_cli("bench", "--messages", "3000", "--rounds", "2", "--pipeline-only", "--json", timeout=900)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    report = json.loads(result.stdout)
    figures = report["figures"]
    assert figures["input.lines"] == 3000
    per_round = figures["input.position_reports"]
    assert per_round == 3000  # message 1 only, one line each
    for chain in ("full", "bare"):
        assert figures[f"{chain}.rounds"] == 2
        assert figures[f"{chain}.published"] == 2 * per_round
        for name in RATIO_FIGURES:
            assert figures[f"{chain}.{name}"] > 0, f"{chain}.{name}"
        assert figures[f"{chain}.p50_ms"] <= figures[f"{chain}.p99_ms"]
        assert figures[f"{chain}.unaccounted"] == 0
        assert figures[f"{chain}.redelivered"] >= 0  # batches read again after a rebalance, kept apart
    # The simulated fleet has one MMSI on two vessels (564257251): its second report of each 10 s tick is
    # the same vessel and second with another position, kept as a conflict; 3000 lines are 1.5 ticks.
    assert figures["full.conflicts"] == 2
    assert figures["full.stored"] + figures["full.conflicts"] == per_round
    assert figures["full.replayed"] == per_round  # the second round added nothing
    assert figures["full.quarantined"] == 0
    assert figures["bare.stored"] == figures["bare.replayed"] == per_round
    for name in RATIO_FIGURES:
        assert figures[f"ratio.{name}"] == pytest.approx(figures[f"full.{name}"] / figures[f"bare.{name}"], abs=1e-3)
    assert {t["figure"] for t in report["targets"]} == {
        "full.unaccounted",
        "full.msgs_per_s",
        "ratio.msgs_per_s",
        "ratio.p99_ms",
    }
    assert all(isinstance(t["met"], bool) for t in report["targets"])
    assert next(t for t in report["targets"] if t["figure"] == "full.unaccounted")["met"] is True
