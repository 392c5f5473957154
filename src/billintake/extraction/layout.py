"""Rows and segments of a read page: the geometry that label → value pairing works on.

A row is the words sharing one baseline band; a segment is a run of words in a row with no wide
gap, i.e. one phrase or one table cell. Built here from the words themselves, so extraction does
not depend on how the reader ordered its lines.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import statistics
from dataclasses import dataclass, field

from billintake.reading.document import BBox, Page, ReadDocument, Word, Worded, words_box


@dataclass
class WordRun(Worded):
    """Words that stand together on one row (a phrase, a table row), set once: their text,
    print, and box (its edges worked out when the run is made)."""

    x0: float = field(init=False, repr=False, compare=False)
    top: float = field(init=False, repr=False, compare=False)
    x1: float = field(init=False, repr=False, compare=False)
    bottom: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.x0, self.top, self.x1, self.bottom = words_box(self.words)

    @property
    def bbox(self) -> BBox:
        return (self.x0, self.top, self.x1, self.bottom)

    @property
    def bold(self) -> bool:
        return all(w.bold for w in self.words)


@dataclass
class Segment(WordRun):
    """Words close together on one row of one page."""

    page: int
    words: list[Word]
    row: int  # index of the row on its page, top to bottom
    index: int = 0  # position in the row, left to right

    @functools.cached_property
    def height(self) -> float:
        return max(1.0, statistics.median(w.height for w in self.words))

    @property
    def font_size(self) -> float:
        sizes = [w.font_size for w in self.words if w.font_size]
        return max(sizes) if sizes else self.height

    @property
    def source(self) -> str:
        return "ocr" if any(w.source == "ocr" for w in self.words) else "text"


@dataclass
class PageLayout:
    page: Page
    rows: list[list[Segment]] = field(default_factory=list)

    @property
    def segments(self) -> list[Segment]:
        return [seg for row in self.rows for seg in row]


@dataclass
class Layout:
    """All pages of a document as rows of segments."""

    pages: list[PageLayout]

    @classmethod
    def of(cls, doc: ReadDocument) -> Layout:
        return cls([_page_layout(page) for page in doc.pages])

    @property
    def segments(self) -> list[Segment]:
        return [seg for page in self.pages for seg in page.segments]

    def page(self, number: int) -> PageLayout:
        return self.pages[number - 1]

    def right_of(self, seg: Segment, x: float | None = None) -> Segment | None:
        """The nearest segment to the right on the same row (starting after x if given)."""
        row = self.page(seg.page).rows[seg.row]
        start = seg.x1 if x is None else x
        following = [s for s in row if s.x0 >= start - 1 and s is not seg]
        return min(following, key=lambda s: s.x0) if following else None

    def rows_below(self, seg: Segment, max_rows: int = 3) -> list[list[Segment]]:
        rows = self.page(seg.page).rows
        return rows[seg.row + 1: seg.row + 1 + max_rows]


SQUASHED = 0.5  # an OCR box less tall than this share of the typical word's height
NEAR_ROW = 0.75  # how far (in typical heights) from a row's middle a squashed box joins it
_MIN_SLOPE = 0.008  # about half a degree: flatter text is left as read
_MAX_SLOPE = 0.12  # about 7 degrees: steeper pairs are not words of one line
# A word starting within COLUMN_EDGE points of a run's start on the row above or below starts a
# column of its own when the gap before it is wider than COLUMN_GAP of its height (a word space
# is about a quarter of it; spaced-out or justified print stretches it to about 0.6).
COLUMN_EDGE = 1.0
COLUMN_GAP = 0.7


def text_slope(words: list[Word]) -> float:
    """How much the lines of a photographed or skewed scan climb or fall (dy/dx), measured
    between neighbouring words of one line; 0.0 when the page is straight or too sparse."""
    slopes: list[float] = []
    ordered = sorted(words, key=lambda w: w.x0)
    for i, word in enumerate(ordered):
        height = max(word.height, 1.0)
        for other in ordered[i + 1:]:
            if other.x0 - word.x1 > 2.5 * height:
                break
            if other.x0 < word.x1 - 0.2 * height or abs(other.height - height) > 0.4 * height:
                continue
            overlap = min(word.bottom, other.bottom) - max(word.top, other.top)
            dx = other.x_center - word.x_center
            if overlap > 0.35 * height and dx > 0:
                slope = (other.y_center - word.y_center) / dx
                if abs(slope) < _MAX_SLOPE:
                    slopes.append(slope)
                break
    if len(slopes) < 8:
        return 0.0
    middle = statistics.median(slopes)
    # Short word pairs measure a slope with much noise (a descender moves a word's centre);
    # a slope within two standard errors of level is noise, not skew.
    spread = 1.4826 * statistics.median(abs(s - middle) for s in slopes)
    if abs(middle) < 2 * 1.2533 * spread / math.sqrt(len(slopes)):
        return 0.0
    return middle


def _levelled(words: list[Word], page: Page) -> list[Word]:
    """Words turned about the page's centre so that lines run level (a skew the reader left);
    boxes keep their size, so evidence stays within a few points of where it was printed."""
    slope = text_slope(words)
    if abs(slope) < _MIN_SLOPE:
        return words
    angle = math.atan(slope)
    cos, sin = math.cos(angle), math.sin(angle)
    cx, cy = page.width / 2, page.height / 2
    out = []
    for w in words:
        dx, dy = w.x_center - cx, w.y_center - cy
        x = cx + dx * cos + dy * sin
        y = cy - dx * sin + dy * cos
        half_w, half_h = (w.x1 - w.x0) / 2, (w.bottom - w.top) / 2
        out.append(w.model_copy(update={"x0": x - half_w, "x1": x + half_w,
                                        "top": y - half_h, "bottom": y + half_h}))
    return out


# A word glued to the date after it, as some text layers print a label and its value
# ("Due date16.09.2026", "Datum:01.02.2025"): letters, then a whole numeric date.
_GLUED_DATE_RE = re.compile(r"^([^\W\d_]{3,}[.:]?)(\d{1,2}[./-]\d{1,2}[./-]\d{2,4})$")


def _unglued(words: list[Word]) -> list[Word]:
    """The words with a label glued to its date split in two (each with its share of the
    box, by characters), so the label is read as one and the date as the other."""
    out: list[Word] = []
    for w in words:
        match = _GLUED_DATE_RE.match(w.text)
        if match is None:
            out.append(w)
            continue
        cut = w.x0 + (w.x1 - w.x0) * len(match.group(1)) / len(w.text)
        out.append(w.model_copy(update={"text": match.group(1), "x1": cut}))
        out.append(w.model_copy(update={"text": match.group(2), "x0": cut}))
    return out


def _page_layout(page: Page) -> PageLayout:
    words = _unglued([w for w in page.words if w.text.strip()])
    ocr = page.source == "ocr" or any(w.source == "ocr" for w in words[:5])
    if ocr:
        words = _levelled(words, page)
    words.sort(key=lambda w: (w.top, w.x0))
    # (a text layer's small print is small, not squashed: only OCR squashes boxes)
    typical = statistics.median(w.height for w in words) if words and ocr else 0.0
    bands: list[list[Word]] = []
    for word in words:
        placed = False
        if word.height < SQUASHED * typical and bands:
            # a box OCR squashed to a sliver of its line ("(M" at the foot of "Anzel
            # Advertising (M) Sdn Bhd") goes with the row whose middle is nearest
            band = min(bands[-3:], key=lambda b: abs(_middle(b) - word.y_center))
            if abs(_middle(band) - word.y_center) <= NEAR_ROW * typical:
                band.append(word)
                continue
        for band in reversed(bands[-3:]):
            top = statistics.median(w.top for w in band)
            bottom = statistics.median(w.bottom for w in band)
            overlap = min(bottom, word.bottom) - max(top, word.top)
            if overlap >= 0.5 * min(bottom - top, word.height):
                band.append(word)
                placed = True
                break
        if not placed:
            bands.append([word])
    for band in bands:
        band.sort(key=lambda w: w.x0)
    runs = [_runs(band, typical) for band in bands]
    if not ocr:  # (OCR's boxes stray too far for an edge to line up exactly)
        runs = [_split_at_columns(band_runs, [r[0].x0 for near in runs[max(0, i - 1):i + 2]
                                              if near is not band_runs for r in near])
                for i, band_runs in enumerate(runs)]
    layout = PageLayout(page)
    for band_runs in runs:
        row_index = len(layout.rows)
        layout.rows.append([Segment(page.number, run, row_index, index)
                            for index, run in enumerate(band_runs)])
    return layout


def _runs(band: list[Word], typical: float) -> list[list[Word]]:
    """A row's words (left to right) cut into runs at the gaps wider than a word space."""
    runs: list[list[Word]] = [[band[0]]]
    for prev, word in itertools.pairwise(band):
        if word.x0 - prev.x1 > _gap_limit(prev, word, typical):
            runs.append([word])
        else:
            runs[-1].append(word)
    return runs


