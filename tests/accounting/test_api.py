"""The accounting routes over HTTP, against the real app and the embedded ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from billintake.bootstrap import Runtime
from billintake.domain.model import Bill, Document, Vendor
from billintake.entrypoints.api.app import create_app
from billintake.services.books import BillService


@pytest.fixture
def client(runtime: Runtime) -> TestClient:
    with runtime.directory() as directory:
        _org, key = directory.create_organization("API Books", "api-books")
    client = TestClient(create_app(runtime=runtime))
    client.headers["Authorization"] = f"Bearer {key}"
    return client


BILL = {"vendor_name": "ACME Corp.", "bill_number": "INV-9", "bill_date": "2024-03-01",
        "currency": "EUR", "total": "119.00", "tax": "19.00",
        "line_items": [{"description": "Paper", "amount": "100.00"}]}


def test_bill_lifecycle_over_http(client: TestClient) -> None:
    created = client.post("/bills", json=BILL)
    assert created.status_code == 201, created.text
    bill = created.json()
    assert bill["status"] == "draft" and bill["total"] == "119.00"

    duplicate = client.post("/bills", json=BILL)
    assert duplicate.status_code == 409
    assert duplicate.json()["existing_id"] == bill["id"]

    vendors = client.get("/vendors").json()
    assert [v["name"] for v in vendors] == ["ACME Corp."]
    accounts = client.get("/accounts").json()
    assert {"expense", "bank"} <= {a["account_class"] for a in accounts}

    pushed = client.post(f"/bills/{bill['id']}/push")
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["status"] == "open" and pushed.json()["pushed"]

    paid = client.post(f"/bills/{bill['id']}/payments",
                       json={"amount": "19.00", "currency": "EUR", "payment_date": "2024-04-01"})
    assert paid.status_code == 201, paid.text
    assert paid.json()["bill"]["status"] == "partially_paid"
    assert paid.json()["bill"]["open_balance"] == "100.00"

    too_much = client.post(f"/bills/{bill['id']}/payments",
                           json={"amount": "100.01", "currency": "EUR",
                                 "payment_date": "2024-04-02"})
    assert too_much.status_code == 422
    assert too_much.json()["error"] == "payment_rejected"
    assert "open balance" in too_much.json()["detail"]

    listed = client.get("/bills", params={"status": "partially_paid"}).json()
    assert [b["id"] for b in listed] == [bill["id"]]
    assert client.get(f"/bills/{bill['id']}").json()["payments"][0]["amount"] == "19.00"
    assert client.get("/bills/nope").status_code == 404


def test_connection_secrets_are_never_returned(client: TestClient, runtime: Runtime) -> None:
    response = client.put("/accounting/connection", json={
        "backend": "rutter", "options": {"currency": "EUR"},
        "secrets": {"access_token": "tok-very-secret"}})
    assert response.status_code == 200, response.text
    assert "tok-very-secret" not in response.text
    shown = client.get("/accounting/connection")
    assert shown.json() == {"backend": "rutter", "options": {"currency": "EUR"},
                            "secrets_set": ["access_token"]}
    assert "tok-very-secret" not in shown.text


@pytest.mark.parametrize("body", [
    {"backend": "quickbooks-by-fax"},
    {"backend": "rutter", "options": {"base_url": "http://attacker.example"}},
    {"backend": "beancount", "options": {"path": "../../etc/books.beancount"}},
    {"backend": "beancount", "options": {"path": "notes.txt"}},
])
def test_unsafe_or_unknown_connections_are_refused(client: TestClient, body: dict) -> None:
    assert client.put("/accounting/connection", json=body).status_code == 422


def test_bills_go_to_the_organizations_own_beancount_file(client: TestClient,
                                                          runtime: Runtime) -> None:
    chosen = client.put("/accounting/connection", json={"backend": "beancount"})
    assert chosen.status_code == 200, chosen.text
    created = client.post("/bills", json=BILL).json()
    assert client.post(f"/bills/{created['id']}/push").json()["status"] == "open"
    books = runtime.settings.resolved_beancount_dir / created["organization_id"] / \
        "books.beancount"
    assert "INV-9" in books.read_text()


def test_organizations_never_share_beancount_books(client: TestClient,
                                                   runtime: Runtime) -> None:
    """Two organizations naming the same file (by the API, or a path stored earlier) still
    each write and read only their own books."""
    with runtime.directory() as directory:
        other, other_key = directory.create_organization("Other Books", "other-books")
    same = {"backend": "beancount", "options": {"path": "shared.beancount"}}
    assert client.put("/accounting/connection", json=same).status_code == 422
    shared = str(runtime.settings.resolved_beancount_dir / "shared.beancount")
    organization_id = client.get("/me").json()["id"]
    for org_id in (organization_id, other.id):
        with runtime.repository(org_id) as repo:
            repo.set_connection("beancount", {"path": shared}, {})
    created = client.post("/bills", json=BILL).json()
    assert client.post(f"/bills/{created['id']}/push").json()["pushed"]
    intruder = TestClient(create_app(runtime=runtime))
    intruder.headers["Authorization"] = f"Bearer {other_key}"
    assert intruder.get("/vendors").json() == []
    theirs = intruder.post("/bills", json={**BILL, "vendor_name": "Globex"}).json()
    assert intruder.post(f"/bills/{theirs['id']}/push").json()["pushed"]
    with runtime.repository(organization_id) as repo:
        mine = BillService.open(repo, runtime.settings).writer
        assert [b.bill_number for b in mine.list_bills()] == ["INV-9"]
        assert [v.name for v in mine.list_vendors()] == ["ACME Corp."]


def test_requests_need_an_api_key(runtime: Runtime) -> None:
    anonymous = TestClient(create_app(runtime=runtime))
    assert anonymous.get("/bills").status_code == 401


def test_another_organizations_original_cannot_be_attached(client: TestClient,
                                                           runtime: Runtime) -> None:
    """A hash names a file only within the caller's organization."""
    with runtime.directory() as directory:
        other, _key = directory.create_organization("Victim Ltd", "victim")
    secret = b"%PDF-1.4 the victim's invoice"
    sha = runtime.originals.put(secret)
    with runtime.repository(other.id) as repo:
        repo.add_document(Document(sha256=sha, organization_id=other.id,
                                   original_filename="victim.pdf",
                                   media_type="application/pdf", size=len(secret)))
    refused = client.post("/bills", json={**BILL, "document_sha256": sha})
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "document_sha256"
    # a bill naming the hash anyway (recorded before this check) pushes without it
    organization_id = client.get("/me").json()["id"]
    with runtime.repository(organization_id) as repo:
        vendor = repo.add_vendor(Vendor(organization_id=organization_id, name="ACME Corp."))
        bill = repo.add_bill(Bill(organization_id=organization_id, vendor_id=vendor.id,
                                  bill_number="INV-X", bill_date=date(2024, 3, 1),
                                  currency="EUR", total=Decimal("10.00"),
                                  document_sha256=sha))
    pushed = client.post(f"/bills/{bill.id}/push")
    assert pushed.status_code == 200, pushed.text
    with runtime.repository(organization_id) as repo:
        books = BillService.open(repo, runtime.settings, runtime.originals).writer
        assert books.list_attachments(pushed.json()["external_id"]) == []
