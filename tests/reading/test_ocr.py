"""Scans, photos and mixed documents through real Tesseract (small 150 dpi pages)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from billintake.reading import ocr
from billintake.reading.document import ReadDocument, Word
from billintake.reading.reader import read
from billintake.settings import Settings
from tests.fixtures_gen import reading_fixtures as fx

pytestmark = pytest.mark.slow


def texts(words: list[Word]) -> list[str]:
    return [w.text for w in words]


@pytest.fixture(scope="module")
def scanned_document() -> ReadDocument:
    """The 150 dpi scan read with default settings: rendered at 300 dpi, grain enlarged too."""
    return read(fx.scanned_pdf(), settings=Settings(_env_file=None, ocr_workers=1))


def test_scanned_bill_total_is_found_among_ocr_words(scanned_document: ReadDocument) -> None:
    page = scanned_document.pages[0]
    assert page.source == "ocr"
    assert fx.TOTAL in texts(page.words)
    assert all(w.source == "ocr" and 0 <= w.confidence <= 1 for w in page.words)
    assert page.ocr_confidence is not None and page.ocr_confidence > 0.8
    assert "no text layer" in scanned_document.warnings[0]


def test_scanned_bill_lines_are_in_reading_order(scanned_document: ReadDocument) -> None:
    lines = [line.text for line in scanned_document.pages[0].lines]
    assert lines.index("ACME Office Supplies GmbH") < lines.index("VAT ID DE123456789") \
        < lines.index("INVOICE") < lines.index("Bill to:")
    assert f"Total due EUR {fx.TOTAL}" in lines
    assert f"Subtotal {fx.SUBTOTAL}" in lines
    assert "Toner cartridge black 2 89.90 179.80" in lines  # lone quantities kept


def test_scan_page_size_in_points(scanned_document: ReadDocument) -> None:
    page = scanned_document.pages[0]
    assert abs(page.width - fx.HALF_A4[0]) < 2 and abs(page.height - fx.HALF_A4[1]) < 2


def test_text_layer_and_ocr_coordinates_agree(digital_pdf: bytes,
                                              reading_settings: Settings) -> None:
    from_text = read(digital_pdf, settings=reading_settings).pages[0]
    from_ocr = read(digital_pdf, settings=reading_settings, force_ocr=True).pages[0]
    assert from_text.source == "text" and from_ocr.source == "ocr"
    ocr_words = {w.text: w for w in from_ocr.words}
    offsets: list[float] = []
    for word in from_text.words:
        twin = ocr_words.get(word.text)
        if (twin is None or texts(from_text.words).count(word.text) > 1
                or texts(from_ocr.words).count(word.text) > 1):
            continue
        offsets.append(max(abs(word.x0 - twin.x0), abs(word.x1 - twin.x1),
                           abs(word.y_center - twin.y_center)))
        assert twin.font_size and abs(twin.font_size - (word.font_size or 0)) <= 2.0, word
    assert len(offsets) >= 40
    # Tesseract boxes hug the ink, text-layer boxes the glyph advances: a point or two apart.
    assert sorted(offsets)[len(offsets) // 2] < 1.0
    assert sorted(offsets)[-2] < 3.0  # at most one box off (8 pt print at 150 dpi)


@pytest.mark.parametrize(("degrees", "engine"), [(90, "tesseract"), (180, "tesseract"),
                                                  (180, "auto")])
def test_page_turned_is_rotated_upright(degrees: int, engine: str,
                                        reading_settings: Settings) -> None:
    """Also with `auto`: its second engine reads upside-down text confidently, so the page's
    orientation is judged on Tesseract's reading before the engines are compared."""
    settings = reading_settings.model_copy(update={"ocr_engine": engine})
    document = read(fx.rotated_png(degrees), settings=settings)
    page = document.pages[0]
    assert document.media_type == "image/png"
    assert page.rotation == degrees  # turned back clockwise by as much
    assert page.width > page.height  # the half-A4 page is landscape once upright
    assert fx.TOTAL in texts(page.words)
    assert "Invoice No: INV-2024-0042" in [line.text for line in page.lines]


