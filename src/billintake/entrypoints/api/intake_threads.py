"""The threads that take received files in (store the original, write its job, queue it).

A few threads, kept for the app's life, not one of the request thread pool's per request:
with 20 uploads at once, 20 threads took turns at the interpreter's lock (each hand-over a
thread woken and switched to) and every upload finished late together; a few threads finish
them in the order they came, at the same throughput. A serving app starts them with their
database connections open (`start`), so its first uploads do not pay for either.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import text

from billintake.bootstrap import Runtime

T = TypeVar("T")


class IntakeThreads:
    """A bounded pool of `size` threads for the blocking part of taking a file in."""

    def __init__(self, runtime: Runtime, size: int) -> None:
        self.runtime = runtime
        self.size = max(1, size)
        self._executor = ThreadPoolExecutor(max_workers=self.size,
                                            thread_name_prefix="billintake-intake")

    def start(self) -> None:
        """Start every thread now, each with a database connection opened (and given back to
        the pool): all at once, so each task gets a thread of its own."""
        together = threading.Barrier(self.size)

        def warm() -> None:
            with self.runtime.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
                together.wait(timeout=30)

        for future in [self._executor.submit(warm) for _ in range(self.size)]:
            future.result()

    async def run(self, function: Callable[..., T], *args: object) -> T:
        """`function(*args)` on one of the threads; the request waits without blocking."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def close(self) -> None:
        """Let the files being taken in finish, then end the threads."""
        self._executor.shutdown(wait=True)
