"""Jobs handed through one multiprocessing queue to several takers: each job reaches exactly
one of them, and a closed taker takes no more."""

from __future__ import annotations

import multiprocessing
import threading

from fixtures_gen.processes import until

from billintake.queue.handoff import POLL_S, HandedJobs, Handoff


class Taken:
    """A dispatcher that keeps what it was given (the queue's side is what is tested)."""

    def __init__(self) -> None:
        self.jobs: list[str] = []
        self.lock = threading.Lock()

    def submit(self, organization_id: str, job_id: str, *, held: bool = False) -> None:
        with self.lock:
            self.jobs.append(job_id)

    def close(self) -> None:
        return None


def test_each_job_handed_over_is_taken_by_exactly_one_taker() -> None:
    queue = multiprocessing.get_context("spawn").Queue()
    takers = [Taken(), Taken()]
    threads = [HandedJobs(queue, taker) for taker in takers]
    for thread in threads:
        thread.start()
    sender = Handoff(queue)
    try:
        for n in range(200):
            sender.submit("org", f"job-{n}")
        until(lambda: sum(len(t.jobs) for t in takers) == 200, 10, "every job is taken")
        assert sorted(takers[0].jobs + takers[1].jobs) == sorted(f"job-{n}" for n in range(200))
    finally:
        for thread in threads:
            thread.close()

    sender.submit("org", "after")  # nobody takes it now: it waits in the queue
    threading.Event().wait(2 * POLL_S)
    assert "after" not in takers[0].jobs + takers[1].jobs
    assert queue.get(timeout=5) == ("org", "after")
    queue.close()
