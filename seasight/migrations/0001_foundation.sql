-- 0001 foundation: the maritime picture (vessels, positions, latest state, sightings, flags) and the
-- reference tables every later part builds on (zones, participants, ports).
--
-- Conventions
--  * Geometry is EPSG:4326 (lon/lat degrees) with a GiST index.
--  * Speeds in knots, courses and headings in degrees true, distances in nautical miles unless named _m.
--  * Every record a participating state or organisation contributes carries `owner` (ISO 3166-1
--    alpha-3 code or organisation id, e.g. 'IDN', 'UNHCR') and `acted_by` (the acting user).
--  * Natural keys make every write from a Kafka replay idempotent.

CREATE EXTENSION IF NOT EXISTS postgis;

-- Participating states and organisations (Bali Process members, observers). ---------------------------
CREATE TABLE participant (
    code         text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_-]{1,15}$'),  -- ISO alpha-3 or org id
    name         text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('state', 'territory', 'organisation', 'observer')),
    iso2         text CHECK (iso2 ~ '^[A-Z]{2}$'),
    roles        text[] NOT NULL DEFAULT '{}',   -- origin / transit / destination
    groups       text[] NOT NULL DEFAULT '{}',   -- steering_group, ad_hoc_group, jakarta_declaration, ...
    focal_point  text,
    rcc          text,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    acted_by     text NOT NULL DEFAULT 'system'
);

