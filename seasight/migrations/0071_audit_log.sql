-- 0071 tamper-evident audit, and case headers that change only through recorded events.
--
-- audit_log: every write to a table holding contributed records (by trigger) and every read of another
-- state's restricted records (by audit_read, called by the read functions) appends one row.
--  * The application can read the log but not write it: rows are appended only by the SECURITY DEFINER
--    functions below (owned by the owner role), and nobody may UPDATE, DELETE or TRUNCATE (trigger).
--  * Rows are numbered 1, 2, 3 … without gaps and chained by hash: each row carries the hash of the
--    previous row (prev_hash) and its own hash = SHA-256 of audit_entry_text(row), a canonical text of
--    every column but `hash`, including prev_hash. `seasight audit verify` recomputes the chain: an altered
--    row, a removed row or two rows swapped break it. (Removing rows from the end is found by comparing
--    the head — id and hash — with one noted earlier: `seasight audit verify --expect-head ID:HASH`.)
--  * Appends serialise on a transaction-level advisory lock, held to commit, so the chain has one order.
--  * The actor is taken from the database session (audit_actor), never from the caller's arguments.
--
-- sar_case: the application may INSERT a case (its opening facts) but not UPDATE or DELETE it; the
-- header (phase, RCC, search area, status and conclusion) follows the case log through the trigger
-- case_event_apply, and an opening event must agree with the header it opens (persons, phase, owner).

CREATE TABLE audit_log (
    id            bigint PRIMARY KEY CHECK (id >= 1),
    at            timestamptz NOT NULL,
    db_user       text NOT NULL,                 -- the database login (session_user)
    account       text,                          -- the Seasight account acting, when one is signed in
    participant   text,                          -- the account's state (ISO alpha-3) or organisation id
    action        text NOT NULL CHECK (action IN ('insert', 'update', 'delete', 'read')),
    table_name    text NOT NULL,
    record_key    text NOT NULL,
    record_owner  text,                          -- owner of the record written or read
    detail        jsonb NOT NULL DEFAULT '{}',   -- write: the row (insert/delete) or changed columns; read: what
    prev_hash     text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
    hash          text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX audit_log_record_idx ON audit_log (table_name, record_key);

REVOKE ALL ON audit_log FROM seasight_app;
GRANT SELECT ON audit_log TO seasight_app;

CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- The canonical text that is hashed: every column but hash, in a fixed order; times in UTC microseconds.
CREATE FUNCTION audit_entry_text(
    id bigint, at timestamptz, db_user text, account text, participant text, action text, table_name text,
    record_key text, record_owner text, detail jsonb, prev_hash text
) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_array(
        id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), db_user, account, participant,
        action, table_name, record_key, record_owner, detail, prev_hash)::text
$$;

-- Who is acting: the account signed in on this session (replaced by migration 0072 with the validated
-- account session); until then, nobody.
CREATE FUNCTION audit_actor(OUT account text, OUT participant text)
LANGUAGE sql STABLE AS $$ SELECT NULL::text, NULL::text $$;

CREATE FUNCTION audit_append(p_action text, p_table text, p_key text, p_owner text, p_detail jsonb)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    last_id bigint;
    last_hash text;
    new_id bigint;
    new_at timestamptz := clock_timestamp();
    who record;
    body text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('seasight.audit_log'));
    SELECT a.id, a.hash INTO last_id, last_hash FROM audit_log a ORDER BY a.id DESC LIMIT 1;
    new_id := coalesce(last_id, 0) + 1;
    last_hash := coalesce(last_hash, repeat('0', 64));
    SELECT * INTO who FROM audit_actor();
    body := audit_entry_text(new_id, new_at, session_user, who.account, who.participant, p_action, p_table,
                             p_key, p_owner, coalesce(p_detail, '{}'::jsonb), last_hash);
    INSERT INTO audit_log (id, at, db_user, account, participant, action, table_name, record_key,
                           record_owner, detail, prev_hash, hash)
    VALUES (new_id, new_at, session_user, who.account, who.participant, p_action, p_table, p_key, p_owner,
            coalesce(p_detail, '{}'::jsonb), last_hash, encode(sha256(convert_to(body, 'UTF8')), 'hex'));
    RETURN new_id;
END $$;
REVOKE EXECUTE ON FUNCTION audit_append(text, text, text, text, jsonb) FROM PUBLIC;

