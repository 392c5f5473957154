"""`billintake up` and `serve` (`--processes N`, default one per core): the API served by N
processes on one port.

One interpreter runs one request's Python at a time, so one serving process uses about one
core however many the machine has; N processes take N requests' work at once. Each binds the
port with SO_REUSEPORT and the kernel spreads the new connections over them; each runs its
share of the job workers (`local_workers` split between them, at least one each).

The port answers only once every process is ready: a process listens only when all of them
have started (their workers, their warmed-up routes; a barrier), so no connection is queued
behind a process still starting. The database is migrated once, before they start. The
processes exit with the one that started them (even killed with -9: each watches it, and its
job workers watch it in turn); SIGTERM or Ctrl-C stops them all gracefully. The process that
started them may hand them jobs it received itself (`billintake up`: mail, the folder).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import threading
from collections.abc import Iterator
from multiprocessing.connection import wait
from typing import Any

from billintake.settings import Settings

log = logging.getLogger(__name__)

READY_TIMEOUT_S = 600.0  # a process's start: loading models on a busy machine can be slow


def worker_shares(workers: int, processes: int) -> list[int]:
    """`workers` job workers split between `processes` serving processes, at least one each."""
    base, extra = divmod(max(workers, processes), processes)
    return [base + (index < extra) for index in range(processes)]


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) with SO_REUSEPORT, not yet listening: the kernel
    sends a socket connections only once it listens (uvicorn does that after its start)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


def serve_processes(settings: Settings, *, host: str, port: int, processes: int,
                    jobs: Any = None, migrate: bool = True) -> int:
    """Run `processes` serving processes until they end; the exit code (0: stopped cleanly).

    `jobs`: a queue (of the spawn context) through which this process hands over the jobs it
    receives itself (`billintake up`'s mail and folder; `queue.handoff`): the serving
    processes take them. `migrate=False`: the caller has migrated the database already."""
    if not hasattr(socket, "SO_REUSEPORT"):
        raise RuntimeError("several serving processes need SO_REUSEPORT (Linux, BSD, macOS)")
    if port == 0:
        raise ValueError("several serving processes need a port of their own (not 0)")
    if migrate:
        from billintake.bootstrap import Runtime

        Runtime.from_settings(settings).close()  # migrate once, not in N processes at once
    reuse_port_socket(host, port).close()  # the port is free (or shared): fail here if not
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(processes)
    children = [context.Process(
        target=_serve_one, name=f"billintake-serve-{index + 1}",
        args=(settings.model_dump() | {"serve_processes": processes}, host, port, share, ready,
              os.getpid(), jobs))
        for index, share in enumerate(worker_shares(settings.local_workers, processes))]
    stopping = threading.Event()

    def stop(_signum: int = 0, _frame: Any = None) -> None:
        stopping.set()
        ready.abort()  # a process still starting gives up instead of waiting for the others
        for child in children:
            if child.pid is not None and child.exitcode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.pid, signal.SIGTERM)

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        for child in children:
            child.start()
        log.info("serving on %s:%d from %d processes, each listening once all have started",
                 host, port, processes)
        running = list(children)
        while running:
            wait([child.sentinel for child in running])
            for child in [c for c in running if c.exitcode is not None]:
                running.remove(child)
                if not stopping.is_set():  # one ended on its own: the service is not whole
                    log.error("serving process %s ended (exit code %s); stopping the others",
                              child.name, child.exitcode)
                    stop()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    code = max((_exit_code(child.exitcode, stopping.is_set()) for child in children), default=0)
    for child in children:  # all ended: freed now, with the semaphores their arguments hold
        child.close()  # (else the resource tracker reports them leaked at exit)
    return code


def _exit_code(code: int | None, stopped: bool) -> int:
    """A serving process's exit status as a code: ended by the signal that stopped it is a
    clean end when this process asked for it (e.g. SIGTERM before its server ran)."""
    if code is None or (stopped and code in (-signal.SIGTERM, -signal.SIGINT)):
        return 0
    return abs(code)


def _serve_one(settings_values: dict[str, Any], host: str, port: int, workers: int,
               ready: Any, parent_pid: int, jobs: Any) -> None:
    """One serving process: the app with its share of the workers (which also take the jobs
    handed over through `jobs`), listening once all the processes are ready."""
    import uvicorn

    from billintake.bootstrap import Runtime
    from billintake.entrypoints.api.app import create_app
    from billintake.logs import configure_logging, route_uvicorn_logs
    from billintake.queue.worker_process import exit_with_parent

    os.setpgrp()  # Ctrl-C reaches the parent only, which stops every process the same way
    settings = Settings(**{**settings_values, "local_workers": workers})
    configure_logging(settings.log_level)
    route_uvicorn_logs()
    exit_with_parent(parent_pid)
    sock = reuse_port_socket(host, port)
    app = create_app(runtime=Runtime.from_settings(settings, migrate_db=False))
    app.state.serving = True
    app.state.ready_barrier = (ready, READY_TIMEOUT_S)
    app.state.handed_jobs = jobs  # routes_intake.lifespan gives them to the dispatcher
    config = uvicorn.Config(app, host=host, port=port, log_config=None)
    # returns on SIGTERM (not killed by it again): the process ends normally, its pool's
    # semaphores released (else the resource tracker reports them leaked at exit)
    returning_server(config).run(sockets=[sock])


def returning_server(config: Any) -> Any:
    """uvicorn's server that, on Ctrl-C or SIGTERM, returns once it has shut down (so the
    caller can stop the other parts, and the process end normally) instead of raising the
    signal again."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            previous = {sig: signal.signal(sig, self.handle_exit)
                        for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    return Server(config)