def test_digital_page_stored_sideways_is_read_upright(reading_settings: Settings) -> None:
    document = read(fx.sideways_digital_pdf(), settings=reading_settings)
    page = document.pages[0]
    assert page.source == "ocr" and page.rotation == 270
    assert "text runs sideways" in document.warnings[0]
    assert f"Total due EUR {fx.TOTAL}" in [line.text for line in page.lines]


def test_phone_photo_turned_by_exif_is_read_upright(reading_settings: Settings) -> None:
    upright = fx.scan(fx.render(fx.digital_pdf(), 150), angle=0.0)
    stored = upright.rotate(90, expand=True)  # the sensor's orientation
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: turn 90° clockwise to display
    buffer = io.BytesIO()
    stored.save(buffer, format="JPEG", dpi=(150, 150), exif=exif, quality=90)
    page = read(buffer.getvalue(), settings=reading_settings).pages[0]
    assert page.rotation == 0  # upright once the EXIF turn is applied: no OSD needed
    assert page.width > page.height
    assert fx.TOTAL in texts(page.words)


def test_mixed_document_page_by_page(reading_settings: Settings) -> None:
    document = read(fx.mixed_pdf(), settings=reading_settings)
    assert [p.source for p in document.pages] == ["text", "ocr"]
    assert [p.number for p in document.pages] == [1, 2]
    for page in document.pages:
        assert fx.TOTAL in texts(page.words)
    assert document.warnings == ["page 2: no text layer; OCR used"]


def test_multipage_tiff_in_parallel_workers(reading_settings: Settings) -> None:
    document = read(fx.multipage_tiff(2), settings=reading_settings)  # two worker processes
    assert document.media_type == "image/tiff"
    assert [p.number for p in document.pages] == [1, 2]
    assert "Page 1 of 2" in document.pages[0].text and "Page 2 of 2" in document.pages[1].text
    # 150 dpi stated in the file → a half-A4 page in points
    assert abs(document.pages[0].width - fx.HALF_A4[0]) < 2


def test_jpeg_photo_and_language_choice(reading_settings: Settings) -> None:
    document = read(fx.scanned_jpeg(), settings=reading_settings, languages=["deu", "eng"])
    assert document.media_type == "image/jpeg" and document.languages == ["deu", "eng"]
    assert fx.TOTAL in texts(document.pages[0].words)


def test_low_resolution_photo_is_enlarged_for_ocr(reading_settings: Settings) -> None:
    small = fx.scan(fx.render(fx.digital_pdf(), 110), angle=0.0, noise=4.0)
    document = read(fx.image_bytes(small, "PNG", 110), settings=reading_settings)
    page = document.pages[0]
    assert fx.TOTAL in texts(page.words) and fx.SUBTOTAL in texts(page.words)
    assert abs(page.width - fx.HALF_A4[0]) < 2  # still measured in points of the paper


def test_noise_words_are_dropped() -> None:
    assert ocr.is_noise_word("ee", 20) and ocr.is_noise_word("~", 35) and ocr.is_noise_word("ww", 0)
    assert not ocr.is_noise_word("1", 20)  # a quantity, however unsure
    assert not ocr.is_noise_word("ee", 90) and not ocr.is_noise_word("Total", 30)


def test_german_language_reads_umlauts_and_sharp_s(reading_settings: Settings) -> None:
    document = read(fx.german_scan_png(), settings=reading_settings, languages=["deu"])
    lines = [line.text for line in document.pages[0].lines]
    assert document.languages == ["deu"]
    assert "Müller & Söhne GmbH" in lines and "Große Straße 5" in lines
    assert "Rechnung für Bürobedarf" in lines


