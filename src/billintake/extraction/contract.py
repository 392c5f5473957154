"""The JSON contract of `billintake extract --jsonl` and of the API's extracted body.

Made only at these edges, from the typed `ExtractedBill`. Amounts are as printed (a credit
note's positive); `document_type` says what the document is.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from billintake.domain.extracted import (
    Evidence,
    ExtractedBill,
    ExtractedLineItem,
    FieldValue,
    PaymentData,
    decimal_str,
)
from billintake.domain.kinds import kind_of
from billintake.domain.outcome import JobOutcome

CONTRACT_FIELDS = ("bill_number", "vendor_name", "bill_date", "due_date", "currency",
                   "subtotal", "tax", "total", "po_number", "vendor_tax_id")


def to_contract(extracted: ExtractedBill, file: str) -> dict[str, Any]:
    """One bill as the contract's JSON object (keys in the documented order).

    Dates are ISO strings, amounts decimal strings ("1234.50"), unknown values null;
    `confidence` and `evidence` cover the fields that were found.
    """
    body: dict[str, Any] = {"file": file}
    confidence, evidence = _fields(extracted, CONTRACT_FIELDS, body)
    body["line_items"] = [_line_item(item) for item in extracted.line_items]
    body["confidence"] = confidence
    body["evidence"] = evidence
    body["warnings"] = list(extracted.warnings)
    body["document_type"] = extracted.value("document_type")
    body["payment"] = payment_contract(extracted.payment)
    order = ["file", "bill_number", "vendor_name", "bill_date", "due_date", "currency",
             "subtotal", "tax", "total", "line_items", "po_number", "vendor_tax_id",
             "confidence", "evidence", "warnings", "document_type", "payment"]
    return {key: body[key] for key in order}


def payment_contract(payment: PaymentData | None) -> dict[str, Any] | None:
    """The bill's payment data: `iban`, `bic`, `reference` (with `reference_type`: scor, qrr or
    free), `amount`, `currency`, `payee_name` (null when unknown), `qr` (the payment code
    read: epc, spc or null) and, like the bill, `confidence` and `evidence` of what was found."""
    if payment is None:
        return None
    body: dict[str, Any] = {}
    confidence, evidence = _fields(payment, PaymentData.FIELDS, body)
    body["reference_type"] = payment.reference_type
    body["qr"] = payment.qr
    body["confidence"] = confidence
    body["evidence"] = evidence
    return body


def _fields(source: ExtractedBill | PaymentData, names: tuple[str, ...], body: dict[str, Any]
            ) -> tuple[dict[str, float], dict[str, dict[str, Any]]]:
    """Put each named field's plain value (null when not found) into `body`; return the
    confidence and the evidence of the fields found."""
    confidence: dict[str, float] = {}
    evidence: dict[str, dict[str, Any]] = {}
    for name in names:
        field: FieldValue[Any] | None = getattr(source, name)
        body[name] = None if field is None else _plain(field.value)
        if field is not None:
            confidence[name] = field.confidence
            if field.evidence is not None:
                evidence[name] = _evidence(field.evidence)
    return confidence, evidence


def _evidence(evidence: Evidence) -> dict[str, Any]:
    shown: dict[str, Any] = {"page": evidence.page,
                             "bbox": list(evidence.bbox) if evidence.bbox else None,
                             "source": evidence.source}
    if evidence.path:
        shown["path"] = evidence.path
    return shown


def outcome_contract(outcome: JobOutcome | None, file: str) -> dict[str, Any]:
    """A job's outcome as the API and review show it: the bill in the contract plus the `kind`
    it is booked as (bill or vendor_credit), the vendor match, the reasons, the duplicate."""
    outcome = outcome or JobOutcome()
    bill: dict[str, Any] | None = None
    if outcome.bill is not None:
        bill = to_contract(outcome.bill, file)
        bill["kind"] = kind_of(outcome.bill).value
    match = outcome.vendor_match
    return {"bill": bill, "vendor_match": None if match is None else match.model_dump(mode="json"),
            "review_reasons": list(outcome.review_reasons), "duplicate_of": outcome.duplicate_of}


def error_contract(file: str, message: str) -> dict[str, Any]:
    """The object for a file that could not be read or extracted."""
    return {"file": file, "error": message}


def _line_item(item: ExtractedLineItem) -> dict[str, str | None]:
    return {"description": item.description, "quantity": decimal_str(item.quantity),
            "unit_price": decimal_str(item.unit_price), "amount": decimal_str(item.amount)}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
