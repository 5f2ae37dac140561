"""Who may do what: roles, the acting user, local accounts with hashed passwords.

Roles (docs/operations.md): a **viewer** reads; an **analyst** also imports, edits rules and
offers, exports and sees personal identifiers; an **admin** also deletes snapshots and manages
users. Permissions are enforced here, in lib, by ``require`` at every write: hiding a button is
only a courtesy. The acting user is a context variable set by the UI for each script run (from
the login), by the command line (the operating-system user, as admin: shell access to the
database file is admin access anyway) and by tests.

Accounts: a TOML file (``RETENTION_USERS_FILE``, default data/users.toml, git-ignored) of
``[[user]] name, role, password_hash`` (Argon2id) and optionally ``provinces`` / ``cities``:
the account's row-level scope (``lib.store.scope``), ANDed into every query it runs. With no accounts file and no single sign-on
configured, the app runs in single-user mode: the local user is admin and the sidebar says so.
A file that exists but cannot be used (empty, comments only, nameless entries, bad TOML) lets
nobody in, with a message naming the file: access fails closed. Failed sign-ins are limited
per account and per client and logged without the password, and Argon2 verifications are
bounded (``lib.auth.signin_limits``).
"""
from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import tomlkit
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from lib.errors import PermissionDenied
from lib.store.scope import WHOLE_BASE, Scope, scope_from_entry, set_acting_scope_source
from lib.auth.signin_limits import SignInLimits, SignInRefused
from lib import DATA_DIR
from lib.errors import AppError

ROLES: tuple[str, ...] = ("viewer", "analyst", "admin")
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"read"}),
    "analyst": frozenset({"read", "import", "edit_rules", "edit_offers", "export", "see_identifiers",
                          "run_operations"}),
    "admin": frozenset({"read", "import", "edit_rules", "edit_offers", "export", "see_identifiers",
                        "run_operations", "delete_snapshot", "manage_users"}),
}
USERS_FILE_ENV = "RETENTION_USERS_FILE"
TRUSTED_PROXIES_ENV = "RETENTION_TRUSTED_PROXIES"
DEFAULT_USERS_FILE = DATA_DIR / "users.toml"
_hasher = PasswordHasher()
#: The sign-in limits of this server process (tests replace it with one on a fake clock).
SIGN_IN_LIMITS = SignInLimits()
log = logging.getLogger("retention.auth")


@dataclass(frozen=True)
class User:
    """An account: its name, role and row-level scope (``lib.store.scope``; default the whole base)."""

    name: str
    role: str
    scope: Scope = WHOLE_BASE

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())


_actor: contextvars.ContextVar[User | None] = contextvars.ContextVar("retention_actor", default=None)


def set_actor(user: User | None) -> None:
    """Make ``user`` the acting user of the current context (one Streamlit script run)."""
    _actor.set(user)


def current_actor() -> User | None:
    return _actor.get()


def _acting_scope() -> Scope:
    """The acting user's row-level scope; nobody acting is refused (``auth_not_signed_in``)."""
    actor = current_actor()
    if actor is None:
        raise PermissionDenied("auth_not_signed_in")
    return actor.scope


set_acting_scope_source(_acting_scope)


@contextlib.contextmanager
def acting_as(user: User) -> Iterator[User]:
    """Run a block as ``user`` (command line, tests)."""
    token = _actor.set(user)
    try:
        yield user
    finally:
        _actor.reset(token)


def require(permission: str) -> User:
    """The acting user, if their role allows ``permission``; ``PermissionDenied`` otherwise."""
    user = _actor.get()
    if user is None:
        raise PermissionDenied("auth_not_signed_in")
    if not user.can(permission):
        raise PermissionDenied("auth_denied", user=user.name, role=user.role, action=permission)
    return user


def users_file() -> Path:
    return Path(os.environ.get(USERS_FILE_ENV) or DEFAULT_USERS_FILE)


def accounts_configured(path: Path | None = None) -> bool:
    """Whether the app runs with accounts. Single-user mode (local admin) only when the accounts
    file is absent: a present file, even an empty or broken one, means someone meant to restrict
    access, so nobody gets rights without signing in (fail closed)."""
    return (path or users_file()).exists()


def load_accounts(path: Path | None = None) -> dict[str, dict]:
    """Accounts by name: {"role": ..., "password_hash": ...}; {} when the file does not exist.

    A present file that cannot be used (not TOML, no account in it, an entry without a name)
    raises ``PermissionDenied("auth_accounts_unusable")`` naming the file and the fault.
    """
    path = path or users_file()
    if not path.exists():
        return {}
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PermissionDenied("auth_accounts_unusable", path=str(path), detail=str(exc)) from None
    entries = doc.get("user", [])
    if not isinstance(entries, list) or not entries:
        raise PermissionDenied("auth_accounts_unusable", path=str(path), detail="no [[user]] entry")
    accounts = {}
    for number, entry in enumerate(entries, start=1):
        name = str(entry.get("name") or "").strip() if isinstance(entry, dict) else ""
        if not name:
            raise PermissionDenied("auth_accounts_unusable", path=str(path),
                                   detail=f"[[user]] entry {number} has no name")
        accounts[name] = {"role": entry.get("role", "viewer"),
                          "password_hash": str(entry.get("password_hash", "")),
                          "scope": scope_from_entry(entry)}
    return accounts


