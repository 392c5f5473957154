"""The in-process pool: jobs run beside the API, CLI or SMTP listener, bounded by a setting.

`local_pool=process` (default) runs each job in a pool of worker processes, so OCR and
extraction use every core and never stall the server; `thread` runs them in threads of this
process (lighter to start, for small setups and tests). At most `local_workers` jobs run at once.
Jobs are rows first, and each job this dispatcher takes is held by a lease (storage.leases)
that it renews while it lives: queued here or running in a worker. A keeper thread renews them
and takes every job whose lease ran out (a process killed mid-way, a worker lost), so work a
crash left unfinished is picked up again without anyone's help.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
from concurrent.futures import (
    CancelledError,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from billintake.bootstrap import Runtime
from billintake.queue.free import submit_free_jobs
from billintake.queue.handoff import Handoff
from billintake.queue.lease import LeaseKeeper, lease_owner
from billintake.queue.worker_process import (
    become_worker,
    lower_priority,
    lower_thread_priority,
)
from billintake.services.pipeline import DEFAULT_STAGES, Stages, run_job
from billintake.settings import Settings
from billintake.storage import leases

log = logging.getLogger(__name__)

_worker_runtime: Runtime | None = None


# a worker process's dispatcher: the jobs a job makes (the bills of a file holding several)
# go back to the parent's dispatcher at once, through a queue it reads
_worker_handoff: Handoff | None = None


def _init_worker(settings_values: dict[str, Any], parent_pid: int, handoff: Any) -> None:
    """Start a worker process: the lowest CPU priority (requests first), exit with the
    parent, open the runtime."""
    global _worker_runtime, _worker_handoff
    become_worker(parent_pid)
    _worker_runtime = Runtime.from_settings(Settings(**settings_values), migrate_db=False)
    _worker_handoff = Handoff(handoff)


def _ready() -> None:
    """A job that does nothing: submitted to start the worker processes."""


def _run_in_worker(organization_id: str, job_id: str, owner: str) -> str:
    assert _worker_runtime is not None, "worker process not initialised"
    return _run_and_release(_worker_runtime, organization_id, job_id, owner,
                            dispatcher=_worker_handoff)


def _run_and_release(runtime: Runtime, organization_id: str, job_id: str, owner: str, *,
                     stages: Stages = DEFAULT_STAGES, dispatcher: Any = None) -> str:
    """Run the job, then give up its lease here, in the worker (its last write): the parent,
    which serves requests, writes nothing when a job ends."""
    try:
        return run_job(runtime, organization_id, job_id, stages,
                       dispatcher=dispatcher).status.value
    finally:
        with contextlib.suppress(Exception), runtime.session() as session:
            leases.release(session, job_id, owner)


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
        self.owner = lease_owner()
        self.lease_s = runtime.settings.job_lease_s
        self._executor: Executor | None = None
        self._futures: dict[Future[str], tuple[str, str]] = {}
        self._queued: set[str] = set()  # the job ids of `_futures`
        self._lock = threading.Lock()
        self._keeper = LeaseKeeper(runtime, self.owner, self.lease_s, in_hand=self._in_hand,
                                   take_free=self.resubmit_unfinished)
        self._lowered: set[int] = set()  # worker processes already at the lowest priority
        self._handoff: Any = None  # jobs the worker processes made, to be taken here
        self._forwarder: threading.Thread | None = None
        self._closing = False  # `close` begun: no job is taken any more

    def _pool(self) -> Executor:
        if self._executor is None:
            if self.mode == "process":
                context = multiprocessing.get_context("spawn")
                if self._handoff is None:
                    self._handoff = context.Queue()
                    self._forwarder = threading.Thread(target=self._forward, daemon=True,
                                                       name="billintake-handoff")
                    self._forwarder.start()
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=context, initializer=_init_worker,
                    initargs=(self.runtime.settings.model_dump(), os.getpid(), self._handoff))
            else:
                self._executor = ThreadPoolExecutor(max_workers=self.workers,
                                                    thread_name_prefix="billintake-job",
                                                    initializer=lower_thread_priority)
        return self._executor

    def start(self) -> None:
        """Start the pool and its worker processes now (they import the pipeline and load the
        models at the lowest priority), not on the first job: a serving process does so at its
        start, so its first requests do not wait while the pool starts."""
        self._keeper.start()
        with self._lock:
            pool = self._pool()
            if self.mode == "process":
                for _ in range(self.workers):  # each submit while none is idle starts one
                    pool.submit(_ready)
                self._lower_new_workers()

    def submit(self, organization_id: str, job_id: str, *, held: bool = False) -> None:
        """Take the job (its lease, unless `held` already) and queue it; a job another live
        process holds, or one already final, is left alone."""
        self._keeper.start()  # (also to take the job once a dead holder's lease runs out)
        with self._lock:
            if job_id in self._queued:
                return  # queued here already (e.g. the same file received again)
            closing = self._closing
        if closing:  # stopping: the job is left for the next start (or a live process)
            if held:
                self._give_up(job_id)
            return
        if not held:
            with self.runtime.session() as session:
                if not leases.claim(session, job_id, self.owner, self.lease_s):
                    log.info("job %s is held by another process or final; not taken", job_id)
                    return
        with self._lock:  # checked where the pool is used: `close` cannot come between
            closing = self._closing
            if not closing:
                if self.mode == "process":
                    future = self._pool().submit(_run_in_worker, organization_id, job_id,
                                                 self.owner)
                    self._lower_new_workers()
                else:
                    future = self._pool().submit(self._run_here, organization_id, job_id)
                self._futures[future] = (organization_id, job_id)
                self._queued.add(job_id)
        if closing:  # began to stop meanwhile: the job is not ours to run
            self._give_up(job_id)
            return
        future.add_done_callback(self._done)

    def _lower_new_workers(self) -> None:
        """Lower a worker process's priority as soon as it exists: its start (importing the
        pipeline, loading models) must not compete with requests either."""
        for pid in list(getattr(self._executor, "_processes", None) or {}):
            if pid not in self._lowered:
                lower_priority(pid)
                self._lowered.add(pid)

    def _run_here(self, organization_id: str, job_id: str) -> str:
        return _run_and_release(self.runtime, organization_id, job_id, self.owner,
                                stages=self.stages, dispatcher=self)

    def _forward(self) -> None:
        """Take the jobs the worker processes hand back (until closed)."""
        while True:
            handed = self._handoff.get()
            if handed is None:
                return
            try:
                self.submit(*handed)
            except Exception:  # the database away for a moment: the keeper takes it later
                log.exception("could not take job %s handed back by a worker", handed[1])

    def _done(self, future: Future[str]) -> None:
        with self._lock:
            _organization_id, job_id = self._futures.pop(future, ("", ""))
            self._queued.discard(job_id)
            crashed = CancelledError() if future.cancelled() else future.exception()
            if isinstance(crashed, BrokenProcessPool) and self._executor is not None:
                # a worker process died (killed, out of memory): the pool is unusable; a new
                # one is made for the next job, and the lost jobs are taken again below
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
        if crashed is None:
            return  # the worker gave the lease up itself (its run's last write)
        # run_job records failures itself; this is a lost worker, or a job not started when
        # the dispatcher stopped: its lease is given up here, so a live process (or this
        # one's next start) takes the job again.
        if future.cancelled():
            log.info("job %s: not started before the stop; left for the next start", job_id)
        else:
            log.error("job %s: worker lost: %r", job_id, crashed)
        self._give_up(job_id)

    def _give_up(self, job_id: str) -> None:
        """Release the job's lease (a database away for a moment: it runs out instead)."""
        with contextlib.suppress(Exception), self.runtime.session() as session:
            leases.release(session, job_id, self.owner)

    def _in_hand(self) -> set[str]:
        with self._lock:
            return {job_id for _org, job_id in self._futures.values()}

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every submitted job has finished; False on timeout."""
        with self._lock:
            pending = set(self._futures)
        return not wait(pending, timeout=timeout).not_done

    def resubmit_unfinished(self) -> int:
        """Take the unfinished jobs nobody holds (never taken, or their process died); from
        now on the keeper does so every third of a lease."""
        self._keeper.start()
        return submit_free_jobs(self.runtime, self)

    def close(self) -> None:
        """Stop: the jobs running finish, their leases renewed meanwhile; the jobs queued and
        not started are given up (their leases released), so another process takes them at
        once, or this one's next start does. (Waiting for the backlog held a stop, Ctrl-C or
        a deploy, for as long as the backlog took, and let the waiting jobs' leases run out
        while they were still queued here, for another process to take and run twice.)"""
        with self._lock:
            self._closing = True
            executor = self._executor
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        self._keeper.stop()
        with self._lock:
            self._executor = None
        if self._forwarder is not None:
            self._handoff.put(None)
            self._forwarder.join(timeout=10)
            self._handoff.close()
            self._forwarder = self._handoff = None
