"""How a document is booked: its kind from the document type (or a total printed negative),
and the factor from printed amounts to booked ones."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billintake.domain.kinds import BillKind, booking_kind, booking_sign

D = Decimal


@pytest.mark.parametrize(("document_type", "total", "kind"), [
    ("invoice", D("119.00"), BillKind.BILL),
    ("receipt", D("9.50"), BillKind.BILL),
    ("corrected_invoice", D("10.00"), BillKind.BILL),
    (None, D("10.00"), BillKind.BILL),
    ("credit_note", D("59.50"), BillKind.VENDOR_CREDIT),
    ("credit_note", D("-59.50"), BillKind.VENDOR_CREDIT),
    ("credit_note", None, BillKind.VENDOR_CREDIT),
    ("invoice", D("-20.00"), BillKind.VENDOR_CREDIT),  # a credit, whatever its title says
])
def test_the_kind_follows_the_document_type_or_a_negative_total(
        document_type: str | None, total: Decimal | None, kind: BillKind) -> None:
    assert booking_kind(document_type, total) is kind


def test_each_kind_has_the_sign_the_books_keep_its_amounts_in() -> None:
    assert (BillKind.BILL.sign, BillKind.VENDOR_CREDIT.sign) == (1, -1)


@pytest.mark.parametrize(("kind", "total", "sign"), [
    (BillKind.BILL, D("119.00"), 1),
    (BillKind.VENDOR_CREDIT, D("59.50"), -1),   # printed positive: booked negative
    (BillKind.VENDOR_CREDIT, D("-59.50"), 1),   # printed with its minus: already signed
    (BillKind.VENDOR_CREDIT, None, -1),
    (BillKind.BILL, D("-5.00"), 1),             # a bill is booked as printed (and refused)
])
def test_the_sign_turns_printed_amounts_into_booked_ones(
        kind: BillKind, total: Decimal | None, sign: int) -> None:
    booked = booking_sign(kind, total)
    assert booked == sign and isinstance(booked, Decimal)
    if total is not None and kind is BillKind.VENDOR_CREDIT:
        assert total * booked < 0
