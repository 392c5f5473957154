"""PDFs with e-invoices: the XML first, the printed page as cross-check or as fallback.

The visual path is the real one (reader + Extractor), on reportlab pages with a text layer.
"""

from __future__ import annotations

import io
from dataclasses import replace
from decimal import Decimal
from email.message import EmailMessage

import pytest
from billintake_devkit.einvoice_fixtures import cii
from billintake_devkit.einvoice_fixtures.build import specs
from billintake_devkit.einvoice_fixtures.pdf import attach, embed_facturx, render_pdf
from pypdf import PdfReader

from billintake.extraction.einvoice import (
    cross_check,
    extract_einvoice_first,
    find_einvoice_xml,
    parse_einvoice,
    probe_einvoice,
    strip_embedded_xml,
)
from billintake.extraction.extractor import Extractor
from billintake.reading.reader import read

PDF = "application/pdf"
SPEC = specs()["en16931"]


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def visual_of(extractor: Extractor, data: bytes):  # type: ignore[no-untyped-def]
    return lambda: extractor.extract_document(read(data))


def facturx_pdf(**printed: object) -> bytes:
    return embed_facturx(render_pdf(SPEC, **printed), cii.cii_xml(SPEC, "en16931"),  # type: ignore[arg-type]
                         "en16931")


def test_page_agreeing_with_the_xml_adds_no_warning(extractor: Extractor) -> None:
    data = facturx_pdf()
    bill = extract_einvoice_first(data, PDF, visual=visual_of(extractor, data))
    assert bill is not None and bill.source == "xml"
    assert bill.warnings == [] and not bill.needs_review


def test_printed_total_disagreeing_with_the_xml_is_a_warning_and_the_xml_stands(
        extractor: Extractor) -> None:
    data = facturx_pdf(printed_total=Decimal("1584.84"))
    bill = extract_einvoice_first(data, PDF, visual=visual_of(extractor, data))
    assert bill is not None and bill.source == "xml"
    assert bill.value("total") == SPEC.grand_total
    assert any("total 1584.84" in w and "1484.84" in w for w in bill.warnings), bill.warnings
    assert bill.needs_review


def test_printed_number_disagreeing_is_reported(extractor: Extractor) -> None:
    data = facturx_pdf(printed_number="FX-EN-2024-9999")
    bill = extract_einvoice_first(data, PDF, visual=visual_of(extractor, data))
    assert bill is not None and bill.value("bill_number") == SPEC.number
    assert any("invoice number FX-EN-2024-9999" in w for w in bill.warnings), bill.warnings


def test_cross_check_compares_credit_note_amounts_as_printed() -> None:
    """The XML and the page both give a credit note's amounts as printed: equal means equal."""
    credit = specs()["credit"]
    xml_bill = parse_einvoice(cii.cii_xml(credit, "en16931"))
    assert xml_bill.value("total") == credit.grand_total > 0
    assert cross_check(xml_bill, xml_bill.model_copy()) == []
    negated = xml_bill.model_copy(update={"total": xml_bill.total.model_copy(  # type: ignore[union-attr]
        update={"value": -credit.grand_total})})
    [warning] = cross_check(xml_bill, negated)
    assert f"total -{credit.grand_total}" in warning and f"says {credit.grand_total}" in warning


def non_invoice_pdfa3() -> bytes:
    """A PDF/A-3 (made by factur-x) whose only attachment is a delivery note, not an invoice."""
    pdfa3 = strip_embedded_xml(facturx_pdf())
    note = b"<?xml version='1.0'?><DeliveryNote><Number>LS-1</Number></DeliveryNote>"
    return attach(pdfa3, "delivery-note.xml", note)


def test_pdfa3_with_a_non_invoice_attachment_is_read_from_the_page(
        extractor: Extractor) -> None:
    data = non_invoice_pdfa3()
    reader = PdfReader(io.BytesIO(data))
    assert b"pdfaid" in reader.xmp_metadata.stream.get_data()  # type: ignore[union-attr]
    assert [a.name for a in reader.attachment_list] == ["delivery-note.xml"]
    bill = extract_einvoice_first(data, PDF, visual=visual_of(extractor, data))
    assert bill is not None and bill.source == "visual"
    assert bill.value("bill_number") == SPEC.number
    assert any("'delivery-note.xml' is not an e-invoice" in w and "<DeliveryNote>" in w
               for w in bill.warnings), bill.warnings


