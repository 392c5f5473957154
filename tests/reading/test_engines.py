"""The OCR engines: RapidOCR (PP-OCRv4, bundled models) beside Tesseract, chosen by setting,
and `auto`'s choice per page (tiny rendered images: seconds, not minutes)."""

from __future__ import annotations

import io
import itertools
import socket
import time
from pathlib import Path

import pytest
from PIL import Image
from reportlab.pdfgen import canvas

from billintake.reading import engines, ocr, rapid
from billintake.reading.document import Word
from billintake.reading.engines import Reading, better_reading, needs_second_reading
from billintake.reading.reader import read
from billintake.settings import Settings
from tests.fixtures_gen import reading_fixtures as fx

SIZE = (300.0, 110.0)  # points: a receipt's few lines


def receipt_pdf() -> bytes:
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=SIZE)
    c.setFont("Helvetica-Bold", 14)
    c.drawString(20, 80, "KEDAI MAJU SDN BHD")
    c.setFont("Helvetica", 12)
    c.drawString(20, 55, "Date: 12/02/2018")
    c.drawString(20, 30, "TOTAL")
    c.drawString(200, 30, "112.45")
    c.showPage()
    c.save()
    return buffer.getvalue()


@pytest.fixture(scope="module")
def receipt_image() -> Image.Image:
    return fx.render(receipt_pdf(), 150).convert("L")


@pytest.fixture(scope="module")
def receipt_png(receipt_image: Image.Image) -> bytes:
    return fx.image_bytes(receipt_image, "PNG", 150)


def by_text(words: list[Word]) -> dict[str, Word]:
    return {w.text: w for w in words}


@pytest.mark.slow
def test_rapidocr_reads_a_rendered_receipt_with_word_boxes(receipt_image: Image.Image) -> None:
    scale = 150 / 72
    words = ocr.RAPIDOCR.read(receipt_image, scale=scale, languages="eng",
                              deadline=time.monotonic() + 600)
    found = by_text(words)
    assert {"TOTAL", "112.45", "KEDAI", "MAJU"} <= found.keys()
    assert any("12/02/2018" in w.text for w in words)
    total, amount = found["TOTAL"], found["112.45"]
    # boxes in points of the page: the amount drawn at x=200 pt on the TOTAL line (y≈80 pt
    # from the top), right of the label
    assert amount.x0 > total.x1 and 190 < amount.x0 < 215
    assert abs(amount.y_center - total.y_center) < 4
    assert 70 < total.y_center < 90
    assert all(w.source == "ocr" and 0.0 <= w.confidence <= 1.0 for w in words)
    assert found["MAJU"].x0 > found["KEDAI"].x1  # a line split into words, left to right


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["tesseract", "rapidocr"])
def test_the_setting_picks_the_engine(engine: str, receipt_png: bytes, tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, ocr_workers=1, ocr_engine=engine)
    page = read(receipt_png, settings=settings).pages[0]
    assert page.ocr_engine == engine
    found = by_text(page.words)
    assert "112.45" in found
    # the same shape whichever engine read it: boxes fitted to the ink, font sizes in points
    # (drawn at 12 pt: a figure's ink stands about 0.72 em)
    assert 10.0 <= (found["112.45"].font_size or 0) <= 14.0
    assert 7.0 <= found["112.45"].height <= 10.5


@pytest.mark.slow
def test_auto_keeps_tesseracts_sure_reading_of_a_clean_page(receipt_png: bytes,
                                                            tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, ocr_workers=1, ocr_engine="auto")
    page = read(receipt_png, settings=settings).pages[0]
    assert page.ocr_engine == "tesseract"
    assert (page.ocr_confidence or 0) >= engines.TRUSTED_CONFIDENCE


@pytest.mark.slow
def test_auto_keeps_tesseract_for_languages_rapidocr_cannot_read(receipt_png: bytes,
                                                                 tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, ocr_workers=1, ocr_engine="auto")
    page = read(receipt_png, settings=settings, languages=["deu"]).pages[0]
    assert page.ocr_engine == "tesseract"


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown OCR engine"):
        ocr.engine_named("easyocr")
    with pytest.raises(ValueError):
        Settings(_env_file=None, ocr_engine="easyocr")


def word(text: str, confidence: float, x0: float = 0.0) -> Word:
    return Word(text=text, x0=x0, top=0, x1=x0 + 10, bottom=10, source="ocr",
                confidence=confidence)


