"""Amount candidates (total, subtotal, tax): every money amount on the page, with the
arithmetic it takes part in and the words that name it as features.

Besides the value's own arithmetic (is it the sum of two others, a VAT share of another...),
each candidate carries what its row's label says (`lab_*`: the text left of it on its row, or
on its own line before it) and what the column header above it says (`col_*`: the nearest
text above it in its column, as in a VAT breakdown table "Base | Rate | Tax amount"), read
as word classes (net, tax, gross, due, prepaid, charge, allowance, cash, change, rounding,
rate) in English, German, French, Dutch and Malay. The ranker learns what each class means
for each field; nothing here decides.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import math
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ..candidate import Candidate
from ..layout import Segment
from ..page import PageModel, ValueSpan
from ..vocabulary.normalize import one_letter_off

VAT_RATES = tuple(Decimal(r) for r in ("0.05", "0.055", "0.06", "0.07", "0.08", "0.09", "0.10",
                                       "0.13", "0.16", "0.19", "0.20", "0.21", "0.25"))
CENT = Decimal("0.02")
# Word classes of amount labels. A class is a feature, not a rule: "Rechnungssumme ohne USt."
# is gross, net and tax at once, and the ranker learns which combination names which field.
_WORDS: dict[str, tuple[str, ...]] = {
    "net": (r"net(?!t\s*total)", "excl", "exkl", "ohne", "hors", r"\bht\b", "before",
            "sub[ -]?total", "zwischen", "sous", "positions", "warenwert", "basis", r"\bbase\b",
            "taxable", "imposable", "grundlage", "excluding"),
    "tax": ("steuer", "tax", "mwst", r"\bust\b", r"\bvat\b", "tva", r"\bgst\b", r"\bsst\b",
            "btw", r"\bu\.?st"),
    "gross": ("brutto", "gross", "incl", "inkl", "ttc", "total", "gesamt", "summe", "grand",
              "rechnungsbetrag", "endbetrag", "jumlah", "totaal"),
    "due": ("zahlbetrag", "zu zahlen", "payer", "amount due", "balance", "to pay", "payable",
            r"\bdue\b", "offen", "restbetrag", "nett total", "net total", "solde"),
    "prepaid": ("anzahlung", "acompte", "prepa", "voraus", "already", "bereits", "erhalten",
                "received", "deposit", "abschlagszahlung", "d[ée]j[àa]", "advance",
                "paid to date"),
    "charge": ("zuschl", "charge", "frais", r"\bfee", "shipping", "versand", "fracht", "porto",
               "delivery", "livraison", "handling", "service"),
    "allowance": ("abschl[aä]g", "rabatt", "discount", "remise", "nachlass", "skonto", "saving",
                  "allowance", "r[ée]duction", "diskaun", r"less\b", "voucher", "coupon"),
    "cash": ("cash", "tunai", "tender", r"\bbar\b", "bargeld", "bayar", "given", "gegeben",
             "accepted", "esp[èe]ces", "card", "visa", "master", "credit", "debit", "kredit",
             "nets", "eftpos", "payment", "paid"),
    "change": ("change", "baki", "r[üu]ckgeld", "wechselgeld", "rendu", "monnaie", "kembali"),
    "rounding": ("round", "rundung", "arrondi", r"\badj", "pelarasan", "bulat"),
    "rate": ("%", r"\brate\b", "satz", "taux", "tarif"),
}
WORD_CLASSES = {name: re.compile("|".join(words), re.I) for name, words in _WORDS.items()}
# The till's label words OCR misreads by a letter ("Chonge", "Totai"): read as printed.
MENDED_WORDS = ("change", "total", "subtotal", "rounding", "payable", "balance", "discount",
                "charge", "service", "payment", "tender", "tendered")
MENDED_MIN = 5  # shorter words are too often one letter off another word
LABEL_MAX_WORDS = 8  # a longer text left of a value is prose, not its label
COLUMN_ROWS = 8  # how far above a value its column header may stand
FEATURES = ("value_log", "amount_rank", "amount_rank_rel", "is_max", "repeats",
            "has_symbol", "has_code", "negative_look", "sum_of_two", "part_of_sum",
            "vat_of_other", "has_vat_part", "plus_vat_is_other", "items_sum_equal",
            "share_of_max", "below_max_count", "round_5", "round_whole", "near_twin",
            "near_twin_below", "after_max", "is_zero", "row_amounts", "row_amount_pos",
            "lab_none", "lab_prose", "lab_words", "lab_gap_amounts", "col_none",
            *(f"lab_{k}" for k in WORD_CLASSES), *(f"col_{k}" for k in WORD_CLASSES),
            "sum_with_row_next", "below_label_row", "vat_of_other_sum", "vat_sum_of_two",
            "tendered_less_change", "rounded_of_other", "row_vat_part", "row_vat_of",
            "sum_of_two_above", "net_of_negative", "total_rows_below", "amount_rows_below",
            "cash_rows_below", "last_of_value", "total_made_below", "run_sum_above")
# The features of where an amount stands in a slip's totals block: read for the total only
# (a subtotal's or a tax's place is named by its label; these would learn one layout's rows).
TOTAL_ONLY = ("sum_of_two_above", "net_of_negative", "total_rows_below", "amount_rows_below",
              "cash_rows_below", "last_of_value", "total_made_below", "run_sum_above")
MAX_SPANS = 400
# Whether the amounts' ranker reads the rules' (`reconcile`) choice and scores as features.
READS_RULES = False
VAT_VALUES = 80  # the largest distinct amounts searched for VAT sums
ROWS_ABOVE = 8  # how far above an amount two that make it are searched (its totals block)
RUN_ROWS = 6  # how many amounts of the rows right above a total may add up to it


def candidates(page: PageModel, field: str, items_sum: Any = None) -> list[Candidate]:
    """Every amount printed on the page as a candidate of `field` (zero only for the tax).
    An amount's features are the same whichever field it stands for: they are worked out
    once per page (and items' sum) and copied."""
    key = ("amount candidates", None if items_sum is None else str(items_sum))
    featured = page.derived.get(key)
    if featured is None:
        featured = page.derived[key] = _featured(page, items_sum)
    return [dataclasses.replace(c, field=field, features=dict(c.features), reasons=[])
            for c in featured if c.value > 0 or field == "tax"]


def _featured(page: PageModel, items_sum: Any) -> list[Candidate]:
    """Every amount of the page, zero or positive, with its features."""
    spans = [s for s in page.spans_of("amount")[:MAX_SPANS] if s.value >= 0]
    positive = [s for s in spans if s.value > 0]
    values = sorted({s.value for s in positive}, reverse=True) or [Decimal(0)]
    top = values[0] if values[0] else Decimal(1)
    value_set = set(values)
    rows = _Rows(page)
    negatives = sorted({s.value for s in page.spans_of("amount") if s.value < 0})[:20]
    triples = vat_triples(values)
    taxes, grosses = {t for _, t, _ in triples}, {g for _, _, g in triples}
    out: list[Candidate] = []
    for span in spans:
        cand = _candidate("tax", span, values, value_set, top, positive, items_sum)
        cand.features.update(rows.features(span))
        # the three amounts of a VAT sum: the tax of a printed base whose sum with it is
        # printed too; the sum of a printed base and its printed VAT
        cand.features["vat_of_other_sum"] = float(span.value in taxes)
        cand.features["vat_sum_of_two"] = float(span.value in grosses)
        # what a till slip's cash tendered less its change leaves: the amount paid
        cand.features["tendered_less_change"] = float(bool(span.value) and any(
            _near(paid - change, span.value) for paid in rows.tendered for change in rows.change
            if paid > change))
        # a total rounded to 5 cents for cash, a few cents off a printed unrounded sum
        cand.features["rounded_of_other"] = float(
            (span.value * 100) % 5 == 0 and any(0 < abs(span.value - x) <= Decimal("0.04")
                                                for x in grosses | set(values[:20])))
        cand.features.update(rows.below(span))
        # a total sums what is printed above it (subtotal and tax, the parts of a slip whose
        # lines go by tax rate), negative parts (returns, credits) included
        cand.features["sum_of_two_above"] = float(bool(span.value) and rows.sum_above(span))
        # ... or the amounts of the rows right above it, all of them (subtotal, service
        # charge, tax and rounding: "295.00  29.50  19.47  -0.02" over "NET TOTAL 343.95")
        cand.features["run_sum_above"] = float(bool(span.value) and rows.run_sum_above(span))
        # what a positive amount less a printed negative one leaves (goods less returns)
        cand.features["net_of_negative"] = float(span.value > 0 and any(
            _near(span.value - n, p) for n in negatives for p in values[:VAT_VALUES]))
        out.append(cand)
    # a total-labelled amount below, of another value, that the amounts above it make: the
    # page's own arithmetic says this one is a part ("TOTAL 0% SUPPLIES" above "TOTAL PAYABLE")
    made = [(c.page, c.bbox[1], c.value) for c in out if c.features.get("sum_of_two_above")
            and (c.features.get("lab_gross") or c.features.get("lab_due"))]
    for cand in out:
        cand.features["total_made_below"] = float(any(
            (page, top) > (cand.page, cand.bbox[3]) and value != cand.value
            for page, top, value in made))
    return out


def _candidate(field: str, span: ValueSpan, values: list[Decimal], value_set: set[Decimal],
               top: Decimal, spans: list[ValueSpan], items_sum: Any) -> Candidate:
    v: Decimal = span.value
    rank = values.index(v) if v in value_set else len(values)
    others = [x for x in values if x != v]
    f: dict[str, float] = {
        "value_log": math.log10(float(v) + 1.0),
        "amount_rank": float(min(rank, 20)),
        "amount_rank_rel": rank / max(1, len(values) - 1),
        "is_max": float(rank == 0),
        "repeats": float(min(5, sum(1 for s in spans if s.value == v) - 1)) if v else 0.0,
        "has_symbol": float(any(c in span.text for c in "€$£¥₹")),
        "has_code": float(any(ch.isalpha() for ch in span.text)),
        "negative_look": float(span.text.strip().startswith("-") or span.text.strip().endswith("-")
                               or span.text.strip().startswith("(")),
        "sum_of_two": float(bool(v) and _sum_of_two(v, others)),
        "part_of_sum": float(bool(v) and any(_near(v + b, c) for b in others for c in others
                                             if c > v and c > b)),
        "vat_of_other": float(any(_near(v, r * b) for b in others for r in VAT_RATES)),
        "has_vat_part": float(any(_near(t, r * v) and (v + t) in value_set
                                  for t in others for r in VAT_RATES)),
        "plus_vat_is_other": float(any(_near(v * (1 + r), c) for c in others for r in VAT_RATES)),
        "items_sum_equal": float(items_sum is not None and _near(v, Decimal(str(items_sum)))),
        "share_of_max": float(v / top) if top else 0.0,
        "below_max_count": float(min(rank, 10)),
        # cash rounding: a total rounded to 5 cents beside the unrounded sum a few cents off
        "round_5": float((v * 100) % 5 == 0),
        "round_whole": float(v == v.to_integral_value()),
        "near_twin": float(any(0 < abs(v - x) <= Decimal("0.04") for x in others)),
        "near_twin_below": float(any(0 < v - x <= Decimal("0.04") for x in others)),
        "after_max": float(any(s.value == top and (s.page, s.bbox[1]) < (span.page, span.bbox[1])
                               for s in spans)),
        "is_zero": float(v == 0),
    }
    return Candidate(field=field, value=v, text=span.text, page=span.page, bbox=span.bbox,
                     source=span.source, features=f, line=span.line)


class _Rows:
    """The page's lines by row, to read the label left of an amount and its column header."""

    def __init__(self, page: PageModel) -> None:
        self.page = page
        self.by_row: dict[tuple[int, int], list[int]] = {}
        for i, line in enumerate(page.lines):
            self.by_row.setdefault((line.page, line.row), []).append(i)
        for members in self.by_row.values():
            members.sort(key=lambda i: page.lines[i].x0)
        self.amount_lines: dict[int, list[ValueSpan]] = {}
        for span in page.spans_of("amount"):
            self.amount_lines.setdefault(span.line, []).append(span)
        self.tendered: set[Decimal] = set()  # amounts labelled as cash or card given
        self.change: set[Decimal] = set()  # amounts labelled as change given back
        self.all_amounts = page.spans_of("amount")  # in reading order, negative ones too
        # per row holding an amount: the word classes of its amounts' labels
        self.row_labels: dict[tuple[int, int], set[str]] = {}
        for span in self.all_amounts:
            line = page.lines[span.line]
            label, _ = self._row_label(span, line)
            classes = self.row_labels.setdefault((line.page, line.row), set())
            if label and len(label.split()) <= LABEL_MAX_WORDS:
                classes.update(k for k, pattern in WORD_CLASSES.items() if pattern.search(label))
                if WORD_CLASSES["change"].search(label):
                    self.change.add(span.value)
                elif WORD_CLASSES["cash"].search(label):
                    self.tendered.add(span.value)

    def below(self, span: ValueSpan) -> dict[str, float]:
        """Where the amount stands in the totals block: how many rows below it print an
        amount, a total-labelled amount, a cash, card or change amount; and whether it is the
        last print of its value (a slip repeats its total, the last is under the others)."""
        here = self.page.lines[span.line]
        key = (here.page, here.row)
        below = [k for k in self.row_labels if k > key]
        later = [s for s in self.all_amounts if s.value == span.value and
                 (s.page, self.page.lines[s.line].row) > key]
        return {
            "amount_rows_below": float(min(10, len(below))),
            "total_rows_below": float(min(5, sum(1 for k in below if self.row_labels[k] &
                                                 {"gross", "due"}))),
            "cash_rows_below": float(min(5, sum(1 for k in below if self.row_labels[k] &
                                                {"cash", "change"}))),
            "last_of_value": float(not later),
        }

    def sum_above(self, span: ValueSpan) -> bool:
        """The amount is the sum of two amounts printed on the few rows above it (either
        may be negative)."""
        here = self.page.lines[span.line]
        cents = [int(s.value * 100) for s in self.all_amounts
                 if self.page.lines[s.line].page == here.page and
                 here.row - ROWS_ABOVE <= self.page.lines[s.line].row < here.row]
        target = int(span.value * 100)
        seen: set[int] = set()
        for c in cents:
            if any(target - c + d in seen for d in (-1, 0, 1)):
                return True
            seen.add(c)
        return False

    def run_sum_above(self, span: ValueSpan) -> bool:
        """The amount is the sum of the amounts (the rightmost of each row) of the two to
        `RUN_ROWS` nearest rows above it that print one, within two cents (a cash rounding
        the slip does not print)."""
        here = self.page.lines[span.line]
        rows = self._rightmost_by_row.get(here.page, [])
        above = bisect.bisect_left(rows, here.row, key=lambda row_value: row_value[0])
        total = Decimal(0)
        for count, (_, value) in enumerate(reversed(rows[max(0, above - RUN_ROWS):above]),
                                           start=1):
            total += value
            if count >= 2 and _near(total, span.value):
                return True
        return False

    @functools.cached_property
    def _rightmost_by_row(self) -> dict[int, list[tuple[int, Decimal]]]:
        """Per page, (row, value) of each row's rightmost amount, top to bottom."""
        rightmost: dict[tuple[int, int], ValueSpan] = {}
        for s in self.all_amounts:
            line = self.page.lines[s.line]
            key = (line.page, line.row)
            if key not in rightmost or s.bbox[0] > rightmost[key].bbox[0]:
                rightmost[key] = s
        out: dict[int, list[tuple[int, Decimal]]] = {}
        for (page, row), s in sorted(rightmost.items(), key=lambda item: item[0]):
            out.setdefault(page, []).append((row, s.value))
        return out

    def features(self, span: ValueSpan) -> dict[str, float]:
        line = self.page.lines[span.line]
        f: dict[str, float] = {}
        row_spans = [s for i in self.by_row[(line.page, line.row)]
                     for s in self.amount_lines.get(i, [])]
        row_spans.sort(key=lambda s: s.bbox[0])
        f["row_amounts"] = float(len(row_spans))
        position = next((k for k, s in enumerate(row_spans) if s is span), 0)
        f["row_amount_pos"] = float(len(row_spans) - 1 - position)  # 0: the rightmost
        right = row_spans[position + 1:position + 2]
        left = row_spans[:position]
        f["sum_with_row_next"] = float(bool(right) and any(
            _near(a.value + span.value, right[0].value) for a in left[-1:]))
        # a VAT breakdown's row ("Umsatzsteuer (S)  36,00  19  6,84", "S 20 %  11,00  2,20"):
        # the base has its VAT share right of it on the row, the tax is the share of a base
        # left of it
        after, before = row_spans[position + 1:], row_spans[:position]
        f["row_vat_part"] = float(bool(span.value) and any(
            _near(s.value, r * span.value) for s in after for r in VAT_RATES if s.value))
        f["row_vat_of"] = float(bool(span.value) and any(
            _near(span.value, r * s.value) for s in before for r in VAT_RATES if s.value))
        label, gap = self._row_label(span, line)
        self._classes(f, "lab", label)
        f["lab_gap_amounts"] = float(min(gap, 5))
        if label is not None:
            f["lab_words"] = float(min(len(label.split()), 10))
        column, rows_up = self._column_header(span, line)
        self._classes(f, "col", column)
        f["below_label_row"] = float(rows_up) if column is not None else 0.0
        return f

    @staticmethod
    def _classes(f: dict[str, float], prefix: str, text: str | None) -> None:
        if text is None:
            f[f"{prefix}_none"] = 1.0
            return
        if len(text.split()) > LABEL_MAX_WORDS:
            f[f"{prefix}_prose"] = 1.0
            return
        for name, pattern in WORD_CLASSES.items():
            if pattern.search(text):
                f[f"{prefix}_{name}"] = 1.0

    def _row_label(self, span: ValueSpan, line: Segment) -> tuple[str | None, int]:
        """The words before the amount on its own line, else the nearest text left of it on
        its row; and how many amounts stand between that label and the amount. An OCR'd
        label's word misread by one letter is read as the label word ("Chonge")."""
        label, gap = self._row_label_as_read(span, line)
        return (_mended_label(label) if label and line.source == "ocr" else label), gap

    def _row_label_as_read(self, span: ValueSpan, line: Segment) -> tuple[str | None, int]:
        before = line.text.split(span.text, 1)[0] if span.text in line.text else ""
        if _has_words(before):
            return _strip_values(before), 0
        gap = 0
        for i in reversed(self.by_row[(line.page, line.row)]):
            other = self.page.lines[i]
            if other.x1 > span.bbox[0] + 1:
                continue
            if _has_words(other.text):
                return _strip_values(other.text), gap
            gap += len(self.amount_lines.get(i, [])) or 1
        return None, gap

    def _column_header(self, span: ValueSpan, line: Segment) -> tuple[str | None, int]:
        """The nearest text above the amount that overlaps its column (a table's header)."""
        x0, x1 = span.bbox[0], span.bbox[2]
        for up in range(1, COLUMN_ROWS + 1):
            for i in self.by_row.get((line.page, line.row - up), []):
                other = self.page.lines[i]
                if min(x1, other.x1) - max(x0, other.x0) > 0 and _has_words(other.text):
                    return _strip_values(other.text), up
        return None, 0


def _mended_label(text: str) -> str:
    """The label with each word that names no word class but is one letter off exactly one
    of `MENDED_WORDS` read as that word ("Chonge" is "change"; "Charge" stays itself)."""
    def mend(match: re.Match[str]) -> str:
        word = match.group()
        if len(word) < MENDED_MIN or any(p.search(word) for p in WORD_CLASSES.values()):
            return word
        near = [w for w, _ in one_letter_off(word.lower(), MENDED_WORDS)]
        return near[0] if len(near) == 1 else word

    return re.sub(r"[^\W\d_]+", mend, text)


def _has_words(text: str) -> bool:
    return sum(c.isalpha() for c in text) >= 2 or "%" in text


def _strip_values(text: str) -> str:
    return re.sub(r"[\d.,:]+", " ", text).strip()


def vat_triples(values: Sequence[Decimal]) -> list[tuple[Decimal, Decimal, Decimal]]:
    """The printed (base, tax, gross) with tax = a VAT rate of base and gross = base + tax."""
    top = list(values[:VAT_VALUES])
    cents = {(x * 100).to_integral_value(): x for x in top}
    out = []
    for base in top:
        for rate in VAT_RATES:
            share = (base * rate * 100).to_integral_value()
            for tax_cents in (share - 1, share, share + 1):
                tax = cents.get(tax_cents)
                if tax is None or tax == base:
                    continue
                for gross_cents in (tax_cents + (base * 100) + d for d in (-1, 0, 1)):
                    if gross_cents in cents:
                        out.append((base, tax, cents[gross_cents]))
    return out


def _near(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= CENT


def _sum_of_two(v: Decimal, others: Sequence[Decimal]) -> bool:
    small = [x for x in others if x < v][:60]
    as_set = set(small)
    return any((v - a) in as_set and (v - a) != a for a in small) or \
        any(_near(a + b, v) for i, a in enumerate(small[:25]) for b in small[i + 1:25])
