"""Ids by their first characters, as people type them: a unique prefix names one row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from billintake.domain.errors import NotFound, ValidationFailed

MIN_PREFIX = 4  # shorter prefixes are too likely to name several rows


def complete_id(session: Session, row: Any, organization_id: str, given: str,
                what: str) -> str:
    """The full id of the organization's `row` whose id is `given` or starts with it."""
    given = given.strip()
    exact = session.scalar(select(row.id).where(row.id == given,
                                                row.organization_id == organization_id))
    if exact is not None:
        return str(exact)
    if len(given) < MIN_PREFIX or not given.isalnum():
        raise NotFound(f"{what} {given} not found (give at least {MIN_PREFIX} characters of "
                       "its id)", field="id")
    found = list(session.scalars(select(row.id).where(
        row.organization_id == organization_id, row.id.startswith(given, autoescape=True))
        .limit(6)))
    if not found:
        raise NotFound(f"{what} {given} not found", field="id")
    if len(found) > 1:
        shown = ", ".join(str(f) for f in found[:5])
        raise ValidationFailed(f"{what} id {given!r} is ambiguous: it starts {shown}"
                               + ("…" if len(found) > 5 else "") + "; give more characters",
                               field="id")
    return str(found[0])
