"""The text layer: words with boxes, size and weight; judging when it cannot be trusted."""

from __future__ import annotations

import pytest

from billintake.reading.document import Word
from billintake.reading.pdf_text import TextLayerPage, plausible_share, unusable_reason
from billintake.reading.reader import read
from billintake.settings import Settings
from tests.fixtures_gen import reading_fixtures as fx


def _word(text: str, x: float = 50.0) -> Word:
    return Word(text=text, x0=x, top=10, x1=x + 5 * len(text), bottom=20)


def _layer(texts: list[str], **facts: float) -> TextLayerPage:
    return TextLayerPage(width=595, height=842, words=[_word(t, 10 * i) for i, t in
                                                       enumerate(texts)], **facts)


GOOD_TEXT = ("Invoice No: INV-2024-0042 Total due EUR 328.20 ACME Office Supplies GmbH "
             "Hauptstrasse 12 10115 Berlin Printer paper A4 Toner cartridge black Delivery")
GOOD = GOOD_TEXT.split()


def test_words_carry_boxes_font_size_and_bold(digital_pdf: bytes, reading_settings: Settings
                                              ) -> None:
    page = read(digital_pdf, settings=reading_settings).pages[0]
    assert page.source == "text" and (round(page.width), round(page.height)) == (595, 421)
    by_text = {w.text: w for w in page.words}
    vendor, total = by_text["ACME"], by_text["328.20"]
    assert vendor.bold and vendor.font_size == 13.0
    assert total.bold and total.font_size == 11.0
    assert not by_text["Hauptstrasse"].bold and by_text["Hauptstrasse"].font_size == 10.0
    # drawn at x=50, 45pt from the top (baseline): the box encloses that spot
    assert abs(vendor.x0 - 50) < 0.5 and vendor.top < 45 < vendor.bottom
    # right-aligned at x=540
    assert abs(total.x1 - 540) < 0.5
    assert all(w.source == "text" and w.confidence == 1.0 for w in page.words)


def test_good_layer_is_trusted() -> None:
    assert unusable_reason(_layer(GOOD)) is None


def test_empty_layer() -> None:
    assert unusable_reason(_layer([])) == "no text layer"


def test_unmapped_glyphs_and_replacement_characters() -> None:
    cids = [f"(cid:{n})(cid:{n + 1})" for n in range(20)]
    assert "unmapped" in (unusable_reason(_layer(cids + GOOD[:5])) or "")
    assert "unmapped" in (unusable_reason(_layer(["Inv\ufffdice", "T\ufffdtal"] * 10)) or "")


def test_few_words_on_a_page_full_of_ink() -> None:
    assert "ink" in (unusable_reason(_layer(["Scanned", "by", "ACME"], image_share=0.95)) or "")
    assert "ink" in (unusable_reason(_layer(["Total"], curves=800)) or "")
    assert unusable_reason(_layer(GOOD * 3, image_share=0.95)) is None  # a letterhead image


def test_invisible_ocr_layer_judged_by_quality() -> None:
    garbage = ["tHe#~", "xQzRk", "vvWq", "Tqtl", "dvE", "~~", "rnnmw", "|l|l", "Xj", "qWrTzPkL"]
    assert unusable_reason(_layer(GOOD, invisible_share=1.0)) is None
    assert "invisible OCR layer" in (
        unusable_reason(_layer(GOOD[:8] + garbage, invisible_share=1.0)) or "")


def test_sideways_text() -> None:
    assert unusable_reason(_layer(GOOD, rotated_share=0.9)) == "text runs sideways"


def test_plausibility() -> None:
    assert plausible_share([_word(t) for t in GOOD]) == 1.0
    assert plausible_share([_word(t) for t in ["xQzRkW", "bcdfg", "~≈≈~", "Total"]]) == 0.25


@pytest.mark.slow
def test_cid_text_layer_is_replaced_by_ocr(reading_settings: Settings) -> None:
    document = read(fx.cid_pdf(), settings=reading_settings)
    page = document.pages[0]
    assert page.source == "ocr"
    assert "unmapped glyphs" in document.warnings[0]
    assert not any("(cid:" in w.text for w in page.words)
    assert fx.TOTAL in [w.text for w in page.words]


@pytest.mark.slow
def test_invisible_ocr_layer_kept_when_good_replaced_when_poor(reading_settings: Settings
                                                               ) -> None:
    good = read(fx.ocr_layer_pdf(good=True), settings=reading_settings)
    assert good.pages[0].source == "text"
    assert f"Total due EUR {fx.TOTAL}" in good.pages[0].text
    poor = read(fx.ocr_layer_pdf(good=False), settings=reading_settings)
    assert poor.pages[0].source == "ocr"
    assert "invisible OCR layer of poor quality" in poor.warnings[0]
    assert fx.TOTAL in [w.text for w in poor.pages[0].words]


def test_multipage_pdf_keeps_pages_apart(reading_settings: Settings) -> None:
    document = read(fx.digital_pdf(3), settings=reading_settings)
    assert [p.number for p in document.pages] == [1, 2, 3]
    assert all(p.source == "text" for p in document.pages)
    assert [p.lines[-1].text for p in document.pages] == [f"Page {n} of 3" for n in (1, 2, 3)]
    assert [n for n, w in document.words if w.text == fx.TOTAL] == [1, 2, 3]
    assert document.text.count("\f") == 2
