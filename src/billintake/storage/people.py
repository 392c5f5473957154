"""Users and login sessions: the look-ups made before an organization is known (sign-in by
email, a request by its cookie), so, like `Directory`, not scoped to one organization."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from billintake.domain.people import User

from .tables import LoginSessionRow, UserRow


def hash_token(token: str) -> str:
    """Session tokens are 256-bit random values, so one SHA-256 is a sound one-way hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def _user(row: UserRow) -> User:
    return User(id=row.id, organization_id=row.organization_id, email=row.email,
                created_at=row.created_at, last_login_at=row.last_login_at)


class People:
    """Users and their sessions in one database session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- users -----------------------------------------------------------------------------
    def add_user(self, user: User, password_hash: str) -> User:
        self.session.add(UserRow(id=user.id, organization_id=user.organization_id,
                                 email=user.email, password_hash=password_hash,
                                 failed_logins=0, created_at=user.created_at))
        self.session.flush()
        return user

    def user_row(self, email: str) -> UserRow | None:
        """The row of the user with this (normalised) email, with its hash and lock state."""
        return self.session.scalar(select(UserRow).where(UserRow.email == email))

    def get_user(self, user_id: str) -> User | None:
        row = self.session.get(UserRow, user_id)
        return None if row is None else _user(row)

    def users_of(self, organization_id: str) -> list[User]:
        rows = self.session.scalars(select(UserRow).where(
            UserRow.organization_id == organization_id).order_by(UserRow.email))
        return [_user(row) for row in rows]

    def remove_user(self, user_id: str) -> None:
        """The user and every session of theirs."""
        self.session.execute(delete(LoginSessionRow).where(LoginSessionRow.user_id == user_id))
        self.session.execute(delete(UserRow).where(UserRow.id == user_id))
        self.session.flush()

    # -- sessions --------------------------------------------------------------------------
    def add_session(self, token: str, user: User, csrf_token: str, now: datetime,
                    expires_at: datetime) -> None:
        self.session.add(LoginSessionRow(
            token_hash=hash_token(token), user_id=user.id, organization_id=user.organization_id,
            csrf_token=csrf_token, created_at=now, last_seen_at=now, expires_at=expires_at))
        self.session.flush()

    def session_row(self, token: str) -> LoginSessionRow | None:
        return self.session.get(LoginSessionRow, hash_token(token))

    def end_session(self, token: str) -> None:
        self.session.execute(delete(LoginSessionRow).where(
            LoginSessionRow.token_hash == hash_token(token)))

    def end_expired_sessions(self, now: datetime) -> None:
        self.session.execute(delete(LoginSessionRow).where(LoginSessionRow.expires_at < now))
