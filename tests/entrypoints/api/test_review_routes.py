"""The review routes over HTTP: jobs made to wait by the real pipeline, approved (corrected)
or rejected, booked in the embedded ledger."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from billintake_devkit.einvoice_fixtures import cii
from billintake_devkit.einvoice_fixtures.build import specs
from billintake_devkit.einvoice_fixtures.samples import HARBOUR
from fastapi.testclient import TestClient
from fixtures_gen.intake_fixtures import digital_bill, einvoice, make_org

from billintake.bootstrap import Runtime
from billintake.domain.model import BillKind, Channel, IngestJob, JobStatus
from billintake.entrypoints.api.app import create_app
from billintake.services.pipeline import run_job
from billintake.services.receive import receive
from billintake.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Strict thresholds: every visually read bill waits for a person."""
    return Settings(_env_file=None, data_dir=tmp_path / "data", ocr_workers=1, local_workers=1,
                    auto_approve_min_confidence=0.99)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime.from_settings(settings)
    yield rt
    rt.close()


def client_for(runtime: Runtime, key: str) -> TestClient:
    client = TestClient(create_app(runtime=runtime))
    client.headers["Authorization"] = f"Bearer {key}"
    return client


def ingest(runtime: Runtime, org_id: str, data: bytes, filename: str) -> IngestJob:
    """Receive and run a file through the real pipeline."""
    received = receive(runtime, org_id, data, filename=filename, channel=Channel.UPLOAD)
    return run_job(runtime, org_id, received.job.id)


def booked(client: TestClient, accepted: Any, timeout: float = 60) -> dict[str, Any]:
    """An approval answered 202: its booking job followed to the end, which must be done."""
    assert accepted.status_code == 202, accepted.text
    deadline = time.monotonic() + timeout
    while not (job := client.get(accepted.headers["Location"]).json())["final"]:
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    assert job["status"] == "done" and job["kind"] == "approve", job
    return job["result"]  # type: ignore[no-any-return]


def bills_of(runtime: Runtime, org_id: str) -> list:  # type: ignore[type-arg]
    with runtime.repository(org_id) as repo:
        return repo.list_bills()


def job_of(runtime: Runtime, org_id: str, job_id: str) -> IngestJob:
    with runtime.repository(org_id) as repo:
        return repo.get_job(job_id)


@pytest.fixture
def low_confidence(runtime: Runtime) -> tuple[TestClient, str, IngestJob]:
    """A digital bill from a known vendor, waiting because its confidences are below 0.99."""
    bill = digital_bill(1)
    org, key = make_org(runtime, "acme", [bill.vendor_name], known_sellers=False)
    job = ingest(runtime, org.id, bill.data, bill.name)
    assert job.status is JobStatus.NEEDS_REVIEW, job.outcome
    return client_for(runtime, key), org.id, job


def test_waiting_jobs_are_listed_with_their_reasons(
        low_confidence: tuple[TestClient, str, IngestJob]) -> None:
    client, _org_id, job = low_confidence
    response = client.get("/review")
    assert response.status_code == 200, response.text
    [item] = response.json()["jobs"]
    assert item["job_id"] == job.id and item["filename"] == "bill-001.pdf"
    assert any("below the auto-approve threshold" in reason for reason in item["reasons"])
    assert item["low_confidence"] and all(score < 0.99
                                          for score in item["low_confidence"].values())
    assert item["vendor_match"]["vendor"]["name"] == "Willowmere Maintenance"
    assert item["vendor_candidates"] == []
    assert item["bill"]["bill_number"] == job.outcome.bill.value("bill_number")  # type: ignore[union-attr]


