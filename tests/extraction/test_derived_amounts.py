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


def test_a_vat_rows_base_is_no_part_of_a_summed_tax() -> None:
    """36,00 on "Umsatzsteuer (S)  36,00  19  6,84" is a base: with the tax 19,44 it would
    make 55,44, which with a subtotal 180,00 would make the total 235,44 by coincidence."""
    from billintake.extraction.decide import combinations

    def cand(name: str, value: str, line: int, **features: float) -> Candidate:
        return Candidate(field=name, value=Decimal(value), text=value, page=1,
                         bbox=(0.0, float(line), 10.0, line + 8.0), score=0.5, line=line,
                         features=features)

    order = {"total": [cand("total", "235.44", 40)],
             "subtotal": [cand("subtotal", "180.00", 10), cand("subtotal", "216.00", 30)],
             "tax": [cand("tax", "36.00", 20, lab_tax=1.0, row_vat_part=1.0),
                     cand("tax", "19.44", 35, lab_tax=1.0)]}
    taxes = {c["tax"].value for c, _, _ in combinations(order, None) if c["tax"] is not None}
    assert Decimal("55.44") not in taxes
    order["tax"][0].features["row_vat_part"] = 0.0  # a tax line: its sum is an option
    taxes = {c["tax"].value for c, _, _ in combinations(order, None) if c["tax"] is not None}
    assert Decimal("55.44") in taxes
