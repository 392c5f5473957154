"""What every repository of one organization's rows shares: the session and the scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session


class OrganizationScope:
    """Reads and writes one organization's rows through a session."""

    def __init__(self, session: Session, organization_id: str) -> None:
        self.session = session
        self.organization_id = organization_id

    def _owned(self, row_type: Any, *where: Any) -> Select[Any]:
        """The rows of this organization (that meet the further conditions)."""
        return select(row_type).where(row_type.organization_id == self.organization_id, *where)

    def _lock(self, row_type: Any, row_id: str) -> None:
        """Hold this organization's row until the transaction ends: a concurrent writer of it
        waits here, then reads what this one wrote.

        PostgreSQL locks the row (`SELECT … FOR UPDATE`). SQLite has no row locks: a write to
        the row takes the database's write lock (writers queue on the busy timeout); taken
        before the row is read in the transaction, what is read next is the latest."""
        mine = (row_type.id == row_id, row_type.organization_id == self.organization_id)
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(select(row_type.id).where(*mine).with_for_update())
        else:
            self.session.execute(update(row_type).where(*mine).values(id=row_type.id)
                                 .execution_options(synchronize_session=False))
