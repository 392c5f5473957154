"""Signing people in and out of the web workspace (API keys need none of this)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from billintake.domain.errors import Unauthorized
from billintake.domain.model import Organization
from billintake.domain.people import LoginSession
from billintake.entrypoints.api.auth import (
    SESSION_COOKIE,
    CurrentCaller,
    RuntimeDep,
    check_same_site,
)
from billintake.services import people

router = APIRouter(prefix="/auth", tags=["session"])


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    password: str = Field(max_length=people.MAX_PASSWORD_LENGTH)


def session_body(session: LoginSession, org: Organization) -> dict[str, Any]:
    """What the page needs: who is signed in, for which organization, and the CSRF token."""
    return {"user": {"id": session.user.id, "email": session.user.email},
            "organization": {"id": org.id, "name": org.name, "slug": org.slug},
            "csrf_token": session.csrf_token, "expires_at": session.expires_at.isoformat()}


@router.post("/login")
async def login(body: Credentials, request: Request, response: Response,
                runtime: RuntimeDep) -> dict[str, Any]:
    """Sign in with email and password (JSON): sets the session cookie (HttpOnly,
    SameSite=Lax) and returns the CSRF token to send with every change. 401 on failure."""
    check_same_site(request)  # no signing in a victim's browser from another site
    signed = await run_in_threadpool(people.sign_in, runtime, body.email, body.password)
    with runtime.directory() as directory:
        org = directory.get_organization(signed.session.user.organization_id)
    settings = runtime.settings
    response.set_cookie(SESSION_COOKIE, signed.token, max_age=settings.session_max_hours * 3600,
                        httponly=True, samesite="lax", path="/",
                        secure=settings.session_cookie_secure or request.url.scheme == "https")
    response.headers["Cache-Control"] = "no-store"
    return session_body(signed.session, org)


@router.get("/session")
def current_session(caller: CurrentCaller, response: Response) -> dict[str, Any]:
    """Who is signed in, with the session's CSRF token; 401 when nobody is."""
    if caller.session is None:
        raise Unauthorized("this is an API key, not a signed-in person")
    response.headers["Cache-Control"] = "no-store"
    return session_body(caller.session, caller.organization)


@router.post("/logout", status_code=204)
def logout(caller: CurrentCaller, request: Request, runtime: RuntimeDep) -> Response:
    """End the session (CSRF-checked like every change) and clear the cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if caller.session is not None and token:
        people.sign_out(runtime, token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response
