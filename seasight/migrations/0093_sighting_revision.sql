-- 0093 sighting revisions (issue 14): a sighting reported again under the same id with other content is a
-- new version, never a discarded one.
--
-- `sighting` holds each sighting's current version (what the map, the rules and SAR cases read); every
-- version ever received, the first included, is here, numbered from 1 in the order the tracker stored
-- them. The current version is the one received last (received_at, then revision): a revision that
-- arrives late (received before the current one) is kept but does not become current.
--   * the same report again (a Kafka replay: same content and receipt time; or a re-submission equal to
--     the current version) adds nothing;
--   * an id already used by another owner never changes that owner's sighting: the report is stored as
--     a sighting of its own owner, under an id derived from the reported one (reported_id keeps it).
-- Append-only for the application; readable like the sighting itself (same owner, same sharing).
CREATE TABLE sighting_revision (
    sighting_id         uuid NOT NULL REFERENCES sighting (id) ON DELETE CASCADE,
    revision            integer NOT NULL CHECK (revision >= 1),
    reported_id         uuid NOT NULL,   -- the id the report carried
    observed_at         timestamptz NOT NULL,
    geom                geometry(Point, 4326) NOT NULL,
    uncertainty_nm      real NOT NULL CHECK (uncertainty_nm >= 0),
    source_type         text NOT NULL,
    craft_type          text NOT NULL,
    persons_estimated   integer CHECK (persons_estimated IS NULL OR persons_estimated >= 0),
    conditions          text[] NOT NULL DEFAULT '{}',
    course_deg          real,
    speed_kn            real,
    ais_seen            text NOT NULL,
    confidence          text NOT NULL,
    note                text,
    is_exercise         boolean NOT NULL,
    owner               text NOT NULL,
    acted_by            text NOT NULL,
    received_at         timestamptz NOT NULL,
    stored_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sighting_id, revision)
);
CREATE INDEX sighting_revision_reported_idx ON sighting_revision (reported_id);

-- Every sighting stored so far is its own first version.
INSERT INTO sighting_revision (sighting_id, revision, reported_id, observed_at, geom, uncertainty_nm, source_type,
                               craft_type, persons_estimated, conditions, course_deg, speed_kn, ais_seen,
                               confidence, note, is_exercise, owner, acted_by, received_at)
SELECT id, 1, id, observed_at, geom, uncertainty_nm, source_type, craft_type, persons_estimated, conditions,
       course_deg, speed_kn, ais_seen, confidence, note, is_exercise, owner, acted_by, received_at
  FROM sighting;

REVOKE UPDATE, DELETE ON sighting_revision FROM seasight_app;

-- Row-level security as on `sighting` (migration 0073, record kind 'sighting').
DO $$
BEGIN
    ALTER TABLE sighting_revision ENABLE ROW LEVEL SECURITY;
    ALTER TABLE sighting_revision FORCE ROW LEVEL SECURITY;
    EXECUTE format('CREATE POLICY owner_side ON sighting_revision TO %I USING (true) WITH CHECK (true)', current_user);
END $$;
CREATE POLICY shared_read ON sighting_revision FOR SELECT TO seasight_app USING (
    (SELECT sharing_is_service()) OR owner IN (SELECT sharing_readable_owners('sighting')));
CREATE POLICY own_insert ON sighting_revision FOR INSERT TO seasight_app WITH CHECK (
    (SELECT sharing_is_service()) OR owner IN (SELECT sharing_writable_owners('sighting')));
