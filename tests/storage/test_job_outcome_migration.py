"""Migration 0005 on SQLite and PostgreSQL: jobs stored in the old shape (the bill as the JSON
contract) load as typed outcomes after the upgrade; a credit note's amounts, stored negative
then, become the positive amounts it prints; the downgrade gives the old shape back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import command

from billintake.domain.kinds import kind_of
from billintake.domain.model import IngestJob
from billintake.storage.db import alembic_config, make_engine, migrate, session_factory
from billintake.storage.repository import Repository

BEFORE = "0004_jobs_unique_document"
XML = "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument"


def contract(**fields: Any) -> dict[str, Any]:
    """A bill as the old pipeline stored it (`contract_of`: the contract, type and kind)."""
    body: dict[str, Any] = {
        "file": "credit.xml", "bill_number": "GS-2024-0042", "vendor_name": "Lumen SARL",
        "bill_date": "2024-04-02", "due_date": None, "currency": "EUR", "subtotal": "-519.60",
        "tax": "-103.92", "total": "-623.52",
        "line_items": [{"description": "Suspension lamp", "quantity": "4",
                        "unit_price": "-129.90", "amount": "-519.60"}],
        "po_number": None, "vendor_tax_id": "FR44732829320",
        "confidence": {"bill_number": 1.0, "vendor_name": 1.0, "bill_date": 1.0,
                       "currency": 1.0, "subtotal": 1.0, "tax": 1.0, "total": 1.0,
                       "vendor_tax_id": 1.0},
        "evidence": {"bill_number": {"page": None, "bbox": None, "source": "xml",
                                     "path": f"{XML}/ram:ID"}},
        "warnings": [], "document_type": "credit_note", "kind": "vendor_credit"}
    return {**body, **fields}


NO_MATCH = {"vendor": None, "candidate": None, "runner_up": None, "score": 0.0,
            "method": "none", "ambiguous": False, "reason": "nothing to compare"}
LEGACY = {
    "credit": {"bill": contract(), "vendor_match": NO_MATCH,
               "review_reasons": ["vendor is not known yet: confirm or create it"]},
    # stored before the job kept the document type: a negative total meant a credit note
    "older-credit": {"bill": contract(document_type=None, kind=None), "review_reasons": []},
    "invoice": {"bill": contract(
        file="scan.pdf", subtotal="100.00", tax="19.00", total="119.00", document_type="invoice",
        kind="bill", line_items=[{"description": "Paper", "quantity": None, "unit_price": None,
                                  "amount": "100.00"}],
        evidence={"total": {"page": 1, "bbox": [400.0, 700.0, 480.0, 712.0],
                            "source": "text"}}, confidence={"total": 0.62}),
        "vendor_match": {**NO_MATCH, "vendor": {"id": "v1", "name": "Acme"}, "score": 100.0,
                         "method": "tax_id", "reason": "same tax id"},
        "review_reasons": [],
        "review": {"decision": "approved", "at": "2024-05-01T10:00:00+00:00",
                   "vendor_id": "v1", "corrections": {"po_number": "PO-9"}}},
    "duplicate": {"review_reasons": ["looks like a bill already taken in (...)"],
                  "duplicate_of": "b1"},
    "nothing": None,
}


def jobs_table(column: str) -> sa.Table:
    return sa.table("ingest_jobs", sa.column("id", sa.String), sa.column(column, sa.JSON),
                    sa.column("organization_id", sa.String), sa.column("channel", sa.String),
                    sa.column("document_sha256", sa.String),
                    sa.column("original_filename", sa.String), sa.column("status", sa.String),
                    sa.column("hints", sa.JSON), sa.column("attempts", sa.Integer),
                    sa.column("created_at", sa.DateTime), sa.column("updated_at", sa.DateTime))


def test_old_jobs_load_typed_after_the_upgrade_and_come_back_on_downgrade(
        empty_url: str) -> None:
    migrate(empty_url, BEFORE)
    engine = make_engine(empty_url)
    now = datetime(2024, 5, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO organizations (id, name, slug, created_at) "
                             "VALUES ('o1', 'Acme', 'acme', :now)"), {"now": now})
        conn.execute(sa.insert(jobs_table("extracted")), [
            {"id": job_id, "extracted": stored, "organization_id": "o1", "channel": "upload",
             "document_sha256": f"{n:064x}", "original_filename": f"{job_id}.pdf",
             "status": "needs_review", "hints": {}, "attempts": 1, "created_at": now,
             "updated_at": now}
            for n, (job_id, stored) in enumerate(LEGACY.items())])

    migrate(empty_url)
    with session_factory(engine)() as session:
        repo = Repository(session, "o1")
        jobs: dict[str, IngestJob] = {job.id: job for job in repo.list_jobs()}
    credit = jobs["credit"].outcome
    assert credit is not None and credit.bill is not None
    bill = credit.bill
    assert bill.value("document_type") == "credit_note" and kind_of(bill).value == "vendor_credit"
    assert (bill.value("subtotal"), bill.value("tax"), bill.value("total")) == (
        Decimal("519.60"), Decimal("103.92"), Decimal("623.52"))  # as printed
    [line] = bill.line_items
    assert (line.quantity, line.unit_price, line.amount) == (
        Decimal("4"), Decimal("129.90"), Decimal("519.60"))
    assert bill.value("bill_date") == date(2024, 4, 2) and bill.source == "xml"
    assert bill.bill_number is not None and bill.bill_number.confidence == 1.0
    assert bill.bill_number.evidence is not None
    assert bill.bill_number.evidence.path == f"{XML}/ram:ID"
    assert credit.vendor_match is not None and credit.vendor_match.reason == "nothing to compare"
    assert credit.review_reasons == ["vendor is not known yet: confirm or create it"]

    older = jobs["older-credit"].outcome
    assert older is not None and older.bill is not None
    assert older.bill.value("document_type") == "credit_note"
    assert older.bill.value("total") == Decimal("623.52")

    invoice = jobs["invoice"].outcome
    assert invoice is not None and invoice.bill is not None and invoice.review is not None
    assert invoice.bill.value("total") == Decimal("119.00") and invoice.bill.source == "visual"
    assert invoice.bill.total is not None and invoice.bill.total.confidence == 0.62
    assert invoice.bill.total.evidence is not None
    assert invoice.bill.total.evidence.bbox == (400.0, 700.0, 480.0, 712.0)
    assert invoice.vendor_match is not None and invoice.vendor_match.vendor is not None
    assert invoice.vendor_match.vendor.id == "v1" and invoice.vendor_match.method == "tax_id"
    assert invoice.review.decision == "approved"
    assert invoice.review.corrections == {"po_number": "PO-9"}

    duplicate = jobs["duplicate"].outcome
    assert duplicate is not None and duplicate.bill is None and duplicate.duplicate_of == "b1"
    assert jobs["nothing"].outcome is None

    command.downgrade(alembic_config(empty_url), BEFORE)
    with engine.connect() as conn:
        table = jobs_table("extracted")
        back = dict(conn.execute(sa.select(table.c.id, table.c.extracted)).all())
    assert back["credit"]["bill"]["total"] == "-623.52"
    assert back["credit"]["bill"]["line_items"][0]["amount"] == "-519.60"
    assert back["credit"]["bill"]["kind"] == "vendor_credit"
    assert back["invoice"]["bill"]["total"] == "119.00"
    assert back["invoice"]["review"]["corrections"] == {"po_number": "PO-9"}
    assert back["duplicate"]["duplicate_of"] == "b1"
    engine.dispose()