def test_auto_keeps_the_reading_with_more_confidently_read_characters() -> None:
    # Tesseract lost the amount's digits to the thermal print; PP-OCR read them surely
    tess = Reading("tesseract", [word("TOTAL", 0.9), word("1l2.4S", 0.4), word("Date", 0.85)])
    rapid_ = Reading("rapidocr", [word("TOTAL", 0.99), word("112.45", 0.97),
                                  word("Date", 0.98)])
    assert better_reading(tess, rapid_, "eng").engine == "rapidocr"
    # the same readings, the other way round
    assert better_reading(Reading("tesseract", rapid_.words), Reading("rapidocr", tess.words),
                          "eng").engine == "tesseract"
    # a tie stays with Tesseract (it knows more languages and sets font sizes)
    assert better_reading(Reading("tesseract", rapid_.words), rapid_, "eng").engine \
        == "tesseract"
    # unsure words do not count, however many
    noisy = Reading("rapidocr", [word("W" * 40, 0.3)] * 5)
    assert better_reading(tess, noisy, "eng").engine == "tesseract"


def test_auto_keeps_tesseract_for_accented_languages_or_without_a_second_reading() -> None:
    tess = Reading("tesseract", [word("Summe", 0.5)])
    rapid_ = Reading("rapidocr", [word("Summe", 0.99), word("Betrag", 0.99)])
    assert better_reading(tess, rapid_, "deu").engine == "tesseract"
    assert better_reading(tess, rapid_, "eng+fra").engine == "tesseract"
    assert better_reading(tess, None, "eng").engine == "tesseract"
    assert engines.rapid_suits("eng") and not engines.rapid_suits("eng+deu")


