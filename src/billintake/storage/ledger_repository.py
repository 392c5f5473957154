"""Queries of the embedded ledger, scoped to one organization (see `ledger_tables`)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from billintake.domain.errors import AccountingBackendError

from .ledger_tables import (
    LedgerAccountRow,
    LedgerAttachmentRow,
    LedgerBillRow,
    LedgerPaymentRow,
    LedgerPostingRow,
    LedgerTransactionRow,
    LedgerVendorRow,
)
from .scope import OrganizationScope

Row = TypeVar("Row", LedgerVendorRow, LedgerBillRow, LedgerPaymentRow)


class LedgerRepository(OrganizationScope):
    """One organization's double-entry books."""

    def _mine(self, row_type: Any, row_id: str) -> Any:
        row = self.session.get(row_type, row_id)
        return row if row is not None and row.organization_id == self.organization_id else None

    def _flush(self) -> None:
        try:
            self.session.flush()
        except IntegrityError as exc:  # a concurrent write with the same idempotency key
            raise AccountingBackendError(
                "a concurrent write to the ledger clashed with this one; retry it",
                retryable=True) from exc

    # -- accounts --------------------------------------------------------------------------
    def list_accounts(self) -> list[LedgerAccountRow]:
        return list(self.session.scalars(
            self._owned(LedgerAccountRow).order_by(LedgerAccountRow.code)))

    def add_accounts(self, rows: list[LedgerAccountRow]) -> bool:
        """Open accounts; False when a concurrent transaction opened them first (its rows are
        then there to read: the insert is undone to a savepoint, this transaction goes on)."""
        try:
            with self.session.begin_nested():
                self.session.add_all(rows)
        except IntegrityError:
            return False
        return True

    def get_account(self, account_id: str) -> LedgerAccountRow | None:
        return self._mine(LedgerAccountRow, account_id)

    def account_by_code(self, code: str) -> LedgerAccountRow | None:
        return self.session.scalar(self._owned(LedgerAccountRow, LedgerAccountRow.code == code))

    def account_by_role(self, role: str) -> LedgerAccountRow | None:
        return self.session.scalar(
            self._owned(LedgerAccountRow, LedgerAccountRow.role == role).limit(1))

    # -- idempotency -----------------------------------------------------------------------
    def by_key(self, row_type: type[Row], key: str) -> Row | None:
        return self.session.scalar(self._owned(row_type, row_type.idempotency_key == key))

    # -- vendors ---------------------------------------------------------------------------
    def add(self, *rows: Any) -> None:
        self.session.add_all(rows)
        self._flush()

    def list_vendors(self) -> list[LedgerVendorRow]:
        return list(self.session.scalars(
            self._owned(LedgerVendorRow).order_by(LedgerVendorRow.name, LedgerVendorRow.id)))

    def get_vendor(self, vendor_id: str) -> LedgerVendorRow | None:
        return self._mine(LedgerVendorRow, vendor_id)

    # -- transactions ----------------------------------------------------------------------
    def add_transaction(self, transaction: LedgerTransactionRow,
                        postings: list[LedgerPostingRow]) -> None:
        """Record a journal entry; refuses one whose postings do not sum to zero per currency."""
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for posting in postings:
            totals[posting.currency] += posting.amount
        unbalanced = {c: t for c, t in totals.items() if t != 0}
        if unbalanced:
            raise AccountingBackendError(f"unbalanced ledger transaction: {unbalanced}")
        for position, posting in enumerate(postings):
            posting.position = position
            posting.transaction_id = transaction.id
        self.session.add(transaction)
        self.session.flush()
        self.session.add_all(postings)
        self._flush()

    def postings(self, transaction_id: str) -> list[LedgerPostingRow]:
        return list(self.session.scalars(
            self._owned(LedgerPostingRow, LedgerPostingRow.transaction_id == transaction_id)
            .order_by(LedgerPostingRow.position)))

    # -- bills and payments ----------------------------------------------------------------
    def get_bill(self, bill_id: str) -> LedgerBillRow | None:
        return self._mine(LedgerBillRow, bill_id)

    def lock_bill(self, bill_id: str) -> None:
        """Hold the bill until this transaction ends, so that its payments read next stay
        true until the write: concurrent writers to the same bill wait here (see `_lock`)."""
        self._lock(LedgerBillRow, bill_id)

    def list_bills(self, vendor_id: str | None = None) -> list[LedgerBillRow]:
        query = self._owned(LedgerBillRow)
        if vendor_id is not None:
            query = query.where(LedgerBillRow.vendor_id == vendor_id)
        return list(self.session.scalars(
            query.order_by(LedgerBillRow.bill_date, LedgerBillRow.bill_number, LedgerBillRow.id)))

    def payments(self, bill_id: str) -> list[LedgerPaymentRow]:
        return list(self.session.scalars(
            self._owned(LedgerPaymentRow, LedgerPaymentRow.bill_id == bill_id)
            .order_by(LedgerPaymentRow.payment_date, LedgerPaymentRow.created_at)
            .execution_options(populate_existing=True)))

    def paid(self, bill_id: str) -> Decimal:
        return sum((p.amount for p in self.payments(bill_id)), Decimal(0))

    def get_payment(self, payment_id: str) -> LedgerPaymentRow | None:
        return self._mine(LedgerPaymentRow, payment_id)

    # -- attachments -----------------------------------------------------------------------
    def attachments(self, bill_id: str) -> list[LedgerAttachmentRow]:
        return list(self.session.scalars(
            self._owned(LedgerAttachmentRow, LedgerAttachmentRow.bill_id == bill_id)
            .order_by(LedgerAttachmentRow.created_at)))

    # -- balances --------------------------------------------------------------------------
    def account_balances(self) -> dict[tuple[str, str | None, str], Decimal]:
        """Sum of postings by (account id, vendor id, currency)."""
        rows = self.session.execute(
            select(LedgerPostingRow.account_id, LedgerPostingRow.vendor_id,
                   LedgerPostingRow.currency, LedgerPostingRow.amount)
            .where(LedgerPostingRow.organization_id == self.organization_id))
        sums: dict[tuple[str, str | None, str], Decimal] = defaultdict(Decimal)
        for account_id, vendor_id, currency, amount in rows:
            sums[(account_id, vendor_id, currency)] += amount
        return dict(sums)

    def count_postings(self) -> int:
        return self.session.scalar(select(func.count()).select_from(LedgerPostingRow).where(
            LedgerPostingRow.organization_id == self.organization_id)) or 0
