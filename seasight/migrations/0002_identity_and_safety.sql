-- 0002 what the tracker keeps beyond positions: voyage fields of a vessel, the history of identity
-- changes (name, call sign, IMO, type, flag, dimensions, destination — a change of name or flag is
-- itself a signal), and safety broadcasts (ITU-R M.1371 message 14, e.g. "SART ACTIVE").

ALTER TABLE vessel ADD COLUMN draught_m real CHECK (draught_m IS NULL OR draught_m BETWEEN 0 AND 25.5);
ALTER TABLE vessel ADD COLUMN eta text;            -- "MM-DDTHH:MM" UTC as broadcast (no year)
ALTER TABLE vessel ADD COLUMN static_msg_type smallint;

-- One row per field that changed, at the observed time of the report that changed it. The natural key
-- makes a replay add nothing.
CREATE TABLE vessel_identity_change (
    mmsi         integer NOT NULL,
    observed_at  timestamptz NOT NULL,
    field        text NOT NULL CHECK (field IN ('name', 'callsign', 'imo', 'ship_type', 'length_m',
                                                'beam_m', 'destination')),
    old_value    text,
    new_value    text,
    station      text,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (mmsi, observed_at, field)
);

CREATE TABLE safety_broadcast (
    mmsi         integer NOT NULL,
    observed_at  timestamptz NOT NULL,
    text         text NOT NULL,
    device       text CHECK (device IS NULL OR device IN ('ais_sart', 'man_overboard', 'epirb_ais')),
    geom         geometry(Point, 4326),               -- sender's latest known position when received
    station      text,
    received_at  timestamptz NOT NULL,
    PRIMARY KEY (mmsi, observed_at, text)
);
CREATE INDEX safety_broadcast_time_idx ON safety_broadcast (observed_at DESC);
