"""A tracker with the detection stage on private topics, run as its own process by
``test_stream_detection.py`` (so that the test can SIGKILL it mid-stream):

    python -m tests.integration.stream_tracker DATABASE_URL BOOTSTRAP TOPIC_PREFIX GROUP [MAX_POLL_RECORDS [plain]]

With ``plain``, the tracker stores without the detection stage.
"""

from __future__ import annotations

import logging
import sys

from seasight.schemas import PositionReport, SafetyBroadcast, Sighting
from tracking.consumer import TopicHandler, Tracker
from tracking.store import write_positions, write_safety, write_sightings
from tracking.stream.stage import DetectionStage


def handlers(prefix: str) -> list[TopicHandler]:
    return [
        TopicHandler(f"{prefix}.position", PositionReport, write_positions),
        TopicHandler(f"{prefix}.distress", PositionReport, write_positions),
        TopicHandler(f"{prefix}.safety", SafetyBroadcast, write_safety),
        TopicHandler(f"{prefix}.sighting", Sighting, write_sightings),
    ]


def main(argv: list[str]) -> int:
    database_url, bootstrap, prefix, group = argv[:4]
    max_poll_records = int(argv[4]) if len(argv) > 4 else 400
    plain = len(argv) > 5 and argv[5] == "plain"
    logging.basicConfig(level=logging.WARNING)
    tracker = Tracker(
        database_url,
        bootstrap,
        group,
        max_poll_interval_ms=3000,
        handlers=handlers(prefix),
        detection=None if plain else DetectionStage(),
        max_poll_records=max_poll_records,
    )
    stats = tracker.run(until_idle=True, idle_timeout_s=60)
    print(f"records {stats.records} batches {stats.batches} flag_events {stats.flag_events}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
