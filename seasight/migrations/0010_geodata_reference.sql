-- 0010 geodata: reference layers for "where is this?" questions (SRRs, states, imported layers) and the
-- record of which version of each layer is loaded.
--
--  * Geometry EPSG:4326. Distance queries cast to geography (metres on the WGS 84 spheroid), which also
--    handles the antimeridian; expression GiST indexes on geom::geography make those casts indexed.
--  * Authored layers are indicative: `indicative` / `source` say so in the data, so the UI can say so too.

-- Search-and-rescue regions (IMO SAR Convention 1979, IAMSAR Vol. I ch. 2): one RCC responsible each.
CREATE TABLE srr (
    id           text PRIMARY KEY CHECK (id ~ '^[A-Z0-9][A-Z0-9_-]{1,31}$'),
    name         text NOT NULL,
    rcc_name     text NOT NULL,
    rcc_country  text NOT NULL CHECK (rcc_country ~ '^[A-Z]{3}$'),  -- ISO 3166-1 alpha-3
    rcc_phone    text,
    rcc_email    text,
    rcc_note     text,                        -- how to confirm the contact, other centres of the region
    indicative   boolean NOT NULL,            -- true: an approximation, not the official boundary
    source       text NOT NULL,
    version      text NOT NULL DEFAULT '1',
    geom         geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    owner        text NOT NULL DEFAULT 'SYSTEM',
    acted_by     text NOT NULL DEFAULT 'system',
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX srr_geom_idx ON srr USING gist (geom);
CREATE INDEX srr_geog_idx ON srr USING gist ((geom::geography));

-- States and territories (country polygons) for "approaching the coast of state X".
CREATE TABLE state (
    iso3         text PRIMARY KEY CHECK (iso3 ~ '^[A-Z]{3}$'),
    iso2         text CHECK (iso2 IS NULL OR iso2 ~ '^[A-Z]{2}$'),
    name         text NOT NULL,
    geom         geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    source       text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX state_geom_idx ON state USING gist (geom);
CREATE INDEX state_geog_idx ON state USING gist ((geom::geography));

-- Any other layer a user imports (named seas, coastlines, official EEZs ...), kept as given.
CREATE TABLE geo_feature (
    layer        text NOT NULL CHECK (layer ~ '^[a-z][a-z0-9_]{0,62}$'),
    feature_no   integer NOT NULL CHECK (feature_no >= 0),
    name         text,
    properties   jsonb NOT NULL DEFAULT '{}',
    geom         geometry(Geometry, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    imported_at  timestamptz NOT NULL DEFAULT now(),
    acted_by     text NOT NULL DEFAULT 'system',
    PRIMARY KEY (layer, feature_no)
);
CREATE INDEX geo_feature_geom_idx ON geo_feature USING gist (geom);

-- Which version of each reference layer is in the database (idempotent, versioned loads).
CREATE TABLE geodata_layer (
    name           text PRIMARY KEY,
    version        text NOT NULL,
    checksum       text NOT NULL,            -- sha256 of the layer's content as loaded
    feature_count  integer NOT NULL CHECK (feature_count >= 0),
    source         text NOT NULL,
    loaded_at      timestamptz NOT NULL DEFAULT now(),
    acted_by       text NOT NULL DEFAULT 'system'
);

-- Indexed distance queries on the foundation's zone and port tables.
CREATE INDEX zone_geog_idx ON zone USING gist ((geom::geography));
CREATE INDEX port_geog_idx ON port USING gist ((geom::geography));
