"""False-alarm rate of the rules on ordinary traffic: the real US AIS day in ../shared/data/ais_csv.

The file holds the first 99,999 rows of MarineCadastre's 2022-01-03 day (US waters, 10,631 MMSIs; most
vessels are seen for minutes only). Two things about the extract are handled the way the database would:
rows sharing (MMSI, time) are kept once (the ``position`` natural key), and the rows stamped 23:00–23:59 are
left out — they repeat vessels seen just after midnight at nearly the same place, which reads as a 24 h
silence that the real day did not have. Each vessel's window ends at its own last report (no "still silent"
gaps: the extract cannot say whether a vessel went quiet or merely left the file).

The rates are written to ``test-artifacts/us_ais_day_false_alarms.json``; the test holds them to bounds.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from geodata.shore import distance_to_shore_nm
from tests.tracking.tracks import vessel_mmsi
from tracking.detect import DetectionInput, RuleSet, evaluate
from tracking.rules.model import Severity, TrackPoint, TrackWindow
from tracking.rules.risk import RiskParameters, assess_all

pytestmark = pytest.mark.slow

FILE = "ais_csv/marinecadastre_AIS_2022-01-03_first99999.csv.gz"


def _num(value: str) -> float | None:
    return float(value) if value not in ("", None) else None


def load_day(path: Path) -> list[TrackWindow]:
    by_mmsi: dict[int, dict[datetime, TrackPoint]] = defaultdict(dict)
    with gzip.open(path, "rt", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["BaseDateTime"] >= "2022-01-03T23:00":
                continue
            mmsi = int(row["MMSI"])
            t = datetime.fromisoformat(row["BaseDateTime"]).replace(tzinfo=UTC)
            if t in by_mmsi[mmsi]:
                continue
            cog, heading, status = _num(row["COG"]), _num(row["Heading"]), _num(row["Status"])
            by_mmsi[mmsi][t] = TrackPoint(
                mmsi=mmsi,
                observed_at=t,
                lat=float(row["LAT"]),
                lon=float(row["LON"]),
                sog_kn=_num(row["SOG"]),
                cog_deg=cog if cog is not None and 0 <= cog < 360 else None,
                heading_deg=int(heading) if heading is not None and heading < 360 else None,
                nav_status=int(status) if status is not None else None,
                msg_type=18 if row["TransceiverClass"] == "B" else 1,
            )
    start = datetime(2022, 1, 3, tzinfo=UTC)
    return [TrackWindow.of(list(points.values()), start=start) for points in by_mmsi.values()]


def test_ordinary_us_traffic_raises_few_alarms(shared_data: Path, artifacts: Path) -> None:
    windows = load_day(shared_data / FILE)
    assert len(windows) > 10_000
    start = datetime(2022, 1, 3, tzinfo=UTC)
    data = DetectionInput(start=start, end=start + timedelta(hours=23), windows=tuple(windows))
    flags = evaluate(data, RuleSet(), distance_to_shore=distance_to_shore_nm)
    assessments = assess_all(flags, RiskParameters())

    vessels = len(windows)
    by_rule = Counter(f"{f.rule_id}:{f.severity.label}" for f in flags)
    medium_or_more = {f.mmsi for f in flags if Severity.MEDIUM <= f.severity < Severity.DISTRESS}
    high = {f.mmsi for f in flags if f.severity is Severity.HIGH}
    distress = sorted({vessel_mmsi(f) for f in flags if f.severity is Severity.DISTRESS})
    rate_medium_or_high = round(len(medium_or_more) / vessels, 5)
    rate_high = round(len(high) / vessels, 5)
    report = {
        "vessels": vessels,
        "reports": sum(len(w.points) for w in windows),
        "flags": len(flags),
        "flags_by_rule_and_severity": dict(sorted(by_rule.items())),
        "vessels_medium_or_high": len(medium_or_more),
        "rate_medium_or_high": rate_medium_or_high,
        "vessels_high": len(high),
        "rate_high": rate_high,
        "distress_mmsis": distress,
        "vessels_with_risk_at_least_medium": sum(a.severity >= Severity.MEDIUM for a in assessments),
    }
    (artifacts / "us_ais_day_false_alarms.json").write_text(json.dumps(report, indent=2))

    # Ordinary traffic: under 1 % of vessels raise a medium or high flag, under 0.2 % a high one.
    assert rate_medium_or_high < 0.01, report
    assert rate_high < 0.002, report
    # No encounters or loitering invented among ordinary traffic in this extract.
    assert not any(k.startswith(("encounter", "loitering")) for k in by_rule), report
