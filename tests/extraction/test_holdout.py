"""Header fields on the holdout family: invoice layouts the main generator never makes.

The holdout (`billintake_devkit.synth_holdout`) is independent of
`billintake_devkit.synth`: other names,
label wordings and arrangements (customer top-left with the vendor top-right, the legal name
only in a footer, account summaries, remittance slips, two pages with carried sums, totals
with a foreign-currency note). Rules only, so the figures do not depend on a trained model.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from billintake_devkit.synth_holdout.generate import HoldoutDoc, make_one
from billintake_devkit.synth_holdout.invoices import LAYOUTS

from billintake.extraction.extractor import Extractor

SEED = 4242


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(use_model=False)


def _vendor_key(name: str) -> str:
    return " ".join(name.lower().replace(".", "").split())


def _check_header(doc: HoldoutDoc, bill) -> None:  # type: ignore[no-untyped-def]
    truth = doc.truth
    assert bill.vendor_name is not None, doc.id
    assert _vendor_key(bill.vendor_name.value) == _vendor_key(truth["vendor_name"]), doc.id
    assert bill.value("bill_date") == date.fromisoformat(truth["bill_date"]), doc.id
    assert bill.value("total") == Decimal(truth["total"]), doc.id
    assert bill.value("currency") == truth["currency"], doc.id


@pytest.mark.parametrize("index", range(len(LAYOUTS)), ids=lambda i: LAYOUTS[(i + SEED) % 6])
def test_unusual_invoice_layouts(index: int, extractor: Extractor) -> None:
    doc = make_one(index, "digital", SEED)
    assert doc.layout == LAYOUTS[(index + SEED) % len(LAYOUTS)]
    bill = extractor.extract_bytes(doc.data)
    _check_header(doc, bill)
    assert bill.value("subtotal") == Decimal(doc.truth["subtotal"]), doc.id
    assert bill.value("tax") == Decimal(doc.truth["tax"]), doc.id
    assert bill.reconciled, doc.id


def test_account_summary_lines_are_not_the_total(extractor: Extractor) -> None:
    """"Previous balance" and "Payments received" stand under the totals; the invoice's
    total is still the one its label and its arithmetic support."""
    doc = make_one(2, "digital", SEED)
    assert doc.layout == "statement"
    bill = extractor.extract_bytes(doc.data)
    assert bill.value("total") == Decimal(doc.truth["total"])
    assert bill.total is not None and bill.total.confidence >= 0.9


def test_vendor_named_only_in_the_footer(extractor: Extractor) -> None:
    """A brand word at the top, the legal name only in the footer: the name comes out."""
    doc = make_one(1, "digital", SEED)
    assert doc.layout == "footer"
    bill = extractor.extract_bytes(doc.data)
    assert bill.vendor_name is not None
    assert doc.truth["vendor_name"].lower().startswith(bill.vendor_name.value.lower()[:8])


def test_holdout_generation_is_reproducible() -> None:
    first, again = make_one(3, "digital", SEED), make_one(3, "digital", SEED)
    assert first.truth == again.truth and first.id == again.id


@pytest.mark.slow
def test_scanned_invoice_through_ocr(extractor: Extractor) -> None:
    """A tilted, noisy scan at 150-200 dpi of an invoice whose vendor sits top-right."""
    doc = make_one(40, "scan", SEED)
    assert doc.kind in {"scanned-pdf", "image"}
    bill = extractor.extract_bytes(doc.data)
    _check_header(doc, bill)
