"""Vendors and the chart of accounts taken in from the connected books; an expense account
per vendor used when its bills are booked; migration 0011 on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from billintake.accounting.writer import NewVendor
from billintake.bootstrap import Runtime
from billintake.domain.errors import ValidationFailed
from billintake.domain.model import AccountClass, Vendor
from billintake.entrypoints.api.app import create_app
from billintake.matching.vendors import VendorCandidate, match_vendor
from billintake.services.books import BillInput, BillService
from billintake.services.books_import import import_from_books, set_expense_account


def _org(runtime: Runtime) -> tuple[str, str]:
    with runtime.directory() as directory:
        org, key = directory.create_organization("Imports", "imports")
    return org.id, key


def test_vendors_and_accounts_come_in_once_and_known_ones_are_linked(
        any_db_runtime: Runtime) -> None:
    runtime = any_db_runtime
    organization_id, _key = _org(runtime)
    with runtime.repository(organization_id) as repo:
        # someone's books before billintake: three vendors; one of them is known here already
        service = BillService.open(repo, runtime.settings)
        for name, tax_id in (("Nordwind GmbH", "DE123456789"), ("Polder BV", None),
                             ("Harbour Print Ltd", "GB999999973")):
            service.writer.create_vendor(NewVendor(name=name, tax_id=tax_id))
        repo.add_vendor(Vendor(organization_id=organization_id, name="Nordwind Büro",
                               tax_id="DE123456789"))
    with runtime.repository(organization_id) as repo:
        result = import_from_books(BillService.open(repo, runtime.settings))
    assert sorted(result.vendors_created) == ["Harbour Print Ltd", "Polder BV"]
    assert result.vendors_linked == ["Nordwind GmbH"] and result.vendors_known == 0
    assert result.accounts_added and result.accounts_known == 0

    with runtime.repository(organization_id) as repo:
        vendors = repo.list_vendors()
        again = import_from_books(BillService.open(repo, runtime.settings))
        accounts = repo.list_accounts()
    assert len(vendors) == 3 and all(v.external_ids.get("ledger") for v in vendors)
    assert (again.vendors_created, again.vendors_linked, again.vendors_known) == ([], [], 3)
    assert again.accounts_added == [] and again.accounts_known == len(accounts)
    assert any(a.account_class is AccountClass.EXPENSE for a in accounts)
    # day one: a bill from a books vendor matches, no "vendor not known"
    found = match_vendor(VendorCandidate(name="Polder B.V."), vendors, threshold=88,
                         margin=5)
    assert found.vendor is not None and found.vendor.name == "Polder BV"


def test_a_vendors_expense_account_books_its_lines(runtime: Runtime) -> None:
    organization_id, key = _org(runtime)
    with runtime.repository(organization_id) as repo:
        service = BillService.open(repo, runtime.settings)
        expense = [a for a in service.list_accounts() if a.account_class is AccountClass.EXPENSE]
        bank = next(a for a in service.list_accounts() if a.account_class is AccountClass.BANK)
        bill = service.create_bill(BillInput(vendor_name="Stationery Co", bill_number="S-1",
                                             bill_date=date(2024, 5, 2), currency="EUR",
                                             total=Decimal("119.00"), tax=Decimal("19.00")))
        vendor_id = bill.vendor_id
        with pytest.raises(ValidationFailed, match="not an expense account"):
            set_expense_account(service, vendor_id, bank.code)
    assert len(expense) >= 1
    chosen = expense[-1]
    assert chosen.code != "6000"  # not the books' default expense account

    client = TestClient(create_app(runtime=runtime))
    client.headers["Authorization"] = f"Bearer {key}"
    response = client.put(f"/vendors/{vendor_id}/expense-account",
                          json={"account_id": chosen.code})
    assert response.status_code == 200, response.text
    assert response.json()["expense_accounts"] == {"ledger": chosen.id}
    assert client.put(f"/vendors/{vendor_id}/expense-account",
                      json={"account_id": "no-such"}).status_code == 404

    with runtime.repository(organization_id) as repo:
        service = BillService.open(repo, runtime.settings)
        booked = service.push_bill(bill.id)
        in_books = service.writer.get_bill(booked.external_id or "")
    assert [line.account_id for line in in_books.line_items] == [chosen.id]
    assert sum(line.amount for line in in_books.line_items) == Decimal("100.00")

    imported = client.post("/vendors/import")
    assert imported.status_code == 200 and imported.json()["vendors_known"] == 1


def test_the_bill_view_offers_the_vendors_own_expense_account(runtime: Runtime) -> None:
    """A bill waiting for review: its view names each vendor's account in the books, so the
    workspace preselects it."""
    from fixtures_gen.intake_fixtures import einvoice, einvoice_vendors

    from billintake.domain.model import Channel
    from billintake.services.pipeline import run_job
    from billintake.services.receive import receive
    from billintake.services.review_view import review_view

    organization_id, _key = _org(runtime)
    with runtime.repository(organization_id) as repo:
        vendors = [repo.add_vendor(v) for v in einvoice_vendors(organization_id)]
        service = BillService.open(repo, runtime.settings)
        chosen = set_expense_account(service, vendors[0].id, "6200")
    received = receive(runtime, organization_id, einvoice("RE-2024-0901")[1], filename="a.xml",
                       channel=Channel.FOLDER)
    job = run_job(runtime, organization_id, received.job.id)
    view = review_view(runtime, organization_id, job.id)
    account = chosen.expense_accounts["ledger"]
    assert view["books"]["vendor_accounts"] == {vendors[0].id: account}
    assert account in {a["id"] for a in view["books"]["expense_accounts"]}
