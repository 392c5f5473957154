"""A read document: pages of positioned words, whatever the file was.

Coordinates are PDF points (1/72 inch) with the origin at the page's top-left corner, the
same for text-layer words and OCR words, so later stages never care where a word came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

WordSource = Literal["text", "ocr"]
BBox = tuple[float, float, float, float]


class Word(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    source: WordSource = "text"
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    font_size: float | None = None
    bold: bool = False

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (self.x0, self.top, self.x1, self.bottom)

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def x_center(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def y_center(self) -> float:
        return (self.top + self.bottom) / 2


def words_box(words: Iterable[Word]) -> BBox:
    """The box around some words: (x0, top, x1, bottom)."""
    words = list(words)
    return (min(w.x0 for w in words), min(w.top for w in words),
            max(w.x1 for w in words), max(w.bottom for w in words))


def rounded_box(box: BBox) -> BBox:
    """A box with its edges to a hundredth of a point, as evidence keeps it."""
    return (round(box[0], 2), round(box[1], 2), round(box[2], 2), round(box[3], 2))


class Worded:
    """The text and box of something made of words, left to right (a line, a phrase)."""

    if TYPE_CHECKING:
        @property
        def words(self) -> Sequence[Word]: ...

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def bbox(self) -> BBox:
        return words_box(self.words)


class Line(Worded, BaseModel):
    """Words on one visual line, left to right, within one column/block."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    words: list[Word]

    def cells(self, min_gap: float | None = None) -> list[list[Word]]:
        """The words split where the horizontal gap is wide: table cells, label and value.

        `min_gap` in points; by default the line's median word height (about one em).
        """
        if not self.words:
            return []
        if min_gap is None:
            heights = sorted(w.height for w in self.words)
            min_gap = max(heights[len(heights) // 2], 1.0)
        cells = [[self.words[0]]]
        for previous, word in zip(self.words, self.words[1:], strict=False):
            if word.x0 - previous.x1 >= min_gap:
                cells.append([word])
            else:
                cells[-1].append(word)
        return cells


class Page(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: int  # 1-based
    width: float  # points
    height: float  # points
    words: list[Word] = Field(default_factory=list)
    lines: list[Line] = Field(default_factory=list)  # reading order
    source: WordSource = "text"
    rotation: int = 0  # degrees the scan was turned to read it upright
    ocr_confidence: float | None = None  # mean word confidence when OCR'd
    ocr_engine: str | None = None  # the OCR engine whose reading the words are

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class ReadDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    media_type: str
    pages: list[Page] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=lambda: ["eng"])
    warnings: list[str] = Field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\f".join(page.text for page in self.pages)

    @property
    def words(self) -> list[tuple[int, Word]]:
        return [(page.number, w) for page in self.pages for w in page.words]
