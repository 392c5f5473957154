"""A job's lease held while it runs: taken at the start, renewed by a thread every third of its
length, given up at the end (`holding`); a pool's leases on the jobs it has in hand kept the
same way, with the free jobs taken each round (`LeaseKeeper`). When the process dies the
renewals stop and the lease runs out, so another process takes the job again (see
`storage.leases`)."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from billintake.storage import leases
from billintake.storage.leases import Leased

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


class LeaseKeeper:
    """Renews `owner`'s leases of `kind` on the jobs `in_hand()` names, then calls
    `take_free()`, every `lease_s / 3` seconds from `start()` until `stop()`."""

    def __init__(self, runtime: Runtime, owner: str, lease_s: float, *, kind: Leased,
                 in_hand: Callable[[], Collection[str]], take_free: Callable[[], object],
                 name: str) -> None:
        self.runtime, self.owner, self.lease_s, self.kind = runtime, owner, lease_s, kind
        self._in_hand, self._take_free, self._name = in_hand, take_free, name
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread, once (not after `stop`)."""
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._keep, name=self._name,
                                                daemon=True)
                self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _keep(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            try:
                in_hand = set(self._in_hand())
                with self.runtime.session() as session:
                    leases.renew(session, self.owner, self.lease_s, in_hand, kind=self.kind)
                self._take_free()
            except Exception:  # the database away for a moment: try again next round
                log.exception("renewing %s job leases failed", self.kind)
