"""The in-process pool: jobs run beside the API, CLI or SMTP listener, bounded by a setting.

`local_pool=process` (default) runs each job in a pool of worker processes, so OCR and
extraction use every core and never stall the server; `thread` runs them in threads of this
process (lighter to start, for small setups and tests). At most `local_workers` jobs run at once.
Jobs are rows first: if this process stops, `resubmit_unfinished` picks them up again.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from typing import Any

from billintake.bootstrap import Runtime
from billintake.services.pipeline import DEFAULT_STAGES, Stages, run_job, unfinished_jobs
from billintake.settings import Settings

log = logging.getLogger(__name__)

WORKER_NICENESS = 5  # job processes yield the CPU to the server taking uploads and mail
_worker_runtime: Runtime | None = None


def _init_worker(settings_values: dict[str, Any]) -> None:
    """Start a worker process: lower its CPU priority (requests first), open the runtime."""
    global _worker_runtime
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)
    _worker_runtime = Runtime.from_settings(Settings(**settings_values), migrate_db=False)


def _run_in_worker(organization_id: str, job_id: str) -> str:
    assert _worker_runtime is not None, "worker process not initialised"
    return run_job(_worker_runtime, organization_id, job_id).status.value


class LocalDispatcher:
    """Runs jobs in a bounded pool of processes (or threads) of this machine."""

    def __init__(self, runtime: Runtime, *, stages: Stages = DEFAULT_STAGES,
                 mode: str | None = None, workers: int | None = None) -> None:
        self.runtime = runtime
        self.stages = stages
        self.mode = mode or runtime.settings.local_pool
        self.workers = max(1, workers or runtime.settings.local_workers)
        if self.mode == "process" and stages is not DEFAULT_STAGES:
            raise ValueError("custom stages run only in thread mode")
        self._executor: Executor | None = None
        self._futures: set[Future[str]] = set()
        self._lock = threading.Lock()

    def _pool(self) -> Executor:
        if self._executor is None:
            if self.mode == "process":
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init_worker,
                    initargs=(self.runtime.settings.model_dump(),))
            else:
                self._executor = ThreadPoolExecutor(max_workers=self.workers,
                                                    thread_name_prefix="billintake-job")
        return self._executor

    def submit(self, organization_id: str, job_id: str) -> None:
        with self._lock:
            if self.mode == "process":
                future = self._pool().submit(_run_in_worker, organization_id, job_id)
            else:
                future = self._pool().submit(self._run_here, organization_id, job_id)
            self._futures.add(future)
        future.add_done_callback(self._done)

    def _run_here(self, organization_id: str, job_id: str) -> str:
        return run_job(self.runtime, organization_id, job_id, self.stages).status.value

    def _done(self, future: Future[str]) -> None:
        with self._lock:
            self._futures.discard(future)
        if future.exception() is not None:  # run_job records failures itself; this is a crash
            log.error("job worker crashed: %r", future.exception())

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every submitted job has finished; False on timeout."""
        with self._lock:
            pending = set(self._futures)
        return not wait(pending, timeout=timeout).not_done

    def resubmit_unfinished(self) -> int:
        """Dispatch again the jobs a previous run left unfinished (e.g. after a restart)."""
        pending = unfinished_jobs(self.runtime)
        for organization_id, job_id in pending:
            self.submit(organization_id, job_id)
        return len(pending)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=False)
            self._executor = None
