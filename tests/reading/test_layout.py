"""Lines in reading order: columns not interleaved, tables and label/value pairs kept as rows."""

from __future__ import annotations

from billintake.reading.document import Line, Word
from billintake.reading.layout import build_lines, rows_of

CHAR_WIDTH = 5.5


def words_at(text: str, x: float, top: float, size: float = 10.0) -> list[Word]:
    """The words of `text` set from `x` on one line, like a PDF text layer would give them."""
    words = []
    for token in text.split():
        width = CHAR_WIDTH * len(token)
        words.append(Word(text=token, x0=x, top=top, x1=x + width, bottom=top + size,
                          font_size=size))
        x += width + CHAR_WIDTH
    return words


def block(lines: list[str], x: float, top: float, leading: float = 14.0) -> list[Word]:
    return [w for i, line in enumerate(lines) for w in words_at(line, x, top + i * leading)]


def texts(words: list[Word]) -> list[str]:
    return [line.text for line in build_lines(words)]


VENDOR = ["ACME Supplies GmbH", "Hauptstrasse 12", "10115 Berlin", "VAT ID DE123456789"]
DETAILS = ["Invoice No: INV-7", "Invoice date: 2024-03-01", "Due date: 2024-03-31"]


def test_two_column_header_is_read_block_by_block() -> None:
    words = block(VENDOR, 50, 40) + block(DETAILS, 360, 40)
    assert texts(words) == VENDOR + DETAILS


def test_two_column_header_with_label_value_table_on_the_right() -> None:
    labels = block(["Invoice No:", "Date:", "Due:"], 330, 40)
    values = block(["INV-7", "01.03.2024", "31.03.2024"], 450, 40)
    lines = texts(block(VENDOR, 50, 40) + labels + values)
    assert lines == [*VENDOR, "Invoice No: INV-7", "Date: 01.03.2024", "Due: 31.03.2024"]


def test_table_rows_stay_rows_even_with_a_sparse_column() -> None:
    rows = [("Description", "Qty", "Unit price", "Amount"),
            ("Printer paper", "10", "4.50", "45.00"),
            ("Toner black", "", "89.90", "179.80"),
            ("Desk organiser", "3", "12.00", "36.00")]
    words: list[Word] = []
    for i, row in enumerate(rows):
        for text, x in zip(row, (50, 300, 380, 480), strict=True):
            words += words_at(text, x, 200 + 16 * i) if text else []
    assert texts(words) == ["Description Qty Unit price Amount", "Printer paper 10 4.50 45.00",
                            "Toner black 89.90 179.80", "Desk organiser 3 12.00 36.00"]


def test_totals_keep_label_and_amount_on_one_line() -> None:
    words = block(["Subtotal", "VAT 19%", "Total due"], 360, 300) + block(
        ["275.80", "52.40", "328.20"], 500, 300)
    assert texts(words) == ["Subtotal 275.80", "VAT 19% 52.40", "Total due 328.20"]


def test_whole_page_in_order() -> None:
    words = (block(VENDOR, 50, 40) + block(DETAILS, 360, 40)
             + block(["Bill to:", "Northwind Ltd"], 50, 120)
             + words_at("Widget", 50, 200) + words_at("2", 300, 200) + words_at("20.00", 480, 200)
             + words_at("Total", 360, 240) + words_at("20.00", 480, 240))
    assert texts(words) == [*VENDOR, *DETAILS, "Bill to:", "Northwind Ltd", "Widget 2 20.00",
                            "Total 20.00"]


def test_words_of_one_line_share_it_despite_different_sizes() -> None:
    title = Word(text="INVOICE", x0=50, top=38, x1=120, bottom=54, font_size=16)
    number = Word(text="No.", x0=130, top=42, x1=145, bottom=52, font_size=10)
    rows = rows_of([number, title])
    assert [[w.text for w in row] for row in rows] == [["INVOICE", "No."]]


def test_line_cells_split_at_wide_gaps() -> None:
    line = Line(words=words_at("Toner black", 50, 0) + words_at("89.90", 380, 0))
    assert [[w.text for w in cell] for cell in line.cells()] == [["Toner", "black"], ["89.90"]]


def test_empty_input() -> None:
    assert build_lines([]) == []


def test_table_with_wrapped_descriptions_and_units_stays_one_table() -> None:
    descriptions = [("Wireless storage box", 200), ("Incl. mounting kit", 214),
                    ("Copper file folders", 232), ("Training session", 250),
                    ("Delivered 14/01", 264)]
    values = [("4 Stk EUR 880,68 EUR 3.522,72", 200), ("6 ea EUR 13,83 EUR 82,98", 232),
              ("4 hrs EUR 732,68 EUR 2.930,72", 250)]
    words = words_at("Description", 50, 182) + words_at("Qty Unit Price Total", 300, 182)
    for text, top in descriptions:
        words += words_at(text, 50, top)
    for text, top in values:
        words += words_at(text, 300, top)
    assert texts(words) == [
        "Description Qty Unit Price Total",
        "Wireless storage box 4 Stk EUR 880,68 EUR 3.522,72", "Incl. mounting kit",
        "Copper file folders 6 ea EUR 13,83 EUR 82,98",
        "Training session 4 hrs EUR 732,68 EUR 2.930,72", "Delivered 14/01"]


def test_blocks_beside_each_other_with_a_long_line_reaching_under_both() -> None:
    details = block(["Invoice no. F2026-576", "Date 8 January 2026", "Due 7 February 2026"],
                    50, 40, leading=20)
    customer = block(["Customer", "Tidewater Hotel", "Molenweg 160", "8011 CW Zwolle"], 330, 40,
                     leading=14)
    terms = words_at("Terms Payment within thirty days of the invoice date", 50, 100)
    assert texts(details + customer + terms) == [
        "Invoice no. F2026-576", "Date 8 January 2026", "Due 7 February 2026",
        "Customer", "Tidewater Hotel", "Molenweg 160", "8011 CW Zwolle",
        "Terms Payment within thirty days of the invoice date"]


def test_two_prose_columns_with_a_narrow_gutter() -> None:
    left = ["lorem ipsum dolor sit amet", "consectetur adipiscing elit", "sed do eiusmod tempor",
            "incididunt ut labore", "et dolore magna aliqua"]
    right = ["ut enim ad minim veniam", "quis nostrud exercitation", "ullamco laboris nisi",
             "ut aliquip ex ea", "commodo consequat"]
    words = block(left, 40, 30, leading=12) + block(right, 198, 30, leading=12)
    assert 198 - max(w.x1 for w in words if w.x0 < 190) < 10  # a gutter of under 10 points
    assert texts(words) == left + right
