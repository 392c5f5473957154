"""Where booking jobs (pushes, payments) run: a few threads of the serving process.

They wait on the accounting system, not on the CPU, so threads suffice; they never run on the
request's thread. The jobs of one bill run one after another (a payment waits for the push
asked for before it). Jobs are rows first, and each job taken here is held by a lease
(storage.leases, as ingest jobs are) renewed while this process lives: a keeper thread renews
them and takes every booking job nobody holds — left queued or running by a process that died,
once its lease has run out — so such a job runs again without anyone's help (its writes are
idempotent), and never in two processes at once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from billintake.bootstrap import Runtime
from billintake.queue.lease import LeaseKeeper, lease_owner
from billintake.services.booking import run_booking_job
from billintake.storage import leases

log = logging.getLogger(__name__)

BOOKING_THREADS = 4


class BookingRunner:
    """Runs booking jobs in a small pool of threads; `submit` returns at once."""

    def __init__(self, runtime: Runtime, *, threads: int = BOOKING_THREADS) -> None:
        self.runtime = runtime
        self.owner = lease_owner("booking")
        self.lease_s = runtime.settings.job_lease_s
        self._executor = ThreadPoolExecutor(max_workers=threads,
                                            thread_name_prefix="billintake-booking")
        self._futures: dict[Future[object], str] = {}
        self._lock = threading.Lock()
        self._bill_locks: dict[str, threading.Lock] = {}
        self._keeper = LeaseKeeper(runtime, self.owner, self.lease_s, kind=leases.BOOKING,
                                   in_hand=self._in_hand, take_free=self.resubmit_unfinished,
                                   name="billintake-booking-leases")

    def submit(self, organization_id: str, job_id: str) -> bool:
        """Take the job (its lease) and queue it; False, and nothing queued, when another
        live process holds it, it is final, or it is queued here already."""
        self._keeper.start()
        with self._lock:
            if job_id in self._futures.values():
                return False
        with self.runtime.session() as session:
            if not leases.claim(session, job_id, self.owner, self.lease_s,
                                kind=leases.BOOKING):
                return False
        with self.runtime.repository(organization_id) as repo:
            job = repo.get_booking_job(job_id)
        subject = job.bill_id or str(job.request.get("job_id"))  # the bill, or the review job
        with self._lock:
            bill_lock = self._bill_locks.setdefault(subject, threading.Lock())
            future: Future[object] = self._executor.submit(
                self._run, bill_lock, organization_id, job_id)
            self._futures[future] = job_id
        future.add_done_callback(self._done)
        return True

    def _run(self, bill_lock: threading.Lock, organization_id: str, job_id: str) -> object:
        try:
            with bill_lock:
                return run_booking_job(self.runtime, organization_id, job_id)
        finally:  # given up before the job counts as done here (`wait_idle`)
            self._release(job_id)

    def _done(self, future: Future[object]) -> None:
        with self._lock:
            job_id = self._futures.pop(future, "")
        if future.cancelled():  # never ran: free for the next round
            self._release(job_id)
        elif future.exception() is not None:
            log.error("booking job crashed: %r", future.exception())

    def _release(self, job_id: str) -> None:
        """Final: no lease needed; unfinished (crashed, cancelled): free for the next round."""
        with contextlib.suppress(Exception), self.runtime.session() as session:
            leases.release(session, job_id, self.owner, kind=leases.BOOKING)

    # -- leases ----------------------------------------------------------------------------
    def _in_hand(self) -> set[str]:
        with self._lock:
            return set(self._futures.values())

    def resubmit_unfinished(self) -> int:
        """Take the unfinished booking jobs nobody holds (never taken, or their process
        died); how many were taken. From now on the keeper does so every third of a lease."""
        self._keeper.start()
        with self.runtime.session() as session:
            free = leases.free_jobs(session, kind=leases.BOOKING)
        return sum(self.submit(organization_id, job_id) for organization_id, job_id in free)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every submitted job has finished; False on timeout."""
        with self._lock:
            pending = set(self._futures)
        return not wait(pending, timeout=timeout).not_done

    def close(self) -> None:
        self._keeper.stop()
        self._executor.shutdown(wait=False, cancel_futures=True)
