"""A person moves where the bills of a file of several begin and end, in review.

The bills found in one original file (`services.split`) are jobs hinted with their pages of
the original. A reviewer may move the boundary between two neighbouring bills, merge two
neighbours, or split one bill at a page (also a file that was read as one bill). Every
affected job is re-extracted from its new pages: a job whose file is a cut of the original
gets a new cut (the former stays stored), the first bill's job keeps the original and reads
its pages of it. Nothing is lost: the original is never changed, a merged bill's job ends
`failed` ("merged") naming the bill that took its pages, and each change is recorded
(`PageChange`) with who made it and the results it superseded.

Only bills nobody has booked may change: every affected job must wait for review or have
failed; one being read, queued or booked is a 409.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from billintake.bootstrap import Runtime
from billintake.domain.errors import Conflict, ValidationFailed
from billintake.domain.model import (
    MERGED_INTO_HINT,
    ORIGINAL_HINT,
    PAGES_HINT,
    SPLIT_OF_HINT,
    BillPages,
    Document,
    IngestJob,
    JobStatus,
    PageChange,
)
from billintake.extraction.split import PageRange
from billintake.services.inputs import ParsedInput
from billintake.services.pipeline import RETRIED_AT_HINT
from billintake.services.split import cut_pages, job_pages, page_count
from billintake.storage.repository import Repository

log = logging.getLogger(__name__)

CHANGEABLE = frozenset({JobStatus.NEEDS_REVIEW, JobStatus.FAILED})
MERGED = "merged"  # the error code of a job whose bill was merged into another


class PagesRequest(ParsedInput):
    """One change, exactly one key: `starts_at` (this bill starts at that page; the previous
    bill ends before it), `ends_at` (this bill ends there; the next starts after it),
    `merge` ("previous" or "next": one bill of both), `split_at` (a new bill from that page
    on). Pages are numbered in the original file, from 1."""

    model_config = ConfigDict(extra="forbid")

    starts_at: int | None = Field(default=None, ge=1)
    ends_at: int | None = Field(default=None, ge=1)
    merge: Literal["previous", "next"] | None = None
    split_at: int | None = Field(default=None, ge=2)

    @model_validator(mode="after")
    def _one(self) -> PagesRequest:
        if len(self.model_fields_set) != 1 or getattr(self, next(iter(
                self.model_fields_set))) is None:
            raise ValueError("give exactly one of starts_at, ends_at, merge, split_at")
        return self



@dataclass(frozen=True)
class Bill:
    """A bill of the original as it stands: its job and pages."""

    job: IngestJob
    pages: PageRange


@dataclass(frozen=True)
class Changed:
    """What a change did: the record, and the jobs to run again (new ones included)."""

    change: PageChange
    to_run: list[str]


def change_view(change: PageChange) -> dict[str, Any]:
    """A change as the API shows it: who, when, and each bill's pages before and after."""
    return {"id": change.id, "action": change.action, "by": change.by,
            "at": change.at.isoformat(),
            "before": [{"job_id": b.job_id, "pages": list(b.pages)} for b in change.before],
            "after": [{"job_id": b.job_id, "pages": list(b.pages)} for b in change.after]}


def original_of(job: IngestJob) -> str:
    """The original file a job's bill was found in (its own file, when it was not split)."""
    return job.hints.get(ORIGINAL_HINT) or job.document_sha256


def bills_of(runtime: Runtime, repo: Repository, job: IngestJob) -> tuple[list[Bill], int]:
    """The bills of the job's original file in page order (a merged bill's job left out), and
    the original's page count."""
    original = original_of(job)
    total = page_count(runtime.originals.read(original), repo.get_document(original).media_type)
    jobs = [j for j in repo.jobs_of_original(original) if MERGED_INTO_HINT not in j.hints] \
        if ORIGINAL_HINT in job.hints else [job]
    found = [Bill(j, job_pages(j) or (1, total)) for j in jobs]
    return sorted(found, key=lambda bill: bill.pages), total


