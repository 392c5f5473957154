"""The payment reference on its way to the books: the extracted bill's reference is recorded
with the bill, booked with it (ledger, beancount metadata) and quoted by its payments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billintake.accounting.beancount import books_path
from billintake.bootstrap import Runtime
from billintake.domain.extracted import Evidence, ExtractedBill, FieldValue, PaymentData
from billintake.services.books import BillService, VendorInput, push_extracted_bill

D = Decimal
QRR = "210000000003139471430009017"


@pytest.fixture(params=["ledger", "beancount"])
def org(request: pytest.FixtureRequest, runtime: Runtime) -> str:
    with runtime.directory() as directory:
        organization, _ = directory.create_organization("Reference Test AG", "ref")
    if request.param == "beancount":
        with runtime.repository(organization.id) as repo:
            repo.set_connection("beancount", {}, {})
    return organization.id


def _extracted(reference: str | None) -> ExtractedBill:
    def fv(value: object) -> FieldValue:  # type: ignore[type-arg]
        return FieldValue(value=value, confidence=0.99)

    payment = None if reference is None else PaymentData(
        reference=FieldValue[str](value=reference, confidence=0.99,
                                  evidence=Evidence(source="qr", page=1)),
        reference_type="qrr", qr="spc")
    return ExtractedBill(bill_number=fv("2020-0615"), vendor_name=fv("Robert Schneider AG"),
                         bill_date=fv(date(2020, 6, 15)), currency=fv("CHF"),
                         total=fv(D("1949.75")), payment=payment)


def test_the_reference_is_booked_with_the_bill_and_quoted_by_its_payments(
        runtime: Runtime, org: str) -> None:
    with runtime.repository(org) as repo:
        vendor = BillService.open(repo, runtime.settings, runtime.originals).create_vendor(
            VendorInput(name="Robert Schneider AG"))
    bill_id = push_extracted_bill(runtime, org, _extracted(QRR), vendor)
    with runtime.repository(org) as repo:
        svc = BillService.open(repo, runtime.settings, runtime.originals)
        bill = repo.get_bill(bill_id)
        assert bill.payment_reference == QRR
        assert svc.writer.get_bill(bill.external_id or "").payment_reference == QRR
        paid = svc.record_payment(bill_id, amount=D("1000.00"), currency="CHF",
                                  payment_date=date(2020, 7, 1))
        assert paid.reference == QRR  # none given: the payment quotes the bill's reference
        other = svc.record_payment(bill_id, amount=D("949.75"), currency="CHF",
                                   payment_date=date(2020, 7, 2), reference="E2E-77")
        assert other.reference == "E2E-77"  # one given stands
        assert {p.reference for p in svc.get_bill(bill_id).payments} == {QRR, "E2E-77"}
        if svc.writer.backend == "beancount":
            books = books_path(runtime.settings.resolved_beancount_dir, org)
            text = books.read_text(encoding="utf-8")
            assert f'payment-reference: "{QRR}"' in text


def test_a_bill_without_a_reference_books_none(runtime: Runtime, org: str) -> None:
    with runtime.repository(org) as repo:
        vendor = BillService.open(repo, runtime.settings, runtime.originals).create_vendor(
            VendorInput(name="Robert Schneider AG"))
    bill_id = push_extracted_bill(runtime, org, _extracted(None), vendor)
    with runtime.repository(org) as repo:
        bill = repo.get_bill(bill_id)
        assert bill.payment_reference is None
        paid = BillService.open(repo, runtime.settings, runtime.originals).record_payment(
            bill_id, amount=D("1949.75"), currency="CHF", payment_date=date(2020, 7, 1))
        assert paid.reference is None