def still_allowed(user: User, path: Path | None = None) -> User | None:
    """``user`` as the accounts file says now: None when their account was deleted, their
    current role when it changed (checked at every script run, so a deleted account's open
    session loses its rights at its next rerun)."""
    account = load_accounts(path).get(user.name)
    if account is None:
        return None
    return User(user.name, account["role"] if account["role"] in ROLES else "viewer",
                account["scope"])


def authenticate(name: str, password: str, path: Path | None = None, *, client: str | None = None,
                 limits: SignInLimits | None = None) -> User | None:
    """The user when ``password`` matches the stored hash, else None (no hint which part was wrong).

    ``client`` names where the attempt comes from (an address, or a browser session), for the
    per-client limit; None (command line, tests) counts the account only. Raises
    ``SignInRefused`` without checking anything while the account or the client is locked
    after too many failures ("auth_locked"), or when every verification slot stayed busy
    ("auth_busy"); see ``lib.auth.signin_limits``. Failures are logged with the name and the client,
    never the password.
    """
    limits = limits or SIGN_IN_LIMITS
    account_name = name.strip()
    wait = limits.retry_after(account_name, client)
    if wait:
        log.warning("sign-in refused while locked: name=%r client=%r retry_in=%ds",
                    account_name[:80], client, wait)
        raise SignInRefused("auth_locked", wait)
    account = load_accounts(path).get(account_name)
    with limits.verification_slot():   # Argon2 takes 64 MiB: a bounded number at once
        if account is None:
            _hasher.hash(password)  # same work either way, so timing does not reveal names
            matched = False
        else:
            try:
                matched = _hasher.verify(account["password_hash"], password)
            except (VerificationError, InvalidHashError):
                matched = False
    if not matched:
        locked = limits.record_failure(account_name, client)
        log.warning("sign-in failed: name=%r client=%r failures=%d locked_for=%ds",
                    account_name[:80], client, limits.failures(account_name), locked)
        return None
    limits.record_success(account_name)
    role = account["role"] if account["role"] in ROLES else "viewer"
    return User(account_name, role, account["scope"])


def client_of(peer: str | None, forwarded_for: str | None, session_id: str) -> str:
    """Who a sign-in comes from, for the per-client limit.

    ``peer``: the address of the connection (None when it comes from this machine);
    ``forwarded_for``: its X-Forwarded-For header. The header is believed only when the peer is
    a reverse proxy listed in ``RETENTION_TRUSTED_PROXIES`` (comma-separated addresses;
    ``localhost`` for a proxy on this machine), since any client can send it; then its last
    entry (the one the proxy added) is the client. With no address, the browser session.
    """
    trusted = {a.strip() for a in os.environ.get(TRUSTED_PROXIES_ENV, "").split(",") if a.strip()}
    if forwarded_for and (peer or "localhost") in trusted:
        last = forwarded_for.split(",")[-1].strip()
        if last:
            return last
    return peer or f"session:{session_id}"


def role_of(name: str, path: Path | None = None) -> str:
    """Role of a single-sign-on user by name or e-mail in the accounts file; viewer if unknown."""
    account = load_accounts(path).get(name)
    return account["role"] if account and account["role"] in ROLES else "viewer"


def user_of(name: str, path: Path | None = None) -> User | None:
    """The account ``name`` (a local name, or a single-sign-on e-mail) with its role and scope,
    None when the accounts file has no such entry."""
    account = load_accounts(path).get(name)
    if account is None:
        return None
    return User(name, account["role"] if account["role"] in ROLES else "viewer", account["scope"])


def sso_user(email: str, path: Path | None = None) -> User:
    """A single-sign-on user as the accounts file says by e-mail: role and scope; a viewer of
    the whole base when the file has no entry for them."""
    return user_of(email, path) or User(email, "viewer")


def save_account(name: str, role: str, password: str, path: Path | None = None,
                 scope: Scope = WHOLE_BASE) -> None:
    """Add or replace an account with its row-level ``scope`` (admin's job:
    ``require("manage_users")``)."""
    require("manage_users")
    if role not in ROLES:
        raise PermissionDenied("auth_bad_role", role=role, roles=", ".join(ROLES))
    if not name.strip() or len(password) < 8:
        raise PermissionDenied("auth_bad_account")
    path = path or users_file()
    if path.exists():
        load_accounts(path)   # never rewrite a file we cannot read: its accounts would be lost
    doc = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    users = doc.get("user") or tomlkit.aot()
    kept = tomlkit.aot()
    for entry in users:
        if entry.get("name") != name.strip():
            kept.append(entry)
    entry = tomlkit.table()
    entry.update({"name": name.strip(), "role": role, "password_hash": _hasher.hash(password)})
    if scope.provinces:
        entry["provinces"] = list(scope.provinces)
    if scope.cities:
        entry["cities"] = list(scope.cities)
    kept.append(entry)
    doc["user"] = kept
    _write_atomically(path, tomlkit.dumps(doc))


def _write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` in one rename, readable by the owner only: a reader (another
    session signing in) sees the old file or the new one, never a half-written or empty one,
    which would otherwise lock everyone out (an empty file is unusable: fail closed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