@pytest.mark.slow
def test_bundled_models_load_without_network(receipt_image: Image.Image,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("RapidOCR tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    models = rapid.bundled_models()
    import rapidocr_onnxruntime

    package = Path(rapidocr_onnxruntime.__file__).resolve().parent
    assert len(models) == 3
    assert all(path.is_file() and package in path.parents and path.suffix == ".onnx"
               for path in models)
    rapid._engine.cache_clear()  # built anew, here, with the network cut
    try:
        words = rapid.RapidOcrEngine().read(receipt_image, scale=150 / 72, languages="eng",
                                            deadline=time.monotonic() + 600)
    finally:
        rapid._engine.cache_clear()
    assert "TOTAL" in {w.text for w in words}


def rapid_line(text: str, spans: list[tuple[int, int]], score: float = 0.95) -> list[object]:
    """A RapidOCR result line with character boxes, as `return_word_box=True` gives it."""
    x0, x1 = spans[0][0], spans[-1][1]
    return [[[x0, 10], [x1, 10], [x1, 40], [x0, 40]], text, score,
            [[[a, 10], [b, 10], [b, 40], [a, 40]] for a, b in spans], list(text),
            [score] * len(text)]


def test_a_line_without_spaces_is_cut_into_words_where_characters_stand_apart() -> None:
    # PP-OCR left out the spaces of "KEDAI MAJU SDN BHD"; the gaps between words are wider
    spans = [(45, 61), (65, 80), (84, 99), (103, 118), (118, 134), (145, 161), (165, 180),
             (184, 199), (203, 218), (234, 249), (253, 268), (272, 288), (303, 318),
             (326, 341), (345, 361)]
    words = rapid.line_words(rapid_line("KEDAIMAJUSDNBHD", spans), scale=2.0)
    assert [w.text for w in words] == ["KEDAI", "MAJU", "SDN", "BHD"]
    assert words[0].x0 == 22.5 and words[-1].x1 == 180.5  # pixels / scale
    assert all(w.top == 5.0 and w.bottom == 20.0 for w in words)


def test_numbers_stay_whole_and_a_label_colon_ends_its_word() -> None:
    spans = [(45, 57), (59, 70), (70, 81), (81, 91), (91, 103), (108, 120), (123, 133),
             (133, 144), (144, 150), (162, 169), (169, 179), (179, 191), (193, 205),
             (207, 219), (221, 233)]  # an uneven gap inside the date
    words = rapid.line_words(rapid_line("Date:12/02/2018", spans), scale=1.0)
    assert [w.text for w in words] == ["Date:", "12/02/2018"]
    spaced = rapid.line_words(rapid_line("Total (RM) : 112.46", [
        (i * 10, i * 10 + 8) for i in range(len("Total (RM) : 112.46"))]), scale=1.0)
    assert [w.text for w in spaced] == ["Total", "(RM)", ":", "112.46"]  # spaces as read


def test_auto_reads_again_only_pages_tesseract_was_unsure_of() -> None:
    sure = Reading("tesseract", [word("Invoice", 0.96), word("Total", 0.93)])
    unsure = Reading("tesseract", [word("Tota1", 0.6), word("1l2.4S", 0.7), word("Date", 0.95)])
    assert not needs_second_reading(sure, "eng")
    assert needs_second_reading(unsure, "eng")
    assert needs_second_reading(Reading("tesseract", []), "eng")  # nothing read at all
    assert not needs_second_reading(unsure, "deu")  # RapidOCR cannot read it any better


def test_auto_has_tesseract_read_the_page_only_when_sure_of_a_sample_of_its_lines() -> None:
    assert engines.tesseract_suits(engines.SAMPLE_TRUSTED)
    assert not engines.tesseract_suits(engines.SAMPLE_TRUSTED - 0.01)
    assert not engines.tesseract_suits(None)  # it read none of the lines


def test_the_sampled_lines_are_spread_down_the_page() -> None:
    assert rapid.probe_lines(5) == [0, 1, 2, 3, 4]
    sample = rapid.probe_lines(60)
    assert len(sample) == rapid._PROBE_LINES and sample[0] == 0 and sample[-1] == 59
    gaps = [b - a for a, b in itertools.pairwise(sample)]
    assert max(gaps) - min(gaps) <= 1


@pytest.mark.slow
@pytest.mark.parametrize(("sample", "engine", "tesseract_pages"),
                         [(0.5, "rapidocr", 0), (0.99, "tesseract", 1)])
def test_auto_runs_one_engine_as_the_sample_decides(
        sample: float, engine: str, tesseract_pages: int, receipt_png: bytes, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Tesseract unsure of the sampled lines: PP-OCR alone reads the page (Tesseract's page
    path, clean-up and all, never runs); sure of them: Tesseract reads it, once."""
    pages: list[int] = []
    read_page = ocr.TesseractEngine.read

    def counted(self: ocr.TesseractEngine, *args: object, **kwargs: object) -> list[Word]:
        pages.append(1)
        return read_page(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ocr.TesseractEngine, "read", counted)
    monkeypatch.setattr(ocr, "_sample_confidence", lambda *args: sample)
    settings = Settings(_env_file=None, data_dir=tmp_path, ocr_workers=1, ocr_engine="auto")
    page = read(receipt_png, settings=settings).pages[0]
    assert page.ocr_engine == engine and len(pages) == tesseract_pages
    assert {"TOTAL", "112.45"} <= {w.text for w in page.words}


@pytest.mark.slow
def test_pp_ocr_reads_the_lines_while_tesseract_reads_the_sample(
        receipt_image: Image.Image, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample is read beside PP-OCR's reading of the page, not before it: lines are read
    while it runs, none twice, the same as one after the other; its errors come through."""
    lines = rapid.detect(receipt_image, time.monotonic() + 600)
    assert len(lines.boxes) >= 3
    job = ocr.OcrJob(kind="image", index=0, languages="eng", dpi=300, timeout_s=600,
                     max_pixels=50_000_000, engine="auto")
    read_during: list[int] = []

    def slow_sample(*args: object) -> float:
        deadline = time.monotonic() + 5
        while len(lines.results) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)  # Tesseract still at work while PP-OCR reads
        read_during.append(len(lines.results))
        return 0.5

    monkeypatch.setattr(ocr, "_sample_confidence", slow_sample)
    everything = range(len(lines.boxes))
    assert ocr._sampled_while_reading(receipt_image, lines, [0, 1], job,
                                      time.monotonic() + 600) == 0.5
    assert read_during[0] >= 2
    alone = rapid.detect(receipt_image, time.monotonic() + 600)
    assert lines.read(everything, time.monotonic() + 600) == alone.read(
        everything, time.monotonic() + 600)

    def failing(*args: object) -> float:
        raise ocr.OcrTimeout("the sample took too long")

    monkeypatch.setattr(ocr, "_sample_confidence", failing)
    with pytest.raises(ocr.OcrTimeout):
        ocr._sampled_while_reading(receipt_image, alone, [0], job, time.monotonic() + 600)


@pytest.mark.slow
def test_tesseract_is_sure_of_a_sample_of_a_clean_pages_lines(receipt_image: Image.Image
                                                             ) -> None:
    lines = rapid.detect(receipt_image, time.monotonic() + 600)
    assert len(lines.boxes) >= 3
    job = ocr.OcrJob(kind="image", index=0, languages="eng", dpi=300, timeout_s=600,
                     max_pixels=50_000_000, engine="auto")
    sample = ocr._sample_confidence(receipt_image, lines, rapid.probe_lines(len(lines.boxes)),
                                    job, time.monotonic() + 600)
    assert engines.tesseract_suits(sample)
    # and PP-OCR's lines, read, are in the page's pixels
    total = next(line for line in lines.read(range(len(lines.boxes)), time.monotonic() + 600)
                 if line[1] == "112.45")
    xs = [x for x, _ in total[0]]
    assert 190 * 150 / 72 < min(xs) < 215 * 150 / 72
