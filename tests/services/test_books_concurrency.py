"""Payments made at the same moment, on SQLite and PostgreSQL: the balance check and the write
are one atomic step, so parallel payments never pay a bill beyond its total."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

from billintake.bootstrap import Runtime
from billintake.domain.errors import PaymentRejected
from billintake.domain.model import BillStatus
from billintake.services.books import BillInput, BillService

D = Decimal
PARALLEL = 6


def _bill(runtime: Runtime) -> tuple[str, str]:
    with runtime.directory() as directory:
        organization, _ = directory.create_organization("Parallel Payments", "parallel")
    with runtime.repository(organization.id) as repo:
        service = BillService.open(repo, runtime.settings, runtime.originals)
        bill = service.create_bill(BillInput.model_validate({
            "vendor_name": "ACME Corp.", "bill_number": "INV-100", "bill_date": "2024-03-01",
            "currency": "EUR", "total": "100.00"}))
        service.push_bill(bill.id)
    return organization.id, bill.id


def test_parallel_payments_never_pay_beyond_the_total(any_db_runtime: Runtime) -> None:
    runtime = any_db_runtime
    org, bill_id = _bill(runtime)
    start = threading.Barrier(PARALLEL)
    outcomes: list[str] = []

    def pay(n: int) -> None:
        start.wait()
        try:
            with runtime.repository(org) as repo:
                BillService.open(repo, runtime.settings).record_payment(
                    bill_id, amount=D("60.00"), currency="EUR", payment_date=date(2024, 4, 1),
                    reference=f"SEPA-{n}")
            outcomes.append("paid")
        except PaymentRejected:
            outcomes.append("rejected")
        except Exception as exc:  # anything else is a defect too: keep it for the assertion
            outcomes.append(f"error: {exc!r}")

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["paid"] + ["rejected"] * (PARALLEL - 1)
    with runtime.repository(org) as repo:
        view = BillService.open(repo, runtime.settings).get_bill(bill_id)
    assert view.balance is not None
    assert (view.balance.paid, view.balance.open_balance) == (D("60.00"), D("40.00"))
    assert view.bill.status is BillStatus.PARTIALLY_PAID
    assert [p.amount for p in view.payments] == [D("60.00")]
    # every attempt's write is on record, none lost to a concurrent one: one done, the rest
    # refused for the balance
    states = sorted(w.state for name, w in view.bill.writes.items()
                    if name.startswith("payment:"))
    assert states == ["done"] + ["failed"] * (PARALLEL - 1)
