"""OpenID Connect sign-in (seasight/oidc.py, migration 0079, dashboard/auth.py), tested offline: the
configuration's validation and what Streamlit is given, the identity taken from an ID token's claims, and —
in the real database, through the dashboard (AppTest, ``st.user`` as Streamlit sets it after a provider
sign-in) — the mapping of that identity to a Seasight account and the refusal of an identity linked to
none. No identity provider is started or imitated: the provider's part (redirects, token signature) is
Streamlit's and Authlib's."""

from __future__ import annotations

import secrets
import tomllib
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import SESSION_KEY
from seasight.accounts import AccountError, AuthenticationError, Role, add_account
from seasight.errors import ConfigurationError
from seasight.oidc import (
    OidcError,
    UnknownIdentityError,
    identity_from_claims,
    issue_signin_key,
    link_identity,
    open_oidc_session,
    revoke_signin_key,
    streamlit_secrets_toml,
    write_streamlit_secrets,
)
from seasight.settings import load_settings
from tests.conftest import REPO_ROOT, RunningStack

APP = str(REPO_ROOT / "dashboard" / "app.py")
ISSUER = "https://login.ministry.example"
COOKIE = "c" * 40

OIDC_ENV = {
    "SEASIGHT_OIDC_SERVER_METADATA_URL": f"{ISSUER}/.well-known/openid-configuration",
    "SEASIGHT_OIDC_CLIENT_ID": "seasight-dashboard",
    "SEASIGHT_OIDC_CLIENT_SECRET": "client-secret-value",
    "SEASIGHT_OIDC_REDIRECT_URI": "https://seasight.ministry.example/oauth2callback",
    "SEASIGHT_OIDC_COOKIE_SECRET": COOKIE,
    "SEASIGHT_OIDC_SIGNIN_KEY": "sk_not-a-real-key",
}


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> object:
    for key in OIDC_ENV:
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return load_settings()


# -- configuration ----------------------------------------------------------------------------------------


@pytest.mark.unit
def test_without_oidc_settings_the_dashboard_signs_in_local_accounts_only(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _settings(monkeypatch).oidc() is None  # type: ignore[attr-defined]


@pytest.mark.unit
def test_a_half_configured_provider_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    partial = {
        k: v for k, v in OIDC_ENV.items() if k not in ("SEASIGHT_OIDC_CLIENT_SECRET", "SEASIGHT_OIDC_SIGNIN_KEY")
    }
    with pytest.raises(ConfigurationError) as raised:
        _settings(monkeypatch, **partial)
    message = str(raised.value)
    assert "half configured" in message
    assert "SEASIGHT_OIDC_CLIENT_SECRET" in message and "SEASIGHT_OIDC_SIGNIN_KEY" in message
    assert "SEASIGHT_OIDC_CLIENT_ID" not in message


@pytest.mark.unit
@pytest.mark.parametrize(
    ("variable", "value", "complaint"),
    [
        ("SEASIGHT_OIDC_SERVER_METADATA_URL", "https://login.ministry.example/", "well-known/openid-configuration"),
        ("SEASIGHT_OIDC_SERVER_METADATA_URL", "ftp://x/.well-known/openid-configuration", "https://"),
        ("SEASIGHT_OIDC_REDIRECT_URI", "https://seasight.ministry.example/", "oauth2callback"),
        ("SEASIGHT_OIDC_REDIRECT_URI", "/oauth2callback", "absolute"),
        ("SEASIGHT_OIDC_COOKIE_SECRET", "short", "32 characters"),
    ],
)
def test_bad_provider_settings_are_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, complaint: str
) -> None:
    with pytest.raises(ConfigurationError, match=variable) as raised:
        _settings(monkeypatch, **{**OIDC_ENV, variable: value})
    assert complaint in str(raised.value)


