"""Scanned pages: render (pypdfium2), clean up, and OCR with Tesseract (pytesseract), or with
the engine the job names (`engines.py`: Tesseract, RapidOCR, or per page the better of both).

Each page is one picklable `OcrJob`, run in-process or in a bounded pool of worker processes.
Word boxes come back in PDF points of the upright page, like text-layer words.
"""

from __future__ import annotations

import logging
import math
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import current_process, get_all_start_methods, get_context
from multiprocessing.context import BaseContext
from statistics import median
from typing import Literal

import numpy as np
import pypdfium2 as pdfium
import pytesseract
from PIL import Image, ImageOps

from billintake.domain.errors import OcrTimeout, TooLarge, UnreadableDocument
from billintake.queue.worker_process import WATCH_THREAD, exit_with_parent
from billintake.reading import preprocess, rapid
from billintake.reading.document import Word
from billintake.reading.engines import (
    OcrEngine,
    Reading,
    better_reading,
    needs_second_reading,
    rapid_suits,
    tesseract_suits,
)
from billintake.reading.images import load_frame
from billintake.reading.pdfium_lock import PDFIUM
from billintake.reading.rapid import RapidOcrEngine
from billintake.reading.wordfix import as_letters, as_number, is_noise_word, unglued

log = logging.getLogger(__name__)

# Tesseract's OpenMP threads spin while they wait: on a page they cost about three times the
# CPU of one thread (1.0 s against 2.9 s on a receipt) and are no faster on a busy machine.
# Pages run in parallel in worker processes instead. (An explicit setting is respected.)
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

POINTS_PER_INCH = 72.0
_MIN_RENDER_DPI = 50.0
_OSD_MAX_SIDE = 1400
_MIN_CONFIDENCE = 0.6  # mean word confidence of a page read the right way up
_MIN_CONFIDENT_WORDS = 5
# A second look at ink no word covers: grid cells of this many pixels with this much ink...
_CELL, _CELL_INK = 12, 8
_COVER_PAD = 3  # pixels around a word counted as its own
_COVER_MIN = 0.3  # a word read with less confidence does not count as reading its ink
_REGION_INK = 150  # ...a region needs this much ink in all, and the shape of a line...
_MAX_REGIONS = 6  # ...and only the inkiest few are read again
_BAND_ROW_SHARE = 0.2  # a row of cells with less of a region's peak row's ink splits it
_CROP_MARGIN = 10
_SECOND_LOOK_MIN = 0.6  # confidence a word read on a second look needs
_SAMPLE_PAD = 4  # pixels around a sampled line (`_sample_confidence`)
# Grey print: darker than the paper by this many grey levels, and this many times its grain
_FAINT_MIN_STEP, _FAINT_GRAIN = 30, 6.0
_FAINT_SHARE = 0.05  # grey pixels, as a share of the ink's, for a page to have grey print
_ASCENDERS = frozenset("bdfhkltij")  # dots of i and j reach about as high
_DESCENDERS = frozenset("gjpqy")
# One uniform block: row by row across the page. On generated scans of many bill layouts it
# found more words, more precisely and faster than auto (3), column (4) or sparse (11) modes,
# and it keeps lone digits (quantities) that sparse mode drops. `layout` orders the words.
TESSERACT_CONFIG = "--psm 6"


@dataclass(frozen=True)
class OcrJob:
    """One page to OCR: which page of the file, and how."""

    kind: Literal["pdf", "image"]
    index: int  # page index (PDF) or frame index (TIFF); 0-based
    languages: str  # Tesseract form, "eng+deu"
    dpi: int
    timeout_s: float
    max_pixels: int
    engine: str = "tesseract"  # tesseract | rapidocr | auto (`engines.py`)


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
    engine: str = "tesseract"  # the engine whose reading the words are


class TesseractEngine:
    """Tesseract on the cleaned-up page (`preprocess.clean_up`, then `recognise`)."""

    name = "tesseract"

    def read(self, image: Image.Image, *, scale: float, languages: str, deadline: float
             ) -> list[Word]:
        return recognise(preprocess.clean_up(image), scale=scale, languages=languages,
                         deadline=deadline)


