"""The bare-library chain ``seasight bench`` compares the full system with (docs/architecture.md, "Throughput").

pyais decodes each AIVDM line (ITU-R M.1371 message 1/2/3 fields only, no tag blocks, no validation) →
a compact JSON array ``[mmsi, received_ms, lon_deg, lat_deg, sog_kn, cog_deg, heading_deg, nav_status]``
(times as integer milliseconds since the Unix epoch) → kafka-python idempotent producer (``acks=all``) →
broker → kafka-python consumer (manual commit) → psycopg **binary** COPY of the batch (point geometry as
EWKB bytes) into a session table, then one set-based latest-state upsert (``DISTINCT ON (mmsi)`` …
``ON CONFLICT DO UPDATE``), database commit, then offset commit. Nothing else: it is the floor the full
system is measured against, written with the same libraries, on the same stack and the same input.

The bare tables are TEMPORARY (the consumer's own session): the benchmark leaves nothing in the database.
"""

from __future__ import annotations

import itertools
import json
import logging
import struct
import threading
import time
from collections.abc import Iterable
from typing import Any

log = logging.getLogger("seasight.bench.bare")

BARE_TOPIC = "bench.bare.position"

_EWKB_POINT_4326 = struct.Struct("<BIIdd")


def ewkb_point(lon: float, lat: float) -> bytes:
    """EWKB (PostGIS extended WKB, little endian) of a 2-D point in EPSG:4326; degrees."""
    return _EWKB_POINT_4326.pack(1, 0x20000001, 4326, lon, lat)


def bare_decode(lines: Iterable[bytes]) -> list[tuple[int, float, float, float | None, float | None, int | None, int]]:
    """(mmsi, lon, lat, sog, cog, heading, status) of every decodable position report (types 1–3), pyais only."""
    from pyais import decode

    out: list[tuple[int, float, float, float | None, float | None, int | None, int]] = []
    for line in lines:
        try:
            msg: Any = decode(line)
        except Exception:  # noqa: BLE001 - the bare chain drops what pyais cannot decode
            continue
        if getattr(msg, "msg_type", None) not in (1, 2, 3):
            continue
        out.append((int(msg.mmsi), float(msg.lon), float(msg.lat), msg.speed, msg.course, msg.heading, int(msg.status)))
    return out


def bare_serialise(row: tuple[Any, ...], received_ms: int) -> bytes:
    """The bare wire value: a JSON array, times as integer milliseconds."""
    mmsi, lon, lat, sog, cog, heading, status = row
    return json.dumps([mmsi, received_ms, lon, lat, sog, cog, heading, status], separators=(",", ":")).encode()


def bare_producer(bootstrap: str) -> Any:
    """The bare chain's kafka-python producer: idempotent, ``acks=all``, 5 ms linger, no compression."""
    from kafka import KafkaProducer

    return KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)


def bare_publish(lines: list[bytes], bootstrap: str, topic: str = BARE_TOPIC) -> int:
    """Decode with pyais and publish, in chunks of 1,000 as the full system does; return the count acknowledged."""
    producer = bare_producer(bootstrap)
    sent = 0
    try:
        iterator = iter(lines)
        while chunk_lines := list(itertools.islice(iterator, 1000)):
            rows = bare_decode(chunk_lines)
            now_ms = int(time.time() * 1000)
            for row in rows:
                producer.send(topic, key=str(row[0]).encode(), value=bare_serialise(row, now_ms))
            sent += len(rows)
        producer.flush()
    finally:
        producer.close()
    return sent


BareRow = tuple[int, int, float, float, float | None, float | None, int | None, int]
"""A decoded bare wire value: (mmsi, received_ms, lon, lat, sog_kn, cog_deg, heading_deg, nav_status)."""


def bare_tables(conn: Any) -> None:
    """The bare chain's session tables (TEMPORARY: dropped with the connection), committed."""
    conn.execute(
        "CREATE TEMP TABLE bare_position (mmsi integer, observed_at timestamptz, geom bytea, sog_kn real,"
        " cog_deg real, heading_deg smallint, nav_status smallint)"
    )
    conn.execute(
        "CREATE TEMP TABLE bare_state (mmsi integer PRIMARY KEY, observed_at timestamptz, geom geometry,"
        " sog_kn real, cog_deg real, heading_deg smallint, nav_status smallint)"
    )
    conn.execute("CREATE TEMP TABLE bare_in (LIKE bare_position) ON COMMIT DELETE ROWS")
    conn.commit()


def bare_write(conn: Any, rows: list[BareRow]) -> int:
    """Binary COPY of ``rows`` (point as EWKB bytes), one set-based latest-state upsert, database commit;
    return the rows stored."""
    with conn.cursor() as cur:
        with cur.copy("COPY bare_in FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "timestamptz", "bytea", "float4", "float4", "int2", "int2"])
            for mmsi, received_ms, lon, lat, sog, cog, heading, status in rows:
                copy.write_row((mmsi, _utc_from_ms(received_ms), ewkb_point(lon, lat), sog, cog, heading, status))
        cur.execute("INSERT INTO bare_position SELECT * FROM bare_in")
        stored = int(cur.rowcount)
        cur.execute(
            """INSERT INTO bare_state AS s
               SELECT DISTINCT ON (mmsi) mmsi, observed_at, ST_GeomFromEWKB(geom), sog_kn, cog_deg,
                      heading_deg, nav_status
                 FROM bare_in ORDER BY mmsi, observed_at DESC
               ON CONFLICT (mmsi) DO UPDATE SET observed_at = excluded.observed_at, geom = excluded.geom,
                      sog_kn = excluded.sog_kn, cog_deg = excluded.cog_deg,
                      heading_deg = excluded.heading_deg, nav_status = excluded.nav_status
                WHERE excluded.observed_at >= s.observed_at"""
        )
    conn.commit()
    return stored


def bare_consumer(bootstrap: str, group: str, topic: str) -> Any:
    """The bare chain's kafka-python consumer: manual commit, from the earliest offset, 5,000 a poll."""
    from kafka import KafkaConsumer

    return KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=5000,
        max_poll_interval_ms=3000,
    )


def bare_consumer_process(database_url: str, bootstrap: str, results: Any, stop: Any, topic: str = BARE_TOPIC) -> None:
    """Consume, binary-COPY, upsert latest state, commit; put (commit wall time s, [((partition, offset),
    latency s)], stored) per batch (stored: rows this session has stored so far)."""
    import psycopg
    from kafka.errors import CommitFailedError

    consumer = bare_consumer(bootstrap, "bench-bare", topic)
    with psycopg.connect(database_url) as conn:
        bare_tables(conn)
        stored = 0

        def stop_when_asked() -> None:
            stop.wait()

        watcher = threading.Thread(target=stop_when_asked, daemon=True)
        watcher.start()
        while watcher.is_alive():
            polled = consumer.poll(timeout_ms=200)
            records = [r for batch in polled.values() for r in batch]
            if not records:
                continue
            rows: list[BareRow] = [tuple(json.loads(r.value)) for r in records]
            stored += bare_write(conn, rows)
            # Database commit (in bare_write), then offset commit: a crash in between replays, never loses.
            try:
                consumer.commit()
            except CommitFailedError:
                log.warning("bare chain: offset commit failed after a rebalance; the batch will be read again")
            now = time.time()
            keys = [(r.partition, r.offset) for r in records]
            results.put((now, [(key, now - row[1] / 1000) for key, row in zip(keys, rows, strict=True)], stored))
    consumer.close()


def _utc_from_ms(ms: int) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC)
