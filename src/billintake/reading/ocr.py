"""Scanned pages: render (pypdfium2), clean up, and OCR with Tesseract (pytesseract).

Each page is one picklable `OcrJob`, run in-process or in a bounded pool of worker processes.
Word boxes come back in PDF points of the upright page, like text-layer words.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from statistics import median
from typing import Literal

import numpy as np
import pypdfium2 as pdfium
import pytesseract
from PIL import Image, ImageFilter, ImageOps

from billintake.domain.errors import OcrTimeout, TooLarge, UnreadableDocument
from billintake.reading.document import Word
from billintake.reading.images import load_frame

POINTS_PER_INCH = 72.0
_MIN_RENDER_DPI = 50.0
_OSD_MAX_SIDE = 1400
_SKEW_MAX_SIDE = 1200
_SKEW_RANGE = 5.0  # degrees searched either way
_MIN_SKEW = 0.2  # smaller skews are left alone
_MIN_UPSCALE, _MAX_UPSCALE = 1.25, 3.0  # images well below the OCR resolution are enlarged
_HORIZONTAL_RATIO = 2.0  # row profile this much sharper than the column profile: text lines
_MIN_CONFIDENCE = 0.6  # mean word confidence of a page read the right way up
_MIN_CONFIDENT_WORDS = 5
_ASCENDERS = frozenset("bdfhkltij")  # dots of i and j reach about as high
_DESCENDERS = frozenset("gjpqy")
_NOISE_STD = 4.0  # grey levels of grain on blank paper above which a scan is smoothed
# One uniform block: row by row across the page. On generated scans of many bill layouts it
# found more words, more precisely and faster than auto (3), column (4) or sparse (11) modes,
# and it keeps lone digits (quantities) that sparse mode drops. `layout` orders the words.
_TESSERACT_CONFIG = "--psm 6"


@dataclass(frozen=True)
class OcrJob:
    """One page to OCR: which page of the file, and how."""

    kind: Literal["pdf", "image"]
    index: int  # page index (PDF) or frame index (TIFF); 0-based
    languages: str  # Tesseract form, "eng+deu"
    dpi: int
    timeout_s: float
    max_pixels: int


@dataclass
class OcrPage:
    """What OCR found on one page, in PDF points of the upright page."""

    index: int
    width: float
    height: float
    words: list[Word] = field(default_factory=list)
    rotation: int = 0
    skew: float = 0.0
    confidence: float | None = None
    seconds: float = 0.0


def ocr_jobs(data: bytes, jobs: list[OcrJob], *, workers: int) -> list[OcrPage]:
    """Run the jobs, in parallel when there are several, with at most `workers` processes."""
    if not jobs:
        return []
    workers = max(1, min(workers, len(jobs)))
    if workers == 1:
        return [run_job(data, job) for job in jobs]
    context = get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=_init_worker, initargs=(data,)) as pool:
        futures = [pool.submit(_run_in_worker, job) for job in jobs]
        try:
            return [future.result() for future in futures]
        except BrokenProcessPool as exc:
            raise UnreadableDocument(
                "OCR stopped: a worker process died (out of memory on a huge page?)."
            ) from exc
        finally:
            for future in futures:
                future.cancel()


_WORKER_DATA: bytes = b""


def _init_worker(data: bytes) -> None:
    global _WORKER_DATA
    _WORKER_DATA = data
    # Pages already run in parallel; Tesseract's own threads would only oversubscribe the CPUs.
    os.environ["OMP_THREAD_LIMIT"] = "1"


def _run_in_worker(job: OcrJob) -> OcrPage:
    return run_job(_WORKER_DATA, job)


def run_job(data: bytes, job: OcrJob) -> OcrPage:
    """Load, clean up and OCR one page within the job's time budget (else `OcrTimeout`)."""
    try:
        return _run_job(data, job)
    except OcrTimeout as exc:
        raise OcrTimeout(
            f"OCR of page {job.index + 1} took longer than the per-page time limit of "
            f"{job.timeout_s:g} s."
        ) from exc


