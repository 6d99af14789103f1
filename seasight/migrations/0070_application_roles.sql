-- 0070 database roles: the owner role (the one running this file) owns every object and runs migrations
-- only; the application connects as a member of the group role `seasight_app`, which owns nothing and
-- gets exactly the privileges below (DESIGN.md "Trust between states").
--
--  * The roles themselves are cluster objects created on the owner side before migrating: by
--    `seasight up` (seasight/stack.py prepare_roles) or by the production database's init script
--    (deploy/postgres-init/10-seasight-roles.sh). None is a superuser or has BYPASSRLS.
--  * Not owning a table, the application cannot ALTER it, DISABLE TRIGGER on it, or GRANT on it; it has
--    no TRUNCATE anywhere and no UPDATE or DELETE on the append-only logs.
--  * Tables added by later migrations (run by the owner) get the same grants through default privileges;
--    a later append-only table must REVOKE UPDATE, DELETE itself, and tests/seasight/test_roles.py checks
--    every table's grants.
--  * Daily position partitions are created at run time by the tracker: ensure_position_partition runs as
--    its owner (SECURITY DEFINER) and can only create a partition of `position` for one UTC day.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'seasight_app') THEN
        RAISE EXCEPTION 'role seasight_app is missing: create the roles first (seasight up, or the database '
                        'init script deploy/postgres-init/10-seasight-roles.sh)';
    END IF;
    IF pg_has_role(current_user, 'seasight_app', 'MEMBER') THEN
        RAISE EXCEPTION 'migrations must run as the owner role, not as a member of seasight_app (%)', current_user;
    END IF;
END $$;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO seasight_app;

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO seasight_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO seasight_app;

-- the append-only logs and the migration record
REVOKE UPDATE, DELETE ON case_event, disembarkation_outcome, place_of_safety_change FROM seasight_app;
REVOKE INSERT, UPDATE, DELETE ON schema_migration FROM seasight_app;

-- what later migrations of this owner create
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO seasight_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO seasight_app;

-- run-time DDL goes through one narrow function owned by the owner role
CREATE OR REPLACE FUNCTION ensure_position_partition(day date) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    part text;
BEGIN
    IF day IS NULL OR day < DATE '1990-01-01' OR day > DATE '2200-01-01' THEN
        RAISE EXCEPTION 'position partition day % is out of range', day USING ERRCODE = 'invalid_parameter_value';
    END IF;
    part := format('position_%s', to_char(day, 'YYYYMMDD'));
    IF to_regclass(part) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext(part));
        IF to_regclass(part) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE public.%I PARTITION OF public.position FOR VALUES FROM (%L) TO (%L)',
                part, day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
        END IF;
    END IF;
    RETURN part;
END $$;
REVOKE EXECUTE ON FUNCTION ensure_position_partition(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ensure_position_partition(date) TO seasight_app;
