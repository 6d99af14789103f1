-- Feed notices for event-time detection (DESIGN.md "Detection runs on event time"): an outage is a stretch
-- of at least FeedParameters.outage_min (tracking/rules/feeds.py, default 120 min) in which a feed (a
-- receiving station, position.station) delivered no message at all, judged on message times only. One row
-- per outage, so a feed that stops is ONE notice here, never a went-dark flag per vessel it carried.
-- System table (written by detection, not contributed by a participant). (feed, last_heard_at) is the
-- natural key: re-evaluating the same data updates the row (e.g. when the feed resumes), never adds one.
CREATE TABLE feed_outage (
    feed           text NOT NULL,            -- position.station; '(unnamed station)' when reports name none
    last_heard_at  timestamptz NOT NULL,     -- the feed's last message before the outage (its watermark)
    resumed_at     timestamptz,              -- its first message after; NULL while still stopped
    detected_at    timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (feed, last_heard_at),
    CHECK (resumed_at IS NULL OR resumed_at > last_heard_at)
);
CREATE INDEX feed_outage_open_idx ON feed_outage (last_heard_at DESC) WHERE resumed_at IS NULL;

-- What the feed-health view shows: every outage with its length in hours (open ones up to the latest
-- message time of any feed, i.e. event time, not the wall clock).
CREATE VIEW feed_notice AS
    SELECT o.feed, o.last_heard_at, o.resumed_at, o.resumed_at IS NULL AS still_stopped,
           extract(epoch FROM coalesce(o.resumed_at, (SELECT max(observed_at) FROM vessel_state))
                              - o.last_heard_at) / 3600.0 AS hours,
           o.detected_at, o.updated_at
    FROM feed_outage o;