def test_ruled_table_cells_without_rules(reading_settings: Settings) -> None:
    at_default_resolution = reading_settings.model_copy(update={"ocr_dpi": 300})
    document = read(fx.ruled_table_scan(), settings=at_default_resolution)
    lines = [line.text for line in document.pages[0].lines]
    assert lines == [" ".join(row) for row in fx.RULED_ROWS]
    assert not any(c in word.text for word in document.pages[0].words for c in "|[]_")


def test_black_and_white_fax_tiff(reading_settings: Settings) -> None:
    document = read(fx.fax_tiff(), settings=reading_settings)
    assert document.media_type == "image/tiff"
    assert f"Total due EUR {fx.TOTAL}" in [line.text for line in document.pages[0].lines]


def test_white_text_on_a_dark_band(reading_settings: Settings) -> None:
    scanned = fx.image_pdf([fx.scan(fx.render(fx.banded_header_pdf(), 150), angle=0.3)], 150)
    lines = [line.text for line in read(scanned, settings=reading_settings).pages[0].lines]
    assert "Kestrel Supplies Co." in lines
    assert "95 Bridge Street" in lines and "Salem, MA 01970" in lines
    assert "TAX INVOICE" in lines and f"Amount due USD {fx.TOTAL}" in lines


def test_second_look_words_replace_only_less_confident_ones() -> None:
    def word(text: str, x0: float, confidence: float) -> Word:
        return Word(text=text, x0=x0, top=10, x1=x0 + 30, bottom=20, source="ocr",
                    confidence=confidence)

    first = [(word("salen", 100, 0.56), 1), (word("Total", 10, 0.96), 1)]
    merged = ocr._merged(first, [(word("Salem,", 102, 0.93), 2), (word("Tota1", 12, 0.7), 2),
                                 (word("Bridge", 200, 0.9), 2)])
    assert sorted(w.text for w, _ in merged) == ["Bridge", "Salem,", "Total"]


def test_words_run_together_are_split() -> None:
    assert ocr.unglued("08:46Receipt") == ["08:46", "Receipt"]
    assert ocr.unglued("bar0.67") == ["bar", "0.67"]
    assert ocr.unglued("25/01/20181:22:56") == ["25/01/2018", "1:22:56"]  # a date and its time
    assert ocr.unglued("18/03/201823:02:16") == ["18/03/2018", "23:02:16"]
    assert ocr.unglued("27/06/1810:08") == ["27/06/18", "10:08"]  # a two-digit year
    assert ocr.unglued(":27/05/20188:07") == [":", "27/05/2018", "8:07"]  # the label's colon
    assert ocr.unglued(":000306020352") == [":", "000306020352"]
    for whole in ("INV035372", "3pk", "12/18/2025", "Water", "x15.42", "A-451805",
                  "25/01/2018", "20181:22", "12/10/20", ":", ":x", "10:08:15"):
        assert ocr.unglued(whole) == [whole]


def test_look_alikes_in_dates_and_amounts_are_digits() -> None:
    assert ocr.as_number("2O25-02-10") == "2025-02-10"
    assert ocr.as_number("@4.10.2025") == "04.10.2025"
    assert ocr.as_number("1,2S4.50") == "1,254.50"
    for word in ("INV-2O23", "12-B45", "B2B", "A4", "R2D2", "10.50", "SOL"):
        assert ocr.as_number(word) == word  # not a date or an amount, or nothing to do


def test_a_capital_i_read_as_a_bar() -> None:
    assert ocr.as_letters("|NV/2024/59/0479") == "INV/2024/59/0479"
    assert ocr.as_letters("M|LK") == "MILK"
    for word in ("|Total", "|", "||", "|5"):
        assert ocr.as_letters(word) == word


def test_a_small_l_read_as_a_one_between_small_letters() -> None:
    assert ocr.as_letters("Ja1an") == "Jalan"
    for word in ("Item1", "A1B2", "1st", "Te1", "x1"):
        assert ocr.as_letters(word) == word
