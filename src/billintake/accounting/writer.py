"""One interface to every accounting system: the `AccountingWriter` protocol and its registry.

A writer speaks the unified model (`domain.model` Vendor, Account, Bill, BillPayment) in the
*backend's* ids: every object it returns carries the backend's id in `id` and in
`external_id` (a Vendor in `external_ids[backend]`), and every id passed in
(`NewBill.vendor_id`, a line's `account_id`, `NewPayment.bill_id`, ...) is one the same
writer returned. The service layer keeps the mapping
between its own rows and the backend's ids.

Writes are idempotent: each carries a key, the caller's (the service keeps one per write
attempt-family with the bill, see `services.books`) or else one derived from what it writes
(the `*_key` helpers); a second write with the same key returns the first result and writes
nothing. A writer checks the key *before* validating a payment against the open balance, so the
retry of a payment that settled the bill still returns that payment. A write whose result is
unknown raises `AccountingBackendError(indeterminate=True)`; `find_bill` looks for it.

Tax is booked by rate: `NewBill.tax_lines` (the printed tax per rate) and each line's
`tax_rate`; a bill the backend cannot book as printed raises `NeedsReview`, never plugs.

Backends are modules exposing `open_writer(context: WriterContext) -> AccountingWriter`,
registered in `accounting.backends` and chosen per organization connection by `get_writer`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from billintake.domain.currency import CurrencyCode
from billintake.domain.errors import PaymentRejected
from billintake.domain.model import (
    Account,
    AccountClass,
    Amount,
    Bill,
    BillHeader,
    BillKind,
    BillPayment,
    BillStatus,
    StrictAmount,
    Vendor,
)
from billintake.domain.text import normalize_identifier

if TYPE_CHECKING:
    import httpx
    from sqlalchemy.orm import Session

    from billintake.settings import Settings

# ---------------------------------------------------------------------------------------------
# Data shapes going in
# ---------------------------------------------------------------------------------------------


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class NewVendor(_Spec):
    """A vendor to create in the accounting system."""

    name: str = Field(min_length=1, max_length=300)
    tax_id: str | None = None
    email: str | None = None
    iban: str | None = None
    address: str | None = None
    reference: str | None = None  # the caller's own id for this vendor, stored when possible
    currency: CurrencyCode | None = None  # the currency the vendor bills in (its first bill's)

    def idempotency_key(self, organization_id: str) -> str:
        return vendor_key(organization_id, self)


class NewBillLine(_Spec):
    """One line of a bill; `account_id` None books it to the backend's default expense account."""

    description: str = Field(min_length=1, max_length=2000)
    amount: StrictAmount
    account_id: str | None = None
    quantity: StrictAmount = Decimal(1)
    unit_price: StrictAmount | None = None
    tax_rate: StrictAmount | None = None  # percent; the bill's one rate when None

    @field_validator("amount")
    @classmethod
    def _booked(cls, value: Decimal) -> Decimal:
        if value == 0:
            raise ValueError("a line of zero books nothing (a heading is not a line)")
        return value


class NewTaxLine(_Spec):
    """The tax at one rate, as printed: `amount` of tax on a net `basis`."""

    rate: StrictAmount | None = None  # percent; None when the bill does not print it
    amount: StrictAmount
    basis: StrictAmount | None = None


def rate_key(rate: Decimal) -> str:
    """A tax rate as the key of a mapping and the name of an account: 19.00 -> "19"."""
    return canonical_amount(rate)


class DocumentRef(_Spec):
    """The stored original behind a bill: what a writer attaches to it."""

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    filename: str = Field(min_length=1)
    media_type: str = "application/pdf"
    path: Path  # where the original is stored (OriginalsStore.path(sha256))

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()


