"""Accounts payable reports over HTTP: aging and what is due (from the connected books), and
CSV exports of the bills and payments recorded."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from billintake.entrypoints.api.routes_accounting import Service
from billintake.services import reports

router = APIRouter(tags=["reports"], prefix="/reports")

AsOf = Annotated[date | None, Query(description="the day the report is for (YYYY-MM-DD); "
                                     "default today")]


@router.get("/aging")
def aging(service: Service, as_of: AsOf = None) -> dict[str, Any]:
    """Open balances by age past due (current, 1-30, 31-60, 61-90, 90+), per vendor and in
    total, per currency, with the open bills."""
    day = as_of or date.today()
    return reports.aging(reports.open_bills(service.writer, day), day)


@router.get("/open")
def open_bills(service: Service, as_of: AsOf = None) -> list[dict[str, Any]]:
    """Every open bill of the connected books with what is still owed, oldest due first."""
    day = as_of or date.today()
    return [bill.to_dict() for bill in reports.open_bills(service.writer, day)]


@router.get("/due")
def due(service: Service, as_of: AsOf = None,
        days: Annotated[int, Query(ge=0, le=366, description="look this many days ahead")] = 7,
        ) -> dict[str, Any]:
    """The open bills to pay by `as_of + days`: overdue ones and those falling due."""
    day = as_of or date.today()
    return reports.due(reports.open_bills(service.writer, day), day, days)


def _csv(text: str, name: str) -> Response:
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/bills.csv", response_class=Response)
def bills_csv(service: Service) -> Response:
    """Every bill recorded, as CSV."""
    return _csv(reports.bills_csv(service.repo), "bills.csv")


@router.get("/payments.csv", response_class=Response)
def payments_csv(service: Service) -> Response:
    """Every payment recorded, as CSV."""
    return _csv(reports.payments_csv(service.repo), "payments.csv")
