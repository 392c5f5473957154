"""Where a known value is printed: value → words → boxes, on a read document.

The values come from elsewhere (an e-invoice's XML); this module only finds them on the page,
every place they appear, and finds nothing rather than a near miss: amounts match to the cent,
dates by date, identifiers by their letters and digits, names by close spelling. Words are
searched within the segments of `extraction.layout` (one phrase or table cell), so a value
never runs across a column gap.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Literal

from rapidfuzz import fuzz

from billintake.domain.text import strip_accents
from billintake.extraction.layout import Layout, Segment
from billintake.extraction.parsing import (
    DecimalMark,
    detect_language,
    find_amounts,
    find_dates,
    infer_dayfirst,
    infer_decimal_mark,
    parse_amount,
)
from billintake.extraction.vocabulary.currencies import CURRENCY_SYMBOLS, SIGNS
from billintake.extraction.vocabulary.normalize import compact
from billintake.reading.document import BBox, ReadDocument, Word, words_box

# A name (or a line item's description) is printed where a run of words spells it with at most
# this much difference (rapidfuzz ratio, 0-100). Set by hand on the realdev Factur-X set: true
# prints score 95-100 ("Musterkäufer" for "Musterkaeufer"), while another party's similar name
# scores below 90 ("FOURNISSEUR F" for "LE FOURNISSEUR": 88).
NAME_MIN_RATIO = 90.0
# A description that wraps onto further lines is recognised by its first line alone when that
# shows at least this many letters of it (or all of it).
DESCRIPTION_MIN_PREFIX = 8
# Amounts printed without decimals ("285", "3.800") stand for a value only where they carry a
# thousands group or a currency sign, or else where no other print of the value exists and it
# has at least two digits (a bare "0" or "1" is everywhere on a page).
BARE_AMOUNT_MIN = Decimal(10)
# "$" is the sign of every dollar.
DOLLARS = frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "TWD", "MXN", "BRL"})

Strength = Literal["decimals", "grouped", "bare"]
_STRENGTHS: tuple[Strength, ...] = ("decimals", "grouped", "bare")

_TOKEN_RE = re.compile(r"[^\W_]+")
_DECIMALS_RE = re.compile(r"\d([.,])\d{1,2}(?!\d)")
# "000001", "0 001": a position or a padded code, not an amount.
_NUMBER_RE = re.compile(r"(?<![\d.,])\d+(?:[.,]\d+)*(?![\d.,]*%)")
_PADDED_RE = re.compile(r"(?<![\d.,])0[\d'’\u00a0\u202f ]")
_GROUPED_RE = re.compile(rf"\d[.,'’\u00a0\u202f ]\d{{3}}(?!\d)|[{SIGNS}]|[A-Z]{{3}}")
# Dates that `parsing.find_dates` leaves out: the compact ISO form ("20260815") and numeric
# dates whose year is outside the range it accepts ("01.01.0001", a placeholder some print).
_COMPACT_DATE_RE = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")
_ANY_YEAR_DATE_RE = re.compile(r"(?<!\d)(\d{1,2})([./-])(\d{1,2})\2(\d{4})(?!\d)")


@dataclass(frozen=True)
class Span:
    """Words of one page that print a value, left to right."""

    page: int
    words: tuple[Word, ...]

    @property
    def bbox(self) -> BBox:
        return words_box(self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def key(self) -> tuple[int, tuple[BBox, ...]]:
        return (self.page, tuple(w.bbox for w in self.words))


@dataclass(frozen=True)
class PrintedAmount:
    """An amount as printed: its value, its words, its row and how plainly it is money."""

    value: Decimal
    span: Span
    row: int
    strength: Strength


@dataclass(frozen=True)
class ItemHit:
    """A line item's description and amount found on one row (quantity and price if there)."""

    description: Span
    amount: Span | None = None
    quantity: Span | None = None
    unit_price: Span | None = None


@dataclass(frozen=True)
class _Unit:
    """Words searched as one text: a segment, or a whole row as the fallback."""

    page: int
    row: int
    words: tuple[Word, ...]

    @cached_property
    def tokens(self) -> list[tuple[str, int]]:
        """The runs of letters and digits, compacted, each with the index of its word."""
        return [(compact(token), i) for i, word in enumerate(self.words)
                for token in _TOKEN_RE.findall(word.text)]


