-- 0040 coordination: SAR cases (IAMSAR emergency phases) and their append-only case log.
--
--  * sar_case holds each case's opening facts and a summary of its current state (phase, RCC, search
--    area, closure) for listing and mapping; the authoritative history is case_event.
--  * case_event is append-only for everyone, including the table's owner (the application role):
--      1. UPDATE, DELETE and TRUNCATE privileges are revoked from PUBLIC and from the migrating role;
--      2. a trigger raises on UPDATE, DELETE and TRUNCATE, so even a role that grants itself those
--         privileges back cannot edit or delete an entry without first dropping the trigger.
--  * Exercise cases (is_exercise) never count in real statistics: read sar_case_real, not sar_case.
--  * Geometry EPSG:4326; distances in nautical miles.

CREATE TABLE sar_case (
    id                bigserial PRIMARY KEY,
    origin_kind       text NOT NULL CHECK (origin_kind IN ('manual', 'vessel', 'sighting', 'flag')),
    mmsi              integer CHECK (mmsi IS NULL OR mmsi BETWEEN 0 AND 999999999),
    sighting_id       uuid REFERENCES sighting (id),
    flag_id           bigint REFERENCES flag (id),
    lkp               geometry(Point, 4326) NOT NULL,       -- last known position
    lkp_time          timestamptz NOT NULL,
    craft_type        text NOT NULL,
    persons           integer CHECK (persons IS NULL OR persons >= 0),   -- counts only, never identities
    source            text NOT NULL,
    casualty          text NOT NULL,
    situation         text NOT NULL DEFAULT '',
    is_exercise       boolean NOT NULL DEFAULT false,
    phase             text NOT NULL CHECK (phase IN ('uncertainty', 'alert', 'distress')),
    phase_since       timestamptz NOT NULL,
    status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    conclusion        text CHECK (conclusion IS NULL OR conclusion IN
                          ('rescued', 'located_safe', 'lost', 'false_alarm', 'handed_over')),
    closed_at         timestamptz,
    srr_id            text,                                  -- srr.id (geodata) at opening / after hand-over
    rcc_name          text,
    rcc_country       text,
    datum             geometry(Point, 4326),
    search_radius_nm  real CHECK (search_radius_nm IS NULL OR search_radius_nm >= 0),
    search_area       geometry(Polygon, 4326) CHECK (search_area IS NULL OR ST_IsValid(search_area)),
    search_area_at    timestamptz,
    opened_at         timestamptz NOT NULL,
    owner             text NOT NULL,
    acted_by          text NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'closed') = (conclusion IS NOT NULL AND closed_at IS NOT NULL)),
    CHECK (origin_kind <> 'vessel' OR mmsi IS NOT NULL),
    CHECK (origin_kind <> 'sighting' OR sighting_id IS NOT NULL),
    CHECK (origin_kind <> 'flag' OR flag_id IS NOT NULL)
);
CREATE INDEX sar_case_lkp_idx ON sar_case USING gist (lkp);
CREATE INDEX sar_case_area_idx ON sar_case USING gist (search_area);
CREATE INDEX sar_case_open_idx ON sar_case (opened_at DESC) WHERE status = 'open';

-- Real cases only: what every statistic reads.
CREATE VIEW sar_case_real AS SELECT * FROM sar_case WHERE NOT is_exercise;

CREATE TABLE case_event (
    id           bigserial PRIMARY KEY,
    case_id      bigint NOT NULL REFERENCES sar_case (id),
    seq          integer NOT NULL CHECK (seq >= 1),
    kind         text NOT NULL CHECK (kind IN (
                     'opened', 'phase_changed', 'action_done', 'no_action_proposed', 'no_action_confirmed',
                     'assigned', 'handed_over', 'search_area', 'message_sent', 'note', 'closed')),
    at           timestamptz NOT NULL,
    data         jsonb NOT NULL DEFAULT '{}',
    is_exercise  boolean NOT NULL,
    owner        text NOT NULL,
    acted_by     text NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (case_id, seq)
);

CREATE FUNCTION case_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_event is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER case_event_no_update_delete
    BEFORE UPDATE OR DELETE ON case_event
    FOR EACH ROW EXECUTE FUNCTION case_event_append_only();
CREATE TRIGGER case_event_no_truncate
    BEFORE TRUNCATE ON case_event
    FOR EACH STATEMENT EXECUTE FUNCTION case_event_append_only();

REVOKE UPDATE, DELETE, TRUNCATE ON case_event FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON case_event FROM %I', current_user);
END $$;
