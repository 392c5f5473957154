"""The funnel every channel ends in: store, record the job, hand it to the dispatcher."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from billintake.bootstrap import Runtime
from billintake.domain.errors import NoUsableAttachment, TooLarge
from billintake.domain.model import Channel
from billintake.entrypoints.intake.email import (
    InboundMessage,
    SkippedPart,
    parse_message,
    sanitize_filename,
)
from billintake.queue import Dispatcher
from billintake.services.pipeline import Received, receive

log = logging.getLogger(__name__)


def accept_file(runtime: Runtime, dispatcher: Dispatcher, organization_id: str, data: bytes, *,
                filename: str, channel: Channel, hints: dict[str, str] | None = None,
                einvoice_xml: bytes | None = None) -> Received:
    """Receive one file and queue its job (a file seen before links to its first job)."""
    received = receive(runtime, organization_id, data, filename=filename, channel=channel,
                       hints=hints, einvoice_xml=einvoice_xml)
    if received.needs_dispatch:
        try:
            dispatcher.submit(organization_id, received.job.id)
        except Exception:  # e.g. Redis down: the job is stored and stays queued
            log.exception("could not dispatch job %s; it stays queued (`billintake requeue`)",
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
    """Turn a raw MIME message into jobs; refuses (TooLarge) a message over the size limit."""
    limit = runtime.settings.max_email_bytes
    if len(raw) > limit:
        raise TooLarge(f"the message is {len(raw)} bytes, over the limit of {limit} bytes")
    from billintake.reading.sniff import sniff

    message = parse_message(raw, max_bytes=limit,
                            sniff=lambda data: sniff(data, settings=runtime.settings))
    result = MessageResult(skipped=list(message.skipped), reason=message.no_bill_reason)
    for bill in message.bills:
        result.jobs.append(accept_file(
            runtime, dispatcher, organization_id, bill.original.data,
            filename=bill.original.filename, channel=Channel.EMAIL, hints=message.hints(bill),
            einvoice_xml=bill.einvoice.data if bill.einvoice else None))
    if not message.bills:
        result.jobs.append(receive(
            runtime, organization_id, raw, filename=_message_filename(message),
            channel=Channel.EMAIL, hints=message.hints(), media_type="message/rfc822",
            failure=NoUsableAttachment(result.reason or "no usable attachment")))
    return result


def _message_filename(message: InboundMessage) -> str:
    base = sanitize_filename(message.subject, fallback="message")[:80]
    return f"{base}.eml"
