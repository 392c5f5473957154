"""`billintake learn`: a file recorded as approved with given values, as a review approval.

For integrators who approve elsewhere (and the learning benchmark): the file is received as
any upload is, run through the pipeline with the organization's vendor memory but held for
review instead of booked, then approved with the given values as a reviewer's corrections
(`review.approve`): its vendor matched or created, the bill booked, and the vendor's memory
taught where those values sit on the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from billintake.bootstrap import Runtime
from billintake.domain.errors import Conflict, NeedsReview, ValidationFailed
from billintake.domain.extracted import ExtractedBill
from billintake.domain.model import Channel, JobStatus, Vendor
from billintake.services.pipeline import JobInput, Stages, run_job
from billintake.services.receive import receive
from billintake.services.review import Approval, Booking, Corrections, approve

HELD = "held for approval by `billintake learn`"


def _held(runtime: Runtime, job: JobInput, extracted: ExtractedBill, vendor: Vendor) -> str:
    """The push stage of a learned file: nothing is booked before its values are approved."""
    raise NeedsReview(HELD)


def corrections_of(truth: Mapping[str, Any]) -> Corrections:
    """The contract's field values as a reviewer's corrections (422 naming an unknown one)."""
    unknown = sorted(set(truth) - set(Corrections.model_fields))
    if unknown:
        raise ValidationFailed(f"{unknown[0]}: not a field that can be approved; give the "
                               "contract's fields (vendor_name, bill_number, bill_date, "
                               "due_date, currency, subtotal, tax, total, line_items)",
                               field=unknown[0])
    data = dict(truth)
    if isinstance(data.get("line_items"), list):
        data["line_items"] = [{k: v for k, v in dict(item).items()
                               if k in ("description", "quantity", "unit_price", "amount",
                                        "tax_rate")} for item in data["line_items"]]
    return Corrections.parse(data)


def learn_file(runtime: Runtime, organization_id: str, data: bytes, *, filename: str,
               truth: Mapping[str, Any], booking: Booking | None = None) -> Approval:
    """Receive `data`, extract it (with the vendor memory), and approve it with `truth`."""
    corrections = corrections_of(truth)
    received = receive(runtime, organization_id, data, filename=filename, channel=Channel.API)
    job = run_job(runtime, organization_id, received.job.id, Stages(push=_held))
    if job.status is JobStatus.FAILED:
        raise ValidationFailed(f"{filename}: {job.error}", field="file")
    if job.status is JobStatus.PUSHED:
        raise Conflict(f"{filename} was booked already (bill {job.bill_id})", field="file")
    return approve(runtime, organization_id, job.id, corrections, booking)
