"""Accounts payable reports, read from the connected books: open bills, what is due, aging.

The bills and their open balances come from the organization's accounting connection (the
embedded ledger, beancount or Rutter) through the `AccountingWriter` port, so the reports say
what the books say. Aging counts days past the due date (the bill date when there is none) on
`as_of`: current (not yet due), 1–30, 31–60, 61–90 and 90+ days, per vendor and in total, per
currency. Exports (CSV) list the bills and payments this service recorded.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from billintake.accounting.writer import AccountingWriter
from billintake.domain.extracted import decimal_str
from billintake.domain.model import BillKind, BillStatus
from billintake.storage.repository import Repository

BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")
CLOSED = frozenset({BillStatus.PAID, BillStatus.VOID, BillStatus.DRAFT})


@dataclass(frozen=True)
class OpenBill:
    """A bill of the books with money still owed on it on `as_of`."""

    bill_id: str
    vendor_id: str
    vendor: str
    bill_number: str
    bill_date: date
    due_date: date | None
    currency: str
    total: Decimal
    open_balance: Decimal
    days_overdue: int  # negative: days until due

    @property
    def bucket(self) -> str:
        return bucket_of(self.days_overdue)

    def to_dict(self) -> dict[str, Any]:
        body = asdict(self)
        body.update(bill_date=self.bill_date.isoformat(),
                    due_date=None if self.due_date is None else self.due_date.isoformat(),
                    total=decimal_str(self.total), open_balance=decimal_str(self.open_balance),
                    bucket=self.bucket)
        return body


def bucket_of(days_overdue: int) -> str:
    """The aging bucket of a bill `days_overdue` days past due (0 or less: current)."""
    if days_overdue <= 0:
        return "current"
    if days_overdue <= 30:
        return "1-30"
    if days_overdue <= 60:
        return "31-60"
    if days_overdue <= 90:
        return "61-90"
    return "90+"


def open_bills(writer: AccountingWriter, as_of: date) -> list[OpenBill]:
    """The books' bills (not credit notes) with an open balance, oldest due first."""
    names = {v.id: v.name for v in writer.list_vendors()}
    found: list[OpenBill] = []
    for bill in writer.list_bills():
        if bill.kind is not BillKind.BILL or bill.status in CLOSED or bill.bill_date > as_of:
            continue
        balance = writer.get_bill_balance(bill.external_id or bill.id)
        if balance.open_balance <= 0:
            continue
        due = bill.due_date or bill.bill_date
        found.append(OpenBill(
            bill_id=bill.external_id or bill.id, vendor_id=bill.vendor_id,
            vendor=names.get(bill.vendor_id, bill.vendor_id), bill_number=bill.bill_number,
            bill_date=bill.bill_date, due_date=bill.due_date, currency=bill.currency,
            total=abs(bill.total), open_balance=balance.open_balance,
            days_overdue=(as_of - due).days))
    found.sort(key=lambda b: (-b.days_overdue, b.vendor, b.bill_number))
    return found


def _sums() -> dict[str, Decimal]:
    return dict.fromkeys((*BUCKETS, "total"), Decimal(0))


def aging(bills: list[OpenBill], as_of: date) -> dict[str, Any]:
    """Open balances by bucket, per vendor (and currency) and in total (per currency)."""
    vendors: dict[tuple[str, str], dict[str, Decimal]] = {}
    totals: dict[str, dict[str, Decimal]] = {}
    for bill in bills:
        for sums in (vendors.setdefault((bill.vendor, bill.currency), _sums()),
                     totals.setdefault(bill.currency, _sums())):
            sums[bill.bucket] += bill.open_balance
            sums["total"] += bill.open_balance

    def plain(sums: dict[str, Decimal]) -> dict[str, str]:
        return {name: decimal_str(value) for name, value in sums.items()}

    return {
        "as_of": as_of.isoformat(), "buckets": list(BUCKETS),
        "vendors": [{"vendor": vendor, "currency": currency, **plain(sums)}
                    for (vendor, currency), sums in sorted(vendors.items())],
        "totals": [{"currency": currency, **plain(sums)}
                   for currency, sums in sorted(totals.items())],
        "bills": [bill.to_dict() for bill in bills],
    }


