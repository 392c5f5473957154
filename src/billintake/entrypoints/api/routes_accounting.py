"""Vendors, accounts, bills and payments over HTTP, and the organization's accounting connection.

Every route works in the caller's organization and through its accounting connection
(`ledger` when none is set). Connection secrets are accepted, never returned.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from billintake.accounting.writer import Connection
from billintake.domain.errors import ValidationFailed
from billintake.domain.model import Amount
from billintake.entrypoints.api.auth import CurrentOrg, OrgRepository, RuntimeDep
from billintake.entrypoints.api.params import Offset
from billintake.queue.booking import BookingRunner
from billintake.services.booking import booking_job_view, submit_payment, submit_push
from billintake.services.books import (
    BillInput,
    BillService,
    VendorInput,
    checked_options,
    connection_for,
)

log = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Take the booking jobs nobody holds (a stopped server left them unfinished), and from
    then on every third of a lease; stop the runner with the app."""
    runner = booking_runner(app)
    count = await run_in_threadpool(runner.resubmit_unfinished)
    if count:
        log.info("resubmitted %d unfinished booking jobs", count)
    try:
        yield
    finally:
        app.state.booking_runner = None
        runner.close()


router = APIRouter(tags=["accounting"], lifespan=lifespan)


def booking_runner(app: Any) -> BookingRunner:
    """The app's runner of booking jobs (made on first use)."""
    runner = getattr(app.state, "booking_runner", None)
    if runner is None:
        runner = app.state.booking_runner = BookingRunner(app.state.runtime)
    return runner


def bill_service(repo: OrgRepository, runtime: RuntimeDep) -> BillService:
    """The books of the caller's organization, read within the request's time: a hanging
    accounting system gives 504 (`remote_read_timeout_s`), a failing one 502, with the
    reason. (Writes to it run as booking jobs, never in the request.)"""
    return BillService.open(repo, runtime.settings, runtime.originals,
                            read_deadline_s=runtime.settings.remote_read_timeout_s)


Service = Annotated[BillService, Depends(bill_service)]


class PaymentInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    amount: Amount = Field(gt=0)
    currency: str
    payment_date: date
    reference: str | None = Field(default=None, max_length=200)
    account_id: str | None = None  # a bank account id from GET /accounts


class ConnectionInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    backend: str
    options: dict[str, Any] = Field(default_factory=dict)
    secrets: dict[str, str] = Field(default_factory=dict)


@router.get("/vendors")
def list_vendors(service: Service) -> list[dict[str, Any]]:
    return [v.model_dump(mode="json") for v in service.list_vendors()]


@router.post("/vendors", status_code=201)
def create_vendor(body: VendorInput, service: Service) -> dict[str, Any]:
    return service.create_vendor(body).model_dump(mode="json")


@router.post("/vendors/import")
def import_vendors(service: Service) -> dict[str, object]:
    """Take in the vendors and the chart of accounts of the connected books (linking vendors
    already known by tax id, IBAN or exact name)."""
    from billintake.services.books_import import import_from_books

    return import_from_books(service).to_dict()


class ExpenseAccountInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_id: str | None = Field(description="an expense account of the books (id or code); "
                                   "null: the books' default")


@router.put("/vendors/{vendor_id}/expense-account")
def set_vendor_expense_account(vendor_id: str, body: ExpenseAccountInput,
                               service: Service) -> dict[str, Any]:
    """The account the vendor's bill lines are booked to when they name none."""
    from billintake.services.books_import import set_expense_account

    return set_expense_account(service, vendor_id, body.account_id).model_dump(mode="json")


@router.get("/accounts")
def list_accounts(service: Service) -> list[dict[str, Any]]:
    """The chart of accounts of the organization's accounting system."""
    return [a.model_dump(mode="json") for a in service.list_accounts()]


