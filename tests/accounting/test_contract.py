"""The contract every accounting backend keeps (ledger, beancount, rutter against its fake)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from accounting_harness import Backend

from billintake.accounting.writer import (
    AccountingWriter,
    NewBill,
    NewBillLine,
    NewPayment,
    NewTaxLine,
    NewVendor,
)
from billintake.domain.errors import (
    AccountingBackendError,
    NotFound,
    PaymentRejected,
    ValidationFailed,
)
from billintake.domain.model import AccountClass, BillKind, BillStatus, Vendor

D = Decimal
VAT_19 = (NewTaxLine(rate=D(19), amount=D("19.00"), basis=D("100.00")),)


def currency_of(backend: Backend) -> str:
    return "USD" if backend.name == "rutter" else "EUR"


def make_vendor(writer: AccountingWriter, name: str = "Acme Supplies Ltd", **kw: str) -> Vendor:
    return writer.create_vendor(NewVendor(name=name, **kw))


def bill_spec(backend: Backend, vendor: Vendor, number: str = "INV-1001",
              total: str = "119.00", **kw: object) -> NewBill:
    fields: dict[str, object] = {
        "vendor_id": vendor.id, "bill_number": number, "bill_date": date(2024, 3, 1),
        "due_date": date(2024, 3, 31), "currency": currency_of(backend), "total": D(total),
    }
    fields.update(kw)
    return NewBill(**fields)  # type: ignore[arg-type]


def expense_account_id(writer: AccountingWriter) -> str:
    expenses = [a for a in writer.list_accounts() if a.account_class is AccountClass.EXPENSE]
    assert expenses, "every backend offers expense accounts"
    return expenses[-1].id


# -- accounts and vendors ------------------------------------------------------------------------


def test_chart_has_expense_and_bank_accounts(backend: Backend) -> None:
    classes = {a.account_class for a in backend.writer.list_accounts()}
    assert AccountClass.EXPENSE in classes
    assert AccountClass.BANK in classes


def test_vendor_is_created_listed_and_found(backend: Backend) -> None:
    writer = backend.writer
    vendor = make_vendor(writer, "Müller GmbH", tax_id="DE 811 907 980",
                         email="billing@mueller.example")
    assert vendor.name == "Müller GmbH"
    assert [v.id for v in writer.list_vendors()] == [vendor.id]
    assert writer.find_vendor(name="müller gmbh") == vendor
    assert writer.find_vendor(tax_id="DE811907980") == vendor
    assert writer.find_vendor(email="billing@mueller.example") == vendor
    assert writer.find_vendor(name="Someone Else") is None


def test_creating_the_same_vendor_twice_writes_one(backend: Backend) -> None:
    first = make_vendor(backend.writer)
    again = make_vendor(backend.writer)
    assert again.id == first.id
    assert len(backend.writer.list_vendors()) == 1


# -- bills ---------------------------------------------------------------------------------------


def test_bill_is_booked_open_and_reads_back(backend: Backend) -> None:
    writer = backend.writer
    vendor = make_vendor(writer)
    bill = writer.create_bill(bill_spec(backend, vendor, tax=D("19.00"), tax_lines=VAT_19))
    assert bill.status is BillStatus.OPEN
    assert (bill.bill_number, bill.total, bill.currency) == ("INV-1001", D("119.00"),
                                                            currency_of(backend))
    assert bill.vendor_id == vendor.id
    fetched = writer.get_bill(bill.id)
    assert (fetched.bill_number, fetched.total, fetched.due_date, fetched.bill_date) == (
        "INV-1001", D("119.00"), date(2024, 3, 31), date(2024, 3, 1))
    assert [b.id for b in writer.list_bills()] == [bill.id]
    assert [b.id for b in writer.list_bills(vendor_id=vendor.id)] == [bill.id]
    balance = writer.get_bill_balance(bill.id)
    assert (balance.open_balance, balance.paid, balance.status) == (D("119.00"), D(0),
                                                                    BillStatus.OPEN)


def test_bill_lines_go_to_their_accounts(backend: Backend) -> None:
    writer = backend.writer
    vendor = make_vendor(writer)
    account = expense_account_id(writer)
    spec = bill_spec(backend, vendor, total="150.00", lines=(
        NewBillLine(description="Paper, 10 boxes", amount=D("100.00"), account_id=account),
        NewBillLine(description="Toner", amount=D("50.00")),
    ))
    bill = writer.get_bill(writer.create_bill(spec).id)
    amounts = sorted(line.amount for line in bill.line_items)
    assert amounts == [D("50.00"), D("100.00")]
    paper = next(line for line in bill.line_items if line.amount == D("100.00"))
    assert paper.account_id == account
    assert paper.description == "Paper, 10 boxes"


def test_same_bill_twice_is_booked_once_another_number_is_not(backend: Backend) -> None:
    writer = backend.writer
    vendor = make_vendor(writer)
    first = writer.create_bill(bill_spec(backend, vendor))
    again = writer.create_bill(bill_spec(backend, vendor))
    other = writer.create_bill(bill_spec(backend, vendor, number="INV-1002"))
    assert again.id == first.id
    assert other.id != first.id
    assert len(writer.list_bills()) == 2


def test_retry_after_timeout_books_no_second_bill(backend: Backend) -> None:
    vendor = make_vendor(backend.writer)
    spec = bill_spec(backend, vendor)
    with pytest.raises(AccountingBackendError) as lost:
        backend.lose_response(lambda w: w.create_bill(spec))
    assert lost.value.retryable
    retried = backend.writer.create_bill(spec)
    bills = backend.writer.list_bills()
    assert [b.id for b in bills] == [retried.id]


def test_retry_after_timeout_books_no_second_payment(backend: Backend) -> None:
    writer = backend.writer
    bill = writer.create_bill(bill_spec(backend, make_vendor(writer)))
    payment = NewPayment(bill_id=bill.id, amount=D("19.00"), currency=currency_of(backend),
                         payment_date=date(2024, 4, 2), reference="TRX-77")
    with pytest.raises(AccountingBackendError):
        backend.lose_response(lambda w: w.create_bill_payment(payment))
    writer.create_bill_payment(payment)
    balance = writer.get_bill_balance(bill.id)
    assert balance.paid == D("19.00")
    assert balance.open_balance == D("100.00")


def test_bill_for_unknown_vendor_is_refused(backend: Backend) -> None:
    spec = NewBill(vendor_id="no-such-vendor", bill_number="X-1", bill_date=date(2024, 1, 1),
                   currency=currency_of(backend), total=D("10"))
    with pytest.raises((ValidationFailed, NotFound)):
        backend.writer.create_bill(spec)


def test_unknown_bill_is_not_found(backend: Backend) -> None:
    with pytest.raises(NotFound):
        backend.writer.get_bill("no-such-bill")


def test_vat_at_two_rates_reads_back_per_rate(backend: Backend) -> None:
    """Net lines and the tax of each rate: the books keep each rate's tax apart (an input-tax
    account per rate, or the connection's tax rate on each line), and nothing at zero."""
    writer = backend.writer
    spec = bill_spec(backend, make_vendor(writer), total="226.00", tax=D("26.00"),
                     tax_lines=(NewTaxLine(rate=D(19), amount=D("19.00"), basis=D("100.00")),
                                NewTaxLine(rate=D(7), amount=D("7.00"), basis=D("100.00"))),
                     lines=(NewBillLine(description="Glasses", amount=D("100.00"),
                                        tax_rate=D(19)),
                            NewBillLine(description="Juice", amount=D("100.00"),
                                        tax_rate=D(7))))
    bill = backend.reopen().get_bill(writer.create_bill(spec).id)
    assert (bill.total, bill.tax, bill.subtotal) == (D("226.00"), D("26.00"), D("200.00"))
    assert sorted((t.rate, t.amount) for t in bill.tax_lines) == [(D(7), D("7.00")),
                                                                  (D(19), D("19.00"))]
    assert sorted(line.amount for line in bill.line_items) == [D("100.00"), D("100.00")]


