"""Tables of the embedded double-entry ledger (the `ledger` accounting backend).

The ledger is the organization's books kept inside the service's database, separate from the
service's own bills and vendors: the service pushes into it exactly as it would push into an
external system. Every transaction's postings sum to zero per currency; a payable posting
names its vendor (the accounts-payable sub-ledger). Queries live in `ledger_repository`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .tables import Base, DecimalText, UtcDateTime, _now


class _LedgerRow:
    """What every ledger row has, first: its id, and the organization whose books it is in."""

    id: Mapped[str] = mapped_column(String(32), primary_key=True, sort_order=-2)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True,
                                                 sort_order=-1)


class _OnceRow(_LedgerRow):
    """A row one write creates once: its idempotency key is unique in the organization."""

    __tablename__: str
    idempotency_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[UniqueConstraint, ...]:
        return (UniqueConstraint("organization_id", "idempotency_key",
                                 name=f"uq_{cls.__tablename__}_key"),)


class LedgerAccountRow(_LedgerRow, Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("organization_id", "code", name="uq_ledger_accounts_org_code"),
    )

    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    account_class: Mapped[str] = mapped_column(String(16))
    role: Mapped[str | None] = mapped_column(String(32), nullable=True)  # default_expense, ...


class LedgerVendorRow(_OnceRow, Base):
    __tablename__ = "ledger_vendors"

    name: Mapped[str] = mapped_column(String(300))
    tax_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    iban: Mapped[str | None] = mapped_column(String(64), nullable=True)
    address: Mapped[str | None] = mapped_column(Text, nullable=True)
    reference: Mapped[str | None] = mapped_column(String(64), nullable=True)


class LedgerTransactionRow(_LedgerRow, Base):
    """One balanced journal entry: a bill, a vendor credit or a payment."""

    __tablename__ = "ledger_transactions"

    entry_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)


class LedgerPostingRow(_LedgerRow, Base):
    """One leg of a transaction: positive debits, negative credits."""

    __tablename__ = "ledger_postings"
    __table_args__ = (Index("ix_ledger_postings_account_vendor", "account_id", "vendor_id"),)

    transaction_id: Mapped[str] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    account_id: Mapped[str] = mapped_column(ForeignKey("ledger_accounts.id"))
    vendor_id: Mapped[str | None] = mapped_column(ForeignKey("ledger_vendors.id"),
                                                  nullable=True)
    amount: Mapped[Decimal] = mapped_column(DecimalText)
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)


class LedgerBillRow(_OnceRow, Base):
    __tablename__ = "ledger_bills"

    vendor_id: Mapped[str] = mapped_column(ForeignKey("ledger_vendors.id"), index=True)
    transaction_id: Mapped[str] = mapped_column(ForeignKey("ledger_transactions.id"))
    kind: Mapped[str] = mapped_column(String(16))
    bill_number: Mapped[str] = mapped_column(String(100))
    bill_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(DecimalText)
    tax: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    po_number: Mapped[str | None] = mapped_column(String(100), nullable=True)
    memo: Mapped[str | None] = mapped_column(Text, nullable=True)
    reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    payment_reference: Mapped[str | None] = mapped_column(String(140), nullable=True)  # 0014


class LedgerPaymentRow(_OnceRow, Base):
    __tablename__ = "ledger_payments"

    bill_id: Mapped[str] = mapped_column(ForeignKey("ledger_bills.id"), index=True)
    transaction_id: Mapped[str] = mapped_column(ForeignKey("ledger_transactions.id"))
    amount: Mapped[Decimal] = mapped_column(DecimalText)
    currency: Mapped[str] = mapped_column(String(3))
    payment_date: Mapped[date] = mapped_column(Date)
    account_id: Mapped[str] = mapped_column(ForeignKey("ledger_accounts.id"))
    reference: Mapped[str | None] = mapped_column(String(200), nullable=True)


class LedgerAttachmentRow(_LedgerRow, Base):
    """A link from a booked bill to its stored original."""

    __tablename__ = "ledger_attachments"
    __table_args__ = (
        UniqueConstraint("bill_id", "sha256", name="uq_ledger_attachments_bill_sha256"),
    )

    bill_id: Mapped[str] = mapped_column(ForeignKey("ledger_bills.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    uri: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
