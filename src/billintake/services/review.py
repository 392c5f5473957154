"""The review step: a person checks, corrects and approves (or rejects) a bill in needs_review.

The pipeline stops a job in `needs_review` with its `JobOutcome`: the typed extracted bill, the
vendor match and the reasons. Here a reviewer sees those (`waiting`), then either approves —
corrections applied onto the typed bill, checked as the books will take it, the vendor matched
as the pipeline matches it, the bill recorded and pushed through `BillService`, the job
`pushed` — or rejects it (`failed`, original kept).

Beside the corrected fields a reviewer may say how to book (`Booking`): the expense account
and tax rate of the lines, or a new vendor. Two things are never booked unconfirmed (`checks`):
a possible duplicate (the same vendor's bill with the same number, or the same amount on the
same day, or the file the pipeline found booked already) and bank details that differ from
the vendor's on file — a reviewer confirms each by its code, or approval is a 409 listing them.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from billintake.bootstrap import Runtime
from billintake.domain.banking import (
    compact,
    iban_error,
    reference_error,
    reference_type,
    valid_bic,
)
from billintake.domain.errors import (
    ConfirmationNeeded,
    Conflict,
    NotFound,
    ValidationFailed,
    validation_failed,
)
from billintake.domain.extracted import (
    Evidence,
    ExtractedBill,
    ExtractedLineItem,
    FieldValue,
    PaymentData,
    TaxLine,
)
from billintake.domain.kinds import kind_of
from billintake.domain.model import (
    AccountClass,
    Amount,
    Bill,
    BillKind,
    IngestJob,
    JobStatus,
    Vendor,
    utcnow,
)
from billintake.domain.outcome import JobOutcome, ReviewDecision, VendorMatchOutcome
from billintake.extraction.contract import outcome_contract
from billintake.services.books import (
    BillInput,
    BillService,
    LineInput,
    VendorInput,
    bill_from,
    bill_input_from,
    new_bill_from,
)
from billintake.services.inputs import ParsedInput
from billintake.services.pipeline import (
    UNKNOWN_VENDOR,
    ReviewPolicy,
    bank_details_message,
    bill_accounts,
    current_reasons,
    not_found_reason,
    unknown_accounts,
    vendor_candidate_of,
)
from billintake.services.vendor_memory import (
    BookedAs,
    description_key,
    remember_approval,
    with_remembered_booking,
)
from billintake.settings import Settings
from billintake.storage.repository import Repository

if TYPE_CHECKING:
    from billintake.reading.document import ReadDocument

log = logging.getLogger(__name__)

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
        outcome = outcome_contract(self.job.outcome, self.job.original_filename)
        return {"job_id": self.job.id, "filename": self.job.original_filename,
                "channel": self.job.channel.value, "received_at": self.job.created_at.isoformat(),
                "reasons": self.reasons, "low_confidence": self.low_confidence,
                "warnings": self.warnings, "vendor_match": outcome["vendor_match"],
                "vendor_candidates": self.vendor_candidates,
                "duplicate_of": outcome["duplicate_of"], "bill": outcome["bill"]}


def waiting(runtime: Runtime, organization_id: str, *, limit: int = 100,
            offset: int = 0) -> list[ReviewItem]:
    """The organization's jobs in needs_review, newest first, each with its reasons."""
    policy = ReviewPolicy.from_settings(runtime.settings)
    with runtime.repository(organization_id) as repo:
        jobs = repo.list_jobs(status=JobStatus.NEEDS_REVIEW, limit=limit, offset=offset)
        vendors = repo.list_vendors()
    return [review_item(job, policy, vendors=vendors, settings=runtime.settings)
            for job in jobs]


def review_item(job: IngestJob, policy: ReviewPolicy, *, vendors: list[Vendor] | None = None,
                settings: Settings | None = None) -> ReviewItem:
    """Why the job waits: the reasons the pipeline recorded (as they stand now against
    `vendors`), else derived from its bill."""
    outcome = job.outcome or JobOutcome()
    bill, match = outcome.bill, outcome.vendor_match
    low = {} if bill is None else {
        name: field.confidence for name in ExtractedBill.HEADER_FIELDS
        if (field := getattr(bill, name)) is not None and field.confidence < policy.min_confidence}
    candidates = [] if match is None or match.vendor is not None else [
        ref.model_dump() for ref in (match.candidate, match.runner_up) if ref is not None]
    reasons = list(outcome.review_reasons) or derived_reasons(bill, match, low)
    if settings is not None:
        reasons = current_reasons(reasons, bill, job.hints,
                                  match is not None and match.vendor is not None, vendors,
                                  settings)
    return ReviewItem(job=job, reasons=reasons, low_confidence=low,
                      warnings=[] if bill is None else list(bill.warnings),
                      vendor_candidates=candidates)


