"""The pages of a job's original for the bill view: page images, and the words on them with
their boxes, for the job's organization only (another organization's job is NotFound).

Both are made from the stored original when first asked for and kept in the page cache, by
content. The words are read as the pipeline reads them (text layer, else OCR), so a word a
person clicks on the image is a word extraction saw, in the same coordinates as the evidence
boxes: PDF points, origin top-left.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from billintake.bootstrap import Runtime
from billintake.domain.errors import NotFound
from billintake.reading.reader import read
from billintake.reading.registry import reader_for
from billintake.reading.render import render_page
from billintake.services.split import bill_file, job_pages
from billintake.storage.page_cache import PageCache

WORDS = "words-v1.json"  # the cache's name for the pages' words (bump when the shape changes)


@dataclass(frozen=True)
class Original:
    """A job's original file as received."""

    sha256: str
    filename: str
    media_type: str
    data: bytes
    part: str = ""  # the cache's name prefix for a bill's pages of a larger original


def original_of(runtime: Runtime, organization_id: str, job_id: str, *,
                whole: bool = False) -> Original:
    """The job's file; for the first bill of a file of several (whose job keeps the whole
    original), only that bill's pages of it, unless `whole` (the file as received)."""
    with runtime.repository(organization_id) as repo:
        job = repo.get_job(job_id)
        document = repo.get_document(job.document_sha256)
    data = runtime.originals.read(job.document_sha256)
    own = data if whole else bill_file(job, data, document.media_type)
    pages = job_pages(job)
    return Original(sha256=job.document_sha256, filename=job.original_filename,
                    media_type=document.media_type, data=own,
                    part="" if own is data or pages is None else f"p{pages[0]}-{pages[1]}-")


def _cache(runtime: Runtime) -> PageCache:
    return PageCache(runtime.settings.resolved_page_cache_dir)


def page_words(runtime: Runtime, organization_id: str, job_id: str) -> list[dict[str, Any]]:
    """Each page's number, size (points), rotation, source and words with their boxes; none
    for a file without pages (an XML e-invoice)."""
    original = original_of(runtime, organization_id, job_id)
    return _words(runtime, original)


def _words(runtime: Runtime, original: Original) -> list[dict[str, Any]]:
    cache = _cache(runtime)
    cached = cache.get(original.sha256, original.part + WORDS)
    if cached is not None:
        return json.loads(cached)  # type: ignore[no-any-return]
    pages: list[dict[str, Any]] = []
    if reader_for(original.media_type) is not None:
        document = read(original.data, media_type=original.media_type,
                        settings=runtime.settings)
        pages = [{"number": page.number, "width": page.width, "height": page.height,
                  "rotation": page.rotation, "source": page.source,
                  "words": [{"text": word.text, "bbox": [round(v, 2) for v in word.bbox]}
                            for word in page.words]}
                 for page in document.pages]
    cache.put(original.sha256, original.part + WORDS,
              json.dumps(pages, separators=(",", ":")).encode())
    return pages


def page_image(runtime: Runtime, organization_id: str, job_id: str, number: int) -> bytes:
    """Page `number` (1-based) of the job's original as a PNG."""
    original = original_of(runtime, organization_id, job_id)
    pages = _words(runtime, original)
    if not 1 <= number <= len(pages):
        raise NotFound(f"{original.filename} has no page {number}")
    dpi = runtime.settings.page_render_dpi
    name = f"{original.part}page-{number}-{dpi}.png"
    cache = _cache(runtime)
    image = cache.get(original.sha256, name)
    if image is None:
        image = render_page(original.data, original.media_type, number, dpi=dpi,
                            max_pixels=runtime.settings.max_image_pixels,
                            rotation=int(pages[number - 1].get("rotation") or 0))
        cache.put(original.sha256, name, image)
    return image
