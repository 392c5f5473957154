"""Finders: every plausible candidate of every ranked field, with named features.

One module per field family (`amounts`, `dates`, `identifiers`, `names`) proposes candidates
from the page model's value spans and lines; `context` gives every candidate the features of
where it stands (labels left of it and above it, page region, print, block, buyer's block,
payment words). The rule finders' candidates (`header`, `vendor`) are merged in: their rank and
score, and whether the rules' own choice picked them, become features too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..candidate import Candidate
from ..page import PageModel
from . import amounts, context, dates, identifiers, names

RANKED = ("bill_number", "vendor_name", "bill_date", "due_date", "total", "subtotal", "tax")


def propose(page: PageModel, rule_candidates: Mapping[str, Sequence[Candidate]],
            rule_choices: Mapping[str, Any], items_sum: Any = None) -> dict[str, list[Candidate]]:
    """All candidates of the ranked fields, each with its full set of named features."""
    found: dict[str, list[Candidate]] = {
        "bill_number": identifiers.candidates(page),
        "bill_date": dates.candidates(page, "bill_date"),
        "due_date": dates.candidates(page, "due_date"),
        "total": amounts.candidates(page, "total", items_sum),
        "subtotal": amounts.candidates(page, "subtotal", items_sum),
        "tax": amounts.candidates(page, "tax", items_sum),
        "vendor_name": names.candidates(page),
    }
    doc = context.document_features(page)
    out: dict[str, list[Candidate]] = {}
    for name in RANKED:
        merged = context.merge(page, name, found[name], rule_candidates.get(name, ()),
                               rule_choices.get(name))
        for cand in merged:
            context.add_features(page, cand)
            cand.features.update(doc)
        out[name] = merged
    return out
