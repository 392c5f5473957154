"""What the bill view shows for one job: the fields with their evidence boxes, the line
items, why it waits, the vendors to choose from (with scores, the runner-up and why), the
accounts of the connected books, what must be confirmed, and once booked the bill in the
books with its payments; plus the neighbouring bills in review (J/K)."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from billintake.accounting.writer import TaxRate
from billintake.bootstrap import Runtime
from billintake.domain.errors import BillintakeError, UnreadableDocument
from billintake.domain.extracted import Evidence, ExtractedBill, PaymentData, decimal_str
from billintake.domain.kinds import kind_of
from billintake.domain.model import Account, AccountClass, IngestJob, JobStatus
from billintake.matching.vendors import rank_vendors
from billintake.reading.sniff import PDF, TIFF
from billintake.services.bill_pages import (
    CHANGEABLE,
    Bill,
    bills_of,
    change_view,
    original_of,
)
from billintake.services.books import BillService, connection_for
from billintake.services.inbox import inbox_status
from billintake.services.pipeline import ReviewPolicy, vendor_candidate_of
from billintake.services.review import checks, review_item, stored_bill
from billintake.storage.repository import Repository

log = logging.getLogger(__name__)

PAGED = frozenset({PDF, TIFF})  # files whose pages may hold several bills

# The fields the view shows, in its order (the contract's names).
FIELDS = ("vendor_name", "bill_number", "bill_date", "due_date", "currency", "subtotal", "tax",
          "total", "po_number", "vendor_tax_id", "vendor_iban")
VENDOR_CHOICES = 8


def _plain(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return decimal_str(value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _evidence(evidence: Evidence | None) -> dict[str, Any] | None:
    if evidence is None:
        return None
    return {"source": evidence.source, "page": evidence.page,
            "bbox": list(evidence.bbox) if evidence.bbox else None, "text": evidence.text}


def fields_of(extracted: ExtractedBill) -> dict[str, dict[str, Any]]:
    """Each shown field: its value as text, its confidence and its evidence (None if absent)."""
    shown: dict[str, dict[str, Any]] = {}
    for name in FIELDS:
        field = getattr(extracted, name)
        shown[name] = {"value": None if field is None else _plain(field.value),
                       "confidence": None if field is None else field.confidence,
                       "evidence": None if field is None else _evidence(field.evidence)}
    return shown


def payment_of(extracted: ExtractedBill) -> dict[str, Any] | None:
    """The bill's payment data as the fields are shown (value, confidence, evidence), with its
    reference type and the payment QR code read (None when the bill gives no payment data)."""
    payment = extracted.payment
    if payment is None:
        return None
    shown: dict[str, Any] = {}
    for name in PaymentData.FIELDS:
        field = getattr(payment, name)
        shown[name] = {"value": None if field is None else _plain(field.value),
                       "confidence": None if field is None else field.confidence,
                       "evidence": None if field is None else _evidence(field.evidence)}
    return {**shown, "reference_type": payment.reference_type, "qr": payment.qr}


def tax_codes(extracted: ExtractedBill,
              books_rates: list[TaxRate] | None = None) -> list[dict[str, str]]:
    """Tax codes to choose from: the connected books' purchase tax rates first (named as the
    books name them), then the rates printed on the bill (its tax lines and items) or implied
    by its subtotal and tax that the books do not name, and none."""
    on_bill: dict[str, str] = {}
    printed = [*(t.rate for t in extracted.tax_lines),
               *(i.tax_rate for i in extracted.line_items)]
    for rate in printed:
        if rate is not None:
            on_bill.setdefault(_rate_text(rate), "printed on the bill")
    subtotal, tax = extracted.value("subtotal"), extracted.value("tax")
    if subtotal and tax is not None:
        implied = (tax / subtotal * 100).quantize(Decimal("0.1"))
        on_bill.setdefault(_rate_text(implied), "subtotal and tax imply it")
    codes: list[dict[str, str]] = []
    for books_rate in books_rates or []:
        if books_rate.purchases and books_rate.rate is not None:
            rate = _rate_text(books_rate.rate)
            why = f", {on_bill[rate]}" if rate in on_bill else ""
            codes.append({"rate": rate, "id": books_rate.id,
                          "label": f"{books_rate.name} ({rate} %) — from the books{why}"})
    named = {code["rate"] for code in codes}
    codes += [{"rate": rate, "label": f"{rate} % — {why}"}
              for rate, why in on_bill.items() if rate not in named]
    if "0" not in named and "0" not in on_bill:
        codes.append({"rate": "0", "label": "0 % — no tax"})
    return codes


def _rate_text(rate: Decimal) -> str:
    """A percentage as the select shows it: "19", "7.5", "0"."""
    if rate == rate.to_integral_value():
        rate = rate.quantize(Decimal(1))
    return decimal_str(rate.normalize()) or "0"


def _account(account: Account) -> dict[str, str]:
    return {"id": account.id, "code": account.code, "name": account.name,
            "class": account.account_class.value}


def review_view(runtime: Runtime, organization_id: str, job_id: str) -> dict[str, Any]:
    """Everything the bill view needs for the job (NotFound in another organization)."""
    settings = runtime.settings
    with runtime.repository(organization_id) as repo:
        job = repo.get_job(job_id)
        service = BillService.open(repo, settings, runtime.originals,  # (shown in a request)
                                   read_deadline_s=settings.remote_read_timeout_s)
        booked = None if job.bill_id is None else service.get_bill(job.bill_id)
        accounts, books_error = _accounts(service)
        books_rates = _tax_rates(service) if books_error is None else []
        vendors = repo.list_vendors()
        waiting = repo.job_ids(status=JobStatus.NEEDS_REVIEW)
        extracted = stored_bill(job)
        match = job.outcome.vendor_match if job.outcome else None
        suggested = None if match is None else (match.vendor or match.candidate)
        by_id = {v.id: v for v in vendors}
        to_check = by_id.get(suggested.id) if suggested is not None else None
        confirm = [] if job.status is not JobStatus.NEEDS_REVIEW or to_check is None else [
            c.to_dict() for c in checks(repo, job, extracted, to_check)]
        backend = connection_for(repo, settings).backend
        split = bill_pages_view(runtime, repo, job)
    item = review_item(job, ReviewPolicy.from_settings(settings), vendors=vendors,
                       settings=settings)
    ranked = rank_vendors(vendor_candidate_of(extracted, job.hints), vendors)
    return {
        "job": {"id": job.id, "status": job.status.value, "filename": job.original_filename,
                "channel": job.channel.value, "received_at": job.created_at.isoformat(),
                "error": job.error, "bill_id": job.bill_id},
        "state": inbox_status(job, None if booked is None else booked.bill),
        "reasons": item.reasons, "low_confidence": item.low_confidence,
        "warnings": item.warnings,
        "kind": kind_of(extracted).value,
        "fields": fields_of(extracted),
        "payment": payment_of(extracted),
        "line_items": [{"description": line.description, "quantity": _plain(line.quantity),
                        "unit_price": _plain(line.unit_price), "amount": _plain(line.amount),
                        "tax_rate": _plain(line.tax_rate), "evidence": _evidence(line.evidence)}
                       for line in extracted.line_items],
        "reconciled": extracted.reconciled,
        "vendor": {
            "match": None if match is None else match.model_dump(mode="json"),
            "suggested_id": None if suggested is None else suggested.id,
            "choices": [{"id": r.vendor.id, "name": r.vendor.name, "score": r.score,
                         "method": r.method, "reason": r.reason, "iban": r.vendor.iban}
                        for r in ranked[:VENDOR_CHOICES]],
            "new": {"name": extracted.value("vendor_name"),
                    "tax_id": extracted.value("vendor_tax_id"),
                    "iban": extracted.value("vendor_iban")},
        },
        "books": {"backend": backend, "error": books_error,
                  "expense_accounts": [_account(a) for a in accounts
                                       if a.account_class is AccountClass.EXPENSE],
                  "bank_accounts": [_account(a) for a in accounts
                                    if a.account_class is AccountClass.BANK],
                  # each vendor's own expense account in these books (preselected)
                  "vendor_accounts": {v.id: v.expense_accounts[backend] for v in vendors
                                      if backend in v.expense_accounts}},
        "tax_codes": tax_codes(extracted, books_rates),
        "confirm": confirm,
        "review": None if job.outcome is None or job.outcome.review is None
        else job.outcome.review.model_dump(mode="json"),
        "bill": None if booked is None else booked.to_dict(),
        "neighbours": _neighbours(job, waiting),
        "split": split,
    }


def bill_pages_view(runtime: Runtime, repo: Repository, job: IngestJob) -> dict[str, Any] | None:
    """Where the job's bill sits in its original file: its pages, the file's other bills
    (each with its job, pages, state, vendor, number and total), the bills before and after
    it, whether its pages may change now, and the changes people made (None for a file of one
    page, or an XML e-invoice)."""
    original = original_of(job)
    if repo.get_document(original).media_type not in PAGED:
        return None
    try:
        bills, total = bills_of(runtime, repo, job)
    except UnreadableDocument:
        return None  # (the job says why it could not be read)
    if total < 2 or not any(bill.job.id == job.id for bill in bills):
        return None
    rows = [_bill_row(bill, bill.job.id == job.id) for bill in bills]
    at = next(i for i, row in enumerate(rows) if row["current"])
    return {
        "original_sha256": original, "filename": bills[0].job.original_filename,
        "page_count": total, "pages": list(bills[at].pages), "bills": rows,
        "previous": rows[at - 1] if at > 0 else None,
        "next": rows[at + 1] if at + 1 < len(rows) else None,
        "changeable": job.status in CHANGEABLE,
        "changes": [change_view(change) for change in repo.page_changes(original)],
    }


def _bill_row(bill: Bill, current: bool) -> dict[str, Any]:
    extracted = stored_bill(bill.job)
    return {"job_id": bill.job.id, "pages": list(bill.pages), "status": bill.job.status.value,
            "current": current, "vendor_name": extracted.value("vendor_name"),
            "bill_number": extracted.value("bill_number"),
            "total": _plain(extracted.value("total")),
            "currency": extracted.value("currency")}


def _accounts(service: BillService) -> tuple[list[Account], str | None]:
    """The books' chart of accounts; when the books cannot be reached, none and why."""
    try:
        return service.list_accounts(), None
    except BillintakeError as exc:
        log.warning("accounts not available: %s", exc.code)
        return [], exc.message


def _tax_rates(service: BillService) -> list[TaxRate]:
    """The books' tax rates (none when the books cannot be reached: the bill's own rates are
    offered then)."""
    try:
        return service.writer.list_tax_rates()
    except BillintakeError as exc:
        log.warning("tax rates not available: %s", exc.code)
        return []


def _neighbours(job: IngestJob, waiting: list[str]) -> dict[str, Any]:
    """The bills in review before and after this one (newest first), and how many wait."""
    if job.id in waiting:
        at = waiting.index(job.id)
        before, after = waiting[at - 1] if at > 0 else None, waiting[at + 1:at + 2]
    else:
        before, after = None, waiting[:1]
    return {"previous": before, "next": after[0] if after else None, "waiting": len(waiting)}
