"""The shape every accounting backend takes in the contract suite (see conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from billintake.accounting.backends import get_writer
from billintake.accounting.writer import AccountingWriter, Connection, DocumentRef
from billintake.bootstrap import Runtime
from billintake.domain.errors import AccountingBackendError
from billintake.storage.originals import OriginalsStore


def lose_response_after(writer: AccountingWriter) -> Callable[[Callable[[AccountingWriter], Any]],
                                                              None]:
    """A write that reaches the books but whose answer never reaches the caller."""

    def lose(call: Callable[[AccountingWriter], Any]) -> None:
        call(writer)
        raise AccountingBackendError("timed out waiting for the accounting system",
                                     retryable=True)

    return lose


@dataclass
class Backend:
    name: str
    organization_id: str
    writer: AccountingWriter
    reopen: Callable[[], AccountingWriter]
    originals: OriginalsStore
    lose_response: Callable[[Callable[[AccountingWriter], Any]], None] = field(repr=False)

    def store_original(self, data: bytes, filename: str = "bill.pdf") -> DocumentRef:
        sha = self.originals.put(data)
        return DocumentRef(sha256=sha, filename=filename, path=self.originals.path(sha))


class PerCallLedger:
    """The ledger writer with each call in its own unit of work, as the service uses it."""

    backend = "ledger"

    def __init__(self, runtime: Runtime, organization_id: str) -> None:
        self.runtime = runtime
        self.organization_id = organization_id

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            with self.runtime.session() as session:
                writer = get_writer(Connection(backend="ledger"),
                                    organization_id=self.organization_id, session=session)
                return getattr(writer, name)(*args, **kwargs)

        return call