def _run_job(data: bytes, job: OcrJob) -> OcrPage:
    """Load, clean up and OCR one page within the job's time budget.

    Orientation detection (Tesseract OSD) costs about as much as a quarter of the OCR, so it
    runs only when needed: when the ink does not run in horizontal lines (a page turned 90°),
    or when OCR of the page as it stands is not confident (a page upside down).
    """
    started = time.monotonic()
    deadline = started + job.timeout_s
    if job.kind == "pdf":
        image, scale = render_pdf_page(data, job.index, dpi=job.dpi, max_pixels=job.max_pixels)
        noisy = _noisy(_centre(image, 1000))
    else:
        image, dpi = load_frame(data, job.index, job.max_pixels)
        noisy = _noisy(_centre(image, 1000))  # judged before enlarging smooths the grain
        image, dpi = _upscaled(image, dpi, job.dpi, job.max_pixels)
        scale = dpi / POINTS_PER_INCH
    image, skew = _deskewed(image)
    rotation = 0
    words: list[Word] | None = None
    if _lines_run_horizontally(image):
        words = recognise(clean_up(image, noisy=noisy), scale=scale, languages=job.languages,
                          deadline=deadline)
        if not _confident(words):
            rotation = detect_rotation(image, deadline)
    else:
        rotation = detect_rotation(image, deadline)
    if rotation:
        image, skew = _deskewed(image.rotate(-rotation, expand=True))
        words = None
    if words is None:
        words = recognise(clean_up(image, noisy=noisy), scale=scale, languages=job.languages,
                          deadline=deadline)
    confidence = (sum(w.confidence for w in words) / len(words)) if words else None
    return OcrPage(
        index=job.index,
        width=image.width / scale,
        height=image.height / scale,
        words=words,
        rotation=rotation,
        skew=round(skew, 2),
        confidence=round(confidence, 3) if confidence is not None else None,
        seconds=round(time.monotonic() - started, 3),
    )


def _upscaled(image: Image.Image, dpi: float, target_dpi: int, max_pixels: int
              ) -> tuple[Image.Image, float]:
    """Low-resolution images enlarged to the OCR resolution: Tesseract misses small glyphs."""
    factor = min(target_dpi / dpi, _MAX_UPSCALE,
                 math.sqrt(max_pixels / max(image.width * image.height, 1)))
    if factor < _MIN_UPSCALE:
        return image, dpi
    size = (round(image.width * factor), round(image.height * factor))
    return image.resize(size, Image.Resampling.LANCZOS), dpi * factor


def _deskewed(image: Image.Image) -> tuple[Image.Image, float]:
    skew = estimate_skew(image)
    if abs(skew) < _MIN_SKEW:
        return image, skew
    return image.rotate(skew, resample=Image.Resampling.BILINEAR, expand=False,
                        fillcolor=255), skew


def _lines_run_horizontally(image: Image.Image) -> bool:
    """Whether the ink forms horizontal lines (upright or upside down), not vertical ones."""
    pixels = np.asarray(_downscaled(image, _SKEW_MAX_SIDE), dtype=np.uint8)
    ink = (pixels < _otsu(pixels)).astype(np.float64)
    rows = np.sum(np.diff(ink.sum(axis=1)) ** 2) / max(ink.shape[1], 1) ** 2
    columns = np.sum(np.diff(ink.sum(axis=0)) ** 2) / max(ink.shape[0], 1) ** 2
    return bool(rows > _HORIZONTAL_RATIO * columns)


def _confident(words: list[Word]) -> bool:
    readable = [w for w in words if any(c.isalnum() for c in w.text)]
    if len(readable) < _MIN_CONFIDENT_WORDS:
        return False
    return sum(w.confidence for w in readable) / len(readable) >= _MIN_CONFIDENCE


