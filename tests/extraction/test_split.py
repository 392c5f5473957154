"""Split: several real bills concatenated into one PDF come back as their exact page ranges."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from fixtures_gen.split_fixtures import concatenate
from pypdf import PdfReader

from billintake.extraction.split import observe, pages_of, split_pages
from billintake.reading.document import Page, ReadDocument, Word
from billintake.reading.layout import build_lines
from billintake.reading.reader import read

FIXTURES = Path(__file__).parents[1] / "fixtures" / "split"
ONE_PAGE = ["oyo.pdf", "AzureInterior.pdf", "coolblue1.pdf"]
TWO_PAGES = "zfcsharp-EXTENDED_Projektabschlussrechnung.pdf"
THREE_PAGES = "zfcsharp-EN16931_steuerbefreite_Auslandslieferung_fx.pdf"


def real(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@cache
def synthetic(index: int, scanned: bool = False) -> bytes:
    """A devkit bill (indexes 0 and 7 of seed 7 are two-page invoices)."""
    from billintake_devkit.synth.generate import make_bill
    from billintake_devkit.synth.scan import ScanQuality, scan

    bill = make_bill(7, "test", index)
    if not scanned:
        return bill.pdf_bytes
    quality = ScanQuality(dpi=150, angle=0.4, blur=0.3, noise=4.0, jpeg_quality=80)
    return scan(bill.pdf_bytes, quality, seed=index)[0]


def ranges_of(data: bytes) -> list[tuple[int, int]]:
    return split_pages(read(data))


def test_one_page_real_bills_are_split_at_each_page() -> None:
    data, truth = concatenate([real(name) for name in ONE_PAGE])
    assert ranges_of(data) == truth


def test_multi_page_real_bills_mixed_with_one_page_bills() -> None:
    data, truth = concatenate([real(ONE_PAGE[1]), real(THREE_PAGES), real(ONE_PAGE[0]),
                               real(TWO_PAGES), real(ONE_PAGE[2])])
    assert truth == [(1, 1), (2, 4), (5, 5), (6, 7), (8, 8)]
    assert ranges_of(data) == truth


def test_two_copies_of_one_layout_are_two_bills() -> None:
    data, truth = concatenate([real(THREE_PAGES), real(THREE_PAGES)])
    assert ranges_of(data) == truth


@pytest.mark.parametrize("name", [TWO_PAGES, THREE_PAGES])
def test_a_long_single_real_bill_is_kept_whole(name: str) -> None:
    pages = len(PdfReader(FIXTURES / name).pages)
    assert ranges_of(real(name)) == [(1, pages)]


def test_generated_multi_page_bills_are_kept_whole_between_real_bills() -> None:
    data, truth = concatenate([synthetic(0), real(ONE_PAGE[1]), synthetic(7), synthetic(13)])
    assert [last - first + 1 for first, last in truth] == [2, 1, 2, 2]
    assert ranges_of(data) == truth


def test_scanned_bills_are_split_from_their_ocr_words() -> None:
    data, truth = concatenate([synthetic(0, scanned=True), synthetic(42, scanned=True)])
    assert ranges_of(data) == truth


def _page(number: int, lines: list[str]) -> Page:
    """A text page of the given lines, words set as a text layer would give them."""
    words = []
    for row, line in enumerate(lines):
        x = 40.0
        for token in line.split():
            words.append(Word(text=token, x0=x, top=40 + 14 * row, x1=x + 5 * len(token),
                              bottom=49 + 14 * row))
            x += 5 * len(token) + 3
    return Page(number=number, width=595, height=842, words=words, lines=build_lines(words))


def test_blank_separator_pages_end_a_bill_and_belong_to_none() -> None:
    doc = read(concatenate([real(ONE_PAGE[0])])[0])
    blank = Page(number=2, width=595, height=842)
    second = doc.pages[0].model_copy(update={"number": 3})
    doc = doc.model_copy(update={"pages": [doc.pages[0], blank, second]})
    assert split_pages(doc) == [(1, 1), (3, 3)]


@pytest.mark.parametrize(("mark", "expected"), [
    ("Page 1 of 2", (1, 2)), ("Seite 2 von 3", (2, 3)), ("page 1/2", (1, 2)),
    ("Page 3 sur 4", (3, 4)), ("Invoice total 1/2 kg", None)])
def test_page_marks_are_read_in_several_languages(mark: str, expected: tuple[int, int] | None
                                                  ) -> None:
    assert observe(_page(1, ["ACME GmbH Musterstrasse 1", "Rechnung Nr. R-2024-17", mark,
                             "Widget 2 10.00"])).page_of == expected


def test_a_new_bill_number_starts_a_bill_and_the_same_one_continues() -> None:
    first = _page(1, ["ACME GmbH", "Invoice No. A-1001", "Widget 1 10.00", "Carried forward 10.00"])
    same = _page(2, ["ACME GmbH", "Invoice No. A-1001", "Widget 2 20.00", "Total 30.00"])
    other = _page(3, ["ACME GmbH", "Invoice No. A-1002", "Widget 3 30.00", "Total 30.00"])
    doc = ReadDocument(media_type="application/pdf", pages=[first, same, other])
    assert split_pages(doc) == [(1, 2), (3, 3)]


def test_pages_of_renumbers_the_chosen_pages() -> None:
    data, _ = concatenate([real(ONE_PAGE[0]), real(TWO_PAGES)])
    doc = read(data)
    part = pages_of(doc, (2, 3))
    assert [p.number for p in part.pages] == [1, 2]
    assert part.pages[0].words == doc.pages[1].words
