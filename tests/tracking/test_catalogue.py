from __future__ import annotations

import json

from tracking.detect import EVALUATED_RULES
from tracking.rules.catalogue import catalogue


def test_every_threshold_is_documented() -> None:
    rows = catalogue()
    json.dumps(rows)  # JSON-ready for the dashboard
    for rule in rows:
        for t in rule["thresholds"]:
            assert t["unit"] and t["source"] and t["description"], (rule["rule"], t["name"])
            low, high = t["range"]
            assert low <= t["default"] <= high


def test_the_catalogue_lists_every_evaluated_rule() -> None:
    assert {r["rule"] for r in catalogue()} >= EVALUATED_RULES
