"""Job workers yield the CPU to the request path and die with the process that started them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from fixtures_gen.processes import alive

from billintake.bootstrap import Runtime
from billintake.queue.local import LocalDispatcher
from billintake.settings import Settings


def _niceness(tid: int = 0) -> int:
    return os.getpriority(os.PRIO_PROCESS, tid)


def _thread_niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def _policy(pid: int = 0) -> int:
    return os.sched_getscheduler(pid)


def _watcher_policy() -> int:
    """The scheduling class of this process's parent-watch thread (-1: none)."""
    from billintake.queue.worker_process import WATCH_THREAD

    for _ in range(50):
        watcher = next((t for t in threading.enumerate() if t.name == WATCH_THREAD), None)
        if watcher is not None and watcher.native_id is not None:
            time.sleep(0.1)  # (it leaves the idle class as it starts)
            return os.sched_getscheduler(watcher.native_id)
        time.sleep(0.1)
    return -1


def test_pool_workers_run_at_the_lowest_priority(tmp_path: Path) -> None:
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path / "data",
                                             local_workers=1))
    mine = _niceness()
    processes = LocalDispatcher(runtime, mode="process")
    threads = LocalDispatcher(runtime, mode="thread")
    try:
        processes.submit("org", "job", held=True)  # starts the pool's worker process
        started = list(processes._executor._processes)  # type: ignore[union-attr]
        # lowered at once, from here: its start-up (imports, models) yields to requests too
        assert started and all(_niceness(pid) == 19 for pid in started)
        assert all(_policy(pid) == os.SCHED_IDLE for pid in started)
        assert processes._pool().submit(_niceness).result(timeout=120) == 19
        # the idle class: a job process gets a core only when the request path leaves it
        assert processes._pool().submit(_policy).result(timeout=30) == os.SCHED_IDLE
        # but not its watch on the server: in the idle class a busy machine never ran it,
        # and a killed server's workers lived on (niceness 19 still gets a slice)
        assert processes._pool().submit(_watcher_policy).result(timeout=30) == os.SCHED_OTHER
        assert threads._pool().submit(_thread_niceness).result(timeout=30) == 19
        assert _niceness() == mine  # the request path's own priority is untouched
        assert _policy() == os.SCHED_OTHER
    finally:
        processes.close()
        threads.close()
        runtime.close()


SERVER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from billintake.bootstrap import Runtime
    from billintake.queue.local import LocalDispatcher
    from billintake.settings import Settings

    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=Path(sys.argv[1]),
                                             local_workers=1))
    dispatcher = LocalDispatcher(runtime, mode="process")
    print(dispatcher._pool().submit(os.getpid).result(timeout=120), flush=True)
    time.sleep(600)
""")


def test_pool_workers_exit_when_their_server_is_killed(tmp_path: Path) -> None:
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(tmp_path / "data")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        worker = int(server.stdout.readline())
        assert alive(worker)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        deadline = time.monotonic() + 10
        while alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(worker), "the pool worker outlived its killed server"
    finally:
        server.kill()
        server.wait()


JOB_PROCESS = textwrap.dedent("""
    import os, sys, threading, time
    from concurrent.futures import ProcessPoolExecutor
    from billintake.queue.worker_process import become_worker
    from billintake.reading import ocr

    become_worker(os.getppid())  # as a job process starts
    if sys.argv[1] == "threads":  # a process with threads of its own: OCR's fork server
        threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
    context = ocr._start_method()
    with ProcessPoolExecutor(1, mp_context=context, initializer=ocr._init_worker,
                             initargs=(b"", os.getpid())) as pool:
        time.sleep(2 * 0.5 + 0.5)  # past the page worker's first looks at its parent
        print(context.get_start_method(), pool.submit(os.getpid).result(timeout=60),
              pool.submit(os.getpriority, os.PRIO_PROCESS, 0).result(timeout=60),
              pool.submit(os.sched_getscheduler, 0).result(timeout=60), flush=True)
        time.sleep(600)
""")


@pytest.mark.parametrize(("threads", "method"), [("none", "fork"),
                                                 ("threads", "forkserver")])
def test_ocr_page_workers_live_with_their_job_process_and_die_with_it(
        threads: str, method: str) -> None:
    job = subprocess.Popen([sys.executable, "-c", JOB_PROCESS, threads], stdout=subprocess.PIPE,
                           text=True)
    try:
        assert job.stdout is not None
        started_by, page_worker, niceness, policy = job.stdout.readline().split()
        assert started_by == method  # the parent-watch thread does not stop OCR from forking
        assert int(niceness) == 19 and alive(int(page_worker))
        assert int(policy) == os.SCHED_IDLE  # inherited from the job process
        job.send_signal(signal.SIGKILL)
        job.wait(timeout=10)
        deadline = time.monotonic() + 10
        while alive(int(page_worker)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(int(page_worker)), "the page worker outlived its killed job process"
    finally:
        job.kill()
        job.wait()
