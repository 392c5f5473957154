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
