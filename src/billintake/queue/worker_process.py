"""What every process or thread that runs jobs does first: yield the CPU to the request path
(the lowest priority: uploads and mail are taken at once while OCR runs), and exit with the
process that started it (a killed server leaves no orphan workers behind).

A job process runs at niceness 19 and, on Linux, in the SCHED_IDLE class: it gets a core only
when nothing else wants it, so the request path always wins the CPU (niceness 19 alone still
takes a share from it). Its children (tesseract, page workers) inherit both. A job *thread*
of the serving process gets niceness 19 only: as SCHED_IDLE it could hold the interpreter's
lock while starved, and stall the requests waiting for it."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time

log = logging.getLogger(__name__)

WORKER_NICENESS = 19  # the lowest: a job's CPU time is what the request path leaves over
PARENT_POLL_S = 0.5
WATCH_THREAD = "parent-watch"  # holds no lock: forking beside it is safe


def lower_priority(pid: int = 0) -> None:
    """Run this process (or the process `pid`, e.g. a worker just started, before its own
    imports) at the lowest CPU priority: niceness 19 and SCHED_IDLE where there is one; its
    children, e.g. tesseract, inherit it."""
    with contextlib.suppress(OSError):
        current = os.getpriority(os.PRIO_PROCESS, pid)
        os.setpriority(os.PRIO_PROCESS, pid, max(current, WORKER_NICENESS))
    idle = getattr(os, "SCHED_IDLE", None)  # Linux only
    if idle is not None:
        with contextlib.suppress(OSError):  # (a sandbox may refuse it: niceness still holds)
            os.sched_setscheduler(pid, idle, os.sched_param(0))


def lower_thread_priority() -> None:
    """Run the calling thread at the lowest CPU priority (Linux keeps a niceness per thread;
    the processes it starts inherit it): the in-process pool's threads."""
    with contextlib.suppress(OSError, AttributeError):
        tid = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, max(current, WORKER_NICENESS))


def exit_with_parent(parent_pid: int | None = None) -> None:
    """End this process as soon as the process that started it (`parent_pid`, default: its
    parent now) is gone, even by kill -9: a watcher thread polls it (PR_SET_PDEATHSIG would
    fire on the exit of the starting *thread*, not of the process). A process started through
    a fork server (whose parent is that server) watches the process that asked for it."""
    parent_pid = os.getppid() if parent_pid is None else parent_pid
    direct = parent_pid == os.getppid()

    def gone() -> bool:
        if direct:
            return os.getppid() != parent_pid  # reparented: the parent died
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # alive (another user's pid would be a reused one: gone)
            return True
        return False

    def watch() -> None:
        # A thread inherits its starter's SCHED_IDLE, and at that class a busy machine never
        # runs it: the watcher would never see its parent die. Niceness 19 still gets a slice.
        _leave_idle_class()
        while not gone():
            time.sleep(PARENT_POLL_S)
        log.warning("the parent process %d is gone; this worker exits", parent_pid)
        os._exit(1)

    threading.Thread(target=watch, name=WATCH_THREAD, daemon=True).start()


def _leave_idle_class() -> None:
    """Run the calling thread in the normal class (at its niceness) if it is in SCHED_IDLE;
    Linux lets an unprivileged thread leave it for SCHED_OTHER within its nice limit."""
    idle = getattr(os, "SCHED_IDLE", None)
    with contextlib.suppress(OSError):
        if idle is not None and os.sched_getscheduler(0) == idle:
            os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))


def become_worker(parent_pid: int) -> None:
    """A job process's start: the lowest priority, and bound to its parent's life."""
    lower_priority()
    exit_with_parent(parent_pid)
