"""A reviewer corrects a bill's payment data (IBAN, BIC, reference, payee) over HTTP: each
value checked by its rules (a broken IBAN is a 422 saying why, nothing changes), the corrected
values are what the payment guard compares and what is booked."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fixtures_gen.intake_fixtures import einvoice, make_org

from billintake.bootstrap import Runtime
from billintake.domain.model import Channel, IngestJob, JobStatus, Vendor
from billintake.entrypoints.api.app import create_app
from billintake.services.pipeline import BANK_DETAILS_CHANGED, run_job
from billintake.services.receive import receive
from billintake.settings import Settings

XML_IBAN = "DE02120300000000202051"  # the account the generated e-invoices name
ON_FILE = "DE89370400440532013000"  # the vendor's account on file
NEW_IBAN = "FR7630006000011234567890189"
RF = "RF18 5390 0754 7034"


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    rt = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path / "data",
                                        ocr_workers=1, local_workers=1))
    yield rt
    rt.close()


@pytest.fixture
def held(runtime: Runtime) -> tuple[TestClient, str, IngestJob]:
    """An exact e-invoice of a known vendor, held by the payment guard: its IBAN is not the
    one on file."""
    org, key = make_org(runtime)
    with runtime.repository(org.id) as repo:
        vendor = _nordwind(repo.list_vendors())
        repo.update_vendor(vendor.model_copy(update={"iban": ON_FILE}))
    pdf, xml = einvoice("RE-2024-0777")
    received = receive(runtime, org.id, pdf, filename="re.pdf", channel=Channel.EMAIL,
                       einvoice_xml=xml)
    job = run_job(runtime, org.id, received.job.id)
    assert job.status is JobStatus.NEEDS_REVIEW
    assert job.outcome is not None and job.outcome.review_reasons[0].startswith(
        BANK_DETAILS_CHANGED)
    client = TestClient(create_app(runtime=runtime))
    client.headers["Authorization"] = f"Bearer {key}"
    return client, org.id, job


def _nordwind(vendors: list[Vendor]) -> Vendor:
    return next(v for v in vendors if v.name.startswith("Nordwind"))


def _booked(client: TestClient, accepted: Any) -> dict[str, Any]:
    assert accepted.status_code == 202, accepted.text
    deadline = time.monotonic() + 60
    while not (job := client.get(accepted.headers["Location"]).json())["final"]:
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    assert job["status"] == "done", job
    return job["result"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(("payment", "field", "says"), [
    ({"iban": "DE89 3704 0044 0532 0130 01"}, "payment.iban", "Invalid checksum digits"),
    ({"iban": "DE89 3704 0044"}, "payment.iban", "not a valid IBAN"),
    ({"bic": "COBA99FF"}, "payment.bic", "is not a BIC"),
    ({"reference": "RF19 5390 0754 7034"}, "payment.reference", "check digits do not hold"),
    ({"colour": "red"}, "payment.colour", "Extra inputs are not permitted"),
])
def test_a_bad_payment_correction_is_refused_saying_why(
        held: tuple[TestClient, str, IngestJob], runtime: Runtime,
        payment: dict[str, str], field: str, says: str) -> None:
    client, org_id, job = held
    response = client.post(f"/review/{job.id}/approve",
                           json={"payment": payment, "confirm": ["bank_details_changed"]})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "validation_failed" and body["field"] == field
    assert says in body["detail"]
    with runtime.repository(org_id) as repo:
        assert repo.get_job(job.id).status is JobStatus.NEEDS_REVIEW
        assert repo.list_bills() == []


def test_the_corrected_account_is_what_the_guard_checks_and_what_is_booked(
        held: tuple[TestClient, str, IngestJob], runtime: Runtime) -> None:
    client, org_id, job = held
    fixes = {"iban": "fr76 3000 6000 0112 3456 7890 189", "bic": "AGRIFRPP",
             "reference": RF, "payee_name": "Nordwind Factoring"}
    unconfirmed = client.post(f"/review/{job.id}/approve", json={"payment": fixes})
    assert unconfirmed.status_code == 409, unconfirmed.text
    [check] = unconfirmed.json()["confirm"]
    assert check["code"] == "bank_details_changed"
    assert NEW_IBAN in check["message"] and XML_IBAN not in check["message"]

    result = _booked(client, client.post(f"/review/{job.id}/approve", json={
        "payment": fixes, "confirm": ["bank_details_changed"]}))
    assert result["bill"]["payment_reference"] == RF
    with runtime.repository(org_id) as repo:
        [bill] = repo.list_bills()
        assert bill.payment_reference == RF
        vendor = _nordwind(repo.list_vendors())
        assert vendor.iban == NEW_IBAN and vendor.known_accounts() == [NEW_IBAN, ON_FILE]
        stored = repo.get_job(job.id)
    assert stored.status is JobStatus.PUSHED
    assert stored.outcome is not None and stored.outcome.bill is not None
    payment = stored.outcome.bill.payment
    assert payment is not None and payment.reference_type == "scor"
    assert {name: payment.value(name) for name in ("iban", "bic", "reference", "payee_name")} \
        == {"iban": NEW_IBAN, "bic": "AGRIFRPP", "reference": RF,
            "payee_name": "Nordwind Factoring"}
    assert payment.iban is not None and payment.iban.evidence is not None
    assert payment.iban.evidence.source == "review" and XML_IBAN in (
        payment.iban.evidence.text or "")
    assert stored.outcome.bill.value("vendor_iban") == NEW_IBAN
    assert stored.outcome.review is not None
    assert stored.outcome.review.corrections["payment"]["iban"] == NEW_IBAN


def test_correcting_a_misread_account_to_the_one_on_file_needs_no_confirmation(
        held: tuple[TestClient, str, IngestJob], runtime: Runtime) -> None:
    client, org_id, job = held
    check = client.post(f"/review/{job.id}/approve", json={"payment": {"iban": ON_FILE}})
    _booked(client, check)
    with runtime.repository(org_id) as repo:
        assert _nordwind(repo.list_vendors()).known_accounts() == [ON_FILE]


def test_a_vendor_without_an_account_learns_the_approved_one(runtime: Runtime) -> None:
    org, key = make_org(runtime, known_sellers=False)
    pdf, xml = einvoice("RE-2024-0778")
    received = receive(runtime, org.id, pdf, filename="re.pdf", channel=Channel.EMAIL,
                       einvoice_xml=xml)
    job = run_job(runtime, org.id, received.job.id)
    assert job.status is JobStatus.NEEDS_REVIEW  # an unknown vendor
    with runtime.repository(org.id) as repo:
        vendor = repo.add_vendor(Vendor(organization_id=org.id, name="Nordwind (no account)"))
    client = TestClient(create_app(runtime=runtime))
    client.headers["Authorization"] = f"Bearer {key}"
    _booked(client, client.post(f"/review/{job.id}/approve", json={
        "vendor_id": vendor.id, "payment": {"iban": NEW_IBAN}}))
    with runtime.repository(org.id) as repo:
        assert repo.get_vendor(vendor.id).known_accounts() == [NEW_IBAN]
