-- 0050 disembarkation: places of safety (IMO MSC.167(78) para 6.12), recorded outcomes of cases, and
-- historical incidents imported from the IOM Missing Migrants Project.
--
--  * People rescued are only ever COUNTS. No table here has a column for a name, a document number or any
--    other personal identifier, and none may be added.
--  * Every record carries `owner` (ISO 3166-1 alpha-3 or organisation id) and `acted_by`.
--  * Edits keep history: place_of_safety keeps its current row plus an append-only change log;
--    outcomes are append-only versions per case (the current one is the highest version).
--  * Exercise outcomes (is_exercise) never count in statistics: read disembarkation_outcome_real.
--  * case_id refers to sar_case.id (migration 0040); is_exercise is copied from the case.
--  * Geometry EPSG:4326; distances in nautical miles; durations named with their unit.

-- Places of safety: ports and landing places in participating states. ------------------------------------
-- Position and name come from a packaged port dataset (source in position_source); every other attribute
-- is the team's own (or a participant's), with its source and date, and NULL where unknown.
CREATE TABLE place_of_safety (
    locode               text PRIMARY KEY CHECK (locode ~ '^[A-Z]{2}[A-Z0-9]{3}$'),   -- UN/LOCODE
    name                 text NOT NULL,
    state                text NOT NULL CHECK (state ~ '^[A-Z]{3}$'),                   -- ISO alpha-3
    country_iso2         text NOT NULL CHECK (country_iso2 ~ '^[A-Z]{2}$'),
    kind                 text NOT NULL DEFAULT 'port' CHECK (kind IN ('port', 'landing_place')),
    geom                 geometry(Point, 4326) NOT NULL,
    position_source      text NOT NULL,
    -- the team's own attributes (all optional; NULL = not known, never guessed)
    reception_facilities text,
    medical_capacity     text CHECK (medical_capacity IS NULL OR medical_capacity IN ('none', 'basic', 'hospital')),
    unhcr_presence       boolean,
    iom_presence         boolean,
    screening_procedures text,
    practice_notes       text,
    attributes_source    text,
    attributes_as_of     date,
    usable               boolean NOT NULL DEFAULT true,   -- false: withdrawn from the register (kept, not deleted)
    version              integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    owner                text NOT NULL DEFAULT 'SYSTEM',
    acted_by             text NOT NULL DEFAULT 'system',
    updated_at           timestamptz NOT NULL DEFAULT now(),
    -- an authored attribute is never stored without saying where it comes from and when
    CHECK ((reception_facilities IS NULL AND medical_capacity IS NULL AND unhcr_presence IS NULL
            AND iom_presence IS NULL AND screening_procedures IS NULL AND practice_notes IS NULL)
           OR (attributes_source IS NOT NULL AND attributes_as_of IS NOT NULL))
);
CREATE INDEX place_of_safety_geom_idx ON place_of_safety USING gist (geom);
CREATE INDEX place_of_safety_state_idx ON place_of_safety (state);

-- Every change of a place of safety: the row before and after, who, when, why. Append-only.
CREATE TABLE place_of_safety_change (
    id          bigserial PRIMARY KEY,
    locode      text NOT NULL REFERENCES place_of_safety (locode),
    version     integer NOT NULL CHECK (version >= 1),
    before      jsonb,                      -- NULL when the place was first registered
    after       jsonb NOT NULL,
    reason      text NOT NULL,
    owner       text NOT NULL,
    acted_by    text NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (locode, version)
);

