"""Intake over HTTP: upload bills, post raw email (inbound-mail webhooks), follow the jobs."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from billintake.bootstrap import Runtime
from billintake.domain.errors import TooLarge, UnsupportedMediaType
from billintake.domain.model import Channel, IngestJob, JobStatus
from billintake.entrypoints.api.auth import CurrentOrg, RuntimeDep
from billintake.entrypoints.api.intake_threads import IntakeThreads
from billintake.entrypoints.api.params import Offset
from billintake.entrypoints.api.warm_up import warm_up
from billintake.entrypoints.intake.upload import (
    UploadedFile,
    read_limited,
    read_upload,
    upload_files,
)
from billintake.extraction.contract import outcome_contract
from billintake.queue import Dispatcher, get_dispatcher
from billintake.queue.handoff import HandedJobs
from billintake.reading.sniff import sniff
from billintake.services.pipeline import retry_job
from billintake.services.receive import Received, accept_file, accept_message
from billintake.settings import Settings

log = logging.getLogger(__name__)

MULTIPART_OVERHEAD = 64 * 1024  # headers and boundaries around the files of one upload


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the dispatcher with the app; in-process, pick up jobs a restart left unfinished."""
    dispatcher = _dispatcher(app)
    resubmit = getattr(dispatcher, "resubmit_unfinished", None)
    if resubmit is not None:
        try:
            count = await run_in_threadpool(resubmit)
        except Exception as exc:  # the queue is down: serve anyway, /healthz says so
            log.warning("unfinished jobs not resubmitted, the queue is not reachable (%s); "
                        "the workers' sweeper sends them once it is", exc)
        else:
            if count:
                log.info("resubmitted %d unfinished jobs", count)
    intake = intake_of(app)
    handed: HandedJobs | None = None
    try:
        if getattr(app.state, "serving", False):
            # a serving process: its workers and intake threads start now, not on the first
            # upload, its routes are built (warm_up), then the objects of its start are frozen
            start = getattr(dispatcher, "start", None)
            if start is not None:
                await run_in_threadpool(start)
            await run_in_threadpool(intake.start)
            jobs = getattr(app.state, "handed_jobs", None)
            if jobs is not None:  # one of `up`'s serving processes: its parent's mail, folder
                handed = HandedJobs(jobs, dispatcher)
                handed.start()
            await warm_up(app)
            freeze_startup_objects()
            await _wait_for_the_others(app)
        yield
    finally:
        if handed is not None:
            await run_in_threadpool(handed.close)
        app.state.intake = None
        await run_in_threadpool(intake.close)
        if getattr(app.state, "owns_dispatcher", True):  # `billintake up` closes its own
            app.state.dispatcher = None
            await run_in_threadpool(dispatcher.close)


router = APIRouter(tags=["intake"], lifespan=lifespan)


async def _wait_for_the_others(app: FastAPI) -> None:
    """One of several serving processes (`entrypoints.api.processes`) listens only once all
    of them have started: wait at their barrier (broken: one failed, so this one fails too)."""
    barrier = getattr(app.state, "ready_barrier", None)
    if barrier is not None:
        ready, timeout = barrier
        await run_in_threadpool(ready.wait, timeout)


def freeze_startup_objects() -> None:
    """Move every object made so far (modules, the app, its schemas: some 200,000) out of the
    cyclic garbage collector's reach: a full collection, which stops every request while it
    runs, would otherwise walk them all (250 ms on a busy 2-core machine). For a serving
    process only, once it has started (`app.state.serving`)."""
    gc.collect()
    gc.freeze()


def _dispatcher(app: Any) -> Dispatcher:
    dispatcher = getattr(app.state, "dispatcher", None)
    if dispatcher is None:
        runtime: Runtime = app.state.runtime
        dispatcher = app.state.dispatcher = get_dispatcher(runtime)
    return dispatcher


def intake_of(app: Any) -> IntakeThreads:
    """The app's intake threads (made on first use)."""
    intake = getattr(app.state, "intake", None)
    if intake is None:
        runtime: Runtime = app.state.runtime
        intake = app.state.intake = IntakeThreads(runtime, runtime.settings.intake_threads)
    return intake


def dispatcher_of(app: Any) -> Dispatcher:
    """The app's dispatcher (started on first use)."""
    return _dispatcher(app)


def job_view(job: IngestJob, *, duplicate: bool = False) -> dict[str, Any]:
    """A job as the API shows it: status, error, and the extracted bill once there is one."""
    outcome = outcome_contract(job.outcome, job.original_filename)
    return {
        "id": job.id,
        "status": job.status.value,
        "final": job.status.is_final,
        "channel": job.channel.value,
        "filename": job.original_filename,
        "document_sha256": job.document_sha256,
        "duplicate": duplicate,
        "error": job.error,
        "error_code": job.error_code,
        "bill_id": job.bill_id,
        "attempts": job.attempts,
        "hints": {k: v for k, v in job.hints.items() if not k.endswith("_sha256")},
        "extracted": outcome["bill"],
        "vendor_match": outcome["vendor_match"],
        "review_reasons": outcome["review_reasons"],
        "created_at": job.created_at.isoformat(),
        "updated_at": job.updated_at.isoformat(),
    }


