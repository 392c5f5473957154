"""Jobs handed from one process to another through a multiprocessing queue, as (organization
id, job id): a job process hands back the jobs a job made (the bills of a file holding
several) to its serving process (`queue.local`), and the parent of `billintake up` hands the
jobs its intakes received (mail, the folder) to its serving processes (`entrypoints.up`).

Only the ids travel: the job is a row already, free until a dispatcher takes its lease, so a
job handed over that no one takes (its taker stopping) waits for the next keeper round.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

from billintake.queue.dispatcher import Dispatcher

log = logging.getLogger(__name__)

POLL_S = 0.5  # how soon a taker sees it was closed (it cannot be woken: others share the queue)


class Handoff:
    """A dispatcher that hands each job to another process, through `queue`."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue

    def submit(self, organization_id: str, job_id: str, *, held: bool = False) -> None:
        self.queue.put((organization_id, job_id))

    def close(self) -> None:
        return None


class HandedJobs:
    """A thread that gives the jobs handed through `jobs` to `dispatcher`, until closed.
    Several processes may take from one queue: each job goes to one of them."""

    def __init__(self, jobs: Any, dispatcher: Dispatcher) -> None:
        self.jobs, self.dispatcher = jobs, dispatcher
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._take, name="billintake-handed-jobs",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _take(self) -> None:
        while not self._stop.is_set():
            try:
                organization_id, job_id = self.jobs.get(timeout=POLL_S)
            except queue.Empty:
                continue
            except (EOFError, OSError):  # the process handing them over is gone
                return
            try:
                self.dispatcher.submit(organization_id, job_id)
            except Exception:  # the database away for a moment: the keeper takes it later
                log.exception("could not take job %s handed over", job_id)

    def close(self) -> None:
        """Stop taking jobs (before the dispatcher closes)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
