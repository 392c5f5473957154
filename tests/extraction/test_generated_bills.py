"""Header fields on generated bills (test split, own seed): several layouts and locales."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from billintake_devkit.synth import generate

from billintake.extraction.extractor import Extractor

FIELDS = ("bill_number", "vendor_name", "bill_date", "due_date", "currency", "subtotal", "tax",
          "total", "po_number", "vendor_tax_id")


def _same(name: str, truth: Any, got: Any) -> bool:
    if got is None:
        return False
    if name in {"subtotal", "tax", "total"}:
        return Decimal(truth) == got
    if name in {"bill_date", "due_date"}:
        return date.fromisoformat(truth) == got
    if name == "vendor_name":
        return truth.lower().rstrip(".") == str(got).lower().rstrip(".")
    return str(truth).lower() == str(got).lower()


@pytest.fixture(scope="module")
def results() -> list[tuple[Any, Any]]:
    extractor = Extractor(use_model=False)
    bills = list(generate(31337, "test", 24, receipt_fraction=0.2, scan_fraction=0.0))
    return [(bill, extractor.extract_bytes(bill.pdf_bytes)) for bill in bills]


def test_generated_bills_cover_several_layouts_and_locales(results: list[tuple[Any, Any]]
                                                           ) -> None:
    assert len({bill.locale for bill, _ in results}) >= 4
    assert len({type(bill.layout).__name__ + str(getattr(bill.layout, "name", ""))
                for bill, _ in results}) >= 2


def test_header_fields_on_generated_bills(results: list[tuple[Any, Any]]) -> None:
    right: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    wrong_totals = []
    for bill, extracted in results:
        for name in FIELDS:
            if bill.truth.get(name) in (None, ""):
                continue
            seen[name] += 1
            got = extracted.value(name)
            if _same(name, bill.truth[name], got):
                right[name] += 1
            elif name == "total" and got is not None:
                wrong_totals.append((bill.id, bill.truth[name], got))
    accuracy = {name: right[name] / seen[name] for name in seen}
    assert all(value >= 0.9 for value in accuracy.values()), accuracy
    assert not wrong_totals