def test_approved_with_a_corrected_total_is_booked_with_it(
        runtime: Runtime, low_confidence: tuple[TestClient, str, IngestJob]) -> None:
    client, org_id, job = low_confidence
    plugged = client.post(f"/review/{job.id}/approve",  # the lines would not make that total
                          json={"total": "17100.00", "bill_date": "2025-05-19"})
    assert plugged.status_code == 422 and plugged.json()["error"] == "needs_review"
    assert "the lines add up to" in plugged.json()["detail"]
    lines = [{"description": "Services as corrected", "amount": "14372.49"}]
    response = client.post(f"/review/{job.id}/approve", json={
        "total": "17100.00", "bill_date": "2025-05-19", "line_items": lines})
    body = booked(client, response)
    assert body["job"]["status"] == "pushed" and body["job"]["bill_id"] == body["bill"]["id"]
    assert body["bill"]["total"] == "17100.00" and body["bill"]["pushed"]

    [bill] = bills_of(runtime, org_id)
    assert bill.total == Decimal("17100.00") and str(bill.bill_date) == "2025-05-19"
    assert bill.status.value == "open" and bill.external_id is not None
    assert bill.document_sha256 == job.document_sha256
    with runtime.repository(org_id) as repo:  # booked in the ledger with that total
        from billintake.services.books import BillService

        balance = BillService.open(repo, runtime.settings).writer.get_bill_balance(
            bill.external_id)
    assert balance.open_balance == Decimal("17100.00")

    stored = job_of(runtime, org_id, job.id)
    assert stored.status is JobStatus.PUSHED and stored.bill_id == bill.id
    review = stored.outcome.review  # type: ignore[union-attr]
    assert review is not None and review.decision == "approved"
    assert review.corrections == {"total": "17100.00", "bill_date": "2025-05-19",
                                  "line_items": lines}
    corrected = stored.outcome.bill.total  # type: ignore[union-attr]
    assert corrected is not None and corrected.value == Decimal("17100.00")
    assert corrected.confidence == 1.0 and corrected.evidence is not None
    assert corrected.evidence.source == "review"
    assert (corrected.evidence.text or "").startswith("corrected in review; extracted: ")
    assert client.get("/review").json()["jobs"] == []

    again = client.post(f"/review/{job.id}/approve", json={})
    assert again.status_code == 409 and "already pushed" in again.json()["detail"]
    assert len(bills_of(runtime, org_id)) == 1


@pytest.mark.parametrize(("corrections", "field", "words"), [
    ({"due_date": "2025-01-01"}, "due_date", "before bill_date"),
    ({"currency": "XYZ"}, "currency", "unknown currency"),
    ({"total": "-5.00"}, "total", "zero or positive"),
    ({"bill_date": "18 May"}, "bill_date", "date"),
    ({"line_items": [{"description": "Paper"}]}, "line_items.0.amount", "required"),
    ({"colour": "blue"}, "colour", "not permitted"),
    ({"vendor_id": "no-such-vendor"}, "vendor_id", "no vendor"),
])
def test_invalid_corrections_are_refused_naming_the_field(
        runtime: Runtime, low_confidence: tuple[TestClient, str, IngestJob],
        corrections: dict, field: str, words: str) -> None:  # type: ignore[type-arg]
    client, org_id, job = low_confidence
    response = client.post(f"/review/{job.id}/approve", json=corrections)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert field in response.json()["detail"] and words in response.json()["detail"]
    assert job_of(runtime, org_id, job.id).status is JobStatus.NEEDS_REVIEW
    assert bills_of(runtime, org_id) == []


def test_an_ambiguous_vendor_is_settled_by_choosing_one(runtime: Runtime) -> None:
    org, key = make_org(runtime, "acme", ["Nordwind Bürotechnik AG", "Nordwind Bürotechnik KG"],
                        known_sellers=False)
    client = client_for(runtime, key)
    job = ingest(runtime, org.id, einvoice("RE-2024-0101")[1], "re.xml")
    assert job.status is JobStatus.NEEDS_REVIEW

    [item] = client.get("/review").json()["jobs"]
    assert any(reason.startswith("vendor is ambiguous") for reason in item["reasons"])
    candidates = {c["name"]: c["id"] for c in item["vendor_candidates"]}
    assert set(candidates) == {"Nordwind Bürotechnik AG", "Nordwind Bürotechnik KG"}

    unsettled = client.post(f"/review/{job.id}/approve", json={})
    assert unsettled.status_code == 422 and unsettled.json()["field"] == "vendor_id"
    assert "ambiguous" in unsettled.json()["detail"]

    chosen = candidates["Nordwind Bürotechnik KG"]
    body = booked(client, client.post(f"/review/{job.id}/approve", json={"vendor_id": chosen}))
    assert body["bill"]["vendor_id"] == chosen
    assert "Nordwind Bürotechnik GmbH" in body["vendor"]["aliases"]
    [bill] = bills_of(runtime, org.id)
    assert bill.vendor_id == chosen and bill.total == Decimal("939.51")


def test_a_corrected_vendor_name_matching_a_vendor_becomes_its_alias(runtime: Runtime) -> None:
    org, key = make_org(runtime, "acme", ["Harbour Printing & Design Bristol"],
                        known_sellers=False)
    client = client_for(runtime, key)
    job = ingest(runtime, org.id, einvoice("HP-77", HARBOUR)[1], "hp.xml")
    assert job.status is JobStatus.NEEDS_REVIEW
    assert job.outcome.vendor_match.vendor is None  # type: ignore[union-attr]

    response = client.post(f"/review/{job.id}/approve",
                           json={"vendor_name": "Harbour Printing and Design, Bristol"})
    vendor = booked(client, response)["vendor"]
    assert vendor["name"] == "Harbour Printing & Design Bristol"
    assert vendor["aliases"] == ["Harbour Printing and Design, Bristol"]
    with runtime.repository(org.id) as repo:
        assert len(repo.list_vendors()) == 1  # matched, not created


