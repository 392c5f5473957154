"""`billintake up` in a subprocess: it serves HTTP (from several processes on one port, or in
itself), takes mail, watches a folder, runs the jobs, and stops (or dies) leaving no process."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fixtures_gen.intake_fixtures import einvoice, free_port, make_org, plain_message
from fixtures_gen.processes import alive, children, listening, niceness, spawned, until

from billintake.bootstrap import Runtime
from billintake.domain.model import Channel, JobStatus
from billintake.settings import Settings

pytestmark = pytest.mark.slow
DOMAIN = "billintake.localhost"
# the keepers' sweep for jobs nobody took comes only every 200 s: mail and folder jobs that run
# in time were handed to a worker at once
PROMPT = "BILLINTAKE_JOB_LEASE_S=600\n"
LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


@pytest.fixture(params=[1, 2], ids=["in-process", "two-serving-processes"])
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, object]]:
    yield from _up(tmp_path, PROMPT, processes=request.param)


def _up(tmp_path: Path, extra_config: str, *, processes: int = 2,
        pool: str = "thread") -> Iterator[dict[str, object]]:
    data, inbox = tmp_path / "data", tmp_path / "inbox"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILLINTAKE_")}
    http_port, smtp_port = free_port(), free_port()
    # the settings come from a config file named by BILLINTAKE_CONFIG, as a user would keep them
    config = tmp_path / "billintake.env"
    config.write_text(f"BILLINTAKE_DATA_DIR={data}\nBILLINTAKE_SMTP_PORT={smtp_port}\n"
                      f"BILLINTAKE_INTAKE_FOLDER={inbox}\nBILLINTAKE_LOCAL_POOL={pool}\n"
                      f"BILLINTAKE_LOCAL_WORKERS={processes}\n"
                      f"BILLINTAKE_INTAKE_DOMAIN={DOMAIN}\n" + extra_config)
    env.update(BILLINTAKE_CONFIG=str(config), HOME=str(tmp_path))
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=data))
    org, key = make_org(runtime, "acme")
    log = (tmp_path / "up.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "billintake.entrypoints.cli", "up", "--port", str(http_port),
         "--processes", str(processes)],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http_port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code in (200, 503):
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, (tmp_path / "up.log").read_text()
            assert time.monotonic() < deadline, "`up` did not start serving"
            time.sleep(0.2)
        yield {"base": base, "smtp_port": smtp_port, "inbox": inbox, "runtime": runtime,
               "org": org, "key": key, "process": process, "log": tmp_path / "up.log",
               "http_port": http_port}
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
        log.close()
        runtime.close()


def _jobs(runtime: Runtime, organization_id: str, count: int, timeout: float = 60) -> list:
    deadline = time.monotonic() + timeout
    while True:
        with runtime.repository(organization_id) as repo:
            jobs = repo.list_jobs()
        if len(jobs) >= count and all(job.status.is_final for job in jobs):
            return jobs
        assert time.monotonic() < deadline, [(j.channel, j.status) for j in jobs]
        time.sleep(0.2)


def test_up_serves_http_takes_mail_and_a_dropped_file_then_stops_cleanly(
        service: dict[str, object]) -> None:
    base, runtime, org = service["base"], service["runtime"], service["org"]
    assert isinstance(runtime, Runtime)
    health = httpx.get(f"{base}/healthz", timeout=5).json()
    assert health["checks"]["database"]["status"] == "ok"

    pdf, _xml = einvoice("RE-2024-0501")
    to = f"bills+acme@{DOMAIN}"
    with smtplib.SMTP("127.0.0.1", int(service["smtp_port"]), timeout=30) as client:
        assert client.sendmail("billing@nordwind.example", [to], plain_message(to, pdf)) == {}

    dropped, _xml = einvoice("RE-2024-0502")
    inbox = service["inbox"]
    assert isinstance(inbox, Path)
    (inbox / "dropped.pdf").write_bytes(dropped)

    jobs = _jobs(runtime, org.id, 2)  # type: ignore[attr-defined]
    assert sorted(job.channel for job in jobs) == sorted([Channel.EMAIL, Channel.FOLDER])
    deadline = time.monotonic() + 30
    while not list((inbox / "done").iterdir()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [p.name for p in (inbox / "done").iterdir()] == ["dropped.pdf"]

    process = service["process"]
    assert isinstance(process, subprocess.Popen)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    log = Path(str(service["log"])).read_text()
    # one log: uvicorn's lines, the SMTP listener's and the folder's in the same format
    assert "SMTP listening on" in log and "watching" in log and "stopped" in log
    assert "Uvicorn running" in log or "Application startup complete" in log
    assert "leaked" not in log  # (the resource tracker's complaint at exit)


@pytest.mark.redis
def test_up_with_celery_starts_a_worker_and_stops_it(tmp_path: Path, redis_url: str) -> None:
    """BILLINTAKE_QUEUE=celery: `up` starts a Celery worker beside itself, which takes the
    dropped file's job; health reports it; SIGTERM stops both."""
    import uuid

    queue = f"billintake-test-up-{uuid.uuid4().hex[:8]}"
    parts = _up(tmp_path, f"BILLINTAKE_QUEUE=celery\nBILLINTAKE_REDIS_URL={redis_url}\n"
                          f"BILLINTAKE_CELERY_QUEUE={queue}\n")
    service = next(parts)
    try:
        base, runtime, org = service["base"], service["runtime"], service["org"]
        assert isinstance(runtime, Runtime)
        deadline = time.monotonic() + 60
        while True:
            workers = httpx.get(f"{base}/healthz", timeout=10).json()["checks"]["workers"]
            if workers["count"]:
                break
            assert time.monotonic() < deadline, workers
            time.sleep(0.5)
        assert workers["status"] == "ok" and workers["kind"] == "Celery workers"
        inbox = service["inbox"]
        assert isinstance(inbox, Path)
        (inbox / "dropped.pdf").write_bytes(einvoice("RE-2024-0503")[0])
        [job] = _jobs(runtime, org.id, 1, timeout=90)  # type: ignore[attr-defined]
        assert job.channel is Channel.FOLDER and job.status.is_final
        process = service["process"]
        assert isinstance(process, subprocess.Popen)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=90) == 0
        assert "started a Celery worker" in Path(str(service["log"])).read_text()
    finally:
        parts.close()
        import redis

        redis.Redis.from_url(redis_url).delete(queue)