-- A read of other states' records, recorded by the read functions (the actor comes from the session).
CREATE FUNCTION audit_read(p_table text, p_key text, p_owner text, p_detail jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT audit_append('read', p_table, p_key, p_owner, p_detail)
$$;
REVOKE EXECUTE ON FUNCTION audit_read(text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_read(text, text, text, jsonb) TO seasight_app;

-- Writes: one trigger function for every contributed table; TG_ARGV holds the key column(s).
CREATE FUNCTION audit_row_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    -- secrets never reach the audit (it is readable by the application): a password hash is left out
    old_row jsonb := CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN to_jsonb(OLD) - 'password_hash' END;
    new_row jsonb := CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN to_jsonb(NEW) - 'password_hash' END;
    the_row jsonb := coalesce(new_row, old_row);
    key_text text := '';
    col text;
    changed jsonb := '{}';
BEGIN
    FOREACH col IN ARRAY TG_ARGV LOOP
        key_text := key_text || CASE WHEN key_text = '' THEN '' ELSE '/' END || coalesce(the_row ->> col, '');
    END LOOP;
    IF TG_OP = 'UPDATE' THEN
        SELECT coalesce(jsonb_object_agg(n.key, jsonb_build_array(old_row -> n.key, n.value)), '{}')
          INTO changed
          FROM jsonb_each(new_row) n
         WHERE (old_row -> n.key) IS DISTINCT FROM n.value AND n.key <> 'updated_at';
        IF changed = '{}'::jsonb THEN
            RETURN NULL;
        END IF;
    END IF;
    PERFORM audit_append(lower(TG_OP), TG_TABLE_NAME, key_text, the_row ->> 'owner',
                         CASE TG_OP WHEN 'UPDATE' THEN changed ELSE the_row END);
    RETURN NULL;
END $$;
REVOKE EXECUTE ON FUNCTION audit_row_change() FROM PUBLIC;

CREATE TRIGGER audit_sighting AFTER INSERT OR UPDATE OR DELETE ON sighting
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('id');
CREATE TRIGGER audit_sar_case AFTER INSERT OR UPDATE OR DELETE ON sar_case
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('id');
CREATE TRIGGER audit_case_event AFTER INSERT OR UPDATE OR DELETE ON case_event
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('case_id', 'seq');
CREATE TRIGGER audit_disembarkation_outcome AFTER INSERT OR UPDATE OR DELETE ON disembarkation_outcome
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('case_id', 'version');
CREATE TRIGGER audit_place_of_safety AFTER INSERT OR UPDATE OR DELETE ON place_of_safety
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('locode');
CREATE TRIGGER audit_place_of_safety_change AFTER INSERT OR UPDATE OR DELETE ON place_of_safety_change
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('locode', 'version');
CREATE TRIGGER audit_flag_version AFTER INSERT OR UPDATE OR DELETE ON flag_version
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('flag_id', 'version');
CREATE TRIGGER audit_watchlist_entry AFTER INSERT OR UPDATE OR DELETE ON watchlist_entry
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('id');

-- Case headers follow the case log. ------------------------------------------------------------------------
REVOKE UPDATE, DELETE ON sar_case FROM seasight_app;

CREATE FUNCTION case_event_apply() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c sar_case%ROWTYPE;
BEGIN
    SELECT * INTO c FROM sar_case WHERE id = NEW.case_id FOR UPDATE;
    IF NEW.owner IS DISTINCT FROM c.owner OR NEW.is_exercise IS DISTINCT FROM c.is_exercise THEN
        RAISE EXCEPTION 'case_event % of case %: owner and exercise mode must be the case''s', NEW.seq, NEW.case_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF (NEW.seq = 1) <> (NEW.kind = 'opened') THEN
        RAISE EXCEPTION 'case % : the first event, and only the first, is the opening (seq %, %)', NEW.case_id,
            NEW.seq, NEW.kind USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.kind = 'opened' THEN
        IF NEW.data ->> 'phase' IS DISTINCT FROM c.phase
           OR coalesce(NEW.data -> 'persons', 'null') IS DISTINCT FROM coalesce(to_jsonb(c.persons), 'null') THEN
            RAISE EXCEPTION 'the opening event of case % must agree with the case (phase, persons)', NEW.case_id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    ELSIF NEW.kind = 'phase_changed' THEN
        UPDATE sar_case SET phase = NEW.data ->> 'to', phase_since = NEW.at, updated_at = now() WHERE id = NEW.case_id;
    ELSIF NEW.kind = 'handed_over' THEN
        UPDATE sar_case SET srr_id = NEW.data ->> 'to_srr_id', rcc_name = NEW.data ->> 'to_rcc',
                            rcc_country = NEW.data ->> 'to_country', updated_at = now()
         WHERE id = NEW.case_id;
    ELSIF NEW.kind = 'search_area' THEN
        UPDATE sar_case
           SET datum = ST_SetSRID(ST_MakePoint((NEW.data -> 'datum' ->> 'lon')::float8,
                                               (NEW.data -> 'datum' ->> 'lat')::float8), 4326),
               search_radius_nm = (NEW.data ->> 'radius_nm')::real,
               search_area = ST_SetSRID(ST_GeomFromGeoJSON((NEW.data -> 'area')::text), 4326),
               search_area_at = NEW.at,
               updated_at = now()
         WHERE id = NEW.case_id;
    ELSIF NEW.kind = 'closed' THEN
        UPDATE sar_case SET status = 'closed', conclusion = NEW.data ->> 'conclusion', closed_at = NEW.at,
                            updated_at = now()
         WHERE id = NEW.case_id;
    ELSE
        UPDATE sar_case SET updated_at = now() WHERE id = NEW.case_id;
    END IF;
    RETURN NULL;
END $$;
REVOKE EXECUTE ON FUNCTION case_event_apply() FROM PUBLIC;

CREATE TRIGGER case_event_apply AFTER INSERT ON case_event
    FOR EACH ROW EXECUTE FUNCTION case_event_apply();
