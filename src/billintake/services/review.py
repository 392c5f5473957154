"""The review step: a person checks, corrects and approves (or rejects) a bill in needs_review.

The pipeline stops a job in `needs_review` with the extracted bill (the JSON contract), the
vendor match and its reasons stored on the job. Here a reviewer sees those (`waiting`), then
either approves — corrections applied, validated by the domain model, the bill recorded and
pushed through `BillService`, the job `pushed` — or rejects it (`failed`, original kept).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from billintake.bootstrap import Runtime
from billintake.domain.errors import Conflict, NotFound, ValidationFailed
from billintake.domain.extracted import ExtractedBill, ExtractedLineItem, FieldValue
from billintake.domain.model import (
    Amount,
    Bill,
    BillKind,
    BillLineItem,
    IngestJob,
    JobStatus,
    Vendor,
    utcnow,
)
from billintake.matching.vendors import VendorCandidate
from billintake.services.books import BillService
from billintake.services.pipeline import REQUIRED_FIELDS, ReviewPolicy
from billintake.storage.repository import Repository

# The header fields of the stored contract a reviewer can see and correct.
BILL_FIELDS = ("bill_number", "vendor_name", "bill_date", "due_date", "currency", "subtotal",
               "tax", "total", "po_number", "vendor_tax_id")


# ---------------------------------------------------------------------------------------------
# What waits, and why
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewItem:
    """A job waiting for a person, with what the pipeline found and why it stopped."""

    job: IngestJob
    reasons: list[str]
    low_confidence: dict[str, float]
    warnings: list[str]
    vendor_candidates: list[dict[str, str]]

    def to_dict(self) -> dict[str, Any]:
        outcome = self.job.extracted or {}
        return {"job_id": self.job.id, "filename": self.job.original_filename,
                "channel": self.job.channel.value, "received_at": self.job.created_at.isoformat(),
                "reasons": self.reasons, "low_confidence": self.low_confidence,
                "warnings": self.warnings, "vendor_match": outcome.get("vendor_match"),
                "vendor_candidates": self.vendor_candidates,
                "duplicate_of": outcome.get("duplicate_of"), "bill": outcome.get("bill")}


def waiting(runtime: Runtime, organization_id: str, *, limit: int = 100,
            offset: int = 0) -> list[ReviewItem]:
    """The organization's jobs in needs_review, newest first, each with its reasons."""
    policy = ReviewPolicy.from_settings(runtime.settings)
    with runtime.repository(organization_id) as repo:
        jobs = repo.list_jobs(status=JobStatus.NEEDS_REVIEW, limit=limit, offset=offset)
    return [review_item(job, policy) for job in jobs]


def review_item(job: IngestJob, policy: ReviewPolicy) -> ReviewItem:
    """Why the job waits: the reasons the pipeline recorded, else derived from its bill."""
    outcome = job.extracted or {}
    bill: dict[str, Any] = outcome.get("bill") or {}
    match: dict[str, Any] = outcome.get("vendor_match") or {}
    low = {name: score for name, score in (bill.get("confidence") or {}).items()
           if score < policy.min_confidence}
    candidates = [] if match.get("vendor") else [
        v for v in (match.get("candidate"), match.get("runner_up")) if v]
    reasons = list(outcome.get("review_reasons") or []) or derived_reasons(bill, match, low)
    return ReviewItem(job=job, reasons=reasons, low_confidence=low,
                      warnings=list(bill.get("warnings") or []), vendor_candidates=candidates)


def derived_reasons(bill: Mapping[str, Any], match: Mapping[str, Any],
                    low_confidence: Mapping[str, float]) -> list[str]:
    """Reasons for a job the pipeline recorded none for, from its stored bill and match."""
    reasons: list[str] = []
    if not bill:
        return ["nothing was extracted from this file"]
    missing = [name for name in REQUIRED_FIELDS if bill.get(name) in (None, "")]
    if missing:
        reasons.append("not found on the bill: " + ", ".join(missing))
    if low_confidence:
        reasons.append("low confidence: " + ", ".join(
            f"{name} {score:.2f}" for name, score in low_confidence.items()))
    reasons.extend(f"warning: {warning}" for warning in bill.get("warnings") or [])
    if not match.get("vendor"):
        reasons.append(f"vendor is ambiguous: {match.get('reason')}" if match.get("ambiguous")
                       else "vendor is not known yet: confirm or create it")
    return reasons


# ---------------------------------------------------------------------------------------------
# Corrections
# ---------------------------------------------------------------------------------------------


