-- 0072 accounts and their sessions (DESIGN.md "Trust between states").
--
--  * An account is a person (or a service) of ONE participating state or organisation (geodata's
--    participant codes, or RSO for the Bali Process Regional Support Office) with ONE role:
--      moc_operator     operations-centre operator (live map, sightings, flag reviews)
--      sar_coordinator  SAR coordinator at an RCC (cases, outcomes, sightings, flag reviews)
--      rso_analyst      Regional Support Office analyst (reads only what states share with the RSO)
--      focal_point      state focal point (places of safety, outcomes, the state's sharing agreements)
--      administrator    accounts and tokens (no access to contributed records)
--      service          a Seasight service (tracker, detector, sightings API): the pipeline's records
--  * Passwords are stored only as argon2id hashes (RFC 9106, argon2-cffi); tokens (API, CLI, dashboard
--    sessions) only as SHA-256 of a 256-bit random secret, and can be revoked or expire.
--  * Each database session names its account by setting `seasight.token` to the secret; every check in
--    the database (row-level security, the audit's actor) goes through session_account(), which looks the
--    token up server-side: a session without a valid, unrevoked token of an enabled account is nobody.
--  * The application cannot read hashes or write these tables: accounts and tokens change only through
--    the functions below, which require an administrator's session (or the owner role, to bootstrap).

CREATE TABLE account (
    name          text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._-]{1,62}$'),
    display_name  text NOT NULL,
    participant   text NOT NULL CHECK (participant ~ '^[A-Z][A-Z0-9_-]{1,15}$'),
    role          text NOT NULL CHECK (role IN ('moc_operator', 'sar_coordinator', 'rso_analyst', 'focal_point',
                                                'administrator', 'service')),
    password_hash text CHECK (password_hash IS NULL OR password_hash LIKE '$argon2id$%'),
    disabled_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    acted_by      text NOT NULL
);

CREATE TABLE account_token (
    token_sha256  text PRIMARY KEY CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    token_id      text NOT NULL UNIQUE,             -- short public id to name the token (revocation, logs)
    account       text NOT NULL REFERENCES account (name),
    kind          text NOT NULL CHECK (kind IN ('api', 'session')),
    label         text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX account_token_account_idx ON account_token (account);

REVOKE ALL ON account, account_token FROM seasight_app;
GRANT SELECT (name, display_name, participant, role, disabled_at, created_at) ON account TO seasight_app;
GRANT SELECT (token_id, account, kind, label, created_at, expires_at, revoked_at) ON account_token TO seasight_app;

CREATE TRIGGER audit_account AFTER INSERT OR UPDATE OR DELETE ON account
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('name');

-- The account of this database session (no row: nobody).
CREATE FUNCTION session_account(OUT name text, OUT participant text, OUT role text)
RETURNS SETOF record
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT a.name, a.participant, a.role
      FROM account_token t JOIN account a ON a.name = t.account
     WHERE t.token_sha256 = encode(sha256(convert_to(nullif(current_setting('seasight.token', true), ''), 'UTF8')), 'hex')
       AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
       AND a.disabled_at IS NULL
$$;
GRANT EXECUTE ON FUNCTION session_account() TO seasight_app;

CREATE FUNCTION session_participant() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT participant FROM session_account()
$$;
CREATE FUNCTION session_role() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT role FROM session_account()
$$;
GRANT EXECUTE ON FUNCTION session_participant(), session_role() TO seasight_app;

-- The audit's actor is the session's account from now on.
CREATE OR REPLACE FUNCTION audit_actor(OUT account text, OUT participant text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT s.name, s.participant FROM session_account() s
    UNION ALL SELECT NULL, NULL
    LIMIT 1
$$;

-- Administration: an administrator's session, or the owner role itself (bootstrap from the owner side).
CREATE FUNCTION account_admin_check() RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF session_user::text = (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'account'::regclass) THEN
        RETURN;
    END IF;
    IF coalesce(session_role(), '') <> 'administrator' THEN
        RAISE EXCEPTION 'only an administrator may manage accounts and tokens' USING ERRCODE = 'insufficient_privilege';
    END IF;
END $$;

CREATE FUNCTION account_create(p_name text, p_display text, p_participant text, p_role text, p_password_hash text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM account_admin_check();
    INSERT INTO account (name, display_name, participant, role, password_hash, acted_by)
    VALUES (p_name, p_display, p_participant, p_role, p_password_hash,
            coalesce((SELECT name FROM session_account()), session_user::text));
END $$;

CREATE FUNCTION account_set_password(p_name text, p_password_hash text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM account_admin_check();
    UPDATE account SET password_hash = p_password_hash WHERE name = p_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no account %', p_name USING ERRCODE = 'no_data_found';
    END IF;
END $$;

CREATE FUNCTION account_disable(p_name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM account_admin_check();
    UPDATE account SET disabled_at = coalesce(disabled_at, now()) WHERE name = p_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no account %', p_name USING ERRCODE = 'no_data_found';
    END IF;
    UPDATE account_token SET revoked_at = coalesce(revoked_at, now()) WHERE account = p_name;
END $$;

CREATE FUNCTION account_token_issue(p_name text, p_kind text, p_label text, p_sha256 text, p_token_id text,
                                    p_expires_at timestamptz)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM account_admin_check();
    IF NOT EXISTS (SELECT 1 FROM account WHERE name = p_name AND disabled_at IS NULL) THEN
        RAISE EXCEPTION 'no enabled account %', p_name USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO account_token (token_sha256, token_id, account, kind, label, expires_at)
    VALUES (p_sha256, p_token_id, p_name, p_kind, p_label, p_expires_at);
    PERFORM audit_append('insert', 'account_token', p_token_id, NULL,
                         jsonb_build_object('account', p_name, 'kind', p_kind, 'label', p_label,
                                            'expires_at', p_expires_at));
END $$;

CREATE FUNCTION account_token_revoke(p_token_id text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    holder text;
BEGIN
    SELECT account INTO holder FROM account_token WHERE token_id = p_token_id;
    IF holder IS NULL THEN
        RAISE EXCEPTION 'no token %', p_token_id USING ERRCODE = 'no_data_found';
    END IF;
    -- an administrator revokes any token; anyone revokes their own (e.g. signing out)
    IF holder IS DISTINCT FROM (SELECT name FROM session_account()) THEN
        PERFORM account_admin_check();
    END IF;
    UPDATE account_token SET revoked_at = coalesce(revoked_at, now()) WHERE token_id = p_token_id;
    PERFORM audit_append('update', 'account_token', p_token_id, NULL, jsonb_build_object('revoked', true));
END $$;

-- Sign-in with a password: the application verifies the argon2id hash (PostgreSQL has no argon2), then
-- opens a session token for that account. The hash is handed only for an enabled account with a password.
CREATE FUNCTION account_password_hash(p_name text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT password_hash FROM account WHERE name = p_name AND disabled_at IS NULL
$$;

-- A session's expiry is set by the database's clock: p_hours after now, at most 24 hours.
CREATE FUNCTION account_session_open(p_name text, p_password_hash text, p_sha256 text, p_token_id text,
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
    expires := now() + make_interval(secs => p_hours * 3600);
    -- the caller must present the hash it verified the password against: a changed password or a
    -- disabled account in between refuses the session
    IF NOT EXISTS (SELECT 1 FROM account WHERE name = p_name AND disabled_at IS NULL
                                           AND password_hash IS NOT NULL AND password_hash = p_password_hash) THEN
        RAISE EXCEPTION 'sign-in refused for %', p_name USING ERRCODE = 'invalid_authorization_specification';
    END IF;
    INSERT INTO account_token (token_sha256, token_id, account, kind, label, expires_at)
    VALUES (p_sha256, p_token_id, p_name, 'session', 'password sign-in', expires);
    PERFORM audit_append('insert', 'account_token', p_token_id, NULL,
                         jsonb_build_object('account', p_name, 'kind', 'session', 'expires_at', expires));
    RETURN expires;
END $$;

REVOKE EXECUTE ON FUNCTION account_admin_check(), account_create(text, text, text, text, text),
    account_set_password(text, text), account_disable(text),
    account_token_issue(text, text, text, text, text, timestamptz), account_token_revoke(text),
    account_password_hash(text), account_session_open(text, text, text, text, double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION account_admin_check(), account_create(text, text, text, text, text),
    account_set_password(text, text), account_disable(text),
    account_token_issue(text, text, text, text, text, timestamptz), account_token_revoke(text),
    account_password_hash(text), account_session_open(text, text, text, text, double precision) TO seasight_app;