@pytest.mark.unit
def test_streamlit_gets_its_auth_section_in_a_private_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    provider = _settings(monkeypatch, **{**OIDC_ENV, "SEASIGHT_OIDC_CLIENT_SECRET": 'se"cr\\et'}).oidc()  # type: ignore[attr-defined]
    assert provider is not None and provider.client_secret == 'se"cr\\et'
    parsed = tomllib.loads(streamlit_secrets_toml(provider))
    assert parsed == {
        "auth": {
            "redirect_uri": "https://seasight.ministry.example/oauth2callback",
            "cookie_secret": COOKIE,
            "client_id": "seasight-dashboard",
            "client_secret": 'se"cr\\et',
            "server_metadata_url": f"{ISSUER}/.well-known/openid-configuration",
        }
    }
    assert "signin" not in streamlit_secrets_toml(provider)  # the database's key is not Streamlit's business
    path = write_streamlit_secrets(provider, tmp_path / "stack")
    assert path.stat().st_mode & 0o777 == 0o600 and tomllib.loads(path.read_text()) == parsed


@pytest.mark.unit
def test_the_identity_comes_from_issuer_and_subject() -> None:
    identity = identity_from_claims(
        {"iss": ISSUER, "sub": "00u1x", "email": "Ana@Ministry.Example", "email_verified": True, "name": "Ana"}
    )
    assert (identity.issuer, identity.subject, identity.email, identity.email_verified) == (
        ISSUER,
        "00u1x",
        "ana@ministry.example",
        True,
    )
    assert not identity_from_claims({"iss": ISSUER, "sub": "x", "email": "a@b.c"}).email_verified
    with pytest.raises(OidcError, match="issuer"):
        identity_from_claims({"sub": "x"})
    with pytest.raises(OidcError, match="subject"):
        identity_from_claims({"iss": ISSUER, "sub": ""})


# -- mapping to accounts, in the real database and the dashboard ---------------------------------------------


@pytest.fixture(scope="module")
def linked(dashboard_stack: RunningStack) -> dict[str, str]:
    """Accounts linked to identities (by subject; by e-mail address), and a valid sign-in key."""
    suffix = secrets.token_hex(3)
    names = {"subject": f"oidc-tha-{suffix}", "email": f"oidc-rso-{suffix}", "disabled": f"oidc-off-{suffix}"}
    with psycopg.connect(dashboard_stack.owner_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO participant (code, name, kind, acted_by) VALUES ('THA', 'Thailand', 'state', 'test-fixture')"
            " ON CONFLICT (code) DO NOTHING"
        )
        add_account(conn, names["subject"], "THA", Role.SAR_COORDINATOR)
        add_account(conn, names["email"], "RSO", Role.RSO_ANALYST)
        add_account(conn, names["disabled"], "THA", Role.MOC_OPERATOR)
        link_identity(conn, names["subject"], ISSUER, subject=f"sub-{suffix}")
        link_identity(conn, names["email"], ISSUER, email=f"Analyst-{suffix}@RSO.example")
        link_identity(conn, names["disabled"], ISSUER, subject=f"off-{suffix}")
        conn.execute("SELECT account_disable(%s)", (names["disabled"],))
        key = issue_signin_key(conn, "dashboard test").secret
    return {**names, "suffix": suffix, "key": key}


@pytest.fixture()
def oidc_dashboard(
    dashboard_env: None, linked: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    from dashboard.data import settings
    from seasight.settings import get_settings

    for key, value in {**OIDC_ENV, "SEASIGHT_OIDC_SIGNIN_KEY": linked["key"]}.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    settings.clear()
    yield linked
    settings.clear()


def _after_provider_sign_in(claims: dict[str, object]) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=90)
    app.user = {"is_logged_in": True, "provider": "default", **claims}
    return app.run()


@pytest.mark.integration
def test_the_sign_in_page_offers_the_provider_only_when_configured(dashboard_env: None) -> None:
    from dashboard.data import settings

    settings.clear()
    plain = AppTest.from_file(APP, default_timeout=90).run()
    assert not plain.exception, plain.exception
    assert [b.label for b in plain.button if b.label.startswith("Sign in with")] == []


