"""Review over HTTP: the inbox, the bills waiting for a person, one bill's view, and the
decision — approve (with corrections and how to book it) or reject."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse

from billintake.entrypoints.api.auth import CurrentCaller, CurrentOrg, RuntimeDep
from billintake.entrypoints.api.params import Offset
from billintake.entrypoints.api.routes_accounting import booking_runner
from billintake.entrypoints.api.routes_intake import dispatcher_of, job_view
from billintake.services import bill_pages, inbox, review
from billintake.services.booking import booking_job_view, submit_approval
from billintake.services.review_view import review_view

router = APIRouter(tags=["review"])

APPROVE_EXAMPLE = {"total": "119.00", "due_date": "2024-04-04", "vendor_id": "<id from GET "
                   "/vendors>", "account_id": "<an expense account from GET /accounts>",
                   "confirm": ["possible_duplicate"]}
PAGES_EXAMPLES = [{"starts_at": 3}, {"ends_at": 2}, {"merge": "next"}, {"split_at": 2}]
InboxStatus = Literal["processing", "needs_review", "duplicate", "approved", "booked",
                      "partly_paid", "paid", "failed"]


@router.get("/inbox")
def inbox_rows(org: CurrentOrg, runtime: RuntimeDep,
               status: Annotated[InboxStatus | None, Query()] = None,
               q: Annotated[str | None, Query(max_length=200)] = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 100,
               offset: Offset = 0) -> dict[str, Any]:
    """The organization's bills, newest first: status, vendor, number, dates, total and why
    each waits; filtered by status and by the words of `q`; with the count of each status."""
    return inbox.inbox(runtime, org.id, status=status, query=q, limit=limit, offset=offset)


@router.get("/review")
def waiting(org: CurrentOrg, runtime: RuntimeDep,
            limit: Annotated[int, Query(ge=1, le=500)] = 100,
            offset: Offset = 0) -> dict[str, Any]:
    """The jobs waiting in needs_review, newest first, with why they wait: the reasons,
    low-confidence fields, warnings (arithmetic, e-invoice rules) and vendor candidates."""
    items = review.waiting(runtime, org.id, limit=limit, offset=offset)
    return {"jobs": [item.to_dict() for item in items]}


@router.get("/review/{job_id}")
def view(job_id: str, org: CurrentOrg, runtime: RuntimeDep) -> dict[str, Any]:
    """One bill as the review view shows it: fields with confidence and evidence (page and
    box in PDF points), line items, reasons, vendors to choose from with scores, expense and
    bank accounts of the connected books, tax rates, what must be confirmed, the booked bill
    with its payments, and the previous and next bills in review."""
    return review_view(runtime, org.id, job_id)


@router.post("/review/{job_id}/approve", status_code=202)
def approve(job_id: str, request: Request, org: CurrentOrg, runtime: RuntimeDep,
            body: Annotated[dict[str, Any] | None,
                            Body(examples=[APPROVE_EXAMPLE])] = None) -> JSONResponse:
    """Approve the job's bill with optional corrections (bill_number, vendor_name or
    vendor_id, kind, bill_date, due_date, currency, subtotal, tax, total, po_number,
    line_items) and how to book it (account_id: an expense account; tax_rate; create_vendor;
    confirm: the codes of the checks confirmed). The decision is checked here: 422 names a bad
    field; 409 when the job is not waiting for review, the bill exists already, or a check
    (possible_duplicate, bank_details_changed) is not confirmed — the body's `confirm` lists
    those; 404 for an unknown job. Booking runs as a job: 202 with the job to follow
    (`GET /booking-jobs/{id}`: once done, `result.job`, `result.bill`, `result.vendor`; the
    review job becomes pushed)."""
    job = submit_approval(runtime, org.id, job_id, body)
    booking_runner(request.app).submit(org.id, job.id)
    return JSONResponse({"job": booking_job_view(job)}, status_code=202,
                        headers={"Location": f"/booking-jobs/{job.id}"})


@router.post("/review/{job_id}/pages", status_code=202)
def change_pages(job_id: str, request: Request, caller: CurrentCaller, runtime: RuntimeDep,
                 body: Annotated[dict[str, Any], Body(examples=PAGES_EXAMPLES)]
                 ) -> JSONResponse:
    """Move where the bills of a file of several begin and end (pages of the original file,
    from 1), exactly one of: `starts_at` (this bill starts at that page, the previous one
    ends before it), `ends_at` (this bill ends there, the next starts after it), `merge`
    (`previous` or `next`: one bill of both), `split_at` (a new bill from that page on; also
    for a file read as one bill). Every affected bill is read again from its new pages (202:
    follow `GET /review/{job_id}` or `/jobs/{id}`); the original is kept, a merged bill's job
    ends failed ("merged"), and the change is recorded with who made it and the results it
    superseded (`split.changes` of the review view). 422 for pages that do not fit; 409 when
    an affected bill is booked or being read."""
    changed = bill_pages.change_pages(runtime, caller.organization.id, job_id, body,
                                      by=caller.actor)
    dispatcher = dispatcher_of(request.app)
    for queued in changed.to_run:
        dispatcher.submit(caller.organization.id, queued)
    return JSONResponse({"change": bill_pages.change_view(changed.change),
                         "queued": changed.to_run}, status_code=202)


@router.post("/review/{job_id}/reject")
def reject(job_id: str, org: CurrentOrg, runtime: RuntimeDep,
           body: Annotated[dict[str, Any], Body(examples=[{"reason": "not our bill"}])]
           ) -> dict[str, Any]:
    """Reject the job's bill with a reason: the job becomes failed, its file is kept."""
    reason = body.get("reason")
    return job_view(review.reject(runtime, org.id, job_id, reason if isinstance(reason, str)
                                  else None))