class NewBill(_Spec, BillHeader):
    """A bill (or, with kind VENDOR_CREDIT and negative amounts, a credit note) to book.

    The lines (net amounts) plus `tax` must add up to `total`, and the `tax_lines` (the tax
    per rate) to `tax`; with no lines the net amount (`total - tax`) goes to the default
    expense account, one line per rate when the tax lines give their net bases.
    """

    vendor_id: str  # the backend's vendor id
    total: StrictAmount
    tax: StrictAmount | None = None
    tax_lines: tuple[NewTaxLine, ...] = ()
    lines: tuple[NewBillLine, ...] = ()
    memo: str | None = None
    po_number: str | None = None
    reference: str | None = None  # the caller's own id for this bill, stored when possible
    payment_reference: str | None = None  # what the payer quotes (RF…, QR reference, text)


    @model_validator(mode="after")
    def _rules(self) -> NewBill:
        sign = self.kind.sign
        if self.total * sign <= 0:
            expected = "negative" if sign < 0 else "positive"
            raise ValueError(f"total must be {expected} for a {self.kind.value}")
        if self.due_date is not None and self.due_date < self.bill_date:
            raise ValueError("due_date is before bill_date")
        if self.lines:
            booked = sum((line.amount for line in self.lines), Decimal(0)) + (self.tax or 0)
            if booked != self.total:
                raise ValueError(
                    f"lines plus tax add up to {booked}, not to the total {self.total}"
                )
        if self.tax_lines:
            taxed = sum((t.amount for t in self.tax_lines), Decimal(0))
            if taxed != (self.tax or 0):
                raise ValueError(f"tax_lines add up to {taxed}, not to the tax {self.tax or 0}")
        return self

    @property
    def net(self) -> Decimal:
        return self.total - (self.tax or Decimal(0))

    def net_lines(self) -> tuple[NewBillLine, ...]:
        """The lines to book against expense accounts: the given ones; else one per rate when
        the tax lines' bases make up the net, else one line of the whole net."""
        if self.lines:
            return self.lines
        label = self.memo or f"Bill {self.bill_number}"
        bases = [t.basis for t in self.tax_lines]
        if len(self.tax_lines) > 1 and all(b for b in bases) and \
                sum((b or Decimal(0) for b in bases), Decimal(0)) == self.net:
            return tuple(NewBillLine(description=f"{label}, net at {rate_key(t.rate)} %"
                                     if t.rate is not None else label,
                                     amount=t.basis or Decimal(0), tax_rate=t.rate)
                         for t in self.tax_lines)
        return (NewBillLine(description=label, amount=self.net, tax_rate=self.only_rate()),)

    def only_rate(self) -> Decimal | None:
        """The bill's tax rate when it prints exactly one."""
        rates = {t.rate for t in self.tax_lines}
        return next(iter(rates)) if len(rates) == 1 else None

    def rate_of(self, line: NewBillLine) -> Decimal | None:
        """A line's tax rate: its own, else the bill's one rate."""
        return line.tax_rate if line.tax_rate is not None else self.only_rate()

    def tax_by_rate(self) -> dict[Decimal | None, Decimal]:
        """The printed tax per rate (None: a tax whose rate the bill does not print)."""
        if not self.tax_lines:
            return {None: self.tax} if self.tax else {}
        out: dict[Decimal | None, Decimal] = {}
        for line in self.tax_lines:
            out[line.rate] = out.get(line.rate, Decimal(0)) + line.amount
        return {rate: amount for rate, amount in out.items() if amount}

    def idempotency_key(self, organization_id: str) -> str:
        return bill_key(organization_id, self)


class NewPayment(_Spec):
    """A payment (possibly partial) against a bill; `account_id` None pays from the default bank."""

    bill_id: str  # the backend's bill id
    amount: StrictAmount = Field(gt=0)
    currency: CurrencyCode
    payment_date: date
    account_id: str | None = None
    reference: str | None = None


    def idempotency_key(self, organization_id: str) -> str:
        return payment_key(organization_id, self)


# ---------------------------------------------------------------------------------------------
# Data shapes coming out (besides the domain models)
# ---------------------------------------------------------------------------------------------


class BillBalance(_Spec):
    """What is still owed on a bill, derived from its payments."""

    bill_id: str
    currency: str
    total: Amount
    paid: Amount
    open_balance: Amount
    status: BillStatus


class TaxRate(_Spec):
    """A tax rate (tax code) of the accounting system, for lines that must name one."""

    id: str
    name: str
    rate: Decimal | None = None  # percent
    code: str | None = None
    purchases: bool = True  # usable on bills (purchases)


class WriteReceipt(_Spec):
    """The system's references for the last write: its job id and request id, if it gave any."""

    job_id: str | None = None
    request_id: str | None = None


class Attachment(_Spec):
    """A document attached to a bill in the accounting system."""

    id: str
    bill_id: str
    filename: str
    sha256: str | None = None
    uri: str | None = None  # where the backend keeps it (path, URL), if it says


# ---------------------------------------------------------------------------------------------
# The protocol
# ---------------------------------------------------------------------------------------------


