"""Accounts, roles and sign-in (migration 0072, seasight.accounts), in the real database as the
application role: argon2id passwords, hashed tokens, revocation, disabling, administrator-only
administration, the audit's actor from the session, and the CLI acting only as a configured account."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from seasight import accounts
from seasight.accounts import AccountError, AuthenticationError, Role
from tests.conftest import RunningStack, run_cli

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery staple"


@pytest.fixture()
def owner(reference_layers: RunningStack) -> Iterator[psycopg.Connection]:
    with psycopg.connect(reference_layers.owner_url, autocommit=True) as conn:
        yield conn


@pytest.fixture()
def app(reference_layers: RunningStack) -> Iterator[psycopg.Connection]:
    with psycopg.connect(reference_layers.database_url, autocommit=True) as conn:
        yield conn


def _unique(prefix: str) -> str:
    import secrets

    return f"{prefix}-{secrets.token_hex(3)}"


def test_password_is_argon2id_and_never_readable_by_the_application(
    owner: psycopg.Connection, app: psycopg.Connection
) -> None:
    name = _unique("tha-coord")
    accounts.add_account(owner, name, "THA", Role.SAR_COORDINATOR, PASSWORD)
    stored = owner.execute(
        "SELECT password_params, password_hash_bytes, password_verifier FROM account WHERE name = %s", (name,)
    ).fetchone()
    assert stored is not None and stored[0].startswith("$argon2id$v=19$m=") and stored[1] == 32
    # the verifier is SHA-256 of the argon2id output; the output itself is stored nowhere
    raw = accounts.argon2id_raw(PASSWORD, stored[0], stored[1])
    assert stored[2] == hashlib.sha256(raw).hexdigest()
    assert raw.hex() not in json.dumps(owner.execute("SELECT to_jsonb(a) FROM account a").fetchall())
    for statement in (
        "SELECT password_verifier FROM account",
        "SELECT password_params FROM account",
        "SELECT name FROM account WHERE password_verifier LIKE 'a%'",  # not even in a condition
        "SELECT * FROM account",
        "SELECT token_sha256 FROM account_token",
        "SELECT token_id FROM account_token WHERE token_sha256 LIKE 'a%'",
        "INSERT INTO account (name, display_name, participant, role, acted_by)"
        " VALUES ('x1', 'x', 'THA', 'administrator', 'x')",
        "UPDATE account SET role = 'administrator'",
        "DELETE FROM account_token",
        "SELECT argon2id_split('x')",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute(statement)
    # what the application may ask for is not secret: the parameters, never the verifier
    assert app.execute("SELECT * FROM account_password_params(%s)", (name,)).fetchone() == (stored[0], 32)
    # no secret column in the audit (readable by the application) either
    detail = owner.execute(
        "SELECT detail FROM audit_log WHERE table_name = 'account' AND record_key = %s", (name,)
    ).fetchone()
    assert detail is not None and detail[0]["role"] == "sar_coordinator"
    assert not {"password_hash", "password_params", "password_verifier", "password_hash_bytes"} & set(detail[0])
    assert stored[2] not in json.dumps(owner.execute("SELECT detail FROM audit_log").fetchall())


def test_the_application_role_cannot_sign_in_without_the_password(
    owner: psycopg.Connection, app: psycopg.Connection
) -> None:
    """What the application role can read or send does not open a session: the old hole (fetch an
    administrator's hash, present it as proof) is closed."""
    admin = _unique("admin")
    accounts.add_account(owner, admin, "THA", Role.ADMINISTRATOR, PASSWORD)
    params, hash_bytes = app.execute("SELECT * FROM account_password_params(%s)", (admin,)).fetchone()  # type: ignore[misc]
    for proof in (
        b"",
        b"\x00" * hash_bytes,
        accounts.argon2id_raw("not the password", params, hash_bytes),
        params.encode(),
    ):
        with pytest.raises(psycopg.errors.InvalidAuthorizationSpecification):
            app.execute("SELECT account_password_sign_in(%s, %s, repeat('b', 64), %s, 1)", (admin, proof, _unique("s")))
    # only functions of the owner role touch the secrets, each with a fixed search_path
    rows = app.execute(
        """SELECT p.proname, p.prosecdef, pg_get_userbyid(p.proowner), p.proconfig
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public' AND p.proname LIKE 'account%'"""
    ).fetchall()
    assert {r[0] for r in rows} >= {"account_password_params", "account_password_sign_in", "account_create"}
    assert "account_password_hash" not in {r[0] for r in rows} and "account_session_open" not in {r[0] for r in rows}
    for proname, definer, owner_role, config in rows:
        assert definer and owner_role == "seasight_owner", proname
        assert config is not None and "search_path=public, pg_temp" in config, proname
    # the right password does, and the session acts for the administrator
    session = accounts.open_password_session(app, admin, PASSWORD, hours=0.5)
    assert accounts.sign_in(app, session.secret).role is Role.ADMINISTRATOR
    accounts.revoke_token(app, session.token_id)


def test_password_change_is_audited_and_old_password_stops_working(owner: psycopg.Connection) -> None:
    name = _unique("mys-focal")
    accounts.add_account(owner, name, "MYS", Role.FOCAL_POINT, PASSWORD)
    accounts.set_password(owner, name, "another long passphrase")
    with pytest.raises(AuthenticationError, match="wrong password"):
        accounts.open_password_session(owner, name, PASSWORD)
    accounts.revoke_token(owner, accounts.open_password_session(owner, name, "another long passphrase").token_id)
    changed = owner.execute(
        "SELECT detail FROM audit_log WHERE table_name = 'account' AND record_key = %s AND action = 'update'",
        (name,),
    ).fetchall()
    assert changed == [({"password": "changed"},)]


def test_password_session_token_and_refusals(owner: psycopg.Connection, app: psycopg.Connection) -> None:
    name = _unique("idn-focal")
    accounts.add_account(owner, name, "IDN", Role.FOCAL_POINT, PASSWORD)
    with pytest.raises(AuthenticationError):
        accounts.open_password_session(app, name, "wrong password!!")
    with pytest.raises(AuthenticationError):
        accounts.open_password_session(app, "nobody-here", PASSWORD)
    session = accounts.open_password_session(app, name, PASSWORD, hours=1.0)
    me = accounts.sign_in(app, session.secret)
    assert me == accounts.Account(name, "IDN", Role.FOCAL_POINT)
    assert app.execute("SELECT session_participant(), session_role()").fetchone() == ("IDN", "focal_point")
    # at rest only the SHA-256 of the secret
    row = owner.execute(
        "SELECT token_sha256, kind, expires_at FROM account_token WHERE token_id = %s", (session.token_id,)
    )
    stored = row.fetchone()
    assert stored is not None and stored[0] == accounts.token_sha256(session.secret) and stored[1] == "session"
    assert session.secret not in json.dumps(owner.execute("SELECT to_jsonb(t) FROM account_token t").fetchall())
    # signing out (revoking one's own session) ends it
    accounts.revoke_token(app, session.token_id)
    with pytest.raises(AuthenticationError):
        accounts.sign_in(app, session.secret)
    with pytest.raises(AuthenticationError):
        accounts.sign_in(app, "ss_made-up-token")
    # a session cannot be opened for longer than 24 h, even by calling the function directly
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        app.execute("SELECT account_password_sign_in(%s, 'x', repeat('a', 64), 's-x', 24 * 30)", (name,))


def test_only_an_administrator_manages_accounts(owner: psycopg.Connection, app: psycopg.Connection) -> None:
    admin, coordinator = _unique("admin"), _unique("mys-coord")
    accounts.add_account(owner, admin, "THA", Role.ADMINISTRATOR)
    accounts.add_account(owner, coordinator, "MYS", Role.SAR_COORDINATOR)
    coordinator_token = accounts.issue_token(owner, coordinator, "test")
    admin_token = accounts.issue_token(owner, admin, "test")
    # not signed in, or signed in as a coordinator: refused
    with pytest.raises(AccountError, match="only an administrator"):
        accounts.add_account(app, _unique("x"), "MYS", Role.ADMINISTRATOR)
    accounts.sign_in(app, coordinator_token.secret)
    with pytest.raises(AccountError, match="only an administrator"):
        accounts.add_account(app, _unique("x"), "MYS", Role.ADMINISTRATOR)
    with pytest.raises(AccountError, match="only an administrator"):
        accounts.issue_token(app, admin, "steal")
    # an administrator may
    accounts.sign_in(app, admin_token.secret)
    new = _unique("mys-moc")
    accounts.add_account(app, new, "MYS", Role.MOC_OPERATOR)
    actor = app.execute(
        "SELECT account, participant FROM audit_log WHERE table_name = 'account' AND record_key = %s", (new,)
    ).fetchone()
    assert actor == (admin, "THA")  # the audit's actor comes from the session, not from any argument
    # disabling ends every token of the account
    accounts.disable_account(app, coordinator)
    with pytest.raises(AuthenticationError):
        accounts.sign_in(app, coordinator_token.secret)
    # bad input is named
    with pytest.raises(AccountError, match="participant 'ZZZ'"):
        accounts.add_account(owner, _unique("x"), "ZZZ", Role.MOC_OPERATOR)
    with pytest.raises(AccountError, match="RSO analyst"):
        accounts.add_account(owner, _unique("x"), "THA", Role.RSO_ANALYST)
    with pytest.raises(AccountError, match="12 characters"):
        accounts.add_account(owner, _unique("x"), "THA", Role.MOC_OPERATOR, "short")


def test_expired_token_is_refused(owner: psycopg.Connection, app: psycopg.Connection) -> None:
    name = _unique("lka-moc")
    accounts.add_account(owner, name, "LKA", Role.MOC_OPERATOR)
    expired = accounts.issue_token(owner, name, "test", expires_at=datetime(2020, 1, 1, tzinfo=UTC))
    with pytest.raises(AuthenticationError):
        accounts.sign_in(app, expired.secret)
    fine = accounts.issue_token(owner, name, "test", expires_at=datetime(2100, 1, 1, tzinfo=UTC))
    assert accounts.sign_in(app, fine.secret).participant == "LKA"


def test_cli_bootstraps_an_account_and_acts_only_as_a_configured_one(reference_layers: RunningStack) -> None:
    name = _unique("bgd-coord")
    added = run_cli(
        "account",
        "add",
        name,
        "--participant",
        "BGD",
        "--role",
        "sar_coordinator",
        "--password-stdin",
        env=reference_layers.env(),
        input=(PASSWORD + "\n").encode(),
    )
    assert added.returncode == 0, added.stderr.decode()
    token = run_cli("account", "token", name, "--label", "cli test", "--json", env=reference_layers.env())
    assert token.returncode == 0, token.stderr.decode()
    secret = json.loads(token.stdout)["token"]
    # without an account configured, acting is refused with what to set
    nobody = run_cli("whoami", env=reference_layers.env())
    assert nobody.returncode == 1 and b"SEASIGHT_ACCOUNT_TOKEN" in nobody.stderr
    by_token = run_cli("whoami", "--json", env={**reference_layers.env(), "SEASIGHT_ACCOUNT_TOKEN": secret})
    assert by_token.returncode == 0, by_token.stderr.decode()
    assert json.loads(by_token.stdout) == {"name": name, "participant": "BGD", "role": "sar_coordinator"}
    by_password = run_cli(
        "whoami", env={**reference_layers.env(), "SEASIGHT_ACCOUNT": name, "SEASIGHT_ACCOUNT_PASSWORD": PASSWORD}
    )
    assert by_password.returncode == 0 and name.encode() in by_password.stdout
    wrong = run_cli(
        "whoami", env={**reference_layers.env(), "SEASIGHT_ACCOUNT": name, "SEASIGHT_ACCOUNT_PASSWORD": "x" * 12}
    )
    assert wrong.returncode == 1 and b"wrong password" in wrong.stderr
    listed = run_cli("account", "list", "--json", env=reference_layers.env())
    row = next(r for r in json.loads(listed.stdout) if r["name"] == name)
    assert row["participant"] == "BGD" and row["active_tokens"] == 1  # the password session was revoked
    assert run_cli("account", "disable", name, env=reference_layers.env()).returncode == 0
    gone = run_cli("whoami", env={**reference_layers.env(), "SEASIGHT_ACCOUNT_TOKEN": secret})
    assert gone.returncode == 1 and b"revoked" in gone.stderr


def test_demo_accounts_sign_in_and_keep_their_passwords(reference_layers: RunningStack, tmp_path: Path) -> None:
    from seasight.app.demo import DEMO_ACCOUNTS, demo_accounts

    first = demo_accounts(reference_layers.owner_url, tmp_path)
    again = demo_accounts(reference_layers.owner_url, tmp_path)
    assert first == again and set(first) == set(DEMO_ACCOUNTS)
    assert (tmp_path / "demo-accounts.json").stat().st_mode & 0o777 == 0o600
    with psycopg.connect(reference_layers.database_url, autocommit=True) as conn:
        for name, (participant, role) in DEMO_ACCOUNTS.items():
            session = accounts.open_password_session(conn, name, first[name], hours=0.1)
            assert accounts.sign_in(conn, session.secret) == accounts.Account(name, participant, Role(role))
            accounts.revoke_token(conn, session.token_id)
