"""Till slips and restaurant bills: vendor, date and total, also from phone photos.

Drawn slips check the rules one at a time (tips, cash and change, no currency printed, a
label after its rate, a skewed photo); photographed slips of the holdout family go through
the real reader and Tesseract (small JPEGs, a few seconds each).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from billintake_devkit.synth_holdout.generate import make_one

from billintake.extraction.extractor import Extractor
from billintake.extraction.layout import Layout, text_slope
from billintake.reading.document import Page, ReadDocument, Word

from ._bills import Text, block, extract, row

SLIP = 40.0  # left margin of a drawn slip
RIGHT = 200.0  # x of its amount column


def _slip(lines: list[tuple[str, str]], *, head: list[str], top: float = 40.0) -> list[Text]:
    texts = block(SLIP, top, head, size=9)
    y = top + 14 * len(head) + 10
    for label, amount in lines:
        texts += row(y, (SLIP, label), *([(RIGHT, amount)] if amount else []), size=9)
        y += 14
    return texts


_SHOP = ["CORNER DELI HARBOUR", "12 Quay Street", "Portland, OR 97205", "03/14/2026 12:41"]


def test_tip_after_the_total_is_part_of_what_was_paid() -> None:
    bill = extract(_slip([("Soup of the day", "8.50"), ("Club sandwich", "31.50"),
                          ("Subtotal", "40.00"), ("Sales tax 8%", "3.20"), ("Total", "43.20"),
                          ("Tip", "6.50"), ("Amount charged", "49.70"),
                          ("VISA **** 1234", "49.70")], head=_SHOP))
    assert bill.value("total") == Decimal("49.70")
    assert bill.value("subtotal") == Decimal("40.00")
    assert bill.value("tax") == Decimal("3.20")
    assert bill.value("bill_date") == date(2026, 3, 14)
    assert bill.vendor_name is not None and bill.vendor_name.value == "CORNER DELI HARBOUR"


def test_cash_tendered_is_not_the_total_when_change_came_back() -> None:
    """The total's label was lost (as OCR loses words); cash − change vouches for it."""
    bill = extract(_slip([("Espresso", "4.85"), ("Croissant", "12.50"), ("", ""),
                          ("", "17.35"), ("CASH", "20.00"), ("CHANGE", "2.65")], head=_SHOP))
    assert bill.value("total") == Decimal("17.35")


def test_no_total_rather_than_a_payment_amount() -> None:
    """Nothing says "total" and no arithmetic supports an amount: no total at all."""
    bill = extract(_slip([("Espresso", "4.85"), ("Croissant", "12.50"), ("CASH", "50.00")],
                         head=_SHOP))
    assert bill.value("total") is None


def test_currency_from_the_issuers_country_when_none_is_printed() -> None:
    head = ["BÄCKEREI LINDENAU", "Hafenstraße 3", "28195 Bremen", "Tel +49 421 555 0123",
            "USt-IdNr DE 123456789", "14.03.2026 08:12"]
    bill = extract(_slip([("Bauernbrot", "4,20"), ("Brezel", "1,10"), ("SUMME", "5,30"),
                          ("enth. MwSt 7 %", "0,35"), ("BAR", "10,00"),
                          ("Rückgeld", "4,70")], head=head))
    assert bill.value("currency") == "EUR"
    assert bill.currency is not None and bill.currency.confidence < 0.7  # a hint, not a fact
    assert bill.value("total") == Decimal("5.30")
    assert bill.value("bill_date") == date(2026, 3, 14)


def test_tax_label_after_its_rate() -> None:
    head = ["ÉPICERIE QUIMPER", "4 place du Marché", "44000 Nantes", "18/04/2026 21:39"]
    bill = extract(_slip([("Sous-total HT", "25,00"), ("20 % TVA", "5,00"),
                          ("Net à payer", "30,00 €")], head=head))
    assert bill.value("tax") == Decimal("5.00")
    assert bill.value("total") == Decimal("30.00")
    assert bill.reconciled


def _ocr_word(text: str, x: float, y: float, slope: float) -> Word:
    width = 6.0 * len(text)
    lift = slope * (x + width / 2)  # the whole word sits on the tilted line
    return Word(text=text, x0=x, x1=x + width, top=y + lift, bottom=y + lift + 8, source="ocr",
                font_size=9)


