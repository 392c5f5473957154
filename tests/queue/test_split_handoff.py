"""The jobs a scanner batch is split into are handed to the queue at once by the job that
split it (in threads, in worker processes and in Celery workers), not left for the sweep of
unfinished jobs: here the sweep comes only after minutes, and every bill is done well before."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fixtures_gen.intake_fixtures import make_org
from fixtures_gen.split_fixtures import batch_jobs_final, batch_of_two

from billintake.bootstrap import Runtime
from billintake.domain.model import Channel, JobStatus
from billintake.queue.local import LocalDispatcher
from billintake.services.receive import receive
from billintake.services.split import job_pages
from billintake.settings import Settings

LEASE_S = 900  # the keeper's sweep runs every third of it: not within this test


@pytest.mark.parametrize("mode", ["thread", pytest.param("process", marks=pytest.mark.slow)])
def test_the_bills_of_a_batch_are_taken_at_once(tmp_path: Path, mode: str) -> None:
    runtime = Runtime.from_settings(Settings(
        _env_file=None, data_dir=tmp_path / "data", local_workers=2, local_pool=mode,
        job_lease_s=LEASE_S))
    org, _ = make_org(runtime)
    dispatcher = LocalDispatcher(runtime)
    try:
        received = receive(runtime, org.id, batch_of_two(), filename="batch.pdf",
                           channel=Channel.UPLOAD)
        started = time.monotonic()
        dispatcher.submit(org.id, received.job.id)
        jobs = batch_jobs_final(runtime, org.id, received.job.id)
        assert time.monotonic() - started < LEASE_S / 3
    finally:
        dispatcher.close()
        runtime.close()
    assert sorted(job_pages(job) for job in jobs) == [(1, 1), (2, 4)]  # type: ignore[type-var]
    assert all(job.status is not JobStatus.FAILED for job in jobs), [j.error for j in jobs]
    assert all(job.attempts == 1 for job in jobs)