class Locator:
    """Finds known values on one read document; the page's amounts and dates are read once."""

    def __init__(self, document: ReadDocument, *, currency: str | None = None) -> None:
        layout = Layout.of(document)
        texts = [page.text for page in document.pages]
        self.decimal_mark = infer_decimal_mark(texts)
        dayfirst = infer_dayfirst(texts, currency=currency,
                                  language=detect_language(document.text))
        self._dayfirst_options = (True, False) if dayfirst is None else (dayfirst,)
        self.segments = [_Unit(s.page, s.row, tuple(s.words)) for s in layout.segments]
        # The reader's lines too: where the layout's rows cut a line in two, they keep it.
        self.lines = [_Unit(page.number, -1, tuple(line.words))
                      for page in document.pages for line in page.lines]
        self.rows = [_Unit(p.page.number, i, tuple(w for s in row for w in s.words))
                     for p in layout.pages for i, row in enumerate(p.rows) if row]
        self._row_index = {(u.page, u.row): u for u in self.rows}
        self.wrapped = [_Unit(p.page.number, i, tuple(above.words + below.words))
                        for p in layout.pages for i, (upper, lower) in
                        enumerate(itertools.pairwise(p.rows))
                        for above in upper for below in lower if _wraps(above, below)]
        self.amounts = _unique_amounts(self._read_amounts())
        self._money: dict[tuple[int, int], list[Span]] = {}
        for a in self.amounts:
            if a.strength == "decimals":
                self._money.setdefault((a.span.page, a.row), []).append(a.span)
        self.dates = list(self._read_dates())

    # --- the kinds of value ---------------------------------------------------------------

    def amount(self, value: Decimal) -> list[Span]:
        """Every print of the amount, to the cent (the sign aside: credit notes vary)."""
        return [a.span for a in _plainest(self.amounts, value)]

    def date(self, value: date) -> list[Span]:
        """Every print of the date, in any of the forms bills use."""
        wanted = (value.year, value.month, value.day)
        return _dedupe(span for ymd, span in self.dates if ymd == wanted)

    def identifier(self, value: str) -> list[Span]:
        """Every print of an identifier (number, tax id, IBAN, e-mail) by its letters and
        digits, which may be spread over neighbouring words ("FR 11 123 456 782")."""
        target = _id_key(value)
        if not target:
            return []
        return self._search(lambda unit: _identifier_spans(unit, target), wrapped=True)

    def name(self, value: str) -> list[Span]:
        """Every line showing the name closely spelt, as consecutive words; those in the
        name's own capitals only, where there are such ("L'ACHETEUR" over a street's
        "rue de l'acheteur")."""
        target = _name_key(value)
        if not target:
            return []
        size = len(value.split())
        found = self._search(lambda unit: _best_window(unit, target, size))
        cased = [span for span in found
                 if fuzz.ratio(_name_key(span.text, fold=False), _name_key(value, fold=False))
                 >= NAME_MIN_RATIO]
        return cased or found

    def currency(self, code: str) -> list[Span]:
        """Every word that names the currency: its code, sign or printed abbreviation."""
        found = [Span(unit.page, (word,)) for unit in self.rows for word in unit.words
                 if _names_currency(word.text, code.upper())]
        return _dedupe(found)

    def line_item(self, description: str, amount: Decimal | None, *,
                  quantity: Decimal | None = None,
                  unit_price: Decimal | None = None) -> ItemHit | None:
        """The row that shows the item's amount with its description (on that row, else the
        row just above or below, a description cell set higher or lower than the numbers, where
        that row shows no money in the amount's column, as another item's row would). Where the
        value is printed twice on a row (unit price and amount of one unit), the amount is the
        right one."""
        target = _name_key(description)
        if not target:
            return None
        if amount is None:
            for unit in self.rows:
                words = _description_window(unit.words, target)
                if words:
                    return ItemHit(Span(unit.page, words))
            return None
        rightmost: dict[tuple[int, int], PrintedAmount] = {}
        for printed in _plainest(self.amounts, amount):
            key = (printed.span.page, printed.row)
            if key not in rightmost or printed.span.bbox[2] > rightmost[key].span.bbox[2]:
                rightmost[key] = printed
        for offset in (0, -1, 1):
            for (page, row), printed in rightmost.items():
                unit = self._row_index.get((page, row + offset))
                if unit is None or (offset and self._money_in_column(page, row + offset, printed)):
                    continue
                words = _description_window(
                    [w for w in unit.words if w not in printed.span.words], target)
                if words:
                    return self._item_hit(Span(page, words), printed, quantity, unit_price)
        return None

    def _money_in_column(self, page: int, row: int, amount: PrintedAmount) -> bool:
        """Whether the row prints money in the column (the x range) of `amount`."""
        x0, _, x1, _ = amount.span.bbox
        return any(span.bbox[0] < x1 and span.bbox[2] > x0
                   for span in self._money.get((page, row), []))

    def _item_hit(self, description: Span, amount: PrintedAmount, quantity: Decimal | None,
                  unit_price: Decimal | None) -> ItemHit:
        """The item with the unit price and quantity printed on its amount's row: the price
        the plainest print of its value (decimals), then the quantity among the rest, each the
        nearest to the amount (a position number stands further off)."""
        row = self._row_index[(amount.span.page, amount.row)]
        numbers = [n for n in _numbers(row, self.decimal_mark)
                   if not set(n.span.words) & set(amount.span.words)]
        middle = _x_middle(amount.span)

        def nearest(value: Decimal | None, *, plainest: bool) -> Span | None:
            found = [n for n in numbers if value is not None and abs(n.value) == abs(value)]
            if not found:
                return None
            best = min(found, key=lambda n: (plainest and n.strength != "decimals",
                                             abs(_x_middle(n.span) - middle)))
            numbers[:] = [n for n in numbers if not set(n.span.words) & set(best.span.words)]
            return best.span

        price = nearest(unit_price, plainest=True)
        return ItemHit(description, amount.span, nearest(quantity, plainest=False), price)

    # --- reading the page once ------------------------------------------------------------

    def _read_amounts(self) -> Iterator[PrintedAmount]:
        for unit in self.segments:
            plain = _joined(unit.words, glue=False)
            glued = _joined(unit.words, glue=True)
            for text, owners in (plain, glued) if glued[0] != plain[0] else (plain,):
                cursor = 0
                for value, raw in find_amounts(text, self.decimal_mark):
                    start = text.find(raw, cursor)
                    if start < 0:
                        continue
                    cursor = start + len(raw)
                    if not self._is_amount(raw) or text[cursor:cursor + 1].isalpha():
                        continue  # "7,5X152" is part of a product code
                    words = _owned(unit.words, owners, start, cursor)
                    yield PrintedAmount(value, Span(unit.page, words), unit.row, _strength(raw))

    def _is_amount(self, raw: str) -> bool:
        """Not a padded number, and decimals (if any) after the document's decimal mark."""
        if _PADDED_RE.search(raw):
            return False
        marks = _DECIMALS_RE.findall(raw)
        return not (marks and self.decimal_mark and marks[-1] != self.decimal_mark)

    def _read_dates(self) -> Iterator[tuple[tuple[int, int, int], Span]]:
        for unit in self.segments + self.lines:
            text, owners = _joined(unit.words, glue=False)
            for dayfirst in self._dayfirst_options:
                cursor = 0
                for value, raw in find_dates(text, dayfirst):
                    start = text.find(raw, cursor)
                    if start < 0:
                        continue
                    cursor = start + 1
                    words = _owned(unit.words, owners, start, start + len(raw))
                    yield (value.year, value.month, value.day), Span(unit.page, words)
            for match in _COMPACT_DATE_RE.finditer(text):
                y, m, d = (int(g) for g in match.groups())
                yield (y, m, d), Span(unit.page, _owned(unit.words, owners, *match.span()))
            for match in _ANY_YEAR_DATE_RE.finditer(text):
                first, separator, second, year = match.groups()
                a, b, y = int(first), int(second), int(year)
                readings = {(y, b, a)} if separator == "." else {
                    (y, b, a) if dayfirst else (y, a, b) for dayfirst in self._dayfirst_options}
                for ymd in readings:
                    yield ymd, Span(unit.page, _owned(unit.words, owners, *match.span()))

    def _search(self, find: Callable[[_Unit], list[Span]], *,
                wrapped: bool = False) -> list[Span]:
        """Spans found in segments and lines; where those have none, in whole rows (and, if
        `wrapped`, in table cells wrapped onto a second line)."""
        found = [span for unit in self.segments + self.lines for span in find(unit)]
        if not found:
            fallback = self.rows + self.wrapped if wrapped else self.rows
            found = [span for unit in fallback for span in find(unit)]
        return _dedupe(found)


