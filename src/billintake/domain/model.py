"""The domain: organizations, vendors, accounts, bills, payments, documents and ingest jobs.

Plain pydantic values with their rules; no I/O. Money is `Decimal` with an ISO 4217 currency.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .amounts import Amount, StrictAmount
from .currency import CurrencyCode
from .extracted import TaxLine
from .kinds import BillKind
from .outcome import JobOutcome


def new_id() -> str:
    """A new random identifier (32 hex characters)."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class DomainModel(BaseModel):
    model_config = ConfigDict(validate_assignment=True, extra="forbid", str_strip_whitespace=True)


class Money(DomainModel):
    """An amount in one currency."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: StrictAmount
    currency: CurrencyCode



class Organization(DomainModel):
    """A business using the service; every other object belongs to exactly one."""

    id: str = Field(default_factory=new_id)
    name: str = Field(min_length=1, max_length=200)
    slug: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
    created_at: datetime = Field(default_factory=utcnow)


class Vendor(DomainModel):
    """Someone who sends the organization bills."""

    id: str = Field(default_factory=new_id)
    organization_id: str
    name: str = Field(min_length=1, max_length=300)
    aliases: list[str] = Field(default_factory=list)
    tax_id: str | None = None
    email: str | None = None
    address: str | None = None
    iban: str | None = None
    external_ids: dict[str, str] = Field(default_factory=dict)
    # backend -> the account (its id in those books) the vendor's bill lines are booked to
    expense_accounts: dict[str, str] = Field(default_factory=dict)

    @field_validator("expense_accounts", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        return {} if value is None else value

    # The other IBANs a person confirmed for the vendor besides `iban` (the one paid now).
    bank_accounts: list[str] = Field(default_factory=list)

    @field_validator("bank_accounts", mode="before")
    @classmethod
    def _no_accounts(cls, value: object) -> object:
        return [] if value is None else value

    def known_accounts(self) -> list[str]:
        """Every IBAN known for the vendor (compact, upper case): `iban`, then the others."""
        found = [self.iban, *self.bank_accounts]
        return list(dict.fromkeys(re.sub(r"\s", "", a).upper() for a in found if a))

    def with_account(self, iban: str) -> Vendor:
        """The vendor paid at `iban` from now on, its former IBAN still known."""
        known = [a for a in self.known_accounts() if a != re.sub(r"\s", "", iban).upper()]
        return self.model_copy(update={"iban": iban, "bank_accounts": known})


class AccountClass(StrEnum):
    ASSET = "asset"
    BANK = "bank"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"


class Account(DomainModel):
    """One entry of the chart of accounts."""

    id: str = Field(default_factory=new_id)
    organization_id: str
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    account_class: AccountClass
    currency: CurrencyCode | None = None
    external_id: str | None = None


class BillLineItem(DomainModel):
    description: str = Field(min_length=1, max_length=2000)
    quantity: Amount = Decimal(1)
    unit_price: Amount | None = None
    amount: Amount
    account_id: str | None = None
    tax_rate: Amount | None = None


class BillStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    VOID = "void"


class BillHeader(BaseModel):
    """What identifies and dates a bill on its way to the books: the fields a bill given to
    the service (`BillInput`) and one given to an accounting writer (`NewBill`) share."""

    kind: BillKind = BillKind.BILL
    bill_number: str = Field(min_length=1, max_length=100)
    bill_date: date
    due_date: date | None = None
    currency: CurrencyCode


class WriteState(DomainModel):
    """One write of a bill to the accounting system (its booking, a payment) and its outcome.

    `key` is the idempotency key of the write's attempt-family: kept while the write may
    still have happened (`pending`, `indeterminate`: a timeout, a 5xx), replaced after a
    definite failure (the system would only replay it) or when the bill is corrected
    (`fingerprint`, of what is written, changes). `job_id`/`request_id`: the system's refs.
    """

    key: str
    fingerprint: str
    state: Literal["pending", "done", "failed", "indeterminate", "needs_review"] = "pending"
    external_id: str | None = None
    job_id: str | None = None
    request_id: str | None = None
    error: str | None = None
    at: datetime = Field(default_factory=utcnow)


class Bill(DomainModel):
    """A bill payable to a vendor (or, as `vendor_credit`, a credit note from one).

    `tax_lines` are the tax per rate as printed. Once pushed, `backend` and `connection_id` say
    where it was booked (it is read there even after the organization changes its books);
    `writes` keep each write's idempotency key and outcome; `revision` counts corrections.
    """

    id: str = Field(default_factory=new_id)
    organization_id: str
    vendor_id: str
    kind: BillKind = BillKind.BILL
    bill_number: str = Field(min_length=1, max_length=100)
    bill_date: date
    due_date: date | None = None
    currency: CurrencyCode
    line_items: list[BillLineItem] = Field(default_factory=list)
    subtotal: StrictAmount | None = None
    tax: StrictAmount | None = None
    tax_lines: list[TaxLine] = Field(default_factory=list)
    total: StrictAmount
    status: BillStatus = BillStatus.DRAFT
    document_sha256: str | None = None
    po_number: str | None = None
    memo: str | None = None
    # what the payer quotes: an RF creditor reference, a Swiss QR reference or free text
    payment_reference: str | None = Field(default=None, max_length=140)
    external_id: str | None = None
    backend: str | None = None
    connection_id: str | None = None
    revision: int = 1
    writes: dict[str, WriteState] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=utcnow)


    @model_validator(mode="after")
    def _rules(self) -> Bill:
        sign = self.kind.sign
        for name in ("subtotal", "tax", "total"):
            value = getattr(self, name)
            if value is not None and value * sign < 0:
                expected = "zero or negative" if sign < 0 else "zero or positive"
                raise ValueError(f"{name} must be {expected} for a {self.kind.value}, got {value}")
        if self.due_date is not None and self.due_date < self.bill_date:
            raise ValueError(
                f"due_date {self.due_date.isoformat()} is before bill_date "
                f"{self.bill_date.isoformat()}"
            )
        return self

    @property
    def total_money(self) -> Money:
        return Money(amount=self.total, currency=self.currency)


class BillPayment(DomainModel):
    """A payment (possibly partial) against one bill."""

    id: str = Field(default_factory=new_id)
    organization_id: str
    bill_id: str
    amount: StrictAmount = Field(gt=0)
    currency: CurrencyCode
    payment_date: date
    account_id: str | None = None
    reference: str | None = None
    external_id: str | None = None



class Document(DomainModel):
    """An original file as received; stored once, content-addressed by sha256."""

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    organization_id: str
    original_filename: str
    media_type: str
    size: int = Field(ge=0)
    page_count: int | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Channel(StrEnum):
    UPLOAD = "upload"
    EMAIL = "email"
    FOLDER = "folder"
    API = "api"


class JobStatus(StrEnum):
    QUEUED = "queued"
    READING = "reading"
    EXTRACTING = "extracting"
    MATCHING = "matching"
    NEEDS_REVIEW = "needs_review"
    READY = "ready"
    PUSHED = "pushed"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in {JobStatus.NEEDS_REVIEW, JobStatus.PUSHED, JobStatus.FAILED}


class BookingJobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in {BookingJobStatus.DONE, BookingJobStatus.FAILED}


class BookingJob(DomainModel):
    """A write to the accounting system (push a bill, pay a bill, book an approved review job),
    run outside the request.

    `request` holds what was asked (a payment's amount, date, ...); `result` what came of it
    (the bill as booked, the payment); `error`/`error_code` why it failed."""

    id: str = Field(default_factory=new_id)
    organization_id: str
    kind: Literal["push", "payment", "approve"]
    bill_id: str | None = None  # an approval's bill exists once it is booked
    request: dict[str, Any] = Field(default_factory=dict)
    status: BookingJobStatus = BookingJobStatus.QUEUED
    result: dict[str, Any] | None = None
    error: str | None = None
    error_code: str | None = None
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class IngestJob(DomainModel):
    """One received file going through the pipeline."""

    id: str = Field(default_factory=new_id)
    organization_id: str
    channel: Channel
    document_sha256: str
    original_filename: str
    status: JobStatus = JobStatus.QUEUED
    error: str | None = None
    error_code: str | None = None
    bill_id: str | None = None
    hints: dict[str, str] = Field(default_factory=dict)
    outcome: JobOutcome | None = None  # the typed bill, vendor match and review, once extracted
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# The keys of `IngestJob.hints`. EINVOICE_HINT: the stored XML that came beside the original.
# A file holding several bills: each bill's job is hinted with its pages of the original
# ("first-last"), the original file (its sha256), and the job of the file it was found in; a
# bill merged into another in review names that bill's job.
EINVOICE_HINT = "einvoice_sha256"
PAGES_HINT = "pages"
ORIGINAL_HINT = "original_sha256"
SPLIT_OF_HINT = "split_of"
MERGED_INTO_HINT = "merged_into"


class BillPages(BaseModel):
    """One bill of a file of several: its job and pages (of the original, 1-based); in a
    change's `before`, also the job's status and the result the change superseded."""

    model_config = ConfigDict(extra="forbid")

    job_id: str
    pages: tuple[int, int]
    status: JobStatus | None = None
    outcome: JobOutcome | None = None


class PageChange(DomainModel):
    """A person moved where the bills of a file begin and end: a boundary moved, two bills
    merged or one split. Who, when, and every affected bill before (with its superseded
    result) and after."""

    id: str = Field(default_factory=new_id)
    organization_id: str
    original_sha256: str
    action: Literal["move", "merge", "split"]
    by: str = Field(min_length=1, max_length=300)
    at: datetime = Field(default_factory=utcnow)
    before: list[BillPages]
    after: list[BillPages]
