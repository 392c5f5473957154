"""A folder channel receiving a scanner batch of two bills ends with one finished job per bill."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures_gen.intake_fixtures import make_org
from fixtures_gen.split_fixtures import concatenate

from billintake.bootstrap import Runtime
from billintake.domain.model import JobStatus
from billintake.entrypoints.intake.folder import FolderIntake
from billintake.queue.local import LocalDispatcher
from billintake.services.split import SPLIT_OF_HINT, job_pages
from billintake.settings import Settings

FIXTURES = Path(__file__).parents[2] / "fixtures" / "split"


@pytest.fixture
def folder_runtime(tmp_path: Path) -> Iterator[Runtime]:
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path / "data",
                                             local_pool="thread", local_workers=1))
    yield runtime
    runtime.close()


def test_a_batch_in_the_folder_becomes_a_finished_job_per_bill(folder_runtime: Runtime,
                                                               tmp_path: Path) -> None:
    org, _key = make_org(folder_runtime, known_sellers=False)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    batch, _ = concatenate([(FIXTURES / name).read_bytes() for name in
                            ("coolblue1.pdf", "zfcsharp-EXTENDED_Projektabschlussrechnung.pdf")])
    (inbox / "batch.pdf").write_bytes(batch)
    dispatcher = LocalDispatcher(folder_runtime)
    try:
        FolderIntake(folder_runtime, dispatcher, org.id, inbox).run_batch(timeout_s=60)
        dispatcher.resubmit_unfinished()  # what the keeper does every third of a lease
        assert dispatcher.wait_idle(timeout=60)
    finally:
        dispatcher.close()
    with folder_runtime.repository(org.id) as repo:
        jobs = sorted(repo.list_jobs(), key=lambda job: job.created_at)
    assert [job_pages(job) for job in jobs] == [(1, 1), (2, 3)]
    assert jobs[1].hints[SPLIT_OF_HINT] == jobs[0].id
    assert all(job.status.is_final and job.status is not JobStatus.FAILED for job in jobs)
