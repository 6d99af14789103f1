"""The reliability suite's record of each fault it injected: one JSON file per fault in
``test-artifacts/reliability/``, read for the README's fault table (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path


def record(artifacts: Path, fault: str, figures: dict[str, object]) -> None:
    """Write ``figures`` (faults injected, messages checked, lost, duplicated, and the fault's own) for
    ``fault`` and print them on one line, for the test log."""
    folder = artifacts / "reliability"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{fault}.json").write_text(json.dumps({"fault": fault, **figures}, indent=2))
    print(json.dumps({"fault": fault, **figures}))
