"""Leases on unfinished jobs (SQLite and PostgreSQL), and what they are for: work a killed
process left is picked up again by any running process, without a manual command."""

from __future__ import annotations

import time
from pathlib import Path

from fixtures_gen.intake_fixtures import einvoice, make_org

from billintake.bootstrap import Runtime
from billintake.domain.model import Channel, JobStatus
from billintake.entrypoints.intake.folder import FolderIntake
from billintake.queue.local import LocalDispatcher
from billintake.services.pipeline import run_job
from billintake.services.receive import receive
from billintake.settings import Settings
from billintake.storage import leases

LEASE = 2.0  # seconds: wide enough for a slow machine's round trips


def test_a_job_is_held_by_one_process_until_its_lease_runs_out(any_db_runtime: Runtime
                                                                 ) -> None:
    runtime = any_db_runtime
    org = make_org(runtime, known_sellers=False)[0]
    job = receive(runtime, org.id, einvoice("RE-L-1")[1], filename="l.xml",
                  channel=Channel.UPLOAD).job
    with runtime.session() as session:
        assert leases.free_jobs(session) == [(org.id, job.id)]  # never taken
        assert leases.claim(session, job.id, "a", LEASE)
        assert not leases.claim(session, job.id, "b", 60)  # a holds it
        assert leases.claim(session, job.id, "a", LEASE)  # a again: still a's
        assert leases.free_jobs(session) == []
    time.sleep(0.6 * LEASE)
    with runtime.session() as session:
        assert leases.renew(session, "a", LEASE) == 1  # a lives: renewed
    time.sleep(0.6 * LEASE)  # past the first lease's end, within the renewed one
    with runtime.session() as session:
        assert not leases.claim(session, job.id, "b", 60)
    time.sleep(0.8 * LEASE)  # a stopped renewing (it died): the lease ran out
    with runtime.session() as session:
        assert leases.free_jobs(session) == [(org.id, job.id)]
        assert leases.claim(session, job.id, "b", 60)
        assert leases.holder(session, job.id)[0] == "b"
    run_job(runtime, org.id, job.id)  # final: nobody takes it again
    with runtime.session() as session:
        assert leases.free_jobs(session) == []
        assert not leases.claim(session, job.id, "c", 60)


def test_ingest_after_a_killed_ingest_finishes_every_file(tmp_path: Path) -> None:
    """As `billintake ingest` killed mid-run leaves it: files received, their jobs held by a
    process that is gone, one stopped mid-way. Ingesting again finishes them all."""
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path / "data",
                                             local_pool="thread", job_lease_s=1.0))
    org = make_org(runtime, known_sellers=False)[0]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in range(3):
        data = einvoice(f"RE-K-{n}")[1]
        (inbox / f"{n}.xml").write_bytes(data)
        job = receive(runtime, org.id, data, filename=f"{n}.xml", channel=Channel.FOLDER).job
        with runtime.session() as session:
            assert leases.claim(session, job.id, "local:gone:1:dead", 1.0)
        if n == 0:
            with runtime.repository(org.id) as repo:
                stopped = repo.get_job(job.id)
                stopped.status, stopped.attempts = JobStatus.EXTRACTING, 1
                repo.update_job(stopped)
    dispatcher = LocalDispatcher(runtime)
    try:
        summary = FolderIntake(runtime, dispatcher, org.id, inbox, poll_s=0.05).run_batch(
            timeout_s=30)
    finally:
        dispatcher.close()
    assert sorted(o.status.value for o in summary.outcomes) == ["needs_review"] * 3
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["0.xml", "1.xml", "2.xml"]
    runtime.close()


def test_a_job_whose_worker_is_lost_every_time_ends_failed(tmp_path: Path) -> None:
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path / "data",
                                             job_max_attempts=2))
    org = make_org(runtime, known_sellers=False)[0]
    job = receive(runtime, org.id, einvoice("RE-W-1")[1], filename="w.xml",
                  channel=Channel.UPLOAD).job
    with runtime.repository(org.id) as repo:  # two runs started, both lost with their worker
        lost = repo.get_job(job.id)
        lost.status, lost.attempts = JobStatus.READING, 2
        repo.update_job(lost)
    final = run_job(runtime, org.id, job.id)
    assert final.status is JobStatus.FAILED and final.error_code == "worker_lost"
    runtime.close()