@LINUX
@pytest.mark.timeout(240)
def test_up_serves_from_two_processes_whose_pools_run_uploads_and_mail_at_the_lowest_priority(
        tmp_path: Path) -> None:
    """`up --processes 2` with process pools: two serving processes on the port, each with
    its job worker below it at the lowest priority; an upload (taken by a serving process)
    and an email (taken by `up` itself, its job handed to them) both run to the end; SIGTERM
    stops every process with exit code 0."""
    parts = _up(tmp_path, PROMPT, processes=2, pool="process")
    service = next(parts)
    try:
        process, base = service["process"], str(service["base"])
        runtime, org = service["runtime"], service["org"]
        assert isinstance(process, subprocess.Popen) and isinstance(runtime, Runtime)
        assert listening(int(str(service["http_port"]))) == 2
        serving = spawned(process.pid)
        assert len(serving) == 2
        until(lambda: all(len(spawned(pid)) == 1 for pid in serving), 60,
               "each serving process has started its job worker")
        workers = [worker for pid in serving for worker in spawned(pid)]
        # OCR never takes a core from a request: the workers at niceness 19 (and SCHED_IDLE)
        own = os.nice(0)  # (the test run's own niceness: `nice pytest` raises every process's)
        assert [niceness(pid) for pid in [process.pid, *serving]] == [own, own, own]
        until(lambda: all(niceness(pid) == 19 for pid in workers), 30, "workers lowered")

        response = httpx.post(f"{base}/bills/upload", timeout=60,
                              headers={"Authorization": f"Bearer {service['key']}"},
                              files=[("files", ("up.xml", einvoice("RE-UP-1")[1],
                                                "application/xml"))])
        assert response.status_code == 202, response.text
        to = f"bills+acme@{DOMAIN}"
        with smtplib.SMTP("127.0.0.1", int(str(service["smtp_port"])), timeout=30) as client:
            client.sendmail("billing@nordwind.example", [to],
                            plain_message(to, einvoice("RE-UP-2")[0]))
        jobs = _jobs(runtime, org.id, 2, timeout=120)  # type: ignore[attr-defined]
        assert sorted(job.channel for job in jobs) == [Channel.EMAIL, Channel.UPLOAD]
        assert JobStatus.FAILED not in {job.status for job in jobs}

        everything = [*serving, *workers, *children(process.pid)]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=90) == 0
        until(lambda: not any(alive(pid) for pid in everything), 30, "every process stopped")
        assert "leaked" not in Path(str(service["log"])).read_text()  # each ended normally
    finally:
        parts.close()


@LINUX
@pytest.mark.timeout(240)
def test_up_killed_with_9_leaves_neither_serving_processes_nor_job_workers(
        tmp_path: Path) -> None:
    parts = _up(tmp_path, "", processes=2, pool="process")
    service = next(parts)
    try:
        process = service["process"]
        assert isinstance(process, subprocess.Popen)
        serving = spawned(process.pid)
        until(lambda: len(serving) == 2 and all(spawned(pid) for pid in serving), 60,
               "two serving processes, each with its job worker")
        everything = [*serving, *(w for pid in serving for w in spawned(pid)),
                      *children(process.pid)]  # (and the resource tracker)
        process.kill()  # no chance to stop anything itself
        process.wait()
        until(lambda: not any(alive(pid) for pid in everything)
               and listening(int(str(service["http_port"]))) == 0, 30,
               "the serving processes and their workers have exited, the port is free")
    finally:
        parts.close()
