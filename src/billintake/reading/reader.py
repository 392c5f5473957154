"""`read()`: any incoming bill file → one `ReadDocument`, page by page text layer or OCR."""

from __future__ import annotations

import logging
import time
from functools import lru_cache

import pytesseract

from billintake.domain.errors import UnsupportedMediaType, ValidationFailed
from billintake.reading.document import ReadDocument
from billintake.reading.registry import reader_for
from billintake.reading.sniff import sniff
from billintake.settings import Settings, get_settings

log = logging.getLogger(__name__)


def read(data: bytes, *, media_type: str | None = None, settings: Settings | None = None,
         languages: list[str] | None = None, force_ocr: bool = False) -> ReadDocument:
    """Read a PDF, PNG, JPEG or TIFF into pages of positioned words.

    `media_type` is what the file was sniffed as when it was received (its size checked
    then); without it the file is sniffed here. The registry's reader for that type reads it.
    `languages` (Tesseract codes, e.g. ["deu"]) override the `ocr_languages` setting;
    `force_ocr` OCRs every page even when it has a usable text layer.
    """
    settings = settings or get_settings()
    langs = _languages(languages, settings)
    if media_type is None:
        media_type = sniff(data, settings=settings)
    reader = reader_for(media_type)
    if reader is None:
        raise UnsupportedMediaType(
            "This is an XML file: XML e-invoices are read by the extractor, not by the "
            "page reader."
        )
    started = time.perf_counter()
    document = reader(data, media_type, settings=settings, languages=langs, force_ocr=force_ocr)
    ocr_pages = [page for page in document.pages if page.source == "ocr"]
    log.info("read %s: %d pages, %d by OCR (%s), %.2f s", media_type, len(document.pages),
             len(ocr_pages), "+".join(langs), time.perf_counter() - started)
    return document


def _languages(requested: list[str] | None, settings: Settings) -> list[str]:
    langs = [code.strip() for item in (requested or settings.ocr_language_list)
             for code in item.replace(",", "+").split("+") if code.strip()]
    if not langs:
        langs = ["eng"]
    missing = [lang for lang in langs if lang not in installed_languages()]
    if missing:
        raise ValidationFailed(
            f"OCR language(s) not installed: {', '.join(missing)}; installed: "
            f"{', '.join(sorted(installed_languages() - {'osd'}))}.",
            field="languages",
        )
    return langs


@lru_cache(maxsize=1)
def installed_languages() -> frozenset[str]:
    """Tesseract languages available on this machine."""
    return frozenset(pytesseract.get_languages(config=""))
