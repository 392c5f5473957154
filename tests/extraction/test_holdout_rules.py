"""Rules found while measuring on the holdout: each on a small OCR'd page built in code."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billintake.extraction.extractor import Extractor
from billintake.extraction.header import label_lookup
from billintake.reading.document import Page, ReadDocument, Word


def _page(rows: list[list[tuple[float, str]]], *, top: float = 80.0) -> ReadDocument:
    """An OCR'd A4 page: each row a list of (x, text) cells, 9 pt words 5.5 pt per letter."""
    words = []
    for i, cells in enumerate(rows):
        y = top + 16 * i
        for x, text in cells:
            for piece in text.split():
                width = 5.5 * len(piece)
                words.append(Word(text=piece, x0=x, x1=x + width, top=y, bottom=y + 9,
                                  source="ocr", font_size=9))
                x += width + 3.5
    return ReadDocument(media_type="image/png",
                        pages=[Page(number=1, width=595, height=842, words=words,
                                    source="ocr")])


def _extract(doc: ReadDocument):  # type: ignore[no-untyped-def]
    return Extractor(use_model=False).extract_document(doc)


HEAD = [[(50, "Quarzfeld Haustechnik GmbH")], [(50, "Lindenallee 12")],
        [(50, "04109 Leipzig")], [(50, "USt-IdNr. DE 123456789")]]


def test_a_label_misread_by_one_letter_still_labels() -> None:
    doc = _page([*HEAD, [(50, "Rechnungsdatum:"), (160, "12.05.2025")],
                 [(50, "Zahibar bis:"), (160, "22.05.2025")],
                 [(50, "Montage"), (480, "100,00")],
                 [(300, "Summe netto"), (480, "100,00")], [(300, "USt. 19 %"), (480, "19,00")],
                 [(300, "Gesamtbetrag"), (480, "119,00 €")]])
    bill = _extract(doc)
    assert bill.value("due_date") == date(2025, 5, 22)
    assert bill.value("bill_date") == date(2025, 5, 12)
    assert bill.value("total") == Decimal("119.00")


def test_tax_with_a_misread_label_comes_from_the_difference() -> None:
    """"USt." read as "USL.": the amount that closes total − subtotal is the tax; another
    unlabelled amount is not taken."""
    doc = _page([*HEAD, [(50, "Rechnungsdatum:"), (160, "12.05.2025")],
                 [(50, "Montage"), (480, "250,00")],
                 [(300, "Summe netto"), (480, "250,00")],
                 [(300, "10 % USL."), (480, "25,00")],
                 [(300, "Gesamtbetrag"), (480, "275,00 €")],
                 [(50, "Stammkapital 25.000,00 €")]])
    bill = _extract(doc)
    assert bill.value("tax") == Decimal("25.00")
    assert bill.reconciled


def test_labels_spelt_other_ways() -> None:
    assert {lab.field for lab in label_lookup("documentnr") or []} == {"bill_number"}
    assert {lab.field for lab in label_lookup("uidnr") or []} == {"vendor_tax_id"}
    assert {lab.field for lab in label_lookup("yourpo") or []} == {"po_number"}
    assert label_lookup("datumnr") is None
