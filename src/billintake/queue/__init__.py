"""Where jobs run: an in-process pool (default) or Celery workers over Redis (scale-out).

Both run the same function, `billintake.services.pipeline.run_job`, for a job already stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from billintake.queue.free import submit_free_jobs

__all__ = ["Dispatcher", "get_dispatcher", "submit_free_jobs"]

if TYPE_CHECKING:
    from billintake.bootstrap import Runtime


class Dispatcher(Protocol):
    """Runs stored jobs somewhere; `submit` returns at once."""

    def submit(self, organization_id: str, job_id: str, *, held: bool = False) -> None:
        """Queue the job; `held`: its lease is this dispatcher's already (taken with it)."""
        ...

    def close(self) -> None: ...


def get_dispatcher(runtime: Runtime) -> Dispatcher:
    """The dispatcher the settings choose (`BILLINTAKE_QUEUE=local|celery`)."""
    if runtime.settings.queue == "celery":
        from billintake.queue.celery_app import CeleryDispatcher

        return CeleryDispatcher(runtime.settings, runtime)
    from billintake.queue.local import LocalDispatcher

    return LocalDispatcher(runtime)
