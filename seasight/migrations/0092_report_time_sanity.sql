-- 0092 time sanity (issue 14): reports stamped in the future are quarantined, never moved into the latest
-- state, and the latest state cannot be frozen by one outlier.
--
-- A report's observed time comes from the feed (tag block c:, $PGHP, trailing time), its receipt time from
-- Seasight's clock. A report stamped later than its receipt by more than the tolerance plus its receiving
-- station's learned clock offset (tracking/report_time.py) is kept here with the reason and the figures,
-- and is written neither to `position` nor to `vessel_state` (nor, for static or "heard" messages, to
-- `vessel`). The record is kept as it arrived (its JSON on the topic). The same report twice lands once.
CREATE TABLE report_quarantine (
    id             bigserial PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN ('position', 'static', 'heard')),
    mmsi           integer NOT NULL CHECK (mmsi BETWEEN 0 AND 999999999),
    observed_at    timestamptz NOT NULL,
    received_at    timestamptz NOT NULL,
    station        text,
    reason         text NOT NULL CHECK (reason IN ('future_time')),
    ahead_s        double precision NOT NULL,   -- observed_at - received_at, seconds
    allowed_s      double precision NOT NULL,   -- tolerance + the station's learned offset, seconds
    record         jsonb NOT NULL,
    quarantined_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (kind, mmsi, observed_at, station, received_at)
);
CREATE INDEX report_quarantine_mmsi_idx ON report_quarantine (mmsi, observed_at);
CREATE INDEX report_quarantine_time_idx ON report_quarantine USING brin (observed_at);

-- Each receiving station's clock offset, learned from its own position reports: a smoothed median of
-- (observed_at - received_at), seconds, clamped (tracking/report_time.py). Positive: the station stamps
-- ahead of Seasight's clock. `samples` is how many reports it was learned from.
CREATE TABLE station_clock (
    station     text PRIMARY KEY,
    offset_s    double precision NOT NULL,
    samples     bigint NOT NULL CHECK (samples >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The latest state remembers when its report was received: a state stamped ahead of its own receipt
-- (beyond the tolerance) yields to any report received after it, so one outlier cannot freeze a vessel.
ALTER TABLE vessel_state ADD COLUMN received_at timestamptz;
UPDATE vessel_state vs SET received_at = p.received_at
  FROM position p WHERE p.mmsi = vs.mmsi AND p.observed_at = vs.observed_at;
