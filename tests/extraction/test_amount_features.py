"""Amount candidates' features on a VAT breakdown row: the base and its tax told apart."""

from __future__ import annotations

from decimal import Decimal

from billintake.extraction.finders import amounts
from billintake.extraction.page import PageModel
from billintake.reading.reader import read

from ._bills import pdf_of, row


def test_a_vat_rows_base_and_tax_are_told_apart() -> None:
    page = [*row(100, (60, "Umsatzsteuer (S)"), (365, "36,00"), (454, "19"), (520, "6,84")),
            *row(130, (226, "Bruttosumme"), (517, "42,84"))]
    model = PageModel.build(read(pdf_of(page)))
    found = {c.value: c.features for c in amounts.candidates(model, "tax")}
    assert found[Decimal("36.00")]["row_vat_part"] == 1.0
    assert found[Decimal("36.00")]["row_vat_of"] == 0.0
    assert found[Decimal("6.84")]["row_vat_of"] == 1.0
    assert found[Decimal("6.84")]["row_vat_part"] == 0.0
    assert found[Decimal("42.84")]["row_vat_of"] == 0.0  # alone on its row


def test_each_field_gets_the_same_amounts_as_candidates_of_its_own() -> None:
    page = [*row(100, (60, "Net"), (450, "100.00")), *row(115, (60, "VAT 0%"), (450, "0.00")),
            *row(130, (60, "Total"), (450, "100.00"))]
    model = PageModel.build(read(pdf_of(page)))
    totals, taxes = amounts.candidates(model, "total"), amounts.candidates(model, "tax")
    assert {c.field for c in totals} == {"total"} and {c.field for c in taxes} == {"tax"}
    assert [c.value for c in totals] == [Decimal("100.00")] * 2  # zero only for the tax
    assert [c.value for c in taxes] == [Decimal("100.00"), Decimal("0.00"), Decimal("100.00")]
    assert totals[0].features == taxes[0].features and totals[0].features is not taxes[0].features
    totals[0].features["lab_gross"] = 9.0  # a finder's change to its own stays its own
    assert amounts.candidates(model, "subtotal")[0].features == taxes[0].features
