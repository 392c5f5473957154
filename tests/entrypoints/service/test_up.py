"""`billintake up` in a subprocess: one process serves HTTP, takes mail, watches a folder."""

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

from billintake.bootstrap import Runtime
from billintake.domain.model import Channel
from billintake.settings import Settings

pytestmark = pytest.mark.slow
DOMAIN = "billintake.localhost"


@pytest.fixture
def service(tmp_path: Path) -> Iterator[dict[str, object]]:
    yield from _up(tmp_path, "")


def _up(tmp_path: Path, extra_config: str) -> Iterator[dict[str, object]]:
    data, inbox = tmp_path / "data", tmp_path / "inbox"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILLINTAKE_")}
    http_port, smtp_port = free_port(), free_port()
    # the settings come from a config file named by BILLINTAKE_CONFIG, as a user would keep them
    config = tmp_path / "billintake.env"
    config.write_text(f"BILLINTAKE_DATA_DIR={data}\nBILLINTAKE_SMTP_PORT={smtp_port}\n"
                      f"BILLINTAKE_INTAKE_FOLDER={inbox}\nBILLINTAKE_LOCAL_POOL=thread\n"
                      f"BILLINTAKE_LOCAL_WORKERS=1\nBILLINTAKE_INTAKE_DOMAIN={DOMAIN}\n"
                      + extra_config)
    env.update(BILLINTAKE_CONFIG=str(config), HOME=str(tmp_path))
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=data))
    org, _key = make_org(runtime, "acme")
    log = (tmp_path / "up.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "billintake.entrypoints.cli", "up", "--port", str(http_port)],
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
               "org": org, "process": process, "log": tmp_path / "up.log"}
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
