"""A job's lease held while it runs: taken at the start, renewed by a thread every third of
its length, given up at the end. When the process dies the renewals stop and the lease runs
out, so another process takes the job again (see `storage.leases`)."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from billintake.storage import leases

if TYPE_CHECKING:
    from billintake.bootstrap import Runtime

log = logging.getLogger(__name__)


def lease_owner(kind: str = "local") -> str:
    """A name for this process as the holder of job leases, unique across restarts."""
    return f"{kind}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@contextmanager
def holding(runtime: Runtime, job_id: str, owner: str, *,
            take_over: str | None = None) -> Iterator[bool]:
    """Hold the job's lease for the block; yields False (and holds nothing) when another live
    process holds it or it is final."""
    lease_s = runtime.settings.job_lease_s
    with runtime.session() as session:
        held = leases.claim(session, job_id, owner, lease_s, take_over=take_over)
    if not held:
        yield False
        return
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(lease_s / 3):
            try:
                with runtime.session() as session:
                    leases.renew(session, owner, lease_s)
            except Exception:  # the database away for a moment: the next round tries again
                log.exception("renewing the lease of job %s failed", job_id)

    thread = threading.Thread(target=renew, name=f"lease-{job_id}", daemon=True)
    thread.start()
    try:
        yield True
    finally:
        stop.set()
        thread.join(timeout=10)
        with contextlib.suppress(Exception), runtime.session() as session:
            leases.release(session, job_id, owner)
