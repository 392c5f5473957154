"""The received files' rows, written a group per transaction (group commit).

Every channel's files end in one short write: the document row and its job's. With 20 uploads
at once, each of them on its own thread took the one write lock of this process in turn (two
SQLite writers would wait on each other in sleeps), and its session, connection and commit
inside it, each step a wait for the interpreter's lock while the server was busy: that one
lock set the pace of every upload. Now the thread that gets the lock writes every row waiting
by then, its own and the others', in one transaction; the others find theirs done. A file
still returns only once its rows are committed.

Several serving processes on one SQLite file (`up`/`serve --processes N`: each is told N,
as is the parent of `up`, which writes what mail and the folder bring) also take turns through a
lock file beside the database: SQLite's own wait for its write lock sleeps and polls (1, 2, 5,
10 ms...), which made an upload wait up to 60 ms behind the other process's short write; a
lock file hands the turn over as soon as it is free.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from billintake.bootstrap import Runtime
from billintake.domain.model import Document, IngestJob
from billintake.storage.repository import Repository


@dataclass
class Recording:
    """One received file's rows to write, and then what became of them."""

    runtime: Runtime
    document: Document
    job: IngestJob
    held_by: tuple[str, datetime] | None = None
    existing: IngestJob | None = None  # set when the same content already had a job
    error: BaseException | None = None
    written: bool = False  # its rows are committed, or its content's job was found
    done: bool = False

    @property
    def organization_id(self) -> str:
        return self.job.organization_id


_waiting: list[Recording] = []
_waiting_lock = threading.Lock()
_write_lock = threading.Lock()  # one writer of this process at a time


def record(recording: Recording) -> Recording:
    """Write the file's rows (with any others waiting to be written), or find its content's
    job already there (`existing`); raises what the write raised."""
    with _waiting_lock:
        _waiting.append(recording)
    with _write_lock:
        if not recording.done:
            with _waiting_lock:
                group = [r for r in _waiting if r.runtime is recording.runtime]
                _waiting[:] = [r for r in _waiting if r.runtime is not recording.runtime]
            with _processes_take_turns(recording.runtime):
                _write_group(group)
    if recording.error is not None:
        raise recording.error
    return recording


_lock_files: dict[str, int] = {}  # database file -> its lock file, open for the process's life


@contextlib.contextmanager
def _processes_take_turns(runtime: Runtime) -> Iterator[None]:
    """With several serving processes on one SQLite file, hold its lock file (made 0600)
    while writing; otherwise nothing."""
    database = runtime.engine.url.database
    if ((runtime.settings.serve_processes or 1) <= 1 or runtime.engine.dialect.name != "sqlite"
            or not database or database == ":memory:"):
        yield
        return
    fd = _lock_files.get(database)
    if fd is None:
        fd = _lock_files[database] = os.open(f"{database}.write-lock",
                                             os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _write_group(group: list[Recording]) -> None:
    try:
        if len(group) == 1:
            _write_one(group[0])
            return
        try:
            _write(group)
        except Exception:
            # one file's error (e.g. another process recorded the same file just now) must
            # not fail the others: one transaction each
            for recording in group:
                try:
                    _write_one(recording)
                except Exception as exc:
                    recording.error = exc
    except Exception as exc:
        group[0].error = exc
    finally:
        for recording in group:
            if not recording.written and recording.error is None:
                recording.error = RuntimeError("the received file was not recorded")
            recording.done = True


def _write_one(recording: Recording) -> None:
    for attempt in range(3):
        try:
            _write([recording])
            return
        except IntegrityError:
            # Another process recorded the same file at this moment (the document row is
            # unique): look again, and this time find its job.
            if attempt == 2:
                raise


def _write(group: list[Recording]) -> None:
    """The group's rows in one transaction; a file whose content has a job links to it (one
    recorded earlier in the same group too)."""
    runtime = group[0].runtime
    recorded: dict[tuple[str, str], IngestJob] = {}
    with runtime.session() as session:
        for recording in group:
            recording.existing, recording.written = None, False
            key = (recording.organization_id, recording.document.sha256)
            repo = Repository(session, recording.organization_id, secrets=runtime.secrets)
            existing = recorded.get(key) or repo.find_job_by_document(key[1])
            if existing is not None:
                recording.existing = existing
                continue
            repo.add_received(recording.document, recording.job, held_by=recording.held_by)
            recorded[key] = recording.job
    for recording in group:  # committed
        recording.written = True
