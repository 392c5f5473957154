"""The readers, one per kind of file: a PDF (text layer, else OCR) and an image (OCR).

Each takes bytes already known to be of its media type (`registry.py` picks it); the limits
that need the opened file, page count and image pixels, are checked here, once.
"""

from __future__ import annotations

import logging

import pypdfium2 as pdfium

from billintake.domain.errors import PasswordProtected, UnreadableDocument
from billintake.reading import images, ocr
from billintake.reading.document import Page, ReadDocument
from billintake.reading.layout import build_lines
from billintake.reading.pdf_text import TextLayerPage, open_pdf, read_text_layer, unusable_reason
from billintake.reading.pdfium_lock import PDFIUM
from billintake.reading.sniff import PDF, check_page_count
from billintake.settings import Settings

log = logging.getLogger(__name__)


def read_pdf(data: bytes, media_type: str, *, settings: Settings, languages: list[str],
             force_ocr: bool) -> ReadDocument:
    """A PDF: each page from its text layer when usable, else (or with `force_ocr`) by OCR."""
    document = ReadDocument(media_type=PDF, languages=languages)
    with PDFIUM:
        rendered = _open_pdfium(data)
        try:
            page_count = len(rendered)
            if page_count == 0:
                raise UnreadableDocument("The PDF has no pages.")
            check_page_count(page_count, settings=settings)
            layers = _text_layers(data, rendered, page_count, document.warnings)
        finally:
            rendered.close()

    pages: dict[int, Page] = {}
    to_ocr: list[int] = []
    for index, layer in enumerate(layers):
        reason = "OCR requested" if force_ocr else (
            unusable_reason(layer) if layer else "text layer could not be read")
        if reason is None and layer is not None:
            pages[index] = Page(number=index + 1, width=layer.width, height=layer.height,
                                words=layer.words, lines=build_lines(layer.words), source="text")
        else:
            to_ocr.append(index)
            log.debug("page %d: %s; OCR", index + 1, reason)
            if not force_ocr:
                document.warnings.append(f"page {index + 1}: {reason}; OCR used")
    jobs = [_job("pdf", index, settings, languages) for index in to_ocr]
    for result in ocr.ocr_jobs(data, jobs, workers=settings.ocr_workers):
        _log_ocr(result)
        pages[result.index] = _ocr_page(result)
    document.pages = [pages[index] for index in range(page_count)]
    _warn_if_empty(document)
    return document


def read_image(data: bytes, media_type: str, *, settings: Settings, languages: list[str],
               force_ocr: bool) -> ReadDocument:
    """A PNG, JPEG or TIFF: every frame a page, all by OCR (so `force_ocr` changes nothing)."""
    count = images.frame_count(data, settings.max_image_pixels)
    check_page_count(count, settings=settings)
    jobs = [_job("image", index, settings, languages) for index in range(count)]
    results = ocr.ocr_jobs(data, jobs, workers=settings.ocr_workers)
    for result in results:
        _log_ocr(result)
    document = ReadDocument(media_type=media_type, languages=languages,
                            pages=[_ocr_page(result) for result in results])
    _warn_if_empty(document)
    return document


def _open_pdfium(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data, password="")
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise PasswordProtected(
                "The PDF is password protected; remove the password and send it again."
            ) from exc
        raise UnreadableDocument(
            "The PDF is truncated or corrupt and cannot be opened; send the file again or "
            "export it anew."
        ) from exc


def _text_layers(data: bytes, rendered: pdfium.PdfDocument, page_count: int,
                 warnings: list[str]) -> list[TextLayerPage | None]:
    """Each page's text layer, or None for all pages when pdfminer cannot parse the file."""
    try:
        pdf = open_pdf(data)
    except PasswordProtected:
        raise
    except UnreadableDocument as exc:
        warnings.append(f"{exc.message}; every page is OCR'd")
        return [None] * page_count
    with pdf:
        try:
            parsed_pages = len(pdf.pages)
        except Exception:  # pdfminer parses the page tree lazily and fails in many ways
            parsed_pages = -1
        if parsed_pages != page_count:
            warnings.append("the PDF's page tree is damaged; every page is OCR'd")
            return [None] * page_count
        return [read_text_layer(pdf, index, rendered[index]) for index in range(page_count)]


def _job(kind: str, index: int, settings: Settings, langs: list[str]) -> ocr.OcrJob:
    return ocr.OcrJob(kind=kind, index=index, languages="+".join(langs),  # type: ignore[arg-type]
                      dpi=settings.ocr_dpi, timeout_s=settings.ocr_page_timeout_s,
                      max_pixels=settings.max_image_pixels, engine=settings.ocr_engine)


def _log_ocr(result: ocr.OcrPage) -> None:
    log.debug("OCR page %d (%s): %d words, confidence %s, turned %d°, skew %.2f°, %.2f s",
              result.index + 1, result.engine, len(result.words), result.confidence,
              result.rotation, result.skew, result.seconds)


def _ocr_page(result: ocr.OcrPage) -> Page:
    return Page(number=result.index + 1, width=round(result.width, 2),
                height=round(result.height, 2), words=result.words,
                lines=build_lines(result.words), source="ocr", rotation=result.rotation,
                ocr_confidence=result.confidence, ocr_engine=result.engine)


def _warn_if_empty(document: ReadDocument) -> None:
    for page in document.pages:
        if not page.words:
            document.warnings.append(f"page {page.number}: no text found")