-- Vessels known from AIS (identity merged per MMSI from static and voyage data). -----------------------
CREATE TABLE vessel (
    mmsi            integer PRIMARY KEY CHECK (mmsi BETWEEN 0 AND 999999999),
    imo             integer CHECK (imo IS NULL OR imo BETWEEN 1 AND 9999999),
    callsign        text,
    name            text,
    ship_type       smallint CHECK (ship_type IS NULL OR ship_type BETWEEN 0 AND 255),
    length_m        real CHECK (length_m IS NULL OR length_m >= 0),
    beam_m          real CHECK (beam_m IS NULL OR beam_m >= 0),
    destination     text,
    flag_state      text,                         -- ISO alpha-2 from the MMSI's MID, null when unknown
    ais_class       text CHECK (ais_class IS NULL OR ais_class IN ('A', 'B', 'SAR', 'BASE', 'ATON', 'SART')),
    first_seen_at   timestamptz NOT NULL DEFAULT now(),
    static_at       timestamptz,                  -- observed time of the latest static/voyage report
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vessel_name_idx ON vessel (lower(name));

-- Position reports, partitioned by day of the observed time. ---------------------------------------------
-- Natural key (mmsi, observed_at): the same report heard by two receivers or replayed from Kafka
-- lands once. Daily partitions keep inserts fast and make retention a DROP of whole days.
CREATE TABLE position (
    mmsi          integer NOT NULL,
    observed_at   timestamptz NOT NULL,
    geom          geometry(Point, 4326) NOT NULL,
    sog_kn        real CHECK (sog_kn IS NULL OR sog_kn BETWEEN 0 AND 102.2),
    cog_deg       real CHECK (cog_deg IS NULL OR (cog_deg >= 0 AND cog_deg < 360)),
    heading_deg   smallint CHECK (heading_deg IS NULL OR heading_deg BETWEEN 0 AND 359),
    nav_status    smallint CHECK (nav_status IS NULL OR nav_status BETWEEN 0 AND 15),
    msg_type      smallint NOT NULL CHECK (msg_type BETWEEN 1 AND 27),
    station       text,
    received_at   timestamptz NOT NULL,
    PRIMARY KEY (mmsi, observed_at)
) PARTITION BY RANGE (observed_at);
CREATE INDEX position_geom_idx ON position USING gist (geom);
CREATE INDEX position_time_idx ON position USING brin (observed_at);

-- Create the daily partition that holds `day` if it does not exist yet (idempotent, race-safe).
CREATE FUNCTION ensure_position_partition(day date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    part text := format('position_%s', to_char(day, 'YYYYMMDD'));
BEGIN
    IF to_regclass(part) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext(part));
        IF to_regclass(part) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF position FOR VALUES FROM (%L) TO (%L)',
                part, day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
        END IF;
    END IF;
    RETURN part;
END $$;

-- Latest state per vessel; never moves backwards (writers upsert only newer observations). -------------
CREATE TABLE vessel_state (
    mmsi          integer PRIMARY KEY,
    observed_at   timestamptz NOT NULL,
    geom          geometry(Point, 4326) NOT NULL,
    sog_kn        real,
    cog_deg       real,
    heading_deg   smallint,
    nav_status    smallint,
    msg_type      smallint NOT NULL,
    station       text,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vessel_state_geom_idx ON vessel_state USING gist (geom);
CREATE INDEX vessel_state_time_idx ON vessel_state (observed_at DESC);

-- Sightings: craft seen by aircraft, ships, radar, fishers, hotlines, satellites (often no AIS). -------
CREATE TABLE sighting (
    id                  uuid PRIMARY KEY,      -- given by the reporter or derived from its natural key
    observed_at         timestamptz NOT NULL,
    geom                geometry(Point, 4326) NOT NULL,
    uncertainty_nm      real NOT NULL DEFAULT 0 CHECK (uncertainty_nm >= 0),
    source_type         text NOT NULL CHECK (source_type IN (
                            'aircraft', 'vessel', 'coastal_radar', 'fisher', 'ngo_hotline',
                            'satellite_sar', 'satellite_optical', 'other')),
    craft_type          text NOT NULL DEFAULT 'unknown',
    persons_estimated   integer CHECK (persons_estimated IS NULL OR persons_estimated >= 0),
    conditions          text[] NOT NULL DEFAULT '{}',
    course_deg          real CHECK (course_deg IS NULL OR (course_deg >= 0 AND course_deg < 360)),
    speed_kn            real CHECK (speed_kn IS NULL OR speed_kn >= 0),
    ais_seen            text NOT NULL DEFAULT 'unknown' CHECK (ais_seen IN ('yes', 'no', 'unknown')),
    confidence          text NOT NULL DEFAULT 'medium' CHECK (confidence IN ('low', 'medium', 'high')),
    note                text,
    is_exercise         boolean NOT NULL DEFAULT false,
    owner               text NOT NULL,         -- reporting state (ISO alpha-3) or organisation id
    acted_by            text NOT NULL,
    received_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sighting_geom_idx ON sighting USING gist (geom);
CREATE INDEX sighting_time_idx ON sighting (observed_at DESC);

-- Flags: a vessel or contact of concern, with the rule that fired and its evidence. ---------------------
CREATE TABLE flag (
    id              bigserial PRIMARY KEY,
    rule_id         text NOT NULL,
    rule_version    integer NOT NULL,
    subject_kind    text NOT NULL CHECK (subject_kind IN ('vessel', 'contact')),
    mmsi            integer,
    sighting_id     uuid REFERENCES sighting (id),
    severity        text NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'distress')),
    score           real NOT NULL DEFAULT 0 CHECK (score BETWEEN 0 AND 1),
    window_start    timestamptz NOT NULL,
    window_end      timestamptz NOT NULL,
    geom            geometry(Point, 4326),
    summary         text NOT NULL,
    evidence        jsonb NOT NULL DEFAULT '{}',
    parameters      jsonb NOT NULL DEFAULT '{}',
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'dismissed')),
    status_reason   text,
    owner           text NOT NULL DEFAULT 'SYSTEM',
    acted_by        text NOT NULL DEFAULT 'system',
    raised_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((subject_kind = 'vessel' AND mmsi IS NOT NULL) OR (subject_kind = 'contact' AND sighting_id IS NOT NULL)),
    -- one flag per rule, subject and window start: re-evaluating a replayed window changes nothing
    UNIQUE NULLS NOT DISTINCT (rule_id, subject_kind, mmsi, sighting_id, window_start)
);
CREATE INDEX flag_geom_idx ON flag USING gist (geom);
CREATE INDEX flag_open_idx ON flag (raised_at DESC) WHERE status = 'open';

-- Zones: watch zones and other areas operators care about (editable). -----------------------------------
CREATE TABLE zone (
    id           serial PRIMARY KEY,
    name         text NOT NULL,
    kind         text NOT NULL,                 -- departure_coast / transit_corridor / destination_approach / ...
    reason       text NOT NULL,
    geom         geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    source       text NOT NULL DEFAULT 'seasight',
    version      integer NOT NULL DEFAULT 1,
    active       boolean NOT NULL DEFAULT true,
    owner        text NOT NULL DEFAULT 'SYSTEM',
    acted_by     text NOT NULL DEFAULT 'system',
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, name)
);
CREATE INDEX zone_geom_idx ON zone USING gist (geom);

-- Ports and landing places keyed by UN/LOCODE. -----------------------------------------------------------
CREATE TABLE port (
    locode       text PRIMARY KEY CHECK (locode ~ '^[A-Z]{2}[A-Z0-9]{3}$'),
    name         text NOT NULL,
    country_iso2 text NOT NULL CHECK (country_iso2 ~ '^[A-Z]{2}$'),
    geom         geometry(Point, 4326) NOT NULL,
    source       text NOT NULL,
    owner        text NOT NULL DEFAULT 'SYSTEM',
    acted_by     text NOT NULL DEFAULT 'system',
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX port_geom_idx ON port USING gist (geom);