@runtime_checkable
class AccountingWriter(Protocol):
    """What every accounting backend does. Errors: `NotFound` for an unknown id,
    `PaymentRejected` for a payment that cannot apply, `ValidationFailed` for bad input,
    `AccountingBackendError` (retryable or not) when the system fails."""

    backend: str  # "ledger", "beancount", "rutter"
    last_receipt: WriteReceipt | None  # the references of the last write, if the system gives any

    def list_accounts(self) -> list[Account]: ...

    def list_vendors(self) -> list[Vendor]: ...

    def find_vendor(
        self,
        *,
        name: str | None = None,
        tax_id: str | None = None,
        email: str | None = None,
        iban: str | None = None,
    ) -> Vendor | None:
        """Exact lookup: tax id, then IBAN, then email, then name (case-insensitive)."""
        ...

    def create_vendor(self, vendor: NewVendor, *, idempotency_key: str | None = None) -> Vendor:
        ...

    def list_bills(self, *, vendor_id: str | None = None) -> list[Bill]: ...

    def get_bill(self, bill_id: str) -> Bill: ...

    def find_bill(self, *, vendor_id: str, bill_number: str,
                  kind: BillKind = BillKind.BILL) -> Bill | None:
        """The bill (or credit) of this vendor with this document number, if it is booked: how
        a write whose result was lost is looked for before it is sent again."""
        ...

    def list_tax_rates(self) -> list[TaxRate]:
        """The tax rates lines can name (empty for books that keep tax by rate themselves)."""
        ...

    def create_bill(self, bill: NewBill, *, idempotency_key: str | None = None) -> Bill:
        """Book a bill (or a vendor credit) as a payable; returns it with status OPEN."""
        ...

    def attach_document(self, bill_id: str, document: DocumentRef) -> Attachment:
        """Attach the original to a bill; attaching the same sha256 again returns the first."""
        ...

    def list_attachments(self, bill_id: str) -> list[Attachment]: ...

    def create_bill_payment(
        self, payment: NewPayment, *, idempotency_key: str | None = None
    ) -> BillPayment: ...

    def get_bill_balance(self, bill_id: str) -> BillBalance: ...


# ---------------------------------------------------------------------------------------------
# Idempotency keys
# ---------------------------------------------------------------------------------------------


def canonical_amount(value: Decimal) -> str:
    """The same string for equal amounts whatever their exponent ("100", "100.00" -> "100")."""
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", "0"} else text


