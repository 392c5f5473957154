"""The accounting routes over HTTP, against the real app and the embedded ledger."""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal
from typing import Any

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


def finished(client: TestClient, accepted: Any, timeout: float = 30) -> dict[str, Any]:
    """The booking job a 202 names, once it is final."""
    assert accepted.status_code == 202, accepted.text
    location = accepted.headers["Location"]
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(location).json()
        if job["final"] or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


BILL = {"vendor_name": "ACME Corp.", "bill_number": "INV-9", "bill_date": "2024-03-01",
        "currency": "EUR", "total": "119.00", "tax": "19.00",
        "line_items": [{"description": "Paper", "amount": "100.00"}]}


def test_bill_lifecycle_over_http(client: TestClient, runtime: Runtime) -> None:
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

    accepted = client.post(f"/bills/{bill['id']}/push")
    pushed_location = accepted.headers["Location"]
    pushed = finished(client, accepted)
    assert pushed["status"] == "done" and pushed["kind"] == "push", pushed
    assert pushed["result"]["bill"]["status"] == "open" and pushed["result"]["bill"]["pushed"]

    paid = finished(client, client.post(
        f"/bills/{bill['id']}/payments",
        json={"amount": "19.00", "currency": "EUR", "payment_date": "2024-04-01"}))
    assert paid["status"] == "done", paid
    assert paid["result"]["bill"]["status"] == "partially_paid"
    assert paid["result"]["bill"]["open_balance"] == "100.00"
    assert paid["result"]["payment"]["amount"] == "19.00"

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
    assert client.post("/bills/nope/push").status_code == 404
    assert client.get("/booking-jobs/nope").status_code == 404
    with runtime.directory() as directory:
        _other, other_key = directory.create_organization("Other Ltd", "other-ltd")
    stranger = client.get(pushed_location, headers={"Authorization": f"Bearer {other_key}"})
    assert stranger.status_code == 404  # another organization's job is not found


def test_a_hanging_accounting_system_never_holds_the_request(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The books hang (as a remote system may for minutes): push and payment answer 202 at
    once, the job says running, and once the books answer the job holds the outcome."""
    from billintake.accounting.ledger import LedgerWriter

    release = threading.Event()
    real_create = LedgerWriter.create_bill

    def hanging_create(self: LedgerWriter, *args: Any, **kwargs: Any) -> Any:
        release.wait(timeout=60)
        return real_create(self, *args, **kwargs)

    monkeypatch.setattr(LedgerWriter, "create_bill", hanging_create)
    bill = client.post("/bills", json=BILL).json()
    started = time.monotonic()
    push = client.post(f"/bills/{bill['id']}/push")
    pay = client.post(f"/bills/{bill['id']}/payments",
                      json={"amount": "119.00", "currency": "EUR", "payment_date": "2024-04-01"})
    assert time.monotonic() - started < 5
    assert push.status_code == 202 and pay.status_code == 202
    assert push.json()["job"]["status"] in {"queued", "running"}
    time.sleep(0.3)
    assert client.get(push.headers["Location"]).json()["status"] == "running"
    release.set()
    assert finished(client, push)["status"] == "done"
    paid = finished(client, pay)
    assert paid["status"] == "done", (paid["error"], paid["error_code"])
    assert paid["result"]["bill"]["status"] == "paid"


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
    pushed = finished(client, client.post(f"/bills/{created['id']}/push"))
    assert pushed["result"]["bill"]["status"] == "open"
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
    assert finished(client, client.post(f"/bills/{created['id']}/push"))["result"]["bill"][
        "pushed"]
    intruder = TestClient(create_app(runtime=runtime))
    intruder.headers["Authorization"] = f"Bearer {other_key}"
    assert intruder.get("/vendors").json() == []
    theirs = intruder.post("/bills", json={**BILL, "vendor_name": "Globex"}).json()
    assert finished(intruder, intruder.post(f"/bills/{theirs['id']}/push"))["result"]["bill"][
        "pushed"]
    with runtime.repository(organization_id) as repo:
        mine = BillService.open(repo, runtime.settings).writer
        assert [b.bill_number for b in mine.list_bills()] == ["INV-9"]
        assert [v.name for v in mine.list_vendors()] == ["ACME Corp."]


def test_requests_need_an_api_key(runtime: Runtime) -> None:
    anonymous = TestClient(create_app(runtime=runtime))
    assert anonymous.get("/bills").status_code == 401


def test_booking_jobs_a_stopped_server_left_run_when_it_starts(runtime: Runtime) -> None:
    from billintake.services.booking import submit_push

    with runtime.directory() as directory:
        org, key = directory.create_organization("Restarted", "restarted")
    client = TestClient(create_app(runtime=runtime))
    client.headers["Authorization"] = f"Bearer {key}"
    bill = client.post("/bills", json=BILL).json()
    left = submit_push(runtime, org.id, bill["id"])  # recorded, never run: the server stopped
    with TestClient(create_app(runtime=runtime)) as restarted:
        restarted.headers["Authorization"] = f"Bearer {key}"
        deadline = time.monotonic() + 30
        while (job := restarted.get(f"/booking-jobs/{left.id}").json())["status"] != "done" \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        assert job["status"] == "done" and job["result"]["bill"]["pushed"]


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
    pushed = finished(client, client.post(f"/bills/{bill.id}/push"))
    assert pushed["status"] == "done", pushed
    with runtime.repository(organization_id) as repo:
        books = BillService.open(repo, runtime.settings, runtime.originals).writer
        assert books.list_attachments(pushed["result"]["bill"]["external_id"]) == []
