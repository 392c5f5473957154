"""Files of several bills: PDFs put one after another, with each one's page range."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter


def concatenate(parts: list[bytes]) -> tuple[bytes, list[tuple[int, int]]]:
    """The PDFs one after another, and each one's page range."""
    writer, ranges, page = PdfWriter(), [], 1
    for data in parts:
        reader = PdfReader(io.BytesIO(data))
        for p in reader.pages:
            writer.add_page(p)
        ranges.append((page, page + len(reader.pages) - 1))
        page += len(reader.pages)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), ranges
