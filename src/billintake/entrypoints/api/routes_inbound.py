"""Inbound-mail webhooks of Mailgun, Postmark and SendGrid: each request is checked the way
its service documents (signature or basic auth; see `billintake.mail.webhooks`), becomes one
raw MIME message and goes where a message to the intake address goes (bills+<slug>@<domain>).

No API key: the service proves itself, and the recipient names the organization. A request
for no intake address here is refused with 406 (Mailgun then stops retrying).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from billintake.bootstrap import Runtime
from billintake.domain.errors import ValidationFailed
from billintake.entrypoints.api.auth import RuntimeDep
from billintake.entrypoints.api.routes_intake import dispatcher_of, intake_of, job_view
from billintake.entrypoints.intake.upload import read_limited
from billintake.mail import webhooks
from billintake.mail.message import slug_from_address
from billintake.services.receive import accept_message

router = APIRouter(tags=["intake"], prefix="/inbound")

MAX_PARTS = 200  # form fields and files of one webhook request


async def _body(request: Request, runtime: Runtime) -> bytes:
    return await read_limited(request.stream(), max_bytes=runtime.settings.max_email_bytes,
                              what="the webhook request")


async def _form(request: Request, body: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """The form fields and files of an already-read (size-checked) body."""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    form = await Request(request.scope, receive).form(max_files=MAX_PARTS,
                                                      max_fields=MAX_PARTS)
    fields: dict[str, Any] = {}
    files: dict[str, webhooks.Attachment] = {}
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            files[name] = webhooks.Attachment(value.filename or name, await value.read(),
                                              value.content_type or "application/octet-stream")
        else:
            fields[name] = value
    return fields, files


async def _take(request: Request, runtime: Runtime, mail: webhooks.InboundMail) -> JSONResponse:
    domain = runtime.settings.intake_domain
    slugs = [s for s in (slug_from_address(a, domain) for a in mail.recipients) if s]

    def lookup() -> list[str]:
        with runtime.directory() as directory:
            found = [directory.organization_by_slug(slug) for slug in dict.fromkeys(slugs)]
        return [org.id for org in found if org is not None]

    organization_ids = await run_in_threadpool(lookup)
    if not organization_ids:
        return JSONResponse({"error": "not_an_intake_address",
                             "detail": f"none of {list(mail.recipients)} is a bill intake "
                                       f"address here (bills+<org>@{domain})"},
                            status_code=406)
    jobs: list[dict[str, Any]] = []
    for organization_id in organization_ids:
        result = await intake_of(request.app).run(accept_message, runtime,
                                                  dispatcher_of(request.app), organization_id,
                                                  mail.raw)
        jobs.extend(job_view(r.job, duplicate=r.duplicate) for r in result.jobs)
    return JSONResponse({"jobs": jobs}, status_code=202)


@router.post("/mailgun", status_code=202)
@router.post("/mailgun/mime", status_code=202, include_in_schema=False)
async def mailgun(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """A Mailgun route's `forward()`: signed with the webhook signing key."""
    fields, files = await _form(request, await _body(request, runtime))
    webhooks.verify_mailgun(runtime.settings.mailgun_signing_key.get_secret_value(),
                            str(fields.get("timestamp", "")), str(fields.get("token", "")),
                            str(fields.get("signature", "")))
    return await _take(request, runtime, webhooks.mailgun_mail(fields, files))


@router.post("/postmark", status_code=202)
async def postmark(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """Postmark's inbound webhook (JSON), behind basic auth in the webhook URL."""
    settings = runtime.settings
    webhooks.verify_basic_auth(request.headers.get("authorization"),
                               settings.postmark_webhook_user,
                               settings.postmark_webhook_password.get_secret_value(), "Postmark")
    body = await _body(request, runtime)
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"the Postmark request is not JSON ({exc.msg})") from exc
    if not isinstance(payload, dict):
        raise ValidationFailed("the Postmark request is not a JSON object")
    return await _take(request, runtime, webhooks.postmark_mail(payload))


@router.post("/sendgrid", status_code=202)
async def sendgrid(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """SendGrid Inbound Parse: signed by its security policy (ECDSA, public key in
    BILLINTAKE_SENDGRID_PUBLIC_KEY), or behind basic auth in the webhook URL."""
    settings = runtime.settings
    body = await _body(request, runtime)
    if settings.sendgrid_public_key:
        webhooks.verify_sendgrid(
            settings.sendgrid_public_key, request.headers.get(webhooks.SENDGRID_SIGNATURE),
            request.headers.get(webhooks.SENDGRID_TIMESTAMP), body)
    else:
        webhooks.verify_basic_auth(request.headers.get("authorization"),
                                   settings.sendgrid_webhook_user,
                                   settings.sendgrid_webhook_password.get_secret_value(),
                                   "SendGrid")
    fields, files = await _form(request, body)
    return await _take(request, runtime, webhooks.sendgrid_mail(fields, files))
