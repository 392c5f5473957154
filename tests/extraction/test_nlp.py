"""The rule components of the spaCy pipeline: what they find on the lines bills print."""

from __future__ import annotations

import pytest

from billintake.extraction import nlp
from billintake.reading.document import Line, Page, ReadDocument, Word
from tests.extraction.spans import field_labels, found


@pytest.mark.parametrize(("text", "money"), [
    ("Total: €1,234.56", "€1,234.56"),
    ("Gesamtbetrag 1.234,56 €", "1.234,56 €"),
    ("Total TTC 1 234,56 EUR", "1 234,56 EUR"),
    ("CHF 1'234.50", "CHF 1'234.50"),
    ("Amount EUR1234.50", "EUR1234.50"),
    ("Subtotal 99.00", "99.00"),
    ("USD 120", "USD 120"),
])
def test_amounts_in_the_formats_of_four_locales(rules, text: str, money: str) -> None:
    assert ("MONEY", "", money) in found(rules, text)


@pytest.mark.parametrize(("text", "date"), [
    ("Datum: 12.03.2024", "12.03.2024"),
    ("Invoice date 2024-03-12", "2024-03-12"),
    ("Date 12/03/2024", "12/03/2024"),
    ("Rechnungsdatum: 12. März 2024", "12. März 2024"),
    ("Due Date: March 12, 2024", "March 12, 2024"),
    ("Date d'échéance : 1er mars 2024", "1er mars 2024"),
    ("Factuurdatum 3 mei 2024", "3 mei 2024"),
    ("Issued 12-Mar-2024", "12-Mar-2024"),
])
def test_dates_numeric_and_with_month_names(rules, text: str, date: str) -> None:
    assert ("DATE", "", date) in found(rules, text)


def test_a_date_is_not_taken_for_an_amount_or_an_identifier(rules) -> None:
    labels = [label for label, _, _ in found(rules, "12.03.2024 2024-03-12")]
    assert labels == ["DATE", "DATE"]


def test_a_valid_iban_is_found_and_the_bic_after_it_is_not_swallowed(rules) -> None:
    text = "IBAN: DE89 3704 0044 0532 0130 00 BIC: COBADEFFXXX"
    assert ("IBAN", "", "DE89 3704 0044 0532 0130 00") in found(rules, text)
    assert ("BIC:", {"bic"}) in field_labels(rules, text)


def test_an_iban_with_wrong_check_digits_is_not_an_iban(rules) -> None:
    wrong = found(rules, "IBAN DE88 3704 0044 0532 0130 00")
    assert not any(label == "IBAN" for label, _, _ in wrong)
    assert nlp.iban_is_valid("GB29 NWBK 6016 1331 9268 19")
    assert not nlp.iban_is_valid("GB28 NWBK 6016 1331 9268 19")


@pytest.mark.parametrize("vat", ["DE123456789", "FR12345678901", "NL123456789B01", "ATU12345678",
                                 "GB 123 4567 89", "BE0123456789"])
def test_vat_ids_of_several_countries(rules, vat: str) -> None:
    assert ("VAT_ID", "", vat) in found(rules, f"VAT No: {vat}")


def test_email_and_identifiers(rules) -> None:
    assert ("EMAIL", "", "billing@acme-gmbh.de") in found(rules, "E-Mail: billing@acme-gmbh.de")
    assert ("IDENTIFIER", "", "INV-2024-0012") in found(rules, "Invoice No: INV-2024-0012")
    assert ("IDENTIFIER", "", "2024/117") in found(rules, "Rechnungs-Nr.: 2024/117")


@pytest.mark.parametrize(("text", "field"), [
    ("Invoice Number:", "bill_number"), ("Rechnungsnummer", "bill_number"),
    ("N° de facture", "bill_number"), ("Factuurnr.", "bill_number"),
    ("Invoice Date", "bill_date"), ("Factuurdatum", "bill_date"),
    ("Due date", "due_date"), ("Fällig am", "due_date"), ("Date d'échéance", "due_date"),
    ("Date d'echeance", "due_date"), ("Vervaldatum", "due_date"),
    ("Total", "total"), ("Gesamtbetrag", "total"), ("Total TTC", "total"), ("Totaal", "total"),
    ("Subtotal", "subtotal"), ("Zwischensumme", "subtotal"), ("Total HT", "subtotal"),
    ("Totaal excl. BTW", "subtotal"),
    ("VAT", "tax"), ("MwSt.", "tax"), ("TVA", "tax"), ("BTW", "tax"),
    ("VAT No", "vendor_tax_id"), ("USt-IdNr.", "vendor_tax_id"), ("BTW-nummer", "vendor_tax_id"),
    ("PO Number", "po_number"), ("Bestellnummer", "po_number"), ("Bon de commande", "po_number"),
    ("Inkoopordernr.", "po_number"),
    ("Kundennummer", "customer_number"), ("Lieferdatum", "other_date"),
    ("Amount due", "amount_due"), ("Net à payer", "amount_due"),
])
def test_field_labels_in_four_languages_name_their_field(rules, text: str, field: str) -> None:
    labels = field_labels(rules, text)
    assert len(labels) == 1 and field in labels[0][1]
    assert not any(ent.label_ == "FIELD_LABEL" for ent in rules(text).ents)  # no ruler left


def test_the_longest_label_wins(rules) -> None:
    assert field_labels(rules, "Invoice Date") == [("Invoice Date", {"bill_date"})]
    assert field_labels(rules, "Due Date") == [("Due Date", {"due_date"})]
    assert field_labels(rules, "VAT Reg No") == [("VAT Reg No", {"vendor_tax_id"})]


def word(text: str, x0: float, top: float = 100.0, size: float = 10.0) -> Word:
    return Word(text=text, x0=x0, top=top, x1=x0 + 5.5 * len(text), bottom=top + size)


def test_line_entities_map_back_to_words_and_columns_stay_apart(rules) -> None:
    # "2" and "100.00" stand in two columns: not the amount 2100.00
    line = Line(words=[word("Widget", 50), word("2", 300), word("100.00", 400)])
    ents = nlp.line_entities(line, page=1, nlp=rules)
    assert [(e.label, e.text) for e in ents] == [("MONEY", "100.00")]
    assert ents[0].bbox == (400, 100.0, 400 + 5.5 * 6, 110.0)
    # the same digits written close together are one amount
    close = Line(words=[word("Total:", 50), word("1", 100), word("234,50", 108)])
    assert [(e.label, e.field, e.text) for e in nlp.line_entities(close, nlp=rules)] == [
        ("MONEY", "", "1 234,50")]


def test_document_entities_cover_every_page_and_line(rules) -> None:
    pages = [
        Page(number=1, width=595, height=842, lines=[
            Line(words=[word("Invoice", 50), word("No:", 91), word("A-17", 200)])]),
        Page(number=2, width=595, height=842, words=[
            word("Total", 50, top=700), word("€", 300, top=700), word("12.00", 308, top=700)]),
    ]
    doc = ReadDocument(media_type="application/pdf", pages=pages)
    ents = nlp.document_entities(doc, nlp=rules)
    assert [(e.page, e.label, e.field, e.text) for e in ents] == [
        (1, "IDENTIFIER", "", "A-17"),
        (2, "MONEY", "", "€ 12.00"),
    ]
    assert nlp.document_entities(doc, nlp=rules) is ents  # remembered, not recomputed