TESSERACT = TesseractEngine()
RAPIDOCR = RapidOcrEngine()


def engine_named(name: str) -> OcrEngine:
    """The engine called `name` (tesseract, rapidocr); `auto` is no engine of its own."""
    engines: dict[str, OcrEngine] = {"tesseract": TESSERACT, "rapidocr": RAPIDOCR}
    try:
        return engines[name]
    except KeyError:
        raise ValueError(f"unknown OCR engine {name!r}; use tesseract, rapidocr or auto") from None


def ocr_jobs(data: bytes, jobs: list[OcrJob], *, workers: int) -> list[OcrPage]:
    """Run the jobs, in parallel when there are several, with at most `workers` processes.

    Where no worker process can be started (inside a daemonic process such as a Celery
    prefork worker), or the pool breaks, the pages are read here, one after the other.
    """
    if not jobs:
        return []
    workers = max(1, min(workers, len(jobs)))
    if workers == 1 or current_process().daemon:
        return [run_job(data, job) for job in jobs]
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=_start_method(),
                                 initializer=_init_worker, initargs=(data, os.getpid())
                                 ) as pool:
            futures = [pool.submit(_run_in_worker, job) for job in jobs]
            try:
                return [future.result() for future in futures]
            finally:
                for future in futures:
                    future.cancel()
    except (BrokenProcessPool, OSError) as exc:
        log.warning("OCR worker pool failed (%s); reading the pages in this process", exc)
        return [run_job(data, job) for job in jobs]


def _start_method() -> BaseContext:
    """`fork` while this process has a single thread (fast, nothing re-imported); else
    `forkserver`, as forking a process with threads (a web server) can deadlock the child."""
    others = [t for t in threading.enumerate() if t.name != WATCH_THREAD]
    if len(others) == 1 and "fork" in get_all_start_methods():
        return get_context("fork")
    return get_context("forkserver")


_WORKER_DATA: bytes = b""


def _init_worker(data: bytes, job_pid: int) -> None:
    """A page worker: exits with the job process that asked for it (its parent, or the one
    its fork server serves): no orphans after kill -9; its CPU priority is inherited."""
    global _WORKER_DATA
    exit_with_parent(job_pid)
    _WORKER_DATA = data


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
    engine = job.engine
    if engine == "auto" and not rapid_suits(job.languages):
        engine = "tesseract"  # RapidOCR does not know the letters of these languages
    if job.kind == "pdf":
        image, scale = render_pdf_page(data, job.index, dpi=job.dpi, max_pixels=job.max_pixels)
        dpi = scale * POINTS_PER_INCH
    else:
        image, dpi = load_frame(data, job.index, job.max_pixels)
        scale = dpi / POINTS_PER_INCH
    if engine == "auto":
        reading, image, scale, rotation, skew = _read_auto(image, scale, job, deadline)
    else:
        if job.kind == "image" and engine != "rapidocr":  # PP-OCR's detector scales itself
            image, dpi = preprocess.upscaled(image, dpi, job.dpi, job.max_pixels)
            scale = dpi / POINTS_PER_INCH
        reading, image, rotation, skew = _read_with(engine, image, scale, job, deadline)
    words = reading.words
    if reading.engine == "rapidocr":
        words = fitted_to_ink(words, image, scale)
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
        engine=reading.engine,
    )


def _read_with(engine: str, image: Image.Image, scale: float, job: OcrJob, deadline: float
               ) -> tuple[Reading, Image.Image, int, float]:
    """The page read upright by one engine: its reading, the upright image, the rotation
    and the skew."""
    def read(upright: Image.Image) -> Reading:
        return Reading(engine, engine_named(engine).read(
            upright, scale=scale, languages=job.languages, deadline=deadline))

    image, skew = preprocess.deskewed(image)
    rotation = 0
    reading: Reading | None = None
    if preprocess.lines_run_horizontally(image):
        reading = read(image)
        if not _confident(reading.words):
            rotation = detect_rotation(image, deadline)
    else:
        rotation = detect_rotation(image, deadline)
    if rotation:
        image, skew = preprocess.deskewed(image.rotate(-rotation, expand=True))
        reading = read(image)
    elif reading is None:  # OSD found the page upright after all
        reading = read(image)
    return reading, image, rotation, skew


