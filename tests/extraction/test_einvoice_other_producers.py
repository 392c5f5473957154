"""Against another implementation of the standard: factur-x's own reader and writer.

factur-x maps EN 16931 business terms itself (`parse_ubl_cii_xml`) and writes CII and UBL
(`generate_xml`). Its reader must agree with ours on our documents, and ours must read the
documents its writer produces, so neither side only agrees with itself.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import facturx
import pytest
from billintake_devkit.einvoice_fixtures.build import Case, cases, truth, xml_of

from billintake.extraction.einvoice import parse_einvoice

# factur-x reads and writes CII 2.x and UBL (not ZUGFeRD 1.0).
SUPPORTED = [c for c in cases() if not c.id.startswith("zugferd1")
             and c.einvoice_format not in ("factur-x:minimum",)]
TERMS = {"bill_number": "BT-1", "bill_date": "BT-2", "currency": "BT-5", "due_date": "BT-9",
         "po_number": "BT-13", "payment_terms": "BT-20", "subtotal": "BT-109", "tax": "BT-110",
         "total": "BT-112", "amount_due": "BT-115"}


def _same(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, Decimal):
        return abs(ours) == Decimal(str(theirs))  # theirs is unsigned (as in the XML)
    if isinstance(ours, date):
        return ours == (theirs if isinstance(theirs, date) else date.fromisoformat(str(theirs)))
    return bool(ours == theirs)


@pytest.mark.parametrize("case", SUPPORTED, ids=[c.id for c in SUPPORTED])
def test_factur_x_reader_agrees_with_ours(case: Case) -> None:
    xml = xml_of(case)
    ours = parse_einvoice(xml)
    theirs = facturx.parse_ubl_cii_xml(xml, check_xsd=False)
    compared = 0
    for name, term in TERMS.items():
        if ours.value(name) is None or term not in theirs:
            continue
        assert _same(ours.value(name), theirs[term]), (name, ours.value(name), theirs[term])
        compared += 1
    assert compared >= 6
    assert theirs["BG-4"]["name"] == ours.value("vendor_name")
    assert theirs["BG-4"].get("vat_identifier") == ours.value("vendor_tax_id")


WRITTEN = [c for c in SUPPORTED if c.id in {"fx-en16931", "peppol-invoice", "peppol-credit-note",
                                            "fx-extended"}]


@pytest.mark.parametrize("flavor", ["factur-x", "ubl-2.1"])
@pytest.mark.parametrize("case", WRITTEN, ids=[c.id for c in WRITTEN])
def test_we_read_what_factur_x_writes(case: Case, flavor: str) -> None:
    data = facturx.parse_ubl_cii_xml(xml_of(case), check_xsd=False)
    data["BT-72"] = case.spec.issue_date  # factur-x's CII writer wants a delivery date
    written = facturx.generate_xml(data, flavor=flavor, level="en16931",
                                   check_schematron=False)
    bill = parse_einvoice(written)
    expected = truth(case)
    for name in ("bill_number", "bill_date", "due_date", "currency", "subtotal", "tax",
                 "total", "amount_due", "vendor_name", "vendor_tax_id", "document_type",
                 "po_number", "preceding_invoice"):
        if name in expected:
            value = bill.value(name)
            shown = value.isoformat() if isinstance(value, date) else (
                format(value, "f") if isinstance(value, Decimal) else value)
            assert shown == expected[name] or (
                isinstance(value, Decimal) and value == Decimal(expected[name])), name
    assert [(li.description, li.amount) for li in bill.line_items] == [
        (li["description"], Decimal(li["amount"])) for li in expected["line_items"]]
    assert bill.warnings == []
