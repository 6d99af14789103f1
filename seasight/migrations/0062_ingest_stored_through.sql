-- Stored-through marks of the ingest buffers (ingest/buffer.py, DESIGN.md "Nothing acknowledged is lost").
-- A publisher numbers what it sends per (buffer, topic, partition) from 1; the tracker, in the SAME
-- transaction that stores a batch, advances the mark over the unbroken run of numbers from it (never across
-- a missing number). Everything at or below a mark is in PostGIS, so the publisher may forget it; what is
-- above it is sent again after a broker restart. A number seen beyond a break is remembered in gap_after
-- (and counted in gaps), so the publisher knows to send the missing records again.
-- A system table: written by the tracker, read by the publishers (both the service account).
CREATE TABLE ingest_stored_through (
    buffer_id       text NOT NULL CHECK (length(buffer_id) BETWEEN 1 AND 100),
    topic           text NOT NULL,
    kafka_partition integer NOT NULL CHECK (kafka_partition >= 0),
    stored_through  bigint NOT NULL DEFAULT 0 CHECK (stored_through >= 0),
    gap_after       bigint CHECK (gap_after > stored_through),
    gaps            integer NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (buffer_id, topic, kafka_partition)
);

-- Advance the marks of one batch. For each (buffer, topic, partition): firsts..lasts is the unbroken run of
-- numbers the batch holds from its lowest, seen_max the highest number it holds at all. A run that starts at
-- or below mark + 1 moves the mark to its end; a batch with a break (its run starts above mark + 1, or it
-- holds numbers beyond its run) counts a gap and remembers the highest number seen beyond the mark.
CREATE FUNCTION mark_ingest_stored(
    buffers text[], topics text[], partitions integer[], firsts bigint[], lasts bigint[], seen_max bigint[]
) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO ingest_stored_through (buffer_id, topic, kafka_partition)
    SELECT DISTINCT b, t, p FROM unnest(buffers, topics, partitions) AS v(b, t, p)
    ON CONFLICT DO NOTHING;
    UPDATE ingest_stored_through s
       SET stored_through = greatest(s.stored_through, n.st),
           gap_after = CASE WHEN n.seen > greatest(s.stored_through, n.st) THEN n.seen END,
           gaps = s.gaps + n.broke,
           updated_at = now()
      FROM (SELECT v.b, v.t, v.p,
                   CASE WHEN v.f <= x.stored_through + 1 THEN greatest(x.stored_through, v.l)
                        ELSE x.stored_through END AS st,
                   greatest(coalesce(x.gap_after, 0), v.m) AS seen,
                   CASE WHEN v.f > x.stored_through + 1 OR v.m > v.l THEN 1 ELSE 0 END AS broke
              FROM unnest(buffers, topics, partitions, firsts, lasts, seen_max) AS v(b, t, p, f, l, m)
              JOIN ingest_stored_through x ON (x.buffer_id, x.topic, x.kafka_partition) = (v.b, v.t, v.p)) n
     WHERE (s.buffer_id, s.topic, s.kafka_partition) = (n.b, n.t, n.p);
$$;