def idempotency_key(kind: str, *parts: object) -> str:
    """A 32-hex-character key from the parts that identify a write."""
    text = "\x1f".join([kind, *("" if p is None else str(p) for p in parts)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def vendor_key(organization_id: str, vendor: NewVendor) -> str:
    return idempotency_key("vendor", organization_id, vendor.name.casefold(),
                           normalize_identifier(vendor.tax_id))


def bill_key(organization_id: str, bill: NewBill) -> str:
    return idempotency_key("bill", organization_id, bill.vendor_id, bill.kind.value,
                           bill.bill_number.strip().casefold(), canonical_amount(bill.total),
                           bill.currency)


def payment_key(organization_id: str, payment: NewPayment) -> str:
    return idempotency_key("payment", organization_id, payment.bill_id,
                           canonical_amount(payment.amount), payment.currency,
                           payment.payment_date.isoformat(), payment.reference or "")


# ---------------------------------------------------------------------------------------------
# Rules every backend applies the same way
# ---------------------------------------------------------------------------------------------


def status_for(kind: BillKind, total: Decimal, paid: Decimal) -> BillStatus:
    """OPEN, PARTIALLY_PAID or PAID from what has been paid against the total."""
    if kind is BillKind.VENDOR_CREDIT:
        return BillStatus.OPEN
    if paid <= 0:
        return BillStatus.OPEN
    return BillStatus.PAID if paid >= total else BillStatus.PARTIALLY_PAID


def make_balance(bill_id: str, kind: BillKind, currency: str, total: Decimal,
                 paid: Decimal) -> BillBalance:
    return BillBalance(bill_id=bill_id, currency=currency, total=total, paid=paid,
                       open_balance=total - paid, status=status_for(kind, total, paid))


def check_payment(bill: Bill, balance: BillBalance, payment: NewPayment) -> None:
    """Refuse a payment on a credit note, in another currency, or above the open balance."""
    if bill.kind is BillKind.VENDOR_CREDIT:
        raise PaymentRejected(
            f"bill {bill.bill_number} is a vendor credit; it is applied, not paid", field="bill_id"
        )
    if payment.currency != balance.currency:
        raise PaymentRejected(
            f"payment currency {payment.currency} differs from the bill's {balance.currency}",
            field="currency",
        )
    if payment.amount > balance.open_balance:
        raise PaymentRejected(
            f"payment of {payment.amount} {payment.currency} is above the open balance of "
            f"{balance.open_balance} {balance.currency} on bill {bill.bill_number}",
            field="amount",
        )


def find_in(
    vendors: list[Vendor],
    *,
    name: str | None = None,
    tax_id: str | None = None,
    email: str | None = None,
    iban: str | None = None,
) -> Vendor | None:
    """`AccountingWriter.find_vendor` over a list: tax id, IBAN, email, then name."""
    tax, acct = normalize_identifier(tax_id), normalize_identifier(iban)
    mail = email.strip().casefold() if email else None
    label = name.strip().casefold() if name else None
    for wanted, get in (
        (tax, lambda v: normalize_identifier(v.tax_id)),
        (acct, lambda v: normalize_identifier(v.iban)),
        (mail, lambda v: v.email.strip().casefold() if v.email else None),
        (label, lambda v: v.name.strip().casefold()),
    ):
        if wanted:
            for vendor in vendors:
                if get(vendor) == wanted:
                    return vendor
    return None


class WriterBase:
    """What every backend does the same way: finds a vendor in its own list of vendors, and
    keys each write."""

    organization_id: str
    last_receipt: WriteReceipt | None = None

    def list_vendors(self) -> list[Vendor]:
        raise NotImplementedError

    def list_bills(self, *, vendor_id: str | None = None) -> list[Bill]:
        raise NotImplementedError

    def find_bill(self, *, vendor_id: str, bill_number: str,
                  kind: BillKind = BillKind.BILL) -> Bill | None:
        wanted = bill_number.strip().casefold()
        return next((b for b in self.list_bills(vendor_id=vendor_id)
                     if b.kind is kind and b.bill_number.strip().casefold() == wanted), None)

    def list_tax_rates(self) -> list[TaxRate]:
        return []

    def find_vendor(self, *, name: str | None = None, tax_id: str | None = None,
                    email: str | None = None, iban: str | None = None) -> Vendor | None:
        return find_in(self.list_vendors(), name=name, tax_id=tax_id, email=email, iban=iban)

    def _key(self, spec: NewVendor | NewBill | NewPayment, given: str | None) -> str:
        """A write's idempotency key: the caller's, else the one made from what it writes."""
        return given or spec.idempotency_key(self.organization_id)


# ---------------------------------------------------------------------------------------------
# Connections and the backend registry
# ---------------------------------------------------------------------------------------------

BACKENDS = ("ledger", "beancount", "rutter")



class Connection(BaseModel):
    """An organization's accounting connection: a backend, its settings and its secrets.

    `options` are plain settings (a beancount file path, default accounts...); `secrets`
    (tokens) are SecretStr and never appear in a repr, a log line or an API response.
    """

    model_config = ConfigDict(extra="forbid")

    backend: str = "ledger"
    options: dict[str, Any] = Field(default_factory=dict)
    secrets: dict[str, SecretStr] = Field(default_factory=dict)

    @field_validator("backend")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in BACKENDS:
            raise ValueError(f"unknown accounting backend {v!r} (one of {', '.join(BACKENDS)})")
        return v

    def secret(self, name: str) -> str | None:
        value = self.secrets.get(name)
        return None if value is None else value.get_secret_value()

    def public(self) -> dict[str, Any]:
        """What the API may show: backend, options and the *names* of the secrets set."""
        return {"backend": self.backend, "options": dict(self.options),
                "secrets_set": sorted(self.secrets)}


@dataclass
class WriterContext:
    """Everything a backend may need to open a writer for one organization."""

    organization_id: str
    connection: Connection
    settings: Settings | None = None
    session: Session | None = None  # the embedded ledger's database session
    http_client: httpx.Client | None = None  # for HTTP backends (tests inject a fake server)
    extra: dict[str, Any] = field(default_factory=dict)


__all__ = [
    "BACKENDS",
    "AccountClass",
    "AccountingWriter",
    "Attachment",
    "BillBalance",
    "Connection",
    "DocumentRef",
    "NewBill",
    "NewBillLine",
    "NewPayment",
    "NewTaxLine",
    "NewVendor",
    "TaxRate",
    "WriteReceipt",
    "WriterBase",
    "WriterContext",
    "bill_key",
    "canonical_amount",
    "check_payment",
    "find_in",
    "idempotency_key",
    "make_balance",
    "payment_key",
    "rate_key",
    "status_for",
    "vendor_key",
]
