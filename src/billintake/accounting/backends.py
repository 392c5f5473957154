"""The accounting backends by name, and `get_writer`: one organization's connection → its writer."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from billintake.accounting import beancount, ledger, rutter
from billintake.accounting.writer import AccountingWriter, Connection, WriterContext
from billintake.domain.errors import ValidationFailed

if TYPE_CHECKING:
    import httpx
    from sqlalchemy.orm import Session

    from billintake.settings import Settings

OPENERS: dict[str, Callable[[WriterContext], AccountingWriter]] = {
    "ledger": ledger.open_writer,
    "beancount": beancount.open_writer,
    "rutter": rutter.open_writer,
}


def get_writer(
    connection: Connection,
    *,
    organization_id: str,
    settings: Settings | None = None,
    session: Session | None = None,
    http_client: httpx.Client | None = None,
    **extra: Any,
) -> AccountingWriter:
    """Open the writer of `connection.backend` for one organization."""
    opener = OPENERS.get(connection.backend)
    if opener is None:
        raise ValidationFailed(f"unknown accounting backend {connection.backend!r}",
                               field="backend")
    context = WriterContext(organization_id=organization_id, connection=connection,
                            settings=settings, session=session, http_client=http_client,
                            extra=dict(extra))
    return opener(context)
