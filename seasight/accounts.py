"""Accounts, roles and sign-in (migrations 0072, 0076).

An account belongs to ONE participating state or organisation (geodata's ``participant`` codes, or
``RSO`` for the Bali Process Regional Support Office) and has ONE :class:`Role`. A database session acts
for an account by carrying one of its secrets in the setting ``seasight.token``; the database looks the
secret up itself (``session_account()``), so whatever SQL the application runs afterwards is checked
against that account — never against a name the application passes along.

Secrets are 256-bit random tokens (``secrets.token_urlsafe(32)``), stored only as SHA-256; passwords only
as argon2id parameters and a verifier, SHA-256 of the argon2id output (RFC 9106, argon2-cffi's
defaults). Tokens are of two kinds: ``api`` (long-lived, for services, the HTTP API and the CLI;
revocable) and ``session`` (opened by a password sign-in, at most 24 hours).

Trust boundary, said plainly: PostgreSQL cannot compute argon2, so the argon2id output of a typed password
is computed here, from the account's parameters (salt included) that the database hands out; the database
opens the session only when the SHA-256 of that output equals the verifier it keeps and never hands out
(``account_password_sign_in``, migration 0076). Nothing the application role can read lets it sign in as
anyone without the password. Everything after the sign-in — every read and write — is decided by the
database.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from argon2 import PasswordHasher, Type
from argon2.low_level import hash_secret_raw

from seasight.errors import SeasightError
from seasight.rows import fetch_all_by_name, fetch_one_by_name

log = logging.getLogger("seasight.accounts")

TOKEN_SETTING = "seasight.token"
RSO = "RSO"  # the Bali Process Regional Support Office (Bangkok): an organisation, not a geodata participant
SESSION_HOURS = 12.0  # a dashboard or CLI password session, hours (the database refuses more than 24)

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
_PARTICIPANT = re.compile(r"^[A-Z][A-Z0-9_-]{1,15}$")
_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (argon2-cffi default)


class AccountError(SeasightError):
    """An account operation was refused (bad input, unknown account, not allowed)."""


class AuthenticationError(AccountError):
    """No valid credentials: unknown account, wrong password, revoked or expired token, disabled account."""


class Role(enum.StrEnum):
    MOC_OPERATOR = "moc_operator"  # maritime operations centre: live map, sightings, flag reviews
    SAR_COORDINATOR = "sar_coordinator"  # RCC: cases, outcomes, sightings, flag reviews
    RSO_ANALYST = "rso_analyst"  # Regional Support Office: what states share with the RSO
    FOCAL_POINT = "focal_point"  # a state's focal point: places of safety, outcomes, sharing agreements
    ADMINISTRATOR = "administrator"  # accounts and tokens only
    SERVICE = "service"  # a Seasight service (tracker, detector, sightings API)

    @property
    def description(self) -> str:
        return {
            "moc_operator": "operations-centre operator",
            "sar_coordinator": "SAR coordinator",
            "rso_analyst": "RSO analyst",
            "focal_point": "state focal point",
            "administrator": "administrator",
            "service": "Seasight service",
        }[self.value]


@dataclass(frozen=True)
class Account:
    """The account a session acts for."""

    name: str
    participant: str
    role: Role

    @property
    def label(self) -> str:
        return f"{self.name} ({self.role.description}, {self.participant})"


@dataclass(frozen=True)
class IssuedToken:
    token_id: str
    secret: str  # shown once; only its SHA-256 is stored


def token_sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret() -> str:
    return "ss_" + secrets.token_urlsafe(32)


def hash_password(password: str) -> str:
    if len(password) < 12:
        raise AccountError("a password needs at least 12 characters")
    return str(_HASHER.hash(password))


# ---------------------------------------------------------------------------------------------------------
# signing a session in
# ---------------------------------------------------------------------------------------------------------


def sign_in(conn: psycopg.Connection[Any], secret: str) -> Account:
    """Make ``conn`` act for the account holding ``secret`` (for the rest of the connection) and return
    the account as the database sees it. Raises :class:`AuthenticationError` when the secret is not a
    valid token of an enabled account."""
    conn.execute("SELECT set_config(%s, %s, false)", (TOKEN_SETTING, secret))
    row = fetch_one_by_name(conn, "SELECT name, participant, role FROM session_account()")
    if not conn.autocommit:
        conn.commit()  # keep the setting; end the transaction that read it
    if row is None:
        conn.execute("SELECT set_config(%s, '', false)", (TOKEN_SETTING,))
        if not conn.autocommit:
            conn.commit()
        raise AuthenticationError("the token is unknown, revoked or expired, or its account is disabled")
    return Account(row["name"], row["participant"], Role(row["role"]))


def sign_out(conn: psycopg.Connection[Any]) -> None:
    conn.execute("SELECT set_config(%s, '', false)", (TOKEN_SETTING,))


def open_password_session(
    conn: psycopg.Connection[Any], name: str, password: str, hours: float = SESSION_HOURS
) -> IssuedToken:
    """Open a session token for ``name`` lasting ``hours`` (0–24) from now by the database's clock (which
    decides expiry), when ``password`` is right.

    The database hands out only the account's argon2id parameters (salt included, nothing secret); the
    argon2id output of ``password`` under them is computed here and the database compares its SHA-256 with
    the stored verifier (migration 0076). The application never holds anything that signs in without the
    password."""
    row = fetch_one_by_name(conn, "SELECT params, hash_bytes FROM account_password_params(%s)", (name,))
    if row is None or row["params"] is None:
        raise AuthenticationError("unknown account, no password set, or account disabled")
    raw = argon2id_raw(password, row["params"], int(row["hash_bytes"]))
    issued = IssuedToken("s-" + secrets.token_hex(6), new_secret())
    try:
        conn.execute(
            "SELECT account_password_sign_in(%s, %s, %s, %s, %s)",
            (name, raw, token_sha256(issued.secret), issued.token_id, hours),
        )
    except psycopg.errors.InvalidAuthorizationSpecification as exc:
        if not conn.autocommit:
            conn.rollback()
        log.warning("password sign-in refused for %s", name)
        raise AuthenticationError("wrong password") from exc
    if not conn.autocommit:
        conn.commit()
    return issued


_PHC_PARAMS = re.compile(r"^\$argon2id\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)$")


def argon2id_raw(password: str, params: str, hash_bytes: int) -> bytes:
    """The raw argon2id output (RFC 9106) of ``password`` under ``params`` — an argon2id PHC string up to
    its salt (``$argon2id$v=19$m=65536,t=3,p=4$<salt, base64 without padding>``) — ``hash_bytes`` long."""
    match = _PHC_PARAMS.match(params)
    if match is None:
        raise AccountError("the stored password parameters are not argon2id parameters")
    version, memory_kib, passes, lanes, salt_b64 = match.groups()
    salt = base64.b64decode(salt_b64 + "=" * (-len(salt_b64) % 4))
    return hash_secret_raw(
        password.encode("utf-8"),
        salt,
        time_cost=int(passes),
        memory_cost=int(memory_kib),
        parallelism=int(lanes),
        hash_len=hash_bytes,
        type=Type.ID,
        version=int(version),
    )


# ---------------------------------------------------------------------------------------------------------
# administration (an administrator's session, or the owner role's connection to bootstrap)
# ---------------------------------------------------------------------------------------------------------


def _admin_call(conn: psycopg.Connection[Any], sql: str, params: tuple[Any, ...]) -> None:
    try:
        with conn.transaction():
            conn.execute(sql, params)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise AccountError(str(exc).splitlines()[0]) from exc
    except (psycopg.errors.NoDataFound, psycopg.errors.UniqueViolation, psycopg.errors.CheckViolation) as exc:
        raise AccountError(str(exc).splitlines()[0]) from exc


SYSTEM = "SYSTEM"  # the participant of Seasight's own service accounts


def known_participant(conn: psycopg.Connection[Any], code: str) -> bool:
    if code in (RSO, SYSTEM):
        return True
    return conn.execute("SELECT 1 FROM participant WHERE code = %s", (code,)).fetchone() is not None


def add_account(
    conn: psycopg.Connection[Any],
    name: str,
    participant: str,
    role: Role,
    password: str | None = None,
    display_name: str | None = None,
) -> Account:
    """Create an account of ``participant`` (a geodata participant code, or RSO) with ``role``."""
    if not _NAME.match(name):
        raise AccountError(f"account name {name!r}: 2–63 of a-z 0-9 . _ -, starting with a letter or digit")
    participant = participant.strip().upper()
    if not _PARTICIPANT.match(participant) or not known_participant(conn, participant):
        raise AccountError(
            f"participant {participant!r} is not a participating state or organisation "
            "(geodata participant codes, e.g. IDN, THA, UNHCR, or RSO); load them with `seasight geodata load`"
        )
    if role is Role.RSO_ANALYST and participant != RSO:
        raise AccountError("an RSO analyst account belongs to the RSO (participant RSO)")
    if (role is Role.SERVICE) != (participant == SYSTEM):
        raise AccountError("service accounts, and only they, belong to SYSTEM")
    password_hash = hash_password(password) if password is not None else None
    _admin_call(
        conn,
        "SELECT account_create(%s, %s, %s, %s, %s)",
        (name, display_name or name, participant, role.value, password_hash),
    )
    log.info("account %s added (%s, %s)", name, role.value, participant)
    return Account(name, participant, role)


def set_password(conn: psycopg.Connection[Any], name: str, password: str) -> None:
    _admin_call(conn, "SELECT account_set_password(%s, %s)", (name, hash_password(password)))


def disable_account(conn: psycopg.Connection[Any], name: str) -> None:
    """Disable an account and revoke every token it holds (its sessions end at their next request)."""
    _admin_call(conn, "SELECT account_disable(%s)", (name,))
    log.info("account %s disabled", name)


def issue_token(
    conn: psycopg.Connection[Any], name: str, label: str, expires_at: datetime | None = None
) -> IssuedToken:
    """A new API token for ``name`` (shown once)."""
    if not label.strip():
        raise AccountError("a token needs a label saying where it is used (e.g. 'sightings API, Satun')")
    issued = IssuedToken("t-" + secrets.token_hex(6), new_secret())
    _admin_call(
        conn,
        "SELECT account_token_issue(%s, 'api', %s, %s, %s, %s)",
        (name, label.strip(), token_sha256(issued.secret), issued.token_id, expires_at),
    )
    return issued


def revoke_token(conn: psycopg.Connection[Any], token_id: str) -> None:
    _admin_call(conn, "SELECT account_token_revoke(%s)", (token_id,))


def list_accounts(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    rows = fetch_all_by_name(
        conn,
        """SELECT a.name, a.display_name, a.participant, a.role, a.disabled_at, a.created_at,
                  count(t.token_id) FILTER (WHERE t.revoked_at IS NULL
                                              AND (t.expires_at IS NULL OR t.expires_at > now())) AS active_tokens
             FROM account a LEFT JOIN account_token t ON t.account = a.name
            GROUP BY a.name ORDER BY a.participant, a.name""",
    )
    return [
        {
            "name": r["name"],
            "display_name": r["display_name"],
            "participant": r["participant"],
            "role": r["role"],
            "disabled": r["disabled_at"] is not None,
            "created_at": r["created_at"].isoformat(),
            "active_tokens": r["active_tokens"],
        }
        for r in rows
    ]


def token_lookup(connect: Any) -> Any:
    """A function mapping an API token to its :class:`Account` (None when not valid), each call on a new
    connection from ``connect()`` (for the HTTP API: a revoked token stops working at once)."""

    def lookup(secret: str) -> Account | None:
        with connect() as conn:
            try:
                return sign_in(conn, secret)
            except AuthenticationError:
                return None

    return lookup