class LineCorrection(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    description: str = Field(min_length=1, max_length=2000)
    amount: Amount
    quantity: Amount | None = None
    unit_price: Amount | None = None
    tax_rate: Amount | None = None


class Corrections(BaseModel):
    """What a reviewer changes; a field given as null is cleared. `vendor_id` picks a vendor."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    bill_number: str | None = Field(default=None, min_length=1, max_length=100)
    vendor_name: str | None = Field(default=None, min_length=1, max_length=300)
    vendor_id: str | None = None
    kind: BillKind | None = None  # e.g. a credit note the extraction took for an invoice
    bill_date: date | None = None
    due_date: date | None = None
    currency: str | None = None
    subtotal: Amount | None = None
    tax: Amount | None = None
    total: Amount | None = None
    po_number: str | None = Field(default=None, max_length=100)
    line_items: list[LineCorrection] | None = None

    @classmethod
    def parse(cls, data: Mapping[str, Any] | None) -> Corrections:
        """Validate a mapping (JSON body, CLI pairs); a bad value fails naming its field."""
        try:
            return cls.model_validate(dict(data or {}))
        except ValidationError as exc:
            raise _validation_failed(exc) from exc

    def changed(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


def _validation_failed(exc: ValidationError) -> ValidationFailed:
    """The first pydantic error as a domain error naming the field."""
    error = exc.errors()[0]
    message = str(error["msg"]).removeprefix("Value error, ")
    loc = [str(part) for part in error["loc"]]
    if not loc:  # a model-level rule: its message starts with the field it is about
        first = message.split(" ", 1)[0]
        loc = [first] if first in Corrections.model_fields else []
    field = ".".join(loc) or None
    return ValidationFailed(f"{field}: {message}" if field and not message.startswith(field)
                            else message, field=field)


def stored_bill(job: IngestJob) -> ExtractedBill:
    """The extracted bill stored on the job (the contract), back as an `ExtractedBill`.

    The contract has no document type; an e-invoice credit note keeps its negative amounts,
    which is how it is recognised here as a credit note.
    """
    contract: dict[str, Any] = (job.extracted or {}).get("bill") or {}
    confidence = contract.get("confidence") or {}
    fields: dict[str, Any] = {
        name: {"value": contract[name], "confidence": confidence.get(name, 0.0)}
        for name in (*BILL_FIELDS, "document_type") if contract.get(name) not in (None, "")}
    items = [{key: item.get(key) for key in ("description", "quantity", "unit_price", "amount")}
             for item in contract.get("line_items") or [] if item.get("description")]
    extracted = ExtractedBill.model_validate(
        {**fields, "line_items": items, "warnings": contract.get("warnings") or []})
    if extracted.document_type is None and (extracted.value("total") or 0) < 0:
        extracted.document_type = FieldValue(value="credit_note", confidence=1.0)
    return extracted


def kind_of(extracted: ExtractedBill) -> BillKind:
    """A credit note (or negative total) is booked as a vendor credit, as the pipeline does."""
    credit = extracted.value("document_type") == "credit_note" or \
        (extracted.value("total") or 0) < 0
    return BillKind.VENDOR_CREDIT if credit else BillKind.BILL


def apply_corrections(extracted: ExtractedBill, corrections: Corrections) -> ExtractedBill:
    """The bill with the reviewer's values (confidence 1.0); its kind fixed before amounts."""
    kind = corrections.kind or kind_of(extracted)
    updates: dict[str, Any] = {
        "document_type": FieldValue(value="credit_note" if kind is BillKind.VENDOR_CREDIT
                                    else "invoice", confidence=1.0)}
    given = corrections.model_fields_set
    for name in BILL_FIELDS:
        if name in given:
            value = getattr(corrections, name)
            updates[name] = None if value is None else FieldValue(value=value, confidence=1.0)
    if "line_items" in given:
        updates["line_items"] = [
            ExtractedLineItem(description=line.description, amount=line.amount,
                              quantity=line.quantity, unit_price=line.unit_price,
                              tax_rate=line.tax_rate, confidence=1.0)
            for line in corrections.line_items or []]
    return extracted.model_copy(update=updates)


def check_bill(extracted: ExtractedBill, organization_id: str) -> None:
    """Validate the corrected bill through the domain `Bill`; 422 naming the field.

    A credit note's amounts may be given as printed (positive): they are booked negative.
    """
    missing = [name for name in ("bill_number", "bill_date", "currency", "total")
               if extracted.value(name) in (None, "")]
    if missing:
        raise ValidationFailed(f"{missing[0]}: missing; give it to approve the bill",
                               field=missing[0])
    credit = extracted.value("document_type") == "credit_note"  # set by apply_corrections
    kind = BillKind.VENDOR_CREDIT if credit else BillKind.BILL

    def signed(value: Decimal | None) -> Decimal | None:
        return -abs(value) if value is not None and kind is BillKind.VENDOR_CREDIT else value

    try:
        Bill(organization_id=organization_id, vendor_id="pending", kind=kind,
             bill_number=extracted.value("bill_number"), bill_date=extracted.value("bill_date"),
             due_date=extracted.value("due_date"), currency=extracted.value("currency"),
             subtotal=signed(extracted.value("subtotal")), tax=signed(extracted.value("tax")),
             total=signed(extracted.value("total")), po_number=extracted.value("po_number"),
             line_items=[BillLineItem(description=item.description,
                                      amount=signed(item.amount) or Decimal(0),
                                      quantity=item.quantity or Decimal(1),
                                      unit_price=item.unit_price, tax_rate=item.tax_rate)
                         for item in extracted.line_items if item.amount is not None])
    except ValidationError as exc:
        raise _validation_failed(exc) from exc


# ---------------------------------------------------------------------------------------------
# Approve and reject
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Approval:
    job: IngestJob
    bill: Bill
    vendor: Vendor


def approve(runtime: Runtime, organization_id: str, job_id: str,
            corrections: Corrections | Mapping[str, Any] | None = None) -> Approval:
    """Correct, record and push the bill of a job in needs_review; the job becomes pushed.

    All in one unit of work: if validation or the accounting system fails, nothing is kept
    (no bill, no new vendor) and the job still waits.
    """
    if not isinstance(corrections, Corrections):
        corrections = Corrections.parse(corrections)
    with runtime.repository(organization_id) as repo:
        job = _waiting_job(repo, job_id, "approved")
        extracted = apply_corrections(stored_bill(job), corrections)
        check_bill(extracted, organization_id)
        service = BillService.open(repo, runtime.settings, runtime.originals)
        vendor = _choose_vendor(service, job, extracted, corrections)
        bill = service.create_from_extracted(extracted, vendor=vendor,
                                             document_sha256=job.document_sha256)
        bill = service.push_bill(bill.id)
        job.status, job.bill_id, job.error, job.error_code = JobStatus.PUSHED, bill.id, None, None
        job.extracted = {**(job.extracted or {}), "review": {
            "decision": "approved", "at": utcnow().isoformat(), "vendor_id": vendor.id,
            "corrections": corrections.changed()}}
        repo.update_job(job)
        return Approval(job=job, bill=bill, vendor=repo.get_vendor(vendor.id))


def reject(runtime: Runtime, organization_id: str, job_id: str, reason: str | None) -> IngestJob:
    """The job becomes failed with the reviewer's reason; its original file stays stored."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason: say why the bill is rejected", field="reason")
    with runtime.repository(organization_id) as repo:
        job = _waiting_job(repo, job_id, "rejected")
        job.status, job.error_code = JobStatus.FAILED, "rejected"
        job.error = f"rejected by reviewer: {reason}"
        job.extracted = {**(job.extracted or {}), "review": {
            "decision": "rejected", "at": utcnow().isoformat(), "reason": reason}}
        return repo.update_job(job)


def _waiting_job(repo: Repository, job_id: str, decision: str) -> IngestJob:
    """The job, if it waits for review: 404 in another organization, 409 in another status."""
    job = repo.get_job(job_id)
    if job.status is JobStatus.NEEDS_REVIEW:
        return job
    if job.status is JobStatus.PUSHED:
        raise Conflict(f"job {job_id} is already pushed (bill {job.bill_id}); it cannot be "
                       f"{decision}")
    raise Conflict(f"job {job_id} is {job.status.value}, not needs_review; only a job waiting "
                   f"for review can be {decision}")


def _choose_vendor(service: BillService, job: IngestJob, extracted: ExtractedBill,
                   corrections: Corrections) -> Vendor:
    """The reviewer's vendor_id; else the pipeline's match (unless the name was corrected);
    else the name matched (its alias remembered) or, when nothing is close, created."""
    if corrections.vendor_id:
        try:
            return service.repo.get_vendor(corrections.vendor_id)
        except NotFound as exc:
            raise ValidationFailed(f"vendor_id: no vendor {corrections.vendor_id} in this "
                                   "organization", field="vendor_id") from exc
    matched = ((job.extracted or {}).get("vendor_match") or {}).get("vendor") or {}
    if matched.get("id") and "vendor_name" not in corrections.model_fields_set:
        try:
            return service.repo.get_vendor(matched["id"])
        except NotFound:
            pass  # deleted since: match again
    if not extracted.value("vendor_name") and not extracted.value("vendor_tax_id"):
        raise ValidationFailed("vendor_name: the bill names no vendor; give vendor_name or "
                               "vendor_id", field="vendor_name")
    resolution = service.resolve_vendor(VendorCandidate(
        name=extracted.value("vendor_name"), tax_id=extracted.value("vendor_tax_id")))
    if resolution.vendor is None:
        options = [v for v in (resolution.match.candidate, resolution.match.runner_up) if v]
        listed = ", ".join(f"{v.name} ({v.id})" for v in options)
        raise ValidationFailed(f"vendor_id: the vendor is ambiguous ({resolution.match.reason});"
                               f" choose one with vendor_id: {listed}", field="vendor_id")
    return service.repo.get_vendor(resolution.vendor.id)  # as stored, with its new alias