# -- payments ------------------------------------------------------------------------------------


def test_partial_then_full_payment_moves_the_status(backend: Backend) -> None:
    writer = backend.writer
    cur = currency_of(backend)
    bill = writer.create_bill(bill_spec(backend, make_vendor(writer)))
    first = writer.create_bill_payment(NewPayment(bill_id=bill.id, amount=D("100.00"),
                                                  currency=cur, payment_date=date(2024, 4, 1)))
    assert first.amount == D("100.00")
    assert first.bill_id == bill.id
    assert writer.get_bill(bill.id).status is BillStatus.PARTIALLY_PAID
    balance = writer.get_bill_balance(bill.id)
    assert (balance.paid, balance.open_balance) == (D("100.00"), D("19.00"))
    second = NewPayment(bill_id=bill.id, amount=D("19.00"), currency=cur,
                        payment_date=date(2024, 4, 15))
    writer.create_bill_payment(second)
    assert writer.get_bill(bill.id).status is BillStatus.PAID
    assert writer.get_bill_balance(bill.id).open_balance == D(0)
    # the retry of the payment that settled the bill returns it, it is not "above the balance"
    assert writer.create_bill_payment(second).amount == D("19.00")
    assert writer.get_bill_balance(bill.id).paid == D("119.00")


def test_payment_above_the_open_balance_is_refused(backend: Backend) -> None:
    writer = backend.writer
    bill = writer.create_bill(bill_spec(backend, make_vendor(writer)))
    with pytest.raises(PaymentRejected, match="open balance"):
        writer.create_bill_payment(NewPayment(bill_id=bill.id, amount=D("119.01"),
                                              currency=currency_of(backend),
                                              payment_date=date(2024, 4, 1)))
    assert writer.get_bill_balance(bill.id).paid == D(0)


