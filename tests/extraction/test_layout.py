"""Rows and segments of a page (`extraction.layout`): where a row is cut into segments."""

from __future__ import annotations

from billintake.extraction.layout import Layout
from billintake.reading.document import Page, ReadDocument, Word

SIZE = 9.5  # the print's height in points; a word space is about a quarter of it


def row(top: float, *pieces: tuple[float, str], source: str = "text") -> list[Word]:
    """Words of one row, each piece (x0, text) set word by word with 2.5 pt spaces."""
    words = []
    for x, text in pieces:
        for token in text.split():
            width = 5.0 * len(token)
            words.append(Word(text=token, x0=x, top=top, x1=x + width, bottom=top + SIZE,
                              source=source))
            x += width + 2.5
    return words


def segments(*rows: list[Word], source: str = "text") -> list[list[str]]:
    page = Page(number=1, width=600, height=800, source=source,
                words=[w for r in rows for w in r])
    layout = Layout.of(ReadDocument(media_type="application/pdf", pages=[page]))
    return [[seg.text for seg in r] for r in layout.page(1).rows]


def tight_columns(source: str = "text") -> list[list[str]]:
    """A bill-to and a ship-to block and the invoice's dates, each column under its heading,
    the names so long that only about 8 pt (a word space is 2.5) part the columns."""
    return segments(
        row(100, (48, "Bill To"), (176, "Ship To"), (304, "Invoice 1001"), source=source),
        row(112, (48, "Yardley Veterinary Clinic"), (176, "Yardley Veterinary Clinic"),
            (304, "Due: 2026-05-29"), source=source),
        row(124, (48, "116 Elm Street"), (176, "105 High Street"), source=source),
        source=source)


def test_a_word_starting_a_column_starts_a_segment_after_a_narrow_gap() -> None:
    rows = tight_columns()
    assert rows[1][-1] == "Due: 2026-05-29"  # under "Invoice", not the ship-to's name
    assert rows[1][:2] == ["Yardley Veterinary Clinic", "Yardley Veterinary Clinic"]


def test_words_a_word_space_apart_stay_one_segment_though_aligned() -> None:
    # "Street" of the row below starts where "Clinic" does: a word space is no column's gutter
    rows = segments(row(100, (48, "Yardley Vet Clinic")), row(112, (48, "116"), (128, "Street")))
    assert rows[0] == ["Yardley Vet Clinic"]


def test_figures_lined_up_by_chance_are_not_cut() -> None:
    # "396,96" of "3 396,96" starts where "-15,00" below does: figures are set flush right
    rows = segments(
        [*row(100, (400, "Total HT")), Word(text="3", x0=500, top=100, x1=505, bottom=100 + SIZE),
         Word(text="396,96", x0=510, top=100, x1=540, bottom=100 + SIZE)],
        row(112, (400, "Escompte"), (510, "-15,00")))
    assert rows[0][-1] == "3 396,96"


def test_ocr_rows_are_not_cut_at_columns() -> None:
    # OCR boxes stray by a few points: an edge lining up there is no evidence of a column
    rows = tight_columns(source="ocr")
    assert not any(seg == "Due: 2026-05-29" for seg in rows[1])
