"""Date candidates (bill date, due date): every date on the page, ordered against the others."""

from __future__ import annotations

from datetime import date

from ..candidate import Candidate
from ..page import PageModel

FEATURES = ("date_rank", "date_rank_rel", "is_earliest", "is_latest", "date_repeats",
            "days_from_earliest", "days_to_latest", "year_plausible", "dates_on_line")


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
        }
        out.append(Candidate(field=field, value=v, text=span.text, page=span.page,
                             bbox=span.bbox, source=span.source, features=f, line=span.line))
    return out
