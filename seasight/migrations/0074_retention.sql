-- 0074 retention of track-level data (`seasight retention run`, tracking/retention.py).
--
-- Daily position partitions older than the retention period are dropped whole; the application may not
-- DROP a table, so this one SECURITY DEFINER function of the owner role does it, and only for partitions
-- of `position` that end on or before the given UTC day, and only for a service or administrator session.

CREATE FUNCTION drop_position_partitions_before(cutoff date) RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    part record;
BEGIN
    IF coalesce((SELECT role FROM session_account()), '') NOT IN ('service', 'administrator') THEN
        RAISE EXCEPTION 'retention runs as a service or administrator account' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF cutoff IS NULL OR cutoff > current_date THEN
        RAISE EXCEPTION 'retention cutoff % is in the future', cutoff USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR part IN
        SELECT c.relname
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'public.position'::regclass AND c.relname ~ '^position_[0-9]{8}$'
           AND to_date(substr(c.relname, 10), 'YYYYMMDD') + 1 <= cutoff
         ORDER BY c.relname
    LOOP
        EXECUTE format('DROP TABLE public.%I', part.relname);
        PERFORM audit_append('delete', 'position', part.relname, NULL, jsonb_build_object('retention', 'partition dropped'));
        RETURN NEXT part.relname;
    END LOOP;
END $$;
REVOKE EXECUTE ON FUNCTION drop_position_partitions_before(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION drop_position_partitions_before(date) TO seasight_app;
