"""The geodata benchmark produces its figures (no timing thresholds: speed is a benchmark, not a test)."""

from __future__ import annotations

import pytest

from geodata import bench
from tests.conftest import RunningStack


def test_pure_figures_are_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "SCALAR_CALLS", 2000)
    figures = bench.pure_figures()
    assert set(figures) >= {"distance_to_shore_us_per_call", "is_land_us_per_call", "basemap_kib"}
    # a build already cached by another test takes 0.0 s
    assert all(isinstance(v, int | float) and v >= 0 for v in figures.values())
    assert figures["distance_to_shore_us_per_call"] > 0 and figures["basemap_kib"] > 0


@pytest.mark.integration
def test_database_figures_are_measured(reference_layers: RunningStack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "DB_QUERIES", 40)
    figures = bench.database_figures(reference_layers.database_url)
    assert figures["srr_at_ms_p50"] > 0 and figures["where_ms_p99"] >= figures["where_ms_p50"] > 0