# --- text of words, and back ------------------------------------------------------------------


def _joined(words: Sequence[Word], *, glue: bool) -> tuple[str, list[int]]:
    """The words' text joined by spaces, and for each character the index of its word (-1 for
    a joining space). With `glue`, digits a text layer split apart are joined again."""
    parts: list[str] = []
    owners: list[int] = []
    for i, word in enumerate(words):
        if i:
            space = "" if glue and _split_number(words[i - 1].text, word.text) else " "
            parts.append(space)
            owners.extend([-1] * len(space))
        parts.append(word.text)
        owners.extend([i] * len(word.text))
    return "".join(parts), owners


def _split_number(left: str, right: str) -> bool:
    """One number cut in two by the text layer: "27946 ,00", "205, 90", "1.235,4 0"."""
    return bool((re.search(r"\d[.,]$", left) and re.match(r"\d", right))
                or (re.search(r"\d$", left) and re.match(r"[.,]\d", right))
                or (re.search(r"\d[.,]\d$", left) and re.match(r"\d(?!\d)", right)))


def _owned(words: Sequence[Word], owners: list[int], start: int, end: int) -> tuple[Word, ...]:
    indexes = sorted({i for i in owners[start:end] if i >= 0})
    return tuple(words[i] for i in indexes)


def _wraps(above: Segment, below: Segment) -> bool:
    """`below` continues `above` in one table cell: the same left edge, the next line."""
    height = above.height
    return abs(below.x0 - above.x0) <= max(2.0, 0.3 * height) and \
        0 <= below.top - above.bottom <= height


