"""Vendors, accounts, bills and payments over HTTP, and the organization's accounting connection.

Every route works in the caller's organization and through its accounting connection
(`ledger` when none is set). Connection secrets are accepted, never returned.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from billintake.accounting.writer import Connection
from billintake.domain.errors import ValidationFailed
from billintake.domain.model import Amount
from billintake.entrypoints.api.auth import OrgRepository, RuntimeDep
from billintake.services.books import (
    BillInput,
    BillService,
    VendorInput,
    checked_options,
    connection_for,
)

router = APIRouter(tags=["accounting"])


def bill_service(repo: OrgRepository, runtime: RuntimeDep) -> BillService:
    return BillService.open(repo, runtime.settings, runtime.originals)


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
               offset: Annotated[int, Query(ge=0)] = 0) -> list[dict[str, Any]]:
    bills = service.list_bills(vendor_id=vendor_id, status=status, limit=limit, offset=offset)
    return [b.model_dump(mode="json") for b in bills]


@router.post("/bills", status_code=201)
def create_bill(body: BillInput, service: Service) -> dict[str, Any]:
    """Record a bill given as JSON (status draft); 409 names the existing bill if a duplicate."""
    return service.create_bill(body).model_dump(mode="json")


@router.get("/bills/{bill_id}")
def get_bill(bill_id: str, service: Service) -> dict[str, Any]:
    return service.get_bill(bill_id).to_dict()


@router.post("/bills/{bill_id}/push")
def push_bill(bill_id: str, service: Service) -> dict[str, Any]:
    """Book the bill, with its original attached, in the organization's accounting system."""
    service.push_bill(bill_id)
    return service.get_bill(bill_id).to_dict()


@router.post("/bills/{bill_id}/payments", status_code=201)
def record_payment(bill_id: str, body: PaymentInput, service: Service) -> dict[str, Any]:
    payment = service.record_payment(bill_id, amount=body.amount, currency=body.currency,
                                     payment_date=body.payment_date, reference=body.reference,
                                     account_id=body.account_id)
    return {"payment": payment.model_dump(mode="json"),
            "bill": service.get_bill(bill_id).to_dict()}


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