def change_pages(runtime: Runtime, organization_id: str, job_id: str,
                 request: PagesRequest | dict[str, Any] | None, *, by: str) -> Changed:
    """Apply one change to the bills of the job's original; the caller queues `to_run`."""
    if not isinstance(request, PagesRequest):
        request = PagesRequest.parse(request)
    with runtime.repository(organization_id) as repo:
        job = repo.get_job(job_id)
        original = original_of(job)
        media_type = repo.get_document(original).media_type
        data = runtime.originals.read(original)
        bills, total = bills_of(runtime, repo, job)
        if total < 2:
            raise Conflict(f"{job.original_filename} has one page (or none): there are no "
                           "bills in it to move pages between")
        at = next(i for i, bill in enumerate(bills) if bill.job.id == job.id)
        plan, action = _plan(bills, at, request, total)
        affected = [bill for bill in bills if plan.get(bill.job.id) != bill.pages]
        for bill in affected:
            _check_changeable(bill.job)
        change = PageChange(organization_id=organization_id, original_sha256=original,
                            action=action, by=by, before=[
                                BillPages(job_id=b.job.id, pages=b.pages, status=b.job.status,
                                          outcome=b.job.outcome) for b in affected], after=[])
        first = bills[0].job
        to_run: list[str] = []
        for bill in affected:
            pages = plan.get(bill.job.id)
            if pages is None:  # merged: its pages are its neighbour's now
                into = next(b.job for b in bills if b.job.id in plan and _contains(
                    plan[b.job.id], bill.pages))
                _merged(repo, bill.job, into, by)
                continue
            _requeue(repo, runtime, bill.job, original, media_type, data, pages, change.id)
            change.after.append(BillPages(job_id=bill.job.id, pages=pages))
            to_run.append(bill.job.id)
        if action == "split":
            pages = plan["new"]
            new = _new_bill(repo, runtime, job, original, media_type, data, pages, change.id,
                            first)
            change.after.append(BillPages(job_id=new.id, pages=pages))
            to_run.append(new.id)
        repo.add_page_change(change)
    log.info("bill pages changed: %s", action, extra={"job_id": job_id,
                                                      "organization_id": organization_id})
    return Changed(change=change, to_run=to_run)


def _plan(bills: list[Bill], at: int, request: PagesRequest, total: int
          ) -> tuple[dict[str, PageRange], Literal["move", "merge", "split"]]:
    """Each bill's new pages by job id (a merged bill's left out; a split's new bill under
    "new"), and the kind of change; 422 when the pages asked for do not fit."""
    plan = {bill.job.id: bill.pages for bill in bills}
    this = bills[at]
    first, last = this.pages
    previous = bills[at - 1] if at > 0 else None
    following = bills[at + 1] if at + 1 < len(bills) else None
    if request.starts_at is not None:
        if previous is None:
            raise Conflict("this is the first bill of the file: no boundary before it to move")
        page = request.starts_at
        if not previous.pages[0] < page <= last:
            raise ValidationFailed(
                f"starts_at: page {page} must be after the previous bill's first page "
                f"{previous.pages[0]} and at most this bill's last page {last}",
                field="starts_at")
        plan[previous.job.id] = (previous.pages[0], page - 1)
        plan[this.job.id] = (page, last)
        return plan, "move"
    if request.ends_at is not None:
        if following is None:
            raise Conflict("this is the last bill of the file: no boundary after it to move")
        page = request.ends_at
        if not first <= page < following.pages[1]:
            raise ValidationFailed(
                f"ends_at: page {page} must be at least this bill's first page {first} and "
                f"before the next bill's last page {following.pages[1]}", field="ends_at")
        plan[this.job.id] = (first, page)
        plan[following.job.id] = (page + 1, following.pages[1])
        return plan, "move"
    if request.merge is not None:
        other = previous if request.merge == "previous" else following
        if other is None:
            raise Conflict(f"there is no {request.merge} bill in this file to merge with")
        earlier, later = sorted((this, other), key=lambda bill: bill.pages)
        plan[earlier.job.id] = (earlier.pages[0], later.pages[1])
        del plan[later.job.id]
        return plan, "merge"
    page = request.split_at
    assert page is not None
    if not first < page <= last:
        raise ValidationFailed(f"split_at: page {page} must be after this bill's first page "
                               f"{first} and at most its last page {last}", field="split_at")
    plan[this.job.id] = (first, page - 1)
    plan["new"] = (page, last)
    return plan, "split"