def _x_middle(span: Span) -> float:
    return (span.bbox[0] + span.bbox[2]) / 2


def _dedupe(spans: Iterable[Span]) -> list[Span]:
    seen: dict[tuple[int, tuple[BBox, ...]], Span] = {}
    for span in spans:
        seen.setdefault(span.key, span)
    return list(seen.values())


# --- amounts ----------------------------------------------------------------------------------


def _strength(raw: str) -> Strength:
    if _DECIMALS_RE.search(raw):
        return "decimals"
    return "grouped" if _GROUPED_RE.search(raw) else "bare"


def _numbers(unit: _Unit, mark: DecimalMark | None) -> list[PrintedAmount]:
    """Every number in the words (quantities and unit prices: "1Stk", "250m²", "1,0000"),
    read with the document's decimal mark; rates ("19%") left out."""
    found: list[PrintedAmount] = []
    for word in unit.words:
        for match in _NUMBER_RE.finditer(word.text):
            value, decimals = _number(match.group(0), mark)
            if value is not None:
                found.append(PrintedAmount(value, Span(unit.page, (word,)), unit.row,
                                           "decimals" if decimals else "bare"))
    return found


def _number(raw: str, mark: DecimalMark | None) -> tuple[Decimal | None, bool]:
    """A plain number's value (any count of decimals after `mark`, groups of three before
    it), and whether it has decimals."""
    if mark is None:
        value = parse_amount(raw)
        return value, value is not None and bool(_DECIMALS_RE.search(raw))
    group = "." if mark == "," else ","
    head, separator, tail = raw.rpartition(mark)
    if not separator:
        head, tail = "", raw
    if group in tail and not separator:
        parts = tail.split(group)
        if any(len(part) != 3 for part in parts[1:]):
            return None, False
        return Decimal("".join(parts)), False
    if not separator:
        return Decimal(tail), False
    parts = head.split(group)
    if not (tail.isdigit() and all(part.isdigit() for part in parts)) or any(
            len(part) != 3 for part in parts[1:]):
        return None, False
    return Decimal(f"{''.join(parts)}.{tail}"), True