@router.get("/bills")
def list_bills(service: Service, vendor_id: str | None = None, status: str | None = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 100,
               offset: Offset = 0) -> list[dict[str, Any]]:
    bills = service.list_bills(vendor_id=vendor_id, status=status, limit=limit, offset=offset)
    return [b.model_dump(mode="json") for b in bills]


@router.post("/bills", status_code=201)
def create_bill(body: BillInput, service: Service) -> dict[str, Any]:
    """Record a bill given as JSON (status draft); 409 names the existing bill if a duplicate."""
    return service.create_bill(body).model_dump(mode="json")


@router.get("/bills/{bill_id}")
def get_bill(bill_id: str, service: Service) -> dict[str, Any]:
    return service.get_bill(bill_id).to_dict()


def _accepted(job: Any, request: Request) -> JSONResponse:
    booking_runner(request.app).submit(job.organization_id, job.id)
    return JSONResponse({"job": booking_job_view(job)}, status_code=202,
                        headers={"Location": f"/booking-jobs/{job.id}"})


@router.post("/bills/{bill_id}/push", status_code=202)
def push_bill(bill_id: str, request: Request, org: CurrentOrg,
              runtime: RuntimeDep) -> JSONResponse:
    """Book the bill, with its original attached, in the organization's accounting system.
    The write runs as a job: 202 with the job to follow (`GET /booking-jobs/{id}`; its
    `result.bill` once done, its `error` if it failed)."""
    return _accepted(submit_push(runtime, org.id, bill_id), request)


@router.post("/bills/{bill_id}/payments", status_code=202)
def record_payment(bill_id: str, body: PaymentInput, request: Request, org: CurrentOrg,
                   runtime: RuntimeDep) -> JSONResponse:
    """Pay the bill (partly or fully) in the accounting system (pushing it first if needed).
    422 at once for another currency or more than the open balance; the write runs as a job:
    202 with the job to follow (`GET /booking-jobs/{id}`: `result.payment` and `result.bill`)."""
    job = submit_payment(runtime, org.id, bill_id, amount=body.amount, currency=body.currency,
                         payment_date=body.payment_date, reference=body.reference,
                         account_id=body.account_id)
    return _accepted(job, request)


@router.get("/booking-jobs/{job_id}")
def get_booking_job(job_id: str, repo: OrgRepository) -> dict[str, Any]:
    """A push or payment job: queued, running, done (with its `result`) or failed (with its
    `error` and `error_code`)."""
    return booking_job_view(repo.get_booking_job(job_id))


class TaxRatesInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mapping: dict[str, str | None]  # VAT rate in percent ("19") -> tax rate id, null removes


@router.get("/accounting/tax-rates")
def get_tax_rates(service: Service) -> dict[str, Any]:
    """The VAT rate -> tax rate mapping of the connection, and the tax rates it offers."""
    return service.tax_rates()


@router.put("/accounting/tax-rates")
def set_tax_rates(body: TaxRatesInput, service: Service) -> dict[str, Any]:
    """Map VAT rates to the connection's tax rates (what a bill waiting for one needs)."""
    return service.set_tax_rates(body.mapping)


@router.get("/accounting/connection")
def get_connection(repo: OrgRepository, runtime: RuntimeDep) -> dict[str, Any]:
    """The backend and its options; of the secrets only their names."""
    return connection_for(repo, runtime.settings).public()


@router.put("/accounting/connection")
def set_connection(body: ConnectionInput, repo: OrgRepository,
                   runtime: RuntimeDep) -> dict[str, Any]:
    """Choose the organization's accounting system. The beancount file is named by the
    service (one per organization, no `path`); Rutter's base URL comes from the settings only
    (the client credentials must never be sent elsewhere)."""
    try:
        connection = Connection.model_validate(body.model_dump())
    except ValueError as exc:
        raise ValidationFailed(f"invalid connection: {exc}", field="backend") from exc
    options = checked_options(connection.backend, dict(connection.options))
    repo.set_connection(connection.backend, options, dict(body.secrets))
    return connection.model_copy(update={"options": options}).public()

