"""Speed against the tools underneath, side by side in one run (prints figures; not a test).

    .venv/bin/python bench/speed.py [--shared ../shared] [--pdfs 5] [--images 3] [--repeat 3]
                                    [--engine auto]

1. A digital page end to end (`read()` and the extractor, as `billintake extract` runs them)
   against pdfplumber's own word extraction of the same page; target ≤ 2×.
2. An image through the OCR path (`read()` of the JPEG, one worker) against the `tesseract`
   command alone on the same file, in the page segmentation mode we use; target ≤ 1.2×. The
   command runs as installed (OpenMP threads) and with one thread, as the OCR path runs it.
Each pair is timed alternately (ours, theirs, ours, ...) so load on the machine falls on
both alike; the figures are medians over the files and repeats, of wall time (the target's
measure) and of CPU time (this process and its children; steadier on a shared machine).
The OCR path's time is also split into its stages (load, deskew, PP-OCR's detection and
recognition, Tesseract's sample, clean-up, Tesseract, second look) for one image. Models are
loaded once per process, as in a worker, so each side is warmed up before it is timed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pdfplumber

from billintake.extraction.extractor import Extractor
from billintake.reading import ocr
from billintake.reading.reader import read
from billintake.settings import Settings

Timing = tuple[float, float]  # wall seconds, CPU seconds (this process and its children)


def _cpu() -> float:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def timed(action: Callable[[], object]) -> Timing:
    started, cpu = time.perf_counter(), _cpu()
    action()
    return time.perf_counter() - started, _cpu() - cpu


def side_by_side(files: list[Path], ours: Callable[[bytes, Path], object],
                 theirs: Callable[[bytes, Path], object], repeat: int
                 ) -> tuple[list[Timing], list[Timing]]:
    mine: list[Timing] = []
    other: list[Timing] = []
    for _ in range(repeat):
        for path in files:
            data = path.read_bytes()
            mine.append(timed(lambda: ours(data, path)))  # noqa: B023
            other.append(timed(lambda: theirs(data, path)))  # noqa: B023
    return mine, other


def report(title: str, mine: list[Timing], other: list[Timing], target: float) -> None:
    """Median wall time (the target's measure) and median CPU time (steadier on a busy
    machine) of each side, and their ratios."""
    a, b = statistics.median(t for t, _ in mine), statistics.median(t for t, _ in other)
    ca, cb = statistics.median(c for _, c in mine), statistics.median(c for _, c in other)
    verdict = "meets" if a <= target * b else "MISSES"
    print(f"{title}:\n  wall: ours {a:.3f} s, theirs {b:.3f} s, ratio {a / b:.2f}x "
          f"(target <= {target}x: {verdict}; {len(mine)} runs each)\n"
          f"  CPU:  ours {ca:.3f} s, theirs {cb:.3f} s, ratio {ca / max(cb, 1e-9):.2f}x")


def stages(data: bytes, settings: Settings) -> None:
    """Where the OCR path's time goes, on one image (cumulative seconds per stage)."""
    job = ocr.OcrJob(kind="image", index=0, languages="+".join(settings.ocr_language_list),
                     dpi=settings.ocr_dpi, timeout_s=settings.ocr_page_timeout_s,
                     max_pixels=settings.max_image_pixels, engine=settings.ocr_engine)
    profile = cProfile.Profile()
    profile.runcall(ocr.run_job, data, job)
    stats = pstats.Stats(profile, stream=io.StringIO())
    wanted = {"load_frame": "load", "upscaled": "upscale", "deskewed": "deskew",
              "clean_up": "clean-up", "_tesseract": "tesseract runs", "_second_look":
              "second look (incl. its tesseract run)", "detect_rotation": "orientation (OSD)",
              "read": "engine read / PP-OCR recognition", "_faint_ink": "grey print mask",
              "detect": "PP-OCR detection", "upside_down": "upside-down vote",
              "_sample_confidence": "Tesseract's sample of lines", "recognise": "Tesseract page",
              # the sample's own time is in a thread, out of this profile's sight
              "_sampled_while_reading": "sample, PP-OCR reading lines meanwhile"}
    rows = []
    for (_, _, name), (_, calls, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        if name in wanted:
            rows.append((cumulative, f"  {wanted[name]:<40}{calls:>3} calls {cumulative:>7.2f} s"))
    total = sum(v[3] for k, v in stats.stats.items()  # type: ignore[attr-defined]
                if k[2] == "run_job")
    print(f"OCR path stages on one image ({total:.2f} s in all):")
    for _, row in sorted(rows, reverse=True):
        print(row)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path,
                        default=Path(__file__).resolve().parents[1].parent / "shared")
    parser.add_argument("--pdfs", type=int, default=5)
    parser.add_argument("--images", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engine", default=Settings(_env_file=None).ocr_engine)
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    settings = Settings(_env_file=None, ocr_workers=1, ocr_engine=args.engine,
                        ocr_page_timeout_s=900)
    extractor = Extractor(settings)

    pdfs = sorted((args.shared / "realdev/facturx-visual").glob("*.pdf"))[:args.pdfs]
    pages = []
    for path in pdfs:  # each file's first page alone: "a digital page"
        with pdfplumber.open(path) as pdf:
            if len(pdf.pages) == 1:
                pages.append(path)
    pages = pages or pdfs

    def ours_pdf(data: bytes, _: Path) -> object:
        return extractor.extract_document(read(data, settings=settings))

    def plumber(data: bytes, _: Path) -> object:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return [page.extract_words() for page in pdf.pages]

    if pages:  # --pdfs 0: the OCR path alone
        ours_pdf(pages[0].read_bytes(), pages[0])  # warm up: imports, the language model
        mine, other = side_by_side(pages, ours_pdf, plumber, args.repeat)
        report(f"digital page end to end vs pdfplumber extract_words ({len(pages)} one-page "
               "PDFs)", mine, other, 2.0)

    images = sorted((args.shared / "realdev/sroie").glob("*.jpg"))[:args.images]
    if not images:  # --images 0: the digital page only
        return 0
    mode = ocr.TESSERACT_CONFIG.split()

    def ours_image(data: bytes, _: Path) -> object:
        return read(data, settings=settings)

    ours_image(images[0].read_bytes(), images[0])  # warm up: the models, once per process

    def command(environment: dict[str, str]) -> Callable[[bytes, Path], object]:
        def run(_: bytes, path: Path) -> object:
            return subprocess.run(["tesseract", str(path), "stdout", "-l", "eng", *mode, "tsv"],
                                  check=True, capture_output=True, env=environment)
        return run

    # The command as a user runs it (OpenMP threads on), and with one thread as we run it
    default = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
    for label, environment in (("as installed", default),
                               ("OMP_THREAD_LIMIT=1", {**default, "OMP_THREAD_LIMIT": "1"})):
        mine, other = side_by_side(images, ours_image, command(environment),
                                   max(1, args.repeat - 2))
        report(f"image through the OCR path ({args.engine}) vs the tesseract command, "
               f"{label} ({len(images)} receipt scans)", mine, other, 1.2)
    stages(images[0].read_bytes(), settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