@pytest.mark.integration
def test_a_linked_identity_signs_in_as_its_account(oidc_dashboard: dict[str, str]) -> None:
    suffix = oidc_dashboard["suffix"]
    page = AppTest.from_file(APP, default_timeout=90).run()
    assert any(b.label == "Sign in with your organisation's sign-in" for b in page.button)
    app = _after_provider_sign_in({"iss": ISSUER, "sub": f"sub-{suffix}", "email": "someone@else.example"})
    assert not app.exception, app.exception
    account = app.session_state[SESSION_KEY]
    assert (account.name, account.participant, account.role) == (oidc_dashboard["subject"], "THA", Role.SAR_COORDINATOR)
    assert any(f"Signed in: {oidc_dashboard['subject']}" in c.value for c in app.sidebar.caption)
    # by a verified e-mail address (any case), the RSO analyst lands on the practice figures
    app = _after_provider_sign_in(
        {"iss": ISSUER, "sub": "another-sub", "email": f"analyst-{suffix}@rso.EXAMPLE", "email_verified": True}
    )
    assert not app.exception, app.exception
    assert app.session_state[SESSION_KEY].role is Role.RSO_ANALYST
    assert app.title[0].value == "Practices (RSO)"


@pytest.mark.integration
@pytest.mark.parametrize(
    "claims",
    [
        {"iss": ISSUER, "sub": "nobody-we-know"},
        {"iss": "https://another.idp.example", "sub": "sub-{suffix}"},  # same subject, another provider
        {"iss": ISSUER, "sub": "x", "email": "analyst-{suffix}@rso.example", "email_verified": False},
        {"iss": ISSUER, "sub": "off-{suffix}"},  # linked, but the account is disabled
    ],
)
def test_an_identity_linked_to_no_enabled_account_is_refused(
    oidc_dashboard: dict[str, str], claims: dict[str, object]
) -> None:
    claims = {k: v.format(suffix=oidc_dashboard["suffix"]) if isinstance(v, str) else v for k, v in claims.items()}
    app = _after_provider_sign_in(claims)
    assert not app.exception, app.exception
    assert SESSION_KEY not in app.session_state
    assert app.title[0].value == "Seasight — sign in"
    [error] = [e.value for e in app.error]
    assert "Sign-in refused" in error and "no Seasight account is linked to this identity" in error
    assert "seasight account link" in error
    assert any(b.label == "Sign out of the identity provider" for b in app.button)


@pytest.mark.integration
def test_a_claim_missing_is_refused_by_name(oidc_dashboard: dict[str, str]) -> None:
    app = _after_provider_sign_in({"sub": "x"})
    assert SESSION_KEY not in app.session_state
    assert any("no usable issuer" in e.value for e in app.error)


@pytest.mark.integration
def test_the_database_opens_no_oidc_session_without_the_sign_in_key(
    dashboard_stack: RunningStack, linked: dict[str, str]
) -> None:
    identity = identity_from_claims({"iss": ISSUER, "sub": f"sub-{linked['suffix']}"})
    with psycopg.connect(dashboard_stack.database_url.partition("?")[0], autocommit=True) as app:  # no account
        for key in ("", "sk_guessed", None):
            with pytest.raises(AuthenticationError, match="sign-in key"):
                open_oidc_session(app, key, identity)  # type: ignore[arg-type]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("SELECT key_sha256 FROM signin_key")
        issued, name = open_oidc_session(app, linked["key"], identity, hours=0.1)
        assert name == linked["subject"]
        with pytest.raises(UnknownIdentityError):
            open_oidc_session(app, linked["key"], identity_from_claims({"iss": ISSUER, "sub": "stranger"}))
    with psycopg.connect(dashboard_stack.owner_url, autocommit=True) as owner:
        # an administrator's revocation ends the key; links and keys are administrators' business
        spare = issue_signin_key(owner, "spare")
        revoke_signin_key(owner, spare.token_id)
        with psycopg.connect(dashboard_stack.database_url.partition("?")[0], autocommit=True) as app:
            with pytest.raises(AuthenticationError, match="sign-in key"):
                open_oidc_session(app, spare.secret, identity)
            with pytest.raises(AccountError, match="only an administrator"):
                link_identity(app, linked["subject"], ISSUER, subject="mine-now")
        audit = owner.execute(
            "SELECT detail FROM audit_log WHERE table_name = 'account_token' AND record_key = %s", (issued.token_id,)
        ).fetchone()
    assert audit is not None and audit[0]["issuer"] == ISSUER and audit[0]["account"] == linked["subject"]
