"""Media type by content, never by name; limits on size and pages."""

from __future__ import annotations

import pytest

from billintake.domain.errors import TooLarge, UnreadableDocument, UnsupportedMediaType
from billintake.reading.sniff import check_page_count, sniff
from billintake.settings import Settings
from tests.fixtures_gen import reading_fixtures as fx

SETTINGS = Settings(_env_file=None)


@pytest.mark.parametrize(("data", "expected"), [
    (b"%PDF-1.7\n...", "application/pdf"),
    (b"\x00\x00junk before the header %PDF-1.4\n", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    (b"II*\x00\x08\x00\x00\x00", "image/tiff"),
    (b"MM\x00*\x00\x00\x00\x08", "image/tiff"),
    (b'<?xml version="1.0"?><rsm:CrossIndustryInvoice/>', "application/xml"),
    (b"\xef\xbb\xbf  <Invoice xmlns='urn:oasis'/>", "application/xml"),
    ('<?xml version="1.0" encoding="UTF-16"?><Invoice/>'.encode("utf-16"), "application/xml"),
])
def test_recognises_accepted_formats_by_content(data: bytes, expected: str) -> None:
    assert sniff(data, settings=SETTINGS) == expected


@pytest.mark.parametrize(("data", "says"), [
    (fx.html_named_pdf(), "HTML"),
    (b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"></html>', "HTML"),
    (fx.zip_named_pdf(), "ZIP"),
    (b"GIF89a\x01\x00", "GIF"),
    (b"just some text, no bill", "Unrecognised"),
])
def test_rejects_other_formats_whatever_their_name(data: bytes, says: str) -> None:
    with pytest.raises(UnsupportedMediaType, match=says):
        sniff(data, settings=SETTINGS)


def test_a_zip_holding_a_pdf_is_still_a_zip() -> None:
    data = fx.zip_named_pdf()
    assert b"%PDF-" in data[:1024]  # the stored PDF's header is near the start
    with pytest.raises(UnsupportedMediaType):
        sniff(data, settings=SETTINGS)


@pytest.mark.parametrize("data", [b"", b"   \n\t "])
def test_empty_file_is_unreadable(data: bytes) -> None:
    with pytest.raises(UnreadableDocument, match="empty"):
        sniff(data, settings=SETTINGS)


def test_file_over_the_byte_limit_is_too_large() -> None:
    small = Settings(_env_file=None, max_upload_bytes=1024 * 1024)
    with pytest.raises(TooLarge, match=r"limit is 1\.0 MB"):
        sniff(b"%PDF-1.4\n" + b"0" * (1024 * 1024), settings=small)


def test_page_limit() -> None:
    check_page_count(50, settings=SETTINGS)
    with pytest.raises(TooLarge, match="51 pages; the limit is 50"):
        check_page_count(51, settings=SETTINGS)
