"""API-key authentication: every request is scoped to the key's organization.

Send the key as `Authorization: Bearer <key>` or `X-API-Key: <key>`. Keys are stored hashed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from billintake.bootstrap import Runtime
from billintake.domain.errors import Unauthorized
from billintake.domain.model import Organization
from billintake.storage.repository import Repository


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def _key_from(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("x-api-key") or None


def current_org(request: Request,
                runtime: Annotated[Runtime, Depends(get_runtime)]) -> Organization:
    key = _key_from(request)
    if not key:
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    with runtime.directory() as directory:
        org = directory.organization_for_key(key)
    if org is None:
        raise Unauthorized("invalid or revoked API key")
    return org


def org_repository(org: Annotated[Organization, Depends(current_org)],
                   runtime: Annotated[Runtime, Depends(get_runtime)]) -> Iterator[Repository]:
    """A repository scoped to the caller's organization, committed when the request ends."""
    with runtime.repository(org.id) as repo:
        yield repo


CurrentOrg = Annotated[Organization, Depends(current_org)]
OrgRepository = Annotated[Repository, Depends(org_repository)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