def _read_auto(image: Image.Image, scale: float, job: OcrJob, deadline: float
               ) -> tuple[Reading, Image.Image, float, int, float]:
    """`auto` on a page in languages both engines read (`engines.py`): PP-OCR finds the
    lines; Tesseract reads a few of them (`_sample_confidence`). Where it is sure of those,
    Tesseract reads the page, and where it is then unsure of the page, PP-OCR reads it too
    and the better reading is kept; elsewhere PP-OCR alone reads the page.
    Returns the reading, the upright image it was read on, its scale, rotation and skew.

    Orientation: OSD where the ink does not run in horizontal lines (turned 90°); upside
    down by a vote of PP-OCR's direction model over the sampled lines."""
    image, skew = preprocess.deskewed(image)
    rotation = 0
    if not preprocess.lines_run_horizontally(image):
        rotation = detect_rotation(image, deadline)
        if rotation:
            image, skew = preprocess.deskewed(image.rotate(-rotation, expand=True))
    lines = rapid.detect(image, deadline)
    sample = rapid.probe_lines(len(lines.boxes))
    if not rotation and lines.upside_down(sample):
        rotation = 180
        image, skew = preprocess.deskewed(image.rotate(-rotation, expand=True))
        lines = rapid.detect(image, deadline)
        sample = rapid.probe_lines(len(lines.boxes))
    everything = range(len(lines.boxes))
    if lines.boxes and not tesseract_suits(
            _sampled_while_reading(image, lines, sample, job, deadline)):
        return (Reading("rapidocr", lines.words(lines.read(everything, deadline), scale)),
                image, scale, rotation, skew)
    tesseract_image, dpi = image, scale * POINTS_PER_INCH
    if job.kind == "image":
        tesseract_image, dpi = preprocess.upscaled(image, dpi, job.dpi, job.max_pixels)
    tesseract_scale = dpi / POINTS_PER_INCH
    reading = Reading("tesseract", TESSERACT.read(tesseract_image, scale=tesseract_scale,
                                                  languages=job.languages,
                                                  deadline=deadline))
    if needs_second_reading(reading, job.languages):
        rest = Reading("rapidocr", lines.words(lines.read(everything, deadline), scale))
        if better_reading(reading, rest, job.languages) is rest:
            return rest, image, scale, rotation, skew
    return reading, tesseract_image, tesseract_scale, rotation, skew


