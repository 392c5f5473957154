"""Till slips and restaurant bills without a header row: which lines are items."""

from __future__ import annotations

from decimal import Decimal

from billintake.extraction.line_items import extract_line_items
from billintake.reading.document import Line, Page, ReadDocument, Word


def _slip(lines: list[tuple[str, str]], *, slope: float = 0.0, ocr: bool = True
          ) -> ReadDocument:
    """A narrow slip: each line's left text from x=12, its right text ending near x=215.
    `slope` tilts the lines (dy per point of x) as a hand-held photo does."""
    words: list[Word] = []
    source = "ocr" if ocr else "text"

    def put(text: str, x0: float, top: float) -> None:
        for token in text.split(" "):  # two spaces: a wide gap
            if not token:
                x0 += 20.0
                continue
            width = 5.0 * len(token)
            words.append(Word(text=token, x0=x0, x1=x0 + width, top=top + slope * x0,
                              bottom=top + slope * x0 + 9, source=source))
            x0 += width + 5.0

    for index, (left, right) in enumerate(lines):
        top = 20 + index * 13.0
        if left:
            put(left, 12.0, top)
        if right:
            put(right, 215.0 - (5.0 * len(right) + 5.0 * right.count(" ")), top)
    page = Page(number=1, width=227, height=40 + 13 * len(lines), words=words,
                lines=[Line(words=words)], source=source)
    return ReadDocument(media_type="image/jpeg", pages=[page])


def _items(doc: ReadDocument) -> list[tuple[str, Decimal | None, Decimal | None, Decimal | None]]:
    return [(i.description, i.quantity, i.unit_price, i.amount)
            for i in extract_line_items(doc).items]


HEADER = [("CAFE LUMEN", ""), ("12 Mill Street", ""), ("Tel +44 113 151 6146", ""),
          ("VAT No GB 112 5822 74", ""), ("18/06/2025 12:51", "#9439"),
          ("Table 4", "Server: Anna")]
PAYMENT = [("SUBTOTAL", "21.40"), ("VAT 20%", "3.57"), ("TOTAL", "21.40"), ("TIP", "2.00"),
           ("CASH", "30.00"), ("CHANGE", "6.60"), ("Visa **** 4242", "23.40"),
           ("Loyalty card 0042 1234 5678", ""), ("Thank you!", "")]


def test_quantity_lines_under_their_descriptions_and_nothing_from_header_or_payment() -> None:
    doc = _slip([*HEADER, ("Latte", ""), ("2 x 3.80", "7.60"), ("Croissant", "2.50"),
                 ("Club sandwich", ""), ("3 @ 3.00", "9.00"), ("Water 0.5l", "2.30"), *PAYMENT])
    assert _items(doc) == [
        ("Latte", Decimal(2), Decimal("3.80"), Decimal("7.60")),
        ("Croissant", None, None, Decimal("2.50")),
        ("Club sandwich", Decimal(3), Decimal("3.00"), Decimal("9.00")),
        ("Water 0.5l", None, None, Decimal("2.30")),
    ]


def test_quantity_prefixes_and_vat_class_letters() -> None:
    doc = _slip([*HEADER, ("2 x Latte 3.80", "7.60 A"), ("2x Muffin", "5.00 B"),
                 ("Espresso", "2.10 A"), *PAYMENT])
    assert [(d, q, a) for d, q, _, a in _items(doc)] == [
        ("Latte", Decimal(2), Decimal("7.60")), ("Muffin", Decimal(2), Decimal("5.00")),
        ("Espresso", None, Decimal("2.10"))]


def test_a_skewed_photo_keeps_descriptions_with_their_amounts() -> None:
    lines = [*HEADER, ("Weizenbier", "18,45"), ("Batterien AA", ""), ("2 x 3,55", "7,10"),
             ("Brezel", "9,63"), ("GESAMT", "35,18"), ("BAR", "40,00")]
    doc = _slip(lines, slope=0.05)
    assert [(d, a) for d, _, _, a in _items(doc)] == [
        ("Weizenbier", Decimal("18.45")), ("Batterien AA", Decimal("7.10")),
        ("Brezel", Decimal("9.63"))]


def test_an_unreadable_amount_on_a_quantity_line_is_quantity_times_price() -> None:
    doc = _slip([*HEADER, ("Fish & chips", ""), ("2x 12.61", "65)"), ("Soup of day", "4.20"),
                 *PAYMENT])
    assert _items(doc) == [("Fish & chips", Decimal(2), Decimal("12.61"), Decimal("25.22")),
                           ("Soup of day", None, None, Decimal("4.20"))]


def test_stray_marks_at_the_edges_of_a_photo_are_not_part_of_items() -> None:
    doc = _slip([*HEADER, ("|  Lemon tart", "i"), ("7  3 x 15.42", "46.26  4"),
                 ("Sparkling water", "8.13  |"), *PAYMENT])
    assert [(d, a) for d, _, _, a in _items(doc)] == [
        ("Lemon tart", Decimal("46.26")), ("Sparkling water", Decimal("8.13"))]


def test_a_misread_amount_is_corrected_when_quantity_x_price_makes_the_subtotal() -> None:
    doc = _slip([*HEADER, ("Oat milk 1L", ""), ("3 x 13.18", "30.54"), ("Espresso", "2.10"),
                 ("SUBTOTAL", "41.64"), ("TOTAL", "41.64"), ("CASH", "50.00")])
    assert [(d, a) for d, _, _, a in _items(doc)] == [
        ("Oat milk 1L", Decimal("39.54")), ("Espresso", Decimal("2.10"))]


def test_a_subtotal_with_a_misread_label_still_ends_the_items() -> None:
    doc = _slip([*HEADER, ("Lemon tart", "3.17"), ("Fish & chips", "11.63"),
                 ("Sub toa", "14.80"), ("Tax 6%", "0.89")])
    assert [d for d, _, _, _ in _items(doc)] == ["Lemon tart", "Fish & chips"]


def test_a_quantity_standing_apart_at_the_start_of_the_row_is_kept() -> None:
    doc = _slip([*HEADER, ("1  x Bread loaf", "3,15  3,15"), ("3  x  Sandwich", "12,91  38,73"),
                 ("TOTAT.", "41,88 EUR"), ("TVA 20%", "6,98"), ("Merci", "")])
    assert _items(doc) == [("Bread loaf", Decimal(1), Decimal("3.15"), Decimal("3.15")),
                           ("Sandwich", Decimal(3), Decimal("12.91"), Decimal("38.73"))]


def test_a_totals_word_misread_by_one_letter_ends_the_items() -> None:
    doc = _slip([*HEADER, ("Pens 3pk", "9.60"), ("AM@UNT", "64.52"), ("Visa", "64.52")])
    assert [d for d, _, _, _ in _items(doc)] == ["Pens 3pk"]


def test_an_item_whose_amount_was_lost_is_what_the_total_has_over_the_others() -> None:
    doc = _slip([("Thistle Corner", ""), ("16. Januar 2026 18:15", "Bon-Nr. 628578"),
                 ("1  Soup", ""), ("4  Chocolate bar", "36,48"), ("2  Croissant", "7,78"),
                 ("Summe EUR", "46,03"), ("EC-Karte", "46,03")])
    assert [(d, a) for d, _, _, a in _items(doc)] == [
        ("Soup", Decimal("1.77")), ("Chocolate bar", Decimal("36.48")),
        ("Croissant", Decimal("7.78"))]
