"""Booking jobs (pushes, payments) carry a lease as ingest jobs do: one that a dead process
left is taken again by a running process once its lease runs out, a live holder's is never
taken, and two processes never both run one."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from billintake.bootstrap import Runtime
from billintake.domain.model import BookingJob, BookingJobStatus
from billintake.entrypoints.api.app import create_app
from billintake.queue.booking import BookingRunner
from billintake.services.booking import submit_push
from billintake.settings import Settings
from billintake.storage import leases

LEASE = 1.5  # seconds: the runner's keeper looks every half second
DEAD = "booking:gone:1:dead"
BILL = {"vendor_name": "ACME Corp.", "bill_number": "INV-L1", "bill_date": "2024-03-01",
        "currency": "EUR", "total": "119.00", "tax": "19.00",
        "line_items": [{"description": "Paper", "amount": "100.00"}]}


def _runtime(tmp_path: Path) -> Runtime:
    return Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path / "data",
                                          job_lease_s=LEASE))


def _left_push(runtime: Runtime) -> BookingJob:
    """A push as a process killed mid-run leaves it: running, held by that process."""
    with runtime.directory() as directory:
        org, key = directory.create_organization("Leased Books", "leased")
    client = TestClient(create_app(runtime=runtime))  # (no lifespan: no runner of its own)
    client.headers["Authorization"] = f"Bearer {key}"
    bill = client.post("/bills", json=BILL).json()
    job = submit_push(runtime, org.id, bill["id"])
    with runtime.session() as session:
        assert leases.claim(session, job.id, DEAD, LEASE, kind=leases.BOOKING)
    with runtime.repository(org.id) as repo:
        job.status, job.attempts = BookingJobStatus.RUNNING, 1
        return repo.update_booking_job(job)


def _job(runtime: Runtime, job: BookingJob) -> BookingJob:
    with runtime.repository(job.organization_id) as repo:
        return repo.get_booking_job(job.id)


def test_a_booking_job_a_dead_process_left_is_taken_again_once_its_lease_runs_out(
        tmp_path: Path) -> None:
    runtime = _runtime(tmp_path)
    left = _left_push(runtime)
    runner = BookingRunner(runtime)
    try:
        # its holder still renews: it is alive, and its job is not stolen
        for _ in range(3):
            assert runner.resubmit_unfinished() == 0
            with runtime.session() as session:
                assert leases.renew(session, DEAD, LEASE, kind=leases.BOOKING) == 1
            time.sleep(LEASE / 2)
        assert _job(runtime, left).status is BookingJobStatus.RUNNING
        assert _job(runtime, left).attempts == 1
        # it stops renewing (it died): the runner's keeper takes the job by itself
        deadline = time.monotonic() + 10 * LEASE
        while not (job := _job(runtime, left)).status.is_final and time.monotonic() < deadline:
            time.sleep(0.1)
        assert job.status is BookingJobStatus.DONE, job.error
        assert job.attempts == 2 and job.result is not None and job.result["bill"]["pushed"]
        # the runner gives the lease up once the job's thread has ended (just after it is final)
        assert runner.wait_idle(timeout=10 * LEASE)
        with runtime.session() as session:
            assert leases.holder(session, left.id, kind=leases.BOOKING) == (None, None)
    finally:
        runner.close()
        runtime.close()


def test_two_runners_never_both_take_a_free_booking_job(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path)
    left = _left_push(runtime)
    with runtime.session() as session:
        leases.release(session, left.id, DEAD, kind=leases.BOOKING)  # free at once
    one, two = BookingRunner(runtime), BookingRunner(runtime)
    try:
        taken = one.resubmit_unfinished() + two.resubmit_unfinished()
        assert taken == 1
        assert one.wait_idle(30) and two.wait_idle(30)
        job = _job(runtime, left)
        assert job.status is BookingJobStatus.DONE and job.attempts == 2
    finally:
        one.close()
        two.close()
        runtime.close()


def test_a_booking_job_cut_off_too_often_ends_failed(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path)
    left = _left_push(runtime)
    with runtime.repository(left.organization_id) as repo:
        left.attempts = runtime.settings.job_max_attempts
        repo.update_booking_job(left)
    with runtime.session() as session:
        leases.release(session, left.id, DEAD, kind=leases.BOOKING)
    runner = BookingRunner(runtime)
    try:
        assert runner.resubmit_unfinished() == 1
        assert runner.wait_idle(30)
        job = _job(runtime, left)
        assert job.status is BookingJobStatus.FAILED and job.error_code == "worker_lost"
    finally:
        runner.close()
        runtime.close()