def test_an_unknown_vendor_is_created_on_approval(runtime: Runtime) -> None:
    org, key = make_org(runtime, "acme", known_sellers=False)
    job = ingest(runtime, org.id, einvoice("RE-2024-0102")[1], "re.xml")
    client = client_for(runtime, key)
    vendor = booked(client, client.post(f"/review/{job.id}/approve"))["vendor"]
    assert vendor["name"] == "Nordwind Bürotechnik GmbH"
    assert vendor["tax_id"] == "DE811234567"


def test_a_credit_note_stays_a_vendor_credit(runtime: Runtime) -> None:
    org, key = make_org(runtime, "acme", known_sellers=False)
    xml = cii.cii_xml(specs()["credit"], "en16931")
    job = ingest(runtime, org.id, xml, "credit.xml")
    assert job.status is JobStatus.NEEDS_REVIEW
    printed = job.outcome.bill.value("total")  # type: ignore[union-attr]
    assert printed == specs()["credit"].grand_total > 0

    client = client_for(runtime, key)
    booked(client, client.post(  # the reviewer types the total as printed
        f"/review/{job.id}/approve", json={"total": str(printed)}))
    [bill] = bills_of(runtime, org.id)
    assert bill.kind is BillKind.VENDOR_CREDIT and bill.total == -printed


def test_reject_fails_the_job_and_keeps_the_file(
        runtime: Runtime, low_confidence: tuple[TestClient, str, IngestJob]) -> None:
    client, org_id, job = low_confidence
    empty = client.post(f"/review/{job.id}/reject", json={"reason": "  "})
    assert empty.status_code == 422 and empty.json()["field"] == "reason"

    response = client.post(f"/review/{job.id}/reject", json={"reason": "not our bill"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "failed"
    assert response.json()["error"] == "rejected by reviewer: not our bill"
    stored = job_of(runtime, org_id, job.id)
    assert stored.status is JobStatus.FAILED and stored.error_code == "rejected"
    assert runtime.originals.read(job.document_sha256) == digital_bill(1).data
    assert bills_of(runtime, org_id) == []

    late = client.post(f"/review/{job.id}/approve", json={})
    assert late.status_code == 409 and "failed" in late.json()["detail"]


def test_another_organizations_job_is_not_found(
        runtime: Runtime, low_confidence: tuple[TestClient, str, IngestJob]) -> None:
    _client, org_id, job = low_confidence
    _other, other_key = make_org(runtime, "globex", known_sellers=False)
    stranger = client_for(runtime, other_key)
    assert stranger.get("/review").json()["jobs"] == []
    assert stranger.post(f"/review/{job.id}/approve", json={}).status_code == 404
    assert stranger.post(f"/review/{job.id}/reject", json={"reason": "x"}).status_code == 404
    assert job_of(runtime, org_id, job.id).status is JobStatus.NEEDS_REVIEW


def test_a_job_not_waiting_for_review_cannot_be_approved(runtime: Runtime) -> None:
    org, key = make_org(runtime, "acme")  # the sellers are known: the e-invoice is booked
    job = ingest(runtime, org.id, einvoice("RE-2024-0103")[1], "re.xml")
    assert job.status is JobStatus.PUSHED
    client = client_for(runtime, key)
    response = client.post(f"/review/{job.id}/approve", json={})
    assert response.status_code == 409 and "pushed" in response.json()["detail"]
    assert client.post(f"/review/{job.id}/reject", json={"reason": "x"}).status_code == 409
    assert client.post("/review/nope/approve", json={}).status_code == 404


def test_approval_never_holds_the_request_while_the_books_hang(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from billintake.accounting.ledger import LedgerWriter

    org, key = make_org(runtime, "acme", known_sellers=False)
    job = ingest(runtime, org.id, einvoice("RE-2024-0104")[1], "re.xml")
    release = threading.Event()
    real_create = LedgerWriter.create_bill

    def hanging_create(self: LedgerWriter, *args: Any, **kwargs: Any) -> Any:
        release.wait(timeout=60)
        return real_create(self, *args, **kwargs)

    monkeypatch.setattr(LedgerWriter, "create_bill", hanging_create)
    client = client_for(runtime, key)
    started = time.monotonic()
    response = client.post(f"/review/{job.id}/approve", json={"create_vendor": True})
    assert response.status_code == 202 and time.monotonic() - started < 5
    time.sleep(0.3)
    assert client.get(response.headers["Location"]).json()["status"] == "running"
    assert job_of(runtime, org.id, job.id).status is JobStatus.NEEDS_REVIEW
    release.set()
    body = booked(client, response)
    assert body["job"]["status"] == "pushed" and body["bill"]["pushed"]
    assert job_of(runtime, org.id, job.id).status is JobStatus.PUSHED
