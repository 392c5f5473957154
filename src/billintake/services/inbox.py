"""The inbox: an organization's bills as a bookkeeper sees them, newest first, with where
each stands (processing, needs review, duplicate, approved, booked, partly paid, paid,
failed), what it says (vendor, number, dates, total) and why it waits.

It reads the newest `SCAN_LIMIT` jobs and filters and searches them here: enough for a
bookkeeper's inbox; older bills are found in the books.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from billintake.bootstrap import Runtime
from billintake.domain.extracted import decimal_str
from billintake.domain.model import Bill, BillStatus, IngestJob, JobStatus, Vendor
from billintake.services.pipeline import current_reasons
from billintake.settings import Settings

SCAN_LIMIT = 1000
STATUSES = ("processing", "needs_review", "duplicate", "approved", "booked", "partly_paid",
            "paid", "failed")
PROCESSING = frozenset({JobStatus.QUEUED, JobStatus.READING, JobStatus.EXTRACTING,
                        JobStatus.MATCHING, JobStatus.READY})


def inbox_status(job: IngestJob, bill: Bill | None) -> str:
    """Where the job's bill stands, in a bookkeeper's words (one of `STATUSES`)."""
    if job.status in PROCESSING:
        return "processing"
    if job.status is JobStatus.NEEDS_REVIEW:
        return "duplicate" if job.outcome and job.outcome.duplicate_of else "needs_review"
    if job.status is JobStatus.FAILED:
        return "failed"
    if bill is None or bill.external_id is None:
        return "approved"  # recorded, not (yet) in the books
    return {BillStatus.PAID: "paid",
            BillStatus.PARTIALLY_PAID: "partly_paid"}.get(bill.status, "booked")


@dataclass(frozen=True)
class InboxRow:
    job_id: str
    status: str
    filename: str
    channel: str
    received_at: str
    vendor: str | None
    bill_number: str | None
    bill_date: str | None
    due_date: str | None
    total: str | None
    currency: str | None
    why: str
    bill_id: str | None
    booked_id: str | None

    def matches(self, query: str) -> bool:
        text = " ".join(str(v) for v in asdict(self).values() if v).casefold()
        return all(term in text for term in query.casefold().split())


def row_of(job: IngestJob, bill: Bill | None, vendor_names: dict[str, str],
           vendors: list[Vendor] | None = None, settings: Settings | None = None) -> InboxRow:
    status = inbox_status(job, bill)
    extracted = job.outcome.bill if job.outcome else None
    match = job.outcome.vendor_match if job.outcome else None

    def read(name: str) -> str | None:
        value = None if extracted is None else extracted.value(name)
        return None if value is None else str(value)

    if bill is not None:
        vendor: str | None = vendor_names.get(bill.vendor_id)
        number, total = bill.bill_number, decimal_str(abs(bill.total))
        bill_date, currency = bill.bill_date.isoformat(), bill.currency
        due = None if bill.due_date is None else bill.due_date.isoformat()
    else:
        known = match.vendor if match is not None else None
        vendor = known.name if known is not None else read("vendor_name")
        number, total, bill_date = read("bill_number"), read("total"), read("bill_date")
        currency, due = read("currency"), read("due_date")
    if status in ("needs_review", "duplicate"):
        reasons = job.outcome.review_reasons if job.outcome else []
        if settings is not None and job.outcome is not None:
            reasons = current_reasons(list(reasons), extracted, job.hints,
                                      match is not None and match.vendor is not None,
                                      vendors, settings)
        why = "; ".join(reasons) or "waits for a person"
    elif status == "failed":
        why = job.error or "failed"
    elif status == "processing":
        why = f"{job.status.value}…"
    else:
        why = ""
    return InboxRow(job_id=job.id, status=status, filename=job.original_filename,
                    channel=job.channel.value, received_at=job.created_at.isoformat(),
                    vendor=vendor, bill_number=number, bill_date=bill_date, due_date=due,
                    total=total, currency=currency, why=why, bill_id=job.bill_id,
                    booked_id=None if bill is None else bill.external_id)


def inbox(runtime: Runtime, organization_id: str, *, status: str | None = None,
          query: str | None = None, limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """The rows (of `status`, matching every word of `query`), the count of each status,
    and how many rows match in all."""
    with runtime.repository(organization_id) as repo:
        jobs = repo.list_jobs(limit=SCAN_LIMIT)
        bills = {b.id: b for b in repo.bills_with_ids([j.bill_id for j in jobs if j.bill_id])}
        vendors = repo.list_vendors()
    vendor_names = {v.id: v.name for v in vendors}
    rows = [row_of(job, bills.get(job.bill_id or ""), vendor_names, vendors, runtime.settings)
            for job in jobs]
    counts = Counter(row.status for row in rows)
    if status:
        rows = [row for row in rows if row.status == status]
    if query and query.strip():
        rows = [row for row in rows if row.matches(query)]
    return {"rows": [asdict(row) for row in rows[offset:offset + limit]], "matching": len(rows),
            "counts": {name: counts.get(name, 0) for name in STATUSES},
            "processing": counts.get("processing", 0) > 0}
