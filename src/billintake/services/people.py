"""People: an organization's users, their passwords and their login sessions.

Passwords are hashed with argon2id (`argon2-cffi`, its RFC 9106 defaults) and rehashed at
sign-in when those defaults grow. A wrong password counts against the user; after
`login_max_failures` in a row the account is locked for `login_lock_minutes`. The message of
a failed sign-in never says whether the email exists. A session is a 256-bit random token
(the browser's cookie; only its SHA-256 is stored) with a CSRF token, ended by signing out,
after `session_idle_minutes` unused, or `session_max_hours` after sign-in.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import ValidationError

from billintake.bootstrap import Runtime
from billintake.domain.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from billintake.domain.model import utcnow
from billintake.domain.people import LoginSession, User, normalize_email

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # argon2 takes any length; this bounds the work one request can ask
SIGN_IN_FAILED = "wrong email or password (after {n} wrong attempts in a row an account is " \
                 "locked for {m} minutes)"
TOUCH_EVERY = timedelta(minutes=1)  # a session's last use is written at most this often

HASHER = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to verify against when the email is unknown, so both cases take as long."""
    return HASHER.hash(secrets.token_urlsafe(16))


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"password: use at least {MIN_PASSWORD_LENGTH} characters",
                               field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(f"password: use at most {MAX_PASSWORD_LENGTH} characters",
                               field="password")


def add_user(runtime: Runtime, organization_id: str, email: str, password: str) -> User:
    """A new user of the organization; 409 when the email is taken (in any organization)."""
    check_password(password)
    try:
        user = User(organization_id=organization_id, email=normalize_email(email))
    except ValidationError as exc:
        raise ValidationFailed(f"email: {email!r} is not an email address",
                               field="email") from exc
    with runtime.people() as people:
        if people.user_row(user.email) is not None:
            raise Conflict(f"a user with email {user.email} exists already", field="email")
        return people.add_user(user, HASHER.hash(password))


def list_users(runtime: Runtime, organization_id: str) -> list[User]:
    with runtime.people() as people:
        return people.users_of(organization_id)


def remove_user(runtime: Runtime, organization_id: str, email: str) -> User:
    """Remove the organization's user with this email; their sessions end with them."""
    with runtime.people() as people:
        row = people.user_row(normalize_email(email))
        if row is None or row.organization_id != organization_id:
            raise NotFound(f"no user {normalize_email(email)} in this organization")
        user = people.get_user(row.id)
        assert user is not None
        people.remove_user(row.id)
        return user


@dataclass(frozen=True)
class SignedIn:
    """A new session: the token for the browser's cookie (shown only here) and the session."""

    token: str
    session: LoginSession


def sign_in(runtime: Runtime, email: str, password: str, *,
            now: datetime | None = None) -> SignedIn:
    """Check the password and open a session; `Unauthorized` with one message for every
    failure (unknown email, wrong password, locked account)."""
    settings = runtime.settings
    now = now or utcnow()
    failed = Unauthorized(SIGN_IN_FAILED.format(n=settings.login_max_failures,
                                                m=settings.login_lock_minutes))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise failed
    with runtime.people() as people:
        row = people.user_row(normalize_email(email))
        if row is None:
            _verify(_dummy_hash(), password)
            raise failed
        if row.locked_until is not None and row.locked_until > now:
            log.warning("sign-in refused: account locked", extra={"user_id": row.id})
            raise failed
        if not _verify(row.password_hash, password):
            row.failed_logins += 1
            if row.failed_logins >= settings.login_max_failures:
                row.locked_until = now + timedelta(minutes=settings.login_lock_minutes)
                row.failed_logins = 0
                log.warning("account locked after failed sign-ins", extra={"user_id": row.id})
        else:
            if HASHER.check_needs_rehash(row.password_hash):
                row.password_hash = HASHER.hash(password)
            row.failed_logins, row.locked_until, row.last_login_at = 0, None, now
            people.end_expired_sessions(now)
            user = people.get_user(row.id)
            assert user is not None
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            expires = _expiry(runtime, now, now)
            people.add_session(token, user, csrf, now, expires)
            return SignedIn(token, LoginSession(user=user, csrf_token=csrf, expires_at=expires))
    raise failed  # after the block, so the failure count is committed


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _expiry(runtime: Runtime, created: datetime, now: datetime) -> datetime:
    settings = runtime.settings
    return min(created + timedelta(hours=settings.session_max_hours),
               now + timedelta(minutes=settings.session_idle_minutes))


def session_for(runtime: Runtime, token: str, *, now: datetime | None = None
                ) -> LoginSession | None:
    """The live session of this cookie token, its expiry pushed on; None when unknown or
    expired (an expired one is deleted)."""
    now = now or utcnow()
    with runtime.people() as people:
        row = people.session_row(token)
        if row is None:
            return None
        if row.expires_at <= now:
            people.end_session(token)
            return None
        user = people.get_user(row.user_id)
        if user is None:
            return None
        if now - row.last_seen_at >= TOUCH_EVERY:
            row.last_seen_at = now
            row.expires_at = _expiry(runtime, row.created_at, now)
        return LoginSession(user=user, csrf_token=row.csrf_token, expires_at=row.expires_at)


def sign_out(runtime: Runtime, token: str) -> None:
    with runtime.people() as people:
        people.end_session(token)
