"""The Rutter backend against the local fake of Rutter's documented API (real sockets)."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from email.utils import formatdate
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_rutter import FakeRutter, FakeRutterServer, Store
from rutter_harness import rutter_connection

from billintake.accounting.backends import get_writer
from billintake.accounting.rutter import RutterWriter
from billintake.accounting.writer import (
    Connection,
    DocumentRef,
    NewBill,
    NewBillLine,
    NewPayment,
    NewTaxLine,
    NewVendor,
)
from billintake.domain.errors import (
    AccountingBackendError,
    NeedsReview,
    NotFound,
    NotSupported,
    PaymentRejected,
    ValidationFailed,
)
from billintake.domain.model import AccountClass, BillKind, BillStatus

ORG = "org-rutter-test"
SECRET = "fake-client-secret"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeRutterServer]:
    srv = FakeRutterServer(FakeRutter(client_secret=SECRET))
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def fake(server: FakeRutterServer) -> Iterator[FakeRutter]:
    fake = server.fake
    fake.faults.clear()
    fake.stalls.clear()
    fake.log.clear()
    fake.force_async, fake.job_pending_polls = False, 1
    fake.job_rejections.clear()
    seen = len(fake.violations)
    yield fake
    assert fake.violations[seen:] == [], "the fake answered off the published spec"


@pytest.fixture
def token(fake: FakeRutter) -> str:
    token = f"tok-{uuid.uuid4().hex}"
    fake.add_connection(token)
    return token


@pytest.fixture
def store(fake: FakeRutter, token: str) -> Store:
    return fake.stores[token]


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def open_rutter(server: FakeRutterServer, token: str, sleeps: Sleeps | None = None,
                **options: Any) -> RutterWriter:
    extra = {k: options.pop(k) for k in ("timeout", "max_retries") if k in options}
    connection = rutter_connection(server, token, **options)
    writer = get_writer(connection, organization_id=ORG,
                        sleep=Sleeps() if sleeps is None else sleeps, **extra)
    assert isinstance(writer, RutterWriter)
    return writer


@pytest.fixture
def writer(server: FakeRutterServer, token: str, sleeps: Sleeps) -> Iterator[RutterWriter]:
    writer = open_rutter(server, token, sleeps)
    yield writer
    writer.close()


def account_id(store: Store, account_type: str, name: str | None = None) -> str:
    return next(a["id"] for a in store.accounts.values() if a["account_type"] == account_type
                and (name is None or a["name"] == name))


def a_bill(vendor_id: str, number: str = "INV-1", total: str = "121.00", **kw: Any) -> NewBill:
    fields: dict[str, Any] = {
        "vendor_id": vendor_id, "bill_number": number, "bill_date": date(2024, 3, 1),
        "due_date": date(2024, 3, 31), "currency": "USD", "total": Decimal(total)}
    fields.update(kw)
    return NewBill(**fields)


@pytest.fixture
def vendor_id(writer: RutterWriter) -> str:
    return writer.create_vendor(NewVendor(name="Acme Supplies", tax_id="US-12 345",
                                          email="ap@acme.test", currency="USD")).id


# ---- authentication, versioning, secrets ------------------------------------------------


def test_every_request_is_authenticated_and_versioned(writer: RutterWriter, fake: FakeRutter,
                                                      token: str) -> None:
    writer.list_accounts()
    seen = fake.requests("GET", "/accounting/accounts")
    assert seen and all(r["query"]["access_token"] == token for r in seen)
    assert all(r["version"] == "2023-03-14" for r in seen)


def test_wrong_secret_is_a_clear_error_that_does_not_leak_secrets(
        server: FakeRutterServer, token: str, caplog: pytest.LogCaptureFixture) -> None:
    connection = Connection(backend="rutter", options={"base_url": server.base_url},
                            secrets={"access_token": token, "client_id": "fake-client-id",
                                     "client_secret": "not-the-secret"})
    writer = get_writer(connection, organization_id=ORG)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AccountingBackendError, match="rejected the credentials") as info:
        writer.list_vendors()
    assert info.value.retryable is False
    for text in (str(info.value), repr(writer), caplog.text):
        assert token not in text and "not-the-secret" not in text


def test_request_logs_never_show_the_access_token(writer: RutterWriter, fake: FakeRutter,
                                                  token: str,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake.fail_next(429, path_contains="/accounting/vendors")
    writer.list_vendors()
    assert "access_token=***" in caplog.text  # httpx logged the request, redacted
    assert token not in caplog.text and SECRET not in caplog.text


def test_missing_access_token_is_refused_before_any_request() -> None:
    with pytest.raises(Exception, match="access_token"):
        get_writer(Connection(backend="rutter", secrets={"client_id": "a",
                                                         "client_secret": "b"}),
                   organization_id=ORG)


# ---- reads and pagination ---------------------------------------------------------------


def test_accounts_map_to_the_unified_chart(writer: RutterWriter, store: Store) -> None:
    accounts = {a.name: a for a in writer.list_accounts()}
    assert accounts["Accounts Payable"].account_class is AccountClass.LIABILITY
    assert accounts["Checking"].account_class is AccountClass.BANK
    assert accounts["Office Supplies"].account_class is AccountClass.EXPENSE
    assert accounts["Office Supplies"].code == "6100"
    assert accounts["Checking"].id == accounts["Checking"].external_id == account_id(store,
                                                                                       "bank")


def test_lists_follow_next_cursor_over_pages(writer: RutterWriter, fake: FakeRutter,
                                             store: Store) -> None:
    for i in range(230):
        store.add_account(f"Expense {i:03}", "expense", "expense", nominal_code=f"7{i:03}")
    accounts = writer.list_accounts()
    assert len(accounts) == 236
    assert len({a.id for a in accounts}) == 236
    calls = fake.requests("GET", "/accounting/accounts")
    assert len(calls) == 3
    assert "cursor" not in calls[0]["query"] and all("cursor" in c["query"] for c in calls[1:])


# ---- vendors ----------------------------------------------------------------------------


def test_create_and_find_vendor(writer: RutterWriter, vendor_id: str) -> None:
    assert writer.find_vendor(tax_id="us12345").id == vendor_id
    assert writer.find_vendor(email="AP@acme.test").id == vendor_id
    assert writer.find_vendor(name=" acme supplies ").id == vendor_id
    assert writer.find_vendor(name="Someone Else") is None
    vendor = next(v for v in writer.list_vendors() if v.id == vendor_id)
    assert vendor.external_ids == {"rutter": vendor_id}


def test_vendor_create_retry_returns_the_first_vendor(writer: RutterWriter,
                                                      store: Store) -> None:
    new = NewVendor(name="Beta GmbH", currency="EUR")
    first, second = writer.create_vendor(new), writer.create_vendor(new)
    assert first.id == second.id
    assert [v["vendor_name"] for v in store.vendors.values()] == ["Beta GmbH"]


# ---- bills ------------------------------------------------------------------------------


def test_bill_debits_expenses_and_credits_accounts_payable(
        writer: RutterWriter, store: Store, vendor_id: str) -> None:
    fees = account_id(store, "expense", "Professional Fees")
    bill = writer.create_bill(a_bill(vendor_id, total="100.00", lines=(
        NewBillLine(description="Paper", amount=Decimal("60.00")),
        NewBillLine(description="Advice", amount=Decimal("40.00"), account_id=fees))))
    assert bill.status is BillStatus.OPEN and bill.kind is BillKind.BILL
    assert bill.total == Decimal("100.00") and bill.bill_number == "INV-1"
    assert bill.bill_date == date(2024, 3, 1) and bill.due_date == date(2024, 3, 31)
    raw = store.bills[bill.id]
    assert raw["account_id"] == account_id(store, "accounts_payable")  # credited
    debits = {(line["account_id"], line["total_amount"]) for line in raw["line_items"]}
    supplies = account_id(store, "expense", "Office Supplies")
    assert debits == {(supplies, Decimal("60.00")), (fees, Decimal("40.00"))}
    assert writer.get_bill(bill.id) == bill
    assert [b.id for b in writer.list_bills(vendor_id=vendor_id)] == [bill.id]
    assert writer.list_bills(vendor_id="someone-else") == []


def test_bill_with_two_vat_rates_names_each_lines_tax_rate(
        writer: RutterWriter, fake: FakeRutter, store: Store, vendor_id: str) -> None:
    """Net lines, each with the tax rate id of its VAT rate; the platform adds the tax, and
    the bill reads back with the tax per rate: no tax line on an expense account."""
    fake.log.clear()
    bill = writer.create_bill(a_bill(
        vendor_id, total="226.00", tax=Decimal("26.00"),
        tax_lines=(NewTaxLine(rate=Decimal(19), amount=Decimal("19.00"), basis=Decimal(100)),
                   NewTaxLine(rate=Decimal(7), amount=Decimal("7.00"), basis=Decimal(100))),
        lines=(NewBillLine(description="Glasses", amount=Decimal("100.00"),
                           tax_rate=Decimal(19)),
               NewBillLine(description="Juice", amount=Decimal("100.00"),
                           tax_rate=Decimal(7)))))
    raw = store.bills[bill.id]
    [post] = fake.requests("POST", "/accounting/bills")
    sent = {line["description"]: (line["total_amount"], line["tax_rate_id"])
            for line in post["body"]["bill"]["line_items"]}
    assert sent == {"Glasses": (Decimal("100.00"), store.tax_rate_named("VAT 19% purchases")),
                    "Juice": (Decimal("100.00"), store.tax_rate_named("VAT 7% purchases"))}
    assert (raw["sub_total"], raw["tax_amount"], raw["total_amount"]) == (
        Decimal("200.00"), Decimal("26.00"), Decimal("226.00"))
    read = writer.get_bill(bill.id)
    assert (read.subtotal, read.tax, read.total) == (Decimal("200.00"), Decimal("26.00"),
                                                     Decimal("226.00"))
    assert {(t.rate, t.amount) for t in read.tax_lines} == {(Decimal(19), Decimal("19.00")),
                                                           (Decimal(7), Decimal("7.00"))}
    assert {line.tax_rate for line in read.line_items} == {Decimal(19), Decimal(7)}


@pytest.mark.parametrize(("kw", "reason"), [
    ({"tax_lines": (NewTaxLine(rate=Decimal("5.5"), amount=Decimal("5.50")),)},
     r"VAT 5.5 % has no tax rate mapped .*billintake tax-rates --set 5.5="),
    ({}, r"names no VAT rate and the bill prints none"),
    ({"tax_lines": (NewTaxLine(rate=Decimal(19), amount=Decimal("19.01")),)},
     r"the platform would add tax of 19.00 at 19 %.*the bill prints 19.01"),
], ids=["unmapped-rate", "no-rate", "rounding-differs"])
def test_a_tax_the_connection_cannot_book_as_printed_waits_for_review(
        writer: RutterWriter, store: Store, vendor_id: str, kw: dict[str, Any],
        reason: str) -> None:
    tax = sum((t.amount for t in kw.get("tax_lines", ())), Decimal(0)) or Decimal("5.50")
    with pytest.raises(NeedsReview, match=reason):
        writer.create_bill(a_bill(vendor_id, total=str(Decimal(100) + tax), tax=tax, **kw))
    assert not store.bills


def test_writes_are_async_jobs_polled_to_completion(writer: RutterWriter, fake: FakeRutter,
                                                    vendor_id: str, sleeps: Sleeps) -> None:
    fake.job_pending_polls = 3
    sleeps.clear()
    fake.log.clear()
    bill = writer.create_bill(a_bill(vendor_id))
    assert bill.total == Decimal("121.00")
    posts = fake.requests("POST", "/accounting/bills")
    assert len(posts) == 1
    assert len(fake.requests("GET", "/jobs/")) == 4  # three pending polls, then success
    assert len(sleeps) == 4


def test_prefer_sync_mode_takes_the_direct_answer(server: FakeRutterServer, fake: FakeRutter,
                                                  token: str, store: Store) -> None:
    writer = open_rutter(server, token, response_mode="prefer_sync")
    vendor = writer.create_vendor(NewVendor(name="Sync Co", currency="USD"))
    bill = writer.create_bill(a_bill(vendor.id))
    assert bill.id in store.bills and not fake.requests("GET", "/jobs/")


def test_idempotency_key_on_every_write_and_retry_returns_first_bill(
        writer: RutterWriter, fake: FakeRutter, store: Store, vendor_id: str) -> None:
    new = a_bill(vendor_id, number="INV-7")
    first = writer.create_bill(new)
    again = writer.create_bill(new)
    assert again.id == first.id and len(store.bills) == 1
    keys = [r["idempotency_key"] for r in fake.requests("POST")]
    assert all(keys) and str(uuid.UUID(keys[-1])) == keys[-1]
    assert keys[-1] == keys[-2]


def test_unknown_vendor_is_not_found_unknown_account_names_its_line(
        writer: RutterWriter, store: Store, vendor_id: str) -> None:
    with pytest.raises(NotFound, match=r"Vendor with id nope not found.*request id"):
        writer.create_bill(a_bill("nope"))
    with pytest.raises(ValidationFailed, match="account nope does not exist") as refused:
        writer.create_bill(a_bill(vendor_id, lines=(
            NewBillLine(description="Paper", amount=Decimal("100.00")),
            NewBillLine(description="Ink", amount=Decimal("21.00"), account_id="nope"))))
    assert refused.value.field == "lines[1].account_id"
    assert not store.bills


def test_unknown_bill_is_not_found(writer: RutterWriter) -> None:
    with pytest.raises(NotFound):
        writer.get_bill("00000000-0000-0000-0000-000000000000")


# ---- rate limits, server errors, timeouts -------------------------------------------------


def test_429_is_retried_honouring_retry_after(writer: RutterWriter, fake: FakeRutter,
                                              store: Store, vendor_id: str,
                                              sleeps: Sleeps) -> None:
    fake.fail_next(429, count=2, retry_after="7", path_contains="/accounting/bills",
                   method="POST")
    sleeps.clear()
    bill = writer.create_bill(a_bill(vendor_id))
    assert list(store.bills) == [bill.id]
    assert sleeps[:2] == [7.0, 7.0]
    assert len(fake.requests("POST", "/accounting/bills")) == 3


def test_rate_limit_that_persists_is_a_retryable_error(writer: RutterWriter, fake: FakeRutter,
                                                       sleeps: Sleeps) -> None:
    fake.fail_next(429, count=10, path_contains="/accounting/vendors")
    with pytest.raises(AccountingBackendError, match=r"rate limited.*RATE_LIMIT_EXCEEDED") as info:
        writer.list_vendors()
    assert info.value.retryable is True
    bases = [0.5, 1.0, 2.0, 4.0]  # exponential backoff with jitter, no Retry-After given
    assert len(sleeps) == 4
    assert all(base / 2 <= slept <= base for base, slept in zip(bases, sleeps, strict=True))
    fake.faults.clear()


def test_server_error_on_a_keyed_write_is_retried_once_safely(
        writer: RutterWriter, fake: FakeRutter, store: Store, vendor_id: str) -> None:
    fake.fail_next(503, path_contains="/accounting/bills", method="POST")
    bill = writer.create_bill(a_bill(vendor_id))
    assert list(store.bills) == [bill.id]


def test_timeout_after_commit_then_retry_returns_the_first_result(
        server: FakeRutterServer, fake: FakeRutter, token: str, store: Store) -> None:
    """The answer is lost after the bill was booked: the writer finds it in the books (by
    vendor and document number) instead of sending it again."""
    writer = open_rutter(server, token, timeout=0.5, response_mode="prefer_sync")
    vendor = writer.create_vendor(NewVendor(name="Slow Ltd", currency="USD"))
    fake.stall_after_commit_next(1.5)
    bill = writer.create_bill(a_bill(vendor.id, number="SLOW-1"))
    assert len(fake.requests("POST", "/accounting/bills")) == 1  # not sent again
    assert list(store.bills) == [bill.id]


def test_a_5xx_after_the_write_is_looked_up_not_retried_blindly(
        writer: RutterWriter, fake: FakeRutter, store: Store, vendor_id: str) -> None:
    fake.fail_after_commit_next(502, path_contains="/accounting/bills")
    bill = writer.create_bill(a_bill(vendor_id, number="5XX-1"))
    assert len(fake.requests("POST", "/accounting/bills")) == 1
    assert list(store.bills) == [bill.id]


def test_a_payment_whose_answer_is_lost_is_found_among_the_bills_payments(
        writer: RutterWriter, fake: FakeRutter, store: Store, vendor_id: str) -> None:
    bill = writer.create_bill(a_bill(vendor_id, total="100.00"))
    fake.fail_after_commit_next(500, path_contains="/accounting/bill_payments")
    paid = writer.create_bill_payment(NewPayment(bill_id=bill.id, amount=Decimal("40.00"),
                                                 currency="USD", payment_date=date(2024, 4, 1)))
    assert list(store.bill_payments) == [paid.id]
    assert len(fake.requests("POST", "/accounting/bill_payments")) == 1
    assert writer.get_bill_balance(bill.id).open_balance == Decimal("60.00")


def test_async_job_failure_is_reported(writer: RutterWriter, fake: FakeRutter, store: Store,
                                       vendor_id: str) -> None:
    bill = writer.create_bill(a_bill(vendor_id, total="50.00"))
    fake.job_pending_polls = 1

    def meanwhile(_: float) -> None:  # the bill gets paid elsewhere while the job waits
        store.bills[bill.id]["amount_due"] = Decimal("10.00")

    writer.api._sleep = meanwhile
    with pytest.raises(PaymentRejected, match="above the amount due"):
        writer.create_bill_payment(NewPayment(bill_id=bill.id, amount=Decimal("50.00"),
                                              currency="USD", payment_date=date(2024, 4, 1)))
    assert not store.bill_payments


# ---- payments ---------------------------------------------------------------------------


def test_payments_debit_payables_credit_the_bank_and_track_the_balance(
        writer: RutterWriter, store: Store, vendor_id: str) -> None:
    bill = writer.create_bill(a_bill(vendor_id, total="100.00"))
    bank = account_id(store, "bank")
    first = writer.create_bill_payment(NewPayment(
        bill_id=bill.id, amount=Decimal("30.00"), currency="USD",
        payment_date=date(2024, 4, 1), reference="TRX-1"))
    assert first.account_id == bank and first.amount == Decimal("30.00")
    assert first.reference == "TRX-1" and first.payment_date == date(2024, 4, 1)
    balance = writer.get_bill_balance(bill.id)
    assert (balance.paid, balance.open_balance) == (Decimal("30.00"), Decimal("70.00"))
    assert balance.status is BillStatus.PARTIALLY_PAID
    assert store.accounts[bank]["balance"] == Decimal("-30.00")
    writer.create_bill_payment(NewPayment(bill_id=bill.id, amount=Decimal("70.00"),
                                          currency="USD", payment_date=date(2024, 4, 2)))
    assert writer.get_bill_balance(bill.id).status is BillStatus.PAID
    assert writer.get_bill(bill.id).status is BillStatus.PAID


def test_overpayment_and_wrong_currency_are_rejected(writer: RutterWriter, store: Store,
                                                     vendor_id: str) -> None:
    bill = writer.create_bill(a_bill(vendor_id, total="100.00"))
    with pytest.raises(PaymentRejected, match="above the open balance"):
        writer.create_bill_payment(NewPayment(bill_id=bill.id, amount=Decimal("100.01"),
                                              currency="USD", payment_date=date(2024, 4, 1)))
    with pytest.raises(PaymentRejected, match="currency"):
        writer.create_bill_payment(NewPayment(bill_id=bill.id, amount=Decimal("1"),
                                              currency="EUR", payment_date=date(2024, 4, 1)))
    assert not store.bill_payments


def test_retry_of_the_payment_that_settled_the_bill_returns_it(
        writer: RutterWriter, store: Store, vendor_id: str) -> None:
    bill = writer.create_bill(a_bill(vendor_id, total="100.00"))
    payment = NewPayment(bill_id=bill.id, amount=Decimal("100.00"), currency="USD",
                         payment_date=date(2024, 4, 1), reference="ALL")
    first = writer.create_bill_payment(payment)
    again = writer.create_bill_payment(payment)
    assert again.id == first.id and len(store.bill_payments) == 1


# ---- vendor credits ---------------------------------------------------------------------


def test_credit_note_is_booked_as_a_bill_credit_memo(writer: RutterWriter, store: Store,
                                                     vendor_id: str) -> None:
    credit = writer.create_bill(a_bill(vendor_id, number="CN-1", total="-25.00", due_date=None,
                                       kind=BillKind.VENDOR_CREDIT))
    assert credit.kind is BillKind.VENDOR_CREDIT and credit.total == Decimal("-25.00")
    assert not store.bills and list(store.bill_credit_memos) == [credit.id]
    raw = store.bill_credit_memos[credit.id]
    assert raw["total_amount"] == Decimal("25.00") and raw["document_number"] == "CN-1"
    assert raw["account_id"] == account_id(store, "accounts_payable")
    assert writer.get_bill(credit.id) == credit
    assert credit.id in {b.id for b in writer.list_bills()}
    with pytest.raises(PaymentRejected, match="vendor credit"):
        writer.create_bill_payment(NewPayment(bill_id=credit.id, amount=Decimal("1"),
                                              currency="USD", payment_date=date(2024, 4, 1)))


# ---- attachments ------------------------------------------------------------------------


def test_the_original_travels_with_the_bill(writer: RutterWriter, store: Store,
                                            vendor_id: str, tmp_path: Path) -> None:
    original = b"%PDF-1.4 a small bill\n%%EOF\n"
    path = tmp_path / "bill.pdf"
    path.write_bytes(original)
    doc = DocumentRef(sha256=hashlib.sha256(original).hexdigest(), filename="bill.pdf",
                      path=path)
    bill = writer.create_bill(a_bill(vendor_id))
    attached = writer.attach_document(bill.id, doc)
    again = writer.attach_document(bill.id, doc)
    assert again.id == attached.id and attached.sha256 == doc.sha256
    assert store.files[attached.id] == original and len(store.attachments) == 1
    assert [(a.id, a.filename) for a in writer.list_attachments(bill.id)] == [
        (attached.id, "bill.pdf")]


# ---- the fake rejects what Rutter rejects -----------------------------------------------


def test_fake_rejects_missing_required_fields_and_key_reuse(server: FakeRutterServer,
                                                            token: str) -> None:
    client = httpx.Client(base_url=server.base_url, params={"access_token": token},
                          auth=("fake-client-id", SECRET),
                          headers={"X-Rutter-Version": "2023-03-14"})
    missing = client.post("/accounting/bills", json={"bill": {"vendor_id": "x"}})
    assert missing.status_code == 400
    assert set(missing.json()) == {"error_type", "error_code", "error_message"}
    vendor = client.post("/accounting/vendors", headers={"Idempotency-Key": "k"},
                         json={"vendor": {"vendor_name": "A", "contact_name": "A",
                                          "currency_code": "USD"}})
    assert vendor.status_code == 200 and vendor.headers["X-Rutter-Job-ID"]
    reuse = client.post("/accounting/vendors", headers={"Idempotency-Key": "k"},
                        json={"vendor": {"vendor_name": "B", "contact_name": "B",
                                         "currency_code": "USD"}})
    assert reuse.status_code == 409
    unversioned = client.get("/accounting/accounts", headers={"X-Rutter-Version": ""})
    assert unversioned.status_code == 400


def test_retry_after_as_an_http_date_is_honoured(writer: RutterWriter, fake: FakeRutter,
                                                 sleeps: Sleeps) -> None:
    fake.fail_next(429, retry_after=formatdate(time.time() + 3, usegmt=True),
                   path_contains="/accounting/accounts")
    writer.list_accounts()
    assert len(sleeps) == 1 and 1.0 <= sleeps[0] <= 3.0


def test_server_error_on_a_read_is_retried(writer: RutterWriter, fake: FakeRutter) -> None:
    fake.fail_next(502, count=2, path_contains="/accounting/vendors")
    assert writer.list_vendors() == []
    assert len(fake.requests("GET", "/accounting/vendors")) == 3


def test_one_key_for_two_different_bills_is_a_conflict(writer: RutterWriter, store: Store,
                                                       vendor_id: str) -> None:
    first = writer.create_bill(a_bill(vendor_id, number="A-1"), idempotency_key="k" * 32)
    with pytest.raises(AccountingBackendError, match="idempotency key") as info:
        writer.create_bill(a_bill(vendor_id, number="A-2"), idempotency_key="k" * 32)
    assert info.value.retryable is False and list(store.bills) == [first.id]


# ---- the fake holds to the published document ----------------------------------------------


def _client(server: FakeRutterServer, token: str) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, params={"access_token": token},
                        auth=("fake-client-id", SECRET),
                        headers={"X-Rutter-Version": "2023-03-14"})


@pytest.mark.parametrize(("path", "body", "where"), [
    ("/accounting/vendors", {"vendor": {"vendor_name": "A", "contact_name": "A"}},
     "'currency_code' is a required property"),
    ("/accounting/vendors", {"vendor": {"vendor_name": "A", "contact_name": "A",
                                        "currency_code": "USD", "email": "not-an-email"}},
     "vendor.email: 'not-an-email' is not a 'email'"),
    ("/accounting/bills", {"bill": {"vendor_id": "v", "issue_date": "2024-03-01T00:00:00.000Z",
                                    "currency_code": "USD",
                                    "line_items": [{"total_amount": "10"}]}},
     "bill.line_items[0].total_amount: '10' is not of type 'number'"),
    ("/accounting/bills", {"bill": {"vendor_id": "v", "issue_date": "2024-03-01T00:00:00.000Z",
                                    "currency_code": "XYZ", "line_items": []}},
     "bill.currency_code: 'XYZ' is not one of"),
    ("/accounting/bill_payments", {"bill_payment": {
        "account_id": "a", "vendor_id": "v", "transaction_date": "2024-03-01T00:00:00.000Z",
        "currency_code": "USD", "linked_bills": [
            {"id": "b", "allocated_amount": 10, "allocated_date": "2024-03-01"}]}},
     "bill_payment.linked_bills[0]: Additional properties are not allowed "
     "('allocated_date' was unexpected)"),
    ("/accounting/bill_credit_memos", {"bill_credit_memo": {
        "account_id": "a", "vendor_id": "v", "issue_date": "2024-03-01T00:00:00.000Z",
        "currency_code": "USD", "line_items": [{"total_amount": 5, "tax_rate_id": "t"}]}},
     "('tax_rate_id' was unexpected)"),
], ids=["vendor-no-currency", "vendor-email", "amount-as-string", "currency-code",
        "allocated-date", "credit-memo-tax-rate"])
def test_the_fake_refuses_what_the_published_spec_refuses(
        server: FakeRutterServer, token: str, store: Store, path: str, body: dict[str, Any],
        where: str) -> None:
    refused = _client(server, token).post(path, json=body)
    assert refused.status_code == 400
    error = refused.json()
    assert set(error) == {"error_type", "error_code", "error_message"}
    assert where in error["error_message"]
    assert not (store.vendors or store.bills or store.bill_payments or store.bill_credit_memos)


def test_the_fake_refuses_unknown_ids_and_a_payment_from_a_card(
        writer: RutterWriter, server: FakeRutterServer, token: str, store: Store,
        vendor_id: str) -> None:
    client = _client(server, token)
    bill = writer.create_bill(a_bill(vendor_id, total="50.00"))
    unknown_rate = client.post("/accounting/bills", json={"bill": {
        "vendor_id": vendor_id, "issue_date": "2024-03-01T00:00:00.000Z",
        "currency_code": "USD", "line_items": [{
            "total_amount": 10, "account_id": account_id(store, "expense", "Office Supplies"),
            "tax_rate_id": "no-such-rate"}]}})
    assert unknown_rate.status_code == 400 and "tax rate no-such-rate" in unknown_rate.text
    assert client.get(f"/accounting/bills/{uuid.uuid4()}").status_code == 410
    with pytest.raises(ValidationFailed, match="credit_card, expected bank") as card:
        writer.create_bill_payment(NewPayment(
            bill_id=bill.id, amount=Decimal("10.00"), currency="USD",
            payment_date=date(2024, 4, 1), account_id=account_id(store, "credit_card")))
    assert card.value.field == "account_id" and not isinstance(card.value, PaymentRejected)
    assert not store.bill_payments


def test_what_the_platform_does_not_offer_is_not_supported_not_a_missing_bill(
        server: FakeRutterServer, fake: FakeRutter, tmp_path: Path) -> None:
    """404 "not supported for a given platform" (FreeAgent takes no bill attachments) and
    410 "not found" are told apart."""
    token = f"tok-{uuid.uuid4().hex}"
    fake.add_connection(token, platform="FREEAGENT")
    writer = open_rutter(server, token)
    vendor = writer.create_vendor(NewVendor(name="Free Ltd", currency="USD"))
    bill = writer.create_bill(a_bill(vendor.id, total="10.00"))
    original = tmp_path / "bill.pdf"
    original.write_bytes(b"%PDF-1.4")
    document = DocumentRef(sha256=hashlib.sha256(b"%PDF-1.4").hexdigest(),
                           filename="bill.pdf", path=original)
    with pytest.raises(NotSupported, match="not supported on this connection's platform"):
        writer.attach_document(bill.id, document)
    with pytest.raises(NotFound):
        writer.get_bill(str(uuid.uuid4()))


def test_a_payment_reads_the_bill_fresh_first(writer: RutterWriter, fake: FakeRutter,
                                              vendor_id: str) -> None:
    bill = writer.create_bill(a_bill(vendor_id, total="10.00"))
    fake.log.clear()
    writer.create_bill_payment(NewPayment(bill_id=bill.id, amount=Decimal("10.00"),
                                          currency="USD", payment_date=date(2024, 4, 1)))
    first = fake.log[0]
    assert first["method"] == "GET" and first["path"] == f"/accounting/bills/{bill.id}"
    assert first["query"].get("force_fetch") == "true"


def test_a_failed_job_is_replayed_under_its_key_and_booked_under_a_new_one(
        writer: RutterWriter, fake: FakeRutter, store: Store, vendor_id: str) -> None:
    """Rutter keeps the first accepted result of a key even when its job failed: the same key
    only replays the failure (with the job's id and Rutter's codes); a new key books."""
    fake.reject_next_job("Vendor is inactive on the platform.")
    spec = a_bill(vendor_id, number="JOB-1")
    with pytest.raises(AccountingBackendError, match="platform refused it") as failed:
        writer.create_bill(spec, idempotency_key="a" * 32)
    assert failed.value.job_id and not failed.value.retryable
    assert "PLATFORM_ERROR/PLATFORM_BAD_REQUEST" in failed.value.message
    with pytest.raises(AccountingBackendError) as replayed:
        writer.create_bill(spec, idempotency_key="a" * 32)
    assert replayed.value.job_id == failed.value.job_id and not store.bills
    booked = writer.create_bill(spec, idempotency_key="b" * 32)
    assert list(store.bills) == [booked.id]
    assert writer.last_receipt is not None and writer.last_receipt.job_id
