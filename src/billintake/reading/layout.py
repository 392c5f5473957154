"""Words → lines in reading order, without interleaving columns or scattering tables.

A recursive XY-cut: a region is split at wide horizontal gaps (paragraph breaks) into stripes,
and a stripe is split at vertical gutters into column pieces. Adjacent pieces are then judged:
independent blocks (a vendor address beside the invoice details) are read one after the other;
pieces that belong together row by row (a table, labels beside their values, amounts beside
their captions) are read as rows, each row one line.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from statistics import median

from billintake.reading.document import Line, Word

Rows = list[list[Word]]

# Share of rows in a piece that decides its character.
_LABEL_SHARE = 0.5
_VALUE_SHARE = 0.6
_ALIGNED_SHARE = 0.5

_MONTHS = ("jan", "feb", "mar", "mär", "apr", "may", "mai", "jun", "jui", "jul", "aug", "aoû",
           "sep", "oct", "okt", "nov", "dec", "dez", "déc", "fév", "avr")
_UNITS = frozenset({"pcs", "pce", "pces", "stk", "stück", "each", "hrs", "std", "kg", "km",
                    "units", "unit", "day", "days", "tag", "tage", "month", "jours", "jour",
                    "heures", "pièces", "piece", "pieces", "lbs", "box", "set", "sets"})
_CURRENCY_TOKEN = re.compile(r"^[A-Z]{3}$|^[€$£¥₣₹%]+$")


def build_lines(words: Sequence[Word]) -> list[Line]:
    """Group words into lines and order the lines as a person would read the page."""
    words = [w for w in words if w.text.strip()]
    if not words:
        return []
    unit = max(median(w.height for w in words), 1.0)
    return [Line(words=row) for row in _order(words, unit)]


def rows_of(words: Sequence[Word], unit: float | None = None) -> Rows:
    """Words grouped by vertical overlap into rows, top to bottom, each left to right."""
    if not words:
        return []
    unit = unit or max(median(w.height for w in words), 1.0)
    rows: list[list[Word]] = []
    bands: list[tuple[float, float]] = []
    for word in sorted(words, key=lambda w: (w.y_center, w.x0)):
        for i in range(len(rows) - 1, max(len(rows) - 4, -1), -1):
            top, bottom = bands[i]
            overlap = min(bottom, word.bottom) - max(top, word.top)
            if overlap >= 0.5 * min(bottom - top, word.height, unit):
                rows[i].append(word)
                bands[i] = (min(top, word.top), max(bottom, word.bottom))
                break
        else:
            rows.append([word])
            bands.append((word.top, word.bottom))
    ordered = sorted(zip(bands, rows, strict=True), key=lambda br: (br[0][0] + br[0][1]) / 2)
    return [sorted(row, key=lambda w: w.x0) for _, row in ordered]


def _order(words: list[Word], unit: float, *, partial: bool = True) -> Rows:
    stripes = _split_horizontally(words, unit)
    if len(stripes) > 1:
        return [row for stripe in stripes for row in _order(stripe, unit)]
    groups = _block_groups(words, unit)
    if len(groups) > 1:
        return [row for group in groups for row in _order(group, unit)]
    if partial:
        parts = _split_off_blocks(words, unit)
        if parts:
            return [row for part in parts for row in _order(part, unit, partial=part is not
                                                            parts[-1])]
    return rows_of(words, unit)


def _block_groups(words: list[Word], unit: float) -> list[list[Word]]:
    pieces = _split_vertically(words, unit)
    return _group_pieces(pieces, unit) if len(pieces) > 1 else [words]


def _split_off_blocks(words: list[Word], unit: float) -> list[list[Word]] | None:
    """Side-by-side text blocks that a line below (or above) reaches under, closing the gutter.

    Tries the row gaps of the region from the bottom up: the tallest top part that falls
    into independent text blocks is cut off, the rest is read after it.
    """
    bands = _merge_intervals([(w.top, w.bottom) for w in words])
    if len(bands) < 4:
        return None
    for k in range(len(bands) - 1, 2, -1):
        cut = (bands[k - 1][1] + bands[k][0]) / 2
        top = [w for w in words if w.y_center < cut]
        bottom = [w for w in words if w.y_center >= cut]
        groups = _block_groups(top, unit)
        if len(groups) > 1 and all(_text_block(rows_of(g, unit)) for g in groups):
            return [top, bottom]
    return None


def _text_block(rows: Rows) -> bool:
    """Two or more rows of words, not a column of amounts: an address, a list of details."""
    return len(rows) >= 2 and _share(rows, _is_pure_value_row) < 0.5


def _split_horizontally(words: list[Word], unit: float) -> list[list[Word]]:
    """Split at horizontal bands free of words that are wider than the usual line spacing."""
    bands = _merge_intervals([(w.top, w.bottom) for w in words])
    if len(bands) < 2:
        return [words]
    gaps = [b[0] - a[1] for a, b in itertools.pairwise(bands)]
    threshold = min(max(0.8 * unit, 1.6 * median(gaps)), 2.5 * unit)
    cuts = [(a[1] + b[0]) / 2 for a, b, gap in zip(bands, bands[1:], gaps, strict=False)
            if gap >= threshold]
    return _partition(words, cuts, key=lambda w: w.y_center)


def _split_vertically(words: list[Word], unit: float) -> list[list[Word]]:
    """Split at vertical gutters: x ranges no word of the region touches, wide enough.

    Over many rows, word spaces do not line up by chance: a narrower empty band is a gutter.
    """
    spans = _merge_intervals([(w.x0, w.x1) for w in words])
    if len(spans) < 2:
        return [words]
    rows = len(_merge_intervals([(w.top, w.bottom) for w in words]))
    factor = 0.8 if rows >= 4 else 1.2
    cuts = [(a[1] + b[0]) / 2 for a, b in itertools.pairwise(spans)
            if b[0] - a[1] >= factor * _height_beside(words, a[1], b[0], unit)]
    return _partition(words, cuts, key=lambda w: w.x_center)


def _height_beside(words: list[Word], left_edge: float, right_edge: float, unit: float
                   ) -> float:
    """The tallest word ending at `left_edge` or starting at `right_edge`: big print has
    wide spaces."""
    beside = [w.height for w in words
              if abs(w.x1 - left_edge) < 0.01 or abs(w.x0 - right_edge) < 0.01]
    return max([unit, *beside])


def _group_pieces(pieces: list[list[Word]], unit: float) -> list[list[Word]]:
    """Join adjacent pieces that are read row by row; keep independent blocks apart."""
    piece_rows = [rows_of(piece, unit) for piece in pieces]
    boundaries = [_independent(piece_rows[i], piece_rows[i + 1], unit)
                  for i in range(len(pieces) - 1)]
    # Many pieces tied row by row make a table: then every well aligned piece belongs to it.
    if boundaries.count(False) >= 2:
        boundaries = [b and _alignment(piece_rows[i], piece_rows[i + 1], unit) < 0.9
                      for i, b in enumerate(boundaries)]
    # Judge each boundary again between the whole groups on either side: a sparse column
    # (quantities with gaps) alone looks unrelated to the descriptions, the whole table does not.
    for i, boundary in enumerate(boundaries):
        if boundary:
            left, right = _group_around(pieces, boundaries, i)
            if not _independent(rows_of(left, unit), rows_of(right, unit), unit):
                boundaries[i] = False
    groups: list[list[Word]] = [list(pieces[0])]
    for piece, boundary in zip(pieces[1:], boundaries, strict=True):
        if boundary:
            groups.append(list(piece))
        else:
            groups[-1].extend(piece)
    return groups


def _group_around(pieces: list[list[Word]], boundaries: list[bool], i: int
                  ) -> tuple[list[Word], list[Word]]:
    """The words of the groups left and right of boundary `i` (between pieces i and i+1)."""
    start = i
    while start > 0 and not boundaries[start - 1]:
        start -= 1
    end = i + 1
    while end < len(boundaries) and not boundaries[end]:
        end += 1
    left = [w for piece in pieces[start:i + 1] for w in piece]
    right = [w for piece in pieces[i + 1:end + 1] for w in piece]
    return left, right


def _independent(left: Rows, right: Rows, unit: float) -> bool:
    """Whether two side-by-side pieces are separate blocks rather than one table."""
    if len(left) <= 1 and len(right) <= 1:
        return False
    if _share(left, _is_label_row) >= _LABEL_SHARE:
        return False  # labels, then their values
    if (_share(right, _is_value_row) >= _VALUE_SHARE
            or _share(left, _is_pure_value_row) >= _VALUE_SHARE):
        return False  # amounts, quantities, dates or positions beside their captions
    if _alignment(left, right, unit) < _ALIGNED_SHARE:
        return True
    return _share(left, _has_letters) >= 0.5 and _share(right, _has_letters) >= 0.5


def _alignment(left: Rows, right: Rows, unit: float) -> float:
    """Share of rows that have a partner at the same height on the other side."""
    if not left or not right:
        return 0.0
    centers_r = [_row_center(row) for row in right]
    matched = sum(1 for row in left
                  if any(abs(_row_center(row) - c) <= 0.4 * unit for c in centers_r))
    return matched / max(len(left), len(right))


def _row_center(row: list[Word]) -> float:
    return (min(w.top for w in row) + max(w.bottom for w in row)) / 2


def _share(rows: Rows, test: Callable[[list[Word]], bool]) -> float:
    return sum(1 for row in rows if test(row)) / len(rows) if rows else 0.0


def _is_label_row(row: list[Word]) -> bool:
    return row[-1].text.endswith(":")


def _is_value_row(row: list[Word]) -> bool:
    """Amounts, quantities with units, dates, references: mostly number-like tokens."""
    if not any(any(c.isdigit() for c in w.text) for w in row):
        return False
    return sum(1 for w in row if _is_value_token(w.text)) >= _VALUE_SHARE * len(row)


def _is_pure_value_row(row: list[Word]) -> bool:
    """Only number-like tokens: a column of positions or amounts, no caption among them."""
    return all(_is_value_token(w.text) for w in row)


def _is_value_token(token: str) -> bool:
    if any(c.isdigit() for c in token) or len(token) <= 2:
        return True
    if _CURRENCY_TOKEN.match(token):
        return True
    lowered = token.lower().rstrip(".")
    if lowered in _UNITS:
        return True
    return lowered.isalpha() and len(lowered) <= 9 and lowered.startswith(_MONTHS)


def _has_letters(row: list[Word]) -> bool:
    return sum(1 for w in row for c in w.text if c.isalpha()) >= 2


def _merge_intervals(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _partition(words: list[Word], cuts: list[float],
               key: Callable[[Word], float]) -> list[list[Word]]:
    if not cuts:
        return [words]
    parts: list[list[Word]] = [[] for _ in range(len(cuts) + 1)]
    for word in words:
        parts[sum(1 for cut in cuts if key(word) > cut)].append(word)
    return [part for part in parts if part]
