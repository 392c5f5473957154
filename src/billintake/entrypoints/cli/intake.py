"""`billintake ingest DIR [--watch]`, `billintake smtp`, `billintake worker`."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from billintake.bootstrap import Runtime
from billintake.domain.errors import ValidationFailed
from billintake.domain.model import JobStatus
from billintake.entrypoints.cli.common import organization_id_for, user_errors
from billintake.settings import get_settings

commands = typer.Typer()

console = Console(stderr=True)


def _summary_table(summary: object) -> Table:
    from billintake.entrypoints.intake.folder import Summary

    assert isinstance(summary, Summary)
    table = Table(title="ingest summary")
    table.add_column("outcome")
    table.add_column("files", justify="right")
    table.add_row("pushed", str(summary.count(JobStatus.PUSHED)))
    table.add_row("needs review", str(summary.count(JobStatus.NEEDS_REVIEW)))
    table.add_row("failed", str(summary.failed), style="red" if summary.failed else None)
    if summary.duplicates:
        table.add_row("(already received before)", str(summary.duplicates), style="dim")
    return table


@commands.command()
def ingest(
    directory: Path = typer.Argument(..., exists=True, file_okay=False, dir_okay=True,
                                     help="the folder holding the bill files"),
    watch: bool = typer.Option(False, "--watch", help="keep watching for new files"),
    org: str | None = typer.Option(None, "--org", help="organization slug (if several)"),
    settle: float = typer.Option(1.0, help="seconds a file must stay unchanged (--watch)"),
) -> None:
    """Take in every bill file in DIRECTORY (exit code 1 if any failed).

    Processed files move to done/ (pushed or waiting for review) or failed/ (with the reason).
    """
    from billintake.entrypoints.intake.folder import FolderIntake, bill_files
    from billintake.logs import configure_logging
    from billintake.queue import get_dispatcher

    configure_logging("WARNING")  # the progress bar and the summary say what happened
    with user_errors():
        runtime = Runtime.from_settings()
        organization_id = organization_id_for(runtime, org)
        dispatcher = get_dispatcher(runtime)
        intake = FolderIntake(runtime, dispatcher, organization_id, directory)
        try:
            if watch:
                summary = _watch(intake, settle)
            else:
                paths = bill_files(directory)
                with Progress(TextColumn("{task.description}"), BarColumn(),
                              MofNCompleteColumn(), TimeElapsedColumn(),
                              console=console) as progress:
                    task = progress.add_task("bills", total=len(paths))
                    summary = intake.run_batch(
                        paths, on_done=lambda outcome: progress.advance(task))
        finally:
            dispatcher.close()
    Console().print(_summary_table(summary))
    for outcome in summary.outcomes:
        if outcome.job.status is JobStatus.FAILED:
            console.print(f"[red]failed[/red] {outcome.source.name}: {outcome.job.error}")
    if summary.failed:
        raise typer.Exit(code=1)


def _watch(intake: object, settle: float) -> object:
    from billintake.entrypoints.intake.folder import FileOutcome, FolderIntake

    assert isinstance(intake, FolderIntake)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    def report(outcome: FileOutcome) -> None:
        console.print(f"{outcome.job.status.value:>12}  {outcome.source.name}"
                      + (f"  ({outcome.job.error})" if outcome.job.error else ""))

    console.print(f"watching {intake.directory} (Ctrl-C to stop)")
    return intake.watch(stop, settle_s=settle, on_done=report)


@commands.command()
def smtp(
    host: str | None = typer.Option(None, help="address to listen on (default: setting "
                                    "SMTP_HOST, 127.0.0.1)"),
    port: int | None = typer.Option(None, help="port (default: setting SMTP_PORT, 2525)"),
) -> None:
    """Run the SMTP listener for the intake addresses (bills+<org-slug>@<intake domain>)."""
    from billintake.entrypoints.intake.smtp import start_smtp
    from billintake.logs import configure_logging
    from billintake.queue import get_dispatcher

    runtime = Runtime.from_settings()
    configure_logging(runtime.settings.log_level)
    dispatcher = get_dispatcher(runtime)
    resubmit = getattr(dispatcher, "resubmit_unfinished", None)
    if resubmit is not None:
        resubmit()
    controller = start_smtp(runtime, dispatcher, host=host, port=port)
    settings = runtime.settings
    console.print(f"SMTP listening on {controller.hostname}:{controller.port} for "
                  f"bills+<org-slug>@{settings.intake_domain}")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    dispatcher.close()


@commands.command()
def imap(
    once: bool = typer.Option(False, "--once", help="poll once and exit (default: keep polling "
                              "every BILLINTAKE_IMAP_POLL_S seconds)"),
    org: str | None = typer.Option(None, "--org", help="organization the mailbox's bills are "
                                   "for (default: BILLINTAKE_DEFAULT_ORG, or the only one)"),
) -> None:
    """Take bills in from an IMAP mailbox (BILLINTAKE_IMAP_HOST, _USER, _PASSWORD) by its
    rules (_FOLDER, _SENDERS, _SUBJECT_WORDS), then move or flag them (_AFTER)."""
    from billintake.entrypoints.intake.imap import (
        MailboxAccount,
        MailboxRules,
        poll_forever,
        poll_once,
    )
    from billintake.logs import configure_logging
    from billintake.queue import get_dispatcher

    settings = get_settings()
    configure_logging(settings.log_level)
    with user_errors():
        if not settings.imap_host:
            raise ValidationFailed("no mailbox set: BILLINTAKE_IMAP_HOST (and _USER, _PASSWORD)")
        runtime = Runtime.from_settings(settings)
        organization_id = organization_id_for(runtime, org)
    account, rules = MailboxAccount.from_settings(settings), MailboxRules.from_settings(settings)
    dispatcher = get_dispatcher(runtime)
    try:
        if once:
            result = poll_once(runtime, dispatcher, organization_id, account, rules)
            wait = getattr(dispatcher, "wait_idle", None)
            if wait is not None:
                wait()
            console.print(f"{len(result.taken)} messages taken in ({result.jobs} jobs), "
                          f"{result.skipped} not matching the rules, {len(result.failed)} failed")
        else:
            stop = threading.Event()
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stop.set())
            console.print(f"polling {account.user}@{account.host} {rules.folder} every "
                          f"{settings.imap_poll_s:g}s (Ctrl-C to stop)")
            poll_forever(runtime, dispatcher, organization_id, account, rules, stop,
                         settings.imap_poll_s)
    finally:
        dispatcher.close()
        runtime.close()


@commands.command()
def requeue() -> None:
    """Dispatch again every job not yet final nobody holds (running services do this by
    themselves once a lost job's lease runs out; this does it now)."""
    from billintake.queue import get_dispatcher
    from billintake.services.pipeline import unfinished_jobs

    runtime = Runtime.from_settings()
    dispatcher = get_dispatcher(runtime)
    pending = unfinished_jobs(runtime)
    for organization_id, job_id in pending:
        dispatcher.submit(organization_id, job_id)
    wait = getattr(dispatcher, "wait_idle", None)
    if wait is not None:  # in-process: run them before exiting
        wait()
    dispatcher.close()
    typer.echo(f"requeued {len(pending)} unfinished jobs")


@commands.command()
def worker(
    concurrency: int | None = typer.Option(None, help="jobs at once (default: local_workers)"),
    loglevel: str = typer.Option("INFO", help="the worker's log level: DEBUG, INFO, WARNING"),
) -> None:
    """Start a Celery worker taking jobs from Redis (for BILLINTAKE_QUEUE=celery)."""
    from billintake.logs import configure_logging
    from billintake.queue.celery_app import app as celery_app
    from billintake.queue.celery_app import start_sweeper

    settings = get_settings()
    configure_logging(settings.log_level)
    Runtime.from_settings(settings).close()  # the schema must be current before jobs run
    start_sweeper(settings)  # jobs a lost worker or a killed server left are sent again
    celery_app.worker_main([
        "worker", f"--loglevel={loglevel}", "-Q", settings.celery_queue,
        f"--concurrency={concurrency or settings.local_workers}",
        f"--hostname=billintake-{os.getpid()}@%h", "--without-gossip", "--without-mingle",
    ])
