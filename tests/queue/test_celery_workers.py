"""Celery mode against the real Redis with real worker processes, one of them killed mid-job.

Each test uses its own queue name on Redis DB 15, so nothing clashes with other users.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures_gen.intake_fixtures import einvoice, make_org, wait_final

from billintake.bootstrap import Runtime
from billintake.domain.model import Channel, JobStatus
from billintake.queue import get_dispatcher
from billintake.queue.celery_app import CeleryDispatcher
from billintake.services.receive import receive
from billintake.settings import Settings

pytestmark = [pytest.mark.redis, pytest.mark.slow]

VISIBILITY_S = 6
BILLINTAKE = Path(sys.executable).parent / "billintake"
SLOW_WORKER = Path(__file__).parent / "slow_worker.py"


@pytest.fixture
def visibility_s() -> int:
    """How long a job stays unacknowledged before Redis hands it out again."""
    return VISIBILITY_S


@pytest.fixture
def lease_s() -> int:
    """A job's lease; the workers' sweep of unfinished jobs runs every third of it."""
    return 3  # a killed worker's job is free again soon


@pytest.fixture
def celery_env(tmp_path: Path, redis_url: str, visibility_s: int,
               lease_s: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILLINTAKE_")}
    env.update({
        "BILLINTAKE_DATA_DIR": str(tmp_path / "data"),
        "BILLINTAKE_QUEUE": "celery",
        "BILLINTAKE_REDIS_URL": redis_url,
        "BILLINTAKE_CELERY_QUEUE": f"billintake-test-{uuid.uuid4().hex[:10]}",
        "BILLINTAKE_CELERY_VISIBILITY_TIMEOUT_S": str(visibility_s),
        "BILLINTAKE_LOCAL_WORKERS": "1",
        "BILLINTAKE_JOB_LEASE_S": str(lease_s),
    })
    return env


@pytest.fixture
def celery_runtime(celery_env: dict[str, str]) -> Iterator[Runtime]:
    settings = Settings(_env_file=None, **{
        key.removeprefix("BILLINTAKE_").lower(): value for key, value in celery_env.items()
        if key.startswith("BILLINTAKE_")})
    runtime = Runtime.from_settings(settings)
    yield runtime
    runtime.close()
    import redis

    client = redis.Redis.from_url(settings.redis_url)
    client.delete(settings.celery_queue)


class Workers:
    """Worker processes started by a test, each in its own process group, all stopped after."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, command: list[str], name: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


@pytest.fixture
def workers(celery_env: dict[str, str], tmp_path: Path) -> Iterator[Workers]:
    started = Workers(celery_env, tmp_path)
    yield started
    started.stop_all()


def _wait_status(runtime: Runtime, org_id: str, job_id: str, status: JobStatus,
                 timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with runtime.repository(org_id) as repo:
            if repo.get_job(job_id).status is status:
                return
        time.sleep(0.1)
    raise TimeoutError(f"job never reached {status.value}")


# Each job runs once: no redelivery, however slow a loaded machine makes the workers.
@pytest.mark.parametrize("visibility_s", [600])
def test_two_workers_take_the_jobs_from_redis(celery_runtime: Runtime, workers: Workers,
                                              tmp_path: Path) -> None:
    org, _ = make_org(celery_runtime)
    for n in range(2):
        workers.start([str(BILLINTAKE), "worker", "--concurrency", "1"], f"worker-{n}")
    dispatcher = get_dispatcher(celery_runtime)
    assert isinstance(dispatcher, CeleryDispatcher)
    ids = []
    for n in range(6):
        received = receive(celery_runtime, org.id, einvoice(f"RE-C-{n}")[1],
                           filename=f"{n}.xml", channel=Channel.UPLOAD)
        dispatcher.submit(org.id, received.job.id)
        ids.append(received.job.id)
    jobs = wait_final(celery_runtime, org.id, ids, timeout_s=90)
    assert [j.status for j in jobs] == [JobStatus.PUSHED] * 6
    assert all(j.attempts == 1 for j in jobs)
    with celery_runtime.repository(org.id) as repo:
        assert sorted(b.bill_number for b in repo.list_bills()) == [
            f"RE-C-{n}" for n in range(6)]
    dispatcher.close()
    logs = [(tmp_path / f"worker-{n}.log").read_text() for n in range(2)]
    assert all("succeeded" in log for log in logs), "both workers should have run jobs"


def test_a_job_whose_worker_dies_mid_way_is_run_again_by_another(
        celery_runtime: Runtime, workers: Workers) -> None:
    org, _ = make_org(celery_runtime)
    doomed = workers.start([sys.executable, str(SLOW_WORKER)], "slow")
    dispatcher = CeleryDispatcher(celery_runtime.settings)
    received = receive(celery_runtime, org.id, einvoice("RE-K-1")[1], filename="k.xml",
                       channel=Channel.UPLOAD)
    dispatcher.submit(org.id, received.job.id)
    _wait_status(celery_runtime, org.id, received.job.id, JobStatus.READING)
    workers.kill(doomed)  # SIGKILL mid-job: the task was never acknowledged

    workers.start([str(BILLINTAKE), "worker", "--concurrency", "1"], "rescuer")
    [job] = wait_final(celery_runtime, org.id, [received.job.id], timeout_s=90)
    assert job.status is JobStatus.PUSHED and job.attempts == 2
    with celery_runtime.repository(org.id) as repo:
        [bill] = repo.list_bills()  # exactly one bill
    assert bill.id == job.bill_id and bill.bill_number == "RE-K-1"
    dispatcher.close()


@pytest.mark.parametrize(("visibility_s", "lease_s"), [(600, 900)])  # a sweep every 300 s
def test_the_bills_of_a_batch_go_to_the_broker_at_once(celery_runtime: Runtime,
                                                        workers: Workers) -> None:
    """The worker that splits a batch sends its other bills' jobs to Redis itself: the sweep
    (every 300 s here) never has to find them."""
    from fixtures_gen.split_fixtures import batch_jobs_final, batch_of_two

    org, _ = make_org(celery_runtime)
    workers.start([str(BILLINTAKE), "worker", "--concurrency", "1"], "worker")
    dispatcher = CeleryDispatcher(celery_runtime.settings, celery_runtime)
    received = receive(celery_runtime, org.id, batch_of_two(), filename="batch.pdf",
                       channel=Channel.UPLOAD)
    dispatcher.submit(org.id, received.job.id)
    jobs = batch_jobs_final(celery_runtime, org.id, received.job.id)
    assert len(jobs) == 2 and all(job.status is not JobStatus.FAILED for job in jobs)
    dispatcher.close()
