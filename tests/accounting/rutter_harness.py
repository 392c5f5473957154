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
from collections.abc import Callable
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


def rutter_connection(server: FakeRutterServer, token: str) -> Connection:
    return Connection(backend="rutter", options={"base_url": server.base_url},
                      secrets={"access_token": token, "client_id": server.fake.client_id,
                               "client_secret": server.fake.client_secret})


def _no_wait(_: float) -> None:
    return None


@pytest.fixture
def rutter_backend(originals: OriginalsStore) -> Backend:
    server = fake_rutter_server()
    token = f"contract-{uuid.uuid4().hex}"
    server.fake.add_connection(token)
    connection = rutter_connection(server, token)
    organization_id = "org-rutter"

    def open_books(**extra: Any) -> AccountingWriter:
        return get_writer(connection, organization_id=organization_id, sleep=_no_wait,
                          **extra)

    def lose_response(call: Callable[[AccountingWriter], Any]) -> None:
        impatient = open_books(timeout=0.3, max_retries=0)
        server.fake.stall_after_commit_next(1.0)
        call(impatient)
        server.fake.stalls.clear()
        raise AssertionError("the fake did not stall: the response was not lost")

    return Backend("rutter", organization_id, open_books(), open_books, originals,
                   lose_response)
