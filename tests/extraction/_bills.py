"""Small bills drawn with reportlab at chosen positions, for layout tests (no binary fixtures)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from billintake.extraction.extractor import Extractor
from billintake.reading.reader import read

WIDTH, HEIGHT = A4


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # from the top of the page, in points
    text: str
    size: float = 10.0
    bold: bool = False


def pdf_of(*pages: list[Text]) -> bytes:
    """A PDF whose pages carry the given texts (Helvetica; y measured from the top)."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for page in pages:
        for item in page:
            pdf.setFont("Helvetica-Bold" if item.bold else "Helvetica", item.size)
            pdf.drawString(item.x, HEIGHT - item.y - item.size, item.text)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def block(x: float, y: float, lines: list[str], *, size: float = 10.0, bold_first: bool = False,
          leading: float = 13.0) -> list[Text]:
    """Lines stacked from (x, y) down."""
    return [Text(x, y + i * leading, line, size, bold_first and i == 0)
            for i, line in enumerate(lines)]


def row(y: float, *cells: tuple[float, str], size: float = 10.0) -> list[Text]:
    return [Text(x, y, text, size) for x, text in cells]


_EXTRACTOR: Extractor | None = None


def extract(*pages: list[Text]):  # type: ignore[no-untyped-def]
    """Extract a drawn bill with rules only (no trained ranker), via the real reader."""
    global _EXTRACTOR
    if _EXTRACTOR is None:
        _EXTRACTOR = Extractor(use_model=False)
    return _EXTRACTOR.extract_document(read(pdf_of(*pages)))
