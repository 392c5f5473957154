"""Bill number candidates: every code with a digit that is not an amount or a date."""

from __future__ import annotations

import re

from ..candidate import Candidate
from ..page import PageModel

FEATURES = ("id_length", "digit_share", "has_alpha", "has_separator", "all_digits",
            "phone_like", "vat_like", "iban_like", "id_repeats", "postcode_like", "year_inside")
MAX_SPANS = 300


def candidates(page: PageModel) -> list[Candidate]:
    spans = page.spans_of("identifier")[:MAX_SPANS]
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
        }
        out.append(Candidate(field="bill_number", value=v, text=span.text, page=span.page,
                             bbox=span.bbox, source=span.source, features=f, line=span.line))
    return out
