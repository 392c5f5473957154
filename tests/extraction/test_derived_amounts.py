"""The net a bill does not print, derived from the items' sum when the arithmetic says so."""

from __future__ import annotations

from decimal import Decimal

from billintake.extraction.candidate import Candidate
from billintake.extraction.decide import Chosen, derived_subtotal


def _chosen(name: str, value: str, confidence: float) -> Chosen:
    return Chosen(Candidate(field=name, value=Decimal(value), text=value, page=1,
                            bbox=(0.0, 0.0, 10.0, 10.0), score=0.9), confidence)


def test_the_items_sum_is_the_subtotal_when_it_and_the_tax_make_the_total() -> None:
    fields = {"total": _chosen("total", "59.50", 0.99), "tax": _chosen("tax", "9.50", 0.9),
              "subtotal": None}
    derived = derived_subtotal(fields, Decimal("50.00"))
    assert derived is not None
    assert derived.candidate.value == Decimal("50.00")
    assert derived.confidence <= 0.9  # never surer than the tax and total it rests on


def test_no_subtotal_is_derived_when_the_sums_disagree_or_one_is_printed() -> None:
    total, tax = _chosen("total", "59.50", 0.99), _chosen("tax", "9.50", 0.9)
    assert derived_subtotal({"total": total, "tax": tax, "subtotal": None},
                            Decimal("45.00")) is None
    assert derived_subtotal({"total": total, "tax": None, "subtotal": None},
                            Decimal("59.50")) is None
    printed = _chosen("subtotal", "50.00", 0.9)
    assert derived_subtotal({"total": total, "tax": tax, "subtotal": printed},
                            Decimal("50.00")) is None
