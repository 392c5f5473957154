"""How an extracted document is booked: a credit note is a vendor credit, not a bill."""

from __future__ import annotations

from billintake.domain.extracted import ExtractedBill
from billintake.domain.model import BillKind


def bill_kind(extracted: ExtractedBill) -> BillKind:
    """VENDOR_CREDIT for a credit note (its amounts are negative) or a negative total, else
    BILL — the rule `accounting.service.bill_input_from` books by."""
    total = extracted.value("total")
    if extracted.value("document_type") == "credit_note" or (total is not None and total < 0):
        return BillKind.VENDOR_CREDIT
    return BillKind.BILL
