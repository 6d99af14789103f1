"""OpenID Connect sign-in (OpenID Connect Core 1.0) for the dashboard: configuration, the identity a
provider vouched for, and the session it opens for the Seasight account linked to it (migration 0079).

The flow: the dashboard's sign-in page calls Streamlit's ``st.login()``; Streamlit (with Authlib) sends
the person to the identity provider, verifies the ID token it returns (signature, issuer, audience, nonce)
and exposes its claims as ``st.user``. :func:`identity_from_claims` takes the claims Seasight relies on —
``iss`` and ``sub`` (OIDC Core §2: together unique and never reassigned), and ``email`` with
``email_verified`` — and :func:`open_oidc_session` asks the database for a session of the account linked
to that identity, presenting the dashboard's sign-in key. An identity linked to no account is refused
with :class:`UnknownIdentityError`, whose message says what an administrator does about it.

Configuration (``SEASIGHT_OIDC_*``, :class:`seasight.settings.Settings`) is written for Streamlit as the
``[auth]`` section of a secrets file (:func:`streamlit_secrets_toml`) when ``seasight dashboard`` starts.
Without it the dashboard signs in local accounts only (the embedded default).
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from seasight.accounts import SESSION_HOURS, AccountError, AuthenticationError, IssuedToken, new_secret, token_sha256
from seasight.rows import fetch_one_by_name

log = logging.getLogger("seasight.oidc")

SIGNIN_KEY_PREFIX = "sk_"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class OidcError(AuthenticationError):
    """The identity provider's answer cannot be used (a claim missing or malformed)."""


class UnknownIdentityError(AuthenticationError):
    """The identity provider vouched for a person no Seasight account is linked to (or a disabled one)."""


@dataclass(frozen=True)
class OidcProvider:
    """One OpenID Connect provider (from the settings; every value validated there)."""

    server_metadata_url: str  # the provider's discovery document (.well-known/openid-configuration)
    client_id: str
    client_secret: str
    redirect_uri: str  # the dashboard's absolute URL ending in /oauth2callback
    cookie_secret: str  # signs Streamlit's identity cookie
    signin_key: str  # presented to the database to open a session (migration 0079)
    label: str  # shown on the sign-in button, e.g. "Ministry sign-in"


@dataclass(frozen=True)
class Identity:
    """The person the identity provider vouched for."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None = None

    @property
    def label(self) -> str:
        return f"{self.email or self.name or self.subject} at {self.issuer}"


def identity_from_claims(claims: Mapping[str, Any]) -> Identity:
    """The identity in an ID token's claims (``st.user``). Raises :class:`OidcError` naming the claim."""
    issuer = claims.get("iss")
    subject = claims.get("sub")
    if not isinstance(issuer, str) or not re.match(r"^https?://\S+$", issuer):
        raise OidcError(f"the identity provider's answer has no usable issuer (claim iss: {issuer!r})")
    if not isinstance(subject, str) or not 1 <= len(subject) <= 255:
        raise OidcError("the identity provider's answer has no usable subject (claim sub)")
    email = claims.get("email")
    if email is not None and (not isinstance(email, str) or not _EMAIL.match(email)):
        email = None
    verified = claims.get("email_verified")
    name = claims.get("name")
    return Identity(
        issuer=issuer,
        subject=subject,
        email=email.lower() if isinstance(email, str) else None,
        email_verified=verified is True or verified == "true",
        name=name if isinstance(name, str) else None,
    )


def open_oidc_session(
    conn: psycopg.Connection[Any], signin_key: str, identity: Identity, hours: float = SESSION_HOURS
) -> tuple[IssuedToken, str]:
    """Open a session token for the account linked to ``identity`` (by issuer and subject, else by a
    verified e-mail address); return it with the account's name. Raises :class:`UnknownIdentityError` when
    no enabled account is linked, :class:`AuthenticationError` when the sign-in key is not valid."""
    issued = IssuedToken("s-" + secrets.token_hex(6), new_secret())
    try:
        row = fetch_one_by_name(
            conn,
            "SELECT account_oidc_sign_in(%s, %s, %s, %s, %s, %s, %s, %s) AS account_name",
            (
                signin_key,
                identity.issuer,
                identity.subject,
                identity.email,
                identity.email_verified,
                token_sha256(issued.secret),
                issued.token_id,
                hours,
            ),
        )
    except psycopg.errors.InvalidAuthorizationSpecification as exc:
        if not conn.autocommit:
            conn.rollback()
        log.warning(
            "OpenID Connect sign-in refused: no account linked to %s (sub %s)", identity.issuer, identity.subject
        )
        raise UnknownIdentityError(
            f"You are signed in as {identity.label}, but no Seasight account is linked to this identity. "
            "Ask a Seasight administrator to link it to your account: "
            f"seasight account link ACCOUNT --issuer {identity.issuer} --subject {identity.subject}"
        ) from exc
    except psycopg.errors.InsufficientPrivilege as exc:
        if not conn.autocommit:
            conn.rollback()
        log.error("OpenID Connect sign-in refused by the database: the dashboard's sign-in key is not valid")
        raise AuthenticationError(
            "the dashboard's sign-in key (SEASIGHT_OIDC_SIGNIN_KEY) is not valid or was revoked"
        ) from exc
    if not conn.autocommit:
        conn.commit()
    assert row is not None
    return issued, str(row["account_name"])


