-- Feed health: the data-quality ledger of every AIS feed, as ingest publishes it on seasight.feed.health
-- (schema seasight.schemas.FeedHealth), stored by the tracker (tracking/feed_health.py) so the dashboard
-- can show it. One row per snapshot; (feed, as_of) is the natural key, so a replayed snapshot adds nothing.
-- Counts are cumulative since the feed was opened; lines_in = lines_decoded + lines_rejected + lines_metadata.
CREATE TABLE feed_health (
    feed                text NOT NULL,               -- e.g. tcp://10.0.0.5:10110, file:day.nmea, stdin
    as_of               timestamptz NOT NULL,        -- when the snapshot was taken
    station             text,                        -- receiving-station name given to the feed
    opened_at           timestamptz NOT NULL,        -- when ingest opened the feed
    lines_in            bigint NOT NULL CHECK (lines_in >= 0),
    lines_decoded       bigint NOT NULL CHECK (lines_decoded >= 0),
    lines_rejected      bigint NOT NULL CHECK (lines_rejected >= 0),
    lines_metadata      bigint NOT NULL CHECK (lines_metadata >= 0),
    messages_decoded    bigint NOT NULL CHECK (messages_decoded >= 0),
    messages_published  bigint NOT NULL CHECK (messages_published >= 0),
    rejects_by_reason   jsonb NOT NULL DEFAULT '{}',  -- reason -> lines, reasons of RejectedInput.REASONS
    messages_per_s      double precision NOT NULL CHECK (messages_per_s >= 0),
    out_of_order_share  double precision NOT NULL CHECK (out_of_order_share BETWEEN 0 AND 1),
    latency_p50_s       double precision,            -- publish time minus the feed's own timestamp, s
    latency_p95_s       double precision,
    latency_max_s       double precision,
    pending_fragments   integer NOT NULL DEFAULT 0 CHECK (pending_fragments >= 0),
    received_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (feed, as_of),
    CHECK (lines_in = lines_decoded + lines_rejected + lines_metadata)
);
CREATE INDEX feed_health_as_of_idx ON feed_health (as_of DESC);

-- The latest snapshot of each feed: what a feed-health panel shows.
CREATE VIEW feed_health_latest AS
    SELECT DISTINCT ON (feed) * FROM feed_health ORDER BY feed, as_of DESC;
