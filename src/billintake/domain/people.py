"""People who use the web workspace: users of one organization, and their login sessions."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from .model import DomainModel, new_id, utcnow

# A plausible address: something@domain.tld, no spaces (the mailbox is never written to).
EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"


def normalize_email(email: str) -> str:
    """Addresses compare case-insensitively and without surrounding spaces."""
    return email.strip().casefold()


class User(DomainModel):
    """A person who signs in with email and password; belongs to exactly one organization."""

    id: str = Field(default_factory=new_id)
    organization_id: str
    email: str = Field(max_length=254, pattern=EMAIL_PATTERN)
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None


class LoginSession(DomainModel):
    """A signed-in browser: the user, its organization and the CSRF token of its requests."""

    user: User
    csrf_token: str
    expires_at: datetime


class ApiKey(DomainModel):
    """An API key as it may be shown: its id and first characters, never the key."""

    id: str
    organization_id: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None = None
