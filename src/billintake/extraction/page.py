"""The page model: one document's words, lines, blocks, label hits and value spans, built once.

Every field finder reads this; no stage rebuilds rows or re-finds labels. Built from the read
pages alone, so a text-layer page (font size and weight from the PDF) and an OCR'd page (word
confidences, no font) give the same structure.

- lines: the layout's segments (a run of words on one row with no wide gap);
- blocks: lines grouped by proximity (a vendor's address, a totals box);
- label hits: the label lexicon's matches (`header.find_label_hits`) with the field they name;
- value spans: every amount (negative ones too), date (an ambiguous numeric date in both
  readings when the document does not settle the day-month order), identifier, IBAN and
  currency code, with its box and line; besides the one-word identifiers, the words a number
  label and a date phrase enclose ("Rechnung Nr. 210111 mit LV vom 30.05.2026": a number of
  several words).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from rapidfuzz.distance import Levenshtein

from billintake.domain.currency import ISO_4217
from billintake.reading.document import BBox, ReadDocument, Word, rounded_box, words_box

from .layout import Layout, Segment
from .parsing import (
    DecimalMark,
    detect_currency,
    detect_language,
    find_amounts,
    find_dates,
    find_ibans,
    infer_dayfirst,
    infer_decimal_mark,
    number_before_date,
)
from .vocabulary.lookalikes import IN_NUMBERS

SpanKind = Literal["amount", "date", "identifier", "iban", "currency"]


@dataclass(frozen=True)
class ValueSpan:
    """A value printed on the page: what kind, its parsed value, where, and on which line."""

    kind: SpanKind
    value: Any
    text: str
    page: int
    bbox: BBox
    line: int  # index into PageModel.lines
    words: tuple[Word, ...] = field(repr=False)

    @property
    def source(self) -> str:
        return "ocr" if any(w.source == "ocr" for w in self.words) else "text"


@dataclass(frozen=True)
class LabelMark:
    """A label of any kind (a field's, the buyer's, the vendor's, a payment word), where it is."""

    kind: str  # the field or role it names: "total", "buyer", "vendor", "change" ...
    strength: float
    page: int
    line: int  # index into PageModel.lines
    bbox: BBox
    at_start: bool  # first words of its line


@dataclass
class Block:
    """Lines standing together: consecutive rows close below each other, overlapping columns."""

    page: int
    lines: list[int]
    bbox: BBox


@dataclass
class PageModel:
    """One document's page model (see the module docstring)."""

    doc: ReadDocument
    layout: Layout
    lines: list[Segment]
    blocks: list[Block]
    spans: list[ValueSpan]
    label_hits: list[Any]  # header.LabelHit (imported lazily: header reads this module)
    customer_boxes: list[tuple[int, BBox]]
    table_rows: set[tuple[int, int]]
    decimal_mark: DecimalMark | None
    dayfirst: bool | None
    language: str | None
    currency_guess: str | None
    marks: list[LabelMark] = field(default_factory=list)
    block_of: dict[int, int] = field(default_factory=dict)  # line index → block index
    font_rank: dict[int, float] = field(default_factory=dict)  # line index → 0 (largest) .. 1
    # what finders work out from the page once and read again (by a key of their own)
    derived: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, doc: ReadDocument, dayfirst: bool | None = None) -> PageModel:
        """The page model of `doc`; `dayfirst`, the date order when known from elsewhere
        (a vendor's memory), else inferred from the page."""
        from .header import customer_blocks, find_label_hits, item_table_rows

        layout = Layout.of(doc)
        text = doc.text
        mark = infer_decimal_mark([text])
        language = detect_language(text)
        currency_guess, _ = detect_currency(text)
        if dayfirst is None:
            dayfirst = infer_dayfirst(text, currency=currency_guess, language=language)
        lines = layout.segments
        hits = find_label_hits(layout)
        model = cls(doc=doc, layout=layout, lines=lines, blocks=[], spans=[],
                    label_hits=hits, customer_boxes=customer_blocks(layout),
                    table_rows=item_table_rows(layout, hits), decimal_mark=mark,
                    dayfirst=dayfirst, language=language, currency_guess=currency_guess)
        model.blocks, model.block_of = _blocks(lines)
        model.font_rank = _font_ranks(lines)
        model.spans = list(_spans(lines, mark, dayfirst))
        model.marks = _marks(layout, lines)
        model.spans.extend(_numbers_before_dates(lines, model.marks, dayfirst))
        return model

    # --- queries ------------------------------------------------------------------------------

    def page_size(self, page: int) -> tuple[float, float]:
        p = self.layout.page(page).page
        return (p.width or 595.0, p.height or 842.0)

    def spans_of(self, kind: SpanKind) -> list[ValueSpan]:
        return [s for s in self.spans if s.kind == kind]

    def line_index(self, seg: Segment) -> int:
        for i, line in enumerate(self.lines):
            if line is seg:
                return i
        raise ValueError("segment not in this page model")

    def in_customer_block(self, page: int, bbox: BBox) -> bool:
        x_mid, y_mid = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
        return any(p == page and box[0] <= x_mid <= box[2] and box[1] <= y_mid <= box[3]
                   for p, box in self.customer_boxes)

    def word_confidence(self, words: tuple[Word, ...] | list[Word]) -> float:
        return min((w.confidence for w in words), default=1.0)


