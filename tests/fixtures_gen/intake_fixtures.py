"""Bills and raw MIME messages for the intake, job and end-to-end tests, built from code.

Digital bills come from the synthetic generator (`billintake_devkit.synth`), e-invoices from the
e-invoice fixture generators; messages are assembled with the standard `email` package.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from billintake_devkit.einvoice_fixtures.cii import cii_xml
from billintake_devkit.einvoice_fixtures.pdf import render_pdf
from billintake_devkit.einvoice_fixtures.samples import (
    HARBOUR,
    NORDWIND,
    OFFICE_LINES,
    POLDER,
    invoice,
)
from billintake_devkit.synth.generate import make_bill

from billintake.bootstrap import Runtime
from billintake.domain.model import IngestJob, Organization, Vendor

SYNTH_SEED = 7


@dataclass(frozen=True)
class BillFile:
    name: str
    data: bytes
    vendor_name: str
    vendor_tax_id: str | None = None
    vendor_email: str | None = None


def digital_bill(index: int) -> BillFile:
    """A text-layer PDF bill from the synthetic generator (deterministic)."""
    bill = make_bill(SYNTH_SEED, "test", index)
    return BillFile(name=f"bill-{index:03d}.pdf", data=bill.pdf_bytes,
                    vendor_name=bill.truth["vendor_name"])


def einvoice(number: str = "RE-2024-0042", seller: object = NORDWIND) -> tuple[bytes, bytes]:
    """(visual PDF, CII XML) of one e-invoice: exact data, so it passes every threshold."""
    spec = invoice(number, date(2024, 3, 5), seller, OFFICE_LINES)  # type: ignore[arg-type]
    return render_pdf(spec), cii_xml(spec, "en16931")


def ubl_einvoice(number: str = "INV-UBL-1") -> bytes:
    """A standalone UBL (Peppol BIS) invoice from a known seller."""
    from billintake_devkit.einvoice_fixtures.ubl import ubl_xml

    return ubl_xml(invoice(number, date(2024, 4, 2), POLDER, OFFICE_LINES))


EINVOICE_SELLERS = (NORDWIND, HARBOUR, POLDER)


def einvoice_vendors(organization_id: str) -> list[Vendor]:
    return [Vendor(organization_id=organization_id, name=p.name, tax_id=p.vat_id, email=p.email)
            for p in EINVOICE_SELLERS]


def make_org(runtime: Runtime, slug: str = "acme", vendor_names: list[str] | None = None, *,
             known_sellers: bool = True) -> tuple[Organization, str]:
    """An organization with an API key, knowing `vendor_names` and (unless `known_sellers` is
    False, which sends every bill to review) the e-invoice sellers."""
    with runtime.directory() as directory:
        org, key = directory.create_organization(slug.title(), slug)
    with runtime.repository(org.id) as repo:
        for vendor in einvoice_vendors(org.id) if known_sellers else []:
            repo.add_vendor(vendor)
        for name in vendor_names or []:
            repo.add_vendor(Vendor(organization_id=org.id, name=name))
    return org, key


# ---------------------------------------------------------------------------------------------
# Raw MIME messages
# ---------------------------------------------------------------------------------------------

def _message(sender: str, to: str, subject: str, body: str = "Please find the bill attached.",
             ) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="vendor.example")
    message.set_content(body)
    return message


def _wire(message: EmailMessage) -> bytes:
    """The message as sent over SMTP: CRLF line ends."""
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


def plain_message(to: str, pdf: bytes, *, sender: str = "Billing <billing@harbourprint.example>",
                  filename: str = "invoice.pdf", subject: str = "Invoice 1001") -> bytes:
    message = _message(sender, to, subject)
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    return _wire(message)


def several_attachments(to: str, files: list[tuple[str, bytes, str]]) -> bytes:
    """One message with several attachments: (filename, data, media type)."""
    message = _message("ap@supplier.example", to, "Three bills")
    for name, data, media_type in files:
        maintype, subtype = media_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return _wire(message)


def forwarded_message(to: str, pdf: bytes, *, vendor: str = "invoices@nordwind-buero.example",
                      colleague: str = "jane@acme.example") -> bytes:
    """A colleague forwards the vendor's message as an attachment (message/rfc822)."""
    inner = _message(vendor, "jane@acme.example", "Rechnung RE-2024-0042")
    inner.add_attachment(pdf, maintype="application", subtype="pdf", filename="rechnung.pdf")
    outer = _message(colleague, to, "Fwd: Rechnung RE-2024-0042", "FYI, forwarding.")
    outer.add_attachment(inner)
    return _wire(outer)


def inline_image_message(to: str, png: bytes) -> bytes:
    """An HTML mail with the bill as an inline image (multipart/related)."""
    message = _message("shop@kiosk.example", to, "Your receipt")
    message.add_alternative("<p>Your receipt:</p><img src='cid:receipt'>", subtype="html")
    html = message.get_payload()[1]
    html.add_related(png, maintype="image", subtype="png", cid="<receipt>",
                     disposition="inline")
    return _wire(message)


