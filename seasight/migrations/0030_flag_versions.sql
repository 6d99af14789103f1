-- 0030 flags as versioned events, and the shared watchlist the watchlist rule reads.
--
-- A flag row is the current state of one event (natural key from 0001: rule, subject, window start);
-- every change the detector makes to it is kept in flag_version: raised, updated (new evidence, score,
-- severity or end time), withdrawn (re-evaluation with later or late data shows the rule no longer holds)
-- and reraised. Re-evaluating the same data adds no version, so a replay changes nothing.

ALTER TABLE flag DROP CONSTRAINT flag_status_check;
ALTER TABLE flag ADD CONSTRAINT flag_status_check
    CHECK (status IN ('open', 'acknowledged', 'dismissed', 'withdrawn'));
ALTER TABLE flag ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1);
ALTER TABLE flag ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX flag_subject_idx ON flag (rule_id, subject_kind, mmsi, window_end DESC);

CREATE TABLE flag_version (
    flag_id        bigint NOT NULL REFERENCES flag (id) ON DELETE CASCADE,
    version        integer NOT NULL CHECK (version >= 1),
    action         text NOT NULL CHECK (action IN ('raised', 'updated', 'withdrawn', 'reraised')),
    reason         text NOT NULL,
    rule_version   integer NOT NULL,
    severity       text NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'distress')),
    score          real NOT NULL CHECK (score BETWEEN 0 AND 1),
    window_start   timestamptz NOT NULL,
    window_end     timestamptz NOT NULL,
    summary        text NOT NULL,
    evidence       jsonb NOT NULL DEFAULT '{}',
    parameters     jsonb NOT NULL DEFAULT '{}',
    evaluated_to   timestamptz NOT NULL,          -- end of the data window the detector evaluated
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    acted_by       text NOT NULL DEFAULT 'system',
    PRIMARY KEY (flag_id, version)
);

-- Shared watchlist (rule 6). Any identifier may be missing; at least one must be given.
CREATE TABLE watchlist_entry (
    id          text PRIMARY KEY,
    reason      text NOT NULL,
    mmsi        integer CHECK (mmsi IS NULL OR mmsi BETWEEN 0 AND 999999999),
    imo         integer CHECK (imo IS NULL OR imo BETWEEN 1 AND 9999999),
    callsign    text,
    name        text,
    active      boolean NOT NULL DEFAULT true,
    owner       text NOT NULL,
    acted_by    text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (mmsi IS NOT NULL OR imo IS NOT NULL OR callsign IS NOT NULL OR name IS NOT NULL)
);
