"""Where jobs run: an in-process pool (default) or Celery workers over Redis (scale-out).

Both run the same function, `billintake.services.pipeline.run_job`, for a job already stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from billintake.bootstrap import Runtime


class Dispatcher(Protocol):
    """Runs stored jobs somewhere; `submit` returns at once."""

    def submit(self, organization_id: str, job_id: str) -> None: ...

    def close(self) -> None: ...


def submit_free_jobs(runtime: Runtime, dispatcher: Dispatcher) -> int:
    """Hand the dispatcher the unfinished jobs nobody holds (never taken, or their holder
    died); how many."""
    from billintake.storage import leases

    with runtime.session() as session:
        free = leases.free_jobs(session)
    for organization_id, job_id in free:
        dispatcher.submit(organization_id, job_id)
    return len(free)


def get_dispatcher(runtime: Runtime) -> Dispatcher:
    """The dispatcher the settings choose (`BILLINTAKE_QUEUE=local|celery`)."""
    if runtime.settings.queue == "celery":
        from billintake.queue.celery_app import CeleryDispatcher

        return CeleryDispatcher(runtime.settings, runtime)
    from billintake.queue.local import LocalDispatcher

    return LocalDispatcher(runtime)