def _contains(outer: PageRange, inner: PageRange) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def _check_changeable(job: IngestJob) -> None:
    if job.status is JobStatus.PUSHED:
        raise Conflict(f"job {job.id} is booked already (bill {job.bill_id}): its pages "
                       "cannot change")
    if job.status not in CHANGEABLE:
        raise Conflict(f"job {job.id} is {job.status.value}: wait until it is read, then "
                       "change its pages")


def _requeue(repo: Repository, runtime: Runtime, job: IngestJob, original: str,
             media_type: str, data: bytes, pages: PageRange, change_id: str) -> None:
    """The job to be read again on its new pages: the first bill's job reads them from the
    original it keeps; any other gets a file of its new pages."""
    hints = {**job.hints, PAGES_HINT: f"{pages[0]}-{pages[1]}", ORIGINAL_HINT: original,
             RETRIED_AT_HINT: str(job.attempts)}
    if job.document_sha256 != original:
        job.document_sha256 = _store_cut(repo, runtime, job, original, media_type, data, pages,
                                         change_id)
    job.hints = hints
    job.status, job.error, job.error_code, job.bill_id = JobStatus.QUEUED, None, None, None
    job.outcome = None  # superseded: kept in the change's record
    repo.update_job(job)


def _merged(repo: Repository, job: IngestJob, into: IngestJob, by: str) -> None:
    pages = job.hints.get(PAGES_HINT, "all")
    job.hints = {**job.hints, MERGED_INTO_HINT: into.id}
    job.status, job.error_code = JobStatus.FAILED, MERGED
    job.error = (f"merged into job {into.id} by {by}: its pages {pages} are part of that "
                 "bill now")
    repo.update_job(job)


def _new_bill(repo: Repository, runtime: Runtime, job: IngestJob, original: str,
              media_type: str, data: bytes, pages: PageRange, change_id: str,
              first: IngestJob) -> IngestJob:
    """A job for the bill split off at `pages`, linked as the split's other bills are."""
    stem, dot, ext = first.original_filename.rpartition(".")  # the original's name
    name = f"{stem or ext} (pages {pages[0]}-{pages[1]}){dot}{ext if stem else ''}"
    new = IngestJob(organization_id=job.organization_id, channel=job.channel,
                    document_sha256="0" * 64, original_filename=name[:255],
                    hints={PAGES_HINT: f"{pages[0]}-{pages[1]}", ORIGINAL_HINT: original,
                           SPLIT_OF_HINT: first.id})
    new.document_sha256 = _store_cut(repo, runtime, new, original, media_type, data, pages,
                                     change_id)
    return repo.add_job(new)


def _store_cut(repo: Repository, runtime: Runtime, job: IngestJob, original: str,
               media_type: str, data: bytes, pages: PageRange, change_id: str) -> str:
    """Store a file of `pages` of the original, marked by the change that cut it."""
    part = cut_pages(data, media_type, pages,
                     mark=f"pages {pages[0]}-{pages[1]} of {original}, change {change_id}")
    sha256 = runtime.originals.put(part)
    repo.add_document(Document(sha256=sha256, organization_id=job.organization_id,
                               original_filename=job.original_filename, media_type=media_type,
                               size=len(part), page_count=pages[1] - pages[0] + 1))
    return sha256