def test_payment_in_another_currency_is_refused(backend: Backend) -> None:
    writer = backend.writer
    bill = writer.create_bill(bill_spec(backend, make_vendor(writer)))
    other = "GBP"
    with pytest.raises(PaymentRejected, match="currency"):
        writer.create_bill_payment(NewPayment(bill_id=bill.id, amount=D("10"), currency=other,
                                              payment_date=date(2024, 4, 1)))


def test_payment_on_unknown_bill_is_refused(backend: Backend) -> None:
    with pytest.raises(PaymentRejected, match="unknown bill"):
        backend.writer.create_bill_payment(NewPayment(
            bill_id="no-such-bill", amount=D("10"), currency=currency_of(backend),
            payment_date=date(2024, 4, 1)))


# -- vendor credits ------------------------------------------------------------------------------


def test_vendor_credit_is_booked_as_a_credit(backend: Backend) -> None:
    writer = backend.writer
    vendor = make_vendor(writer)
    credit = writer.create_bill(bill_spec(backend, vendor, number="CN-7", total="-25.00",
                                          kind=BillKind.VENDOR_CREDIT, due_date=None))
    assert credit.kind is BillKind.VENDOR_CREDIT
    assert credit.total == D("-25.00")
    fetched = writer.get_bill(credit.id)
    assert (fetched.kind, fetched.total, fetched.bill_number) == (
        BillKind.VENDOR_CREDIT, D("-25.00"), "CN-7")
    assert writer.get_bill_balance(credit.id).open_balance == D("-25.00")
    with pytest.raises(PaymentRejected):
        writer.create_bill_payment(NewPayment(bill_id=credit.id, amount=D("25"),
                                              currency=currency_of(backend),
                                              payment_date=date(2024, 4, 1)))


# -- the original travels with the bill ----------------------------------------------------------


def test_original_is_attached_to_the_bill(backend: Backend) -> None:
    writer = backend.writer
    bill = writer.create_bill(bill_spec(backend, make_vendor(writer)))
    document = backend.store_original(b"%PDF-1.4\n% the original bill\n", "INV-1001.pdf")
    attachment = writer.attach_document(bill.id, document)
    assert attachment.bill_id == bill.id
    again = writer.attach_document(bill.id, document)
    assert again.id == attachment.id
    attachments = writer.list_attachments(bill.id)
    assert [a.id for a in attachments] == [attachment.id]
    assert attachments[0].filename == "INV-1001.pdf"
    if backend.name != "rutter":  # Rutter does not give a file's hash back
        assert writer.get_bill(bill.id).document_sha256 == document.sha256


# -- what was written reads back -----------------------------------------------------------------


def test_a_second_writer_reads_the_same_books(backend: Backend) -> None:
    writer = backend.writer
    cur = currency_of(backend)
    vendor = make_vendor(writer, "Globex Corporation", email="ap@globex.example")
    bill = writer.create_bill(bill_spec(backend, vendor, tax=D("19.00"), tax_lines=VAT_19))
    writer.create_bill_payment(NewPayment(bill_id=bill.id, amount=D("50"), currency=cur,
                                          payment_date=date(2024, 4, 1)))
    credit = writer.create_bill(bill_spec(backend, vendor, number="CN-1", total="-10.00",
                                          kind=BillKind.VENDOR_CREDIT, due_date=None))
    other = backend.reopen()
    assert [(v.id, v.name) for v in other.list_vendors()] == [(vendor.id, vendor.name)]
    assert {(b.id, b.bill_number, b.total, b.status) for b in other.list_bills()} == {
        (bill.id, "INV-1001", D("119.00"), BillStatus.PARTIALLY_PAID),
        (credit.id, "CN-1", D("-10.00"), BillStatus.OPEN),
    }
    assert other.get_bill_balance(bill.id).open_balance == D("69.00")


# -- the payment reference -----------------------------------------------------------------------


def test_the_payment_reference_travels_with_the_bill_and_its_payment(backend: Backend) -> None:
    writer = backend.writer
    vendor = make_vendor(writer)
    bill = writer.create_bill(bill_spec(backend, vendor, memo="Office chairs", po_number="PO-7",
                                        payment_reference="RF18539007547034"))
    plain = writer.create_bill(bill_spec(backend, vendor, number="INV-1002"))
    for seen in (bill, writer.get_bill(bill.id), backend.reopen().get_bill(bill.id)):
        assert seen.payment_reference == "RF18539007547034"
        assert seen.memo is not None and "RF18539007547034" not in seen.memo
        assert "Office chairs" in seen.memo
    assert writer.get_bill(plain.id).payment_reference is None
    paid = writer.create_bill_payment(NewPayment(
        bill_id=bill.id, amount=D("19.00"), currency=currency_of(backend),
        payment_date=date(2024, 4, 1), reference="RF18539007547034"))
    assert paid.reference == "RF18539007547034"
