"""Credit notes read from the page: recognised by title or number label in en/de/fr/nl, their
amounts as printed (positive) and booked as a vendor credit; an invoice with a credit line
stays an invoice."""

from __future__ import annotations

from decimal import Decimal

import pytest
from billintake_devkit.einvoice_fixtures import cii
from billintake_devkit.einvoice_fixtures.build import specs
from billintake_devkit.einvoice_fixtures.pdf import render_pdf
from fixtures_gen.credit_notes import CreditNote, credit_note_pdf

from billintake.domain.kinds import kind_of
from billintake.domain.model import BillKind
from billintake.extraction.document_type import CREDIT_NOTE_TERMS, INVOICE_TERMS, title_term
from billintake.extraction.einvoice import parse_einvoice
from billintake.extraction.extractor import Extractor

D = Decimal
LANGUAGES = ("en", "de", "fr", "nl")
CREDIT_LINES = {"en": "Credit for returned goods", "de": "Gutschrift Rücksendung",
                "fr": "Avoir retour marchandise", "nl": "Creditnota retour"}


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(use_model=False)


@pytest.mark.parametrize(("text", "term"), [
    ("CREDIT NOTE", "creditnote"), ("Credit note no.:", "creditnote"),
    ("Credit Note CN-2024-7", "creditnote"), ("Credit memo", "creditmemo"),
    ("Gutschrift", "gutschrift"), ("Gutschriftsnummer:", "gutschrift"),
    ("Gutschrift Nr. 17", "gutschrift"), ("AVOIR", "avoir"), ("Avoir n° :", "avoir"),
    ("Facture d'avoir", "facturedavoir"), ("Note de crédit", "notedecredit"),
    ("CREDITNOTA", "creditnota"), ("Creditnotanummer:", "creditnota"),
    ("Creditfactuur 2024-3", "creditfactuur"),
])
def test_credit_note_titles_and_number_labels(text: str, term: str) -> None:
    assert title_term(text, CREDIT_NOTE_TERMS) == term


@pytest.mark.parametrize("text", [
    "Gutschrift Rücksendung", "Avoir retour marchandise", "Credit for returned goods",
    "Creditnota retour", "Credit note CN-11 for returned goods", "Vous devez avoir",
    "Refers to credit note CN-1", "Creditering retour",
])
def test_credit_words_in_a_line_or_sentence_are_no_title(text: str) -> None:
    assert title_term(text, CREDIT_NOTE_TERMS) is None


def test_invoice_titles() -> None:
    assert title_term("INVOICE", INVOICE_TERMS) == "invoice"
    assert title_term("Rechnungsnummer:", INVOICE_TERMS) == "rechnung"
    assert title_term("Invoice date:", INVOICE_TERMS) is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_printed_credit_note_comes_out_as_printed(extractor: Extractor, language: str) -> None:
    note = CreditNote(language=language)
    bill = extractor.extract_bytes(credit_note_pdf(note))
    assert bill.value("document_type") == "credit_note"
    assert bill.document_type is not None and bill.document_type.evidence is not None
    assert bill.value("bill_number") == note.number
    assert (bill.value("subtotal"), bill.value("tax"), bill.value("total")) == (
        note.subtotal, note.tax, note.total) and note.total > 0
    assert [item.amount for item in bill.line_items] == [q * p for _d, q, p in note.lines]
    assert all(item.unit_price is not None and item.unit_price > 0 for item in bill.line_items)
    assert bill.reconciled
    assert kind_of(bill) is BillKind.VENDOR_CREDIT


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_invoice_with_a_credit_line_stays_an_invoice(extractor: Extractor,
                                                        language: str) -> None:
    lines = (("Toner cartridge", D("2"), D("38.50")), (CREDIT_LINES[language], D("1"), D("-10")))
    note = CreditNote(language=language, as_invoice=True, lines=lines)
    bill = extractor.extract_bytes(credit_note_pdf(note))
    assert bill.value("document_type") == "invoice"
    assert bill.value("total") == note.total > 0
    assert kind_of(bill) is BillKind.BILL


def test_a_printed_credit_note_agrees_with_its_xml(extractor: Extractor) -> None:
    """The page of an e-invoice credit note reads as a credit note, its amounts as its XML's."""
    spec = specs()["credit"]
    page = extractor.extract_bytes(render_pdf(spec))
    xml = parse_einvoice(cii.cii_xml(spec, "en16931"))
    assert page.value("document_type") == xml.value("document_type") == "credit_note"
    assert page.value("total") == xml.value("total") == spec.grand_total > 0


@pytest.mark.slow
def test_a_scanned_credit_note_is_read_as_one(extractor: Extractor) -> None:
    from fixtures_gen.reading_fixtures import image_bytes, render

    note = CreditNote(language="de")
    bill = extractor.extract_bytes(image_bytes(render(credit_note_pdf(note), dpi=150), "PNG"))
    assert bill.document_type is not None and bill.document_type.value == "credit_note"
    assert bill.document_type.evidence is not None
    assert bill.document_type.evidence.source == "ocr"
    assert bill.value("total") == note.total
