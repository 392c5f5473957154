"""Several bills in one file: read it once, find the bills' page ranges, extract each."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, replace
from typing import Any

from pypdfium2 import PdfiumError

from billintake.bootstrap import Runtime
from billintake.domain.errors import UnreadableDocument
from billintake.domain.extracted import ExtractedBill
from billintake.domain.model import (
    EINVOICE_HINT,
    ORIGINAL_HINT,
    PAGES_HINT,
    SPLIT_OF_HINT,
    IngestJob,
)
from billintake.extraction.extractor import Extractor
from billintake.extraction.memory import MemoryBook
from billintake.extraction.payment import with_payment
from billintake.extraction.split import PageRange, pages_of, split_pages
from billintake.queue.dispatcher import Dispatcher
from billintake.reading.document import ReadDocument
from billintake.reading.pdfium_lock import PDFIUM
from billintake.reading.qr import QrCode, find_codes
from billintake.reading.reader import read
from billintake.reading.sniff import TIFF, XML, sniff

log = logging.getLogger(__name__)


@dataclass
class FoundBill:
    """One bill found in a file: its pages (None for an XML e-invoice) and its fields."""

    pages: PageRange | None
    bill: ExtractedBill


def find_bills(extractor: Extractor, data: bytes, *, media_type: str | None = None,
               companion_xml: bytes | None = None,
               memory: MemoryBook | None = None) -> list[FoundBill]:
    """The bills in a file, in page order. One bill goes the usual way (its e-invoice XML
    first); several are each extracted from their own pages (with the vendors' `memory`)."""
    media_type = media_type or sniff(data, settings=extractor.settings)
    if media_type == XML:
        return [FoundBill(None, extractor.extract_sniffed(data, media_type,
                                                          companion_xml=companion_xml))]
    document = read(data, media_type=media_type, settings=extractor.settings)
    ranges = split_pages(document)
    if len(ranges) <= 1:
        whole = ranges[0] if ranges else (1, max(len(document.pages), 1))
        bill = extractor.extract_sniffed(data, media_type, companion_xml=companion_xml,
                                         read_pages=lambda: _only(document, whole),
                                         memory=memory)
        return [FoundBill(whole, bill)]
    codes = find_codes(data, media_type, pages=len(document.pages),
                       max_pixels=extractor.max_image_pixels)
    found = []
    for pages in ranges:
        own = pages_of(document, pages)
        bill = extractor.extract_document(own, memory=memory)
        found.append(FoundBill(pages, with_payment(bill, own, _codes_on(codes, pages))))
    return found


def _codes_on(codes: list[QrCode], pages: PageRange) -> list[QrCode]:
    """The QR codes printed on a bill's pages, numbered as its own pages (from 1)."""
    first, last = pages
    return [replace(code, page=code.page - first + 1) for code in codes
            if first <= code.page <= last]


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


# -- jobs: a received file holding several bills becomes one job per bill ---------------------

__all__ = ["ORIGINAL_HINT", "PAGES_HINT", "SPLIT_OF_HINT", "bill_file", "cut_pages",
           "find_bills", "job_pages", "page_count", "split_job", "with_pages"]


def split_job(runtime: Runtime, job: IngestJob, media_type: str, data: bytes,
              document: ReadDocument | None, *,
              dispatcher: Dispatcher | None = None) -> ReadDocument | None:
    """When the job's file holds several bills, keep the first for this job and make a job
    for each other one: its pages cut into a file of their own, received on the same channel,
    hinted with its page range, the original file and this job, and handed to `dispatcher`
    at once (without one, the next sweep of unfinished jobs takes it). Returns the pages this
    job reads (the first bill's), or `document` unchanged for a file of one bill."""
    from billintake.services.receive import accept_file, receive

    if document is None or PAGES_HINT in job.hints:
        return document
    ranges = split_pages(document)
    if len(ranges) <= 1:
        return document
    stem, dot, ext = job.original_filename.rpartition(".")
    for first, last in ranges[1:]:
        hints = {key: value for key, value in job.hints.items() if key != EINVOICE_HINT}
        hints.update({PAGES_HINT: f"{first}-{last}", SPLIT_OF_HINT: job.id,
                      ORIGINAL_HINT: job.document_sha256})
        name = f"{stem or ext} (pages {first}-{last}){dot}{ext if stem else ''}"
        part = cut_pages(data, media_type, (first, last))
        if dispatcher is None:
            receive(runtime, job.organization_id, part, filename=name, channel=job.channel,
                    hints=hints, media_type=media_type)
        else:
            accept_file(runtime, dispatcher, job.organization_id, part, filename=name,
                        channel=job.channel, hints=hints, media_type=media_type)
    job.hints.update({PAGES_HINT: f"{ranges[0][0]}-{ranges[0][1]}",
                      ORIGINAL_HINT: job.document_sha256})
    log.info("split into %d bills: %s", len(ranges), ranges,
             extra={"job_id": job.id, "organization_id": job.organization_id})
    return pages_of(document, ranges[0])


def job_pages(job: IngestJob) -> PageRange | None:
    """The page range of the original a job's bill was found on (None: the whole file)."""
    value = job.hints.get(PAGES_HINT)
    if not value:
        return None
    first, _, last = value.partition("-")
    return int(first), int(last)


def bill_file(job: IngestJob, data: bytes, media_type: str) -> bytes:
    """The file of the job's bill: its own file, or, for the first bill of a file of several
    (whose job keeps the whole original), its pages cut from the original."""
    pages = job_pages(job)
    if pages is None or job.document_sha256 != job.hints.get(ORIGINAL_HINT):
        return data
    return cut_pages(data, media_type, pages)


def page_count(data: bytes, media_type: str) -> int:
    """How many pages a PDF or multi-page TIFF has (an image: one); UnreadableDocument when
    the file cannot be opened."""
    try:
        if media_type == TIFF:
            from PIL import Image

            with Image.open(io.BytesIO(data)) as image:
                return int(getattr(image, "n_frames", 1))
        if media_type != "application/pdf":
            return 1
        import pypdfium2 as pdfium

        with PDFIUM:
            document = pdfium.PdfDocument(data)
            try:
                return len(document)
            finally:
                document.close()
    except (OSError, ValueError, PdfiumError) as exc:
        raise UnreadableDocument(f"its pages cannot be counted: {exc}") from exc


def cut_pages(data: bytes, media_type: str, pages: PageRange, *, mark: str | None = None
              ) -> bytes:
    """A file of only the given pages (1-based, inclusive) of a PDF or multi-page TIFF.
    `mark` is written into its metadata (where it was cut from, by which change): two cuts
    of the same pages made by different changes are then different files."""
    first, last = pages
    if media_type == TIFF:
        from PIL import Image, ImageSequence

        with Image.open(io.BytesIO(data)) as image:
            frames = [frame.copy() for frame in ImageSequence.Iterator(image)][first - 1:last]
        out = io.BytesIO()
        extra = {} if mark is None else {"description": mark}
        frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:],
                       compression="tiff_deflate", **extra)
        return out.getvalue()
    import pypdfium2 as pdfium

    with PDFIUM:
        source = pdfium.PdfDocument(data)
        try:
            part = pdfium.PdfDocument.new()
            part.import_pages(source, pages=list(range(first - 1, last)))
            out = io.BytesIO()
            part.save(out)
            part.close()
        finally:
            source.close()
    if mark is None:
        return out.getvalue()
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(out.getvalue())))
    writer.add_metadata({"/BillintakeCut": mark})
    marked = io.BytesIO()
    writer.write(marked)
    return marked.getvalue()
