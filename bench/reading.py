"""Reading-stage throughput on this machine (prints figures; not a test).

    .venv/bin/python bench/reading.py [--text-pages 20] [--scan-pages 4] [--dpi 300]

1. text-layer pages per second (born-digital A4 bill pages);
2. scanned pages per second through `read()` (render, OSD, deskew, clean-up, OCR), with one
   worker and with `--workers` worker processes;
3. in the same run, on the same rendered images, the time of calling the `tesseract` command
   directly, so the overhead of our OCR path is a ratio.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.fixtures_gen

from reportlab.lib.pagesizes import A4

from billintake.reading import ocr, preprocess
from billintake.reading.layout import build_lines
from billintake.reading.reader import read
from billintake.settings import Settings
from tests.fixtures_gen import reading_fixtures as fx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text-pages", type=int, default=20)
    parser.add_argument("--scan-pages", type=int, default=4)
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lang", default="eng")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")

    settings = Settings(_env_file=None, ocr_dpi=args.dpi, ocr_workers=1, max_pages=1000,
                        ocr_page_timeout_s=600, ocr_languages=args.lang)

    digital = fx.digital_pdf(args.text_pages, page_size=A4)
    read(fx.digital_pdf(1, page_size=A4), settings=settings)  # warm up imports
    elapsed = _timed(lambda: read(digital, settings=settings))
    print(f"text layer: {args.text_pages} A4 pages in {elapsed:.2f} s = "
          f"{args.text_pages / elapsed:.1f} pages/s")

    scan_dpi = 200  # the scanner's resolution; the reader renders at --dpi
    pages = [fx.scan(fx.render(fx.digital_pdf(args.scan_pages, page_size=A4), scan_dpi, i),
                     angle=0.8, seed=i) for i in range(args.scan_pages)]
    scanned = fx.image_pdf(pages, scan_dpi)

    one = _timed(lambda: read(scanned, settings=settings))
    print(f"scanned, ours, 1 worker: {args.scan_pages} A4 pages in {one:.2f} s = "
          f"{args.scan_pages / one:.2f} pages/s ({one / args.scan_pages:.2f} s/page)")
    pooled_settings = settings.model_copy(update={"ocr_workers": args.workers})
    pooled = _timed(lambda: read(scanned, settings=pooled_settings))
    print(f"scanned, ours, {args.workers} workers: {args.scan_pages / pooled:.2f} pages/s "
          f"(speed-up {one / pooled:.2f}x)")

    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for index in range(args.scan_pages):
            image, _ = ocr.render_pdf_page(scanned, index, dpi=args.dpi,
                                           max_pixels=settings.max_image_pixels)
            path = Path(folder) / f"page{index}.png"
            image.save(path)
            paths.append(path)
        same_mode = ocr.TESSERACT_CONFIG.split()  # the page segmentation mode we use
        direct = _timed(lambda: [subprocess.run(
            ["tesseract", str(path), "stdout", "-l", args.lang, *same_mode, "tsv"],
            check=True, capture_output=True) for path in paths])
    print(f"scanned, tesseract command alone: {args.scan_pages / direct:.2f} pages/s "
          f"({direct / args.scan_pages:.2f} s/page)")
    print(f"overhead of our OCR path (1 worker) over the bare command: {one / direct:.2f}x "
          "(render, orientation detection, deskew, clean-up, layout)")
    _breakdown(scanned, args.dpi, args.lang, settings.max_image_pixels)


def _breakdown(pdf: bytes, dpi: int, lang: str, max_pixels: int) -> None:
    """Where one scanned page's time goes, stage by stage."""
    timings: dict[str, float] = {}

    def stage(name: str, action):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        result = action()
        timings[name] = time.perf_counter() - started
        return result

    image, scale = stage("render", lambda: ocr.render_pdf_page(pdf, 0, dpi=dpi,
                                                                max_pixels=max_pixels))
    image, _ = stage("deskew", lambda: preprocess.deskewed(image))
    stage("orientation check", lambda: preprocess.lines_run_horizontally(image))
    cleaned = stage("clean-up", lambda: preprocess.clean_up(image))
    words = stage("tesseract (via pytesseract)", lambda: ocr.recognise(
        cleaned, scale=scale, languages=lang, deadline=time.monotonic() + 600))
    stage("lines (layout)", lambda: build_lines(words))
    total = sum(timings.values())
    print("one scanned page, by stage: " + ", ".join(
        f"{name} {seconds:.2f} s ({seconds / total:.0%})" for name, seconds in timings.items()))


def _timed(action: object) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