# ---------------------------------------------------------------------------------------------------------
# administration (an administrator's session, or the owner role)
# ---------------------------------------------------------------------------------------------------------


def _admin(conn: psycopg.Connection[Any], sql: str, params: tuple[Any, ...]) -> None:
    try:
        with conn.transaction():
            conn.execute(sql, params)
    except (
        psycopg.errors.InsufficientPrivilege,
        psycopg.errors.NoDataFound,
        psycopg.errors.UniqueViolation,
        psycopg.errors.CheckViolation,
        psycopg.errors.ForeignKeyViolation,
    ) as exc:
        raise AccountError(str(exc).splitlines()[0]) from exc


def link_identity(
    conn: psycopg.Connection[Any], account: str, issuer: str, subject: str | None = None, email: str | None = None
) -> None:
    """Link the identity (issuer with subject, or issuer with e-mail address) to ``account``."""
    if (subject is None) == (email is None):
        raise AccountError("link an identity by --subject (the provider's sub) or by --email, not both")
    if not re.match(r"^https?://\S+$", issuer):
        raise AccountError(
            f"issuer {issuer!r} is not the provider's issuer URL (claim iss), e.g. https://login.example.org"
        )
    if email is not None and not _EMAIL.match(email):
        raise AccountError(f"{email!r} is not an e-mail address")
    _admin(conn, "SELECT account_identity_link(%s, %s, %s, %s)", (account, issuer, subject, email))
    log.info("identity at %s linked to account %s", issuer, account)


def unlink_identity(conn: psycopg.Connection[Any], issuer: str, subject: str | None, email: str | None) -> None:
    _admin(conn, "SELECT account_identity_unlink(%s, %s, %s)", (issuer, subject, email))


def issue_signin_key(conn: psycopg.Connection[Any], label: str) -> IssuedToken:
    """A new sign-in key for a dashboard (shown once; only its SHA-256 is stored)."""
    if not label.strip():
        raise AccountError("a sign-in key needs a label saying which dashboard holds it")
    issued = IssuedToken("k-" + secrets.token_hex(6), SIGNIN_KEY_PREFIX + secrets.token_urlsafe(32))
    _admin(conn, "SELECT signin_key_issue(%s, %s, %s)", (label.strip(), token_sha256(issued.secret), issued.token_id))
    return issued


def revoke_signin_key(conn: psycopg.Connection[Any], key_id: str) -> None:
    _admin(conn, "SELECT signin_key_revoke(%s)", (key_id,))


# ---------------------------------------------------------------------------------------------------------
# Streamlit's configuration
# ---------------------------------------------------------------------------------------------------------


def streamlit_secrets_toml(provider: OidcProvider) -> str:
    """The ``[auth]`` section Streamlit's ``st.login()`` reads (its default, unnamed provider), as TOML.
    Values are written as TOML basic strings (JSON string escapes are valid TOML escapes)."""
    values = {
        "redirect_uri": provider.redirect_uri,
        "cookie_secret": provider.cookie_secret,
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "server_metadata_url": provider.server_metadata_url,
    }
    lines = ["# written by `seasight dashboard` from the SEASIGHT_OIDC_* settings; do not edit", "[auth]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def write_streamlit_secrets(provider: OidcProvider, folder: Path) -> Path:
    """Write :func:`streamlit_secrets_toml` to ``folder/dashboard-secrets.toml``, readable by its owner
    only (it holds the client and cookie secrets); return the path (Streamlit's ``secrets.files``)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "dashboard-secrets.toml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(streamlit_secrets_toml(provider))
    path.chmod(0o600)
    return path
