"""The in-process pool: jobs run in worker processes (or threads), bounded, and survive restarts."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from fixtures_gen.intake_fixtures import einvoice, make_org, wait_final

from billintake.bootstrap import Runtime
from billintake.domain.model import Channel, JobStatus
from billintake.queue import get_dispatcher
from billintake.queue.local import LocalDispatcher
from billintake.services.pipeline import DEFAULT_STAGES, Readout
from billintake.services.receive import receive
from billintake.settings import Settings


def _runtime(tmp_path: Path, **overrides: object) -> Runtime:
    return Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path / "data",
                                          **overrides))  # type: ignore[arg-type]


def _submit_uploads(runtime: Runtime, dispatcher: LocalDispatcher, organization_id: str,
                    prefix: str, count: int) -> list[str]:
    """`count` e-invoices uploaded and handed to `dispatcher`; their job ids in order."""
    ids = []
    for n in range(count):
        received = receive(runtime, organization_id, einvoice(f"{prefix}-{n}")[1],
                           filename=f"{n}.xml", channel=Channel.UPLOAD)
        dispatcher.submit(organization_id, received.job.id)
        ids.append(received.job.id)
    return ids


@pytest.mark.slow
def test_process_pool_runs_jobs_to_the_end(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path, local_workers=2)
    org, _ = make_org(runtime, known_sellers=False)
    dispatcher = get_dispatcher(runtime)
    assert isinstance(dispatcher, LocalDispatcher) and dispatcher.mode == "process"
    ids = []
    for n in range(3):
        received = receive(runtime, org.id, einvoice(f"RE-P-{n}")[1], filename=f"{n}.xml",
                           channel=Channel.UPLOAD)
        dispatcher.submit(org.id, received.job.id)
        ids.append(received.job.id)
    assert dispatcher.wait_idle(timeout=120)
    jobs = wait_final(runtime, org.id, ids, timeout_s=5)
    assert [j.status for j in jobs] == [JobStatus.NEEDS_REVIEW] * 3
    bills = [j.outcome.bill for j in jobs if j.outcome and j.outcome.bill]
    assert [bill.value("bill_number") for bill in bills] == ["RE-P-0", "RE-P-1", "RE-P-2"]
    dispatcher.close()
    runtime.close()


def test_at_most_local_workers_jobs_run_at_once(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path, local_workers=2, local_pool="thread")
    org, _ = make_org(runtime, known_sellers=False)
    running, peak, lock = [0], [0], threading.Lock()

    def read(data: bytes, media_type: str, xml: bytes | None, settings: Settings) -> Readout:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.2)
        with lock:
            running[0] -= 1
        return DEFAULT_STAGES.read(data, media_type, xml, settings)

    dispatcher = LocalDispatcher(runtime, stages=replace(DEFAULT_STAGES, read=read))
    ids = _submit_uploads(runtime, dispatcher, org.id, "RE-B", 6)
    assert dispatcher.wait_idle(timeout=60)
    assert peak[0] == 2
    assert all(j.status.is_final for j in wait_final(runtime, org.id, ids, timeout_s=5))
    dispatcher.close()
    runtime.close()


def test_jobs_left_unfinished_by_a_stopped_process_are_picked_up_again(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path, local_pool="thread")
    org, _ = make_org(runtime, known_sellers=False)
    queued = receive(runtime, org.id, einvoice("RE-U-1")[1], filename="q.xml",
                     channel=Channel.UPLOAD)
    interrupted = receive(runtime, org.id, einvoice("RE-U-2")[1], filename="r.xml",
                          channel=Channel.UPLOAD)
    with runtime.repository(org.id) as repo:  # as a process killed mid-way leaves it
        job = repo.get_job(interrupted.job.id)
        job.status, job.attempts = JobStatus.EXTRACTING, 1
        repo.update_job(job)

    dispatcher = LocalDispatcher(runtime)
    assert dispatcher.resubmit_unfinished() == 2
    jobs = wait_final(runtime, org.id, [queued.job.id, interrupted.job.id])
    assert [j.status for j in jobs] == [JobStatus.NEEDS_REVIEW] * 2
    assert jobs[1].attempts == 2
    dispatcher.close()
    runtime.close()


def test_a_stop_lets_the_running_job_finish_and_leaves_the_queued_ones(tmp_path: Path
                                                                      ) -> None:
    """Stopping with a backlog does not wait for it: the job running ends, the ones queued
    behind it are given up at once (no lease held, so a live process takes them now) and
    run at the next start."""
    from billintake.storage import leases

    runtime = _runtime(tmp_path, local_workers=1, local_pool="thread")
    org, _ = make_org(runtime, known_sellers=False)
    started = threading.Event()

    def read(data: bytes, media_type: str, xml: bytes | None, settings: Settings) -> Readout:
        started.set()
        time.sleep(1.0)
        return DEFAULT_STAGES.read(data, media_type, xml, settings)

    dispatcher = LocalDispatcher(runtime, stages=replace(DEFAULT_STAGES, read=read))
    ids = _submit_uploads(runtime, dispatcher, org.id, "RE-S", 4)
    assert started.wait(30)
    begun = time.monotonic()
    dispatcher.close()
    assert time.monotonic() - begun < 2.5  # the running job's second, not the backlog's four
    with runtime.repository(org.id) as repo:
        statuses = [repo.get_job(job_id).status for job_id in ids]
    assert statuses[0] is JobStatus.NEEDS_REVIEW
    assert not any(status.is_final for status in statuses[1:])
    with runtime.session() as session:
        assert sorted(job for _, job in leases.free_jobs(session)) == sorted(ids[1:])
    dispatcher.submit(org.id, ids[1])  # stopped: takes nothing more
    with runtime.session() as session:  # and gives back a job handed to it already held
        assert leases.claim(session, ids[2], dispatcher.owner, 60)
    dispatcher.submit(org.id, ids[2], held=True)
    with runtime.session() as session:
        assert len(leases.free_jobs(session)) == 3

    again = LocalDispatcher(runtime)  # the next start
    assert again.resubmit_unfinished() == 3
    jobs = wait_final(runtime, org.id, ids[1:])
    assert [j.status for j in jobs] == [JobStatus.NEEDS_REVIEW] * 3
    again.close()
    runtime.close()


def test_a_job_that_cannot_be_queued_is_kept_and_requeued_later(tmp_path: Path) -> None:
    """Redis down at upload time: the job is stored and stays queued; requeue runs it."""
    from fixtures_gen.intake_fixtures import free_port

    from billintake.queue.celery_app import CeleryDispatcher
    from billintake.services.pipeline import unfinished_jobs
    from billintake.services.receive import accept_file

    runtime = _runtime(tmp_path, local_pool="thread")
    org, _ = make_org(runtime, known_sellers=False)
    dead = CeleryDispatcher(runtime.settings.model_copy(
        update={"redis_url": f"redis://127.0.0.1:{free_port()}/15"}))
    received = accept_file(runtime, dead, org.id, einvoice("RE-Q-1")[1], filename="q.xml",
                           channel=Channel.UPLOAD)
    assert received.job.status is JobStatus.QUEUED
    assert runtime.originals.exists(received.job.document_sha256)
    assert unfinished_jobs(runtime) == [(org.id, received.job.id)]

    dispatcher = LocalDispatcher(runtime)
    assert dispatcher.resubmit_unfinished() == 1
    [job] = wait_final(runtime, org.id, [received.job.id])
    assert job.status is JobStatus.NEEDS_REVIEW
    dispatcher.close()
    runtime.close()