def _unique_amounts(amounts: Iterable[PrintedAmount]) -> list[PrintedAmount]:
    """One reading per set of words: the glued reading of split digits adds only new ones."""
    seen: dict[tuple[int, tuple[BBox, ...]], PrintedAmount] = {}
    for amount in amounts:
        seen.setdefault(amount.span.key, amount)
    return list(seen.values())


def _plainest(amounts: Sequence[PrintedAmount], value: Decimal) -> list[PrintedAmount]:
    """The prints of `value` (sign aside); bare integers only when nothing plainer exists."""
    same = [a for a in amounts if abs(a.value) == abs(value)]
    plain = [a for a in same if a.strength != "bare"]
    if plain or abs(value) < BARE_AMOUNT_MIN:
        return plain
    return same


# --- identifiers, names, currencies -----------------------------------------------------------


def _id_key(text: str) -> str:
    return "".join(compact(token) for token in _TOKEN_RE.findall(text))


def _identifier_spans(unit: _Unit, target: str) -> list[Span]:
    """Runs of whole letter-and-digit tokens, across neighbouring words, that spell `target`
    (a number's leading zeros aside: "00000001023456789" is printed "1023456789")."""
    tokens = unit.tokens
    if target.isdigit():
        target = target.lstrip("0") or "0"
    found: list[Span] = []
    for start in range(len(tokens)):
        spelt = ""
        for end in range(start, len(tokens)):
            spelt += tokens[end][0]
            if spelt.isdigit():
                spelt = spelt.lstrip("0")
            if not target.startswith(spelt):
                break
            if spelt == target:
                indexes = sorted({i for _, i in tokens[start:end + 1]})
                found.append(Span(unit.page, tuple(unit.words[i] for i in indexes)))
                break
    return found


def _name_key(text: str, *, fold: bool = True) -> str:
    """The words' letters and digits, accents dropped, lower case unless `fold` is False."""
    text = strip_accents(text)
    return " ".join(_TOKEN_RE.findall(text.lower() if fold else text))


def _best_window(unit: _Unit, target: str, size: int) -> list[Span]:
    """The run of consecutive words closest to `target`, if close enough: as many words as
    the name has (one fewer for a long name), or up to two more."""
    best: tuple[float, int, int] | None = None
    words = unit.words
    for length in range(max(1, size - 1 if size > 3 else size), size + 3):
        for start in range(len(words) - length + 1):
            key = _name_key(" ".join(w.text for w in words[start:start + length]))
            score = fuzz.ratio(key, target)
            if score >= NAME_MIN_RATIO and (best is None or score > best[0]):
                best = (score, start, length)
    if best is None:
        return []
    _, start, length = best
    return [Span(unit.page, words[start:start + length])]


def _description_window(words: Sequence[Word], target: str) -> tuple[Word, ...]:
    """The longest run of words that spells the description, or (wrapped) its beginning."""
    best: tuple[float, int, int, int] | None = None
    for start in range(len(words)):
        for end in range(start + 1, len(words) + 1):
            key = _name_key(" ".join(w.text for w in words[start:end]))
            if len(key) > len(target) + DESCRIPTION_MIN_PREFIX:
                break
            if len(key) < min(len(target), DESCRIPTION_MIN_PREFIX):
                continue
            score = fuzz.ratio(key, target[:len(key)] if len(key) < len(target) else target)
            if score >= NAME_MIN_RATIO and (best is None or (score, len(key)) > best[:2]):
                best = (score, len(key), start, end)
    return () if best is None else tuple(words[best[2]:best[3]])


def _names_currency(text: str, code: str) -> bool:
    for token in _TOKEN_RE.findall(text):
        if token == code or CURRENCY_SYMBOLS.get(token.lower()) == code:
            return True
    return any(CURRENCY_SYMBOLS.get(ch) == code or (ch == "$" and code in DOLLARS)
               for ch in text if ch in SIGNS)
