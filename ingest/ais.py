"""AIS NMEA 0183 lines in, typed position reports out, published to Kafka.

This is the thin end-to-end slice of the reader: single- and multi-sentence ``!AIVDM``/``!AIVDO``
messages, checksum enforced, positions of ITU-R M.1371 messages 1/2/3, 18/19, 27 and 9.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone

from pyais import NMEAMessage
from pyais.exceptions import InvalidNMEAMessageException, UnknownMessageException

from seasight.kafka import TOPIC_AIS_POSITION, make_producer
from seasight.schemas import PositionReport

log = logging.getLogger("seasight.ingest.ais")

POSITION_TYPES = frozenset({1, 2, 3, 9, 18, 19, 27})


def _none_if(value: float | int | None, unavailable: float | int) -> float | int | None:
    return None if value is None or value == unavailable else value


def position_from_decoded(decoded: object, observed_at: datetime, station: str | None,
                          received_at: datetime) -> PositionReport | None:
    """A PositionReport from a decoded pyais message, or None when it carries no usable position.

    ITU-R M.1371 "not available" values become null: lon 181, lat 91, SOG 102.3 kn, COG 360, heading 511.
    """
    msg_type = int(getattr(decoded, "msg_type"))
    if msg_type not in POSITION_TYPES:
        return None
    lat, lon = getattr(decoded, "lat", None), getattr(decoded, "lon", None)
    if lat is None or lon is None or lat == 91 or lon == 181 or not -90 <= lat <= 90 or not -180 <= lon <= 180:
        return None
    sog = _none_if(getattr(decoded, "speed", None), 102.3)
    cog = _none_if(getattr(decoded, "course", None), 360.0)
    heading = _none_if(getattr(decoded, "heading", None), 511)
    status = getattr(decoded, "status", None)
    return PositionReport(
        mmsi=int(getattr(decoded, "mmsi")),
        observed_at=observed_at,
        lat=float(lat),
        lon=float(lon),
        sog_kn=float(sog) if sog is not None and sog <= 102.2 else None,
        cog_deg=float(cog) if cog is not None and cog < 360 else None,
        heading_deg=int(heading) if heading is not None and heading < 360 else None,
        nav_status=int(status) if status is not None and msg_type in (1, 2, 3, 27) else None,
        msg_type=msg_type,
        station=station,
        received_at=received_at,
    )


def read_positions(lines: Iterable[bytes], station: str | None = None) -> Iterator[PositionReport]:
    """Decode AIVDM/AIVDO lines into position reports; bad checksums and fragments are skipped."""
    pending: dict[tuple[str, str], list[NMEAMessage]] = {}
    for raw in lines:
        line = raw.strip()
        if not line.startswith((b"!AIVDM", b"!AIVDO")):
            continue
        now = datetime.now(timezone.utc)
        try:
            sentence = NMEAMessage.from_bytes(line)
        except InvalidNMEAMessageException:
            continue
        if not sentence.is_valid:
            continue
        if sentence.is_multi:
            key = (str(sentence.channel), str(sentence.seq_id))
            parts = pending.setdefault(key, [])
            parts.append(sentence)
            if len(parts) < sentence.frag_cnt:
                continue
            del pending[key]
            try:
                sentence = NMEAMessage.assemble_from_iterable(parts)
            except InvalidNMEAMessageException:
                continue
        try:
            decoded = sentence.decode()
        except (UnknownMessageException, InvalidNMEAMessageException, ValueError):
            continue
        report = position_from_decoded(decoded, now, station, now)
        if report is not None:
            yield report


def publish_positions(reports: Iterable[PositionReport], bootstrap: str) -> int:
    """Publish to ``seasight.ais.position`` keyed by MMSI; return the count sent (and acknowledged)."""
    producer = make_producer(bootstrap)
    sent = 0
    try:
        for report in reports:
            producer.send(TOPIC_AIS_POSITION, key=str(report.mmsi), value=report.to_json())
            sent += 1
        producer.flush()
    finally:
        producer.close()
    log.info("published %d position reports", sent)
    return sent