def derived_reasons(bill: ExtractedBill | None, match: VendorMatchOutcome | None,
                    low_confidence: Mapping[str, float]) -> list[str]:
    """Reasons for a job the pipeline recorded none for, from its stored bill and match."""
    if bill is None:
        return ["nothing was extracted from this file"]
    reasons: list[str] = []
    not_found = not_found_reason(bill)
    if not_found is not None:
        reasons.append(not_found)
    if low_confidence:
        reasons.append("low confidence: " + ", ".join(
            f"{name} {math.floor(score * 100) / 100:.2f}"  # truncated: never shown at the
            for name, score in low_confidence.items()))     # threshold it is below
    reasons.extend(f"warning: {warning}" for warning in bill.warnings)
    if match is None or match.vendor is None:
        reasons.append(f"vendor is ambiguous: {match.reason}" if match and match.ambiguous
                       else f"{UNKNOWN_VENDOR}: confirm or create it")
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


class PaymentCorrection(BaseModel):
    """The payment data a reviewer corrects: each checked by its rules (an IBAN's check digits
    and country format, a BIC's form, a structured reference's check digits); null clears."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    iban: str | None = Field(default=None, min_length=5, max_length=42)
    bic: str | None = Field(default=None, min_length=8, max_length=14)
    reference: str | None = Field(default=None, min_length=1, max_length=140)
    payee_name: str | None = Field(default=None, min_length=1, max_length=140)

    @field_validator("iban", "bic", "reference")
    @classmethod
    def _valid(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else _PAYMENT_CHECKS[info.field_name](value)


def _checked_iban(value: str) -> str:
    error = iban_error(value)
    if error is not None:
        raise ValueError(f"{value} is not a valid IBAN: {error}")
    return compact(value)


def _checked_bic(value: str) -> str:
    bic = valid_bic(value)
    if bic is None:
        raise ValueError(f"{value} is not a BIC (8 or 11 characters: bank, country, location, "
                         "branch)")
    return bic


def _checked_reference(value: str) -> str:
    error = reference_error(value)
    if error is not None:
        raise ValueError(f"{value}: {error}")
    return value


_PAYMENT_CHECKS: dict[str, Callable[[str], str]] = {
    "iban": _checked_iban, "bic": _checked_bic, "reference": _checked_reference}


class Corrections(ParsedInput):
    """What a reviewer changes; a field given as null is cleared. `vendor_id` picks a vendor.
    Amounts are given as printed (a credit note's positive), as extraction gives them."""

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
    tax_lines: list[TaxLine] | None = None  # the tax per rate, as printed
    total: Amount | None = None
    po_number: str | None = Field(default=None, max_length=100)
    line_items: list[LineCorrection] | None = None
    payment: PaymentCorrection | None = None  # the fields given are corrected, the rest kept


    def changed(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


# The bill's header fields a reviewer can correct.
BILL_FIELDS = tuple(name for name in Corrections.model_fields
                    if name in ExtractedBill.HEADER_FIELDS)


def stored_bill(job: IngestJob) -> ExtractedBill:
    """The typed bill the pipeline stored on the job (an empty one if nothing was extracted)."""
    bill = None if job.outcome is None else job.outcome.bill
    return ExtractedBill() if bill is None else bill


def apply_corrections(extracted: ExtractedBill, corrections: Corrections) -> ExtractedBill:
    """The bill with the reviewer's values, each at confidence 1.0 with evidence saying it was
    corrected (and what had been extracted); a corrected kind sets the document type."""
    given = corrections.model_fields_set
    updates: dict[str, Any] = {
        name: None if getattr(corrections, name) is None else FieldValue(
            value=getattr(corrections, name), confidence=1.0,
            evidence=_corrected(extracted.value(name)))
        for name in BILL_FIELDS if name in given}
    if corrections.kind is not None and corrections.kind is not kind_of(extracted):
        updates["document_type"] = FieldValue(
            value="credit_note" if corrections.kind is BillKind.VENDOR_CREDIT else "invoice",
            confidence=1.0, evidence=_corrected(extracted.value("document_type")))
    if "tax_lines" in given:
        updates["tax_lines"] = list(corrections.tax_lines or [])
    if "line_items" in given:
        updates["line_items"] = [
            ExtractedLineItem(description=line.description, amount=line.amount,
                              quantity=line.quantity, unit_price=line.unit_price,
                              tax_rate=line.tax_rate, confidence=1.0,
                              evidence=_corrected(len(extracted.line_items), "lines"))
            for line in corrections.line_items or []]
    if corrections.payment is not None:
        updates.update(_payment_corrected(extracted, corrections.payment))
    return extracted.model_copy(update=updates)


def _payment_corrected(extracted: ExtractedBill, fixes: PaymentCorrection) -> dict[str, Any]:
    """The bill's payment data with the reviewer's values; a corrected IBAN is the bill's
    account too (`vendor_iban`: what the payment guard compares and a new vendor gets)."""
    payment = (extracted.payment or PaymentData()).model_copy()
    updates: dict[str, Any] = {}
    for name in fixes.model_fields_set:
        value = getattr(fixes, name)
        setattr(payment, name, None if value is None else FieldValue(
            value=value, confidence=1.0, evidence=_corrected(payment.value(name))))
    if "reference" in fixes.model_fields_set:
        payment.reference_type = None if fixes.reference is None else reference_type(
            fixes.reference)
    if "iban" in fixes.model_fields_set:
        updates["vendor_iban"] = payment.iban
    if payment.amount is None and payment.iban is not None:
        payment.amount = extracted.amount_due or extracted.total
    if payment.currency is None and payment.iban is not None:
        payment.currency = extracted.currency
    return {**updates, "payment": payment}


def _corrected(extracted: Any, what: str = "") -> Evidence:
    was = "nothing" if extracted is None else f"{extracted} {what}".strip()
    return Evidence(source="review", text=f"corrected in review; extracted: {was}")


def check_bill(extracted: ExtractedBill, organization_id: str, kind: BillKind,
               document_sha256: str | None = None) -> None:
    """Validate the corrected bill as the books will take it (the domain `Bill`; a bill that
    prints no number is booked by its date and `document_sha256`); 422 naming the field. Its
    due date is checked as given: one before the bill date is refused here, where the
    pipeline would drop an extracted one."""
    draft = bill_input_from(extracted, "pending", document_sha256, kind=kind)
    bill_from(draft.model_copy(update={"due_date": extracted.value("due_date")}),
              organization_id, "pending")


# ---------------------------------------------------------------------------------------------
# How to book, and what must be confirmed
# ---------------------------------------------------------------------------------------------

CheckCode = Literal["possible_duplicate", "bank_details_changed"]


class Booking(BaseModel):
    """How the reviewer books the bill, beside the corrected fields: the expense account
    (an id from GET /accounts) and tax rate (percent) of the lines that name none, whether
    `vendor_name` is a new vendor to create, and the checks confirmed (by code)."""

    model_config = ConfigDict(extra="forbid")

    account_id: str | None = None
    tax_rate: Amount | None = Field(default=None, ge=0, le=100)
    tax_rate_id: str | None = Field(default=None, min_length=1, max_length=200)
    # a line's account by its description (an id from GET /accounts), remembered for the vendor
    line_accounts: dict[str, str] = Field(default_factory=dict)
    create_vendor: bool = False
    confirm: list[CheckCode] = Field(default_factory=list)

    def recorded(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_defaults=True)


def parse_decision(body: Mapping[str, Any] | None) -> tuple[Corrections, Booking]:
    """A reviewer's body: the booking's keys (`Booking`) and the corrections (the rest)."""
    data = dict(body or {})
    booking = {name: data.pop(name) for name in list(data) if name in Booking.model_fields}
    try:
        parsed = Booking.model_validate(booking)
    except ValidationError as exc:
        raise validation_failed(exc, Booking.model_fields) from exc
    return Corrections.parse(data), parsed


@dataclass(frozen=True)
class Check:
    """Something a person must confirm before the bill is booked."""

    code: CheckCode
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def checks(repo: Repository, job: IngestJob, extracted: ExtractedBill,
           vendor: Vendor) -> list[Check]:
    """What must be confirmed to book this bill for this vendor: a possible duplicate, and
    bank details that differ from the vendor's on file."""
    found: list[Check] = []
    number, total = extracted.value("bill_number"), extracted.value("total")
    bill_date = extracted.value("bill_date")
    flagged = None if job.outcome is None else job.outcome.duplicate_of
    similar = [bill for bill in repo.list_bills(vendor_id=vendor.id, limit=1000)
               if bill.document_sha256 != job.document_sha256 and (
                   bill.id == flagged
                   or (number and bill.bill_number.casefold() == str(number).casefold())
                   or (total is not None and abs(bill.total) == total
                       and bill.bill_date == bill_date))]
    if flagged and all(bill.id != flagged for bill in similar):
        with contextlib.suppress(NotFound):
            similar.append(repo.get_bill(flagged))
    if similar:
        found.append(Check("possible_duplicate", "possibly a duplicate of " + "; ".join(
            f"bill {b.bill_number} of {b.bill_date.isoformat()} for {abs(b.total)} "
            f"{b.currency} ({b.id})" for b in similar[:3])))
    changed = unknown_accounts(extracted, vendor)
    if changed:
        found.append(Check("bank_details_changed", bank_details_message(changed, vendor)))
    return found


def _booked(service: BillService, draft: BillInput, booking: Booking) -> BillInput:
    """The draft with the reviewer's expense account and tax rate on the lines naming none.
    With an account, lines that do not add up to the net amount (total less tax) — which the
    books would book as one line to the default account — become that one line, on it."""
    if booking.account_id is None and booking.tax_rate is None and not booking.line_accounts:
        return draft
    if booking.account_id is not None or booking.line_accounts:
        expense = {a.id for a in service.list_accounts()
                   if a.account_class is AccountClass.EXPENSE}
        for account in (booking.account_id, *booking.line_accounts.values()):
            if account is not None and account not in expense:
                raise ValidationFailed(f"account_id: {account} is not an expense "
                                       "account of the connected books", field="account_id")
    if booking.line_accounts:
        by_key = {description_key(d): a for d, a in booking.line_accounts.items()}
        draft = draft.model_copy(update={"line_items": [
            line.model_copy(update={"account_id": by_key[description_key(line.description)]})
            if description_key(line.description) in by_key else line
            for line in draft.line_items]})
    lines = list(draft.line_items)
    net = draft.total - (draft.tax or Decimal(0))
    if booking.account_id is not None and sum((line.amount for line in lines),
                                              Decimal(0)) != net:
        lines = [LineInput(description=f"Bill {draft.bill_number}", amount=net)]
    return draft.model_copy(update={"line_items": [line.model_copy(update={
        "account_id": line.account_id or booking.account_id,
        "tax_rate": booking.tax_rate if line.tax_rate is None else line.tax_rate})
        for line in lines]})


# ---------------------------------------------------------------------------------------------
# Approve and reject
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Approval:
    job: IngestJob
    bill: Bill
    vendor: Vendor


class _Checked(Exception):
    """A dry run's approval passed every check (raised to roll its work back)."""


def check_approval(runtime: Runtime, organization_id: str, job_id: str,
                   corrections: Corrections | Mapping[str, Any] | None = None,
                   booking: Booking | None = None) -> None:
    """Raise what `approve` would refuse (ValidationFailed, ConfirmationNeeded, Conflict,
    NotFound) without keeping anything or writing to the books."""
    try:
        approve(runtime, organization_id, job_id, corrections, booking, dry_run=True)
    except _Checked:
        return


def _request_reads(runtime: Runtime, in_request: bool) -> dict[str, Any]:
    """A check made inside an HTTP request reads the books within the request's time."""
    return {"read_deadline_s": runtime.settings.remote_read_timeout_s} if in_request else {}


def approve(runtime: Runtime, organization_id: str, job_id: str,
            corrections: Corrections | Mapping[str, Any] | None = None,
            booking: Booking | None = None, *, dry_run: bool = False,
            document: ReadDocument | None = None) -> Approval:
    """Correct, record and push the bill of a job in needs_review; the job becomes pushed.
    (`dry_run`: only check, see `check_approval`.)

    If validation fails or a check is left unconfirmed (`ConfirmationNeeded`), nothing is
    kept (no bill, no new vendor) and the job still waits; a confirmed change of bank details
    becomes the vendor's IBAN. If the accounting system fails (or the bill cannot be booked as
    it stands) the job still waits and the draft bill keeps the write's key and error:
    approving again (with corrections: a new revision of the bill) pushes that draft, never a
    second bill.

    The approved bill teaches its vendor's memory (`services.vendor_memory`): where its values
    sit on its pages (`document`, when the caller has read them; else read here) and how it
    was booked.
    """
    if not isinstance(corrections, Corrections):
        corrections = Corrections.parse(corrections)
    booking = booking or Booking()
    with runtime.repository(organization_id) as repo:
        job = _waiting_job(repo, job_id, "approved")
        stored = stored_bill(job)
        kind = corrections.kind or kind_of(stored)  # fixed before the amounts are corrected
        extracted = apply_corrections(stored, corrections)
        if stored.bill_number is None and extracted.bill_number is None:  # none on the page,
            extracted = extracted.model_copy(update={  # none given: booked by date and file
                "not_printed": sorted({*extracted.not_printed, "bill_number"})})
        check_bill(extracted, organization_id, kind, job.document_sha256)
        service = BillService.open(repo, runtime.settings, runtime.originals,
                                   **_request_reads(runtime, dry_run))
        vendor = (_new_vendor(service, extracted, job) if booking.create_vendor
                  else _choose_vendor(service, job, extracted, corrections))
        draft = bill_input_from(extracted, vendor.id, job.document_sha256, kind=kind)
        if booking.account_id is None and not booking.line_accounts:  # as booked last time
            draft = with_remembered_booking(draft, repo.get_vendor_memory(vendor.id))
        draft = _booked(service, draft, booking)
        if service.unbooked_draft(job.document_sha256) is None:  # a draft is revised below
            service.refuse_duplicate(bill_from(draft, organization_id, vendor.id))
        pending = [c for c in checks(repo, job, extracted, vendor)
                   if c.code not in booking.confirm]
        if pending:
            raise ConfirmationNeeded(
                "confirm before booking: " + "; ".join(c.message for c in pending),
                confirm=[c.to_dict() for c in pending])
        if booking.tax_rate_id is not None and booking.tax_rate is None:
            raise ValidationFailed("tax_rate_id: give the tax_rate it stands for",
                                   field="tax_rate_id")
        if dry_run:  # what booking would refuse as it stands (NeedsReview), nothing kept
            new_bill_from(bill_from(draft, organization_id, vendor.id), vendor.id)
            raise _Checked  # the block rolls back
        if "bank_details_changed" in booking.confirm and bill_accounts(extracted):
            # confirmed: the account the bill names is the vendor's now, the former kept
            vendor = repo.update_vendor(repo.get_vendor(vendor.id).with_account(
                bill_accounts(extracted)[0]))
        elif extracted.payment is not None and extracted.payment.iban is not None and \
                not vendor.known_accounts():
            # the vendor's first account, as a person approved it: the guard knows it now
            vendor = repo.update_vendor(repo.get_vendor(vendor.id).with_account(
                extracted.payment.iban.value))
        service.remember_alias(vendor, extracted.value("vendor_name"))
        if booking.tax_rate_id is not None:  # the books' tax code for the rate, remembered
            if booking.tax_rate is None:
                raise ValidationFailed("tax_rate_id: give the tax_rate it stands for",
                                       field="tax_rate_id")
            service.set_tax_rates({str(booking.tax_rate): booking.tax_rate_id})
        bill = service.push_bill(service.record(draft).id)
        if booking.account_id is not None:  # the vendor's expense account in these books now
            stored = repo.get_vendor(vendor.id)
            stored.expense_accounts = {**stored.expense_accounts,
                                       service.writer.backend: booking.account_id}
            repo.update_vendor(stored)
        _remember(runtime, repo, job, extracted, repo.get_vendor(vendor.id), BookedAs(
            lines=tuple((line.description, line.account_id) for line in bill.line_items),
            tax_rate=booking.tax_rate, tax_code=booking.tax_rate_id), document)
        job.status, job.bill_id, job.error, job.error_code = JobStatus.PUSHED, bill.id, None, None
        job.outcome = _decided(job, ReviewDecision(
            decision="approved", at=utcnow(), vendor_id=vendor.id,
            corrections={**corrections.changed(), **booking.recorded()}), bill=extracted)
        repo.update_job(job)
        return Approval(job=job, bill=bill, vendor=repo.get_vendor(vendor.id))


def _remember(runtime: Runtime, repo: Repository, job: IngestJob, approved: ExtractedBill,
              vendor: Vendor, booked: BookedAs, document: ReadDocument | None) -> None:
    """The approval taught to the vendor's memory; a failure to learn never undoes it."""
    from billintake.services.pipeline import _extractor

    try:
        with repo.session.begin_nested():
            if document is None:
                document = _pages_of(runtime, repo, job)
            remember_approval(repo, _extractor(runtime.settings), vendor, approved, document,
                              booked)
    except Exception:
        log.exception("the approval could not teach the vendor's memory",
                      extra={"job_id": job.id, "organization_id": job.organization_id})


def _pages_of(runtime: Runtime, repo: Repository, job: IngestJob) -> ReadDocument | None:
    """The read pages of the job's original (none for a file without pages, a bare XML)."""
    from billintake.reading.reader import read
    from billintake.reading.registry import reader_for

    media_type = repo.get_document(job.document_sha256).media_type
    if reader_for(media_type) is None:
        return None
    return read(runtime.originals.read(job.document_sha256), media_type=media_type,
                settings=runtime.settings, languages=runtime.settings.ocr_language_list)


def reject(runtime: Runtime, organization_id: str, job_id: str, reason: str | None) -> IngestJob:
    """The job becomes failed with the reviewer's reason; its original file stays stored."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason: say why the bill is rejected", field="reason")
    with runtime.repository(organization_id) as repo:
        job = _waiting_job(repo, job_id, "rejected")
        job.status, job.error_code = JobStatus.FAILED, "rejected"
        job.error = f"rejected by reviewer: {reason}"
        job.outcome = _decided(job, ReviewDecision(decision="rejected", at=utcnow(),
                                                   reason=reason))
        return repo.update_job(job)


def _decided(job: IngestJob, decision: ReviewDecision, **updates: Any) -> JobOutcome:
    """The job's outcome with the reviewer's decision (and, approved, the corrected bill)."""
    return (job.outcome or JobOutcome()).model_copy(update={"review": decision, **updates})


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


def _new_vendor(service: BillService, extracted: ExtractedBill, job: IngestJob) -> Vendor:
    """The bill's vendor created as the reviewer named it (409 if one with the same name,
    tax id or IBAN exists: choose that one instead)."""
    candidate = vendor_candidate_of(extracted, job.hints)
    if not candidate.name:
        raise ValidationFailed("vendor_name: name the vendor to create", field="vendor_name")
    return service.create_vendor(VendorInput(name=candidate.name, tax_id=candidate.tax_id,
                                             email=candidate.email, iban=candidate.iban))


def _choose_vendor(service: BillService, job: IngestJob, extracted: ExtractedBill,
                   corrections: Corrections) -> Vendor:
    """The reviewer's vendor_id; else the pipeline's match (unless the name was corrected);
    else matched as the pipeline matches (tax id, IBAN, email, name; a name matched is
    remembered as an alias) or, when nothing is close, created with those details."""
    if corrections.vendor_id:
        try:
            return service.repo.get_vendor(corrections.vendor_id)
        except NotFound as exc:
            raise ValidationFailed(f"vendor_id: no vendor {corrections.vendor_id} in this "
                                   "organization", field="vendor_id") from exc
    match = None if job.outcome is None else job.outcome.vendor_match
    if match is not None and match.vendor is not None and \
            "vendor_name" not in corrections.model_fields_set:
        try:
            return service.repo.get_vendor(match.vendor.id)
        except NotFound:
            pass  # deleted since: match again
    resolution = service.resolve_vendor(vendor_candidate_of(extracted, job.hints))
    if resolution.vendor is None and not resolution.match.ambiguous:
        raise ValidationFailed("vendor_name: the bill names no vendor that is known or can be "
                               "created; give vendor_name or vendor_id", field="vendor_name")
    if resolution.vendor is None:
        options = [v for v in (resolution.match.candidate, resolution.match.runner_up) if v]
        listed = ", ".join(f"{v.name} ({v.id})" for v in options)
        raise ValidationFailed(f"vendor_id: the vendor is ambiguous ({resolution.match.reason});"
                               f" choose one with vendor_id: {listed}", field="vendor_id")
    return service.repo.get_vendor(resolution.vendor.id)  # as stored, with its new alias
