"""Property: random vendor/bill/payment operations leave the beancount file valid under
beancount's loader, and its bills (with their tax per rate), statuses and balances equal the
embedded ledger's."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from accounting_harness import PerCallLedger
from beancount import loader
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billintake.accounting.beancount import BeancountWriter
from billintake.accounting.writer import NewBill, NewPayment, NewTaxLine, NewVendor
from billintake.bootstrap import Runtime
from billintake.domain.errors import BillintakeError
from billintake.domain.model import BillKind

NAMES = ["Acme Corp.", "Acme Corp", "Müller GmbH", 'Say "Hi" Ltd', "Café Zoë SARL",
         "Globex", "Initech LLC"]
CURRENCIES = ["EUR", "USD"]
START = date(2024, 1, 1)

vendor_op = st.tuples(st.just("vendor"), st.integers(0, len(NAMES) - 1))
bill_op = st.tuples(
    st.just("bill"), st.integers(0, 20),            # vendor (index modulo those created)
    st.integers(1, 6),                              # bill number
    st.integers(1, 500_00),                         # total in cents
    st.sampled_from([0, 7, 19]),                    # tax rate in percent
    st.sampled_from(CURRENCIES),
    st.sampled_from([BillKind.BILL, BillKind.BILL, BillKind.VENDOR_CREDIT]),
    st.integers(0, 90),                             # day offset
)
pay_op = st.tuples(
    st.just("pay"), st.integers(0, 40),             # bill (index modulo those created)
    st.integers(1, 600_00),                         # amount in cents (may exceed the balance)
    st.sampled_from(CURRENCIES),                    # (may differ from the bill's)
    st.integers(0, 120),
    st.sampled_from([None, "TRX-1", "TRX-2"]),
)
operations = st.lists(st.one_of(vendor_op, bill_op, bill_op, pay_op, pay_op), min_size=20,
                      max_size=40)


def apply(writer: Any, op: tuple[Any, ...], vendors: list[str], bills: list[str]) -> str:
    """Run one operation; returns the outcome ("ok" or the error class) to compare."""
    try:
        if op[0] == "vendor":
            vendor = writer.create_vendor(NewVendor(name=NAMES[op[1]]))
            if vendor.id not in vendors:
                vendors.append(vendor.id)
        elif op[0] == "bill":
            if not vendors:
                return "skipped"
            _, v, number, cents, rate, currency, kind, day = op
            sign = -1 if kind is BillKind.VENDOR_CREDIT else 1
            net = Decimal(cents) / 100 * sign
            tax = (net * rate / 100).quantize(Decimal("0.01"))
            bill = writer.create_bill(NewBill(
                vendor_id=vendors[v % len(vendors)], kind=kind, bill_number=f"N-{number}",
                bill_date=START + timedelta(days=day), currency=currency, total=net + tax,
                tax=tax or None, tax_lines=(NewTaxLine(rate=Decimal(rate), amount=tax,
                                                       basis=net),) if tax else ()))
            if bill.id not in bills:
                bills.append(bill.id)
        else:
            if not bills:
                return "skipped"
            _, b, cents, currency, day, reference = op
            writer.create_bill_payment(NewPayment(
                bill_id=bills[b % len(bills)], amount=Decimal(cents) / 100, currency=currency,
                payment_date=START + timedelta(days=day), reference=reference))
    except BillintakeError as exc:
        return type(exc).__name__
    return "ok"


def snapshot(writer: Any, vendors: list[str], bills: list[str]) -> dict[str, Any]:
    """The books in terms both backends share: positions instead of ids."""
    position = {vendor_id: i for i, vendor_id in enumerate(vendors)}
    by_id = {b.id: b for b in writer.list_bills()}
    return {
        "vendors": sorted(v.name for v in writer.list_vendors()),
        "bills": [(by_id[b].bill_number, by_id[b].kind, by_id[b].total, by_id[b].currency,
                   by_id[b].status, position[by_id[b].vendor_id], by_id[b].tax,
                   sorted((t.rate, t.amount) for t in by_id[b].tax_lines),
                   writer.get_bill_balance(b).open_balance) for b in bills],
        "owed": {(position[v], c): amount for (v, c), amount in writer.payable_balances().items()
                 if amount != 0},
    }


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations)
def test_beancount_and_ledger_keep_the_same_books(ops: list[tuple[Any, ...]], runtime: Runtime,
                                                  tmp_path: Path) -> None:
    with runtime.directory() as directory:
        org, _ = directory.create_organization("Property Books", f"p-{uuid.uuid4().hex[:12]}")
    ledger = PerCallLedger(runtime, org.id)
    path = tmp_path / f"{org.id}.beancount"
    books = BeancountWriter(path, organization_id=org.id)
    ids: dict[str, tuple[list[str], list[str]]] = {"ledger": ([], []), "beancount": ([], [])}

    for op in ops:
        outcomes = {name: apply(writer, op, *ids[name])
                    for name, writer in (("ledger", ledger), ("beancount", books))}
        assert outcomes["ledger"] == outcomes["beancount"], op

    _entries, errors, _ = loader.load_file(str(path)) if path.exists() else ([], [], {})
    assert errors == []
    expected = snapshot(ledger, *ids["ledger"])
    assert snapshot(books, *ids["beancount"]) == expected
    reread = BeancountWriter(path, organization_id=org.id)
    assert snapshot(reread, *ids["beancount"]) == expected
