"""Credit notes printed with reportlab (text layer), in English, German, French and Dutch.

Each prints its amounts positive, as credit notes usually do; the document's title and number
label say it is a credit note. Invoices with a credit *line* ("Gutschrift Rücksendung") are the
counter-examples: they stay invoices.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

D = Decimal


@dataclass(frozen=True)
class Words:
    title: str
    number: str
    date: str
    refers: str
    columns: tuple[str, str, str, str]
    subtotal: str
    vat: str
    total: str
    date_format: str


WORDS = {
    "en": Words("CREDIT NOTE", "Credit note no.:", "Date:", "Refers to invoice:",
                ("Description", "Qty", "Unit price", "Amount"), "Subtotal", "VAT 20%", "Total",
                "%d/%m/%Y"),
    "de": Words("GUTSCHRIFT", "Gutschriftsnummer:", "Datum:", "zu Rechnung:",
                ("Beschreibung", "Menge", "Einzelpreis", "Betrag"), "Zwischensumme",
                "MwSt. 20 %", "Gesamtbetrag", "%d.%m.%Y"),
    "fr": Words("AVOIR", "Avoir n° :", "Date :", "Facture d'origine :",
                ("Désignation", "Qté", "Prix unitaire", "Montant"), "Total HT", "TVA 20 %",
                "Total TTC", "%d/%m/%Y"),
    "nl": Words("CREDITNOTA", "Creditnotanummer:", "Datum:", "Betreft factuur:",
                ("Omschrijving", "Aantal", "Prijs", "Bedrag"), "Subtotaal", "BTW 20%", "Totaal",
                "%d-%m-%Y"),
}
INVOICE_WORDS = {
    "en": ("INVOICE", "Invoice no.:"), "de": ("RECHNUNG", "Rechnungsnummer:"),
    "fr": ("FACTURE", "Facture n° :"), "nl": ("FACTUUR", "Factuurnummer:"),
}


@dataclass(frozen=True)
class CreditNote:
    language: str = "en"
    number: str = "CN-2024-0017"
    issued: date = date(2024, 6, 3)
    vendor: tuple[str, ...] = ("Harbour Print Ltd", "4 Quay Street", "Bristol BS1 4DJ",
                               "VAT ID: GB123456789")
    lines: tuple[tuple[str, Decimal, Decimal], ...] = (
        ("Returned toner cartridges", D("2"), D("38.50")),
        ("Price adjustment, paper", D("1"), D("12.00")),
    )
    refers_to: str = "INV-2024-0311"
    rate: int = 20
    with_totals: bool = True
    as_invoice: bool = False  # an invoice (same body) whose one line is a credit
    extra_rows: list[str] = field(default_factory=list)

    @property
    def subtotal(self) -> Decimal:
        return sum((q * p for _d, q, p in self.lines), D(0)).quantize(D("0.01"))

    @property
    def tax(self) -> Decimal:
        return (self.subtotal * self.rate / 100).quantize(D("0.01"))

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def credit_note_pdf(note: CreditNote) -> bytes:
    """One A4 page: vendor block, title, number and date, an items table, the totals."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    words = WORDS[note.language]
    title, number_label = (INVOICE_WORDS[note.language] if note.as_invoice
                           else (words.title, words.number))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    width, height = A4
    y = height - 60
    c.setFont("Helvetica-Bold", 14)
    c.drawString(50, y, note.vendor[0])
    c.setFont("Helvetica", 9)
    for text in note.vendor[1:]:
        y -= 12
        c.drawString(50, y, text)
    c.setFont("Helvetica-Bold", 20)
    c.drawRightString(width - 50, height - 60, title)
    c.setFont("Helvetica", 10)
    facts = [(number_label, note.number), (words.date, note.issued.strftime(words.date_format))]
    if not note.as_invoice:
        facts.append((words.refers, note.refers_to))
    fy = height - 90
    for label, value in facts:
        c.drawString(width - 250, fy, label)
        c.drawRightString(width - 50, fy, value)
        fy -= 14
    y = min(y, fy) - 40
    c.setFont("Helvetica-Bold", 10)
    cols = (50, 350, 450, width - 50)
    c.drawString(cols[0], y, words.columns[0])
    c.drawRightString(cols[1], y, words.columns[1])
    c.drawRightString(cols[2], y, words.columns[2])
    c.drawRightString(cols[3], y, words.columns[3])
    c.line(50, y - 4, width - 50, y - 4)
    c.setFont("Helvetica", 10)
    for description, quantity, price in note.lines:
        y -= 18
        c.drawString(cols[0], y, description)
        c.drawRightString(cols[1], y, f"{quantity.normalize():f}")
        c.drawRightString(cols[2], y, money(price))
        c.drawRightString(cols[3], y, money(quantity * price))
    if note.with_totals:
        y -= 10
        c.line(300, y, width - 50, y)
        for label, value in ((words.subtotal, note.subtotal), (words.vat, note.tax),
                             (words.total, note.total)):
            y -= 16
            c.setFont("Helvetica-Bold" if value == note.total else "Helvetica", 10)
            c.drawString(330, y, label)
            c.drawRightString(width - 50, y, f"{money(value)} GBP" if note.language == "en"
                              else f"{money(value)} EUR")
    c.setFont("Helvetica", 9)
    for text in note.extra_rows:
        y -= 30
        c.drawString(50, y, text)
    c.showPage()
    c.save()
    return buf.getvalue()