def _marks(layout: Layout, lines: list[Segment]) -> list[LabelMark]:
    from . import nlp
    from .model import load

    index = {id(line): i for i, line in enumerate(lines)}
    marks: list[LabelMark] = []
    for matches in nlp.layout_labels(layout, load()).values():
        for match in matches:
            i = index.get(id(match.segment))
            if i is None:
                continue
            box = words_box(match.segment.words[match.start:match.end])
            for label in match.labels:
                marks.append(LabelMark(kind=label.field, strength=label.strength,
                                       page=match.segment.page, line=i, bbox=box,
                                       at_start=match.start == 0))
    return marks


def _blocks(lines: list[Segment]) -> tuple[list[Block], dict[int, int]]:
    """Union lines that sit one under the other (gap under 1.2 line heights) and overlap in x."""
    parent = list(range(len(lines)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_page: dict[int, list[int]] = {}
    for i, line in enumerate(lines):
        by_page.setdefault(line.page, []).append(i)
    for indices in by_page.values():
        for a in indices:
            la = lines[a]
            for b in indices:
                lb = lines[b]
                if lb.row != la.row + 1:
                    continue
                gap = lb.top - la.bottom
                if gap > 1.2 * max(la.height, lb.height):
                    continue
                if min(la.x1, lb.x1) - max(la.x0, lb.x0) <= 0:
                    continue
                parent[find(b)] = find(a)
    groups: dict[int, list[int]] = {}
    for i in range(len(lines)):
        groups.setdefault(find(i), []).append(i)
    blocks: list[Block] = []
    block_of: dict[int, int] = {}
    for members in sorted(groups.values(), key=lambda m: (lines[m[0]].page, min(m))):
        for i in members:
            block_of[i] = len(blocks)
        box = words_box(w for i in members for w in lines[i].words)
        blocks.append(Block(page=lines[members[0]].page, lines=sorted(members), bbox=box))
    return blocks, block_of


def _font_ranks(lines: list[Segment]) -> dict[int, float]:
    """Each line's print size as a rank on its page: 0.0 the largest, 1.0 the smallest."""
    ranks: dict[int, float] = {}
    by_page: dict[int, list[int]] = {}
    for i, line in enumerate(lines):
        by_page.setdefault(line.page, []).append(i)
    for indices in by_page.values():
        sizes = sorted({round(lines[i].font_size, 1) for i in indices}, reverse=True)
        for i in indices:
            pos = sizes.index(round(lines[i].font_size, 1))
            ranks[i] = pos / max(1, len(sizes) - 1)
    return ranks


# An amount counts as money where it shows cents or a currency sign; an identifier is a token of
# letters, digits and separators; a currency code is three capitals.
_MONEY_RE = re.compile(r"[.,]\d{2}\b|[€$£¥₹]|Rs")
_IDENT_TOKEN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.\-]{1,39}")
_CODE_RE = re.compile(r"\b[A-Z]{3}\b")


def _spans(lines: list[Segment], mark: DecimalMark | None, dayfirst: bool | None
           ) -> Iterator[ValueSpan]:
    markers = _currency_markers(lines)
    for i, line in enumerate(lines):
        text = line.text
        dates = find_dates(text, dayfirst)
        if dayfirst is None:  # the order is open: an ambiguous date in both readings
            dates = list(dict.fromkeys([*dates, *find_dates(text, True),
                                        *find_dates(text, False)]))
        date_texts = {raw for _, raw in dates}
        for value, raw in dates:
            yield _span("date", value, raw, line, i)
        for amount, raw in find_amounts(text, mark):
            # negative amounts stay (a credit line, a returned item): the arithmetic that
            # makes a total of them must see them; finders propose only positive ones
            if not _MONEY_RE.search(raw) or raw in date_texts or \
                    any(raw in d for d in date_texts):
                continue
            yield _span("amount", amount, raw, line, i)
        if line.source == "ocr":
            for amount, raw in _split_cents(text, mark):
                yield _span("amount", amount, raw, line, i)
            for amount, raw in _misread_marker_amounts(text, mark, markers):
                yield _span("amount", amount, raw, line, i)
        for iban, raw in find_ibans(text):
            yield _span("iban", iban, raw, line, i)
        for match in _CODE_RE.finditer(text):
            if match.group() in ISO_4217:
                yield _span("currency", match.group(), match.group(), line, i)
        for word in line.words:
            for match in _IDENT_TOKEN_RE.finditer(word.text):
                token = match.group().strip(".-/_")
                if _identifier_like(token):
                    yield ValueSpan(kind="identifier", value=token, text=token, page=line.page,
                                    bbox=word.bbox, line=i, words=(word,))


def _numbers_before_dates(lines: list[Segment], marks: list[LabelMark], dayfirst: bool | None
                          ) -> Iterator[ValueSpan]:
    """Numbers of several words: the words after a bill number's label up to a date phrase
    on the same line (a number of one word is an identifier span already)."""
    for mark in marks:
        if mark.kind != "bill_number":
            continue
        line = lines[mark.line]
        after = [w for w in line.words if w.bbox[0] >= mark.bbox[2] - 0.5]
        count = number_before_date([w.text for w in after], dayfirst)
        if count is not None:
            words = tuple(after[:count])
            text = " ".join(w.text for w in words)
            yield ValueSpan(kind="identifier", value=text, text=text, page=line.page,
                            bbox=words_box(words), line=mark.line, words=words)


def _identifier_like(token: str) -> bool:
    """A code with a digit that is not a plain amount, a date or a rate."""
    if len(token) < 3 or not any(c.isdigit() for c in token):
        return False
    if re.fullmatch(r"\d{1,3}([.,]\d{3})*[.,]\d{1,2}", token):
        return False
    return not find_dates(token, True)


# OCR's space after the decimal mark ("Total After Rounding 48. 95"): an amount in two words
_SPLIT_CENTS_RE = re.compile(r"(?<![\w.,-])(\d{1,6})([.,]) (\d{2})(?![\w.,%-])")


def _split_cents(text: str, mark: DecimalMark | None) -> Iterator[tuple[Decimal, str]]:
    """Amounts whose cents OCR set apart by a space after the document's decimal mark."""
    for match in _SPLIT_CENTS_RE.finditer(text):
        if match.group(2) == (mark or "."):
            yield Decimal(f"{match.group(1)}.{match.group(3)}"), match.group(0)


# A currency marker of letters as a document prints it before an amount ("RM 1.00", "EUR 5",
# "INR 300"), run into the number or not ("RMO.06").
_MARKER_RE = re.compile(r"(?<![A-Za-z])(RM|Rs|INR|[A-Z]{3}) ?(?=[\dOoDQ]|[.,]\d)")
_LETTER_MARKERS = frozenset({"RM", "Rs", "INR"})
# OCR's reading of such a marker one letter off, run into an amount with cents whose first
# digit may be a look-alike ("PM1.00", "M1.00", "RMD.94" for RM 1.00, RM 1.00, RM 0.94); or
# the amount after the marker with its decimal point read as a dash ("RM 14-10").
_MARKED_AMOUNT_RE = re.compile(
    r"(?<![\w.,])([A-Za-z]{1,3}) ?([0-9OoDQ]\d{0,5})([.,-])(\d{2})(?![\w.,%-])")


def _currency_markers(lines: list[Segment]) -> frozenset[str]:
    """The currency markers of letters the document prints (on any line)."""
    found = {match.group(1) for line in lines for match in _MARKER_RE.finditer(line.text)}
    return frozenset(m for m in found if m in _LETTER_MARKERS or m in ISO_4217)


def _misread_marker_amounts(text: str, mark: DecimalMark | None, markers: frozenset[str]
                            ) -> Iterator[tuple[Decimal, str]]:
    """Amounts after a misread of one of the document's currency markers, OCR's slip that
    the plain reading (`find_amounts`) cannot take apart from a word."""
    for match in _MARKED_AMOUNT_RE.finditer(text):
        prefix, whole = match.group(1), match.group(2)
        point = match.group(3)
        apart = match.group(0)[len(prefix)] == " "
        if point not in (mark or ".", "-") or \
                (whole[0].isdigit() and point != "-" and (prefix in markers or apart)):
            continue  # another decimal mark, or an amount the plain reading has already
        if any(Levenshtein.distance(prefix.upper(), m.upper()) <= 1 for m in markers):
            yield Decimal(f"{whole.translate(IN_NUMBERS)}.{match.group(4)}"), match.group(0)


def _span(kind: SpanKind, value: Any, raw: str, line: Segment, index: int) -> ValueSpan:
    words = _words_of(line.words, raw) or line.words
    return ValueSpan(kind=kind, value=value, text=raw, page=line.page,
                     bbox=rounded_box(words_box(words)), line=index, words=tuple(words))


def _words_of(words: list[Word], raw: str, *, fewest: bool = False) -> list[Word]:
    """The words of a line that a matched text spans: from the first word of the first run
    that holds it (the run may take in words before it: "TOTAL 45.00" for "45.00", as the
    candidates' features were learnt on), or with `fewest` the fewest words that hold it."""
    compact = raw.replace(" ", "")
    found: list[Word] = []
    for start in range(len(words)):
        joined = ""
        for end in range(start, len(words)):
            joined += words[end].text
            if compact in joined:
                if not fewest:
                    return words[start:end + 1]
                if not found or end + 1 - start <= len(found):
                    found = words[start:end + 1]
                break
            if len(joined) > len(compact) + 40:
                break
    return found


def value_box(layout: Layout, page: int, box: BBox, text: str) -> BBox | None:
    """The box of the fewest words in `box` on `page` (in reading order) that hold `text`:
    a value's own box, without the label words a candidate's box may take in."""
    inside = [w for row in layout.page(page).rows for seg in row for w in seg.words
              if box[0] - 1 <= w.x_center <= box[2] + 1
              and box[1] - 1 <= w.y_center <= box[3] + 1]
    words = _words_of(inside, text, fewest=True) if text.strip() else []
    return rounded_box(words_box(words)) if words else None


def median_height(lines: list[Segment]) -> float:
    return statistics.median(line.height for line in lines) if lines else 10.0

