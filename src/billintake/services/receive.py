"""The funnel every channel ends in: store, sniff once, record the job, hand it to the dispatcher.

`receive()` decides a file's media type by its content, once, and records it on the Document;
the job run reads that record and never sniffs again. A channel that has already sniffed the
file (the upload route, to refuse a bad file with 415; email, to pick the attachments) passes
the type it found, so the file is still sniffed only once. A file that is no bill format is
kept and recorded as a failed job that says why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from billintake.bootstrap import Runtime
from billintake.domain.errors import (
    BillintakeError,
    MalformedMessage,
    NoUsableAttachment,
    TooLarge,
)
from billintake.domain.model import EINVOICE_HINT, Channel, Document, IngestJob, JobStatus
from billintake.mail.message import (
    InboundMessage,
    SkippedPart,
    parse_message,
    sanitize_filename,
)
from billintake.queue.dispatcher import Dispatcher
from billintake.reading.sniff import sniff
from billintake.services.record import Recording, record
from billintake.settings import Settings
from billintake.storage import leases

log = logging.getLogger(__name__)

UNKNOWN_MEDIA_TYPE = "application/octet-stream"  # recorded for a file that is no bill format


@dataclass(frozen=True)
class Received:
    """A received file's job; `duplicate` when the same content had already been received."""

    job: IngestJob
    duplicate: bool = False

    @property
    def needs_dispatch(self) -> bool:
        """Its job is unfinished: new, or the same file's job a stopped process left (the
        dispatcher takes it only if no live process holds its lease)."""
        return not self.job.status.is_final


def receive(runtime: Runtime, organization_id: str, data: bytes, *, filename: str,
            channel: Channel, hints: dict[str, str] | None = None,
            einvoice_xml: bytes | None = None, media_type: str | None = None,
            failure: BillintakeError | None = None,
            lease: tuple[str, float] | None = None) -> Received:
    """Store the original and commit its IngestJob row; the same content links to its first job.

    `lease` (holder, seconds): a new job is committed already held by the dispatcher that
    will queue it, in the same transaction (one write per file on the request path).

    `media_type` is the type the caller sniffed `data` as (never a name's or a client's
    claim); without it the content is sniffed here. A file that sniffing refuses (not a bill
    format, empty, over the size limit) becomes a failed job with the reason.
    `einvoice_xml` is an XML that arrived beside the original (it becomes the bill's data).
    `failure` records, instead of a job to run, a received item that cannot become a bill
    (e.g. an email without a usable attachment): the job is written as failed with the reason.
    """
    sha256 = runtime.originals.put(data)
    job_hints = dict(hints or {})
    if einvoice_xml is not None:
        job_hints[EINVOICE_HINT] = runtime.originals.put(einvoice_xml)
    if media_type is None:
        media_type, refused = _media_type(data, runtime.settings)
        failure = failure or refused
    held_by = None if lease is None or failure is not None else (
        lease[0], leases.until(lease[1]))
    job = IngestJob(organization_id=organization_id, channel=channel, document_sha256=sha256,
                    original_filename=filename[:255], hints=job_hints)
    if failure is not None:
        job.status, job.error, job.error_code = (JobStatus.FAILED, failure.message,
                                                 failure.code)
    done = record(Recording(runtime, Document(
        sha256=sha256, organization_id=organization_id, original_filename=filename[:255],
        media_type=media_type, size=len(data)), job, held_by=held_by))
    if done.existing is not None:
        log.info("duplicate file", extra={"job_id": done.existing.id,
                                          "organization_id": organization_id})
        return Received(job=done.existing, duplicate=True)
    log.info("received", extra={"job_id": job.id, "organization_id": organization_id,
                                "channel": channel.value, "status": job.status.value})
    return Received(job=job)


def _media_type(data: bytes, settings: Settings) -> tuple[str, BillintakeError | None]:
    """The media type of `data` by content, or `UNKNOWN_MEDIA_TYPE` and why it was refused."""
    try:
        return sniff(data, settings=settings), None
    except BillintakeError as exc:
        return UNKNOWN_MEDIA_TYPE, exc


def accept_file(runtime: Runtime, dispatcher: Dispatcher, organization_id: str, data: bytes, *,
                filename: str, channel: Channel, hints: dict[str, str] | None = None,
                einvoice_xml: bytes | None = None, media_type: str | None = None) -> Received:
    """Receive one file and queue its job (a file seen before links to its first job);
    `media_type` as in `receive()`."""
    holder = getattr(dispatcher, "owner", None)
    lease = (holder, float(getattr(dispatcher, "lease_s", 60.0))) if holder else None
    received = receive(runtime, organization_id, data, filename=filename, channel=channel,
                       hints=hints, einvoice_xml=einvoice_xml, media_type=media_type,
                       lease=lease)
    if received.needs_dispatch:
        try:
            dispatcher.submit(organization_id, received.job.id,
                              held=lease is not None and not received.duplicate)
        except Exception:  # e.g. Redis down: the job is stored and stays queued
            log.exception("could not dispatch job %s; it stays queued, taken again later",
                          received.job.id, extra={"job_id": received.job.id,
                                                  "organization_id": organization_id})
    return received


@dataclass
class MessageResult:
    """What became of one email: a job per bill, or one failed job saying why there is none."""

    jobs: list[Received] = field(default_factory=list)
    skipped: list[SkippedPart] = field(default_factory=list)
    reason: str | None = None


def accept_message(runtime: Runtime, dispatcher: Dispatcher, organization_id: str,
                   raw: bytes) -> MessageResult:
    """Turn a raw MIME message into jobs; refuses (TooLarge) a message over the size limit.

    Each attachment is sniffed once, here, to pick the bills; its job keeps that media type.
    A message that cannot be taken apart (MIME nested too deep) is recorded as a failed job
    with the reason, then refused with `MalformedMessage` naming that job: the sender is told
    for good, and the message is not lost.
    """
    limit = runtime.settings.max_email_bytes
    if len(raw) > limit:
        raise TooLarge(f"the message is {len(raw)} bytes, over the limit of {limit} bytes")
    try:
        message = parse_message(raw, max_bytes=limit,
                                sniff=lambda data: sniff(data, settings=runtime.settings))
    except MalformedMessage as exc:
        recorded = receive(runtime, organization_id, raw, filename="message.eml",
                           channel=Channel.EMAIL, media_type="message/rfc822", failure=exc)
        raise MalformedMessage(exc.message, job_id=recorded.job.id) from exc
    result = MessageResult(skipped=list(message.skipped), reason=message.no_bill_reason)
    for bill in message.bills:
        result.jobs.append(accept_file(
            runtime, dispatcher, organization_id, bill.original.data,
            filename=bill.original.filename, channel=Channel.EMAIL, hints=message.hints(bill),
            einvoice_xml=bill.einvoice.data if bill.einvoice else None,
            media_type=bill.original.media_type))
    if not message.bills:
        result.jobs.append(receive(
            runtime, organization_id, raw, filename=_message_filename(message),
            channel=Channel.EMAIL, hints=message.hints(), media_type="message/rfc822",
            failure=NoUsableAttachment(result.reason or "no usable attachment")))
    return result


def _message_filename(message: InboundMessage) -> str:
    base = sanitize_filename(message.subject, fallback="message")[:80]
    return f"{base}.eml"
