"""The ingest job: receive → read → extract → match → review or push, recording every status.

Every channel (upload, email, folder) ends in `services.receive.receive()`: the original is
stored, its media type sniffed once and recorded, and an IngestJob row committed *before* any
processing, so nothing received is ever lost. A worker (in-process pool or Celery) then calls
`run_job()`, which moves the job through its stages (reading with the recorded media type),
committing the status after each one. A failure records the error and keeps the file; a job
can be retried. Running a job again (a redelivered task, a retry) never books a second bill.

The stages are plain functions bundled in `Stages`, so tests and benchmarks can swap one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from billintake.domain.banking import compact
from billintake.domain.errors import (
    BillintakeError,
    Conflict,
    DuplicateBill,
    NeedsReview,
    UnreadableDocument,
)
from billintake.domain.extracted import ExtractedBill
from billintake.domain.model import EINVOICE_HINT, IngestJob, JobStatus, Vendor
from billintake.domain.outcome import JobOutcome
from billintake.settings import Settings

if TYPE_CHECKING:
    from billintake.bootstrap import Runtime
    from billintake.extraction.memory import MemoryBook
    from billintake.matching.vendors import VendorCandidate, VendorMatch
    from billintake.queue.dispatcher import Dispatcher
    from billintake.reading.document import ReadDocument

log = logging.getLogger(__name__)

RETRIED_AT_HINT = "retried_at_attempt"  # hint: the attempts a job had when a person retried it
RUNNABLE = frozenset({JobStatus.QUEUED, JobStatus.READING, JobStatus.EXTRACTING,
                      JobStatus.MATCHING, JobStatus.READY})


# ---------------------------------------------------------------------------------------------
# Values passed between stages
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Readout:
    """What reading produced: the file, its media type, the XML that came beside it, and its
    read pages (None for an XML file). A page that could not be read keeps its error, raised
    only if extraction needs the page (an e-invoice's XML may not)."""

    media_type: str
    data: bytes = b""
    companion_xml: bytes | None = None
    document: ReadDocument | None = None
    read_error: BillintakeError | None = None
    memory: MemoryBook | None = None  # the organization's vendor memories, for extraction

    def pages(self) -> ReadDocument:
        """The read pages, or the error reading them raised."""
        if self.read_error is not None:
            raise self.read_error
        if self.document is None:
            raise UnreadableDocument("This file has no pages to read.")
        return self.document


@dataclass(frozen=True)
class ReviewPolicy:
    """An organization's auto-approve thresholds."""

    min_confidence: float
    require_reconciled: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> ReviewPolicy:
        return cls(min_confidence=settings.auto_approve_min_confidence,
                   require_reconciled=settings.auto_approve_require_reconciled)


@dataclass
class JobInput:
    """What a stage may know about the job besides the file: its hints and names."""

    job_id: str
    organization_id: str
    filename: str
    document_sha256: str
    hints: dict[str, str] = field(default_factory=dict)


ReadStage = Callable[[bytes, str, bytes | None, Settings], Readout]
ExtractStage = Callable[[Readout, Settings], ExtractedBill]
MatchStage = Callable[[ExtractedBill, list[Vendor], JobInput, Settings], "VendorMatch"]
PushStage = Callable[["Runtime", JobInput, ExtractedBill, Vendor], str]


# ---------------------------------------------------------------------------------------------
# The default stages: the other areas' real functions
# ---------------------------------------------------------------------------------------------


def read_stage(data: bytes, media_type: str, companion_xml: bytes | None,
               settings: Settings) -> Readout:
    """Read the file's pages with the reader of the media type it was received as (an XML
    file has none); see `extract_stage`."""
    from billintake.reading.reader import read
    from billintake.reading.registry import reader_for

    readout = Readout(media_type=media_type, data=data, companion_xml=companion_xml)
    if reader_for(media_type) is None:
        return readout
    try:
        document = read(data, media_type=media_type, settings=settings,
                        languages=settings.ocr_language_list)
    except BillintakeError as exc:
        return replace(readout, read_error=exc)
    return replace(readout, document=document)


def _received_media_type(runtime: Runtime, job: IngestJob) -> str:
    """The media type the job's file was sniffed as when it was received (never again)."""
    with runtime.repository(job.organization_id) as repo:
        return repo.get_document(job.document_sha256).media_type


def extract_stage(readout: Readout, settings: Settings) -> ExtractedBill:
    """The Extractor's one path (as `billintake extract` and the API): the e-invoice XML
    first, cross-checked with the page, else the page, with warnings saying why."""
    return _extractor(settings).extract_sniffed(  # type: ignore[no-any-return]
        readout.data, readout.media_type, companion_xml=readout.companion_xml,
        read_pages=readout.pages, memory=readout.memory)


_extractors: dict[int, tuple[Settings, Any]] = {}
_extractors_lock = threading.Lock()


def _extractor(settings: Settings) -> Any:
    """One Extractor (and so one loaded spaCy model) per process and settings object."""
    from billintake.extraction.extractor import Extractor

    with _extractors_lock:
        entry = _extractors.get(id(settings))
        if entry is None or entry[0] is not settings:
            entry = _extractors[id(settings)] = (settings, Extractor(settings))
        return entry[1]


def match_stage(extracted: ExtractedBill, vendors: list[Vendor], job: JobInput,
                settings: Settings) -> VendorMatch:
    """Find the vendor by tax id, IBAN, email (the sender's, when the bill has none), name."""
    from billintake.matching.vendors import match_vendor

    return match_vendor(vendor_candidate_of(extracted, job.hints), vendors,
                        threshold=settings.vendor_match_threshold,
                        margin=settings.vendor_ambiguity_margin)


def vendor_candidate_of(extracted: ExtractedBill, hints: Mapping[str, str]) -> VendorCandidate:
    """What the bill says about its vendor, as the pipeline and review both match it: name, tax
    id, IBAN and email (the email sender's, when the bill has none)."""
    from billintake.matching.vendors import VendorCandidate

    return VendorCandidate(name=extracted.value("vendor_name"),
                           tax_id=extracted.value("vendor_tax_id"),
                           email=extracted.value("vendor_email") or _vendor_email_hint(hints),
                           iban=extracted.value("vendor_iban"))


def _vendor_email_hint(hints: Mapping[str, str]) -> str | None:
    """The email sender, when it is not the organization's own colleague forwarding a bill."""
    sender = hints.get("email_sender")
    return None if not sender or hints.get("forwarded_by") == sender else sender


def push_stage(runtime: Runtime, job: JobInput, extracted: ExtractedBill, vendor: Vendor) -> str:
    """Record the bill and book it in the organization's accounting system; the bill's id."""
    from billintake.services.books import push_extracted_bill

    return push_extracted_bill(runtime, job.organization_id, extracted, vendor,
                               document_sha256=job.document_sha256, filename=job.filename)


@dataclass(frozen=True)
class Stages:
    read: ReadStage = read_stage
    extract: ExtractStage = extract_stage
    match: MatchStage = match_stage
    push: PushStage = push_stage


DEFAULT_STAGES = Stages()


# ---------------------------------------------------------------------------------------------
# Review: may the bill be booked without a person?
# ---------------------------------------------------------------------------------------------

REQUIRED_FIELDS = ("bill_number", "vendor_name", "bill_date", "total", "currency")


def not_found_reason(bill: ExtractedBill) -> str | None:
    """The required fields the bill lacks (but those the vendor's approved bills never print),
    as a reason to review it; None when it has them all."""
    missing = [name for name in REQUIRED_FIELDS if bill.value(name) in (None, "")
               and name not in bill.not_printed]
    return "not found on the bill: " + ", ".join(missing) if missing else None


def review_reasons(extracted: ExtractedBill, vendor_match: VendorMatch,
                   policy: ReviewPolicy) -> list[str]:
    """Why a person must look at this bill; empty when it passes the auto-approve thresholds."""
    reasons: list[str] = []
    not_found = not_found_reason(extracted)
    if not_found is not None:
        reasons.append(not_found)
    confidence = extracted.joint_confidence()
    if confidence < policy.min_confidence:
        shown, limit = below_threshold(confidence, policy.min_confidence)
        reasons.append(f"confidence {shown} is below the auto-approve threshold {limit}")
    disagreement = extracted.arithmetic_disagreement()
    if disagreement is not None:  # whatever the policy: contradicting amounts are never booked
        reasons.append(f"the amounts contradict each other: {disagreement}")
    elif policy.require_reconciled and not extracted.reconciled and \
            not extracted.nothing_to_reconcile():
        reasons.append("the amounts do not add up (lines, tax and total do not reconcile)")
    if extracted.needs_review:
        problems = "; ".join(extracted.warnings[:3]) or "the extraction asks for a check"
        reasons.append(f"flagged for review: {problems}")
    if vendor_match.vendor is not None:
        changed = unknown_accounts(extracted, vendor_match.vendor)
        if changed:
            reasons.append(bank_details_message(changed, vendor_match.vendor))
    if vendor_match.vendor is None:
        if vendor_match.ambiguous:
            reasons.append(f"vendor is ambiguous: {vendor_match.reason}")
        else:
            reasons.append(f"{UNKNOWN_VENDOR}: confirm or create it")
    return reasons


BANK_DETAILS_CHANGED = "bank details changed"


def bill_accounts(extracted: ExtractedBill) -> list[str]:
    """The IBANs the bill asks to be paid to (compact): its payment data's, the printed one."""
    found = [extracted.payment.value("iban") if extracted.payment else None,
             extracted.value("vendor_iban")]
    return list(dict.fromkeys(compact(iban) for iban in found if iban))


def unknown_accounts(extracted: ExtractedBill, vendor: Vendor) -> list[str]:
    """The payment guard: the bill's IBANs that are none of the vendor's known bank accounts
    (none when the vendor has no account on file yet: nothing to differ from)."""
    known = vendor.known_accounts()
    if not known:
        return []
    return [iban for iban in bill_accounts(extracted) if iban not in known]


def bank_details_message(changed: list[str], vendor: Vendor) -> str:
    """Why a bill with new bank details waits, as the pipeline and review both say it."""
    return (f"{BANK_DETAILS_CHANGED}: the bill's IBAN {', '.join(changed)} is not one of the "
            f"accounts on file for {vendor.name} ({', '.join(vendor.known_accounts())}): "
            "confirm the change with the vendor through a contact you already know before "
            "paying")


def below_threshold(value: float, threshold: float) -> tuple[str, str]:
    """`value` and `threshold` as printed in a reason: the threshold as set (2 decimals at
    least), the value cut (not rounded) to as many decimals, so never "0.85 is below 0.85"."""
    limit = Decimal(str(threshold)).normalize()
    places = max(2, -int(limit.as_tuple().exponent))
    step = Decimal(1).scaleb(-places)
    shown = Decimal(str(value)).quantize(step, rounding=ROUND_FLOOR)
    return f"{shown:.{places}f}", f"{limit.quantize(step):.{places}f}"


UNKNOWN_VENDOR = "vendor is not known yet"
AMBIGUOUS_VENDOR = "vendor is ambiguous"


def current_reasons(reasons: list[str], extracted: ExtractedBill | None,
                    hints: Mapping[str, str], vendor_known: bool,
                    vendors: list[Vendor] | None, settings: Settings) -> list[str]:
    """The stored review reasons as they stand now: a vendor reason is dropped once the bill's
    vendor matches one of `vendors` (e.g. created or imported after the bill arrived)."""
    if vendor_known or vendors is None or extracted is None or not any(
            r.startswith((UNKNOWN_VENDOR, AMBIGUOUS_VENDOR)) for r in reasons):
        return reasons
    from billintake.matching.vendors import match_vendor

    found = match_vendor(vendor_candidate_of(extracted, hints), vendors,
                         threshold=settings.vendor_match_threshold,
                         margin=settings.vendor_ambiguity_margin)
    if found.vendor is None:
        return reasons
    rest = [r for r in reasons if not r.startswith((UNKNOWN_VENDOR, AMBIGUOUS_VENDOR))]
    return rest or [f"vendor {found.vendor.name} is known now: check the bill and approve it"]


# ---------------------------------------------------------------------------------------------
# Running a job
# ---------------------------------------------------------------------------------------------


def run_job(runtime: Runtime, organization_id: str, job_id: str,
            stages: Stages = DEFAULT_STAGES, *,
            dispatcher: Dispatcher | None = None) -> IngestJob:
    """Run one job to a final status (pushed, needs_review or failed) and return it.

    A job already final is returned unchanged, so a redelivered task does nothing twice; a
    run overtaken by a newer run of the same job stops at its next step. The jobs a file of
    several bills makes are handed to `dispatcher` at once (without one they wait for the
    next sweep of unfinished jobs).
    """
    with runtime.repository(organization_id) as repo:
        job = repo.get_job(job_id)
        if job.status not in RUNNABLE:
            return job
        started = job.attempts - int(job.hints.get(RETRIED_AT_HINT, "0"))
        if started >= runtime.settings.job_max_attempts:  # each run lost its worker mid-way
            job.status, job.error_code = JobStatus.FAILED, "worker_lost"
            job.error = (f"the job was started {started} times and never finished: its worker "
                         "was lost each time (killed, or out of memory)")
            return repo.update_job(job)
        job.attempts += 1
        job.error = job.error_code = None
        repo.update_job(job)
    context = {"job_id": job.id, "organization_id": organization_id}
    try:
        return _run_stages(runtime, job, stages, dispatcher)
    except _Superseded:
        log.warning("a newer run of this job took over; this run stops", extra=context)
        with runtime.repository(organization_id) as repo:
            return repo.get_job(job_id)


class _Superseded(Exception):
    """Another run of the same job started after this one (e.g. a task delivered again while
    its first worker was still busy): the newer run owns the job from now on."""


def _run_stages(runtime: Runtime, job: IngestJob, stages: Stages,
                dispatcher: Dispatcher | None) -> IngestJob:
    settings = runtime.settings
    organization_id = job.organization_id
    info = JobInput(job_id=job.id, organization_id=organization_id,
                    filename=job.original_filename, document_sha256=job.document_sha256,
                    hints=dict(job.hints))
    context = {"job_id": job.id, "organization_id": organization_id}
    try:
        media_type = _received_media_type(runtime, job)
        from billintake.services.split import bill_file

        data = bill_file(job, runtime.originals.read(job.document_sha256), media_type)
        companion = job.hints.get(EINVOICE_HINT)
        companion_xml = runtime.originals.read(companion) if companion else None

        job = _set_status(runtime, job, JobStatus.READING)
        readout = stages.read(data, media_type, companion_xml, settings)
        if readout.document is not None:  # several bills in the file: one job per bill
            from billintake.services.split import split_job

            readout = replace(readout, document=split_job(
                runtime, job, media_type, data, readout.document, dispatcher=dispatcher))

        job = _set_status(runtime, job, JobStatus.EXTRACTING)
        extracted = stages.extract(replace(readout, memory=_memory_book(runtime, job)),
                                   settings)

        job = _set_status(runtime, job, JobStatus.MATCHING, outcome=JobOutcome(bill=extracted))
        with runtime.repository(organization_id) as repo:
            vendors = repo.list_vendors()
        vendor_match = stages.match(extracted, vendors, info, settings)
        reasons = review_reasons(extracted, vendor_match, ReviewPolicy.from_settings(settings))
        outcome = JobOutcome(bill=extracted, vendor_match=vendor_match.outcome(),
                             review_reasons=reasons)
        if reasons:
            return _set_status(runtime, job, JobStatus.NEEDS_REVIEW, outcome=outcome)

        job = _set_status(runtime, job, JobStatus.READY, outcome=outcome)
        assert vendor_match.vendor is not None
        bill_id = _push_once(runtime, stages, info, extracted, vendor_match.vendor)
        job.bill_id = bill_id
        # booked: it teaches its vendor's memory (one that waits, when a person approves it)
        _remember_passed(runtime, job, extracted, vendor_match.vendor, readout)
        return _set_status(runtime, job, JobStatus.PUSHED)
    except DuplicateBill as exc:
        reasons = [f"looks like a bill already taken in ({exc.message})"]
        outcome = (job.outcome or JobOutcome()).model_copy(
            update={"review_reasons": reasons, "duplicate_of": exc.existing_id})
        return _set_status(runtime, job, JobStatus.NEEDS_REVIEW, outcome=outcome)
    except NeedsReview as exc:  # the books cannot take the bill as it stands: a person decides
        outcome = (job.outcome or JobOutcome()).model_copy(
            update={"review_reasons": [f"cannot be booked as it stands: {exc.message}"]})
        return _set_status(runtime, job, JobStatus.NEEDS_REVIEW, outcome=outcome)
    except BillintakeError as exc:
        log.info("job failed: %s", exc.code, extra=context)
        return _fail(runtime, job, exc.message, exc.code)
    except _Superseded:
        raise
    except Exception as exc:
        log.exception("job crashed", extra=context)
        return _fail(runtime, job, f"internal error: {type(exc).__name__}: {exc}",
                     "internal_error")


def _memory_book(runtime: Runtime, job: IngestJob) -> MemoryBook | None:
    """The organization's vendor memories, and its name: a bill addressed to it prints that
    name as the buyer's, which is never the vendor."""
    from billintake.services.vendor_memory import organization_book

    return organization_book(runtime, job.organization_id)


def _remember_passed(runtime: Runtime, job: IngestJob, extracted: ExtractedBill,
                     vendor: Vendor, readout: Readout) -> None:
    """A bill booked straight through teaches its vendor's memory (an e-invoice's exact
    values on its printed page; a page's values when its amounts reconcile:
    `vendor_memory.remember_passed`); a failure to learn never fails the job."""
    from billintake.services.vendor_memory import remember_passed

    try:
        with runtime.repository(job.organization_id) as repo:
            remember_passed(repo, _extractor(runtime.settings), vendor, extracted,
                            readout.document)
    except Exception:
        log.exception("the booked bill could not teach its vendor's memory",
                      extra={"job_id": job.id, "organization_id": job.organization_id})


def _push_once(runtime: Runtime, stages: Stages, info: JobInput, extracted: ExtractedBill,
               vendor: Vendor) -> str:
    """Push, unless a bill from this very file is booked already (a job run a second time); a
    draft of it that a failed push left is pushed again (under its stored idempotency key)."""
    with runtime.repository(info.organization_id) as repo:
        existing = repo.find_bill_by_document(info.document_sha256)
    if existing is not None and existing.external_id is not None:
        return existing.id
    return stages.push(runtime, info, extracted, vendor)


def _set_status(runtime: Runtime, job: IngestJob, status: JobStatus, *,
                outcome: JobOutcome | None = None) -> IngestJob:
    job.status = status
    if outcome is not None:
        job.outcome = outcome
    with runtime.repository(job.organization_id) as repo:
        if repo.get_job(job.id).attempts != job.attempts:
            raise _Superseded(job.id)
        repo.update_job(job)
    log.info("job %s", status.value, extra={"job_id": job.id,
                                            "organization_id": job.organization_id,
                                            "stage": status.value})
    return job


def _fail(runtime: Runtime, job: IngestJob, message: str, code: str) -> IngestJob:
    job.error, job.error_code = message, code
    return _set_status(runtime, job, JobStatus.FAILED)


def retry_job(runtime: Runtime, organization_id: str, job_id: str) -> IngestJob:
    """Put a failed (or stuck) job back in the queue; the caller dispatches it."""
    with runtime.repository(organization_id) as repo:
        job = repo.get_job(job_id)
        if job.status in {JobStatus.PUSHED, JobStatus.NEEDS_REVIEW}:
            raise Conflict(f"job {job_id} is {job.status.value}; only failed or unfinished "
                           "jobs can be retried")
        job.status, job.error, job.error_code = JobStatus.QUEUED, None, None
        job.hints = {**job.hints, RETRIED_AT_HINT: str(job.attempts)}  # lost runs count anew
        repo.update_job(job)
    return job


def unfinished_jobs(runtime: Runtime) -> list[tuple[str, str]]:
    """(organization id, job id) of every job not yet final: what to dispatch after a restart."""
    pending: list[tuple[str, str]] = []
    with runtime.directory() as directory:
        organizations = directory.list_organizations()
    for org in organizations:
        with runtime.repository(org.id) as repo:
            for status in RUNNABLE:
                pending.extend((org.id, job.id)
                               for job in repo.list_jobs(status=status, limit=10_000))
    return pending
