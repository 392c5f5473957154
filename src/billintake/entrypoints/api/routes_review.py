"""Review over HTTP: the bills waiting for a person; approve (with corrections) or reject."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from billintake.entrypoints.api.auth import CurrentOrg, RuntimeDep
from billintake.entrypoints.api.routes_intake import job_view
from billintake.services import review
from billintake.services.books import BillView

router = APIRouter(prefix="/review", tags=["review"])

APPROVE_EXAMPLE = {"total": "119.00", "due_date": "2024-04-04", "vendor_id": "<id from GET "
                   "/vendors>"}


@router.get("")
def waiting(org: CurrentOrg, runtime: RuntimeDep,
            limit: Annotated[int, Query(ge=1, le=500)] = 100,
            offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    """The jobs waiting in needs_review, newest first, with why they wait: the reasons,
    low-confidence fields, warnings (arithmetic, e-invoice rules) and vendor candidates."""
    items = review.waiting(runtime, org.id, limit=limit, offset=offset)
    return {"jobs": [item.to_dict() for item in items]}


@router.post("/{job_id}/approve")
def approve(job_id: str, org: CurrentOrg, runtime: RuntimeDep,
            corrections: Annotated[dict[str, Any] | None,
                                   Body(examples=[APPROVE_EXAMPLE])] = None) -> dict[str, Any]:
    """Approve the job's bill with optional corrections (bill_number, vendor_name or
    vendor_id, kind, bill_date, due_date, currency, subtotal, tax, total, po_number,
    line_items): it is booked and the job becomes pushed. 422 names a bad field; 409 when the
    job is not waiting for review (or the bill exists already); 404 for an unknown job."""
    approval = review.approve(runtime, org.id, job_id, corrections)
    return {"job": job_view(approval.job), "bill": BillView(approval.bill).to_dict(),
            "vendor": approval.vendor.model_dump(mode="json")}


@router.post("/{job_id}/reject")
def reject(job_id: str, org: CurrentOrg, runtime: RuntimeDep,
           body: Annotated[dict[str, Any], Body(examples=[{"reason": "not our bill"}])]
           ) -> dict[str, Any]:
    """Reject the job's bill with a reason: the job becomes failed, its file is kept."""
    reason = body.get("reason")
    return job_view(review.reject(runtime, org.id, job_id, reason if isinstance(reason, str)
                                  else None))
