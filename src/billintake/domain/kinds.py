"""How a document is booked — as a bill or as a vendor credit — and the sign its amounts take.

Decided here and nowhere else. Extraction keeps every amount as printed (a credit note's total
is positive, as in its XML and on its page) and says in `document_type` what the document is;
the books (and review) take the kind and the sign from the functions below.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from .extracted import ExtractedBill


class BillKind(StrEnum):
    """How a document goes into the books."""

    BILL = "bill"
    VENDOR_CREDIT = "vendor_credit"

    @property
    def sign(self) -> int:
        """The sign the books keep its amounts in: 1 for a bill, -1 for a vendor credit."""
        return -1 if self is BillKind.VENDOR_CREDIT else 1


CREDITING_DOCUMENTS = frozenset({"credit_note"})


def booking_kind(document_type: str | None, printed_total: Decimal | None = None) -> BillKind:
    """VENDOR_CREDIT for a credit note, or for any document whose total is printed negative
    (a credit however it is titled); BILL for everything else."""
    if document_type in CREDITING_DOCUMENTS or (printed_total is not None and printed_total < 0):
        return BillKind.VENDOR_CREDIT
    return BillKind.BILL


def booking_sign(kind: BillKind, printed_total: Decimal | None) -> Decimal:
    """The factor from printed amounts to booked ones: the kind's `sign`, unless the printed
    total already carries a minus.

    A vendor credit printed positive (as credit notes and EN 16931 print them) is negated, one
    printed with minus signs is already signed. A bill is booked as printed.
    """
    printed_signed = printed_total is not None and printed_total < 0
    return Decimal(1) if printed_signed else Decimal(kind.sign)


def kind_of(bill: ExtractedBill) -> BillKind:
    """How an extracted bill is booked, from its document type and printed total."""
    return booking_kind(bill.value("document_type"), bill.value("total"))
