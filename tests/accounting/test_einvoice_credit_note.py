"""An e-invoice credit note, its amounts as printed (positive), is booked as a vendor credit
(negative) in every backend: the kind and the sign come from `domain.kinds`, on the books'
own way from the extracted bill to the writer."""

from __future__ import annotations

from dataclasses import replace

import pytest
from accounting_harness import Backend
from billintake_devkit.einvoice_fixtures import cii, ubl
from billintake_devkit.einvoice_fixtures.build import specs

from billintake.accounting.writer import NewVendor
from billintake.domain.kinds import kind_of
from billintake.domain.model import BillKind
from billintake.extraction.einvoice import parse_einvoice
from billintake.services.books import bill_from, bill_input_from, new_bill_from


def _currency(backend: Backend) -> str:
    return "USD" if backend.name == "rutter" else "EUR"


@pytest.mark.parametrize("syntax", ["ubl", "cii"])
def test_credit_note_becomes_a_vendor_credit(backend: Backend, syntax: str) -> None:
    spec = replace(specs()["peppol-credit" if syntax == "ubl" else "credit"],
                   currency=_currency(backend))
    xml = ubl.ubl_xml(spec) if syntax == "ubl" else cii.cii_xml(spec, "en16931")
    extracted = parse_einvoice(xml)
    assert kind_of(extracted) is BillKind.VENDOR_CREDIT
    assert extracted.value("total") == spec.grand_total > 0  # as printed

    writer = backend.writer
    vendor = writer.create_vendor(NewVendor(
        name=extracted.value("vendor_name"), tax_id=extracted.value("vendor_tax_id"),
        email=extracted.value("vendor_email"), iban=extracted.value("vendor_iban")))
    bill = bill_from(bill_input_from(extracted, vendor.id), "org", vendor.id)
    booked = new_bill_from(bill, vendor.id)
    assert booked.lines and all(line.amount < 0 for line in booked.lines)
    credit = writer.create_bill(booked)

    fetched = writer.get_bill(credit.id)
    assert fetched.kind is BillKind.VENDOR_CREDIT
    assert fetched.total == -spec.grand_total < 0
    assert fetched.bill_number == spec.number
    assert writer.get_bill_balance(credit.id).open_balance == -spec.grand_total


def test_an_invoice_stays_a_bill() -> None:
    extracted = parse_einvoice(ubl.ubl_xml(specs()["peppol-invoice"]))
    assert kind_of(extracted) is BillKind.BILL
    assert bill_input_from(extracted, "v").total == extracted.value("total") > 0
