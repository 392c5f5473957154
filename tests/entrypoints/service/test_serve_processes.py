"""`billintake serve --processes N`: N serving processes on one port, each with its share of
the job workers; the port answers only once all of them listen; they stop together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import typer
from fixtures_gen.intake_fixtures import einvoice, free_port, make_org
from fixtures_gen.processes import alive, children, listening, spawned, until

from billintake.bootstrap import Runtime
from billintake.entrypoints.api.processes import worker_shares
from billintake.entrypoints.cli.service import serving_port
from billintake.settings import Settings

BIN = str(Path(sys.executable).with_name("billintake"))


def test_the_job_workers_are_split_between_the_processes_at_least_one_each() -> None:
    assert worker_shares(2, 2) == [1, 1]
    assert worker_shares(5, 2) == [3, 2]
    assert worker_shares(1, 3) == [1, 1, 1]
    assert worker_shares(4, 1) == [4]


def test_the_port_is_the_options_0_too_else_the_settings() -> None:
    assert serving_port(None, 8000, 4) == 8000
    assert serving_port(9000, 8000, 4) == 9000
    assert serving_port(0, 8000, 1) == 0  # any free port (it was taken for "no option")
    with pytest.raises(typer.BadParameter, match="--processes 1"):
        serving_port(0, 8000, 2)


@pytest.mark.parametrize("command", ["serve", "up"])
def test_port_0_for_several_processes_is_refused_with_a_reason(tmp_path: Path,
                                                               command: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILLINTAKE_")}
    env.update(BILLINTAKE_DATA_DIR=str(tmp_path / "data"), COLUMNS="200")  # one line
    done = subprocess.run([BIN, command, "--port", "0", "--processes", "2"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "share one port" in done.stderr and "--processes 1" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_two_processes_serve_one_port_take_uploads_and_stop_together(tmp_path: Path) -> None:
    data = tmp_path / "data"
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=data))
    _org, key = make_org(runtime)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILLINTAKE_")}
    env.update(BILLINTAKE_DATA_DIR=str(data), BILLINTAKE_LOCAL_WORKERS="2",
               BILLINTAKE_LOG_LEVEL="WARNING")
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen([BIN, "serve", "--port", str(port), "--processes", "2"],
                              cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        def answers() -> bool:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        until(answers, 120, "the server answers")
        # both listen as soon as the port answers: none is still starting
        assert listening(port) == 2
        serving = spawned(server.pid)
        assert len(serving) == 2
        # each with one of the two job workers
        assert [len(spawned(pid)) for pid in serving] == [1, 1]

        # uploads on several connections at once are all taken and all run
        clients = [httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"},
                                timeout=60) for _ in range(4)]
        try:
            ids = []
            for n, client in enumerate(clients):
                response = client.post("/bills/upload", files=[
                    ("files", (f"bill-{n}.xml", einvoice(f"RE-P-{n}")[1], "application/xml"))])
                assert response.status_code == 202, response.text
                ids += [job["id"] for job in response.json()["jobs"]]

            def all_final() -> bool:
                return all(clients[0].get(f"/jobs/{job_id}").json()["final"] for job_id in ids)

            until(all_final, 120, "every job is final")
            assert {clients[0].get(f"/jobs/{i}").json()["status"] for i in ids} == {"pushed"}
        finally:
            for client in clients:
                client.close()

        # SIGTERM: every process stops (the serving ones and their workers), exit code 0
        everything = serving + [c for pid in serving for c in children(pid)]
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
        until(lambda: not any(alive(pid) for pid in everything), 30, "all have stopped")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_serving_processes_exit_with_the_process_that_started_them(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILLINTAKE_")}
    env.update(BILLINTAKE_DATA_DIR=str(tmp_path / "data"), BILLINTAKE_LOCAL_POOL="thread",
               BILLINTAKE_LOG_LEVEL="WARNING")
    server = subprocess.Popen([BIN, "serve", "--port", str(port), "--processes", "2"],
                              cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        until(lambda: listening(port) == 2, 120, "both processes listen")
        serving = spawned(server.pid)
        assert len(serving) == 2
        server.kill()  # kill -9: no chance to stop them
        server.wait()
        until(lambda: not any(alive(pid) for pid in serving) and listening(port) == 0, 30,
               "the serving processes have exited and nothing listens on the port")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
