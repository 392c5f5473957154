"""`billintake smtp`: an SMTP listener (aiosmtpd) taking mail for `bills+<org-slug>@<domain>`.

Recipients that are not an organization's intake address are refused at RCPT (550); a
message over `max_email_bytes` is refused (552); a message is accepted (250) only after its
files are stored and its jobs recorded, otherwise the sender is told to try again later (451),
so a message is never acknowledged and then lost.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from billintake.bootstrap import Runtime
from billintake.domain.errors import BillintakeError
from billintake.mail.message import slug_from_address
from billintake.queue import Dispatcher
from billintake.services.receive import accept_message

log = logging.getLogger(__name__)


class IntakeHandler:
    """aiosmtpd handler: route each recipient to its organization, then take the message in."""

    def __init__(self, runtime: Runtime, dispatcher: Dispatcher) -> None:
        self.runtime = runtime
        self.dispatcher = dispatcher
        self.domain = runtime.settings.intake_domain

    def _organization_id(self, address: str) -> str | None:
        slug = slug_from_address(address, self.domain)
        if slug is None:
            return None
        with self.runtime.directory() as directory:
            org = directory.organization_by_slug(slug)
        return None if org is None else org.id

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        org_id = await asyncio.to_thread(self._organization_id, address)
        if org_id is None:
            return f"550 5.1.1 <{address}> is not a bill intake address here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        limit = self.runtime.settings.max_email_bytes
        if len(raw) > limit:
            return f"552 5.3.4 message is larger than the limit of {limit} bytes"
        accepted = 0
        for address in dict.fromkeys(envelope.rcpt_tos):
            org_id = await asyncio.to_thread(self._organization_id, address)
            if org_id is None:
                continue
            try:
                result = await asyncio.to_thread(accept_message, self.runtime, self.dispatcher,
                                                 org_id, raw)
            except BillintakeError as exc:
                return f"554 5.6.0 {exc.message}"
            except Exception:
                log.exception("could not take in a message", extra={"organization_id": org_id})
                return "451 4.3.0 temporary failure storing the message; try again later"
            accepted += len(result.jobs)
            log.info("email received", extra={"organization_id": org_id,
                                               "jobs": len(result.jobs)})
        return "250 2.0.0 message accepted" if accepted else "250 2.0.0 message recorded"


def start_smtp(runtime: Runtime, dispatcher: Dispatcher, *, host: str | None = None,
               port: int | None = None) -> Controller:
    """Start the listener in a background thread; `.stop()` the returned controller."""
    settings = runtime.settings
    controller = Controller(
        IntakeHandler(runtime, dispatcher), hostname=host or settings.smtp_host,
        port=port or settings.smtp_port, data_size_limit=settings.max_email_bytes,
        decode_data=False, **_server_kwargs())
    controller.start()
    return controller


def _server_kwargs() -> dict[str, Any]:
    # Intake addresses are ours to check at RCPT; clients need no AUTH on a private listener.
    return {"auth_require_tls": False}
