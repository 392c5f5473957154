"""The jobs nobody holds, handed to a dispatcher (its own module: the dispatchers use it, and
the `queue` package chooses among them, so it cannot live in the package without a circle)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from billintake.bootstrap import Runtime


log = logging.getLogger(__name__)


class Submits(Protocol):
    def submit(self, organization_id: str, job_id: str) -> None: ...


def submit_free_jobs(runtime: Runtime, dispatcher: Submits) -> int:
    """Hand the dispatcher the unfinished jobs nobody holds (never taken, or their holder
    died); how many were sent. When the dispatcher cannot take them (its broker is down) the
    rest stay free, to be sent next time."""
    from billintake.storage import leases

    with runtime.session() as session:
        free = leases.free_jobs(session)
    for sent, (organization_id, job_id) in enumerate(free):
        try:
            dispatcher.submit(organization_id, job_id)
        except Exception as exc:
            log.warning("cannot send unfinished jobs now: %s", exc)
            return sent
    return len(free)
