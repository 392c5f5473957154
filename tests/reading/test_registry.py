"""The reader registry and `read()` with a known media type: the reader is the type's, the
file is not sniffed again, and the limits of the opened file still hold."""

from __future__ import annotations

import pytest
from PIL import Image

from billintake.domain.errors import TooLarge, UnreadableDocument, UnsupportedMediaType
from billintake.reading.reader import read
from billintake.reading.readers import read_image, read_pdf
from billintake.reading.registry import reader_for
from billintake.reading.sniff import JPEG, PDF, PNG, TIFF, XML, sniff
from billintake.settings import Settings
from tests.fixtures_gen import reading_fixtures as fx

SAMPLES = {
    PDF: lambda: fx.digital_pdf(),
    PNG: lambda: fx.image_bytes(Image.new("L", (200, 100), 255), "PNG"),
    JPEG: lambda: fx.image_bytes(Image.new("L", (200, 100), 255), "JPEG"),
    TIFF: lambda: fx.multipage_tiff(2),
    XML: lambda: b'<?xml version="1.0"?><Invoice/>',
}


@pytest.mark.parametrize(("media_type", "reader"), [
    (PDF, read_pdf), (PNG, read_image), (JPEG, read_image), (TIFF, read_image), (XML, None)])
def test_every_type_sniffing_finds_has_its_reader(media_type: str, reader: object,
                                                  reading_settings: Settings) -> None:
    """What `sniff` returns for a bill file, the registry knows (XML: no pages to read)."""
    assert sniff(SAMPLES[media_type](), settings=reading_settings) == media_type
    assert reader_for(media_type) is reader


@pytest.mark.parametrize("media_type", ["application/octet-stream", "image/gif", "text/html"])
def test_a_type_no_reader_handles_is_refused_by_name(media_type: str,
                                                     reading_settings: Settings) -> None:
    with pytest.raises(UnsupportedMediaType, match=f"type {media_type} cannot be read; send PDF"):
        reader_for(media_type)
    with pytest.raises(UnsupportedMediaType, match=f"type {media_type}"):
        read(fx.digital_pdf(), media_type=media_type, settings=reading_settings)


def test_read_sniffs_only_when_the_type_is_not_given(sniffs: list[int],
                                                     reading_settings: Settings) -> None:
    data = fx.digital_pdf()
    unsniffed = read(data, media_type=PDF, settings=reading_settings)
    assert sniffs == []
    sniffed = read(data, settings=reading_settings)
    assert sniffs == [len(data)]
    assert unsniffed.media_type == sniffed.media_type == PDF
    assert [p.lines for p in unsniffed.pages] == [p.lines for p in sniffed.pages]


def test_the_given_type_chooses_the_reader_not_the_content(reading_settings: Settings) -> None:
    """A PDF handed in as a PNG goes to the image reader (and fails there): read() trusts the
    type recorded when the file was sniffed and does not look again."""
    with pytest.raises(UnreadableDocument, match="image is corrupt"):
        read(fx.digital_pdf(), media_type=PNG, settings=reading_settings)
    with pytest.raises(UnreadableDocument, match="PDF is truncated or corrupt"):
        read(SAMPLES[PNG](), media_type=PDF, settings=reading_settings)


def test_xml_of_a_known_type_has_no_pages(reading_settings: Settings) -> None:
    with pytest.raises(UnsupportedMediaType, match="XML e-invoices are read by the extractor"):
        read(SAMPLES[XML](), media_type=XML, settings=reading_settings)


def test_page_and_pixel_limits_hold_with_a_known_type(reading_settings: Settings) -> None:
    few_pages = reading_settings.model_copy(update={"max_pages": 2})
    with pytest.raises(TooLarge, match="3 pages"):
        read(fx.digital_pdf(3), media_type=PDF, settings=few_pages)
    with pytest.raises(TooLarge, match="pixels"):
        read(fx.bomb_png(), media_type=PNG, settings=reading_settings)
