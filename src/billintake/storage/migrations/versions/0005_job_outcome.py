"""the job keeps its outcome typed: ingest_jobs.extracted becomes ingest_jobs.outcome

Revision ID: 0005_job_outcome
Revises: 0004_jobs_unique_document
Create Date: 2026-12-03 09:00:00

The job used to store its bill as the JSON contract ({"bill": {...contract...}, "vendor_match",
"review_reasons", "duplicate_of", "review"}), which lost fields on the way to review and the
books. It now stores a `domain.outcome.JobOutcome`: the whole ExtractedBill (each field as
{"value", "confidence", "evidence"}), amounts as printed. Existing rows are rewritten to that
shape: a credit note's amounts, stored negative before, become the positive amounts it prints.
The conversion is written out here, not imported, so that this revision never changes.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0005_job_outcome'
down_revision = '0004_jobs_unique_document'
branch_labels = None
depends_on = None

CONTRACT_FIELDS = ("bill_number", "vendor_name", "bill_date", "due_date", "currency",
                   "subtotal", "tax", "total", "po_number", "vendor_tax_id")
AMOUNTS = frozenset({"subtotal", "tax", "total"})
MATCH_KEYS = ("vendor", "candidate", "runner_up", "score", "method", "ambiguous", "reason")
REVIEW_KEYS = ("decision", "at", "vendor_id", "corrections", "reason")

Row = dict[str, Any]


def upgrade() -> None:
    with op.batch_alter_table('ingest_jobs') as batch_op:
        batch_op.alter_column('extracted', new_column_name='outcome',
                              existing_type=sa.JSON(), existing_nullable=True)
    _rewrite(lambda stored, _filename: _outcome_of(stored))


def downgrade() -> None:
    _rewrite(_legacy_of)
    with op.batch_alter_table('ingest_jobs') as batch_op:
        batch_op.alter_column('outcome', new_column_name='extracted',
                              existing_type=sa.JSON(), existing_nullable=True)


def _rewrite(convert: Callable[[Row, str], Row]) -> None:
    jobs = sa.table('ingest_jobs', sa.column('id', sa.String), sa.column('outcome', sa.JSON),
                    sa.column('original_filename', sa.String))
    bind = op.get_bind()
    rows = bind.execute(sa.select(jobs.c.id, jobs.c.outcome, jobs.c.original_filename)).all()
    for job_id, stored, filename in rows:
        if isinstance(stored, dict):
            bind.execute(jobs.update().where(jobs.c.id == job_id)
                         .values(outcome=convert(stored, filename)))


# -- old shape → new ---------------------------------------------------------------------------


def _negated(value: Any) -> str | None:
    if value in (None, ""):
        return None
    number = Decimal(str(value))
    return str(-number if number else number)


def _outcome_of(stored: Row) -> Row:
    bill = stored.get("bill")
    match = stored.get("vendor_match")
    review = stored.get("review")
    return {
        "bill": _bill_of(bill) if isinstance(bill, dict) and bill else None,
        "vendor_match": {k: match[k] for k in MATCH_KEYS if k in match}
        if isinstance(match, dict) else None,
        "review_reasons": list(stored.get("review_reasons") or []),
        "duplicate_of": stored.get("duplicate_of"),
        "review": {k: review[k] for k in REVIEW_KEYS if k in review}
        if isinstance(review, dict) else None,
    }


def _bill_of(contract: Row) -> Row:
    """A contract object as an ExtractedBill's JSON; a credit note's amounts as printed."""
    if "file" not in contract:
        return contract  # already typed
    document_type = contract.get("document_type")
    total = contract.get("total")
    credit = document_type == "credit_note" or (
        document_type is None and total not in (None, "") and Decimal(str(total)) < 0)
    if credit:
        document_type = "credit_note"
    confidence: Row = contract.get("confidence") or {}
    evidence: Row = contract.get("evidence") or {}
    bill: Row = {}
    for name in (*CONTRACT_FIELDS, "document_type"):
        value = document_type if name == "document_type" else contract.get(name)
        if value in (None, ""):
            continue
        if name in AMOUNTS and credit:
            value = _negated(value)
        seen = evidence.get(name)
        bill[name] = {"value": value, "confidence": float(confidence.get(name, 0.0)),
                      "evidence": None if not seen else {
                          "source": seen.get("source") or "text", "page": seen.get("page"),
                          "bbox": seen.get("bbox"), "path": seen.get("path")}}

    def item_of(line: Row) -> Row:
        item = {key: line.get(key) for key in ("description", "quantity", "unit_price",
                                               "amount")}
        if credit:
            item["unit_price"], item["amount"] = (_negated(item["unit_price"]),
                                                  _negated(item["amount"]))
        return item

    bill["line_items"] = [item_of(line) for line in contract.get("line_items") or []
                          if line.get("description")]
    bill["warnings"] = list(contract.get("warnings") or [])
    sources = {seen.get("source") for seen in evidence.values() if isinstance(seen, dict)}
    bill["source"] = "xml" if "xml" in sources else "visual"
    return bill


# -- new shape → old (downgrade) ----------------------------------------------------------------


def _legacy_of(stored: Row, filename: str) -> Row:
    legacy: Row = {key: stored[key] for key in ("vendor_match", "duplicate_of", "review")
                   if stored.get(key) is not None}
    legacy["review_reasons"] = list(stored.get("review_reasons") or [])
    if isinstance(stored.get("bill"), dict):
        legacy["bill"] = _contract_of(stored["bill"], filename)
    return legacy


def _contract_of(bill: Row, filename: str) -> Row:
    """An ExtractedBill's JSON as the contract the old code stored (credit notes negative)."""
    if "file" in bill:
        return bill  # already the old shape
    document_type = (bill.get("document_type") or {}).get("value")
    credit = document_type == "credit_note"
    contract: Row = {"file": filename}
    confidence: Row = {}
    evidence: Row = {}
    for name in CONTRACT_FIELDS:
        field = bill.get(name)
        contract[name] = None if field is None else (
            _negated(field["value"]) if credit and name in AMOUNTS else field["value"])
        if field is not None:
            confidence[name] = field.get("confidence", 0.0)
            seen = field.get("evidence")
            if seen:
                evidence[name] = {"page": seen.get("page"), "bbox": seen.get("bbox"),
                                  "source": seen.get("source")}
    contract["line_items"] = [
        {"description": line.get("description"), "quantity": line.get("quantity"),
         "unit_price": _negated(line.get("unit_price")) if credit else line.get("unit_price"),
         "amount": _negated(line.get("amount")) if credit else line.get("amount")}
        for line in bill.get("line_items") or []]
    contract.update(confidence=confidence, evidence=evidence,
                    warnings=list(bill.get("warnings") or []), document_type=document_type,
                    kind="vendor_credit" if credit else "bill")
    return contract