def due(bills: list[OpenBill], as_of: date, days: int = 7) -> dict[str, Any]:
    """What must be paid by `as_of + days`: overdue bills and those falling due, by due date."""
    until = as_of + timedelta(days=days)
    listed = sorted((b for b in bills if (b.due_date or b.bill_date) <= until),
                    key=lambda b: (b.due_date or b.bill_date, b.vendor))
    totals: dict[str, Decimal] = {}
    for bill in listed:
        totals[bill.currency] = totals.get(bill.currency, Decimal(0)) + bill.open_balance
    return {"as_of": as_of.isoformat(), "until": until.isoformat(),
            "overdue": sum(1 for b in listed if b.days_overdue > 0),
            "totals": {currency: decimal_str(total) for currency, total in sorted(totals.items())},
            "bills": [bill.to_dict() for bill in listed]}


# ---------------------------------------------------------------------------------------------
# CSV exports of what this service recorded
# ---------------------------------------------------------------------------------------------

BILL_CSV = ("id", "vendor", "vendor_tax_id", "kind", "bill_number", "bill_date", "due_date",
            "currency", "subtotal", "tax", "total", "status", "booked_in", "booked_id",
            "po_number", "created_at")
PAYMENT_CSV = ("id", "bill_id", "vendor", "bill_number", "payment_date", "amount", "currency",
               "reference", "booked_id")
PAGE = 500


def _all_bills(repo: Repository) -> list[Any]:
    bills, offset = [], 0
    while page := repo.list_bills(limit=PAGE, offset=offset):
        bills.extend(page)
        offset += PAGE
    return bills


def _csv(header: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(row.get(key)) for key in header})
    return out.getvalue()

# A signed amount ("-12.50") is a value, not a formula, and is left as it is.
_SIGNED_NUMBER_RE = re.compile(r"[+-]?\d+(?:\.\d+)?")


def _cell(value: Any) -> str:
    """A CSV cell; text a spreadsheet would run as a formula is quoted with a leading '."""
    text = "" if value is None else str(value)
    formula = text[:1] in ("=", "+", "-", "@") and not _SIGNED_NUMBER_RE.fullmatch(text)
    return "'" + text if formula else text


def bills_csv(repo: Repository) -> str:
    """Every bill recorded (newest first) as CSV."""
    vendors = {v.id: v for v in repo.list_vendors()}
    rows = []
    for bill in _all_bills(repo):
        vendor = vendors.get(bill.vendor_id)
        rows.append({
            "id": bill.id, "vendor": vendor.name if vendor else bill.vendor_id,
            "vendor_tax_id": vendor.tax_id if vendor else None, "kind": bill.kind.value,
            "bill_number": bill.bill_number, "bill_date": bill.bill_date.isoformat(),
            "due_date": bill.due_date.isoformat() if bill.due_date else None,
            "currency": bill.currency, "subtotal": bill.subtotal, "tax": bill.tax,
            "total": bill.total, "status": bill.status.value, "booked_in": bill.backend,
            "booked_id": bill.external_id, "po_number": bill.po_number,
            "created_at": bill.created_at.isoformat()})
    return _csv(BILL_CSV, rows)


def payments_csv(repo: Repository) -> str:
    """Every payment recorded, by payment date, as CSV."""
    vendors = {v.id: v.name for v in repo.list_vendors()}
    rows = []
    for bill in _all_bills(repo):
        for payment in repo.list_payments(bill.id):
            rows.append({
                "id": payment.id, "bill_id": bill.id,
                "vendor": vendors.get(bill.vendor_id, bill.vendor_id),
                "bill_number": bill.bill_number,
                "payment_date": payment.payment_date.isoformat(), "amount": payment.amount,
                "currency": payment.currency, "reference": payment.reference,
                "booked_id": payment.external_id})
    rows.sort(key=lambda r: (r["payment_date"], r["id"]))
    return _csv(PAYMENT_CSV, rows)
