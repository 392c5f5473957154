"""Folder intake: every bill file in a directory becomes a job; watch mode keeps taking new ones.

A file is taken once it is fully written (its size and modification time unchanged for
`settle_s`). When its job is final the file moves to `done/` (pushed or waiting for review)
or to `failed/` with `<name>.error.txt` beside it saying why. The same content seen again links
to its first job, so running over the same files twice books nothing twice.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from billintake.bootstrap import Runtime
from billintake.domain.model import Channel, IngestJob, JobStatus
from billintake.queue import Dispatcher
from billintake.services.receive import accept_file

log = logging.getLogger(__name__)

BILL_EXTENSIONS = frozenset({".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".xml"})
DONE_DIR, FAILED_DIR = "done", "failed"
_PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", "~")


def is_bill_file(path: Path) -> bool:
    """A visible, finished-looking file with a bill extension (content is checked later)."""
    name = path.name
    return (not name.startswith(".") and not name.lower().endswith(_PARTIAL_SUFFIXES)
            and path.suffix.lower() in BILL_EXTENSIONS)


def bill_files(directory: Path) -> list[Path]:
    """The bill files directly in `directory` (not in done/ or failed/), by name."""
    return sorted(p for p in directory.iterdir() if p.is_file() and is_bill_file(p))


@dataclass
class FileOutcome:
    """What became of one file."""

    source: Path
    job: IngestJob
    duplicate: bool
    moved_to: Path | None = None

    @property
    def status(self) -> JobStatus:
        return self.job.status


@dataclass
class Summary:
    outcomes: list[FileOutcome] = field(default_factory=list)

    def count(self, status: JobStatus) -> int:
        return sum(1 for o in self.outcomes if o.status is status)

    @property
    def duplicates(self) -> int:
        return sum(1 for o in self.outcomes if o.duplicate)

    @property
    def failed(self) -> int:
        return self.count(JobStatus.FAILED)


@dataclass
class _Pending:
    source: Path
    job_id: str
    duplicate: bool


class FolderIntake:
    """Takes the files of one directory in for one organization."""

    def __init__(self, runtime: Runtime, dispatcher: Dispatcher, organization_id: str,
                 directory: Path, *, poll_s: float = 0.2) -> None:
        self.runtime = runtime
        self.dispatcher = dispatcher
        self.organization_id = organization_id
        self.directory = Path(directory)
        self.poll_s = poll_s
        for sub in (DONE_DIR, FAILED_DIR):
            (self.directory / sub).mkdir(parents=True, exist_ok=True)

    # -- one file ------------------------------------------------------------------------
    def submit(self, path: Path) -> _Pending:
        data = path.read_bytes()
        received = accept_file(self.runtime, self.dispatcher, self.organization_id, data,
                               filename=path.name, channel=Channel.FOLDER,
                               hints={"folder_path": str(path)})
        return _Pending(source=path, job_id=received.job.id, duplicate=received.duplicate)

    def job(self, job_id: str) -> IngestJob:
        with self.runtime.repository(self.organization_id) as repo:
            return repo.get_job(job_id)

    def settle(self, pending: _Pending, job: IngestJob) -> FileOutcome:
        """Move a file whose job is final to done/ or failed/ (with its error beside it)."""
        if job.status is JobStatus.FAILED:
            target = _free_name(self.directory / FAILED_DIR, pending.source.name)
            note = target.with_name(target.name + ".error.txt")
            note.write_text(f"{job.error_code or 'error'}: {job.error or 'unknown error'}\n"
                            f"job: {job.id}\n", encoding="utf-8")
        else:
            target = _free_name(self.directory / DONE_DIR, pending.source.name)
        pending.source.replace(target)
        return FileOutcome(source=pending.source, job=job, duplicate=pending.duplicate,
                           moved_to=target)

    # -- a batch -------------------------------------------------------------------------
    def run_batch(self, paths: list[Path] | None = None, *,
                  on_done: Callable[[FileOutcome], None] | None = None,
                  timeout_s: float | None = None) -> Summary:
        """Submit every file, wait for every job to be final, move the files; the summary."""
        paths = bill_files(self.directory) if paths is None else paths
        pending = [self.submit(path) for path in paths]
        summary = Summary()
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while pending:
            pending = self._settle_final(pending, summary, on_done)
            if pending:
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"{len(pending)} jobs did not finish in time")
                time.sleep(self.poll_s)
        return summary

    def _settle_final(self, pending: list[_Pending], summary: Summary,
                      on_done: Callable[[FileOutcome], None] | None) -> list[_Pending]:
        """Settle the jobs that are final (into `summary`, and `on_done`); the others."""
        still: list[_Pending] = []
        for item in pending:
            job = self.job(item.job_id)
            if job.status.is_final:
                outcome = self.settle(item, job)
                summary.outcomes.append(outcome)
                if on_done:
                    on_done(outcome)
            else:
                still.append(item)
        return still

    # -- watching ------------------------------------------------------------------------
    def watch(self, stop: threading.Event, *, settle_s: float = 1.0,
              on_done: Callable[[FileOutcome], None] | None = None) -> Summary:
        """Take files in as they appear (once fully written) until `stop` is set."""
        seen: queue.Queue[Path] = queue.Queue()
        for path in bill_files(self.directory):
            seen.put(path)
        observer = Observer()
        observer.schedule(_Feed(self.directory, seen), str(self.directory), recursive=False)
        observer.start()
        summary = Summary()
        settling: dict[Path, tuple[int, int, float]] = {}  # path → size, mtime, since
        pending: list[_Pending] = []
        taken: set[Path] = set()
        try:
            while not stop.is_set():
                while True:
                    try:
                        path = seen.get_nowait()
                    except queue.Empty:
                        break
                    if path not in taken:
                        settling.setdefault(path, (-1, -1, time.monotonic()))
                for path in _stable(settling, settle_s):
                    taken.add(path)
                    try:
                        pending.append(self.submit(path))
                    except OSError as exc:  # vanished or unreadable: not ours to take
                        log.warning("cannot take %s: %s", path.name, exc)
                        taken.discard(path)
                still = self._settle_final(pending, summary, on_done)
                taken.difference_update(item.source for item in pending if item not in still)
                pending = still
                stop.wait(self.poll_s)
        finally:
            observer.stop()
            observer.join(timeout=5)
        return summary


def _stable(settling: dict[Path, tuple[int, int, float]], settle_s: float) -> list[Path]:
    """Files whose size and mtime have not changed for `settle_s`; forget vanished ones."""
    ready: list[Path] = []
    now = time.monotonic()
    for path, (size, mtime, since) in list(settling.items()):
        try:
            stat = path.stat()
        except FileNotFoundError:
            del settling[path]
            continue
        current = (stat.st_size, stat.st_mtime_ns)
        if current != (size, mtime):
            settling[path] = (*current, now)
        elif stat.st_size > 0 and now - since >= settle_s:
            del settling[path]
            ready.append(path)
    return ready


class _Feed(FileSystemEventHandler):
    """Forwards created, modified and moved-in bill files of the watched directory."""

    def __init__(self, directory: Path, seen: queue.Queue[Path]) -> None:
        self.directory = directory.resolve()
        self.seen = seen

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type not in {"created", "modified", "moved",
                                                          "closed"}:
            return
        raw = getattr(event, "dest_path", "") or event.src_path
        path = Path(raw.decode() if isinstance(raw, bytes) else raw)
        if path.parent.resolve() == self.directory and is_bill_file(path):
            self.seen.put(path)


def _free_name(directory: Path, name: str) -> Path:
    """`directory/name`, or `name-2`, `name-3`... if taken."""
    target = directory / name
    stem, suffix = Path(name).stem, Path(name).suffix
    counter = 2
    while target.exists():
        target = directory / f"{stem}-{counter}{suffix}"
        counter += 1
    return target
