"""Amount candidates (total, subtotal, tax): every money amount on the page, with the
arithmetic it takes part in as features."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from ..candidate import Candidate
from ..page import PageModel, ValueSpan

VAT_RATES = tuple(Decimal(r) for r in ("0.05", "0.055", "0.06", "0.07", "0.08", "0.09", "0.10",
                                       "0.13", "0.16", "0.19", "0.20", "0.21", "0.25"))
CENT = Decimal("0.02")
FEATURES = ("value_log", "amount_rank", "amount_rank_rel", "is_max", "repeats",
            "has_symbol", "has_code", "negative_look", "sum_of_two", "part_of_sum",
            "vat_of_other", "has_vat_part", "plus_vat_is_other", "items_sum_equal",
            "share_of_max", "below_max_count", "round_5", "round_whole", "near_twin",
            "near_twin_below", "after_max")
MAX_SPANS = 400


def candidates(page: PageModel, field: str, items_sum: Any = None) -> list[Candidate]:
    spans = page.spans_of("amount")[:MAX_SPANS]
    values = sorted({s.value for s in spans}, reverse=True)
    top = values[0] if values else Decimal(1)
    value_set = set(values)
    out: list[Candidate] = []
    for span in spans:
        out.append(_candidate(field, span, values, value_set, top, spans, items_sum))
    return out


def _candidate(field: str, span: ValueSpan, values: list[Decimal], value_set: set[Decimal],
               top: Decimal, spans: list[ValueSpan], items_sum: Any) -> Candidate:
    v: Decimal = span.value
    rank = values.index(v)
    others = [x for x in values if x != v]
    f: dict[str, float] = {
        "value_log": math.log10(float(v) + 1.0),
        "amount_rank": float(min(rank, 20)),
        "amount_rank_rel": rank / max(1, len(values) - 1),
        "is_max": float(rank == 0),
        "repeats": float(min(5, sum(1 for s in spans if s.value == v) - 1)),
        "has_symbol": float(any(c in span.text for c in "€$£¥₹")),
        "has_code": float(any(ch.isalpha() for ch in span.text)),
        "negative_look": float(span.text.strip().startswith("-") or span.text.strip().endswith("-")
                               or span.text.strip().startswith("(")),
        "sum_of_two": float(_sum_of_two(v, others)),
        "part_of_sum": float(any(_near(v + b, c) for b in others for c in others
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
    }
    return Candidate(field=field, value=v, text=span.text, page=span.page, bbox=span.bbox,
                     source=span.source, features=f, line=span.line)


def _near(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= CENT


def _sum_of_two(v: Decimal, others: list[Decimal]) -> bool:
    small = [x for x in others if x < v][:60]
    as_set = set(small)
    return any((v - a) in as_set and (v - a) != a for a in small) or \
        any(_near(a + b, v) for i, a in enumerate(small[:25]) for b in small[i + 1:25])
