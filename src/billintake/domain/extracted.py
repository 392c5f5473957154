"""What extraction found on a bill: every field with its value, confidence and evidence."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from .amounts import Amount

T = TypeVar("T")

Source = Literal["text", "ocr", "xml", "review", "qr"]  # "review": a person typed the value;
# "qr": decoded from a payment QR code on the page (exact)


class Evidence(BaseModel):
    """Where a value was found: a page box (PDF points, origin top-left) or an XML path; or,
    from a reviewer's correction, a note saying so (and what was extracted before)."""

    model_config = ConfigDict(extra="forbid")

    source: Source
    page: int | None = None  # 1-based
    bbox: tuple[float, float, float, float] | None = None  # x0, top, x1, bottom
    path: str | None = None  # XPath, for source == "xml"
    text: str | None = None  # the raw text the value was read from
    label: str | None = None  # the label it was found by ("Invoice No.:"), if any
    why: list[str] | None = None  # why it won: its strongest features against the runner-up


class FieldValue(BaseModel, Generic[T]):
    """One extracted value with its confidence in 0..1 and its evidence."""

    model_config = ConfigDict(extra="forbid")

    value: T
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: Evidence | None = None


class ExtractedLineItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str
    quantity: Amount | None = None
    unit: str | None = None
    unit_price: Amount | None = None
    amount: Amount | None = None
    tax_rate: Amount | None = None
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    evidence: Evidence | None = None


class TaxLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rate: Amount | None = None
    basis: Amount | None = None
    amount: Amount


ReferenceType = Literal["scor", "qrr", "free"]  # ISO 11649 RF…, Swiss QR reference, free text


class PaymentData(BaseModel):
    """What paying the bill needs: the payee's account, the reference, the amount.

    Each value with its confidence and evidence; `qr` names the payment QR code the values
    came from ("epc" GiroCode, "spc" Swiss QR-bill), whose values are exact and win over print.
    """

    model_config = ConfigDict(extra="forbid")

    iban: FieldValue[str] | None = None
    bic: FieldValue[str] | None = None
    reference: FieldValue[str] | None = None
    reference_type: ReferenceType | None = None
    amount: FieldValue[Amount] | None = None
    currency: FieldValue[str] | None = None
    payee_name: FieldValue[str] | None = None
    qr: Literal["epc", "spc"] | None = None

    FIELDS: ClassVar[tuple[str, ...]] = ("iban", "bic", "reference", "amount", "currency",
                                         "payee_name")

    def value(self, name: str) -> Any:
        field = getattr(self, name)
        return None if field is None else field.value


DocumentType = Literal["invoice", "credit_note", "corrected_invoice", "receipt"]


# The fields a bill cannot be booked without: the auto-approve gate weighs their confidences.
BOOKING_FIELDS = ("bill_number", "vendor_name", "bill_date", "total")


