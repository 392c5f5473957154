"""A page of an original as a PNG for a person to look at (the bill view), upright as it was
read, so the boxes of its words (PDF points, origin top-left) sit where they belong."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
from PIL import Image

from billintake.domain.errors import NotFound, UnsupportedMediaType
from billintake.reading.images import frame_count, frame_for_display
from billintake.reading.pdfium_lock import PDFIUM
from billintake.reading.sniff import JPEG, PDF, PNG, TIFF

POINTS_PER_INCH = 72.0


def render_page(data: bytes, media_type: str, number: int, *, dpi: int, max_pixels: int,
                rotation: int = 0) -> bytes:
    """Page `number` (1-based) at `dpi`, turned by `rotation` degrees as OCR turned it."""
    if media_type == PDF:
        image = _pdf_page(data, number, dpi)
    elif media_type in (PNG, JPEG, TIFF):
        frame, frame_dpi = frame_for_display(data, _frame_index(data, number, max_pixels),
                                             max_pixels)
        scale = dpi / frame_dpi
        size = (max(1, round(frame.width * scale)), max(1, round(frame.height * scale)))
        image = frame.resize(size, Image.Resampling.LANCZOS) if scale < 1 else frame
    else:
        raise UnsupportedMediaType(f"{media_type} has no pages to show")
    if rotation:
        image = image.rotate(-rotation, expand=True, fillcolor="white")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _pdf_page(data: bytes, number: int, dpi: int) -> Image.Image:
    with PDFIUM:
        return _render_page(data, number, dpi)


def _render_page(data: bytes, number: int, dpi: int) -> Image.Image:
    document = pdfium.PdfDocument(data, password="")
    try:
        if not 1 <= number <= len(document):
            raise NotFound(f"the document has no page {number}")
        page = document[number - 1]
        try:
            return page.render(scale=dpi / POINTS_PER_INCH).to_pil().convert("RGB")
        finally:
            page.close()
    finally:
        document.close()


def _frame_index(data: bytes, number: int, max_pixels: int) -> int:
    if not 1 <= number <= frame_count(data, max_pixels):
        raise NotFound(f"the image has no page {number}")
    return number - 1
