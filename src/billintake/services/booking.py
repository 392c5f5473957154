"""Pushes and payments to the accounting system as jobs: asked for over HTTP, run outside it.

A remote system may hang for minutes, and a write whose answer never came may still have been
booked; neither may hold an HTTP request. `submit_push` / `submit_payment` check what can be
checked here (the bill exists, the currency, the open balance known here), record a
`BookingJob` and return it at once; `run_booking_job` makes the write (the same idempotent
`BillService` calls the CLI makes) and records its outcome for `GET /booking-jobs/{id}`.
A review approval is checked in the request (what it would refuse is refused there) and
booked by its job (`kind="approve"`).
A job left queued or running by a stopped process is run again once its lease runs out
(queue.booking): the writes carry idempotency keys, so a repeat books nothing twice; one whose
runs were cut off `job_max_attempts` times ends failed.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Any

from billintake.bootstrap import Runtime
from billintake.domain.errors import BillintakeError, NotFound, PaymentRejected
from billintake.domain.model import BookingJob, BookingJobStatus
from billintake.services.books import BillService

log = logging.getLogger(__name__)


def submit_push(runtime: Runtime, organization_id: str, bill_id: str) -> BookingJob:
    """Record a job to book the bill (404 for a bill not of this organization)."""
    with runtime.repository(organization_id) as repo:
        repo.get_bill(bill_id)
        return repo.add_booking_job(BookingJob(organization_id=organization_id, kind="push",
                                               bill_id=bill_id))


def submit_payment(runtime: Runtime, organization_id: str, bill_id: str, *, amount: Decimal,
                   currency: str, payment_date: date, reference: str | None = None,
                   account_id: str | None = None) -> BookingJob:
    """Record a job to pay the bill; refuses at once (`PaymentRejected`) an unknown bill,
    another currency, or more than the bill's open balance as recorded here."""
    with runtime.repository(organization_id) as repo:
        try:
            bill = repo.get_bill(bill_id)
        except NotFound as exc:
            raise PaymentRejected(f"unknown bill {bill_id}", field="bill_id") from exc
        if currency.strip().upper() != bill.currency:
            raise PaymentRejected(f"payment currency {currency} differs from the bill's "
                                  f"{bill.currency}", field="currency")
        paid = sum((p.amount for p in repo.list_payments(bill.id)), Decimal(0))
        if amount > bill.total - paid:
            raise PaymentRejected(f"the payment of {amount} is more than the open balance "
                                  f"{bill.total - paid}", field="amount")
        request = {"amount": format(amount, "f"), "currency": currency,
                   "payment_date": payment_date.isoformat(), "reference": reference,
                   "account_id": account_id}
        return repo.add_booking_job(BookingJob(organization_id=organization_id, kind="payment",
                                               bill_id=bill_id, request=request))


def submit_approval(runtime: Runtime, organization_id: str, job_id: str,
                    body: dict[str, Any] | None) -> BookingJob:
    """Check a review decision as `review.approve` would (refusing it at once: 422, 409, 404)
    and record a job to book it."""
    from billintake.services import review

    corrections, booking = review.parse_decision(body)
    review.check_approval(runtime, organization_id, job_id, corrections, booking)
    with runtime.repository(organization_id) as repo:
        return repo.add_booking_job(BookingJob(
            organization_id=organization_id, kind="approve",
            request={"job_id": job_id, "decision": body or {}}))


def run_booking_job(runtime: Runtime, organization_id: str, job_id: str) -> BookingJob:
    """Make the job's write and record how it ended; never raises for the write's failure."""
    with runtime.repository(organization_id) as repo:
        job = repo.get_booking_job(job_id)
        if job.status.is_final:
            return job
        if job.attempts >= runtime.settings.job_max_attempts:  # each run was cut off
            job.status, job.error_code = BookingJobStatus.FAILED, "worker_lost"
            job.error = (f"the job was started {job.attempts} times and never finished: its "
                         "process was stopped each time")
            return repo.update_booking_job(job)
        job.status, job.attempts = BookingJobStatus.RUNNING, job.attempts + 1
        repo.update_booking_job(job)
    try:
        result = _write(runtime, job)
    except BillintakeError as exc:
        job.status, job.error, job.error_code = BookingJobStatus.FAILED, exc.message, exc.code
        job.result = exc.to_dict()
    except Exception as exc:  # a defect: recorded, so the job does not stay running forever
        log.exception("booking job %s crashed", job.id, extra={"organization_id": organization_id})
        job.status, job.error, job.error_code = (BookingJobStatus.FAILED,
                                                 f"internal error: {type(exc).__name__}",
                                                 "internal_error")
    else:
        job.status, job.result, job.error, job.error_code = (BookingJobStatus.DONE, result,
                                                             None, None)
    with runtime.repository(organization_id) as repo:
        return repo.update_booking_job(job)


def _write(runtime: Runtime, job: BookingJob) -> dict[str, Any]:
    if job.kind == "approve":
        return _approve(runtime, job)
    assert job.bill_id is not None
    with runtime.repository(job.organization_id) as repo:
        service = BillService.open(repo, runtime.settings, runtime.originals)
        if job.kind == "push":
            service.push_bill(job.bill_id)
            return {"bill": service.get_bill(job.bill_id).to_dict()}
        asked = job.request
        payment = service.record_payment(
            job.bill_id, amount=Decimal(asked["amount"]), currency=asked["currency"],
            payment_date=date.fromisoformat(asked["payment_date"]),
            reference=asked.get("reference"), account_id=asked.get("account_id"))
        return {"payment": payment.model_dump(mode="json"),
                "bill": service.get_bill(job.bill_id).to_dict()}


def _approve(runtime: Runtime, job: BookingJob) -> dict[str, Any]:
    from billintake.services import review
    from billintake.services.books import BillView

    corrections, booking = review.parse_decision(job.request.get("decision"))
    approval = review.approve(runtime, job.organization_id, job.request["job_id"], corrections,
                              booking)
    job.bill_id = approval.bill.id
    return {"job": {"id": approval.job.id, "status": approval.job.status.value,
                    "bill_id": approval.job.bill_id},
            "bill": BillView(approval.bill).to_dict(),
            "vendor": approval.vendor.model_dump(mode="json")}


def booking_job_view(job: BookingJob) -> dict[str, Any]:
    """A booking job as the API shows it."""
    return {"id": job.id, "kind": job.kind, "bill_id": job.bill_id, "status": job.status.value,
            "final": job.status.is_final, "request": job.request, "result": job.result,
            "error": job.error, "error_code": job.error_code, "attempts": job.attempts,
            "created_at": job.created_at.isoformat(), "updated_at": job.updated_at.isoformat()}
