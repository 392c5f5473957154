from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import inspect

from billintake.bootstrap import Runtime
from billintake.domain.errors import Conflict, NotFound
from billintake.domain.extracted import Evidence, ExtractedBill, ExtractedLineItem, FieldValue
from billintake.domain.model import (
    Account,
    AccountClass,
    Bill,
    BillLineItem,
    BillPayment,
    Channel,
    Document,
    IngestJob,
    JobStatus,
    Vendor,
)
from billintake.domain.outcome import JobOutcome, VendorMatchOutcome, VendorRef

SHA = "a" * 64


def _org(rt: Runtime, name: str = "Acme") -> str:
    with rt.directory() as directory:
        org, _key = directory.create_organization(name)
    return org.id


def test_migrations_create_every_table_from_empty(any_db_runtime: Runtime) -> None:
    names = set(inspect(any_db_runtime.engine).get_table_names())
    assert {"organizations", "api_keys", "vendors", "accounts", "bills", "bill_payments",
            "documents", "ingest_jobs", "accounting_connections", "alembic_version"} <= names


def test_round_trips_keep_every_value(any_db_runtime: Runtime) -> None:
    rt = any_db_runtime
    org_id = _org(rt)
    vendor = Vendor(organization_id=org_id, name="Müller GmbH", aliases=["Mueller"],
                    tax_id="DE123456789", email="ap@mueller.de", external_ids={"rutter": "v1"})
    account = Account(organization_id=org_id, code="6000", name="Office supplies",
                      account_class=AccountClass.EXPENSE, currency="EUR")
    bill = Bill(organization_id=org_id, vendor_id=vendor.id, bill_number="R-2026-001",
                bill_date=date(2026, 3, 14), due_date=date(2026, 4, 13), currency="EUR",
                line_items=[BillLineItem(description="Paper A4", quantity=Decimal("3"),
                                         unit_price=Decimal("33.3333"),
                                         amount=Decimal("100.00"), account_id=account.id)],
                subtotal=Decimal("100.00"), tax=Decimal("19.00"),
                total=Decimal("119000000.01"), document_sha256=SHA)
    payment = BillPayment(organization_id=org_id, bill_id=bill.id, amount=Decimal("50.10"),
                          currency="EUR", payment_date=date(2026, 3, 20), reference="SEPA 1")
    document = Document(sha256=SHA, organization_id=org_id, original_filename="r.pdf",
                        media_type="application/pdf", size=1234, page_count=2)
    page = Evidence(source="text", page=1, bbox=(400.0, 700.5, 480.0, 712.0), text="119,00")
    outcome = JobOutcome(
        bill=ExtractedBill(
            document_type=FieldValue(value="credit_note", confidence=0.9),
            bill_number=FieldValue(value="R-2026-001", confidence=0.97),
            bill_date=FieldValue(value=date(2026, 3, 14), confidence=0.9),
            total=FieldValue(value=Decimal("119.00"), confidence=0.95, evidence=page),
            shipping=FieldValue(value=Decimal("4.90"), confidence=0.8),
            vendor_iban=FieldValue(value="DE89370400440532013000", confidence=0.99),
            vendor_email=FieldValue(value="ap@mueller.de", confidence=0.9),
            line_items=[ExtractedLineItem(description="Paper A4", quantity=Decimal("3"),
                                          amount=Decimal("100.00"), confidence=0.9,
                                          evidence=page)],
            warnings=["checked"], reconciled=True),
        vendor_match=VendorMatchOutcome(vendor=VendorRef(id=vendor.id, name=vendor.name),
                                        score=100.0, method="iban", reason="same iban"),
        review_reasons=["confidence 0.80 is below the auto-approve threshold 0.85"])
    job = IngestJob(organization_id=org_id, channel=Channel.EMAIL, document_sha256=SHA,
                    original_filename="r.pdf", hints={"sender": "ap@mueller.de"},
                    outcome=outcome)
    with rt.repository(org_id) as repo:
        repo.add_vendor(vendor)
        repo.add_account(account)
        repo.add_document(document)
        repo.add_bill(bill)
        repo.add_payment(payment)
        repo.add_job(job)
    with rt.repository(org_id) as repo:
        assert repo.get_vendor(vendor.id) == vendor
        assert repo.list_accounts() == [account]
        assert repo.get_document(SHA) == document
        loaded = repo.get_bill(bill.id)
        assert loaded == bill
        assert loaded.total == Decimal("119000000.01")  # exact, no float on the way
        assert repo.list_payments(bill.id) == [payment]
        assert repo.find_bill_by_number(vendor.id, "R-2026-001", Decimal("119000000.01")) == bill
        assert repo.find_bill_by_number(vendor.id, "R-2026-001", Decimal("1")) is None
        assert repo.find_bill_by_document(SHA) == bill
        got = repo.get_job(job.id)
        assert got.hints == {"sender": "ap@mueller.de"}
        assert got.outcome == outcome  # the whole typed bill, evidence and amounts exact
        assert got.created_at == job.created_at
        got.status = JobStatus.FAILED
        got.error = "unreadable"
        repo.update_job(got)
    with rt.repository(org_id) as repo:
        assert repo.get_job(job.id).status is JobStatus.FAILED
        assert repo.find_job_by_document(SHA) is not None


def test_another_organizations_rows_are_invisible(any_db_runtime: Runtime) -> None:
    rt = any_db_runtime
    mine, theirs = _org(rt, "Mine"), _org(rt, "Theirs")
    vendor = Vendor(organization_id=theirs, name="Secret Supplier")
    with rt.repository(theirs) as repo:
        repo.add_vendor(vendor)
    with rt.repository(mine) as repo:
        assert repo.list_vendors() == []
        with pytest.raises(NotFound):
            repo.get_vendor(vendor.id)
        with pytest.raises(NotFound):
            repo.add_vendor(Vendor(organization_id=theirs, name="x"))


def test_rollback_on_error_leaves_nothing_behind(any_db_runtime: Runtime) -> None:
    rt = any_db_runtime
    org_id = _org(rt)
    with pytest.raises(RuntimeError), rt.repository(org_id) as repo:
        repo.add_vendor(Vendor(organization_id=org_id, name="Half-written"))
        raise RuntimeError("boom")
    with rt.repository(org_id) as repo:
        assert repo.list_vendors() == []


def test_organization_slugs_are_unique_and_keys_resolve(any_db_runtime: Runtime) -> None:
    rt = any_db_runtime
    with rt.directory() as directory:
        org, key = directory.create_organization("Café Zürich")
    assert org.slug == "cafe-zurich"
    with rt.directory() as directory:
        assert directory.organization_for_key(key) == org
        assert directory.organization_for_key(key + "x") is None
        with pytest.raises(Conflict):
            directory.create_organization("Cafe Zurich")