class ExtractedBill(BaseModel):
    """Extraction's result. A field not found is None: unknown, never a guess."""

    model_config = ConfigDict(extra="forbid")

    document_type: FieldValue[DocumentType] | None = None
    bill_number: FieldValue[str] | None = None
    vendor_name: FieldValue[str] | None = None
    vendor_address: FieldValue[str] | None = None
    vendor_tax_id: FieldValue[str] | None = None
    vendor_registration_id: FieldValue[str] | None = None
    vendor_email: FieldValue[str] | None = None
    vendor_iban: FieldValue[str] | None = None
    buyer_name: FieldValue[str] | None = None
    buyer_tax_id: FieldValue[str] | None = None
    buyer_registration_id: FieldValue[str] | None = None
    buyer_address: FieldValue[str] | None = None
    buyer_email: FieldValue[str] | None = None
    bill_date: FieldValue[date] | None = None
    due_date: FieldValue[date] | None = None
    payment_terms: FieldValue[str] | None = None
    currency: FieldValue[str] | None = None
    po_number: FieldValue[str] | None = None
    contract_reference: FieldValue[str] | None = None
    preceding_invoice: FieldValue[str] | None = None
    subtotal: FieldValue[Amount] | None = None
    tax: FieldValue[Amount] | None = None
    tax_lines: list[TaxLine] = Field(default_factory=list)
    shipping: FieldValue[Amount] | None = None
    discount: FieldValue[Amount] | None = None
    total: FieldValue[Amount] | None = None
    amount_due: FieldValue[Amount] | None = None
    line_items: list[ExtractedLineItem] = Field(default_factory=list)
    payment: PaymentData | None = None
    warnings: list[str] = Field(default_factory=list)
    # Set when a person must look before booking whatever the confidences say (e.g. an
    # e-invoice that breaks its schema or business rules).
    needs_review: bool = False
    reconciled: bool = False
    # Fields not found that the vendor's approved bills were approved without (its memory;
    # a bill number only where none of them had one): missing as expected
    not_printed: list[str] = Field(default_factory=list)
    source: Literal["visual", "xml"] = "visual"
    einvoice_format: str | None = None

    HEADER_FIELDS: ClassVar[tuple[str, ...]] = (
        "bill_number", "vendor_name", "bill_date", "due_date", "currency",
        "subtotal", "tax", "total", "po_number", "vendor_tax_id",
    )

    def field_values(self) -> dict[str, FieldValue[Any]]:
        """The header fields that were found, by name."""
        found: dict[str, FieldValue[Any]] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, FieldValue):
                found[name] = value
        return found

    def value(self, name: str) -> Any:
        field = getattr(self, name)
        return None if field is None else field.value

    def nothing_to_reconcile(self) -> bool:
        """A total alone (or with a zero tax), as the vendor's approved bills had it
        (`not_printed`): no amounts to add up, none that contradict."""
        return total_alone(self.value("subtotal"), self.value("tax"), self.not_printed)

    def arithmetic_disagreement(self) -> str | None:
        """Why the bill's own amounts contradict each other, or None: subtotal + tax
        (+ shipping − discount) against the total, when all three are given; the line items'
        sum against both subtotal and total, when every line has an amount."""
        total, subtotal, tax = self.value("total"), self.value("subtotal"), self.value("tax")
        cent = Decimal("0.01")
        if total is not None and subtotal is not None and tax is not None:
            made = subtotal + tax + (self.value("shipping") or 0) - abs(self.value("discount") or 0)
            if abs(made - total) > cent and abs(subtotal + tax - total) > cent and not (
                    cash_rounded(total, subtotal + tax) and self._lines_make(subtotal)):
                return f"subtotal {subtotal} + tax {tax} is not the total {total}"
        items = lines_sum(self.line_items)
        if total is not None and items is not None and subtotal is not None and all(
                abs(items - v) > cent for v in (subtotal, total)):
            return f"the lines add up to {items}, neither the subtotal nor the total"
        return None

    def _lines_make(self, amount: Decimal) -> bool:
        """Whether the line items, each with an amount, add up to `amount` (to the cent): a
        cash rounding is then booked as a line of its own (`books.charge_lines`)."""
        items = lines_sum(self.line_items)
        return items is not None and abs(items - amount) <= Decimal("0.01")

    def min_confidence(self, names: tuple[str, ...] = BOOKING_FIELDS) -> float:
        """The lowest confidence among the fields a bill cannot be booked without (0 if missing,
        unless the vendor's bills never print it: `not_printed`)."""
        return min(self._weighed(names), default=0.0)

    def joint_confidence(self, names: tuple[str, ...] = BOOKING_FIELDS) -> float:
        """The probability that every field a bill cannot be booked without is right: the
        product of their calibrated probabilities (0 if one is missing, unless the vendor's
        bills never print it: `not_printed`). A bill is booked whole, so this, not its weakest
        field alone, is what the auto-approve gate weighs."""
        return math.prod(self._weighed(names))

    def _weighed(self, names: tuple[str, ...]) -> list[float]:
        """Each field's confidence, 0 for one missing; none for one the vendor's bills lack."""
        return [0.0 if field is None else field.confidence for name in names
                if (field := getattr(self, name)) is not None or name not in self.not_printed]


def total_alone(subtotal: Decimal | None, tax: Decimal | None, unprinted: Collection[str]
                ) -> bool:
    """No amounts beside the total to add up: no subtotal and no tax (or a zero one), where
    the vendor's bills lack them (`unprinted`: `VendorMemory.unprinted`)."""
    return subtotal is None and "subtotal" in unprinted and (
        (tax is None and "tax" in unprinted) or tax == 0)


def lines_sum(items: Sequence[ExtractedLineItem]) -> Decimal | None:
    """The line items' sum, when there are lines and every one has an amount; else None."""
    amounts = [item.amount for item in items]
    if not amounts or any(a is None for a in amounts):
        return None
    return sum((a for a in amounts if a is not None), Decimal(0))


# The most a total rounded to 5 cents for cash payment differs from the sum it rounds (a
# till's "ROUNDING ADJ": Malaysia, Switzerland, the Nordics round cash totals to 0.05).
CASH_ROUNDING = Decimal("0.04")


def cash_rounded(total: Decimal, made: Decimal) -> bool:
    """Whether `total` is `made` rounded to 5 cents for cash payment (not `made` itself)."""
    return (total * 100) % 5 == 0 and 0 < abs(made - total) <= CASH_ROUNDING


def decimal_str(value: Decimal | None) -> str | None:
    """Decimal to the contract's string form ("1234.50"), keeping the given precision."""
    return None if value is None else format(value, "f")
