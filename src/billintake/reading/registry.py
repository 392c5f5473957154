"""Which reader reads a file, by the media type it was sniffed as (as paperless-ngx picks a
parser by mime type): one table, so a new format is one reader and one line here."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Protocol

from billintake.domain.errors import UnsupportedMediaType
from billintake.reading.document import ReadDocument
from billintake.reading.readers import read_image, read_pdf
from billintake.reading.sniff import ACCEPTED, JPEG, PDF, PNG, TIFF, XML
from billintake.settings import Settings


class Reader(Protocol):
    """Reads the bytes of one media type into pages of positioned words."""

    def __call__(self, data: bytes, media_type: str, *, settings: Settings,
                 languages: list[str], force_ocr: bool) -> ReadDocument: ...


READERS: Mapping[str, Reader | None] = MappingProxyType({
    PDF: read_pdf,
    PNG: read_image,
    JPEG: read_image,
    TIFF: read_image,
    XML: None,  # an e-invoice: the extractor parses the XML itself; there are no pages
})


def reader_for(media_type: str) -> Reader | None:
    """The reader of `media_type`, None for a type without pages (XML); a type no reader
    handles is an `UnsupportedMediaType`."""
    try:
        return READERS[media_type]
    except KeyError:
        raise UnsupportedMediaType(
            f"Files of type {media_type} cannot be read; send {ACCEPTED}.") from None
