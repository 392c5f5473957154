"""Who is calling: a machine with an API key, or a person signed in with a session cookie.

Every request is scoped to the caller's organization. Machines send the key as
`Authorization: Bearer <key>` or `X-API-Key: <key>` (keys are stored hashed). The web workspace
signs people in (`routes_session`): its cookie is HttpOnly and SameSite=Lax, and every
state-changing request made with it must carry the session's CSRF token in `X-CSRF-Token`
(and, when the browser sends an Origin, come from this site) — else 403.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from billintake.bootstrap import Runtime
from billintake.domain.errors import Forbidden, Unauthorized
from billintake.domain.model import Organization
from billintake.domain.people import LoginSession
from billintake.services import people
from billintake.storage.repository import Repository, cached_organization

SESSION_COOKIE = "billintake_session"
API_KEY_SHOWN = 10  # the characters of a key stored as its prefix (storage.repository)
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NO_KEY = "missing API key: send 'Authorization: Bearer <key>'"


async def get_runtime(request: Request) -> Runtime:  # async: no thread hop for a lookup
    return request.app.state.runtime


def _key_from(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("x-api-key") or None


@dataclass(frozen=True)
class Caller:
    """The organization a request acts for, and the signed-in person (None for an API key)."""

    organization: Organization
    session: LoginSession | None = None
    key_prefix: str | None = None  # the API key's first characters, as `key list` shows them

    @property
    def actor(self) -> str:
        """Who acts, as a record of who did something names them."""
        if self.session is not None:
            return self.session.user.email
        return f"API key {self.key_prefix}…" if self.key_prefix else "API key"


def signed_in(request: Request, runtime: Runtime) -> LoginSession | None:
    """The live session of the request's cookie, if any (no CSRF check: for reading)."""
    token = request.cookies.get(SESSION_COOKIE)
    return people.session_for(runtime, token) if token else None


def check_same_site(request: Request) -> None:
    """Refuse a request whose Origin header names another site (browsers send it on POST)."""
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise Forbidden("cross-site request refused")


def check_csrf(request: Request, session: LoginSession) -> None:
    """A state-changing request with a session cookie must come from this site and carry the
    session's CSRF token."""
    check_same_site(request)
    sent = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
        raise Forbidden(f"missing or wrong CSRF token: send the {CSRF_HEADER} header that "
                        "GET /auth/session gives")


async def current_caller(request: Request,
                         runtime: Annotated[Runtime, Depends(get_runtime)]) -> Caller:
    """The caller; a key seen lately is resolved from memory, with no thread hop and no query
    (`api_key_cache_s`); anything else is looked up in a thread."""
    key = _key_from(request)
    if key:
        org = cached_organization(key)
        if org is None:
            org = await _looked_up(request.app, runtime, key)
        if org is None:
            raise Unauthorized("invalid or revoked API key")
        return Caller(org, key_prefix=key[:API_KEY_SHOWN])
    if request.cookies.get(SESSION_COOKIE) is None:
        raise Unauthorized(NO_KEY)
    return await run_in_threadpool(_signed_in_caller, request, runtime)


async def _looked_up(app: Any, runtime: Runtime, key: str) -> Organization | None:
    """The key's organization from the database; requests that need the same key at the same
    time share one look-up (a client's first requests, on all its connections at once, took a
    thread and a database connection each, and then all waited for them)."""
    lookups: dict[str, asyncio.Future[Organization | None]] = app.state.__dict__.setdefault(
        "key_lookups", {})
    shared = lookups.get(key)
    if shared is not None:
        try:
            return await asyncio.shield(shared)
        except asyncio.CancelledError:
            if not shared.cancelled():
                raise  # this request was cancelled
            # the request that looked it up went away first: look it up again
    future: asyncio.Future[Organization | None] = asyncio.get_running_loop().create_future()
    future.add_done_callback(_retrieve)
    lookups[key] = future
    try:
        org = await run_in_threadpool(_organization_for_key, runtime, key)
    except Exception as exc:
        future.set_exception(exc)
        raise
    except BaseException:
        future.cancel()
        raise
    else:
        future.set_result(org)
        return org
    finally:
        if lookups.get(key) is future:
            del lookups[key]


def _retrieve(future: asyncio.Future[Organization | None]) -> None:
    """Mark a shared look-up's error as seen (nobody else may have waited for it)."""
    if not future.cancelled():
        future.exception()


def _organization_for_key(runtime: Runtime, key: str) -> Organization | None:
    with runtime.directory() as directory:
        return directory.organization_for_key(key, cache_s=runtime.settings.api_key_cache_s)


def _signed_in_caller(request: Request, runtime: Runtime) -> Caller:
    session = signed_in(request, runtime)
    if session is None:
        raise Unauthorized("the session has ended: sign in again")
    if request.method not in SAFE_METHODS:
        check_csrf(request, session)
    with runtime.directory() as directory:
        org = directory.get_organization(session.user.organization_id)
    return Caller(org, session)


async def current_org(caller: Annotated[Caller, Depends(current_caller)]) -> Organization:
    return caller.organization


def org_repository(org: Annotated[Organization, Depends(current_org)],
                   runtime: Annotated[Runtime, Depends(get_runtime)]) -> Iterator[Repository]:
    """A repository scoped to the caller's organization, committed when the request ends."""
    with runtime.repository(org.id) as repo:
        yield repo


CurrentCaller = Annotated[Caller, Depends(current_caller)]
CurrentOrg = Annotated[Organization, Depends(current_org)]
# scope="function": the unit of work commits before the response is sent, so a client that
# reads right after a change sees it (and never gets a success that was not stored).
OrgRepository = Annotated[Repository, Depends(org_repository, scope="function")]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
