"""Where an items table ends: totals beside bank details, pages carried over, misread sums."""

from __future__ import annotations

from decimal import Decimal

from billintake.extraction.line_items import extract_line_items
from billintake.reading.document import Line, Page, ReadDocument, Word


def _page(number: int, rows: list[list[tuple[str, float]]]) -> Page:
    words = []
    for index, row in enumerate(rows):
        for text, x in row:
            x0 = x
            for token in text.split():
                words.append(Word(text=token, x0=x0, top=100 + index * 14.0,
                                  x1=x0 + 5.0 * len(token), bottom=109 + index * 14.0))
                x0 += 5.0 * len(token) + 4.0
    return Page(number=number, width=595, height=842, words=words, lines=[Line(words=words)])


def _items(*pages: list[list[tuple[str, float]]]) -> list[tuple[str, Decimal | None]]:
    doc = ReadDocument(media_type="application/pdf",
                       pages=[_page(n, rows) for n, rows in enumerate(pages, start=1)])
    return [(i.description, i.amount) for i in extract_line_items(doc).items]


HEADER = [("Description", 50), ("Qty", 300), ("Price", 380), ("Amount", 470)]


def test_a_totals_label_beside_the_bank_details_ends_the_table() -> None:
    rows = [HEADER,
            [("Sheet tape 50 m", 50), ("10", 305), ("142.19", 380), ("1,421.90", 470)],
            [("Cable ties (pack)", 50), ("1", 305), ("80.24", 380), ("80.24", 470)],
            [],
            [("Payment details", 50), ("Goods total", 300), ("1,502.14", 470)],
            [("IBAN IE79 NWBK 9559 5715 6840 92", 50), ("13.5% VAT", 300), ("202.79", 470)],
            [("Total amount", 300), ("1,704.93", 470)]]
    assert _items(rows) == [("Sheet tape 50 m", Decimal("1421.90")),
                            ("Cable ties (pack)", Decimal("80.24"))]


def test_an_item_named_like_a_totals_word_is_still_an_item() -> None:
    rows = [HEADER,
            [("Sheet tape 50 m", 50), ("10", 305), ("142.19", 380), ("1,421.90", 470)],
            [("TB-3559", 50), ("Delivery", 92), ("charge", 136), ("2", 305), ("1.40", 380),
             ("2.80", 470)],
            [],
            [("Subtotal", 380), ("1,424.70", 470)]]
    assert _items(rows) == [("Sheet tape 50 m", Decimal("1421.90")),
                            ("TB-3559 Delivery charge", Decimal("2.80"))]


def test_a_carried_forward_sum_ends_the_page_not_the_table() -> None:
    first = [HEADER,
             [("Montage", 50), ("2", 305), ("10.00", 380), ("20.00", 470)],
             [("Kabel", 50), ("1", 305), ("5.00", 380), ("5.00", 470)],
             [],
             [("Übertrag", 300), ("25.00", 470)]]
    second = [[("Übertrag", 300), ("25.00", 470)],
              HEADER,
              [("Ventil", 50), ("3", 305), ("2.00", 380), ("6.00", 470)],
              [],
              [("Total", 380), ("31.00", 470)]]
    assert _items(first, second) == [("Montage", Decimal("20.00")), ("Kabel", Decimal("5.00")),
                                     ("Ventil", Decimal("6.00"))]


def test_a_misread_amount_is_quantity_times_price_when_that_makes_the_subtotal() -> None:
    rows = [HEADER,
            [("Toner", 50), ("3", 305), ("13.18", 380), ("30.54", 470)],
            [("Paper", 50), ("5", 305), ("3.00", 380), ("15.00", 470)],
            [],
            [("Subtotal", 380), ("54.54", 470)]]
    assert _items(rows) == [("Toner", Decimal("39.54")), ("Paper", Decimal("15.00"))]


def test_a_header_with_ruled_columns_and_a_misread_label_is_still_the_header() -> None:
    rows = [[("30 jours net", 50)],
            [("| Ref. article |", 40), ("Libene |", 110), ("Quancite|u. |", 300),
             ("Prix unitaire |", 380), ("Total HT |", 470)],
            [("BB-3228", 40), ("Training session", 110), ("2", 305), ("10,00", 385),
             ("20,00", 475)],
            [("XP-5892", 40), ("Office chair", 110), ("1", 305), ("3,71", 390), ("3,71", 480)],
            [],
            [("Sous-total", 380), ("23,71", 470)]]
    assert _items(rows) == [("Training session", Decimal("20.00")),
                            ("Office chair", Decimal("3.71"))]


def test_a_group_subtotal_check_knows_canadian_tax_labels() -> None:
    rows = [HEADER,
            [("A3 poster print, matt", 50), ("2", 305), ("389.89", 380), ("779.78", 470)],
            [],
            [("Bank details", 50), ("Sub-total", 300), ("779.78", 470)],
            [("Account 85389038 Sort code 96-40-93", 50), ("GST/HST (5%)", 300),
             ("38.99", 470)],
            [("Invoice total", 300), ("818.77", 470)]]
    assert _items(rows) == [("A3 poster print, matt", Decimal("779.78"))]