def render_pdf_page(data: bytes, index: int, *, dpi: int, max_pixels: int
                    ) -> tuple[Image.Image, float]:
    """Page `index` as a greyscale image and its scale (pixels per point).

    The resolution is lowered for oversized pages so the bitmap stays under `max_pixels`.
    """
    document = pdfium.PdfDocument(data, password="")
    try:
        page = document[index]
        width, height = page.get_size()
        scale = dpi / POINTS_PER_INCH
        if width * height * scale * scale > max_pixels:
            scale = math.sqrt(max_pixels / (width * height))
            if scale * POINTS_PER_INCH < _MIN_RENDER_DPI:
                raise TooLarge(
                    f"Page {index + 1} is {width / 72:.0f}×{height / 72:.0f} inches, too large "
                    "to render within the pixel limit."
                )
        bitmap = page.render(scale=scale, grayscale=True)
        image = bitmap.to_pil().convert("L")
    finally:
        document.close()
    return image, scale


def detect_rotation(image: Image.Image, deadline: float) -> int:
    """Degrees (0/90/180/270) to turn the image clockwise so its text is upright (Tesseract OSD)."""
    small = _downscaled(image, _OSD_MAX_SIDE)
    try:
        with _as_file(small) as path:
            osd = pytesseract.image_to_osd(path, config="--psm 0 -c min_characters_to_try=10",
                                           timeout=_remaining(deadline))
    except pytesseract.TesseractError:
        return 0  # too little text to tell: leave the page as it is
    except RuntimeError as exc:
        raise _timeout(exc) from exc
    rotate = re.search(r"Rotate:\s*(\d+)", osd)
    confidence = re.search(r"Orientation confidence:\s*([\d.]+)", osd)
    if not rotate or not confidence or float(confidence.group(1)) < 1.5:
        return 0
    return int(rotate.group(1)) % 360


def estimate_skew(image: Image.Image) -> float:
    """Small skew in degrees (counter-clockwise, as for `Image.rotate`) that straightens lines.

    Projection profile: the angle at which the ink's row histogram is sharpest.
    """
    small = _downscaled(image, _SKEW_MAX_SIDE)
    pixels = np.asarray(small, dtype=np.uint8)
    ink = pixels < _otsu(pixels)
    ys, xs = np.nonzero(ink)
    if len(ys) < 200 or ink.mean() > 0.5:
        return 0.0
    if len(ys) > 150_000:
        pick = np.random.default_rng(0).choice(len(ys), 150_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    ys = ys.astype(np.float64) - pixels.shape[0] / 2
    xs = xs.astype(np.float64) - pixels.shape[1] / 2
    bins = pixels.shape[0] + 1

    def sharpness(angle: float) -> float:
        theta = math.radians(angle)
        rotated = ys * math.cos(theta) + xs * math.sin(theta)
        histogram, _ = np.histogram(rotated, bins=bins,
                                    range=(-pixels.shape[0], pixels.shape[0]))
        return float(np.sum(np.diff(histogram.astype(np.float64)) ** 2))

    coarse = max(np.arange(-_SKEW_RANGE, _SKEW_RANGE + 0.01, 0.5), key=sharpness)
    fine = max(np.arange(coarse - 0.5, coarse + 0.51, 0.1), key=sharpness)
    return round(-float(fine), 2)


def clean_up(image: Image.Image, *, noisy: bool | None = None) -> Image.Image:
    """Even out lighting and contrast where the scan needs it; Tesseract thresholds the rest."""
    small = _downscaled(image, 400)
    pixels = np.asarray(small, dtype=np.float64)
    # The paper's brightness: local maxima (ink removed), smoothed.
    paper = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(6))
    brightness = np.asarray(paper, dtype=np.float64)
    if np.percentile(brightness, 95) - np.percentile(brightness, 5) > 40:
        # Uneven light (a phone photo, a shadow): divide by the paper, a local threshold.
        full_paper = np.asarray(paper.resize(image.size, Image.Resampling.BILINEAR),
                                dtype=np.float64)
        flat = np.asarray(image, dtype=np.float64) / np.maximum(full_paper, 1.0)
        image = Image.fromarray(np.clip(flat * 255.0, 0, 255).astype(np.uint8), mode="L")
    elif np.percentile(pixels, 99) - np.percentile(pixels, 1) < 120:
        image = ImageOps.autocontrast(image, cutoff=1)
    if _noisy(_centre(image, 1000)) if noisy is None else noisy:
        # A light blur: grain and specks fade below Tesseract's threshold, strokes stay.
        # (As good as a median filter here, and several times faster.)
        image = image.filter(ImageFilter.GaussianBlur(1))
    return image


