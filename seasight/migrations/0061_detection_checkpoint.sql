-- Checkpoint of the streaming detection stage (tracking/stream/, DESIGN.md "Detection runs on event time").
-- Written in the SAME transaction as the positions of the batch that changed it, before the Kafka offsets
-- are committed: after a crash, what is here is exactly the state of the committed positions, so a restart
-- loads it (a few KB per vessel) instead of re-reading 24 h of positions, and resumes exactly.
-- System tables (written by the tracker's service account, read by nobody else).

-- Codes for what a packed record names by a small integer (tracking/stream/state.py Codebook): receiving
-- stations ('station', the station name) and combinations of watch zones a report lies in ('zones', the
-- sorted zone ids joined by ','). Shared by every tracker process, so that records mean the same to all.
CREATE TABLE detection_code (
    kind   text NOT NULL CHECK (kind IN ('station', 'zones')),
    value  text NOT NULL,
    code   integer NOT NULL CHECK (code BETWEEN 1 AND 65535),
    PRIMARY KEY (kind, value),
    UNIQUE (kind, code)
);

-- Each vessel's kept track: packed 22-byte records in time order (times in ms from base_ms, the Unix epoch
-- in ms). The vessel's latest report is its vessel_state row, written in the same transaction.
CREATE TABLE detection_track (
    mmsi        integer PRIMARY KEY,
    base_ms     bigint NOT NULL,
    records     bytea NOT NULL CHECK (length(records) % 22 = 0),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Each consumer group's feed timelines (tracking/rules/feeds.py FeedTimeline.snapshot): watermarks and
-- live runs of every receiving station it has consumed.
CREATE TABLE detection_feeds (
    consumer_group  text PRIMARY KEY,
    timeline        jsonb NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
