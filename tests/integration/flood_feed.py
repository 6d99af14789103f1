"""A position feed at a set rate through the real buffered publisher, run as its own process by
``test_flood.py`` (so that its memory can be measured and its GIL is its own):

    python -m tests.integration.flood_feed RATE_PER_S COUNT FIRST_INDEX [PROGRESS_FILE]

``RATE_PER_S`` 0 sends as fast as the publisher can. With ``PROGRESS_FILE``, the number of records sent so
far is written there every 2,000 records (replaced whole, so a reader never sees half a number). The
settings (database, broker, ingest buffer) come from the ``SEASIGHT_*`` environment, as for any Seasight
process. Prints one JSON line: records sent, seconds taken and the peak resident memory (MiB).

Report times are built from the record's index (1,000 vessels, one report each 10 s from ``START``), never
from the wall clock; the pacing alone uses the monotonic clock.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ingest.publish import Publisher
from seasight.schemas import PositionReport
from seasight.settings import get_settings

VESSELS = 1000
START = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # before the tests' fixed "now" (2026-11-24T06:30Z)
STATION = "flood"


def report(i: int) -> PositionReport:
    """Record ``i``: vessel ``i % 1000`` at round ``i // 1000`` (10 s apart), under way at 10 kn to the north-east
    across the open Bay of Bengal."""
    vessel, step = i % VESSELS, i // VESSELS
    at = START + timedelta(seconds=10 * step)
    moved_deg = step * 0.00098  # 10 kn for 10 s is 0.0278 nm, 0.00098 degrees of latitude and longitude each way
    return PositionReport(
        mmsi=419_500_000 + vessel,
        observed_at=at,
        lat=round(8.0 + (vessel // 40) * 0.3 + moved_deg, 6),
        lon=round(84.0 + (vessel % 40) * 0.2 + moved_deg, 6),
        sog_kn=10.0,
        cog_deg=45.0,
        heading_deg=45,
        nav_status=0,
        msg_type=1,
        station=STATION,
        received_at=at,
    )


def note_progress(path: Path, sent: int) -> None:
    partial = path.with_suffix(".part")
    partial.write_text(str(sent))
    os.replace(partial, path)


def main(argv: list[str]) -> int:
    rate, count, first = float(argv[0]), int(argv[1]), int(argv[2])
    progress = Path(argv[3]) if len(argv) > 3 else None
    publisher = Publisher.for_settings(get_settings())
    started = time.monotonic()
    try:
        for n in range(count):
            if rate > 0 and n % 100 == 0:
                ahead = started + n / rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
            publisher.send(report(first + n))
            if progress is not None and (n + 1) % 2000 == 0:
                note_progress(progress, n + 1)
        publisher.flush(timeout_s=300)
        if progress is not None:
            note_progress(progress, count)
    finally:
        publisher.close()
    taken = time.monotonic() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"sent": count, "seconds": round(taken, 2), "peak_rss_mib": round(peak_mib, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
