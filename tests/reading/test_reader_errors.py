"""Bad input: each a specific domain error with a clear message, never a crash."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from billintake.domain.errors import (
    OcrTimeout,
    PasswordProtected,
    TooLarge,
    UnreadableDocument,
    UnsupportedMediaType,
    ValidationFailed,
)
from billintake.reading.reader import read
from billintake.settings import Settings
from tests.fixtures_gen import reading_fixtures as fx


def test_empty_file(reading_settings: Settings) -> None:
    with pytest.raises(UnreadableDocument, match="empty"):
        read(b"", settings=reading_settings)


@pytest.mark.parametrize("data", [fx.html_named_pdf(), fx.zip_named_pdf()])
def test_not_a_bill_format(data: bytes, reading_settings: Settings) -> None:
    with pytest.raises(UnsupportedMediaType, match="not a bill"):
        read(data, settings=reading_settings)


def test_xml_is_left_to_the_extractor(reading_settings: Settings) -> None:
    with pytest.raises(UnsupportedMediaType, match="XML e-invoices are read by the extractor"):
        read(b'<?xml version="1.0"?><Invoice/>', settings=reading_settings)


@pytest.mark.parametrize("data", [fx.truncated_pdf(), fx.corrupt_pdf()],
                         ids=["truncated", "corrupt"])
def test_truncated_or_corrupt_pdf(data: bytes, reading_settings: Settings) -> None:
    with pytest.raises(UnreadableDocument, match="truncated or corrupt"):
        read(data, settings=reading_settings)


def test_password_protected_pdf(reading_settings: Settings) -> None:
    with pytest.raises(PasswordProtected, match="password protected"):
        read(fx.encrypted_pdf("secret"), settings=reading_settings)


def test_encrypted_pdf_with_empty_user_password_opens(reading_settings: Settings) -> None:
    document = read(fx.encrypted_pdf(""), settings=reading_settings)
    assert document.pages[0].source == "text"
    assert f"Total due EUR {fx.TOTAL}" in document.text


def test_too_many_pages(reading_settings: Settings) -> None:
    limited = reading_settings.model_copy(update={"max_pages": 2})
    with pytest.raises(TooLarge, match="3 pages; the limit is 2"):
        read(fx.digital_pdf(3), settings=limited)


def test_too_many_tiff_frames(reading_settings: Settings) -> None:
    frames = [Image.new("L", (40, 40), 255) for _ in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    limited = reading_settings.model_copy(update={"max_pages": 2})
    with pytest.raises(TooLarge, match="3 pages"):
        read(buffer.getvalue(), settings=limited)


def test_too_large_file(reading_settings: Settings) -> None:
    limited = reading_settings.model_copy(update={"max_upload_bytes": 1000})
    with pytest.raises(TooLarge, match="limit"):
        read(fx.digital_pdf(), settings=limited)


def test_decompression_bomb(reading_settings: Settings) -> None:
    with pytest.raises(TooLarge, match="pixels"):
        read(fx.bomb_png(), settings=reading_settings)


def test_image_over_the_configured_pixel_limit(reading_settings: Settings) -> None:
    limited = reading_settings.model_copy(update={"max_image_pixels": 500_000})
    with pytest.raises(TooLarge, match="pixels"):
        read(fx.image_bytes(Image.new("L", (1000, 1000), 255), "PNG"), settings=limited)


def test_oversized_pdf_page_is_refused_rather_than_rendered(reading_settings: Settings) -> None:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=(14000, 14000))  # about 5 metres square, no text
    page.showPage()
    page.save()
    with pytest.raises(TooLarge, match="too large to render"):
        read(buffer.getvalue(), settings=reading_settings)


def test_truncated_image(reading_settings: Settings) -> None:
    with pytest.raises(UnreadableDocument, match="corrupt or truncated"):
        read(fx.truncated_png(), settings=reading_settings)


def test_unknown_language(reading_settings: Settings) -> None:
    with pytest.raises(ValidationFailed, match="not installed: xyz"):
        read(fx.digital_pdf(), settings=reading_settings, languages=["xyz"])


@pytest.mark.slow
def test_page_that_times_out_in_ocr(reading_settings: Settings) -> None:
    hurried = reading_settings.model_copy(update={"ocr_page_timeout_s": 0.05, "ocr_workers": 1})
    with pytest.raises(OcrTimeout, match=r"page 1 took longer than .* limit of 0\.05 s"):
        read(fx.scanned_pdf(), settings=hurried)


@pytest.mark.slow
def test_timeout_in_a_worker_process_is_the_same_error(reading_settings: Settings) -> None:
    hurried = reading_settings.model_copy(update={"ocr_page_timeout_s": 0.05, "ocr_workers": 2})
    with pytest.raises(OcrTimeout, match="time limit"):
        read(fx.multipage_tiff(2), settings=hurried)
