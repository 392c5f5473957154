"""Bill number candidates: every code with a digit that is not an amount or a date, and the
words a number label and a date phrase enclose."""

from __future__ import annotations

import re

from ..candidate import Candidate
from ..page import PageModel, ValueSpan
from ..parsing import date_phrase_at

FEATURES = ("id_length", "digit_share", "has_alpha", "has_separator", "all_digits",
            "phone_like", "vat_like", "iban_like", "id_repeats", "postcode_like", "year_inside",
            "id_words", "before_date_phrase")
MAX_SPANS = 300


def candidates(page: PageModel) -> list[Candidate]:
    found = page.spans_of("identifier")
    spans = [s for s in found if len(s.words) == 1][:MAX_SPANS] + \
        [s for s in found if len(s.words) > 1]
    counts: dict[str, int] = {}
    for s in spans:
        counts[s.value] = counts.get(s.value, 0) + 1
    out: list[Candidate] = []
    for span in spans:
        v: str = span.value
        digits = sum(c.isdigit() for c in v)
        f = {
            "id_length": float(len(v)),
            "digit_share": digits / len(v),
            "has_alpha": float(any(c.isalpha() for c in v)),
            "has_separator": float(bool(re.search(r"[-/._]", v))),
            "all_digits": float(v.isdigit()),
            "phone_like": float(digits >= 9 and (v.startswith(("0", "+")) or "-" in v)
                                and digits == len(re.sub(r"[^0-9]", "", v))),
            "vat_like": float(bool(re.fullmatch(r"[A-Z]{2}\d{8,12}", v))),
            "iban_like": float(bool(re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", v))),
            "id_repeats": float(min(5, counts[v] - 1)),
            "postcode_like": float(bool(re.fullmatch(r"\d{4,5}", v))),
            "year_inside": float(bool(re.search(r"20[0-3]\d", v))),
            "id_words": float(len(span.words)),
            "before_date_phrase": float(_before_date_phrase(page, span)),
        }
        out.append(Candidate(field="bill_number", value=v, text=span.text, page=span.page,
                             bbox=span.bbox, source=span.source, features=f, line=span.line))
    return out


def _before_date_phrase(page: PageModel, span: ValueSpan) -> bool:
    """Whether a date phrase follows the span on its line ("Nr. 12 vom 30.05.2026")."""
    words = page.lines[span.line].words
    last = span.words[-1]
    for index, word in enumerate(words):
        if word is last:
            return date_phrase_at([w.text for w in words], index + 1, page.dayfirst)
    return False
