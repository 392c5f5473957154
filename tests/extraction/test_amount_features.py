"""Amount candidates' features on a VAT breakdown row: the base and its tax told apart."""

from __future__ import annotations

from decimal import Decimal

from billintake.extraction.finders import amounts, context
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


def _label_row_page() -> PageModel:
    """Totals printed as a row of labels over a row of amounts, a sentence beside them."""
    page = [*row(100, (330, "TOTAL HT"), (400, "TOTAL TVA"), (480, "TOTAL TTC")),
            *row(125, (60, "Reglements avant echeance sans escompte."), (335, "100,00"),
                 (410, "4,90"), (485, "104,90")),
            *row(160, (330, "Net:"), (485, "90,00"))]
    return PageModel.build(read(pdf_of(page)))


def test_the_label_heading_an_amounts_column_is_its_label() -> None:
    model = _label_row_page()
    cands = {c.value: c for c in amounts.candidates(model, "tax")}
    for cand in cands.values():
        cand.line = context.line_of(model, cand)
        context.add_features(model, cand)
    tax = cands[Decimal("4.90")].features
    assert tax["lab_tax"] == 1.0 and tax["lab_gap_amounts"] == 0.0
    assert tax["left_tax"] > 0 and tax.get("left_discount", 0.0) == 0.0
    assert cands[Decimal("104.90")].features["left_total"] > 0
    assert cands[Decimal("100.00")].features["left_subtotal"] > 0
    # an amount with its own label left of it keeps it, below the amounts row
    net = cands[Decimal("90.00")].features
    assert net["lab_net"] == 1.0 and net.get("left_total", 0.0) == 0.0


def test_a_lone_label_over_an_amount_is_no_label_row() -> None:
    page = [*row(100, (400, "TOTAL TVA")), *row(125, (60, "Some words here"), (410, "4,90"))]
    model = PageModel.build(read(pdf_of(page)))
    assert not model.label_rows
    line = next(i for i, seg in enumerate(model.lines) if seg.text == "4,90")
    assert model.column_label(line, model.lines[line].bbox) is None
