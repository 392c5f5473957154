"""The service layer booking into Rutter (the fake of its published API, real sockets, real
SQLite): VAT by rate, vendors in the bill's currency, writes that recover from a failed job or
a lost answer, a bill that waits for review until its rate is mapped, the mapping over HTTP and
on the command line."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fake_rutter import FakeRutterServer, Store
from fastapi.testclient import TestClient
from rutter_harness import fake_rutter_server, rutter_connection
from typer.testing import CliRunner

from billintake.bootstrap import Runtime
from billintake.domain.errors import AccountingBackendError, NeedsReview, ValidationFailed
from billintake.domain.extracted import (
    ExtractedBill,
    ExtractedLineItem,
    FieldValue,
    TaxLine,
)
from billintake.domain.model import Channel, JobStatus, Vendor
from billintake.entrypoints.api.app import create_app
from billintake.entrypoints.cli import app
from billintake.matching.vendors import VendorMatch
from billintake.services import review
from billintake.services.books import BillInput, BillService, VendorInput
from billintake.services.pipeline import DEFAULT_STAGES, Readout, run_job
from billintake.services.receive import receive
from billintake.services.review_view import review_view
from billintake.settings import Settings, get_settings

D = Decimal


def _no_wait(_: float) -> None:
    return None


@pytest.fixture
def server() -> Iterator[FakeRutterServer]:
    server = fake_rutter_server()
    seen = len(server.fake.violations)
    yield server
    server.fake.stalls.clear()
    assert server.fake.violations[seen:] == [], "the fake answered off the published spec"


@pytest.fixture
def token(server: FakeRutterServer) -> str:
    token = f"svc-{uuid.uuid4().hex}"
    server.fake.add_connection(token)
    return token


@pytest.fixture
def store(server: FakeRutterServer, token: str) -> Store:
    return server.fake.stores[token]


def connect(runtime: Runtime, server: FakeRutterServer, token: str, slug: str = "rb",
            **options: Any) -> str:
    """An organization booking into the fake; only 19 % mapped unless `tax_rates` is given."""
    with runtime.directory() as directory:
        org, _key = directory.create_organization(f"Rutter Books {slug}", slug)
    connection = rutter_connection(server, token, **options)
    config = dict(connection.options)
    config.pop("currency")  # vendors take the currency of their bill, not a default
    if "tax_rates" not in options:
        config["tax_rates"] = {"19": config["tax_rates"]["19"]}
    with runtime.repository(org.id) as repo:
        repo.set_connection("rutter", config, {k: v.get_secret_value()
                                               for k, v in connection.secrets.items()})
    return org.id


def service(runtime: Runtime, repo: Any, **extra: Any) -> BillService:
    return BillService.open(repo, runtime.settings, runtime.originals, sleep=_no_wait, **extra)


def two_rate_bill(**kw: Any) -> BillInput:
    fields: dict[str, Any] = {
        "vendor_name": "Getränke Huber KG", "bill_number": "HU-77", "bill_date": "2024-05-02",
        "currency": "EUR", "total": "226.00", "tax": "26.00", "subtotal": "200.00",
        "tax_lines": [{"rate": "19", "amount": "19.00", "basis": "100.00"},
                      {"rate": "7", "amount": "7.00", "basis": "100.00"}],
        "line_items": [{"description": "Glasses", "amount": "100.00", "tax_rate": "19"},
                       {"description": "Section: drinks", "amount": "0.00"},  # a heading
                       {"description": "Juice", "amount": "100.00", "tax_rate": "7"}]}
    fields.update(kw)
    return BillInput.model_validate(fields)


def test_a_eur_bill_at_two_rates_is_booked_with_its_tax_rates_on_a_eur_vendor(
        runtime: Runtime, server: FakeRutterServer, token: str, store: Store) -> None:
    org = connect(runtime, server, token, tax_rates={
        "19": store.tax_rate_named("VAT 19% purchases"),
        "7": store.tax_rate_named("VAT 7% purchases")})
    with runtime.repository(org) as repo:
        svc = service(runtime, repo)
        pushed = svc.push_bill(svc.create_bill(two_rate_bill()).id)
    [vendor] = store.vendors.values()
    assert vendor["currency_code"] == "EUR"  # the bill's, not a default
    [raw] = store.bills.values()
    assert [(line["description"], line["sub_total"], line["tax_rate_id"])
            for line in raw["line_items"]] == [
        ("Glasses", D("100.00"), store.tax_rate_named("VAT 19% purchases")),
        ("Juice", D("100.00"), store.tax_rate_named("VAT 7% purchases"))]  # no heading line
    assert (raw["tax_amount"], raw["total_amount"]) == (D("26.00"), D("226.00"))
    assert (pushed.backend, pushed.external_id) == ("rutter", raw["id"])
    write = pushed.writes["bill"]
    assert write.state == "done" and write.job_id and write.external_id == raw["id"]


def test_recovery_after_a_failed_async_job(runtime: Runtime, server: FakeRutterServer,
                                           token: str, store: Store) -> None:
    """The job fails on the platform: the bill stays a draft with the job's id and error, and
    pushing again books it under a new key (the old one would only replay the failure)."""
    org = connect(runtime, server, token)
    with runtime.repository(org) as repo:
        bill = service(runtime, repo).create_bill(two_rate_bill(
            tax="38.00", total="238.00", tax_lines=[{"rate": "19", "amount": "38.00"}],
            line_items=[{"description": "Glasses", "amount": "200.00"}], subtotal=None))
    server.fake.reject_next_job("The vendor is inactive on the platform.",
                                path_contains="/accounting/bills")
    with pytest.raises(AccountingBackendError, match="vendor is inactive") as failed, \
            runtime.repository(org) as repo:
        service(runtime, repo).push_bill(bill.id)
    with runtime.repository(org) as repo:
        draft = repo.get_bill(bill.id)
        view = service(runtime, repo).get_bill(bill.id).to_dict()
    write = draft.writes["bill"]
    assert draft.external_id is None and write.state == "failed"
    assert write.job_id == failed.value.job_id and "vendor is inactive" in (write.error or "")
    assert view["writes"]["bill"]["job_id"] == write.job_id and "key" not in view["writes"]["bill"]
    assert not store.bills
    with runtime.repository(org) as repo:
        pushed = service(runtime, repo).push_bill(bill.id)
    assert list(store.bills) == [pushed.external_id]
    assert pushed.writes["bill"].key != write.key and pushed.writes["bill"].state == "done"


def test_a_timeout_after_booking_neither_books_twice_nor_stays_stuck(
        runtime: Runtime, server: FakeRutterServer, token: str, store: Store) -> None:
    org = connect(runtime, server, token)
    with runtime.repository(org) as repo:
        bill = service(runtime, repo).create_bill(two_rate_bill(
            tax="38.00", total="238.00", tax_lines=[{"rate": "19", "amount": "38.00"}],
            line_items=[{"description": "Glasses", "amount": "200.00"}], subtotal=None))
    server.fake.stall_after_commit_next(1.0, reads_fail=True,  # booked, answer lost
                                        path_contains="/accounting/bills")
    try:
        with pytest.raises(AccountingBackendError, match="result is unknown") as lost, \
                runtime.repository(org) as repo:
            service(runtime, repo, timeout=0.3, max_retries=0).push_bill(bill.id)
    finally:
        server.fake.wait_for_stalls()
    assert lost.value.retryable
    with runtime.repository(org) as repo:
        write = repo.get_bill(bill.id).writes["bill"]
    assert write.state == "indeterminate"
    posts = len(server.fake.requests("POST", "/accounting/bills"))
    with runtime.repository(org) as repo:
        pushed = service(runtime, repo).push_bill(bill.id)  # looks first, finds it
    assert len(server.fake.requests("POST", "/accounting/bills")) == posts  # not sent again
    assert list(store.bills) == [pushed.external_id]
    assert pushed.writes["bill"].state == "done" and pushed.writes["bill"].key == write.key


def test_a_rate_with_no_tax_rate_mapped_waits_for_review_then_books_once(
        runtime: Runtime, server: FakeRutterServer, token: str, store: Store) -> None:
    """The pipeline stops the job with the reason; the reviewer maps the rate and approves:
    the draft is booked (one bill), never to an expense account."""
    org = connect(runtime, server, token)  # 19 % mapped, 7 % not
    with runtime.repository(org) as repo:
        vendor = repo.add_vendor(Vendor(organization_id=org, name="Getränke Huber KG"))

    def fv(value: object) -> FieldValue:  # type: ignore[type-arg]
        return FieldValue(value=value, confidence=1.0)

    extracted = ExtractedBill(
        bill_number=fv("HU-78"), vendor_name=fv("Getränke Huber KG"),
        bill_date=fv(date(2024, 5, 3)), currency=fv("EUR"), subtotal=fv(D("200.00")),
        tax=fv(D("26.00")), total=fv(D("226.00")), reconciled=True,
        tax_lines=[TaxLine(rate=D(19), basis=D(100), amount=D("19.00")),
                   TaxLine(rate=D(7), basis=D(100), amount=D("7.00"))],
        line_items=[ExtractedLineItem(description="Glasses", amount=D(100), tax_rate=D(19)),
                    ExtractedLineItem(description="Juice", amount=D(100), tax_rate=D(7))])
    stages = replace(DEFAULT_STAGES,
                     read=lambda data, media, xml, settings: Readout(media_type=media),
                     extract=lambda readout, settings: extracted,
                     match=lambda e, vendors, job, settings: VendorMatch(
                         vendor=vendor, score=100.0, method="exact_name"))
    received = receive(runtime, org, b"%PDF-1.4 huber", filename="huber.pdf",
                       channel=Channel.UPLOAD)
    job = run_job(runtime, org, received.job.id, stages)
    assert job.status is JobStatus.NEEDS_REVIEW
    [reason] = job.outcome.review_reasons if job.outcome else []
    assert "VAT 7 % has no tax rate mapped" in reason and "tax-rates --set 7=" in reason
    assert not store.bills
    with runtime.repository(org) as repo:
        [draft] = repo.list_bills()
        assert draft.writes["bill"].state == "needs_review"
        svc = service(runtime, repo)
        with pytest.raises(ValidationFailed, match="a rate of 19 %, not 7 %"):
            svc.set_tax_rates({"7": store.tax_rate_named("VAT 19% purchases")})
        svc.set_tax_rates({"7 %": store.tax_rate_named("VAT 7% purchases")})
    approval = review.approve(runtime, org, job.id)
    assert approval.job.status is JobStatus.PUSHED and approval.bill.id == draft.id
    [raw] = store.bills.values()
    assert {line["tax_rate_id"] for line in raw["line_items"]} == {
        store.tax_rate_named("VAT 19% purchases"), store.tax_rate_named("VAT 7% purchases")}
    with runtime.repository(org) as repo:
        assert [b.id for b in repo.list_bills()] == [draft.id]


def test_lines_that_do_not_make_the_net_wait_for_review_never_a_plug(
        runtime: Runtime, server: FakeRutterServer, token: str, store: Store) -> None:
    org = connect(runtime, server, token)
    with runtime.repository(org) as repo:
        svc = service(runtime, repo)
        bill = svc.create_bill(two_rate_bill(
            tax="38.00", total="238.00", tax_lines=[{"rate": "19", "amount": "38.00"}],
            line_items=[{"description": "Glasses", "amount": "195.00"}], subtotal=None))
        with pytest.raises(NeedsReview, match=r"lines add up to 195.00 EUR, the net is 200.00"):
            svc.push_bill(bill.id)
    assert not store.bills


# -- the mapping over HTTP and on the command line ---------------------------------------------


def test_tax_rate_mapping_over_http(runtime: Runtime, server: FakeRutterServer, token: str,
                                    store: Store) -> None:
    org = connect(runtime, server, token)
    with runtime.directory() as directory:
        key = directory.create_api_key(org)
    client = TestClient(create_app(runtime=runtime))
    client.headers["Authorization"] = f"Bearer {key}"
    shown = client.get("/accounting/tax-rates")
    assert shown.status_code == 200, shown.text
    assert shown.json()["mapping"] == {"19": store.tax_rate_named("VAT 19% purchases")}
    offered = {r["name"]: r for r in shown.json()["tax_rates"]}
    assert offered["VAT 7% purchases"]["rate"] == "7" and not offered["VAT 19% sales"][
        "purchases"]
    seven = store.tax_rate_named("VAT 7% purchases")
    put = client.put("/accounting/tax-rates", json={"mapping": {"7": seven, "19": None}})
    assert put.status_code == 200, put.text
    assert put.json()["mapping"] == {"7": seven}
    unknown = client.put("/accounting/tax-rates", json={"mapping": {"7": "nope"}})
    assert unknown.status_code == 422 and "no tax rate 'nope'" in unknown.json()["detail"]


def test_tax_rate_mapping_on_the_command_line(
        server: FakeRutterServer, token: str, store: Store, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("BILLINTAKE_DATA_DIR", str(data))
    monkeypatch.setenv("BILLINTAKE_DATABASE_URL", "")
    get_settings.cache_clear()
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=data))
    try:
        connect(runtime, server, token, slug="cli")
    finally:
        runtime.close()
    runner = CliRunner()
    seven = store.tax_rate_named("VAT 7% purchases")
    try:
        set_ = runner.invoke(app, ["tax-rates", "--set", f"7={seven}", "--unset", "19",
                                   "--json"])
        assert set_.exit_code == 0, set_.output
        assert json.loads(set_.stdout)["mapping"] == {"7": seven}
        shown = runner.invoke(app, ["tax-rates", "--json"])
        assert shown.exit_code == 0 and json.loads(shown.stdout)["mapping"] == {"7": seven}
        table = runner.invoke(app, ["tax-rates"])  # for a person: a table naming the rate
        assert table.exit_code == 0 and "mapping" in table.stdout and seven in table.stdout
    finally:
        get_settings.cache_clear()


def test_a_vendor_kept_in_another_currency_waits_for_review(
        runtime: Runtime, server: FakeRutterServer, token: str, store: Store) -> None:
    org = connect(runtime, server, token)
    with runtime.repository(org) as repo:
        svc = service(runtime, repo)
        first = svc.create_bill(two_rate_bill(
            tax="38.00", total="238.00", tax_lines=[{"rate": "19", "amount": "38.00"}],
            line_items=[{"description": "Glasses", "amount": "200.00"}], subtotal=None))
        svc.push_bill(first.id)
        usd = svc.create_bill(BillInput.model_validate({
            "vendor_id": first.vendor_id, "bill_number": "HU-USD", "bill_date": "2024-05-04",
            "currency": "USD", "total": "50.00"}))
        with pytest.raises(NeedsReview, match="kept in EUR in the books, the bill is in USD"):
            svc.push_bill(usd.id)
    assert len(store.bills) == 1
    assert VendorInput  # the service's input for vendors stays importable from here


def test_the_review_offers_the_books_tax_codes_and_remembers_the_one_chosen(
        runtime: Runtime, server: FakeRutterServer, token: str, store: Store) -> None:
    """The bill view's tax codes are the connection's purchase tax rates (sales rates left out),
    marked where the bill prints that rate; approving with one maps its rate to it, so the
    bill books with that tax rate and the next bill at that rate needs no one."""
    org = connect(runtime, server, token, slug="rv")  # 19 % mapped, 7 % not
    with runtime.repository(org) as repo:
        vendor = repo.add_vendor(Vendor(organization_id=org, name="Getränke Huber KG"))

    def fv(value: object) -> FieldValue:  # type: ignore[type-arg]
        return FieldValue(value=value, confidence=1.0)

    extracted = ExtractedBill(
        bill_number=fv("HU-80"), vendor_name=fv("Getränke Huber KG"),
        bill_date=fv(date(2024, 5, 3)), currency=fv("EUR"), subtotal=fv(D("100.00")),
        tax=fv(D("7.00")), total=fv(D("107.00")), reconciled=True,
        line_items=[ExtractedLineItem(description="Juice", amount=D(100))])
    stages = replace(DEFAULT_STAGES,
                     read=lambda data, media, xml, settings: Readout(media_type=media),
                     extract=lambda readout, settings: extracted,
                     match=lambda e, vendors, job, settings: VendorMatch(
                         vendor=vendor, score=50.0, method="fuzzy_name"))
    received = receive(runtime, org, b"%PDF-1.4 huber 80", filename="huber80.pdf",
                       channel=Channel.UPLOAD)
    job = run_job(runtime, org, received.job.id, stages)
    assert job.status is JobStatus.NEEDS_REVIEW

    codes = review_view(runtime, org, job.id)["tax_codes"]
    seven = store.tax_rate_named("VAT 7% purchases")
    from_books = {code["id"]: code for code in codes if "id" in code}
    assert seven in from_books and from_books[seven]["rate"] == "7"
    assert "VAT 7% purchases" in from_books[seven]["label"]
    assert "subtotal and tax imply it" in from_books[seven]["label"]
    assert store.tax_rate_named("VAT 19% sales") not in from_books

    booking = review.Booking(tax_rate=D(7), tax_rate_id=seven)
    approval = review.approve(runtime, org, job.id, booking=booking)
    assert approval.job.status is JobStatus.PUSHED
    [raw] = store.bills.values()
    assert {line["tax_rate_id"] for line in raw["line_items"]} == {seven}
    with runtime.repository(org) as repo:
        assert service(runtime, repo).tax_rates()["mapping"]["7"] == seven