@router.post("/bills/upload", status_code=202)
async def upload_bills(request: Request, org: CurrentOrg, runtime: RuntimeDep) -> JSONResponse:
    """Upload one or many bill files (multipart field `files`): PDF, PNG, JPEG, TIFF or
    e-invoice XML. Each becomes a job; 202 with the job ids. 413 over a limit (bytes per file,
    files per request, bytes per request; checked while the body streams in), 415 for a file
    that is not a bill format. Files wait on disk, and are read one at a time."""
    settings = runtime.settings
    declared = int(request.headers.get("content-length") or 0)
    budget = settings.max_upload_request_bytes + MULTIPART_OVERHEAD
    if declared > budget:
        raise TooLarge(f"the upload request is {declared} bytes, over its limit of {budget} "
                       "bytes for all its files together")
    spool_dir = settings.upload_spool_dir or settings.data_dir / "spool"
    received = await read_upload(
        request.stream(), request.headers.get("content-type", ""),
        max_file_bytes=settings.max_upload_bytes, max_files=settings.max_upload_files,
        max_total_bytes=budget, spool_dir=spool_dir)
    dispatcher = _dispatcher(request.app)
    with upload_files(received) as files:  # one hop to a thread for all the blocking work
        accepted = await intake_of(request.app).run(_accept_uploads, runtime, dispatcher,
                                                     org.id, files)
    return JSONResponse({"jobs": [job_view(a.job, duplicate=a.duplicate) for a in accepted]},
                        status_code=202)


def _accept_uploads(runtime: Runtime, dispatcher: Dispatcher, organization_id: str,
                    files: list[UploadedFile]) -> list[Received]:
    """Sniff every file before any is taken (one 415 takes none), then store and queue each;
    one file in memory at a time."""
    media_types = [_sniffed(file, runtime.settings) for file in files]
    return [accept_file(runtime, dispatcher, organization_id, file.read(),
                        filename=file.filename, channel=Channel.UPLOAD, media_type=media_type)
            for file, media_type in zip(files, media_types, strict=True)]


def _sniffed(file: UploadedFile, settings: Settings) -> str:
    """The file's media type by content (its one sniff: the job keeps it); 415 names the file."""
    try:
        return sniff(file.read(), settings=settings)
    except UnsupportedMediaType as exc:
        raise UnsupportedMediaType(f"{file.filename}: {exc.message}") from exc


@router.post("/inbound/email", status_code=202)
async def inbound_email(request: Request, org: CurrentOrg, runtime: RuntimeDep) -> JSONResponse:
    """Take one raw MIME message (the body, as inbound-mail webhooks deliver it). Each PDF,
    image or e-invoice XML attachment becomes a job; a message without one is recorded as a
    failed job with the reason. 413 for a message over the size limit."""
    raw = await read_limited(request.stream(), max_bytes=runtime.settings.max_email_bytes,
                             what="the message")
    result = await intake_of(request.app).run(accept_message, runtime,
                                              _dispatcher(request.app), org.id, raw)
    return JSONResponse({
        "jobs": [job_view(r.job, duplicate=r.duplicate) for r in result.jobs],
        "skipped": [{"filename": s.filename, "reason": s.reason} for s in result.skipped],
        "reason": result.reason,
    }, status_code=202)


@router.get("/jobs")
def list_jobs(org: CurrentOrg, runtime: RuntimeDep,
              status: Annotated[JobStatus | None, Query()] = None,
              limit: Annotated[int, Query(ge=1, le=500)] = 50,
              offset: Offset = 0) -> dict[str, Any]:
    """The organization's jobs, newest first, optionally of one status."""
    with runtime.repository(org.id) as repo:
        jobs = repo.list_jobs(status=status, limit=limit, offset=offset)
    return {"jobs": [job_view(job) for job in jobs]}


@router.get("/jobs/{job_id}")
def get_job(job_id: str, org: CurrentOrg, runtime: RuntimeDep) -> dict[str, Any]:
    """One job: its status, its error, and the extracted bill when done."""
    with runtime.repository(org.id) as repo:
        return job_view(repo.get_job(job_id))


@router.post("/jobs/{job_id}/retry", status_code=202)
def retry(job_id: str, request: Request, org: CurrentOrg, runtime: RuntimeDep) -> dict[str, Any]:
    """Run a failed job again (its original was kept)."""
    job = retry_job(runtime, org.id, job_id)
    _dispatcher(request.app).submit(org.id, job.id)
    return job_view(job)
