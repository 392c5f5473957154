"""The Rutter backend in the contract suite: the real client against the fake Rutter API.

One fake server (uvicorn on a free 127.0.0.1 port) serves the whole test process; each test
gets its own connection (a fresh access token, so fresh books). A lost response is a real one:
the fake commits the write and stalls, and a writer with a short timeout and no retries gives
up with a retryable error, exactly as a client timeout does.
"""

from __future__ import annotations

import atexit
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from accounting_harness import Backend
from fake_rutter import FakeRutter, FakeRutterServer

from billintake.accounting.backends import get_writer
from billintake.accounting.writer import AccountingWriter, Connection
from billintake.storage.originals import OriginalsStore

_lock = threading.Lock()
_server: FakeRutterServer | None = None


def fake_rutter_server() -> FakeRutterServer:
    """The process-wide fake, started on first use."""
    global _server
    with _lock:
        if _server is None:
            _server = FakeRutterServer(FakeRutter())
            _server.start()
            atexit.register(_server.stop)
        return _server


def rutter_connection(server: FakeRutterServer, token: str, **options: Any) -> Connection:
    """A connection to the fake; its 19 % and 7 % VAT mapped to the fake's purchase rates."""
    store = server.fake.stores[token]
    mapping = {"19": store.tax_rate_named("VAT 19% purchases"),
               "7": store.tax_rate_named("VAT 7% purchases")}
    vat = next(a["id"] for a in store.accounts.values() if a["name"] == "Input VAT")
    return Connection(backend="rutter", options={"base_url": server.base_url, "currency": "USD",
                                                 "tax_rates": mapping, "tax_account_id": vat,
                                                 **options},
                      secrets={"access_token": token, "client_id": server.fake.client_id,
                               "client_secret": server.fake.client_secret})


def _no_wait(_: float) -> None:
    return None


@pytest.fixture
def rutter_backend(originals: OriginalsStore) -> Iterator[Backend]:
    server = fake_rutter_server()
    seen = len(server.fake.violations)
    token = f"contract-{uuid.uuid4().hex}"
    server.fake.add_connection(token)
    connection = rutter_connection(server, token)
    organization_id = "org-rutter"

    def open_books(**extra: Any) -> AccountingWriter:
        return get_writer(connection, organization_id=organization_id, sleep=_no_wait,
                          **extra)

    def lose_response(call: Callable[[AccountingWriter], Any]) -> None:
        """The write is accepted, its answer lost, and the books unreachable for a moment (so
        the writer's own look-up finds nothing either): the result stays unknown."""
        impatient = open_books(timeout=0.3, max_retries=0)
        server.fake.stall_after_commit_next(1.0, reads_fail=True)
        try:
            call(impatient)
        finally:
            server.fake.wait_for_stalls()
        server.fake.stalls.clear()
        raise AssertionError("the fake did not stall: the response was not lost")

    yield Backend("rutter", organization_id, open_books(), open_books, originals,
                  lose_response)
    assert server.fake.violations[seen:] == [], "the fake answered off the published spec"
