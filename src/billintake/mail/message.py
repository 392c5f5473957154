"""Email intake: a raw MIME message → the bill files it carries, with sender and subject hints.

Walks every part, including forwarded messages (`message/rfc822`) and inline parts; keeps PDFs,
images and e-invoice XML (recognised by content, not by the declared type); pairs an `.xml`
attachment with the PDF beside it (one bill: the PDF is the original, the XML its data); gives
every file a safe name. A message with nothing usable is reported with the reason.

The structure is measured by a flat scan before the parser sees it: a message whose multiparts
and attached messages nest deeper than `MAX_MIME_DEPTH` is refused (`MalformedMessage`), and
the walk over the parsed parts is iterative, so no message can exhaust the stack.
"""

from __future__ import annotations

import email
import email.policy
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from pathlib import PurePath
from typing import NamedTuple

from billintake.domain.errors import BillintakeError, MalformedMessage, TooLarge

BILL_MEDIA_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/tiff"})
XML_MEDIA_TYPE = "application/xml"
EXTENSIONS = {
    "application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg",
    "image/tiff": ".tif", XML_MEDIA_TYPE: ".xml",
}
_BODY_TYPES = frozenset({"text/plain", "text/html", "text/enriched", "text/calendar"})
_MAX_NAME = 120
MAX_MIME_DEPTH = 32  # multiparts and attached messages inside one another; real mail nests < 10
_CONTENT_TYPE = re.compile(rb"content-type[ \t]*:", re.IGNORECASE)
_BOUNDARY = re.compile(rb'boundary[ \t]*=[ \t]*(?:"([^"\r\n]+)"|([^\s;"]+))', re.IGNORECASE)

Sniffer = Callable[[bytes], str]


@dataclass(frozen=True)
class Attachment:
    """One file taken out of a message: a safe name, its bytes, its media type by content."""

    filename: str
    data: bytes
    media_type: str


@dataclass(frozen=True)
class BillFiles:
    """The files of one bill: the original (PDF, image or standalone XML) and an XML beside it.

    `sender` is the From of the message the files were attached to: inside a forwarded
    message that is the vendor, not the colleague who forwarded it.
    """

    original: Attachment
    einvoice: Attachment | None = None
    sender: str | None = None


class SkippedPart(NamedTuple):
    """An attachment left out of the bill, and why."""

    filename: str
    reason: str


@dataclass
class InboundMessage:
    """What a received message holds for intake."""

    sender: str | None
    subject: str | None
    message_id: str | None
    recipients: list[str] = field(default_factory=list)
    bills: list[BillFiles] = field(default_factory=list)
    skipped: list[SkippedPart] = field(default_factory=list)

    @property
    def sender_domain(self) -> str | None:
        if not self.sender or "@" not in self.sender:
            return None
        return self.sender.rsplit("@", 1)[1].lower()

    @property
    def no_bill_reason(self) -> str | None:
        """Why the message yields no bill, or None when it does."""
        if self.bills:
            return None
        if not self.skipped:
            return "the message has no attachment (expected a PDF, an image or an e-invoice XML)"
        details = "; ".join(f"{s.filename}: {s.reason}" for s in self.skipped)
        return f"no usable attachment ({details})"

    def hints(self, bill: BillFiles | None = None) -> dict[str, str]:
        """Sender and subject, kept with each job as hints for matching and review.

        For a bill found in a forwarded message, `email_sender` is that message's sender and
        `forwarded_by` the sender of the message received.
        """
        sender = (bill.sender if bill and bill.sender else None) or self.sender or ""
        hints = {"email_sender": sender, "email_subject": self.subject or "",
                 "email_message_id": self.message_id or ""}
        if bill and bill.sender and self.sender and bill.sender != self.sender:
            hints["forwarded_by"] = self.sender
        if "@" in sender:
            hints["sender_domain"] = sender.rsplit("@", 1)[1].lower()
        return {k: v for k, v in hints.items() if v}