-- Outcomes of cases: one row per version; an edit adds a version and never overwrites one. -----------------
CREATE TABLE disembarkation_outcome (
    id                     bigserial PRIMARY KEY,
    case_id                bigint NOT NULL REFERENCES sar_case (id),
    version                integer NOT NULL CHECK (version >= 1),
    is_exercise            boolean NOT NULL,                -- copied from the case
    outcome                text NOT NULL CHECK (outcome IN
                               ('disembarked', 'refused', 'pushed_back', 'towed_out', 'still_at_sea')),
    state                  text CHECK (state IS NULL OR state ~ '^[A-Z]{3}$'),
    locode                 text CHECK (locode IS NULL OR locode ~ '^[A-Z]{2}[A-Z0-9]{3}$'),
    place_name             text,
    alert_at               timestamptz,                     -- first alert of the case
    outcome_at             timestamptz,                     -- disembarkation, refusal, pushback ... time
    route                  text,
    persons_aboard         integer CHECK (persons_aboard IS NULL OR persons_aboard >= 0),
    men                    integer CHECK (men IS NULL OR men >= 0),
    women                  integer CHECK (women IS NULL OR women >= 0),
    children               integer CHECK (children IS NULL OR children >= 0),
    uasc                   integer CHECK (uasc IS NULL OR uasc >= 0),
    deaths                 integer CHECK (deaths IS NULL OR deaths >= 0),
    missing                integer CHECK (missing IS NULL OR missing >= 0),
    nationalities          jsonb NOT NULL DEFAULT '{}',     -- {"MMR": 120, "BGD": 3}: counts only
    days_at_sea            numeric(6, 1) CHECK (days_at_sea IS NULL OR days_at_sea >= 0),
    reception              text CHECK (reception IS NULL OR reception IN ('community', 'shelter', 'camp', 'detention')),
    screened               boolean,
    referred_to_asylum     boolean,
    trafficking_victims_identified integer CHECK (trafficking_victims_identified IS NULL
                                                  OR trafficking_victims_identified >= 0),
    consular_notification  boolean,
    voluntary_returns      integer CHECK (voluntary_returns IS NULL OR voluntary_returns >= 0),
    source                 text NOT NULL,
    source_quality         smallint CHECK (source_quality IS NULL OR source_quality BETWEEN 1 AND 5),
    note                   text,
    reason                 text NOT NULL,                   -- why this version was recorded
    owner                  text NOT NULL,
    acted_by               text NOT NULL,
    recorded_at            timestamptz NOT NULL DEFAULT now(),
    UNIQUE (case_id, version),
    CHECK (outcome <> 'disembarked' OR state IS NOT NULL),
    CHECK (uasc IS NULL OR children IS NULL OR uasc <= children),
    CHECK (persons_aboard IS NULL OR coalesce(deaths, 0) + coalesce(missing, 0) <= persons_aboard),
    CHECK (persons_aboard IS NULL OR coalesce(men, 0) + coalesce(women, 0) + coalesce(children, 0) <= persons_aboard),
    CHECK (jsonb_typeof(nationalities) = 'object')
);

CREATE FUNCTION disembarkation_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER disembarkation_outcome_append_only
    BEFORE UPDATE OR DELETE ON disembarkation_outcome
    FOR EACH ROW EXECUTE FUNCTION disembarkation_append_only();
CREATE TRIGGER place_of_safety_change_append_only
    BEFORE UPDATE OR DELETE ON place_of_safety_change
    FOR EACH ROW EXECUTE FUNCTION disembarkation_append_only();

-- The current version of each case's outcome, and the same without exercises (what statistics read).
CREATE VIEW disembarkation_outcome_current AS
    SELECT DISTINCT ON (case_id) * FROM disembarkation_outcome ORDER BY case_id, version DESC;
CREATE VIEW disembarkation_outcome_real AS
    SELECT * FROM disembarkation_outcome_current WHERE NOT is_exercise;

-- Historical incidents from the IOM Missing Migrants Project (CC BY 4.0), kept apart from live cases. ---
CREATE TABLE iom_incident (
    source_schema        text NOT NULL CHECK (source_schema IN ('mmp_2020', 'mmp_2026')),
    incident_id          text NOT NULL,          -- "Web ID" (2020 layout) or "Incident ID" (2026 layout)
    main_id              text,                   -- "Main ID" (2026 layout)
    region_iom           text NOT NULL,          -- the region as written in the file
    region               text NOT NULL,          -- mapped to a UN M49 sub-region name (see iom.py)
    asia_pacific         boolean NOT NULL,       -- in the Bali Process area of interest
    incident_date        date,
    year                 smallint,
    dead                 integer CHECK (dead IS NULL OR dead >= 0),
    missing              integer CHECK (missing IS NULL OR missing >= 0),
    dead_and_missing     integer CHECK (dead_and_missing IS NULL OR dead_and_missing >= 0),
    survivors            integer CHECK (survivors IS NULL OR survivors >= 0),
    females              integer CHECK (females IS NULL OR females >= 0),
    males                integer CHECK (males IS NULL OR males >= 0),
    children             integer CHECK (children IS NULL OR children >= 0),
    cause                text,
    location             text,
    country_of_origin    text,
    route                text,
    information_source   text,
    url                  text,
    unsd_grouping        text,
    source_quality       smallint CHECK (source_quality IS NULL OR source_quality BETWEEN 1 AND 5),
    geom                 geometry(Point, 4326),
    quality_notes        text[] NOT NULL DEFAULT '{}',   -- values the import could not take as given
    file_name            text NOT NULL,
    file_sha256          text NOT NULL,
    owner                text NOT NULL DEFAULT 'IOM',
    acted_by             text NOT NULL,
    imported_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_schema, incident_id)
);
CREATE INDEX iom_incident_geom_idx ON iom_incident USING gist (geom);
CREATE INDEX iom_incident_region_idx ON iom_incident (region, year);