def recognise(image: Image.Image, *, scale: float, languages: str, deadline: float
              ) -> list[Word]:
    """Tesseract's words with boxes converted from pixels to points, and confidences."""
    try:
        with _as_file(image) as path:
            data = pytesseract.image_to_data(path, lang=languages, config=_TESSERACT_CONFIG,
                                             output_type=pytesseract.Output.DICT,
                                             timeout=_remaining(deadline))
    except RuntimeError as exc:
        raise _timeout(exc) from exc
    except pytesseract.TesseractError as exc:
        raise UnreadableDocument(f"OCR failed: {exc.message}") from exc
    words: list[Word] = []
    lines: dict[tuple[int, int, int], list[int]] = {}
    ink = _ink(image)
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        confidence = float(data["conf"][i])
        if data["level"][i] != 5 or not text or confidence < 0 or _is_noise(text, confidence):
            continue
        left, width = data["left"][i], data["width"][i]
        top, bottom = _ink_band(ink, left, width, data["top"][i],
                                data["top"][i] + data["height"][i])
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        lines.setdefault(key, []).append(len(words))
        words.append(Word(
            text=text,
            x0=round(left / scale, 2),
            top=round(top / scale, 2),
            x1=round((left + width) / scale, 2),
            bottom=round(bottom / scale, 2),
            source="ocr",
            confidence=round(min(max(confidence / 100.0, 0.0), 1.0), 3),
        ))
    for members in lines.values():
        for phrase in _phrases([words[i] for i in members], members):
            estimates = sorted(size for i in phrase
                               if (size := _font_size(words[i], 1 / scale)))
            if estimates:
                size = round(median(estimates), 1)
                for i in phrase:
                    words[i] = words[i].model_copy(update={"font_size": size})
    return words


def _phrases(line: list[Word], indexes: list[int]) -> list[list[int]]:
    """A Tesseract line cut where words stand far apart: the runs set in one font."""
    ordered = sorted(zip(line, indexes, strict=True), key=lambda pair: pair[0].x0)
    phrases: list[list[int]] = []
    previous: Word | None = None
    for word, index in ordered:
        if previous is None or word.x0 - previous.x1 > 1.5 * max(word.height, previous.height):
            phrases.append([index])
        else:
            phrases[-1].append(index)
        previous = word
    return phrases


def _ink(image: Image.Image) -> np.ndarray:
    pixels = np.asarray(image, dtype=np.uint8)
    return pixels < _otsu(pixels)


