"""The jobs nobody holds, handed to a dispatcher (its own module: the dispatchers use it, and
the `queue` package chooses among them, so it cannot live in the package without a circle)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from billintake.bootstrap import Runtime


class Submits(Protocol):
    def submit(self, organization_id: str, job_id: str) -> None: ...


def submit_free_jobs(runtime: Runtime, dispatcher: Submits) -> int:
    """Hand the dispatcher the unfinished jobs nobody holds (never taken, or their holder
    died); how many."""
    from billintake.storage import leases

    with runtime.session() as session:
        free = leases.free_jobs(session)
    for organization_id, job_id in free:
        dispatcher.submit(organization_id, job_id)
    return len(free)
