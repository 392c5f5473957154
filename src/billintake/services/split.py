"""Several bills in one file: read it once, find the bills' page ranges, extract each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from billintake.domain.extracted import ExtractedBill
from billintake.extraction.extractor import Extractor
from billintake.extraction.split import PageRange, pages_of, split_pages
from billintake.reading.document import ReadDocument
from billintake.reading.reader import read
from billintake.reading.sniff import XML, sniff


@dataclass
class FoundBill:
    """One bill found in a file: its pages (None for an XML e-invoice) and its fields."""

    pages: PageRange | None
    bill: ExtractedBill


def find_bills(extractor: Extractor, data: bytes, *, media_type: str | None = None,
               companion_xml: bytes | None = None) -> list[FoundBill]:
    """The bills in a file, in page order. One bill goes the usual way (its e-invoice XML
    first); several are each extracted from their own pages."""
    media_type = media_type or sniff(data, settings=extractor.settings)
    if media_type == XML:
        return [FoundBill(None, extractor.extract_sniffed(data, media_type,
                                                          companion_xml=companion_xml))]
    document = read(data, media_type=media_type, settings=extractor.settings)
    ranges = split_pages(document)
    if len(ranges) <= 1:
        whole = ranges[0] if ranges else (1, max(len(document.pages), 1))
        bill = extractor.extract_sniffed(data, media_type, companion_xml=companion_xml,
                                         read_pages=lambda: _only(document, whole))
        return [FoundBill(whole, bill)]
    return [FoundBill(pages, extractor.extract_document(pages_of(document, pages)))
            for pages in ranges]


def _only(document: ReadDocument, pages: PageRange) -> ReadDocument:
    if pages == (1, len(document.pages)):
        return document
    return pages_of(document, pages)


def with_pages(body: dict[str, Any], pages: PageRange | None) -> dict[str, Any]:
    """A contract object with its bill's `pages` added and its evidence pages counted in the
    whole file (extraction numbers a bill's pages from 1)."""
    if pages is not None and pages[0] > 1:
        for evidence in body.get("evidence", {}).values():
            if isinstance(evidence.get("page"), int):
                evidence["page"] += pages[0] - 1
    body["pages"] = list(pages) if pages is not None else None
    return body
