"""What every repository of one organization's rows shares: the session and the scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session


class OrganizationScope:
    """Reads and writes one organization's rows through a session."""

    def __init__(self, session: Session, organization_id: str) -> None:
        self.session = session
        self.organization_id = organization_id

    def _owned(self, row_type: Any, *where: Any) -> Select[Any]:
        """The rows of this organization (that meet the further conditions)."""
        return select(row_type).where(row_type.organization_id == self.organization_id, *where)
