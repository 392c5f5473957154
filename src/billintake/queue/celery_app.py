"""Scale-out: the same job function as a Celery task over Redis (`BILLINTAKE_QUEUE=celery`).

Start workers on any machine that reaches the database, the originals and Redis with
`billintake worker`. Tasks are acknowledged late and rejected when their worker is lost, so a
job whose worker dies mid-way is delivered again (after `celery_visibility_timeout_s` at the
latest) and run by another worker; `run_job` makes a second run book no second bill.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Any

from celery import Celery
from celery.signals import worker_process_init
from sqlalchemy.exc import SQLAlchemyError

from billintake.bootstrap import Runtime
from billintake.queue.free import submit_free_jobs
from billintake.queue.lease import holding, lease_owner
from billintake.queue.worker_process import become_worker
from billintake.services.pipeline import DEFAULT_STAGES, Stages, run_job
from billintake.settings import Settings, get_settings
from billintake.storage import leases

log = logging.getLogger(__name__)

TASK_NAME = "billintake.run_job"

# What the task runs; a worker started from another module may swap a stage (benchmarks, tests).
STAGES: Stages = DEFAULT_STAGES

_runtime: Runtime | None = None
_owner: str | None = None
QUEUE_OWNER = "celery-queue"  # holds a job sent to the broker until a worker takes it


def create_celery(settings: Settings) -> Celery:
    """A Celery app for these settings: Redis broker, late acknowledgement, one job at a time."""
    visibility = max(1, settings.celery_visibility_timeout_s)
    app = Celery("billintake", broker=settings.redis_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_default_queue=settings.celery_queue,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        broker_transport_options={
            "visibility_timeout": visibility,
            # look for abandoned (unacknowledged) jobs often enough to honour the timeout
            "unacked_restore_interval": max(1, min(10, visibility // 3)),
            "unacked_restore_throttle": 1,
        },
    )

    @app.task(name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True,
              autoretry_for=(SQLAlchemyError, OSError), retry_backoff=True,
              retry_backoff_max=300, max_retries=10)
    def run_job_task(task: Any, organization_id: str, job_id: str) -> str:
        # run_job records every failure of the bill itself; what escapes is the
        # infrastructure (database, originals store) and is retried with backoff. The job's
        # lease is held while it runs: a copy delivered again meanwhile (its worker lost,
        # or still busy) comes back when that lease could have run out.
        runtime = _worker_runtime()
        with holding(runtime, job_id, _worker_owner(), take_over=QUEUE_OWNER) as held:
            if held:
                return run_job(runtime, organization_id, job_id, STAGES,
                               dispatcher=_handoff(runtime)).status.value
        with runtime.repository(organization_id) as repo:
            if repo.get_job(job_id).status.is_final:
                return "final"
        raise task.retry(countdown=max(1.0, runtime.settings.job_lease_s / 2),
                         max_retries=None)

    return app


_dispatcher: CeleryDispatcher | None = None


def _handoff(runtime: Runtime) -> CeleryDispatcher:
    """Where a job run here sends the jobs it makes (the bills of a file holding several):
    to the broker at once, each held by the queue's lease as any job sent."""
    global _dispatcher
    if _dispatcher is None or _dispatcher.runtime is not runtime:
        _dispatcher = CeleryDispatcher(runtime.settings, runtime)
    return _dispatcher


def _worker_owner() -> str:
    global _owner
    if _owner is None or not _owner.startswith(f"celery:{socket.gethostname()}:{os.getpid()}:"):
        _owner = lease_owner("celery")
    return _owner


def _worker_runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        _runtime = Runtime.from_settings(get_settings(), migrate_db=False)
    return _runtime


@worker_process_init.connect
def _fresh_runtime(**_kwargs: Any) -> None:
    """A forked pool process must not share the parent's database connections; it runs at the
    lowest CPU priority and exits with the worker's main process."""
    become_worker(os.getppid())
    global _runtime, _dispatcher
    if _runtime is not None:
        _runtime.engine.dispose(close=False)
    _runtime = _dispatcher = None


class CeleryDispatcher:
    """Sends jobs to Celery workers by task name; nothing runs in this process.

    With a runtime, a job sent is held by the queue's lease for the broker's visibility
    timeout (a worker takes it over while it runs), so `resubmit_unfinished` sends again only
    jobs nobody holds: never sent, or lost with their worker."""

    def __init__(self, settings: Settings, runtime: Runtime | None = None) -> None:
        self.settings = settings
        self.runtime = runtime
        self.app = create_celery(settings)
        self.owner = QUEUE_OWNER if runtime is not None else None
        self.lease_s = float(max(1, settings.celery_visibility_timeout_s))

    def submit(self, organization_id: str, job_id: str, *, held: bool = False) -> None:
        if self.runtime is not None and not held:
            with self.runtime.session() as session:
                if not leases.claim(session, job_id, QUEUE_OWNER,
                                    max(1, self.settings.celery_visibility_timeout_s)):
                    return
        try:
            self.app.send_task(TASK_NAME, args=[organization_id, job_id],
                               queue=self.settings.celery_queue)
        except Exception:
            if self.runtime is not None:  # not in the broker: free to be taken by anyone
                with self.runtime.session() as session:
                    leases.release(session, job_id, QUEUE_OWNER)
            raise

    def resubmit_unfinished(self) -> int:
        """Send the unfinished jobs nobody holds (never sent, or their worker was lost)."""
        return 0 if self.runtime is None else submit_free_jobs(self.runtime, self)

    def close(self) -> None:
        self.app.close()


def start_sweeper(settings: Settings) -> threading.Thread:
    """A thread of the worker's main process sending again, every third of a lease, the jobs
    nobody holds: those a killed worker or a stopped server left unfinished."""
    runtime = Runtime.from_settings(settings, migrate_db=False)
    dispatcher = CeleryDispatcher(settings, runtime)

    def sweep() -> None:
        while True:
            time.sleep(settings.job_lease_s / 3)
            try:
                dispatcher.resubmit_unfinished()
            except Exception:  # database or broker away for a moment: next round
                log.exception("sending unfinished jobs again failed")

    thread = threading.Thread(target=sweep, name="billintake-sweeper", daemon=True)
    thread.start()
    return thread


# `celery -A billintake.queue.celery_app worker` and `billintake worker` use this app.
app = create_celery(get_settings())