def no_attachment_message(to: str) -> bytes:
    return _wire(_message("someone@vendor.example", to, "Where is my payment?",
                    "Hello, we have not received payment yet."))


def nested_message(to: str, depth: int, pdf: bytes | None = None) -> bytes:
    """A message whose multiparts sit `depth` deep inside one another, the innermost holding a
    note (and `pdf`, when given): hand-written, as no mail library builds such a thing."""
    head = (f"From: someone@vendor.example\r\nTo: {to}\r\nSubject: nested {depth}\r\n"
            "MIME-Version: 1.0\r\n")
    opening = "".join(f'Content-Type: multipart/mixed; boundary="level{i}"\r\n\r\n'
                      f"--level{i}\r\n" for i in range(depth))
    inner = "Content-Type: text/plain\r\n\r\nthe bill is inside\r\n"
    if pdf is not None:
        import base64

        inner += (f"--level{depth - 1}\r\nContent-Type: application/pdf\r\n"
                  'Content-Disposition: attachment; filename="deep.pdf"\r\n'
                  "Content-Transfer-Encoding: base64\r\n\r\n"
                  + base64.encodebytes(pdf).decode().replace("\n", "\r\n"))
    closing = "".join(f"--level{i}--\r\n" for i in reversed(range(depth)))
    return (head + opening + inner + closing).encode()


def hostile_name_message(to: str, pdf: bytes) -> bytes:
    message = _message("evil@attacker.example", to, "invoice")
    message.add_attachment(pdf, maintype="application", subtype="octet-stream",
                           filename="../../../etc/cron.d/..\\..\\evil\x07.pdf")
    return _wire(message)


def with_xml_beside_pdf(to: str, pdf: bytes, xml: bytes) -> bytes:
    message = _message("rechnung@nordwind-buero.example", to, "Rechnung RE-2024-0042")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename="RE-2024-0042.pdf")
    message.add_attachment(xml, maintype="application", subtype="xml", filename="factur-x.xml")
    return _wire(message)


def oversized_message(to: str, size: int) -> bytes:
    message = _message("big@vendor.example", to, "huge")
    message.add_attachment(b"%PDF-1.4\n" + b"0" * size, maintype="application", subtype="pdf",
                           filename="huge.pdf")
    return _wire(message)


def png_bytes() -> bytes:
    """A small PNG (not a bill a reader can make sense of, but a valid image)."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("L", (400, 200), 255)
    ImageDraw.Draw(image).text((20, 80), "RECEIPT  TOTAL 12.50", fill=0)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# A running server
# ---------------------------------------------------------------------------------------------

def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_app(runtime: Runtime, dispatcher: Any = None) -> Iterator[str]:
    """The real app served by uvicorn on a free port (in a thread); yields its base URL.
    `dispatcher`: the one its jobs go to (default: the runtime's, made by the app)."""
    import threading
    import time

    import uvicorn

    from billintake.entrypoints.api.app import create_app

    port = free_port()
    app = create_app(runtime=runtime)
    if dispatcher is not None:
        app.state.dispatcher = dispatcher
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def wait_final(runtime: Runtime, organization_id: str, job_ids: list[str],
               timeout_s: float = 60.0) -> list[IngestJob]:
    """Poll the jobs until each is final (pushed, needs_review, failed)."""
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        with runtime.repository(organization_id) as repo:
            jobs = [repo.get_job(job_id) for job_id in job_ids]
        if all(job.status.is_final for job in jobs):
            return jobs
        if time.monotonic() > deadline:
            raise TimeoutError(f"jobs not final: {[(j.id, j.status.value) for j in jobs]}")
        time.sleep(0.1)


def scanned_bill(index: int = 0) -> BillFile:
    """A small scanned bill: one page rendered at 150 dpi, tilted and noisy, as a PNG."""
    from billintake_devkit.synth.scan import ScanQuality, scan

    bill = make_bill(SYNTH_SEED, "test", index, receipt_fraction=0.0)
    quality = ScanQuality(dpi=150, angle=0.6, blur=0.4, noise=6.0, jpeg_quality=80)
    data, _kind = scan(bill.pdf_bytes, quality, seed=index, as_png=True)
    return BillFile(name=f"scan-{index:03d}.png", data=data,
                    vendor_name=bill.truth["vendor_name"])


def receive_in_process(settings_values: dict[str, object], organization_id: str, data: bytes,
                       start_at: float) -> str:
    """Receive `data` in a fresh process at `start_at` (time.time()); the job id (for races)."""
    import os
    import time

    from billintake.domain.model import Channel
    from billintake.services.receive import receive
    from billintake.settings import Settings

    runtime = Runtime.from_settings(Settings(**settings_values), migrate_db=False)  # type: ignore[arg-type]
    receive(runtime, organization_id, f"warm-up {os.getpid()}".encode(), filename="warm.txt",
            channel=Channel.UPLOAD)  # connections and caches ready: the race is the real one
    time.sleep(max(0.0, start_at - time.time()))
    job_id = receive(runtime, organization_id, data, filename="race.xml",
                     channel=Channel.UPLOAD).job.id
    runtime.close()
    return job_id
