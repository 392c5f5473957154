"""SQLAlchemy tables. Every row belongs to an organization; queries live in the repository.

Money columns hold exact decimal strings (`DecimalText`): SQLite has no exact decimal type and
a float would lose cents. Schema changes go through Alembic (`storage/migrations`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)


class DecimalText(TypeDecorator[Decimal]):
    """A Decimal stored as its exact text."""

    impl = String(48)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must be Decimal, not float")
        return format(Decimal(value), "f")

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use UTC-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = metadata


class _OwnedRow:
    """An organization's row: its own id, and the organization that owns it (every query of
    the repository is limited to it)."""

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)


class OrganizationRow(Base):
    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)


class ApiKeyRow(_OwnedRow, Base):
    __tablename__ = "api_keys"

    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class UserRow(_OwnedRow, Base):
    """A person who signs in to the web workspace; the password only as its argon2 hash."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)  # normalised (casefolded)
    password_hash: Mapped[str] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)


class LoginSessionRow(Base):
    """A signed-in browser, by the SHA-256 of its cookie's token (the token is never stored)."""

    __tablename__ = "login_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class VendorRow(_OwnedRow, Base):
    __tablename__ = "vendors"

    name: Mapped[str] = mapped_column(String(300))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    tax_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    address: Mapped[str | None] = mapped_column(Text, nullable=True)
    iban: Mapped[str | None] = mapped_column(String(64), nullable=True)
    external_ids: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # backend -> the id of the account its bill lines are booked to (0011)
    expense_accounts: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True,
                                                                    default=dict)
    # the other IBANs confirmed for the vendor besides `iban` (0014)
    bank_accounts: Mapped[list[str] | None] = mapped_column(JSON, nullable=True, default=list)


class VendorMemoryRow(Base):
    """What an organization's approved bills from one vendor taught (`domain.memory`), as
    JSON: one row per vendor, owned by the organization (0015)."""

    __tablename__ = "vendor_memories"

    vendor_id: Mapped[str] = mapped_column(ForeignKey("vendors.id"), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    memory: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)


class AccountRow(_OwnedRow, Base):
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("organization_id", "code", name="uq_accounts_org_code"),)

    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    account_class: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(128), nullable=True)


class DocumentRow(Base):
    __tablename__ = "documents"

    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    original_filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)


class BillRow(_OwnedRow, Base):
    __tablename__ = "bills"
    __table_args__ = (
        Index("ix_bills_org_vendor_number", "organization_id", "vendor_id", "bill_number"),
        # One bill per original: a file already booked cannot become a second bill.
        Index("uq_bills_org_document", "organization_id", "document_sha256", unique=True,
              sqlite_where=text("document_sha256 IS NOT NULL"),
              postgresql_where=text("document_sha256 IS NOT NULL")),
    )

    vendor_id: Mapped[str] = mapped_column(ForeignKey("vendors.id"))
    kind: Mapped[str] = mapped_column(String(16), default="bill")
    bill_number: Mapped[str] = mapped_column(String(100))
    bill_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    currency: Mapped[str] = mapped_column(String(3))
    line_items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    subtotal: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    tax: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    total: Mapped[Decimal] = mapped_column(DecimalText)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    document_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    po_number: Mapped[str | None] = mapped_column(String(100), nullable=True)
    memo: Mapped[str | None] = mapped_column(Text, nullable=True)
    payment_reference: Mapped[str | None] = mapped_column(String(140), nullable=True)  # 0014
    external_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    tax_lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    backend: Mapped[str | None] = mapped_column(String(32), nullable=True)
    connection_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    writes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)


class BillPaymentRow(_OwnedRow, Base):
    __tablename__ = "bill_payments"

    bill_id: Mapped[str] = mapped_column(ForeignKey("bills.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(DecimalText)
    currency: Mapped[str] = mapped_column(String(3))
    payment_date: Mapped[date] = mapped_column(Date)
    account_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reference: Mapped[str | None] = mapped_column(String(200), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(128), nullable=True)


class _LeasedWork:
    """The columns of work that workers take under a lease: its state, why it failed, how
    often it was tried, when, and who holds it (runs it or has it queued) until when (see
    storage.leases)."""

    status: Mapped[str] = mapped_column(String(16), default="queued")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    lease_owner: Mapped[str | None] = mapped_column(String(96), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class IngestJobRow(_OwnedRow, _LeasedWork, Base):
    __tablename__ = "ingest_jobs"
    __table_args__ = (
        Index("uq_ingest_jobs_org_document", "organization_id", "document_sha256", unique=True),
        Index("ix_ingest_jobs_org_status", "organization_id", "status"),
        Index("ix_ingest_jobs_status_lease", "status", "lease_until"),
    )

    channel: Mapped[str] = mapped_column(String(16))
    document_sha256: Mapped[str] = mapped_column(String(64))
    original_filename: Mapped[str] = mapped_column(String(255))
    bill_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    hints: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # JobOutcome


class PageChangeRow(Base):
    """A person's change of where the bills of a file begin and end (domain `PageChange`)."""

    __tablename__ = "page_changes"
    __table_args__ = (Index("ix_page_changes_org_original", "organization_id",
                            "original_sha256"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    original_sha256: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    by: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    before: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    after: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class BookingJobRow(_OwnedRow, _LeasedWork, Base):
    """A push or payment to the accounting system, run outside the HTTP request."""

    __tablename__ = "booking_jobs"
    __table_args__ = (Index("ix_booking_jobs_status", "status"),
                      Index("ix_booking_jobs_status_lease", "status", "lease_until"))

    kind: Mapped[str] = mapped_column(String(16))
    bill_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    request: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class AccountingConnectionRow(_OwnedRow, Base):
    """Which accounting system an organization books into, with its settings and secrets."""

    __tablename__ = "accounting_connections"

    backend: Mapped[str] = mapped_column(String(32))
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secrets: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    is_default: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
