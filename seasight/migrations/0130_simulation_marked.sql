-- 0130 simulation is a property of the data (issue 18, CONTRIBUTING.md §18). The demo's simulator
-- (ingest.simulate) registers which receiving stations and which MMSIs are simulated; the database then
-- marks every record derived from them, whoever writes it:
--
--  * a flag on a simulated vessel (registered MMSI, or a vessel whose latest report came from a simulated
--    station) is an exercise flag, like a flag raised from an exercise sighting (migration 0003);
--  * a SAR case referring to a simulated vessel, or opened from an exercise flag or sighting, must itself be
--    an exercise: a real case is refused (the application refuses first, coordination.cases.open_case;
--    this is the same rule where no code path can get round it). Outcomes copy is_exercise from their case
--    (migration 0050), so nothing simulated reaches disembarkation_outcome_real or sar_case_real.
--
-- The registers are written by the owner role only (the demo, `seasight demo`): the application may read
-- them (SURPIC marks simulated ships) but not change them, because registering a real MMSI as simulated
-- would turn its real alarms into exercise ones.

CREATE TABLE simulated_station (
    station        text PRIMARY KEY CHECK (length(station) BETWEEN 1 AND 100),
    note           text NOT NULL,
    registered_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE simulated_vessel (
    mmsi           integer PRIMARY KEY CHECK (mmsi BETWEEN 0 AND 999999999),
    station        text NOT NULL REFERENCES simulated_station (station),
    note           text NOT NULL,
    registered_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO simulated_station (station, note)
VALUES ('demo-simulator', 'ingest.simulate: the SIMULATED AIS feed and exercise scenario of `seasight demo`');

REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON simulated_station, simulated_vessel FROM seasight_app;
GRANT SELECT ON simulated_station, simulated_vessel TO seasight_app;

-- True when MMSI ``m`` is a simulated vessel: registered, or last heard through a simulated station.
CREATE FUNCTION is_simulated_vessel(m integer) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT m IS NOT NULL AND (
        EXISTS (SELECT 1 FROM simulated_vessel WHERE mmsi = m)
        OR EXISTS (SELECT 1 FROM vessel_state s JOIN simulated_station t ON t.station = s.station
                    WHERE s.mmsi = m))
$$;
GRANT EXECUTE ON FUNCTION is_simulated_vessel(integer) TO seasight_app;

-- A flag on a simulated vessel is an exercise flag; once an exercise flag, always one.
CREATE FUNCTION flag_mark_simulated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.is_exercise THEN
        NEW.is_exercise := true;
    ELSIF NOT NEW.is_exercise AND NEW.subject_kind = 'vessel' AND is_simulated_vessel(NEW.mmsi) THEN
        NEW.is_exercise := true;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER flag_mark_simulated BEFORE INSERT OR UPDATE ON flag
    FOR EACH ROW EXECUTE FUNCTION flag_mark_simulated();

-- A real case never refers to simulated input.
CREATE FUNCTION sar_case_refuse_simulated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NEW.is_exercise THEN
        RETURN NEW;
    END IF;
    IF is_simulated_vessel(NEW.mmsi) THEN
        RAISE EXCEPTION 'MMSI % is a simulated vessel: a real case cannot refer to it (open an exercise case)',
            NEW.mmsi USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.flag_id IS NOT NULL AND EXISTS (SELECT 1 FROM flag WHERE id = NEW.flag_id AND is_exercise) THEN
        RAISE EXCEPTION 'flag % is an exercise flag: a real case cannot be opened from it', NEW.flag_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.sighting_id IS NOT NULL
       AND EXISTS (SELECT 1 FROM sighting WHERE id = NEW.sighting_id AND is_exercise) THEN
        RAISE EXCEPTION 'sighting % is an exercise sighting: a real case cannot be opened from it', NEW.sighting_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER sar_case_refuse_simulated BEFORE INSERT OR UPDATE OF is_exercise, mmsi, flag_id, sighting_id
    ON sar_case FOR EACH ROW EXECUTE FUNCTION sar_case_refuse_simulated();
