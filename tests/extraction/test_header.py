"""Header fields from drawn bills: vendor block left/right/top, bill-to blocks, four languages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from reportlab.pdfbase.pdfmetrics import stringWidth

from billintake.extraction.extractor import Extractor
from billintake.reading.reader import read

from ._bills import Text, block, extract, pdf_of, row


def _totals(y: float, rows: list[tuple[str, str]]) -> list[Text]:
    out: list[Text] = []
    for i, (label, value) in enumerate(rows):
        out += row(y + 14 * i, (380, label), (500, value))
    return out


def test_vendor_left_bill_to_right_english() -> None:
    page = [
        *block(40, 40, ["Northwind Traders Ltd", "12 Harbour Road", "Bristol BS1 4DJ",
                        "VAT No: GB123456789"], size=12, bold_first=True),
        *block(340, 40, ["Bill To:", "Contoso Pharmacy Inc.", "44 Maple Avenue",
                         "Springfield, IL 62704"]),
        Text(40, 140, "INVOICE", 18, True),
        *row(170, (40, "Invoice No:"), (130, "INV-2041")),
        *row(184, (40, "Invoice Date:"), (130, "14 March 2026")),
        *row(198, (40, "Due Date:"), (130, "13 April 2026")),
        *row(212, (40, "PO Number:"), (130, "PO-7781")),
        *row(260, (40, "Description"), (300, "Qty"), (360, "Unit price"), (480, "Amount")),
        *row(276, (40, "Consulting"), (300, "2"), (360, "£100.00"), (480, "£200.00")),
        *_totals(320, [("Subtotal", "£200.00"), ("VAT 20%", "£40.00"),
                       ("Total", "£240.00")]),
    ]
    bill = extract(page)
    assert bill.value("vendor_name") == "Northwind Traders Ltd"
    assert bill.value("bill_number") == "INV-2041"
    assert bill.value("bill_date") == date(2026, 3, 14)
    assert bill.value("due_date") == date(2026, 4, 13)
    assert bill.value("po_number") == "PO-7781"
    assert bill.value("vendor_tax_id") == "GB123456789"
    assert bill.value("currency") == "GBP"
    assert (bill.value("subtotal"), bill.value("tax"), bill.value("total")) == (
        Decimal("200.00"), Decimal("40.00"), Decimal("240.00"))
    assert bill.reconciled and bill.total.confidence >= 0.95
    evidence = bill.total.evidence
    assert evidence is not None and evidence.page == 1 and evidence.source == "text"
    assert evidence.bbox is not None and evidence.bbox[0] >= 495


def test_vendor_right_customer_left_german() -> None:
    page = [
        Text(40, 40, "RECHNUNG", 18, True),
        *block(360, 40, ["Bergmann Werkzeuge GmbH", "Hauptstraße 12", "80331 München",
                         "USt-IdNr.: DE123456789"], bold_first=True),
        *block(40, 110, ["Rechnungsempfänger", "Müller Bäckerei KG", "Lindenweg 3",
                         "10115 Berlin"]),
        *row(200, (360, "Rechnungsnummer:"), (470, "RE-2026-0042")),
        *row(214, (360, "Rechnungsdatum:"), (470, "03.04.2026")),
        *row(228, (360, "Zahlbar bis:"), (470, "03.05.2026")),
        *row(270, (40, "Artikel"), (300, "Menge"), (360, "Preis"), (480, "Betrag")),
        *row(286, (40, "Schrauben"), (300, "10"), (360, "1,50 €"), (480, "15,00 €")),
        *_totals(330, [("Nettobetrag", "1.015,00 €"), ("MwSt. 19%", "192,85 €"),
                       ("Gesamtbetrag", "1.207,85 €")]),
    ]
    bill = extract(page)
    assert bill.value("vendor_name") == "Bergmann Werkzeuge GmbH"
    assert bill.value("bill_number") == "RE-2026-0042"
    assert bill.value("bill_date") == date(2026, 4, 3)
    assert bill.value("due_date") == date(2026, 5, 3)
    assert bill.value("currency") == "EUR"
    assert bill.value("total") == Decimal("1207.85")
    assert bill.value("subtotal") == Decimal("1015.00")
    assert bill.value("vendor_tax_id") == "DE123456789"


def test_vendor_top_centered_french_with_livre_a_block() -> None:
    page = [
        Text(200, 30, "Atelier Dubois SARL", 16, True),
        Text(200, 50, "8 rue des Lilas · 69002 Lyon"),
        Text(40, 90, "FACTURE", 16, True),
        *block(40, 120, ["Facturé à :", "Boulangerie Martin SAS", "3 place du Marché",
                         "75001 Paris"]),
        *block(220, 120, ["Livré à :", "Boulangerie Martin SAS", "Entrepôt Nord",
                          "93200 Saint-Denis"]),
        *row(120, (400, "Facture n° :"), (470, "F-9921")),
        *row(134, (400, "Date :"), (470, "14/03/2026")),
        *row(148, (400, "Échéance :"), (470, "13/04/2026")),
        *row(230, (40, "Désignation"), (300, "Qté"), (360, "P.U. HT"), (480, "Montant HT")),
        *row(246, (40, "Pose cuisine"), (300, "1"), (360, "1 000,00"), (480, "1 000,00")),
        *_totals(290, [("Total HT", "1 000,00 €"), ("TVA 20 %", "200,00 €"),
                       ("Total TTC", "1 200,00 €")]),
        Text(120, 780, "Atelier Dubois SARL au capital de 5 000 € – RCS Lyon 123 456 789 – "
                       "TVA FR12123456789", 7),
    ]
    bill = extract(page)
    assert bill.value("vendor_name") == "Atelier Dubois SARL"
    assert bill.value("bill_number") == "F-9921"
    assert bill.value("bill_date") == date(2026, 3, 14)
    assert bill.value("due_date") == date(2026, 4, 13)
    assert (bill.value("subtotal"), bill.value("tax"), bill.value("total")) == (
        Decimal("1000.00"), Decimal("200.00"), Decimal("1200.00"))


def test_dutch_labels_and_vendor_in_footer_only() -> None:
    page = [
        *block(360, 60, ["Klant:", "Jansen Installatie", "Dorpsstraat 5", "1234 AB Utrecht"]),
        Text(40, 60, "FACTUUR", 18, True),
        *row(150, (40, "Factuurnummer:"), (140, "2026-118")),
        *row(164, (40, "Factuurdatum:"), (140, "2 februari 2026")),
        *row(178, (40, "Vervaldatum:"), (140, "4 maart 2026")),
        *row(230, (40, "Omschrijving"), (300, "Aantal"), (360, "Prijs"), (480, "Bedrag")),
        *row(246, (40, "Onderhoud"), (300, "1"), (360, "€ 80,00"), (480, "€ 80,00")),
        *_totals(290, [("Subtotaal", "€ 80,00"), ("BTW 21%", "€ 16,80"),
                       ("Totaal", "€ 96,80")]),
        Text(230, 770, "Van Dijk Techniek B.V.", 8),
        Text(120, 782, "KvK 12345678 · BTW NL001234567B01 · IBAN NL91ABNA0417164300", 7),
    ]
    bill = extract(page)
    assert bill.value("vendor_name") == "Van Dijk Techniek B.V."
    assert bill.value("bill_number") == "2026-118"
    assert bill.value("bill_date") == date(2026, 2, 2)
    assert bill.value("due_date") == date(2026, 3, 4)
    assert bill.value("total") == Decimal("96.80")


def test_labels_above_values_are_paired_by_column() -> None:
    page = [
        *block(40, 40, ["Globex Corporation", "1 Main Street", "Austin, TX 78701"],
               bold_first=True),
        *row(120, (40, "Invoice Date:"), (160, "Due Date:"), (280, "Reference:")),
        *row(134, (40, "03/04/2026"), (160, "04/03/2026"), (280, "CUST-77")),
        Text(40, 100, "Invoice 2026/0311", 16),
        *_totals(300, [("Subtotal", "$ 100.00"), ("Tax", "$ 8.25"), ("Total", "$ 108.25")]),
    ]
    bill = extract(page)
    # dollars: month first
    assert bill.value("bill_date") == date(2026, 3, 4)
    assert bill.value("due_date") == date(2026, 4, 3)
    assert bill.value("bill_number") == "2026/0311"
    assert bill.value("vendor_name") == "Globex Corporation"


def test_payment_terms_resolve_the_due_date() -> None:
    page = [
        *block(40, 40, ["Initech LLC", "500 Office Park", "Dallas, TX 75201"], bold_first=True),
        *row(120, (40, "Invoice #:"), (130, "7781")),
        *row(134, (40, "Date:"), (130, "March 14, 2026")),
        *row(148, (40, "Terms:"), (130, "Net 30")),
        *_totals(300, [("Total", "$ 50.00")]),
    ]
    bill = extract(page)
    assert bill.value("bill_date") == date(2026, 3, 14)
    assert bill.value("due_date") == date(2026, 4, 13)
    assert bill.due_date is not None and bill.due_date.confidence < 0.9


def test_receipt_without_labels_still_gives_vendor_date_total() -> None:
    page = [
        Text(60, 30, "CORNER CAFE", 14, True),
        Text(60, 48, "22 Station Road, Leeds LS1 4AP"),
        Text(60, 62, "12/03/2026 14:22"),
        *row(90, (60, "Flat white"), (200, "3.20")),
        *row(104, (60, "Croissant"), (200, "2.40")),
        *row(130, (60, "TOTAL"), (190, "£5.60")),
        *row(144, (60, "CARD"), (200, "5.60")),
    ]
    bill = extract(page)
    assert bill.value("vendor_name") == "CORNER CAFE"
    assert bill.value("bill_date") == date(2026, 3, 12)
    assert bill.value("total") == Decimal("5.60")
    assert bill.value("currency") == "GBP"


def test_evidence_frames_the_value_not_its_label() -> None:
    # label and value one phrase ("TOTAL 5.60", "Date 12/03/2026"): the evidence box (which
    # the review page frames) starts at the value's own word, not at its label
    page = [
        Text(60, 30, "CORNER CAFE", 14, True),
        Text(60, 48, "22 Station Road, Leeds LS1 4AP"),
        Text(60, 62, "Date 12/03/2026"),
        *row(90, (60, "Flat white"), (200, "3.20")),
        *row(104, (60, "Croissant"), (200, "2.40")),
        Text(60, 130, "TOTAL 5.60"),
    ]
    bill = Extractor().extract_document(read(pdf_of(page)))  # with the shipped ranker
    for name, label in (("total", "TOTAL "), ("bill_date", "Date ")):
        evidence = getattr(bill, name).evidence
        assert evidence is not None and evidence.bbox is not None
        value_x = 60 + stringWidth(label, "Helvetica", 10)
        assert abs(evidence.bbox[0] - value_x) < 1.5, (name, evidence.bbox, value_x)


def test_unknown_is_null_never_a_guess() -> None:
    page = [
        *block(40, 40, ["Some Supplier Ltd", "1 High Street"], bold_first=True),
        Text(40, 120, "Thank you for your custom."),
    ]
    bill = extract(page)
    assert bill.total is None and bill.bill_number is None and bill.bill_date is None
    assert bill.currency is None


def test_vendor_contact_details_come_from_the_vendor_not_the_customer() -> None:
    page = [
        *block(40, 40, ["Northwind Traders Ltd", "12 Harbour Road", "Bristol BS1 4DJ",
                        "accounts@northwind.example"], bold_first=True),
        *block(340, 40, ["Bill To:", "Contoso Pharmacy Inc.", "billing@contoso.example",
                         "IBAN DE89 3704 0044 0532 0130 00"]),
        *row(170, (40, "Invoice No:"), (130, "INV-7")),
        *_totals(300, [("Total", "£10.00")]),
        Text(40, 780, "Bank: IBAN GB82 WEST 1234 5698 7654 32", 8),
    ]
    bill = extract(page)
    assert bill.value("vendor_address") == "12 Harbour Road, Bristol BS1 4DJ"
    assert bill.value("vendor_email") == "accounts@northwind.example"
    assert bill.value("vendor_iban") == "GB82WEST12345698765432"


def test_identifier_parsing_refuses_dates_and_amounts_and_rejoins_ocr_splits() -> None:
    from billintake.extraction.values import parse_identifier, parse_tax_id

    assert parse_identifier("INV/2023/03/0008") == ("INV/2023/03/0008", "INV/2023/03/0008")
    assert parse_identifier("# 2022089083")[0] == "2022089083"  # type: ignore[index]
    assert parse_identifier("IBZY 2087")[0] == "IBZY 2087"  # type: ignore[index]
    assert parse_identifier("14.03.2026") is None
    assert parse_identifier("1,234.50") is None
    assert parse_identifier("Cash at Hotel") is None
    # a number of several words is read up to the date phrase that closes it
    assert parse_identifier("210111 mit LV vom 30.05.2026")[0] == "210111 mit LV"  # type: ignore[index]
    assert parse_identifier("4711 dated 1 May 2026")[0] == "4711"  # type: ignore[index]
    assert parse_identifier("4711 Kunde 12 Projekt 9 Bau vom 30.05.2026")[0] == "4711"  # type: ignore[index]
    assert parse_identifier("4711 mit LV")[0] == "4711"  # type: ignore[index]
    assert parse_tax_id("NL810433941B01")[0] == "NL810433941B01"  # type: ignore[index]
    assert parse_tax_id("06AABCO6063D1ZQ")[0] == "06AABCO6063D1ZQ"  # type: ignore[index]
    assert parse_tax_id("20%") is None


def test_a_label_glued_to_its_date_is_read_as_label_and_date() -> None:
    """A text layer that prints "Due date16.09.2026" without the space."""
    bill = extract([*row(40, (40, "Invoice number:"), (300, "6063636771001")),
                    *row(60, (40, "Invoice date:"), (300, "01.09.2026")),
                    *row(80, (40, "Service date: 01.09.2026 - Due date16.09.2026")),
                    *row(200, (300, "Total:"), (400, "100.00"))])
    assert bill.value("due_date") == date(2026, 9, 16)


def test_a_labelled_due_date_before_the_bill_date_is_kept() -> None:
    """A prepayment or final invoice may name a due date before its own date."""
    page = [
        *block(40, 40, ["Initech GmbH", "Hafenweg 5", "20457 Hamburg"], bold_first=True),
        *row(120, (40, "Rechnung Nr.:"), (150, "7781")),
        *row(134, (40, "Rechnungsdatum:"), (150, "30.06.2025")),
        *row(148, (40, "Fällig am:"), (150, "20.06.2025")),
        *_totals(300, [("Gesamtbetrag", "50,00 EUR")]),
    ]
    bill = extract(page)
    assert bill.value("bill_date") == date(2025, 6, 30)
    assert bill.value("due_date") == date(2025, 6, 20)


def test_a_later_labelled_due_date_wins_over_an_earlier_one() -> None:
    page = [
        *block(40, 40, ["Initech GmbH", "Hafenweg 5", "20457 Hamburg"], bold_first=True),
        *row(120, (40, "Rechnung Nr.:"), (150, "7781")),
        *row(134, (40, "Rechnungsdatum:"), (150, "30.06.2025")),
        *row(148, (40, "Fällig am:"), (150, "20.06.2025")),
        *row(162, (40, "Zahlbar bis:"), (150, "14.07.2025")),
        *_totals(300, [("Gesamtbetrag", "50,00 EUR")]),
    ]
    assert extract(page).value("due_date") == date(2025, 7, 14)
