"""Sign-in and what each role may open (the dashboard's side of seasight.accounts and seasight.oidc).

A person signs in with an account name and password (argon2id; the database opens a session token of at
most 12 hours), or — when an OpenID Connect provider is configured (``SEASIGHT_OIDC_*``) — at the
organisation's identity provider through Streamlit's ``st.login``: the identity the provider vouched for
(``st.user``: issuer and subject, or a verified e-mail address) must be linked to a Seasight account
(``seasight account link``), which carries the role and the participating state; an identity linked to
nothing is refused with a message saying so. Local accounts stay the embedded default. Every database
connection a page uses carries the session token, so the database's row-level security decides what the
page sees (dashboard.ui.connection); signing out revokes it (and signs out of the provider's cookie).

Navigation lists only the pages the account's role may use, and every page checks again at its top
(:func:`require_page`), so a page's direct URL is refused to a role that may not use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from seasight.accounts import AuthenticationError, Role, open_password_session, revoke_token, sign_in
from seasight.oidc import OidcError, UnknownIdentityError, identity_from_claims, open_oidc_session

SESSION_KEY = "seasight_account"

PEOPLE = {Role.MOC_OPERATOR, Role.SAR_COORDINATOR, Role.FOCAL_POINT}
PAGE_ROLES: dict[str, frozenset[Role]] = {
    "live_map": frozenset(PEOPLE),
    "concerns": frozenset(PEOPLE),
    "sightings": frozenset(PEOPLE),
    "sar_cases": frozenset({Role.SAR_COORDINATOR, Role.FOCAL_POINT}),
    "case_thread": frozenset({Role.SAR_COORDINATOR, Role.FOCAL_POINT}),
    "disembarkation": frozenset({Role.SAR_COORDINATOR, Role.FOCAL_POINT}),
    "practices": frozenset({Role.RSO_ANALYST, Role.FOCAL_POINT, Role.SAR_COORDINATOR}),
    "reference": frozenset({*PEOPLE, Role.RSO_ANALYST, Role.ADMINISTRATOR}),
}


@dataclass(frozen=True)
class SignedIn:
    name: str
    participant: str
    role: Role
    token: str
    token_id: str | None = None  # a password session's id (revoked on sign-out)


def signed_in() -> SignedIn | None:
    value = st.session_state.get(SESSION_KEY)
    return value if isinstance(value, SignedIn) else None


def may_open(page: str, account: SignedIn | None) -> bool:
    return account is not None and account.role in PAGE_ROLES[page]


def require_page(page: str) -> SignedIn:
    """Stop the page unless the signed-in account's role may use it."""
    account = signed_in()
    if account is None:
        st.error("Sign in first: open the dashboard's start page.")
        st.stop()
    assert account is not None
    if not may_open(page, account):
        st.error(f"This page is not available to a {account.role.description}.")
        st.stop()
    return account


def _provider_user() -> dict[str, object]:
    """The identity provider's claims of this browser session (``st.user``; empty when not signed in)."""
    user: dict[str, object] = dict(st.user.to_dict())
    return user if user.get("is_logged_in") is True else {}


def _oidc_sign_in(signin_key: str, claims: dict[str, object]) -> None:
    """Map the provider's person to the linked Seasight account and sign it in, or say why not."""
    from dashboard.data import pool

    try:
        identity = identity_from_claims(claims)
        with pool().connection() as conn:
            conn.execute("SELECT set_config('seasight.token', '', false)")
            issued, _name = open_oidc_session(conn, signin_key, identity)
            account = sign_in(conn, issued.secret)
            conn.execute("SELECT set_config('seasight.token', '', false)")
            conn.commit()
    except (UnknownIdentityError, OidcError) as exc:
        st.error(f"Sign-in refused. {exc}")
        if st.button("Sign out of the identity provider", key="oidc_sign_out"):
            st.logout()
        return
    except AuthenticationError as exc:
        st.error(f"Sign-in through the identity provider is not available: {exc}. Tell the administrator.")
        return
    st.session_state[SESSION_KEY] = SignedIn(
        account.name, account.participant, account.role, issued.secret, issued.token_id
    )
    st.rerun()


def sign_in_page() -> None:
    from dashboard.data import pool, settings

    st.title("Seasight — sign in")
    provider = settings().oidc()
    if provider is not None:
        claims = _provider_user()
        if claims:
            _oidc_sign_in(provider.signin_key, claims)
            return
        if st.button(f"Sign in with {provider.label}", key="oidc_sign_in", type="primary"):
            st.login()
        st.caption("Or sign in with a local Seasight account:")
    with st.form("sign_in"):
        name = st.text_input("Account", key="sign_in_name", max_chars=63).strip()
        password = st.text_input("Password", key="sign_in_password", type="password", max_chars=256)
        submitted = st.form_submit_button("Sign in")
    if not submitted:
        return
    try:
        with pool().connection() as conn:
            conn.execute("SELECT set_config('seasight.token', '', false)")
            issued = open_password_session(conn, name, password)
            account = sign_in(conn, issued.secret)
            conn.execute("SELECT set_config('seasight.token', '', false)")
    except AuthenticationError:
        st.error("Sign-in refused: unknown account, wrong password or account disabled.")
        return
    st.session_state[SESSION_KEY] = SignedIn(
        account.name, account.participant, account.role, issued.secret, issued.token_id
    )
    st.rerun()


def sign_out() -> None:
    from dashboard.data import pool

    account = signed_in()
    if account is not None and account.token_id is not None:
        with pool().connection() as conn:
            sign_in(conn, account.token)
            revoke_token(conn, account.token_id)
            conn.execute("SELECT set_config('seasight.token', '', false)")
    st.session_state.pop(SESSION_KEY, None)
    if _provider_user():
        st.logout()  # else the provider's identity cookie would sign the same person in again
