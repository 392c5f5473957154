"""Where booking jobs (pushes, payments) run: a few threads of the serving process.

They wait on the accounting system, not on the CPU, so threads suffice; they never run on the
request's thread. The jobs of one bill run one after another (a payment waits for the push
asked for before it). Jobs are rows first: `resubmit_unfinished` runs again, on start, those a
stopped process left queued or running (their writes are idempotent).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from billintake.bootstrap import Runtime
from billintake.services.booking import run_booking_job, unfinished_booking_jobs

log = logging.getLogger(__name__)

BOOKING_THREADS = 4


class BookingRunner:
    """Runs booking jobs in a small pool of threads; `submit` returns at once."""

    def __init__(self, runtime: Runtime, *, threads: int = BOOKING_THREADS) -> None:
        self.runtime = runtime
        self._executor = ThreadPoolExecutor(max_workers=threads,
                                            thread_name_prefix="billintake-booking")
        self._futures: set[Future[object]] = set()
        self._lock = threading.Lock()
        self._bill_locks: dict[str, threading.Lock] = {}

    def submit(self, organization_id: str, job_id: str) -> None:
        with self.runtime.repository(organization_id) as repo:
            job = repo.get_booking_job(job_id)
        subject = job.bill_id or str(job.request.get("job_id"))  # the bill, or the review job
        with self._lock:
            bill_lock = self._bill_locks.setdefault(subject, threading.Lock())
            future: Future[object] = self._executor.submit(
                self._run, bill_lock, organization_id, job_id)
            self._futures.add(future)
        future.add_done_callback(self._done)

    def _run(self, bill_lock: threading.Lock, organization_id: str, job_id: str) -> object:
        with bill_lock:
            return run_booking_job(self.runtime, organization_id, job_id)

    def _done(self, future: Future[object]) -> None:
        with self._lock:
            self._futures.discard(future)
        if future.exception() is not None:
            log.error("booking job crashed: %r", future.exception())

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every submitted job has finished; False on timeout."""
        with self._lock:
            pending = set(self._futures)
        return not wait(pending, timeout=timeout).not_done

    def resubmit_unfinished(self) -> int:
        pending = unfinished_booking_jobs(self.runtime)
        for organization_id, job_id in pending:
            self.submit(organization_id, job_id)
        return len(pending)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
