"""PDFium is not thread-safe: jobs on a thread pool read, render and scan PDFs for QR codes at
the same time, and every such call is serialised by one lock (before it, this crashed the
process with a segmentation fault)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fixtures_gen.intake_fixtures import digital_bill

from billintake.reading.ocr import render_pdf_page
from billintake.reading.qr import find_codes
from billintake.reading.reader import read
from billintake.settings import Settings


def test_pdfs_read_rendered_and_scanned_on_many_threads_at_once() -> None:
    settings = Settings(_env_file=None)
    pdfs = [digital_bill(index).data for index in range(1, 5)]

    def work(index: int) -> tuple[int, int]:
        data = pdfs[index % len(pdfs)]
        document = read(data, media_type="application/pdf", settings=settings)
        image, _scale = render_pdf_page(data, 0, dpi=72, max_pixels=10_000_000)
        find_codes(data, "application/pdf", max_pixels=10_000_000)
        return len(document.pages), image.width

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(48)))
    assert all(pages >= 1 and width > 100 for pages, width in results)
