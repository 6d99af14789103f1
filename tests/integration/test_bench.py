"""`seasight bench` runs the real chain end to end on a fresh stack and reports every figure.
(The speed targets themselves are judged by the benchmark, never by a timed test.)"""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_bench_reports_pipeline_figures() -> None:
    result = run_cli("bench", "--messages", "3000", "--pipeline-only", "--json", timeout=300)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    report = json.loads(result.stdout)
    figures = report["figures"]
    assert figures["pipeline.lines"] == 3000
    assert figures["pipeline.position_reports"] == 3000
    for name in (
        "decode_lines_per_s",
        "decode_publish_msgs_per_s",
        "end_to_end_msgs_per_s",
        "latency_p50_s",
        "latency_p99_s",
        "ingest_peak_rss_mib",
        "tracker_peak_rss_mib",
    ):
        assert figures[f"pipeline.{name}"] > 0, name
    assert figures["pipeline.latency_p50_s"] <= figures["pipeline.latency_p99_s"]
    assert figures["pipeline.end_to_end_msgs_per_s"] <= figures["pipeline.decode_lines_per_s"]
    assert {t["figure"] for t in report["targets"]} == {"pipeline.end_to_end_msgs_per_s", "pipeline.latency_p99_s"}
    assert all(isinstance(t["met"], bool) for t in report["targets"])