def test_skewed_photo_rows_are_levelled() -> None:
    """A slip photographed 4° off level: the label and its amount far right are one row."""
    slope = 0.07
    lines = [("Club sandwich with fries", "61.57"), ("Sparkling water large", "20.50"),
             ("Subtotal", "82.07"), ("Sales tax", "5.74"), ("TOTAL", "87.81"),
             ("Thank you for shopping with us", "")]
    words = []
    for i, (label, amount) in enumerate(lines):
        x = 20.0
        for piece in label.split():
            words.append(_ocr_word(piece, x, 100 + 14 * i, slope))
            x += 6.0 * len(piece) + 6
        if amount:
            words.append(_ocr_word(amount, 200, 100 + 14 * i, slope))
    page = Page(number=1, width=240, height=400, words=words, source="ocr")
    assert text_slope(words) == pytest.approx(slope, abs=0.01)
    layout = Layout.of(ReadDocument(media_type="image/jpeg", pages=[page]))
    texts = [" | ".join(s.text for s in r) for r in layout.pages[0].rows]
    assert "TOTAL | 87.81" in texts and "Sales tax | 5.74" in texts


def test_a_box_ocr_squashed_to_a_sliver_of_its_line_stays_in_its_row() -> None:
    """OCR read "(M" and "bh" of "Anzel Advertising (M) Sdn Bhd" as boxes two and zero
    points tall at the foot of the line: they belong to it, not to a row of their own; a text
    layer's small print is left on its own row."""
    def word(text: str, x0: float, top: float, bottom: float, source: str = "ocr") -> Word:
        return Word(text=text, x0=x0, x1=x0 + 6.0 * len(text), top=top, bottom=bottom,
                    source=source, font_size=9)

    line = [word("Anzel", 55, 149, 156), word("Advertising", 90, 146, 156),
            word("(M", 157, 154, 156), word(")", 170, 147, 150), word("Sdn", 175, 147, 153),
            word("bh", 195, 156, 156), word("d", 208, 150, 152),
            word("(759785-H)", 216, 147, 157)]
    below = [word("Unit", 61, 160, 169), word("G-5B,", 88, 160, 170)]
    page = Page(number=1, width=300, height=400, words=line + below, source="ocr")
    rows = Layout.of(ReadDocument(media_type="image/jpeg", pages=[page])).pages[0].rows
    assert [" ".join(s.text for s in r) for r in rows] == [
        "Anzel Advertising (M ) Sdn bh d (759785-H)", "Unit G-5B,"]
    small = [word("Total", 20, 100, 110, "text"), word("incl.", 20, 112, 116, "text")]
    page = Page(number=1, width=300, height=400, words=small, source="text")
    rows = Layout.of(ReadDocument(media_type="application/pdf", pages=[page])).pages[0].rows
    assert len(rows) == 2


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(use_model=False)


@pytest.mark.slow
@pytest.mark.parametrize("index", [50, 51, 57], ids=["till-de-AT-cash", "restaurant-en-US-tip",
                                                     "till-en-US-skewed"])
def test_photographed_receipts_through_ocr(index: int, extractor: Extractor) -> None:
    doc = make_one(index, "receipt", 4242)
    assert doc.extension == ".jpg" and len(doc.data) < 250_000
    bill = extractor.extract_bytes(doc.data)
    truth = doc.truth
    assert bill.vendor_name is not None
    assert bill.vendor_name.value.lower() == truth["vendor_name"].lower(), doc.id
    assert bill.value("bill_date") == date.fromisoformat(truth["bill_date"]), doc.id
    assert bill.value("total") == Decimal(truth["total"]), doc.id
    assert bill.value("currency") == truth["currency"], doc.id


def test_noise_in_short_word_pairs_is_no_skew() -> None:
    """A sparse, level totals page: the few short word pairs disagree (descenders move a
    word's centre), so the page is not turned, and each label keeps its amount far right."""
    jitter = [1.7, -0.5, -1.1, 0.0, -0.4, -0.2, 0.1, 0.0]
    words = []
    for i, (label, amount) in enumerate([("Sub-total:", "22,534.28"), ("Less discount:", "-15.00"),
                                         ("Delivery:", "4.95"), ("TOTAL:", "22,524.23")]):
        x = 50.0
        for piece in label.split():
            words.append(_ocr_word(piece, x, 60 + 15 * i, 0.0))
            x += 6.0 * len(piece) + 4
        words.append(_ocr_word(amount, 520, 60 + 15 * i, 0.0))
    x = 50.0
    pieces = ["Please", "pay", "by", "bank", "transfer", "today", "now", "ok"]
    for piece, dy in zip(pieces, jitter, strict=True):
        words.append(_ocr_word(piece, x, 140 + dy, 0.0))
        x += 6.0 * len(piece) + 4
    page = Page(number=1, width=612, height=792, words=words, source="ocr")
    assert text_slope(words) == 0.0
    layout = Layout.of(ReadDocument(media_type="image/png", pages=[page]))
    texts = [" | ".join(s.text for s in r) for r in layout.pages[0].rows]
    assert "TOTAL: | 22,524.23" in texts and "Sub-total: | 22,534.28" in texts
