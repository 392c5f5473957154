"""Reads of a remote accounting system made inside an HTTP request (the chart of accounts,
the reports, the review view) are bounded: a system that hangs gives 504 with the reason in
`remote_read_timeout_s`, one that keeps failing gives 502; the request is never held longer.
Against the fake Rutter API (real sockets) made to hang."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_rutter import FakeRutterServer
from fastapi.testclient import TestClient
from rutter_harness import fake_rutter_server, rutter_connection

from billintake.bootstrap import Runtime
from billintake.entrypoints.api.app import create_app
from billintake.settings import Settings

READ_BUDGET = 1.0  # seconds a request may wait for the books
HANG = 30.0  # the books hang far longer than that


@pytest.fixture
def server() -> Iterator[FakeRutterServer]:
    server = fake_rutter_server()
    yield server
    server.fake.reads_hang_until = server.fake.reads_down_until = 0.0


@pytest.fixture
def client(tmp_path: Path, server: FakeRutterServer) -> Iterator[TestClient]:
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path / "data",
                                             remote_read_timeout_s=READ_BUDGET))
    token = f"reads-{uuid.uuid4().hex}"
    server.fake.add_connection(token)
    connection = rutter_connection(server, token)
    with runtime.directory() as directory:
        org, key = directory.create_organization("Remote Reads", "remote-reads")
    with runtime.repository(org.id) as repo:
        repo.set_connection("rutter", dict(connection.options),
                            {k: v.get_secret_value() for k, v in connection.secrets.items()})
    client = TestClient(create_app(runtime=runtime))
    client.headers["Authorization"] = f"Bearer {key}"
    yield client
    runtime.close()


@pytest.mark.parametrize("path", ["/accounts", "/reports/open", "/reports/aging",
                                  "/reports/due"])
def test_a_hanging_accounting_system_gives_504_with_the_reason_in_time(
        client: TestClient, server: FakeRutterServer, path: str) -> None:
    assert client.get(path).status_code == 200  # the books answer: the read works
    server.fake.hang_reads(HANG)
    started = time.monotonic()
    response = client.get(path)
    took = time.monotonic() - started
    assert response.status_code == 504, response.text
    body = response.json()
    assert body["error"] == "accounting_timeout"
    assert f"did not answer within {READ_BUDGET:g}s" in body["detail"]
    assert took < HANG / 3, f"the request was held {took:.1f}s"  # bounded, not the hang


def test_an_accounting_system_that_keeps_failing_gives_502_with_the_reason(
        client: TestClient, server: FakeRutterServer) -> None:
    server.fake.reads_down_until = time.monotonic() + HANG  # every read answers 503
    started = time.monotonic()
    response = client.get("/accounts")
    assert response.status_code == 502, response.text
    assert response.json()["detail"].startswith("Rutter: listing accounts: ")
    assert time.monotonic() - started < HANG / 3


def test_local_reads_do_not_wait_for_a_hanging_system(client: TestClient,
                                                     server: FakeRutterServer) -> None:
    server.fake.hang_reads(HANG)
    assert client.get("/vendors").status_code == 200  # kept here: no remote read at all
    assert client.get("/reports/bills.csv").status_code == 200
