"""Raw MIME fixtures → the bill files intake takes from them (parsing only, no storage)."""

from __future__ import annotations

import pytest
from fixtures_gen.intake_fixtures import (
    digital_bill,
    einvoice,
    forwarded_message,
    hostile_name_message,
    inline_image_message,
    nested_message,
    no_attachment_message,
    oversized_message,
    plain_message,
    png_bytes,
    several_attachments,
    with_xml_beside_pdf,
)

from billintake.domain.errors import MalformedMessage, TooLarge
from billintake.mail.message import (
    MAX_MIME_DEPTH,
    intake_address,
    mime_depth,
    parse_message,
    sanitize_filename,
    slug_from_address,
)

TO = "bills+acme@billintake.localhost"
LIMIT = 5 * 1024 * 1024


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return digital_bill(0).data


def test_plain_message_yields_its_pdf_with_sender_and_subject_as_hints(pdf: bytes) -> None:
    message = parse_message(plain_message(TO, pdf), max_bytes=LIMIT)
    assert len(message.bills) == 1
    bill = message.bills[0]
    assert bill.original.data == pdf and bill.original.media_type == "application/pdf"
    assert bill.original.filename == "invoice.pdf" and bill.einvoice is None
    assert message.hints(bill) == {
        "email_sender": "billing@harbourprint.example", "email_subject": "Invoice 1001",
        "email_message_id": message.message_id, "sender_domain": "harbourprint.example"}
    assert message.no_bill_reason is None


def test_forwarded_message_bill_keeps_the_vendor_as_sender(pdf: bytes) -> None:
    message = parse_message(forwarded_message(TO, pdf), max_bytes=LIMIT)
    assert [b.original.data for b in message.bills] == [pdf]
    hints = message.hints(message.bills[0])
    assert hints["email_sender"] == "invoices@nordwind-buero.example"
    assert hints["sender_domain"] == "nordwind-buero.example"
    assert hints["forwarded_by"] == "jane@acme.example"


def test_several_attachments_each_become_a_bill_and_unsupported_ones_are_named() -> None:
    one, two = digital_bill(1).data, digital_bill(2).data
    raw = several_attachments(TO, [("a.pdf", one, "application/pdf"),
                                   ("b.pdf", two, "application/pdf"),
                                   ("scan.png", png_bytes(), "image/png"),
                                   ("notes.zip", b"PK\x03\x04rest", "application/zip")])
    message = parse_message(raw, max_bytes=LIMIT)
    assert [b.original.filename for b in message.bills] == ["a.pdf", "b.pdf", "scan.png"]
    assert [b.original.media_type for b in message.bills] == [
        "application/pdf", "application/pdf", "image/png"]
    assert [s.filename for s in message.skipped] == ["notes.zip"]
    assert "ZIP" in message.skipped[0].reason


def test_inline_image_is_taken(pdf: bytes) -> None:
    png = png_bytes()
    message = parse_message(inline_image_message(TO, png), max_bytes=LIMIT)
    assert [b.original.data for b in message.bills] == [png]
    assert message.bills[0].original.filename.endswith(".png")


def test_message_without_attachment_says_why() -> None:
    message = parse_message(no_attachment_message(TO), max_bytes=LIMIT)
    assert message.bills == []
    assert message.no_bill_reason is not None and "no attachment" in message.no_bill_reason


def test_hostile_file_name_is_sanitised(pdf: bytes) -> None:
    message = parse_message(hostile_name_message(TO, pdf), max_bytes=LIMIT)
    name = message.bills[0].original.filename
    assert name == "evil.pdf"
    assert message.bills[0].original.media_type == "application/pdf"  # by content


@pytest.mark.parametrize(("raw", "expected"), [
    ("../../etc/passwd", "passwd"), ("..\\..\\boot.ini", "boot.ini"), ("..", "attachment"),
    ("", "attachment"), (None, "attachment"), ("a\x00b\x1f.pdf", "ab.pdf"),
    ("/abs/path/x.pdf", "x.pdf"), ("inv<1>:?.pdf", "inv_1___.pdf"),
])
def test_sanitize_filename(raw: str | None, expected: str) -> None:
    assert sanitize_filename(raw) == expected


def test_long_names_are_cut_keeping_the_extension() -> None:
    name = sanitize_filename("x" * 500 + ".pdf")
    assert len(name) <= 120 and name.endswith(".pdf")


def test_xml_beside_pdf_belongs_to_that_bill() -> None:
    pdf, xml = einvoice()
    message = parse_message(with_xml_beside_pdf(TO, pdf, xml), max_bytes=LIMIT)
    assert len(message.bills) == 1
    bill = message.bills[0]
    assert bill.original.data == pdf and bill.einvoice is not None and bill.einvoice.data == xml


def test_standalone_xml_is_a_bill_of_its_own() -> None:
    _pdf, xml = einvoice()
    raw = several_attachments(TO, [("x-rechnung.xml", xml, "application/xml")])
    message = parse_message(raw, max_bytes=LIMIT)
    assert [(b.original.media_type, b.einvoice) for b in message.bills] == [
        ("application/xml", None)]


def test_oversized_message_is_refused() -> None:
    with pytest.raises(TooLarge):
        parse_message(oversized_message(TO, 200_000), max_bytes=100_000)


def test_intake_addresses() -> None:
    assert intake_address("acme", "billintake.localhost") == TO
    assert slug_from_address(TO, "billintake.localhost") == "acme"
    assert slug_from_address("<Bills+ACME@BillIntake.localhost>", "billintake.localhost") == "acme"
    assert slug_from_address("bills@billintake.localhost", "billintake.localhost") is None
    assert slug_from_address("bills+acme@elsewhere.example", "billintake.localhost") is None
    assert slug_from_address("bills+../x@billintake.localhost", "billintake.localhost") is None


def test_a_bill_a_few_levels_deep_is_found(pdf: bytes) -> None:
    message = parse_message(nested_message(TO, 6, pdf), max_bytes=LIMIT)
    assert [b.original.data for b in message.bills] == [pdf]
    assert mime_depth(nested_message(TO, 6, pdf)) == 6


@pytest.mark.parametrize("depth", [MAX_MIME_DEPTH + 1, 1000, 20_000])
def test_mime_nested_too_deep_is_refused_with_the_reason_not_a_crash(depth: int) -> None:
    raw = nested_message(TO, depth)
    with pytest.raises(MalformedMessage, match=f"nested {depth} deep"):
        parse_message(raw, max_bytes=len(raw) + 1)


def test_depth_counts_nesting_not_the_number_of_parts(pdf: bytes) -> None:
    many = several_attachments(TO, [(f"{i}.pdf", pdf, "application/pdf") for i in range(40)])
    assert mime_depth(many) == 1
    assert len(parse_message(many, max_bytes=len(many) + 1).bills) == 40
    assert mime_depth(forwarded_message(TO, pdf)) == 3  # mixed > rfc822 > mixed