def test_broken_einvoice_attachment_falls_back_with_the_reason(extractor: Extractor) -> None:
    data = attach(render_pdf(SPEC), "factur-x.xml", b"<rsm:CrossIndustryInvoice><unclosed>")
    bill = extract_einvoice_first(data, PDF, visual=visual_of(extractor, data))
    assert bill is not None and bill.source == "visual"
    assert any("attachment 'factur-x.xml' is not well-formed XML" in w for w in bill.warnings)


def test_hostile_attachment_falls_back_and_reads_nothing(extractor: Extractor,
                                                         tmp_path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    hostile = f"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY s SYSTEM "file://{secret}">]>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
>&s;</rsm:CrossIndustryInvoice>""".encode()
    data = attach(render_pdf(SPEC), "factur-x.xml", hostile)
    bill = extract_einvoice_first(data, PDF, visual=visual_of(extractor, data))
    assert bill is not None and bill.source == "visual"
    assert "TOP-SECRET-VALUE" not in bill.model_dump_json()
    assert any("document type declaration" in w for w in bill.warnings)


def test_attachment_found_by_content_whatever_its_name() -> None:
    data = attach(render_pdf(SPEC), "rechnungsdaten-4711.dat", cii.cii_xml(SPEC, "basic"))
    found = find_einvoice_xml(data, PDF)
    assert found is not None and found.name == "rechnungsdaten-4711.dat"
    assert found.flavour == "factur-x"


def test_strip_embedded_xml_keeps_the_page_and_other_attachments() -> None:
    data = attach(facturx_pdf(), "terms.txt", b"General terms")
    stripped = strip_embedded_xml(data)
    assert find_einvoice_xml(stripped, PDF) is None
    names = [a.name for a in PdfReader(io.BytesIO(stripped)).attachment_list]
    assert names == ["terms.txt"]
    assert "FX-EN-2024-0104" in PdfReader(io.BytesIO(stripped)).pages[0].extract_text()


def test_pdf_without_attachments_is_no_einvoice() -> None:
    probe = probe_einvoice(render_pdf(SPEC), PDF)
    assert probe.found is None and probe.warnings == []


def test_companion_xml_from_an_email_makes_one_bill(extractor: Extractor) -> None:
    from billintake.mail.message import parse_message

    pdf = render_pdf(SPEC)
    xml = cii.cii_xml(SPEC, "xrechnung")
    message = EmailMessage()
    message["From"] = "rechnung@poldersoftware.example"
    message["To"] = "bills@billintake.localhost"
    message["Subject"] = "Invoice FX-EN-2024-0104"
    message.set_content("Please find our invoice attached.")
    message.add_attachment(pdf, maintype="application", subtype="pdf",
                           filename="FX-EN-2024-0104.pdf")
    message.add_attachment(xml, maintype="application", subtype="xml", filename="xrechnung.xml")
    inbound = parse_message(message.as_bytes(), max_bytes=10_000_000)
    assert len(inbound.bills) == 1
    files = inbound.bills[0]
    assert files.original.media_type == PDF and files.einvoice is not None
    bill = extract_einvoice_first(files.original.data, PDF,
                                  companion_xml=files.einvoice.data,
                                  visual=visual_of(extractor, files.original.data))
    assert bill is not None and bill.source == "xml" and bill.warnings == []
    assert bill.einvoice_format == "xrechnung-cii"
    assert bill.value("total") == SPEC.grand_total


def test_broken_companion_xml_falls_back_to_the_page(extractor: Extractor) -> None:
    pdf = render_pdf(replace(SPEC, number="PAGE-ONLY-1"))
    bill = extract_einvoice_first(pdf, PDF, companion_xml=b"<broken",
                                  visual=visual_of(extractor, pdf))
    assert bill is not None and bill.source == "visual"
    assert bill.value("bill_number") == "PAGE-ONLY-1"
    assert any("XML sent beside this file could not be used" in w for w in bill.warnings)


def test_standalone_xml_needs_no_page() -> None:
    bill = extract_einvoice_first(cii.cii_xml(SPEC, "extended"), "application/xml")
    assert bill is not None and bill.einvoice_format == "factur-x:extended"


def test_profile_without_lines_takes_the_lines_from_the_page(extractor: Extractor) -> None:
    data = embed_facturx(render_pdf(SPEC), cii.cii_xml(SPEC, "basicwl"), "basicwl")
    bill = extract_einvoice_first(data, PDF, visual=visual_of(extractor, data))
    assert bill is not None and bill.source == "xml"
    assert bill.value("total") == SPEC.grand_total
    assert [li.amount for li in bill.line_items] == [li.amount for li in SPEC.lines]
    assert all(li.evidence and li.evidence.source == "text" for li in bill.line_items)
    assert any("read from the printed page" in w for w in bill.warnings)
