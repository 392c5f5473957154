"""QR codes on the pages, decoded with zxing-cpp (the one module that knows it).

`decode_image` finds the QR codes of one page image; `find_codes` renders each page of a PDF
(or takes each frame of a PNG, JPEG or TIFF) as the reader does, greyscale, and decodes it.
A code's box comes back in PDF points of the page (origin top-left), like words.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import zxingcpp
from PIL import Image

from billintake.domain.errors import BillintakeError
from billintake.reading.images import frame_count, load_frame
from billintake.reading.ocr import POINTS_PER_INCH, render_pdf_page
from billintake.reading.pdfium_lock import PDFIUM
from billintake.reading.sniff import JPEG, PDF, PNG, TIFF

log = logging.getLogger(__name__)

# 200 dpi gives a Swiss QR-bill's 46 mm code (at most 117 modules) 3 pixels per module.
QR_DPI = 200
_MAX_PAGES = 20  # payment codes are on the first pages or the last; a long file is not scanned
_TEXT_OBJECT = 1  # FPDF_PAGEOBJ_TEXT


@dataclass(frozen=True)
class QrCode:
    """One decoded QR code: its text, page (1-based) and box in points."""

    text: str
    page: int
    bbox: tuple[float, float, float, float]


def decode_image(image: Image.Image, *, page: int = 1, scale: float = 1.0) -> list[QrCode]:
    """The QR codes in one page image; `scale` is its pixels per point."""
    grey = image if image.mode == "L" else image.convert("L")
    found: list[QrCode] = []
    for barcode in zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCode):
        if not barcode.valid:
            continue
        pos = barcode.position
        xs = [pos.top_left.x, pos.top_right.x, pos.bottom_left.x, pos.bottom_right.x]
        ys = [pos.top_left.y, pos.top_right.y, pos.bottom_left.y, pos.bottom_right.y]
        box = (min(xs) / scale, min(ys) / scale, max(xs) / scale, max(ys) / scale)
        found.append(QrCode(text=_text(barcode), page=page,
                            bbox=tuple(round(v, 2) for v in box)))  # type: ignore[arg-type]
    return found


def find_codes(data: bytes, media_type: str, *, max_pixels: int, dpi: int = QR_DPI,
               pages: int | None = None) -> list[QrCode]:
    """Every page's QR codes (the first `pages`, at most `_MAX_PAGES`); none for other media
    types or when a page cannot be rendered (reading reports that, not this pass)."""
    codes: list[QrCode] = []
    limit = _MAX_PAGES if pages is None else min(pages, _MAX_PAGES)
    try:
        if media_type == PDF:
            import pypdfium2 as pdfium

            with PDFIUM:
                document = pdfium.PdfDocument(data, password="")
                try:
                    drawn = [index for index in range(min(len(document), limit))
                             if not _only_text(document[index])]
                finally:
                    document.close()
            for index in drawn:
                image, scale = render_pdf_page(data, index, dpi=dpi, max_pixels=max_pixels)
                codes.extend(decode_image(image, page=index + 1, scale=scale))
        elif media_type in (PNG, JPEG, TIFF):
            for index in range(min(frame_count(data, max_pixels), limit)):
                image, frame_dpi = load_frame(data, index, max_pixels)
                codes.extend(decode_image(image, page=index + 1,
                                          scale=frame_dpi / POINTS_PER_INCH))
    except (BillintakeError, OSError, ValueError) as exc:
        log.info("QR pass skipped: %s", exc)
    except Exception as exc:  # pypdfium2's errors, a decoder failure: never stop extraction
        log.warning("QR pass failed: %s: %s", type(exc).__name__, exc)
    return codes


def _only_text(page: Any) -> bool:
    """A PDF page drawn with text alone (no image, path, shading): no code to render it for."""
    try:
        return all(obj.type == _TEXT_OBJECT for obj in page.get_objects(max_depth=3))
    except Exception:  # an odd page: render it rather than guess
        return False
    finally:
        page.close()


def _text(barcode: zxingcpp.Barcode) -> str:
    """The payload as text: UTF-8 (what both payment formats use) when the bytes are that,
    else the decoder's own reading of its character set."""
    try:
        return bytes(barcode.bytes).decode("utf-8")
    except (UnicodeDecodeError, AttributeError):
        return str(barcode.text)
