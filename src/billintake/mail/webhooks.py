"""Inbound-mail webhooks of the common mail services: their checks and their message shapes.

Each service's request becomes one raw MIME message (what the SMTP listener and
`POST /inbound/email` take) and its recipient addresses; nothing here touches HTTP or storage.

- **Mailgun** (a route's `forward()` to `/inbound/mailgun`, or `.../mime`): form fields
  `timestamp`, `token`, `signature` = hex HMAC-SHA256 of timestamp + token under the
  webhook signing key; the message as `body-mime`, or as parsed fields (`sender`, `recipient`,
  `subject`, `body-plain`, files `attachment-1`…).
- **Postmark** (inbound webhook, JSON): Postmark signs nothing; its documented protection is
  HTTP basic auth in the webhook URL, checked here. `RawEmail` when "include raw email" is on,
  else `From`, `ToFull`, `Subject`, `TextBody`, `Attachments` (base64 `Content`).
- **SendGrid** (Inbound Parse, multipart form): with a security policy that signs, headers
  `X-Twilio-Email-Event-Webhook-Signature` (base64 ECDSA P-256/SHA-256 signature of the
  timestamp followed by the raw body) and `X-Twilio-Email-Event-Webhook-Timestamp`, checked
  with the policy's public key; else basic auth in the URL. The message as `email` ("send raw")
  or as fields (`from`, `to`, `subject`, `text`, files `attachment1`…), recipients from
  `envelope`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any

from billintake.domain.errors import Unauthorized, ValidationFailed
from billintake.mail.message import Attachment

MAX_CLOCK_SKEW_S = 300  # a signed request older (or newer) than this is a replay
SENDGRID_SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature"
SENDGRID_TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp"


@dataclass(frozen=True)
class InboundMail:
    """What a webhook delivered: the raw message and who it was for."""

    raw: bytes
    recipients: tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------


def _fresh(timestamp: str, now: float | None) -> None:
    try:
        moment = float(timestamp)
    except ValueError:
        raise Unauthorized("the webhook's timestamp is not a number") from None
    if abs((now if now is not None else time.time()) - moment) > MAX_CLOCK_SKEW_S:
        raise Unauthorized("the webhook's timestamp is too old or in the future (a replay?)")


def verify_mailgun(signing_key: str, timestamp: str, token: str, signature: str, *,
                   now: float | None = None) -> None:
    """Mailgun's signature: hex HMAC-SHA256(signing key, timestamp + token), and a fresh
    timestamp. Raises Unauthorized."""
    if not signing_key:
        raise Unauthorized("no Mailgun signing key is set (BILLINTAKE_MAILGUN_SIGNING_KEY)")
    expected = hmac.new(signing_key.encode(), f"{timestamp}{token}".encode(),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise Unauthorized("the Mailgun signature does not match")
    _fresh(timestamp, now)


def verify_basic_auth(authorization: str | None, user: str, password: str, service: str) -> None:
    """HTTP basic auth as put in the webhook URL (https://user:password@host/...)."""
    if not user or not password:
        raise Unauthorized(f"no {service} webhook user and password are set")
    scheme, _, value = (authorization or "").partition(" ")
    try:
        given_user, _, given_password = base64.b64decode(value, validate=True).decode(
            ).partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized(f"the {service} webhook's credentials are not readable") from None
    if scheme.lower() != "basic" or not (
            hmac.compare_digest(given_user.encode(), user.encode())
            & hmac.compare_digest(given_password.encode(), password.encode())):
        raise Unauthorized(f"the {service} webhook's credentials do not match")


def verify_sendgrid(public_key: str, signature: str | None, timestamp: str | None, body: bytes,
                    *, now: float | None = None) -> None:
    """SendGrid's signed webhook: ECDSA (P-256, SHA-256) over timestamp + raw body, checked
    with the policy's public key (base64 DER, as SendGrid shows it)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    if not signature or not timestamp:
        raise Unauthorized("the SendGrid request is not signed")
    try:
        key = serialization.load_der_public_key(base64.b64decode(public_key))
        signed = base64.b64decode(signature, validate=True)
    except (ValueError, binascii.Error):
        raise Unauthorized("the SendGrid signature or public key is not readable") from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise Unauthorized("the SendGrid public key is not an elliptic-curve key")
    try:
        key.verify(signed, timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Unauthorized("the SendGrid signature does not match") from None
    _fresh(timestamp, now)


# ---------------------------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------------------------


def build_message(*, sender: str, recipients: Iterable[str], subject: str, text: str,
                  attachments: Iterable[Attachment], headers: Mapping[str, str] | None = None
                  ) -> bytes:
    """A MIME message from a service's parsed fields (when it did not send the raw one)."""
    message = EmailMessage()
    for name, value in (headers or {}).items():
        if name.lower() in ("message-id", "date", "reply-to"):
            message[name] = value
    message["From"] = sender or "unknown@invalid"
    message["To"] = ", ".join(recipients) or "unknown@invalid"
    message["Subject"] = subject
    message.set_content(text or "")
    for part in attachments:
        maintype, _, subtype = (part.media_type or "application/octet-stream").partition("/")
        message.add_attachment(part.data, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=part.filename)
    return message.as_bytes()


def _addresses(*values: str | None) -> tuple[str, ...]:
    found = [address for _name, address in getaddresses([v for v in values if v]) if address]
    return tuple(dict.fromkeys(found))


def _numbered(files: Mapping[str, Attachment], count: Any, prefix: str) -> list[Attachment]:
    """The files a form numbers from 1 (`attachment-1`, …), as many as it says it sent."""
    try:
        total = min(int(count or 0), len(files))  # never more than were sent
    except (TypeError, ValueError):
        raise ValidationFailed(f"the attachment count {str(count)[:20]!r} is not a number",
                               field="attachments") from None
    return [files[f"{prefix}{i}"] for i in range(1, total + 1) if f"{prefix}{i}" in files]


def mailgun_mail(form: Mapping[str, Any], files: Mapping[str, Attachment]) -> InboundMail:
    recipients = _addresses(form.get("recipient"), form.get("To"))
    if mime := form.get("body-mime"):
        return InboundMail(str(mime).encode("utf-8", "surrogateescape"), recipients)
    parts = _numbered(files, form.get("attachment-count"), "attachment-")
    raw = build_message(sender=str(form.get("sender") or form.get("from") or ""),
                        recipients=recipients, subject=str(form.get("subject") or ""),
                        text=str(form.get("body-plain") or ""), attachments=parts,
                        headers={"Message-Id": str(form.get("Message-Id") or "")}
                        if form.get("Message-Id") else None)
    return InboundMail(raw, recipients)


def postmark_mail(body: Mapping[str, Any]) -> InboundMail:
    full = [r.get("Email", "") for key in ("ToFull", "CcFull", "BccFull")
            for r in body.get(key) or [] if isinstance(r, dict)]
    recipients = _addresses(body.get("OriginalRecipient"), *full, body.get("To"))
    if raw := body.get("RawEmail"):
        return InboundMail(str(raw).encode("utf-8", "surrogateescape"), recipients)
    parts = []
    for item in body.get("Attachments") or []:
        try:
            data = base64.b64decode(item.get("Content") or "", validate=True)
        except (binascii.Error, AttributeError):
            raise ValidationFailed("a Postmark attachment's Content is not base64",
                                   field="Attachments") from None
        parts.append(Attachment(str(item.get("Name") or "attachment"), data,
                                str(item.get("ContentType") or "application/octet-stream")))
    headers = {h.get("Name", ""): h.get("Value", "") for h in body.get("Headers") or []
               if isinstance(h, dict)}
    if body.get("MessageID"):
        headers.setdefault("Message-ID", f"<{body['MessageID']}>")
    raw_message = build_message(sender=str(body.get("From") or ""), recipients=recipients,
                                subject=str(body.get("Subject") or ""),
                                text=str(body.get("TextBody") or ""), attachments=parts,
                                headers=headers)
    return InboundMail(raw_message, recipients)


def sendgrid_mail(form: Mapping[str, Any], files: Mapping[str, Attachment]) -> InboundMail:
    envelope: dict[str, Any] = {}
    if form.get("envelope"):
        try:
            envelope = json.loads(str(form["envelope"]))
        except json.JSONDecodeError:
            envelope = {}
    recipients = _addresses(*(envelope.get("to") or []), form.get("to"))
    if raw := form.get("email"):
        return InboundMail(str(raw).encode("utf-8", "surrogateescape"), recipients)
    parts = _numbered(files, form.get("attachments"), "attachment")
    raw_message = build_message(sender=str(form.get("from") or envelope.get("from") or ""),
                                recipients=recipients, subject=str(form.get("subject") or ""),
                                text=str(form.get("text") or ""), attachments=parts)
    return InboundMail(raw_message, recipients)
