-- 0076 passwords the application cannot read, and a sign-in it cannot fake (DESIGN.md "Trust between
-- states"; migration 0072).
--
-- Until now the application verified a password against the argon2id hash it fetched through
-- account_password_hash(), and account_session_open() accepted that very hash as proof: any session of
-- the application role could fetch an administrator's hash and open a session for the administrator
-- without the password. Now:
--
--  * an account keeps only its argon2id PARAMETERS (algorithm, version, memory, passes, lanes, salt: the
--    PHC string up to the salt; not secret) and a VERIFIER = SHA-256 of the raw argon2id output (RFC 9106
--    hash of the password under that salt, hash_bytes long). The argon2id output itself is never stored;
--  * sign-in (account_password_sign_in): the application reads the parameters, computes argon2id of the
--    password typed in, and hands the raw output to the database, which opens a session only when its
--    SHA-256 equals the verifier. Neither the verifier nor anything the application can read lets it sign
--    in: that takes the password (or a SHA-256 preimage). Guessing a password from a stolen verifier still
--    costs one argon2id per guess;
--  * the secret columns (password_verifier, and account_token.token_sha256 as before) are not granted to
--    seasight_app, never copied into the audit log, and reached only by the SECURITY DEFINER functions of
--    the owner role, each with a fixed search_path.
--
-- Administrators still hand in a full argon2id PHC string (argon2-cffi's output) to account_create and
-- account_set_password; argon2id_split() keeps its parameters and verifier and drops the rest.

-- Secret columns never reach the audit log (readable by the application): replaces migration 0071's.
CREATE OR REPLACE FUNCTION audit_row_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP IN ('UPDATE', 'DELETE')
                          THEN to_jsonb(OLD) - 'password_hash' - 'password_verifier' - 'password_params'
                                             - 'password_hash_bytes' - 'token_sha256' END;
    new_row jsonb := CASE WHEN TG_OP IN ('INSERT', 'UPDATE')
                          THEN to_jsonb(NEW) - 'password_hash' - 'password_verifier' - 'password_params'
                                             - 'password_hash_bytes' - 'token_sha256' END;
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

-- The parts of an argon2id PHC string ($argon2id$v=19$m=M,t=T,p=P$SALT$HASH, base64 without padding)
-- that are kept: the parameters up to the salt, the hash length in bytes, SHA-256 (hex) of the raw hash.
CREATE FUNCTION argon2id_split(p_phc text, OUT params text, OUT hash_bytes integer, OUT verifier text)
LANGUAGE plpgsql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    part text[];
    raw bytea;
BEGIN
    part := regexp_match(p_phc,
        '^(\$argon2id\$v=19\$m=[0-9]{1,10},t=[0-9]{1,10},p=[0-9]{1,3}\$[A-Za-z0-9+/]{11,})\$([A-Za-z0-9+/]{22,})$');
    IF part IS NULL THEN
        RAISE EXCEPTION 'a password hash must be an argon2id PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash)'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    raw := decode(part[2] || repeat('=', (4 - length(part[2]) % 4) % 4), 'base64');
    params := part[1];
    hash_bytes := length(raw);
    verifier := encode(sha256(raw), 'hex');
END $$;
REVOKE EXECUTE ON FUNCTION argon2id_split(text) FROM PUBLIC;

ALTER TABLE account
    ADD COLUMN password_params text,
    ADD COLUMN password_hash_bytes smallint CHECK (password_hash_bytes BETWEEN 16 AND 1024),
    ADD COLUMN password_verifier text CHECK (password_verifier ~ '^[0-9a-f]{64}$'),
    ADD CONSTRAINT account_password_parts CHECK (
        (password_params IS NULL) = (password_verifier IS NULL)
        AND (password_params IS NULL) = (password_hash_bytes IS NULL));

UPDATE account a
   SET password_params = s.params, password_hash_bytes = s.hash_bytes, password_verifier = s.verifier
  FROM (SELECT name, (argon2id_split(password_hash)).* FROM account WHERE password_hash IS NOT NULL) s
 WHERE s.name = a.name;
ALTER TABLE account DROP COLUMN password_hash;

-- Column privileges of migration 0072 stand (no secret column is granted); said again for the reader.
REVOKE ALL ON account, account_token FROM seasight_app;
GRANT SELECT (name, display_name, participant, role, disabled_at, created_at) ON account TO seasight_app;
GRANT SELECT (token_id, account, kind, label, created_at, expires_at, revoked_at) ON account_token TO seasight_app;

DROP FUNCTION account_password_hash(text);
DROP FUNCTION account_session_open(text, text, text, text, double precision);

CREATE OR REPLACE FUNCTION account_create(p_name text, p_display text, p_participant text, p_role text,
                                          p_password_hash text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    pw record;
BEGIN
    PERFORM account_admin_check();
    SELECT * INTO pw FROM argon2id_split(p_password_hash);  -- all NULL when no password is given
    INSERT INTO account (name, display_name, participant, role, password_params, password_hash_bytes,
                         password_verifier, acted_by)
    VALUES (p_name, p_display, p_participant, p_role, pw.params, pw.hash_bytes, pw.verifier,
            coalesce((SELECT name FROM session_account()), session_user::text));
END $$;

CREATE OR REPLACE FUNCTION account_set_password(p_name text, p_password_hash text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    pw record;
BEGIN
    PERFORM account_admin_check();
    IF p_password_hash IS NULL THEN
        RAISE EXCEPTION 'a new password is required' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO pw FROM argon2id_split(p_password_hash);
    UPDATE account SET password_params = pw.params, password_hash_bytes = pw.hash_bytes,
                       password_verifier = pw.verifier
     WHERE name = p_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no account %', p_name USING ERRCODE = 'no_data_found';
    END IF;
    -- the trigger leaves secret columns out, so the change itself is recorded here
    PERFORM audit_append('update', 'account', p_name, NULL, jsonb_build_object('password', 'changed'));
END $$;

-- What the application needs to compute argon2id of a typed password: nothing secret. No row (NULLs) for
-- an unknown or disabled account, or one without a password.
CREATE FUNCTION account_password_params(p_name text, OUT params text, OUT hash_bytes integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT password_params, password_hash_bytes::integer FROM account
     WHERE name = p_name AND disabled_at IS NULL AND password_params IS NOT NULL
$$;

-- Sign-in: open a session token (p_sha256 = SHA-256 of its secret) for p_hours (0-24, by the database's
-- clock) when SHA-256 of p_argon2 (the raw argon2id output of the typed password) is the verifier.
CREATE FUNCTION account_password_sign_in(p_name text, p_argon2 bytea, p_sha256 text, p_token_id text,
                                         p_hours double precision)
RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    expires timestamptz;
BEGIN
    IF p_hours IS NULL OR NOT (p_hours > 0 AND p_hours <= 24) THEN
        RAISE EXCEPTION 'a session lasts more than 0 and at most 24 hours, not %', p_hours
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_argon2 IS NULL OR NOT EXISTS (
            SELECT 1 FROM account
             WHERE name = p_name AND disabled_at IS NULL AND password_verifier IS NOT NULL
               AND length(p_argon2) = password_hash_bytes
               AND password_verifier = encode(sha256(p_argon2), 'hex')) THEN
        RAISE EXCEPTION 'sign-in refused for %: wrong password, or no such enabled account', p_name
            USING ERRCODE = 'invalid_authorization_specification';
    END IF;
    expires := now() + make_interval(secs => p_hours * 3600);
    INSERT INTO account_token (token_sha256, token_id, account, kind, label, expires_at)
    VALUES (p_sha256, p_token_id, p_name, 'session', 'password sign-in', expires);
    PERFORM audit_append('insert', 'account_token', p_token_id, NULL,
                         jsonb_build_object('account', p_name, 'kind', 'session', 'expires_at', expires));
    RETURN expires;
END $$;

REVOKE EXECUTE ON FUNCTION account_password_params(text),
    account_password_sign_in(text, bytea, text, text, double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION account_password_params(text),
    account_password_sign_in(text, bytea, text, text, double precision) TO seasight_app;