def sanitize_filename(name: str | None, *, fallback: str = "attachment") -> str:
    """A file name safe to show and to write: no directories, no control characters, bounded."""
    text = unicodedata.normalize("NFKC", name or "")
    text = text.replace("\\", "/")
    text = PurePath(text).name if "/" in text else text
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = re.sub(r"[<>:\"|?*\x00]", "_", text).strip().strip(".").strip()
    text = re.sub(r"\s+", " ", text)
    if not text or text in {".", ".."}:
        text = fallback
    if len(text) > _MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        text = (stem[: _MAX_NAME - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 \
            else text[:_MAX_NAME]
    return text


def parse_message(raw: bytes, *, max_bytes: int, sniff: Sniffer | None = None) -> InboundMessage:
    """Parse a raw RFC 5322 message; raises `TooLarge` over `max_bytes`."""
    if len(raw) > max_bytes:
        raise TooLarge(f"the message is {len(raw)} bytes, over the limit of {max_bytes} bytes")
    depth = mime_depth(raw)
    if depth > MAX_MIME_DEPTH:
        raise MalformedMessage(f"the message's parts are nested {depth} deep, over the limit "
                               f"of {MAX_MIME_DEPTH}")
    sniff = sniff or _default_sniffer()
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
    except RecursionError as exc:  # a structure the scan did not see as nesting
        raise MalformedMessage("the message's structure is too deeply nested to read") from exc
    assert isinstance(message, EmailMessage)
    sender = _sender_of(message)
    recipients = [addr for _, addr in getaddresses(
        [str(v) for key in ("To", "Cc", "Delivered-To") for v in message.get_all(key, [])]
    ) if addr]
    inbound = InboundMessage(
        sender=sender,
        subject=_clean_header(message.get("Subject")),
        message_id=_clean_header(message.get("Message-ID")),
        recipients=recipients,
    )
    try:
        _collect(message, inbound, sniff, counter=[0])
    except RecursionError as exc:  # e.g. a header the parser folds recursively
        raise MalformedMessage("the message's structure is too deeply nested to read") from exc
    return inbound


def mime_depth(raw: bytes) -> int:
    """How deep multiparts and attached messages nest in `raw`, by one flat pass over its lines.

    Each `Content-Type: multipart/...` opens a level that its closing boundary (or a delimiter
    of an enclosing multipart) ends; each `message/rfc822` opens a level its enclosing part ends.
    Never recurses, so it measures what the recursive stdlib parser must not be given.
    """
    open_parts: list[bytes | None] = []
    levels: dict[bytes, list[int]] = {}  # each open boundary → its levels in `open_parts`
    deepest = 0
    lines = raw.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith(b"--") and levels:
            marker = line[2:].rstrip()
            closing = marker.endswith(b"--") and marker[:-2] in levels
            name = marker[:-2] if closing else marker
            if name in levels:  # a boundary of an open multipart: the parts inside it end
                keep = levels[name][-1] + (0 if closing else 1)
                while len(open_parts) > keep:
                    ended = open_parts.pop()
                    if ended is not None:
                        levels[ended].pop()
                        if not levels[ended]:
                            del levels[ended]
                index += 1
                continue
        if _CONTENT_TYPE.match(line):
            header = line
            while index + 1 < len(lines) and lines[index + 1][:1] in (b" ", b"\t"):
                index += 1
                header += b" " + lines[index].strip()
            value = header.split(b":", 1)[1].strip().lower()
            boundary = _BOUNDARY.search(header)
            if value.startswith(b"multipart/") and boundary:
                name = boundary.group(1) or boundary.group(2)
                levels.setdefault(name, []).append(len(open_parts))
                open_parts.append(name)
            elif value.startswith(b"message/rfc822"):
                open_parts.append(None)
            deepest = max(deepest, len(open_parts))
        index += 1
    return deepest


def _collect(message: Message, inbound: InboundMessage, sniff: Sniffer,
             counter: list[int]) -> None:
    """Gather each message's own files (paired), then those of the messages attached to it,
    breadth first, without recursion."""
    pending = [message]
    while pending:
        current = pending.pop(0)
        files: list[Attachment] = []
        nested: list[Message] = []
        for part in _leaf_parts(current, nested):
            found = _attachment(part, sniff, inbound, counter)
            if found is not None:
                files.append(found)
        inbound.bills.extend(_pair(files, sender=_sender_of(current)))
        pending.extend(nested)


def _leaf_parts(message: Message, nested: list[Message]) -> list[Message]:
    """Non-multipart parts of this message; attached messages go to `nested` instead."""
    leaves: list[Message] = []
    stack = [message]
    while stack:
        part = stack.pop(0)
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else payload
            if isinstance(inner, Message):
                nested.append(inner)
            continue
        if part.is_multipart():
            stack[0:0] = list(part.iter_parts()) if isinstance(part, EmailMessage) \
                else list(part.get_payload())
            continue
        leaves.append(part)
    return leaves


def _attachment(part: Message, sniff: Sniffer, inbound: InboundMessage,
                counter: list[int]) -> Attachment | None:
    declared_name = part.get_filename()
    disposition = (part.get_content_disposition() or "").lower()
    ctype = part.get_content_type()
    is_body = ctype in _BODY_TYPES and not declared_name and disposition != "attachment"
    if is_body:
        return None
    counter[0] += 1
    try:
        data = part.get_payload(decode=True) or b""
    except Exception:  # a broken transfer encoding
        data = b""
    shown = sanitize_filename(declared_name, fallback=f"attachment-{counter[0]}")
    if not data:
        inbound.skipped.append(SkippedPart(shown, "the attachment is empty"))
        return None
    try:
        media_type = sniff(data)
    except BillintakeError as exc:
        inbound.skipped.append(SkippedPart(shown, exc.message))
        return None
    if media_type not in BILL_MEDIA_TYPES and media_type != XML_MEDIA_TYPE:
        inbound.skipped.append(SkippedPart(shown, f"unsupported type {media_type}"))
        return None
    name = sanitize_filename(declared_name, fallback=f"attachment-{counter[0]}"
                             + EXTENSIONS[media_type])
    return Attachment(filename=name, data=data, media_type=media_type)


def _pair(files: list[Attachment], *, sender: str | None) -> list[BillFiles]:
    """Each XML joins the PDF/image of the same stem, else the only one beside it."""
    visuals = [f for f in files if f.media_type in BILL_MEDIA_TYPES]
    xmls = [f for f in files if f.media_type == XML_MEDIA_TYPE]
    partner: dict[int, Attachment] = {}
    standalone: list[Attachment] = []
    for xml in xmls:
        stem = PurePath(xml.filename).stem.lower()
        match = next((i for i, v in enumerate(visuals) if i not in partner
                      and PurePath(v.filename).stem.lower() == stem), None)
        if match is None and len(visuals) == 1 and 0 not in partner:
            match = 0
        if match is None:
            standalone.append(xml)
        else:
            partner[match] = xml
    bills = [BillFiles(original=v, einvoice=partner.get(i), sender=sender)
             for i, v in enumerate(visuals)]
    bills.extend(BillFiles(original=x, sender=sender) for x in standalone)
    return bills


def _sender_of(message: Message) -> str | None:
    try:
        address = parseaddr(str(message.get("From", "")))[1]
    except Exception:  # a header too broken to parse
        return None
    return address.strip().lower() or None


def _clean_header(value: object) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text[:500] or None


def _default_sniffer() -> Sniffer:
    from billintake.reading.sniff import sniff

    return sniff


INTAKE_LOCAL_PART = "bills"


def intake_address(slug: str, domain: str) -> str:
    """The address an organization's bills are sent to: `bills+<slug>@<domain>`."""
    return f"{INTAKE_LOCAL_PART}+{slug}@{domain}"


def slug_from_address(address: str, domain: str) -> str | None:
    """The organization slug an intake address names, or None if it is not one of ours."""
    local, at, host = address.strip().strip("<>").rpartition("@")
    if not at or host.lower().rstrip(".") != domain.lower():
        return None
    prefix, plus, slug = local.partition("+")
    if prefix.lower() != INTAKE_LOCAL_PART or not plus:
        return None
    slug = slug.lower()
    return slug if re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", slug) else None
