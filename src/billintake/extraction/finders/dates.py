"""Date candidates (bill date, due date): every date on the page, ordered against the others.

Where the document does not settle the day-month order, an ambiguous numeric date ("11/01/2019")
is proposed in both readings (`page`), each saying which it is (`order_open`,
`day_first_reading`): the ranker learns which reading the kind of document uses.
"""

from __future__ import annotations

import re
from datetime import date

from ..candidate import Candidate
from ..page import PageModel, ValueSpan

FEATURES = ("date_rank", "date_rank_rel", "is_earliest", "is_latest", "date_repeats",
            "days_from_earliest", "days_to_latest", "year_plausible", "dates_on_line",
            "order_open", "day_first_reading", "two_digit_year", "letter_before")
_NUMERIC = re.compile(r"(\d{1,2})\s?[./-]\s?(\d{1,2})\s?[./-]\s?(\d{2,4})")


def candidates(page: PageModel, field: str) -> list[Candidate]:
    spans = page.spans_of("date")
    values = sorted({s.value for s in spans})
    out: list[Candidate] = []
    for span in spans:
        v: date = span.value
        rank = values.index(v)
        f = {
            "date_rank": float(min(rank, 10)),
            "date_rank_rel": rank / max(1, len(values) - 1),
            "is_earliest": float(rank == 0),
            "is_latest": float(rank == len(values) - 1),
            "date_repeats": float(min(5, sum(1 for s in spans if s.value == v) - 1)),
            "days_from_earliest": min(400.0, float((v - values[0]).days)),
            "days_to_latest": min(400.0, float((values[-1] - v).days)),
            "year_plausible": float(1995 <= v.year <= 2040),
            "dates_on_line": float(sum(1 for s in spans if s.line == span.line)),
            **_order(span.text, v, page.dayfirst),
            # glued to letters before it: part of a code ("RC11-23-42"), not a date
            "letter_before": float(_letter_before(span)),
        }
        out.append(Candidate(field=field, value=v, text=span.text, page=span.page,
                             bbox=span.bbox, source=span.source, features=f, line=span.line))
    return out


def _order(text: str, value: date, dayfirst: bool | None) -> dict[str, float]:
    """Whether a numeric date's reading rests on a guessed day-month order, which reading it
    is, and whether its year is written with two digits."""
    match = _NUMERIC.search(text)
    if match is None:
        return {}
    first, second, year = int(match.group(1)), int(match.group(2)), match.group(3)
    ambiguous = first != second and first <= 12 and second <= 12
    return {"order_open": float(ambiguous and dayfirst is None),
            "day_first_reading": float(ambiguous and value.day == first),
            "two_digit_year": float(len(year) == 2)}


def _letter_before(span: ValueSpan) -> bool:
    word = span.words[0].text if span.words else ""
    at = word.find(span.text.split()[0]) if span.text.split() else -1
    return at > 0 and word[at - 1].isalpha()