def _ink_band(ink: np.ndarray, left: int, width: int, top: int, bottom: int
              ) -> tuple[int, int]:
    """The word box's rows trimmed to its main band of ink (with i-dots and accents).

    Tesseract's boxes sometimes reach into the strokes of a neighbouring row; those are cut
    off where a blank gap wider than a sixth of the band separates them.
    """
    rows = ink[top:bottom, left:left + width].any(axis=1)
    filled = np.flatnonzero(rows)
    if filled.size == 0:
        return top, bottom
    runs: list[list[int]] = [[int(filled[0]), int(filled[0])]]
    for row in filled[1:]:
        if row - runs[-1][1] > 1:
            runs.append([int(row), int(row)])
        else:
            runs[-1][1] = int(row)
    main = max(runs, key=lambda run: ink[top + run[0]:top + run[1] + 1,
                                         left:left + width].sum())
    start, end = main
    allowed = max(2, (end - start + 1) // 6)
    for run in reversed(runs):  # join close neighbours: dots above, descender parts below
        if run[1] < start and start - run[1] - 1 <= allowed:
            start = run[0]
    for run in runs:
        if run[0] > end and run[0] - end - 1 <= allowed:
            end = run[1]
    return top + start, top + end + 1


def _font_size(word: Word, pixel: float) -> float | None:
    """The font size a word's ink height implies: caps, digits and ascenders reach about
    0.72 em above the baseline, plain lower case 0.52 em; descenders add 0.21 em.
    Thresholding widens ink by about half a pixel (`pixel`: one pixel in points)."""
    text = word.text
    if not any(c.isalnum() for c in text):
        return None
    tall = any(c.isupper() or c.isdigit() or c in _ASCENDERS for c in text)
    deep = any(c in _DESCENDERS for c in text)
    height = max(word.height - 0.5 * pixel, pixel)
    return height / ((0.72 if tall else 0.52) + (0.21 if deep else 0.0))


@contextmanager
def _as_file(image: Image.Image) -> Iterator[str]:
    """The image as an uncompressed PGM file for Tesseract (PNG encoding is slow)."""
    with tempfile.NamedTemporaryFile(suffix=".pgm", prefix="billintake-ocr-") as handle:
        image.convert("L").save(handle, format="PPM")
        handle.flush()
        yield handle.name


def _is_noise(text: str, confidence: float) -> bool:
    """Specks and dashed rules read as punctuation or as short runs like "ee", "ww"."""
    if confidence >= 40:
        return False
    if not any(c.isalnum() for c in text):
        return True
    return len(text) <= 3 and not any(c.isdigit() for c in text)


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise OcrTimeout("OCR of a page took longer than the per-page time limit.")
    return remaining


def _timeout(exc: RuntimeError) -> OcrTimeout | RuntimeError:
    if "timeout" in str(exc).lower():
        return OcrTimeout("OCR of a page took longer than the per-page time limit.")
    return exc


def _downscaled(image: Image.Image, max_side: int) -> Image.Image:
    factor = max_side / max(image.size)
    if factor >= 1:
        return image
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.BILINEAR)


def _centre(image: Image.Image, side: int) -> np.ndarray:
    left = max((image.width - side) // 2, 0)
    top = max((image.height - side) // 2, 0)
    box = (left, top, min(left + side, image.width), min(top + side, image.height))
    return np.asarray(image.crop(box), dtype=np.uint8)


def _otsu(pixels: np.ndarray) -> int:
    histogram = np.bincount(pixels.ravel(), minlength=256).astype(np.float64)
    total = histogram.sum()
    weights = np.cumsum(histogram)
    means = np.cumsum(histogram * np.arange(256))
    between = (means[-1] * weights - means * total) ** 2 / np.maximum(
        weights * (total - weights), 1e-9)
    return int(np.argmax(between))


def _noisy(pixels: np.ndarray) -> bool:
    """Grainy paper or salt-and-pepper specks: worth smoothing before OCR."""
    threshold = _otsu(pixels)
    bright = pixels > threshold + (255 - threshold) // 2
    pairs = bright[:, 1:] & bright[:, :-1]
    if pairs.sum() < 1000:
        return False
    steps = np.abs(pixels[:, 1:].astype(np.int16) - pixels[:, :-1].astype(np.int16))[pairs]
    if float(np.median(steps)) * 1.05 > _NOISE_STD:  # median step ≈ the grain's deviation
        return True
    dark = pixels < threshold
    padded = np.pad(dark, 1)
    neighbours = sum(np.roll(np.roll(padded, dy, 0), dx, 1)
                     for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx)[1:-1, 1:-1]
    isolated = dark & (neighbours == 0)
    return bool(isolated.mean() > 0.0005)
