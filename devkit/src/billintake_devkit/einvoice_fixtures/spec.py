"""The content of a generated e-invoice, independent of its syntax."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Party:
    name: str
    street: str
    postcode: str
    city: str
    country: str
    vat_id: str | None = None
    registration_id: str | None = None
    email: str | None = None

    @property
    def address(self) -> str:
        return f"{self.street}, {self.postcode} {self.city}, {self.country}"


@dataclass(frozen=True)
class Line:
    name: str
    quantity: Decimal
    unit: str  # UN/ECE Recommendation 20 code
    price: Decimal  # net price for `base_quantity` units
    rate: Decimal = Decimal("19")
    category: str = "S"
    base_quantity: Decimal = Decimal("1")

    @property
    def unit_price(self) -> Decimal:
        return self.price / self.base_quantity

    @property
    def amount(self) -> Decimal:
        return money(self.quantity * self.unit_price)


@dataclass(frozen=True)
class TaxBreakdown:
    category: str
    rate: Decimal
    basis: Decimal
    amount: Decimal


@dataclass(frozen=True)
class InvoiceSpec:
    """One invoice or credit note; every total is computed the EN 16931 way."""

    number: str
    issue_date: date
    seller: Party
    buyer: Party
    lines: tuple[Line, ...]
    currency: str = "EUR"
    type_code: str = "380"
    due_date: date | None = None
    payment_terms: str | None = None
    iban: str | None = None
    bic: str | None = None  # the payee's bank (EN 16931 profiles and up)
    payment_reference: str | None = None  # what the payer quotes (default: the number)
    po_number: str | None = None
    contract: str | None = None
    preceding_invoice: str | None = None
    preceding_date: date | None = None
    prepaid: Decimal = Decimal("0")
    buyer_reference: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_credit_note(self) -> bool:
        return self.type_code == "381"

    @property
    def line_total(self) -> Decimal:
        return sum((li.amount for li in self.lines), Decimal("0.00"))

    @property
    def tax_breakdown(self) -> list[TaxBreakdown]:
        groups: dict[tuple[str, Decimal], Decimal] = defaultdict(lambda: Decimal("0.00"))
        for li in self.lines:
            groups[(li.category, li.rate)] += li.amount
        return [TaxBreakdown(cat, rate, basis, money(basis * rate / 100))
                for (cat, rate), basis in sorted(groups.items(), key=lambda kv: -kv[0][1])]

    @property
    def tax_total(self) -> Decimal:
        return sum((t.amount for t in self.tax_breakdown), Decimal("0.00"))

    @property
    def grand_total(self) -> Decimal:
        return self.line_total + self.tax_total

    @property
    def due_payable(self) -> Decimal:
        return self.grand_total - self.prepaid
