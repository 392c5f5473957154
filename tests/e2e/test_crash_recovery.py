"""Fault injection: `billintake ingest`, a pool worker and the server are killed with SIGKILL in
the middle of their work, then started again. Afterwards every file is done or failed (none
lost, none left waiting), and every bill is booked exactly once. No manual command is run: the
jobs the dead processes held are taken again when their leases run out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fixtures_gen.intake_fixtures import einvoice, free_port, make_org
from fixtures_gen.processes import alive, niceness, spawned, until

from billintake.bootstrap import Runtime
from billintake.domain.model import IngestJob, JobStatus
from billintake.services.books import BillService
from billintake.settings import Settings

BIN = str(Path(sys.executable).with_name("billintake"))
LEASE_S = 2.0
FILES = 6  # per channel


def _environment(data: Path, pool: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("BILLINTAKE_")}
    env.update(BILLINTAKE_DATA_DIR=str(data), BILLINTAKE_LOCAL_POOL=pool,
               BILLINTAKE_LOCAL_WORKERS="1", BILLINTAKE_JOB_LEASE_S=str(LEASE_S),
               BILLINTAKE_LOG_LEVEL="WARNING")
    return env


def _jobs(runtime: Runtime, org: str) -> list[IngestJob]:
    with runtime.repository(org) as repo:
        return repo.list_jobs(limit=1000)


def _kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def _tree(server: int) -> list[int]:
    """What the server started: its serving processes (one per core by default) and the job
    workers below them, or, serving from one process, its job workers."""
    serving = spawned(server)
    return [*serving, *(worker for pid in serving for worker in spawned(pid))]


def _pool_workers(server: int) -> list[int]:
    """The server's job workers, wherever they are in its tree: they run at niceness 19."""
    return [pid for pid in _tree(server) if niceness(pid) == 19]


@contextmanager
def _server(data: Path, cwd: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`billintake serve` started at once; the block waits for it to answer when it needs it
    (`wait_up`), so it starts while something else runs."""
    port = free_port()
    process = subprocess.Popen([BIN, "serve", "--port", str(port)], cwd=cwd,
                               env=_environment(data, "process"),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        yield process, url
    finally:
        if process.poll() is None:
            _kill(process)


@contextmanager
def _killed_at_the_end(process: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    try:
        yield process
    finally:
        if process.poll() is None:
            _kill(process)


def _wait_up(url: str) -> None:
    def up() -> bool:
        try:
            return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    until(up, 90, "the server answers")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_killed_ingest_worker_and_server_lose_nothing_and_book_nothing_twice(
        tmp_path: Path) -> None:
    data = tmp_path / "data"
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=data))
    org, key = make_org(runtime)  # the e-invoices' sellers are known: their bills are booked
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in range(FILES):
        (inbox / f"folder-{n}.xml").write_bytes(einvoice(f"RE-F-{n}")[1])
    uploads = [einvoice(f"RE-U-{n}")[1] for n in range(FILES)]

    # 1. ingest, killed once the first bill is booked (the others queued or mid-way); the
    #    server starts meanwhile (it cannot take the jobs the live ingest holds)
    ingest = subprocess.Popen([BIN, "ingest", str(inbox)], cwd=tmp_path,
                              env=_environment(data, "thread"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with _killed_at_the_end(ingest), _server(data, tmp_path) as (server, url):
        until(lambda: any(j.status.is_final for j in _jobs(runtime, org.id)), 90,
               "ingest books a first bill")
        _kill(ingest)
        assert not all(j.status.is_final for j in _jobs(runtime, org.id)), "killed too late"

        # 2. the server: uploads; one of its pool workers killed mid-job, then the server
        _wait_up(url)
        response = httpx.post(f"{url}/bills/upload", headers={"Authorization": f"Bearer {key}"},
                              files=[("files", (f"upload-{n}.xml", body, "application/xml"))
                                     for n, body in enumerate(uploads)], timeout=60)
        assert response.status_code == 202, response.text

        until(lambda: bool(_pool_workers(server.pid)), 60, "the server starts a pool worker")
        os.kill(_pool_workers(server.pid)[0], signal.SIGKILL)
        done_before = sum(j.status.is_final for j in _jobs(runtime, org.id))
        until(lambda: sum(j.status.is_final for j in _jobs(runtime, org.id)) > done_before,
               90, "the server books again after losing its worker")
        orphans = _tree(server.pid)  # (once it is dead, they are no longer its descendants)
        _kill(server)
    assert len(_jobs(runtime, org.id)) == 2 * FILES  # every upload was received
    assert not all(j.status.is_final for j in _jobs(runtime, org.id)), "killed too late"
    until(lambda: not any(alive(pid) for pid in orphans), 10,
           "the killed server's serving processes and workers exit")

    # 3. start both again at once, racing for what is left: the server, and an ingest of the
    #    same folder; together they finish everything
    again = subprocess.Popen([BIN, "ingest", str(inbox)], cwd=tmp_path,
                             env=_environment(data, "thread"), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
    with _killed_at_the_end(again), _server(data, tmp_path) as (_server_again, url):
        output, _ = again.communicate(timeout=120)
        assert again.returncode == 0, output.decode()
        _wait_up(url)
        until(lambda: all(j.status.is_final for j in _jobs(runtime, org.id)), 60,
               "every job is final")

    jobs = _jobs(runtime, org.id)
    assert len(jobs) == 2 * FILES
    assert {j.status for j in jobs} <= {JobStatus.PUSHED, JobStatus.FAILED}
    assert list(inbox.glob("*.xml")) == []  # every file done (or failed), none left behind
    moved = sorted(p.name for p in [*(inbox / "done").iterdir(), *(inbox / "failed").iterdir()]
                   if p.suffix == ".xml")
    assert moved == sorted(f"folder-{n}.xml" for n in range(FILES))
    with runtime.repository(org.id) as repo:
        booked = [b.bill_number for b in BillService.open(repo, runtime.settings).writer
                  .list_bills()]
        recorded = [b.bill_number for b in repo.list_bills(limit=1000)]
    pushed = sum(j.status is JobStatus.PUSHED for j in jobs)
    assert sorted(booked) == sorted(set(booked)) and len(booked) == pushed  # each once
    assert sorted(recorded) == sorted(set(recorded))
    runtime.close()
