"""`billintake up`: the whole service, with one log and one clean shutdown.

The API and web page are served by `processes` processes on one port (default one per core,
`entrypoints.api.processes`), each with its share of the job workers (the in-process pool,
at the lowest CPU priority, so OCR never takes a core from a request). This process runs the
parts there is one of: the SMTP listener, the watched intake folder (when `intake_folder` is
set), the IMAP poller (when `imap_host` is set) and, with `queue=celery`, one Celery worker
process (more anywhere with `billintake worker`). What they receive is stored here and its
jobs handed at once to the serving processes' workers (`queue.handoff`; with Celery, sent to
the broker). With one process (`--processes 1`) the API is served in this process, beside
them, with the pool. Ctrl-C or SIGTERM stops the serving processes (each job running
to its end, those still queued left for the next start); then the folder watcher, the SMTP
listener and the rest are stopped in that order. Killed with -9, it leaves no process
behind: each watches the one that started it.
"""

from __future__ import annotations

import logging
import multiprocessing
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

from billintake.bootstrap import Runtime
from billintake.queue import Dispatcher, get_dispatcher
from billintake.queue.handoff import Handoff

log = logging.getLogger("billintake.up")


@dataclass
class Service:
    """The parts `up` runs; `start_intake` then `serve` (blocking until a signal), then `stop`."""

    runtime: Runtime
    host: str
    port: int
    smtp: bool = True
    worker: bool = True  # with queue=celery: start a Celery worker beside the server
    processes: int = 1  # serving processes; with one, the API is served in this process
    dispatcher: Dispatcher | None = None
    _handed_jobs: Any = None  # the queue to the serving processes (several, queue=local)
    _worker_process: subprocess.Popen[bytes] | None = None
    _smtp_controller: Any = None
    _folder_stop: threading.Event = field(default_factory=threading.Event)
    _folder_thread: threading.Thread | None = None
    _threads: list[threading.Thread] = field(default_factory=list)

    def start_intake(self) -> None:
        """The dispatcher, the SMTP listener and the folder watcher (before the API serves)."""
        settings = self.runtime.settings
        if self.processes > 1 and settings.queue == "local":
            # the workers are the serving processes': jobs received here are handed to them
            self._handed_jobs = multiprocessing.get_context("spawn").Queue()
            self.dispatcher = Handoff(self._handed_jobs)
        else:
            self.dispatcher = get_dispatcher(self.runtime)
        if settings.queue == "celery" and self.worker:
            # the same log (inherited stdout and stderr); `billintake worker` elsewhere scales out
            # (its own session: Ctrl-C reaches `up` alone, which then stops it warmly)
            self._worker_process = subprocess.Popen(
                [sys.executable, "-m", "billintake.entrypoints.cli", "worker"],
                start_new_session=True)
            log.info("started a Celery worker (pid %d)", self._worker_process.pid)
        if self.smtp:
            from billintake.entrypoints.intake.smtp import start_smtp

            self._smtp_controller = start_smtp(self.runtime, self.dispatcher)
            log.info("SMTP listening on %s:%s for bills+<org-slug>@%s", settings.smtp_host,
                     settings.smtp_port, settings.intake_domain)
        if settings.intake_folder is not None:
            self._start_folder()
        if settings.imap_host:
            self._start_imap()

    def _start_imap(self) -> None:
        from billintake.entrypoints.intake.imap import MailboxAccount, MailboxRules, poll_forever
        from billintake.services.organizations import default_organization_id

        settings = self.runtime.settings
        assert self.dispatcher is not None
        account, rules = MailboxAccount.from_settings(settings), MailboxRules.from_settings(
            settings)
        organization_id = default_organization_id(self.runtime)
        thread = threading.Thread(
            target=poll_forever, name="billintake-imap", daemon=True,
            args=(self.runtime, self.dispatcher, organization_id, account, rules,
                  self._folder_stop, settings.imap_poll_s))
        thread.start()
        self._threads.append(thread)
        log.info("polling IMAP %s@%s %s every %ss", account.user, account.host, rules.folder,
                 settings.imap_poll_s)

    def _start_folder(self) -> None:
        from billintake.entrypoints.intake.folder import FileOutcome, FolderIntake
        from billintake.services.organizations import default_organization_id

        folder = self.runtime.settings.intake_folder
        assert folder is not None and self.dispatcher is not None
        folder.mkdir(parents=True, exist_ok=True)
        organization_id = default_organization_id(self.runtime)
        intake = FolderIntake(self.runtime, self.dispatcher, organization_id, folder)

        def report(outcome: FileOutcome) -> None:
            log.info("folder: %s %s", outcome.source.name, outcome.job.status.value,
                     extra={"job_id": outcome.job.id, "channel": "folder"})

        def run() -> None:
            try:
                intake.watch(self._folder_stop, on_done=report)
            except Exception:
                log.exception("the folder watcher stopped")

        self._folder_thread = threading.Thread(target=run, name="billintake-folder",
                                               daemon=True)
        self._folder_thread.start()
        log.info("watching %s", folder)

    def serve(self) -> int:
        """Run the API and web page until Ctrl-C or SIGTERM; the exit code (0: stopped
        cleanly, not so when a serving process ended on its own)."""
        if self.processes > 1:
            from billintake.entrypoints.api.processes import serve_processes

            log.info("serving the API and web page on http://%s:%s from %d processes",
                     self.host, self.port, self.processes)
            return serve_processes(self.runtime.settings, host=self.host, port=self.port,
                                   processes=self.processes, jobs=self._handed_jobs,
                                   migrate=False)
        import uvicorn

        from billintake.entrypoints.api.app import create_app
        from billintake.entrypoints.api.processes import returning_server

        app = create_app(runtime=self.runtime)
        app.state.dispatcher = self.dispatcher
        app.state.owns_dispatcher = False  # `up` closes it after the other intakes
        app.state.serving = True  # workers started and startup objects frozen (routes_intake)
        config = uvicorn.Config(app, host=self.host, port=self.port, log_config=None,
                                lifespan="on")
        log.info("serving the API and web page on http://%s:%s", self.host, self.port)
        returning_server(config).run()
        return 0

    def stop(self) -> None:
        """Stop taking work, then let the jobs already taken finish."""
        log.info("stopping")
        self._folder_stop.set()
        for thread in [self._folder_thread, *self._threads]:
            if thread is not None:
                thread.join(timeout=10)
        if self._smtp_controller is not None:
            self._smtp_controller.stop()
        if self._worker_process is not None:  # warm shutdown: its job finishes first
            self._worker_process.terminate()
            try:
                self._worker_process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self._worker_process.kill()
                self._worker_process.wait()
        if self.dispatcher is not None:
            self.dispatcher.close()
        if self._handed_jobs is not None:  # jobs not taken wait, free, for the next start
            self._handed_jobs.cancel_join_thread()
            self._handed_jobs.close()
            self._handed_jobs = self.dispatcher = None  # its semaphores freed now, not at exit
        self.runtime.close()
        log.info("stopped")