def _sampled_while_reading(image: Image.Image, lines: rapid.DetectedLines, sample: list[int],
                           job: OcrJob, deadline: float) -> float | None:
    """`_sample_confidence`, Tesseract reading the sample (a process of its own, waited for
    in a thread) while PP-OCR reads the page's lines here, top down, until the sample is in.
    On a receipt, most pages `auto` reads, PP-OCR then reads every line anyway, so where a
    second core is free the sample costs no time of its own (0.15–0.25 s of about 1.2 s a
    receipt, bench/speed.py); on clean print the lines read are kept for a second reading,
    else spent. Either way the same lines are read the same: the page's reading is as before.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ocr-sample") as pool:
        sampled = pool.submit(_sample_confidence, image, lines, sample, job, deadline)
        for index in range(len(lines.boxes)):
            if sampled.done():
                break
            lines.read([index], deadline)
        return sampled.result()


def _sample_confidence(image: Image.Image, lines: rapid.DetectedLines, sample: list[int],
                       job: OcrJob, deadline: float) -> float | None:
    """Tesseract's mean word confidence on a few of the page's lines (found by PP-OCR),
    stacked into one small image, enlarged as the page would be: a fast estimate of how
    sure Tesseract would be of the page (about a tenth of its time); None if it read none."""
    crops = []
    for index in sample:
        box = lines.on_page(lines.boxes[index])
        left, top = np.floor(box.min(axis=0)) - _SAMPLE_PAD
        right, bottom = np.ceil(box.max(axis=0)) + _SAMPLE_PAD
        crops.append(image.crop((max(int(left), 0), max(int(top), 0),
                                 min(int(right), image.width), min(int(bottom), image.height))))
    width = max(crop.width for crop in crops) + 2 * _CROP_MARGIN
    sheet = Image.new("L", (width, sum(crop.height + 2 * _CROP_MARGIN for crop in crops)), 255)
    y = 0
    for crop in crops:
        sheet.paste(crop, (_CROP_MARGIN, y + _CROP_MARGIN))
        y += crop.height + 2 * _CROP_MARGIN
    if job.kind == "image":
        sheet, _ = preprocess.upscaled(sheet, 72.0, job.dpi, job.max_pixels)
    data = _tesseract(sheet, job.languages, deadline)
    confidences = [float(conf) / 100.0 for level, text, conf in zip(
        data["level"], data["text"], data["conf"], strict=True)
        if level == 5 and (text or "").strip() and float(conf) >= 0
        and not is_noise_word(text.strip(), float(conf))]
    return sum(confidences) / len(confidences) if confidences else None


def fitted_to_ink(words: list[Word], image: Image.Image, scale: float) -> list[Word]:
    """Words boxed by whole lines of text (RapidOCR's boxes, padded around the line) as
    Tesseract's words are: each box trimmed to its own band of ink, and the font size the
    ink of its line implies."""
    ink = _ink(image)
    trimmed = []
    for word in words:
        left = round(word.x0 * scale)
        top, bottom = _ink_band(ink, left, max(1, round(word.x1 * scale) - left),
                                round(word.top * scale), round(word.bottom * scale), None)
        trimmed.append(word.model_copy(update={"top": round(top / scale, 2),
                                               "bottom": round(bottom / scale, 2)}))
    lines: dict[tuple[float, float], list[float]] = {}
    for word, fitted in zip(words, trimmed, strict=True):
        if size := _font_size(fitted, 1 / scale):
            lines.setdefault((word.top, word.bottom), []).append(size)
    return [fitted.model_copy(update={"font_size": round(median(lines[key]), 1)})
            if (key := (word.top, word.bottom)) in lines else fitted
            for word, fitted in zip(words, trimmed, strict=True)]


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
    with PDFIUM:
        return _render_pdf_page(data, index, dpi=dpi, max_pixels=max_pixels)


def _render_pdf_page(data: bytes, index: int, *, dpi: int, max_pixels: int
                     ) -> tuple[Image.Image, float]:
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
    small = preprocess.downscaled(image, _OSD_MAX_SIDE)
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


def recognise(image: Image.Image, *, scale: float, languages: str, deadline: float
              ) -> list[Word]:
    """Tesseract's words with boxes converted from pixels to points, and confidences.

    Tesseract reads the page as one block of text; print much smaller than its neighbours
    on the same line (an address beside a large name) can be skipped. Ink that no word
    covers is read again on its own, and what is read confidently is added.
    """
    ink = _ink(image)
    first = _tesseract(image, languages, deadline)
    found = _words(first, ink, scale, 0, 0, "page")
    regions = [(box, ink, False) for box in _unread_regions(ink, found, scale)]
    faint = _faint_ink(image)
    if faint is not None:
        # Light grey print (labels above their values, a footer) falls under Tesseract's
        # threshold; where it stands unread, it is read again with its contrast stretched.
        regions += [(box, faint, True) for box in _unread_regions(faint, found, scale)
                    if not any(_boxes_meet(box, other) for other, _, _ in regions)]
    if regions:
        extra = _second_look(image, regions, scale, languages, deadline)
        for number in range(len(regions)):
            found = _merged(found, [(word, line) for word, line in extra
                                    if line[0] == number and _trustworthy(word)])
    words = [word for word, _ in found]
    lines: dict[object, list[int]] = {}
    for index, (_, line) in enumerate(found):
        lines.setdefault(line, []).append(index)
    for members in lines.values():
        for phrase in _phrases([words[i] for i in members], members):
            estimates = sorted(size for i in phrase
                               if (size := _font_size(words[i], 1 / scale)))
            if estimates:
                size = round(median(estimates), 1)
                for i in phrase:
                    words[i] = words[i].model_copy(update={"font_size": size})
    return words


def _second_look(image: Image.Image,
                 regions: list[tuple[tuple[int, int, int, int], np.ndarray, bool]],
                 scale: float, languages: str, deadline: float) -> list[tuple[Word, tuple]]:
    """The regions read again, stacked into one image (one Tesseract run, not one each);
    grey print (its mask not the ink's) with its contrast stretched. Each word comes back
    in page coordinates with a line key starting with its region's number."""
    crops = []
    for box, _, grey in regions:
        crop = image.crop(box)
        crops.append(ImageOps.autocontrast(crop, cutoff=0.5) if grey else crop)
    width = max(crop.width for crop in crops) + 2 * _CROP_MARGIN
    height = sum(crop.height + 2 * _CROP_MARGIN for crop in crops)
    sheet = Image.new("L", (width, height), 255)
    tops = []
    y = 0
    for crop in crops:
        sheet.paste(crop, (_CROP_MARGIN, y + _CROP_MARGIN))
        tops.append(y)
        y += crop.height + 2 * _CROP_MARGIN
    data = _tesseract(sheet, languages, deadline)
    out: list[tuple[Word, tuple]] = []
    for number, ((box, mask, _), top, crop) in enumerate(zip(regions, tops, crops,
                                                              strict=True)):
        keep = [i for i in range(len(data["text"]))
                if top <= data["top"][i] + data["height"][i] / 2 < top + crop.height
                + 2 * _CROP_MARGIN]
        part = {key: [values[i] for i in keep] for key, values in data.items()}
        for word, line in _words(part, mask, scale, box[0] - _CROP_MARGIN,
                                 box[1] - top - _CROP_MARGIN, number):
            out.append((word, (number, line)))
    return out


def _boxes_meet(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _merged(found: list[tuple[Word, object]], extra: list[tuple[Word, object]]
            ) -> list[tuple[Word, object]]:
    """`found` with the `extra` words added; where they overlap, the more confident stays."""
    for word, line in extra:
        overlapped = [i for i, (other, _) in enumerate(found) if _overlap(word, other) > 0.3]
        if all(word.confidence > found[i][0].confidence for i in overlapped):
            found = [pair for i, pair in enumerate(found) if i not in overlapped]
            found.append((word, line))
    return found


def _overlap(a: Word, b: Word) -> float:
    """Area shared by two boxes, as a share of the smaller one."""
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.bottom, b.bottom) - max(a.top, b.top)
    if width <= 0 or height <= 0:
        return 0.0
    smaller = min((a.x1 - a.x0) * a.height, (b.x1 - b.x0) * b.height) or 1.0
    return width * height / smaller


def _tesseract(image: Image.Image, languages: str, deadline: float) -> dict[str, list]:
    try:
        with _as_file(image) as path:
            return pytesseract.image_to_data(path, lang=languages, config=TESSERACT_CONFIG,
                                             output_type=pytesseract.Output.DICT,
                                             timeout=_remaining(deadline))
    except RuntimeError as exc:
        raise _timeout(exc) from exc
    except pytesseract.TesseractError as exc:
        raise UnreadableDocument(f"OCR failed: {exc.message}") from exc


def _words(data: dict[str, list], ink: np.ndarray, scale: float, dx: int, dy: int,
           call: object) -> list[tuple[Word, object]]:
    """Tesseract's words (from an image whose origin is at dx, dy of the page) in points,
    boxes trimmed to their ink, each with the key of its Tesseract line."""
    kept = [i for i, text in enumerate(data["text"])
            if data["level"][i] == 5 and (text or "").strip() and float(data["conf"][i]) >= 0
            and not is_noise_word(text.strip(), float(data["conf"][i]))]
    line_of = {i: (call, data["block_num"][i], data["par_num"][i], data["line_num"][i])
               for i in kept}
    centres: dict[object, list[float]] = {}
    for i in kept:
        centres.setdefault(line_of[i], []).append(dy + data["top"][i] + data["height"][i] / 2)
    found: list[tuple[Word, object]] = []
    for i in kept:
        left, top = dx + data["left"][i], dy + data["top"][i]
        width, line_centres = data["width"][i], centres[line_of[i]]
        top, bottom = _ink_band(ink, left, width, top, top + data["height"][i],
                                median(line_centres) if len(line_centres) > 1 else None)
        text = data["text"][i].strip()
        pieces = [as_letters(as_number(piece)) for piece in unglued(text)]
        offset = 0
        for piece in pieces:  # each piece its share of the box, by its characters
            x0 = left + width * offset / len(text)
            offset += len(piece)
            x1 = left + width * offset / len(text)
            found.append((Word(
                text=piece,
                x0=round(x0 / scale, 2),
                top=round(top / scale, 2),
                x1=round(x1 / scale, 2),
                bottom=round(bottom / scale, 2),
                source="ocr",
                confidence=round(min(max(float(data["conf"][i]) / 100.0, 0.0), 1.0), 3),
            ), line_of[i]))
    return found


def _unread_regions(ink: np.ndarray, found: list[tuple[Word, object]], scale: float
                    ) -> list[tuple[int, int, int, int]]:
    """Boxes (pixels) around lines of ink that no word covers, inkiest first, a few."""
    if not found:
        return []
    covered = np.zeros_like(ink)
    pad = _COVER_PAD
    for word, _ in found:
        if word.confidence < _COVER_MIN:
            continue  # a line misread as gibberish (lines of two columns merged): read again
        covered[max(round(word.top * scale) - pad, 0):round(word.bottom * scale) + pad,
                max(round(word.x0 * scale) - pad, 0):round(word.x1 * scale) + pad] = True
    heights = [word.height * scale for word, _ in found]
    residual = ink & ~covered
    cell = _CELL
    rows, columns = residual.shape[0] // cell, residual.shape[1] // cell
    if not rows or not columns:
        return []
    counts = residual[:rows * cell, :columns * cell].reshape(rows, cell, columns, cell).sum(
        axis=(1, 3))
    tallest_line = 3 * median(heights)
    regions = []
    groups = _components(counts >= _CELL_INK)
    for cells in (band for group in groups for band in (
            _line_bands(group, counts) if _rows(group) * cell > tallest_line else [group])):
        ys, xs = zip(*cells, strict=True)
        amount = int(sum(counts[y, x] for y, x in cells))
        height, width = (max(ys) - min(ys) + 1) * cell, (max(xs) - min(xs) + 1) * cell
        if amount < _REGION_INK or height > tallest_line or width < height:
            continue  # specks, pictures and rules are no lines of text
        regions.append((amount, (max(min(xs) - 1, 0) * cell, max(min(ys) - 1, 0) * cell,
                                 min(max(xs) + 2, columns) * cell,
                                 min(max(ys) + 2, rows) * cell)))
    regions.sort(reverse=True)
    return [box for _, box in regions[:_MAX_REGIONS]]


def _rows(cells: list[tuple[int, int]]) -> int:
    return max(y for y, _ in cells) - min(y for y, _ in cells) + 1


def _line_bands(cells: list[tuple[int, int]], counts: np.ndarray) -> list[list[tuple[int, int]]]:
    """A group of cells cut into bands of rows at rows with little ink: lines of text that a
    thin stroke (a grainy rule, a box's side) joined into one group."""
    per_row: dict[int, int] = {}
    for y, x in cells:
        per_row[y] = per_row.get(y, 0) + int(counts[y, x])
    peak = max(per_row.values())
    bands: list[list[int]] = [[]]
    for y in range(min(per_row), max(per_row) + 1):
        if per_row.get(y, 0) >= _BAND_ROW_SHARE * peak:
            bands[-1].append(y)
        elif bands[-1]:
            bands.append([])
    return [[(y, x) for y, x in cells if band[0] <= y <= band[-1]] for band in bands if band]


def _trustworthy(word: Word) -> bool:
    """A word from a second look: confident, and not a stray fragment."""
    text = word.text
    return (word.confidence >= _SECOND_LOOK_MIN and any(c.isalnum() for c in text)
            and (len(text) >= 3 or any(c.isdigit() for c in text)
                 or (len(text) == 2 and text.isalpha() and text.isupper())))  # MA, UK


def _components(active: np.ndarray) -> list[list[tuple[int, int]]]:
    """Groups of active grid cells touching each other (also diagonally, or one cell apart
    along a row, as the letters of a line are)."""
    seen = np.zeros_like(active)
    groups = []
    for start in zip(*np.nonzero(active), strict=True):
        if seen[start]:
            continue
        seen[start] = True
        stack, group = [start], []
        while stack:
            y, x = stack.pop()
            group.append((int(y), int(x)))
            for dy in (-1, 0, 1):
                for dx in (-2, -1, 0, 1, 2):
                    ny, nx = y + dy, x + dx
                    if (0 <= ny < active.shape[0] and 0 <= nx < active.shape[1]
                            and active[ny, nx] and not seen[ny, nx]):
                        seen[ny, nx] = True
                        stack.append((ny, nx))
        groups.append(group)
    return groups


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


def _faint_ink(image: Image.Image) -> np.ndarray | None:
    """Pixels clearly darker than the paper, though lighter than Tesseract's threshold
    (with the ink itself); None when the page has no such grey."""
    pixels = np.asarray(image, dtype=np.uint8)
    threshold = preprocess.otsu(pixels)
    histogram = np.bincount(pixels.ravel(), minlength=256)
    light = histogram[threshold:]
    if not light.any():
        return None
    paper = threshold + int(np.searchsorted(np.cumsum(light), light.sum() / 2))
    deviation = np.abs(np.arange(threshold, 256) - paper)
    order = np.argsort(deviation, kind="stable")
    spread = float(deviation[order][np.searchsorted(np.cumsum(light[order]),
                                                     light.sum() / 2)])  # the paper's grain
    limit = round(paper - max(_FAINT_MIN_STEP, _FAINT_GRAIN * spread))
    if limit <= threshold or histogram[threshold:limit].sum() < _FAINT_SHARE * histogram[
            :threshold].sum():
        return None  # hardly any grey between ink and paper: no grey print
    faint = pixels < limit
    return faint


def _ink(image: Image.Image) -> np.ndarray:
    pixels = np.asarray(image, dtype=np.uint8)
    return pixels < preprocess.otsu(pixels)


def _ink_band(ink: np.ndarray, left: int, width: int, top: int, bottom: int,
              line_centre: float | None) -> tuple[int, int]:
    """The word box's rows trimmed to its own band of ink (with i-dots and accents).

    Tesseract's boxes sometimes reach into the strokes of a neighbouring row; those are cut
    off where a blank gap wider than a sixth of the band separates them. The word's band is
    the one nearest the middle of its line (by its neighbours), else the one with most ink.
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
    if line_centre is not None:
        centre = line_centre - top
        main = min(runs, key=lambda run: max(run[0] - centre, centre - run[1], 0.0))
    else:
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


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise OcrTimeout("OCR of a page took longer than the per-page time limit.")
    return remaining


def _timeout(exc: RuntimeError) -> OcrTimeout | RuntimeError:
    if "timeout" in str(exc).lower():
        return OcrTimeout("OCR of a page took longer than the per-page time limit.")
    return exc


