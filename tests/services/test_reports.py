"""AP reports on a ledger with known dates: aging buckets, what is due, CSV exports; over
HTTP and the CLI."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from billintake.bootstrap import Runtime
from billintake.entrypoints.api.app import create_app
from billintake.entrypoints.cli import app as cli
from billintake.services import reports
from billintake.services.books import BillInput, BillService

AS_OF = date(2024, 6, 30)
# vendor, number, bill date, due date, total, paid: one per bucket, and two closed ones
BILLS = [
    ("Alpha GmbH", "A-1", date(2024, 6, 20), date(2024, 7, 20), "100.00", "0"),     # current
    ("Alpha GmbH", "A-2", date(2024, 5, 1), date(2024, 6, 15), "200.00", "50.00"),  # 15 days
    ("Beta Ltd", "B-1", date(2024, 4, 1), date(2024, 5, 1), "300.00", "0"),         # 60 days
    ("Beta Ltd", "B-2", date(2024, 3, 1), date(2024, 4, 10), "400.00", "0"),        # 81 days
    ("Gamma SA", "G-1", date(2024, 1, 2), None, "500.00", "0"),                     # 180 (no due)
    ("Gamma SA", "G-2", date(2024, 1, 5), date(2024, 2, 1), "600.00", "600.00"),    # paid
    ("Delta AG", "D-1", date(2024, 7, 5), date(2024, 8, 1), "700.00", "0"),         # after as_of
    ("Alpha GmbH", "A-3", date(2024, 6, 25), date(2024, 7, 3), "80.00", "0"),       # due soon
]


def _book(runtime: Runtime, organization_id: str) -> None:
    with runtime.repository(organization_id) as repo:
        service = BillService.open(repo, runtime.settings, runtime.originals)
        for vendor, number, billed, due_on, total, paid in BILLS:
            bill = service.create_bill(BillInput(
                vendor_name=vendor, bill_number=number, bill_date=billed, due_date=due_on,
                currency="EUR", total=Decimal(total)))
            service.push_bill(bill.id)
            if Decimal(paid):
                service.record_payment(bill.id, amount=Decimal(paid), currency="EUR",
                                       payment_date=date(2024, 6, 1), reference=f"=pay {number}")


@pytest.fixture(params=["ledger", "beancount"])
def books(runtime: Runtime, request: pytest.FixtureRequest) -> tuple[Runtime, str, str]:
    """The same bills booked in the embedded ledger, or in a beancount file."""
    with runtime.directory() as directory:
        org, key = directory.create_organization("Reports", "reports")
    if request.param != "ledger":
        with runtime.repository(org.id) as repo:
            repo.set_connection(request.param, {}, {})
    _book(runtime, org.id)
    return runtime, org.id, key


def test_aging_buckets_per_vendor_and_in_total(books: tuple[Runtime, str, str]) -> None:
    runtime, organization_id, _key = books
    with runtime.repository(organization_id) as repo:
        service = BillService.open(repo, runtime.settings)
        found = reports.open_bills(service.writer, AS_OF)
    by_number = {b.bill_number: b for b in found}
    assert set(by_number) == {"A-1", "A-2", "A-3", "B-1", "B-2", "G-1"}  # not paid, not future
    assert {n: b.bucket for n, b in by_number.items()} == {
        "A-1": "current", "A-2": "1-30", "A-3": "current", "B-1": "31-60", "B-2": "61-90",
        "G-1": "90+"}
    assert by_number["A-2"].open_balance == Decimal("150.00")
    assert by_number["G-1"].days_overdue == 180  # no due date: aged from the bill date

    result = reports.aging(found, AS_OF)
    assert result["totals"] == [{"currency": "EUR", "current": "180.00", "1-30": "150.00",
                                 "31-60": "300.00", "61-90": "400.00", "90+": "500.00",
                                 "total": "1530.00"}]
    alpha = next(v for v in result["vendors"] if v["vendor"] == "Alpha GmbH")
    assert (alpha["current"], alpha["1-30"], alpha["total"]) == ("180.00", "150.00", "330.00")
    assert [v["vendor"] for v in result["vendors"]] == ["Alpha GmbH", "Beta Ltd", "Gamma SA"]

    week = reports.due(found, AS_OF, 7)
    assert [b["bill_number"] for b in week["bills"]] == ["G-1", "B-2", "B-1", "A-2", "A-3"]
    assert week["overdue"] == 4 and week["totals"] == {"EUR": "1430.00"}


def test_reports_and_exports_over_http(books: tuple[Runtime, str, str]) -> None:
    runtime, _org, key = books
    client = TestClient(create_app(runtime=runtime))
    client.headers["Authorization"] = f"Bearer {key}"
    aging = client.get("/reports/aging", params={"as_of": "2024-06-30"})
    assert aging.status_code == 200, aging.text
    assert aging.json()["totals"][0]["total"] == "1530.00"
    listed = client.get("/reports/open", params={"as_of": "2024-06-30"}).json()
    assert [b["bill_number"] for b in listed] == ["G-1", "B-2", "B-1", "A-2", "A-3", "A-1"]
    assert {b["bill_number"]: b["open_balance"] for b in listed}["A-2"] == "150.00"
    due = client.get("/reports/due", params={"as_of": "2024-06-30", "days": 0}).json()
    assert [b["bill_number"] for b in due["bills"]] == ["G-1", "B-2", "B-1", "A-2"]
    bad = client.get("/reports/aging", params={"as_of": "30.06.2024"})
    # the one error shape of the service (and of the CLI's --json), for FastAPI's refusals too
    assert bad.status_code == 422 and bad.json()["error"] == "validation_failed"
    assert bad.json()["field"] == "as_of" and bad.json()["detail"].startswith("as_of: ")
    assert TestClient(create_app(runtime=runtime)).get("/reports/aging").status_code == 401

    bills = client.get("/reports/bills.csv")
    assert bills.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(bills.text)))
    assert len(rows) == len(BILLS)
    assert {r["bill_number"]: r["status"] for r in rows}["G-2"] == "paid"
    payments = list(csv.DictReader(io.StringIO(client.get("/reports/payments.csv").text)))
    assert sorted((p["bill_number"], p["amount"]) for p in payments) == [
        ("A-2", "50.00"), ("G-2", "600.00")]
    # a cell a spreadsheet would run as a formula is not one
    assert all(p["reference"].startswith("'=pay") for p in payments)


@pytest.fixture
def cli_books(cli_runtime: Runtime) -> None:
    """The CLI's data directory with one organization's books."""
    with cli_runtime.directory() as directory:
        org, _key = directory.create_organization("Reports", "reports")
    _book(cli_runtime, org.id)


def test_report_commands_print_tables_or_json(cli_books: None, tmp_path: Path) -> None:
    runner = CliRunner()
    table = runner.invoke(cli, ["report", "aging", "--as-of", "2024-06-30"])
    assert table.exit_code == 0, table.output
    assert "AP aging on 2024-06-30" in table.stdout and "TOTAL" in table.stdout
    assert "1530.00" in table.stdout and "Beta Ltd" in table.stdout
    as_json = json.loads(runner.invoke(cli, ["report", "aging", "--as-of", "2024-06-30",
                                             "--json"]).stdout)
    assert as_json["totals"][0]["90+"] == "500.00"
    opened = runner.invoke(cli, ["report", "open", "--as-of", "2024-06-30"])
    assert "6 open bills on 2024-06-30" in opened.stdout and "150.00 EUR" in opened.stdout
    due = runner.invoke(cli, ["report", "due", "--as-of", "2024-06-30"])
    assert "180 days overdue" in due.stdout and "in 3 days" in due.stdout
    bad = runner.invoke(cli, ["report", "due", "--as-of", "june"])
    assert bad.exit_code == 2 and "expected YYYY-MM-DD" in bad.output

    out = tmp_path / "payments.csv"
    done = runner.invoke(cli, ["export", "payments", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert len(list(csv.DictReader(out.open(encoding="utf-8")))) == 2


def test_csv_cells_defuse_formulas_but_keep_signed_amounts() -> None:
    from billintake.services.reports import _cell

    assert _cell("-12.50") == "-12.50"
    assert _cell("+3") == "+3"
    assert _cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert _cell("-1+cmd|' /C calc'!A0") == "'-1+cmd|' /C calc'!A0"
    assert _cell("@SUM(A1)") == "'@SUM(A1)"
    assert _cell(None) == ""
