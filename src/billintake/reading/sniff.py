"""Media type by content (never by file name) and the limits every incoming file must pass."""

from __future__ import annotations

from billintake.domain.errors import TooLarge, UnreadableDocument, UnsupportedMediaType
from billintake.settings import Settings, get_settings

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"
XML = "application/xml"

IMAGE_TYPES = frozenset({PNG, JPEG, TIFF})

_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
    (b"II+\x00", TIFF),  # BigTIFF
    (b"MM\x00+", TIFF),
]

# Formats people send by mistake, named so the error says what the file really is.
_KNOWN_OTHERS: list[tuple[bytes, str]] = [
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"GIF8", "a GIF image"),
    (b"RIFF", "a RIFF file (WebP/AVI/WAV)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0", "a legacy Office document"),
    (b"%!PS", "a PostScript file"),
    (b"BM", "a BMP image"),
]

ACCEPTED = "PDF, PNG, JPEG, TIFF or e-invoice XML"


def sniff(data: bytes, *, settings: Settings | None = None) -> str:
    """Return the media type of `data` judged by its content; raise a domain error otherwise."""
    check_size(data, settings=settings)
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return media_type
    for magic, description in _KNOWN_OTHERS:
        if data.startswith(magic):
            raise UnsupportedMediaType(
                f"This file is {description}, not a bill format; send {ACCEPTED}."
            )
    # A PDF header may be preceded by junk within the first 1024 bytes (the spec allows it).
    if b"%PDF-" in data[:1024]:
        return PDF
    markup = _markup_kind(data)
    if markup == "html":
        raise UnsupportedMediaType(f"This file is an HTML page, not a bill; send {ACCEPTED}.")
    if markup == "xml":
        return XML
    raise UnsupportedMediaType(f"Unrecognised file content; send {ACCEPTED}.")


def check_size(data: bytes, *, settings: Settings | None = None) -> None:
    """Reject empty files and files over `max_upload_bytes`."""
    settings = settings or get_settings()
    if not data or data.isspace():  # (no stripped copy of the file made)
        raise UnreadableDocument("The file is empty.")
    if len(data) > settings.max_upload_bytes:
        raise TooLarge(
            f"The file is {_megabytes(len(data))} MB; the limit is "
            f"{_megabytes(settings.max_upload_bytes)} MB."
        )


def check_page_count(pages: int, *, settings: Settings | None = None) -> None:
    """Reject documents with more pages than `max_pages`."""
    settings = settings or get_settings()
    if pages > settings.max_pages:
        raise TooLarge(f"The document has {pages} pages; the limit is {settings.max_pages}.")


def check_pixels(width: int, height: int, *, settings: Settings | None = None) -> None:
    """Reject images with more pixels than `max_image_pixels` (decompression bombs)."""
    settings = settings or get_settings()
    if width * height > settings.max_image_pixels:
        raise TooLarge(
            f"The image is {width}×{height} pixels, over the limit of "
            f"{settings.max_image_pixels:,} pixels."
        )


def _markup_kind(data: bytes) -> str | None:
    """'xml', 'html' or None, looking at the first characters after any BOM and whitespace."""
    head = data[:4096]
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                          (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            text = head[len(bom):].decode(encoding, errors="ignore")
            break
    else:
        text = head.decode("utf-8", errors="ignore")
    text = text.lstrip().lower()
    if not text.startswith("<"):
        return None
    if text.startswith(("<!doctype html", "<html", "<head", "<body")):
        return "html"
    if text.startswith("<?xml"):
        # an XHTML page is still a web page
        return "html" if "<html" in text[:1024] else "xml"
    if len(text) > 1 and (text[1].isalpha() or text[1] in "_!"):
        return "xml"
    return None


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"