def _split_at_columns(runs: list[list[Word]], starts: list[float]) -> list[list[Word]]:
    """Runs cut where a word starts at a column's left edge, as a run starts on the row above
    or below, after a gap wider than a word space in that print (tight columns: "Yardley
    Clinic" of the bill-to block and "Yardley Clinic" of the ship-to block a few points
    apart, both under their headings). Only a word, and not a label's value: figures are set
    flush right, so their left edges line up by chance ("3 396,96" over "-15,00")."""
    out: list[list[Word]] = []
    for run in runs:
        current = [run[0]]
        for prev, word in itertools.pairwise(run):
            aligned = (word.text[0].isalpha() and not prev.text.endswith(":")
                       and any(abs(word.x0 - x) <= COLUMN_EDGE for x in starts))
            if aligned and word.x0 - prev.x1 > COLUMN_GAP * min(prev.height, word.height):
                out.append(current)
                current = [word]
            else:
                current.append(word)
        out.append(current)
    return out


def _middle(band: list[Word]) -> float:
    return (statistics.median(w.top for w in band) +
            statistics.median(w.bottom for w in band)) / 2


def _gap_limit(prev: Word, word: Word, typical: float = 0.0) -> float:
    # (a box OCR squashed to a sliver of its line tells nothing of the print's size)
    heights = [w.height for w in (prev, word) if w.height >= SQUASHED * typical]
    height = min(heights or [typical]) or 8.0
    # A word space is about one character wide: in a monospaced or spaced-out print that is
    # wider than the glyphs are tall (a till slip's "Sales tax 7%").
    char_width = max((w.x1 - w.x0) / len(w.text) for w in (prev, word))
    limit = max(4.0, 0.9 * height, min(1.7 * char_width, 1.4 * height))
    # A label's colon ends a phrase: "Date: 12/03/2026" may stay joined, but only when close.
    if prev.text.endswith(":"):
        limit = max(4.0, 0.7 * height)
    return limit

