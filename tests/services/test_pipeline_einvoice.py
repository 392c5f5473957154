"""E-invoices through the job: the XML first, cross-checked with the page, else the page.

The pipeline's extract stage is the Extractor's `extract_bytes` path (the one `billintake
extract` uses), so these run the real reader, Extractor and e-invoice parser.

Review policy for a disagreement: when the printed page contradicts the XML, the XML's values
are kept and the bill is flagged (`needs_review`), so the job waits for a person whatever the
confidences — the same bill whose page agrees is booked without one.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from billintake_devkit.einvoice_fixtures import cii
from billintake_devkit.einvoice_fixtures.build import specs
from billintake_devkit.einvoice_fixtures.pdf import attach, embed_facturx, render_pdf
from fixtures_gen.intake_fixtures import make_org, wait_final

from billintake.bootstrap import Runtime
from billintake.domain.extracted import ExtractedBill
from billintake.domain.model import Channel, IngestJob, JobStatus
from billintake.extraction.einvoice import strip_embedded_xml
from billintake.queue.local import LocalDispatcher
from billintake.services.pipeline import run_job
from billintake.services.receive import accept_message, receive
from billintake.settings import Settings

SPEC = specs()["en16931"]  # seller Polder Software B.V., a vendor `make_org` knows


def facturx_pdf(**printed: object) -> bytes:
    return embed_facturx(render_pdf(SPEC, **printed),  # type: ignore[arg-type]
                         cii.cii_xml(SPEC, "en16931"), "en16931")


def bill_of(job: IngestJob) -> ExtractedBill:
    """The typed bill the job stored."""
    assert job.outcome is not None and job.outcome.bill is not None, job
    return job.outcome.bill


def sources(bill: ExtractedBill) -> set[str]:
    """Where the bill's fields were read: text, ocr or xml."""
    return {f.evidence.source for f in bill.field_values().values() if f.evidence is not None}


@pytest.fixture
def org_id(runtime: Runtime) -> str:
    return make_org(runtime)[0].id


def test_facturx_whose_printed_total_disagrees_keeps_the_xml_total_and_waits_for_review(
        runtime: Runtime, org_id: str) -> None:
    data = facturx_pdf(printed_total=Decimal("1584.84"))
    job = run_job(runtime, org_id, receive(runtime, org_id, data, filename="fx.pdf",
                                           channel=Channel.UPLOAD).job.id)
    assert job.status is JobStatus.NEEDS_REVIEW and job.bill_id is None
    bill = bill_of(job)
    assert bill.value("total") == SPEC.grand_total == Decimal("1484.84")
    assert bill.total is not None and bill.total.evidence is not None
    assert bill.total.evidence.source == "xml"
    [warning] = [w for w in bill.warnings if "total 1584.84" in w]
    assert "1484.84" in warning and "XML's value was kept" in warning
    reasons = job.outcome.review_reasons  # type: ignore[union-attr]
    assert len(reasons) == 1 and reasons[0].startswith("flagged for review: ")
    assert "total 1584.84" in reasons[0]
    with runtime.repository(org_id) as repo:
        assert repo.list_bills() == []


def test_facturx_whose_page_agrees_is_booked(runtime: Runtime, org_id: str) -> None:
    job = run_job(runtime, org_id, receive(runtime, org_id, facturx_pdf(), filename="fx.pdf",
                                           channel=Channel.UPLOAD).job.id)
    assert job.status is JobStatus.PUSHED, job.outcome
    bill = bill_of(job)
    assert bill.warnings == [] and bill.value("total") == Decimal("1484.84")
    with runtime.repository(org_id) as repo:
        [booked] = repo.list_bills()
    assert booked.total == SPEC.grand_total and booked.bill_number == SPEC.number


def test_pdfa3_with_a_non_invoice_attachment_is_read_from_the_page(runtime: Runtime,
                                                                   org_id: str) -> None:
    note = b"<?xml version='1.0'?><DeliveryNote><Number>LS-1</Number></DeliveryNote>"
    data = attach(strip_embedded_xml(facturx_pdf()), "delivery-note.xml", note)
    job = run_job(runtime, org_id, receive(runtime, org_id, data, filename="pdfa3.pdf",
                                           channel=Channel.FOLDER).job.id)
    assert job.status in {JobStatus.PUSHED, JobStatus.NEEDS_REVIEW}, job.error
    bill = bill_of(job)
    assert bill.value("bill_number") == SPEC.number and bill.value("total") == Decimal("1484.84")
    assert sources(bill) == {"text"}  # the page, no XML
    assert any("'delivery-note.xml' is not an e-invoice" in w and "<DeliveryNote>" in w
               for w in bill.warnings), bill.warnings


def test_broken_einvoice_attachment_falls_back_to_the_page_with_the_reason(
        runtime: Runtime, org_id: str) -> None:
    data = attach(render_pdf(SPEC), "factur-x.xml", b"<rsm:CrossIndustryInvoice><unclosed>")
    job = run_job(runtime, org_id, receive(runtime, org_id, data, filename="broken-xml.pdf",
                                           channel=Channel.UPLOAD).job.id)
    bill = bill_of(job)
    assert bill.value("bill_number") == SPEC.number
    assert any("'factur-x.xml' is not well-formed XML" in w for w in bill.warnings)


def test_an_unreadable_page_with_a_good_companion_xml_still_gives_the_xmls_bill(
        runtime: Runtime, org_id: str) -> None:
    """Reading the page is only a cross-check when the XML is there: its failure is a warning."""
    broken = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage, no xref, no trailer"
    received = receive(runtime, org_id, broken, filename="scan.pdf", channel=Channel.EMAIL,
                       einvoice_xml=cii.cii_xml(SPEC, "en16931"))
    job = run_job(runtime, org_id, received.job.id)
    bill = bill_of(job)
    assert bill.value("bill_number") == SPEC.number and bill.value("total") == Decimal("1484.84")
    assert any("could not be read to cross-check" in w for w in bill.warnings)


def test_email_with_pdf_and_xml_attached_is_one_bill_with_the_xmls_values(
        tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", local_pool="thread")
    runtime = Runtime.from_settings(settings)
    dispatcher = LocalDispatcher(runtime)
    try:
        org_id = make_org(runtime)[0].id
        from email.message import EmailMessage

        message = EmailMessage()
        message["From"] = "billing@poldersoftware.example"
        message["To"] = "bills+acme@billintake.localhost"
        message["Subject"] = f"Invoice {SPEC.number}"
        message.set_content("Please find our invoice attached.")
        message.add_attachment(render_pdf(SPEC), maintype="application", subtype="pdf",
                               filename=f"{SPEC.number}.pdf")
        message.add_attachment(cii.cii_xml(SPEC, "xrechnung"), maintype="application",
                               subtype="xml", filename="xrechnung.xml")
        result = accept_message(runtime, dispatcher, org_id, message.as_bytes())
        assert len(result.jobs) == 1
        [job] = wait_final(runtime, org_id, [result.jobs[0].job.id])
        assert job.status is JobStatus.PUSHED, job.outcome
        bill = bill_of(job)
        assert bill.value("bill_number") == SPEC.number
        assert bill.value("total") == Decimal("1484.84") and bill.warnings == []
        assert bill.total is not None and bill.total.confidence == 1.0
        assert sources(bill) == {"xml"}
        with runtime.repository(org_id) as repo:
            [booked] = repo.list_bills()
            assert len(repo.list_jobs()) == 1
        assert booked.total == SPEC.grand_total and booked.id == job.bill_id
    finally:
        dispatcher.close()
        runtime.close()
