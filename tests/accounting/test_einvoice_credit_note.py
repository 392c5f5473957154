"""An e-invoice credit note is booked as a vendor credit (negative) in every backend."""

from __future__ import annotations

from dataclasses import replace

import pytest
from accounting_harness import Backend
from billintake_devkit.einvoice_fixtures import cii, ubl
from billintake_devkit.einvoice_fixtures.build import specs

from billintake.accounting.writer import NewBill, NewBillLine, NewVendor
from billintake.domain.model import BillKind
from billintake.extraction.einvoice import bill_kind, parse_einvoice


def _currency(backend: Backend) -> str:
    return "USD" if backend.name == "rutter" else "EUR"


@pytest.mark.parametrize("syntax", ["ubl", "cii"])
def test_credit_note_becomes_a_vendor_credit(backend: Backend, syntax: str) -> None:
    spec = replace(specs()["peppol-credit" if syntax == "ubl" else "credit"],
                   currency=_currency(backend))
    xml = ubl.ubl_xml(spec) if syntax == "ubl" else cii.cii_xml(spec, "en16931")
    extracted = parse_einvoice(xml)
    assert bill_kind(extracted) is BillKind.VENDOR_CREDIT

    writer = backend.writer
    vendor = writer.create_vendor(NewVendor(
        name=extracted.value("vendor_name"), tax_id=extracted.value("vendor_tax_id"),
        email=extracted.value("vendor_email"), iban=extracted.value("vendor_iban")))
    credit = writer.create_bill(NewBill(
        vendor_id=vendor.id, kind=bill_kind(extracted),
        bill_number=extracted.value("bill_number"), bill_date=extracted.value("bill_date"),
        due_date=extracted.value("due_date"), currency=extracted.value("currency"),
        total=extracted.value("total"), tax=extracted.value("tax"),
        lines=tuple(NewBillLine(description=li.description, amount=li.amount,
                                quantity=li.quantity, unit_price=li.unit_price,
                                tax_rate=li.tax_rate)
                    for li in extracted.line_items if li.amount is not None)))

    fetched = writer.get_bill(credit.id)
    assert fetched.kind is BillKind.VENDOR_CREDIT
    assert fetched.total == -spec.grand_total < 0
    assert fetched.bill_number == spec.number
    assert writer.get_bill_balance(credit.id).open_balance == -spec.grand_total


def test_an_invoice_stays_a_bill() -> None:
    extracted = parse_einvoice(ubl.ubl_xml(specs()["peppol-invoice"]))
    assert bill_kind(extracted) is BillKind.BILL
