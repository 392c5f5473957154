"""Received files' rows are written a group per transaction: files taken in at the same time
share a commit, a file whose content is already there (or earlier in the same group) links to
that job, and one file's error does not fail the others of its group."""

from __future__ import annotations

import fcntl
import os
import threading

from sqlalchemy.exc import IntegrityError

from billintake.bootstrap import Runtime
from billintake.domain.model import Channel, Document, IngestJob
from billintake.services import record as recording_module
from billintake.services.receive import receive
from billintake.services.record import Recording
from billintake.settings import Settings


def _recording(runtime: Runtime, organization_id: str, sha256: str) -> Recording:
    return Recording(runtime, Document(sha256=sha256, organization_id=organization_id,
                                       original_filename="a.pdf", media_type="application/pdf",
                                       size=1),
                     IngestJob(organization_id=organization_id, channel=Channel.UPLOAD,
                               document_sha256=sha256, original_filename="a.pdf"))


def test_files_received_at_once_are_all_recorded_and_the_same_file_links_to_one_job(
        runtime: Runtime) -> None:
    with runtime.directory() as directory:
        org, _key = directory.create_organization("Group")
    files = [b"%PDF-1.7 bill " + bytes([n]) for n in range(6)] + [b"%PDF-1.7 twice"] * 3
    results = {}
    start = threading.Barrier(len(files))

    def take(index: int, data: bytes) -> None:
        start.wait()
        results[index] = receive(runtime, org.id, data, filename=f"{index}.pdf",
                                 channel=Channel.UPLOAD)

    threads = [threading.Thread(target=take, args=pair) for pair in enumerate(files)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with runtime.repository(org.id) as repo:
        jobs = {job.id for job in repo.list_jobs()}
    assert {results[n].job.id for n in range(6)} <= jobs and len(jobs) == 7
    twice = [results[n] for n in range(6, 9)]
    assert len({r.job.id for r in twice}) == 1
    assert sorted(r.duplicate for r in twice) == [False, True, True]


def test_one_files_error_does_not_fail_the_others_of_its_group(runtime: Runtime) -> None:
    with runtime.directory() as directory:
        org, _key = directory.create_organization("Group")
    good = [_recording(runtime, org.id, c * 64) for c in "ab"]
    bad = _recording(runtime, "no-such-organization", "c" * 64)  # its foreign key fails
    group = [good[0], bad, good[1]]
    recording_module._write_group(group)
    assert all(r.done for r in group)
    assert [r.error for r in good] == [None, None] and [r.written for r in good] == [True] * 2
    assert isinstance(bad.error, IntegrityError) and not bad.written
    with runtime.repository(org.id) as repo:
        assert {job.document_sha256 for job in repo.list_jobs()} == {"a" * 64, "b" * 64}


def test_serving_processes_on_one_sqlite_file_write_in_turns_through_its_lock_file(
        runtime: Runtime) -> None:
    """With several serving processes, a write holds `<database>.write-lock` (0600), so one
    process waits for the other's write in the kernel, not in SQLite's sleeps; with one
    process there is no lock file."""
    with runtime.directory() as directory:
        org, _key = directory.create_organization("Turns")
    database = runtime.engine.url.database
    lock_file = f"{database}.write-lock"
    receive(runtime, org.id, b"%PDF-1.7 one process", filename="a.pdf", channel=Channel.UPLOAD)
    assert not os.path.exists(lock_file)

    several = Runtime.from_settings(Settings(_env_file=None, data_dir=runtime.settings.data_dir,
                                             serve_processes=2), migrate_db=False)
    held_while_writing = []
    write = recording_module._write

    def observed(group: list[Recording]) -> None:
        other = os.open(lock_file, os.O_RDWR)  # as another process would open it
        try:
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            held_while_writing.append(True)
        else:
            held_while_writing.append(False)
            fcntl.flock(other, fcntl.LOCK_UN)
        finally:
            os.close(other)
        write(group)

    recording_module._write = observed
    try:
        received = receive(several, org.id, b"%PDF-1.7 two processes", filename="b.pdf",
                           channel=Channel.UPLOAD)
    finally:
        recording_module._write = write
        several.close()
    assert held_while_writing == [True] and not received.duplicate
    assert os.stat(lock_file).st_mode & 0o777 == 0o600
