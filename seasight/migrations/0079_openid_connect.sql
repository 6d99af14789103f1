-- 0079 OpenID Connect sign-in (OpenID Connect Core 1.0): a person signed in at the organisation's identity
-- provider acts for the Seasight account linked to that identity (dashboard/auth.py, Streamlit's st.login).
--
--  * account_identity links an identity to ONE account (which carries the role and the participating
--    state): by the provider's issuer and subject (`iss`, `sub`: unique and never reassigned, OIDC Core
--    §2), or by issuer and e-mail address (only when the provider says the address is verified). Only an
--    administrator links or unlinks (`seasight account link|unlink`). An identity linked to nothing is
--    refused: there is no self-registration.
--  * The identity provider's ID token is verified by the dashboard (Streamlit with Authlib: signature,
--    issuer, audience, nonce); PostgreSQL cannot check its RS256 signature. So a session for an OIDC
--    sign-in is opened only on presentation of a SIGN-IN KEY: a 256-bit secret given to the dashboard's
--    configuration alone (SEASIGHT_OIDC_SIGNIN_KEY), stored here as SHA-256 (signin_key), issued and
--    revoked by an administrator (`seasight account signin-key`). A page's connection carries the
--    signed-in person's token, never the key, so a bug in a page cannot open a session for someone else.

CREATE TABLE account_identity (
    issuer      text NOT NULL CHECK (issuer ~ '^https?://[^[:space:]]+$'),
    subject     text CHECK (subject IS NULL OR length(subject) BETWEEN 1 AND 255),
    email       text CHECK (email IS NULL OR (email = lower(email) AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$')),
    account     text NOT NULL REFERENCES account (name),
    created_at  timestamptz NOT NULL DEFAULT now(),
    acted_by    text NOT NULL,
    CHECK ((subject IS NULL) <> (email IS NULL)),
    UNIQUE (issuer, subject),
    UNIQUE (issuer, email)
);
CREATE TRIGGER audit_account_identity AFTER INSERT OR UPDATE OR DELETE ON account_identity
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('account', 'issuer', 'subject', 'email');

CREATE TABLE signin_key (
    key_sha256  text PRIMARY KEY CHECK (key_sha256 ~ '^[0-9a-f]{64}$'),
    key_id      text NOT NULL UNIQUE,
    label       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

REVOKE ALL ON account_identity, signin_key FROM seasight_app;
GRANT SELECT (issuer, subject, email, account, created_at, acted_by) ON account_identity TO seasight_app;
GRANT SELECT (key_id, label, created_at, revoked_at) ON signin_key TO seasight_app;

CREATE FUNCTION account_identity_link(p_account text, p_issuer text, p_subject text, p_email text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM account_admin_check();
    IF NOT EXISTS (SELECT 1 FROM account WHERE name = p_account) THEN
        RAISE EXCEPTION 'no account %', p_account USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO account_identity (issuer, subject, email, account, acted_by)
    VALUES (p_issuer, p_subject, lower(p_email), p_account,
            coalesce((SELECT name FROM session_account()), session_user::text));
END $$;

CREATE FUNCTION account_identity_unlink(p_issuer text, p_subject text, p_email text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM account_admin_check();
    DELETE FROM account_identity
     WHERE issuer = p_issuer AND subject IS NOT DISTINCT FROM p_subject AND email IS NOT DISTINCT FROM lower(p_email);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such linked identity' USING ERRCODE = 'no_data_found';
    END IF;
END $$;

CREATE FUNCTION signin_key_issue(p_label text, p_sha256 text, p_key_id text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM account_admin_check();
    INSERT INTO signin_key (key_sha256, key_id, label) VALUES (p_sha256, p_key_id, p_label);
    PERFORM audit_append('insert', 'signin_key', p_key_id, NULL, jsonb_build_object('label', p_label));
END $$;

CREATE FUNCTION signin_key_revoke(p_key_id text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM account_admin_check();
    UPDATE signin_key SET revoked_at = coalesce(revoked_at, now()) WHERE key_id = p_key_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no sign-in key %', p_key_id USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM audit_append('update', 'signin_key', p_key_id, NULL, jsonb_build_object('revoked', true));
END $$;

-- The dashboard, holding a valid sign-in key, opens a session (p_sha256 = SHA-256 of its secret, p_hours
-- 0-24) for the account linked to an identity the identity provider vouched for; returns the account.
CREATE FUNCTION account_oidc_sign_in(p_key text, p_issuer text, p_subject text, p_email text,
                                     p_email_verified boolean, p_sha256 text, p_token_id text,
                                     p_hours double precision)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    who text;
    expires timestamptz;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM signin_key
                    WHERE key_sha256 = encode(sha256(convert_to(coalesce(p_key, ''), 'UTF8')), 'hex')
                      AND revoked_at IS NULL) THEN
        RAISE EXCEPTION 'OpenID Connect sign-in needs a valid sign-in key (SEASIGHT_OIDC_SIGNIN_KEY)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_hours IS NULL OR NOT (p_hours > 0 AND p_hours <= 24) THEN
        RAISE EXCEPTION 'a session lasts more than 0 and at most 24 hours, not %', p_hours
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT i.account INTO who FROM account_identity i
     WHERE i.issuer = p_issuer AND i.subject = p_subject;
    IF who IS NULL AND coalesce(p_email_verified, false) THEN
        SELECT i.account INTO who FROM account_identity i
         WHERE i.issuer = p_issuer AND i.email = lower(p_email);
    END IF;
    IF who IS NULL OR NOT EXISTS (SELECT 1 FROM account WHERE name = who AND disabled_at IS NULL) THEN
        RAISE EXCEPTION 'no enabled Seasight account is linked to this identity (issuer %, subject %)',
            p_issuer, p_subject USING ERRCODE = 'invalid_authorization_specification';
    END IF;
    expires := now() + make_interval(secs => p_hours * 3600);
    INSERT INTO account_token (token_sha256, token_id, account, kind, label, expires_at)
    VALUES (p_sha256, p_token_id, who, 'session', 'OpenID Connect sign-in', expires);
    PERFORM audit_append('insert', 'account_token', p_token_id, NULL,
                         jsonb_build_object('account', who, 'kind', 'session', 'expires_at', expires,
                                            'issuer', p_issuer, 'subject', p_subject));
    RETURN who;
END $$;

REVOKE EXECUTE ON FUNCTION account_identity_link(text, text, text, text), account_identity_unlink(text, text, text),
    signin_key_issue(text, text, text), signin_key_revoke(text),
    account_oidc_sign_in(text, text, text, text, boolean, text, text, double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION account_identity_link(text, text, text, text), account_identity_unlink(text, text, text),
    signin_key_issue(text, text, text), signin_key_revoke(text),
    account_oidc_sign_in(text, text, text, text, boolean, text, text, double precision) TO seasight_app;
