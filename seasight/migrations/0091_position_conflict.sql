-- 0091 position conflicts: a second report with an existing natural key (mmsi, observed_at) but different
-- content is kept as evidence, never dropped (issue 14).
--
-- `position` keeps one report per vessel and second (its natural key makes a Kafka replay and a report
-- heard by two receivers land once). A report at the same vessel and second that says something else —
-- another position, speed, course, heading or navigational status — is the evidence of a shared or spoofed
-- MMSI (or a faulty transponder): it goes here with its great-circle distance from the stored report. The
-- same conflicting report twice (a replay, or two receivers) is kept once: the content is the key.
CREATE TABLE position_conflict (
    id            bigserial PRIMARY KEY,
    mmsi          integer NOT NULL CHECK (mmsi BETWEEN 0 AND 999999999),
    observed_at   timestamptz NOT NULL,
    geom          geometry(Point, 4326) NOT NULL,
    sog_kn        real CHECK (sog_kn IS NULL OR sog_kn BETWEEN 0 AND 102.2),
    cog_deg       real CHECK (cog_deg IS NULL OR (cog_deg >= 0 AND cog_deg < 360)),
    heading_deg   smallint CHECK (heading_deg IS NULL OR heading_deg BETWEEN 0 AND 359),
    nav_status    smallint CHECK (nav_status IS NULL OR nav_status BETWEEN 0 AND 15),
    msg_type      smallint NOT NULL CHECK (msg_type BETWEEN 1 AND 27),
    station       text,
    received_at   timestamptz NOT NULL,
    distance_m    double precision NOT NULL CHECK (distance_m >= 0),  -- from the report kept in `position`
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (mmsi, observed_at, geom, sog_kn, cog_deg, heading_deg, nav_status)
);
CREATE INDEX position_conflict_time_idx ON position_conflict USING brin (observed_at);

-- What the tracker did not store as new, by reason, so that nothing is skipped without a count. One row per
-- reason and database session (`session`: backend pid @ backend start), so that trackers running side by
-- side never wait on each other's counter; `tracker_drop_total` sums them. The counts are of processing:
-- a replayed batch counts its records again (as duplicates).
--   position_duplicate   the same position report again (replay, or a second receiver)
--   position_conflict    same vessel and second, other content: kept in position_conflict
--   future_time          stamped ahead of its receipt beyond the station's allowance: kept in report_quarantine
--   static_older         static/voyage data not newer than the vessel's latest (late or replayed): no change
--   sighting_repeat      a sighting already stored with the same content
--   sighting_revision    a sighting id reported again with other content: a new version in sighting_revision
--   sighting_late        a revision received before the current one: kept in sighting_revision, not current
--   sighting_other_owner an id already used by another owner: stored as that owner's own sighting
CREATE TABLE tracker_drop (
    reason      text NOT NULL CHECK (reason ~ '^[a-z_]{1,40}$'),
    session     text NOT NULL,
    records     bigint NOT NULL CHECK (records >= 0),
    last_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (reason, session)
);

CREATE VIEW tracker_drop_total AS
    SELECT reason, sum(records)::bigint AS records, max(last_at) AS last_at FROM tracker_drop GROUP BY reason;
