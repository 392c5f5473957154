"""Published Factur-X / ZUGFeRD 1.0 / 2.x PDFs from several generators, read exactly from their XML.

The PDFs and their truth (read from each PDF's own XML) live in `../shared/realdev/facturx`
beside the repository (or `BILLINTAKE_REALDEV_DIR`); see that folder's README. Every field the
truth has must come out of the XML path exactly; the test skips when the folder is absent.

Line unit prices are per one unit (BT-146 ÷ the price base quantity BT-149, which the test
reads from the XML itself), except where a generator wrote the billed quantity as the base
quantity: there the line total (quantity × price) shows the price is already per unit.
"""

from __future__ import annotations

import json
import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from billintake.domain.extracted import ExtractedBill
from billintake.extraction.einvoice import extract_einvoice_first, find_einvoice_xml

REALDEV = Path(os.environ.get("BILLINTAKE_REALDEV_DIR")
               or Path(__file__).resolve().parents[3] / "shared" / "realdev") / "facturx"
RECORDS = ([json.loads(line) for line in (REALDEV / "truth.jsonl").read_text().splitlines()
            if line.strip()] if (REALDEV / "truth.jsonl").exists() else [])
AMOUNTS = {"subtotal", "tax", "total"}

pytestmark = pytest.mark.skipif(not RECORDS, reason=f"no realdev e-invoices in {REALDEV}")


def _shown(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in AMOUNTS:
        return Decimal(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _price_bases(xml: bytes) -> list[Decimal]:
    """Each line's price base quantity (BT-149/BT-150 of the net price), 1 when absent."""
    root = etree.fromstring(xml)
    bases = []
    for line in root.xpath("//*[local-name()='IncludedSupplyChainTradeLineItem']"):
        found = line.xpath(".//*[local-name()='NetPriceProductTradePrice']"
                           "/*[local-name()='BasisQuantity']/text()")
        bases.append(Decimal(found[0]) if found else Decimal(1))
    return bases


def _bill(record: dict[str, Any]) -> tuple[ExtractedBill, bytes]:
    data = (REALDEV / record["file"]).read_bytes()
    found = find_einvoice_xml(data, "application/pdf")
    assert found is not None, "the PDF's XML was not found"
    bill = extract_einvoice_first(data, "application/pdf")  # the XML path, no page
    assert bill is not None
    return bill, found.xml


def test_the_set_spans_generators_and_generations() -> None:
    sources = {r["source"] for r in RECORDS}
    assert len(RECORDS) >= 25 and len(sources) >= 6
    formats = {_bill(r)[0].einvoice_format.split(":")[0] for r in RECORDS}  # type: ignore[union-attr]
    assert {"factur-x", "zugferd-1.0"} <= formats


@pytest.mark.parametrize("record", RECORDS, ids=[r["id"] for r in RECORDS])
def test_every_field_reads_exactly_from_the_xml(record: dict[str, Any]) -> None:
    bill, xml = _bill(record)
    truth = record["truth"]
    for name, expected in truth.items():
        if name == "line_items":
            continue
        assert _shown(name, bill.value(name)) == _shown(name, expected), name
        assert getattr(bill, name).evidence.source == "xml", name
    if "bill_date" not in truth:  # the XML's date is a placeholder: no date, not 0001-01-01
        assert bill.value("bill_date") is None
    if "line_items" not in truth:
        return
    bases = _price_bases(xml)
    assert len(bill.line_items) == len(truth["line_items"]) == len(bases)
    for item, want, base in zip(bill.line_items, truth["line_items"], bases, strict=True):
        assert " ".join(item.description.split()) == " ".join(want["description"].split())
        assert item.quantity == Decimal(want["quantity"])
        assert item.amount == Decimal(want["amount"])
        price, quantity = Decimal(want["unit_price"]), Decimal(want["quantity"])
        per_unit_already = abs(quantity * price - Decimal(want["amount"])) < Decimal("0.01") \
            and abs(quantity * price / base - Decimal(want["amount"])) >= Decimal("0.01")
        assert item.unit_price == (price if per_unit_already else price / base), want
