"""How an extracted document is booked: a credit note is a vendor credit, not a bill."""

from __future__ import annotations

from billintake.domain.extracted import ExtractedBill
from billintake.domain.model import BillKind


def bill_kind(extracted: ExtractedBill) -> BillKind:
    """VENDOR_CREDIT for a credit note (its amounts are already negative), else BILL."""
    if extracted.value("document_type") == "credit_note":
        return BillKind.VENDOR_CREDIT
    return BillKind.BILL
