"""The `ledger` backend (default): double-entry books kept in the service's own database.

A bill debits its expense accounts (net amounts) and the input tax of each VAT rate (an account
per rate, "1400-19 Input tax 19 %", opened as needed; "1400" when the bill prints no rate) and
credits Accounts payable for its vendor; no posting is ever zero;
a vendor credit is the reverse (debit payable, credit expense); a payment debits the payable
and credits the bank. A bill's status (open / partially_paid / paid) follows from its payments.
The chart of accounts starts from `DEFAULT_CHART` the first time an organization uses it.

The writer works inside the caller's session: the service commits the ledger entries and its
own bill row in one transaction. Idempotency keys are unique per organization in the tables.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

from billintake.domain import errors, model
from billintake.storage import ledger_tables as tables
from billintake.storage.ledger_repository import LedgerRepository

from . import writer

# code, name, class, role (the account the ledger uses when none is given)
DEFAULT_CHART: tuple[tuple[str, str, model.AccountClass, str | None], ...] = (
    ("1000", "Bank", model.AccountClass.BANK, "bank"),
    ("1400", "Input tax (VAT receivable)", model.AccountClass.ASSET, "tax"),
    ("2000", "Accounts payable", model.AccountClass.LIABILITY, "payable"),
    ("6000", "General expenses", model.AccountClass.EXPENSE, "expense"),
    ("6100", "Office supplies", model.AccountClass.EXPENSE, None),
    ("6200", "Software and subscriptions", model.AccountClass.EXPENSE, None),
    ("6300", "Travel", model.AccountClass.EXPENSE, None),
    ("6400", "Professional services", model.AccountClass.EXPENSE, None),
    ("6500", "Utilities", model.AccountClass.EXPENSE, None),
    ("6600", "Rent", model.AccountClass.EXPENSE, None),
)


def open_writer(context: writer.WriterContext) -> LedgerWriter:
    if context.session is None:
        raise errors.ValidationFailed("the ledger backend needs a database session")
    return LedgerWriter(LedgerRepository(context.session, context.organization_id))


class LedgerWriter(writer.WriterBase):
    """An `AccountingWriter` over the embedded ledger tables."""

    backend = "ledger"

    def __init__(self, repo: LedgerRepository) -> None:
        self.repo = repo
        self.organization_id = repo.organization_id
        self._chart_ready = False

    # -- chart of accounts -----------------------------------------------------------------
    def _chart(self) -> None:
        if self._chart_ready:
            return
        if not self.repo.list_accounts():
            self.repo.add_accounts([
                tables.LedgerAccountRow(id=model.new_id(), organization_id=self.organization_id,
                                        code=code, name=name, account_class=cls.value, role=role)
                for code, name, cls, role in DEFAULT_CHART
            ])
        self._chart_ready = True

    def _role(self, role: str) -> tables.LedgerAccountRow:
        self._chart()
        row = self.repo.account_by_role(role)
        if row is None:
            raise errors.ValidationFailed(f"the ledger has no {role} account")
        return row

    def _account(self, account_id: str | None, role: str) -> tables.LedgerAccountRow:
        """The account with this id (or code); the role's default when None."""
        if account_id is None:
            return self._role(role)
        self._chart()
        row = self.repo.get_account(account_id) or self.repo.account_by_code(account_id)
        if row is None:
            raise errors.ValidationFailed(f"unknown ledger account {account_id}",
                                          field="account_id")
        if row.role == "payable":
            raise errors.ValidationFailed("accounts payable cannot be used here",
                                          field="account_id")
        return row

    def list_accounts(self) -> list[model.Account]:
        self._chart()
        return [model.Account(id=r.id, organization_id=r.organization_id, code=r.code, name=r.name,
                              account_class=model.AccountClass(r.account_class), external_id=r.id)
                for r in self.repo.list_accounts()]

    # -- vendors ---------------------------------------------------------------------------
    def list_vendors(self) -> list[model.Vendor]:
        return [_vendor(r) for r in self.repo.list_vendors()]

    def create_vendor(self, vendor: writer.NewVendor, *,
                      idempotency_key: str | None = None) -> model.Vendor:
        key = self._key(vendor, idempotency_key)
        if (written := self.repo.by_key(tables.LedgerVendorRow, key)) is not None:
            return _vendor(written)
        row = tables.LedgerVendorRow(id=model.new_id(), organization_id=self.organization_id,
                                     name=vendor.name, tax_id=vendor.tax_id, email=vendor.email,
                                     iban=vendor.iban, address=vendor.address,
                                     reference=vendor.reference, idempotency_key=key)
        self.repo.add(row)
        return _vendor(row)

    # -- bills -----------------------------------------------------------------------------
    def list_bills(self, *, vendor_id: str | None = None) -> list[model.Bill]:
        return [self._bill(r) for r in self.repo.list_bills(vendor_id)]

    def get_bill(self, bill_id: str) -> model.Bill:
        return self._bill(self._bill_row(bill_id))

    def _bill_row(self, bill_id: str) -> tables.LedgerBillRow:
        row = self.repo.get_bill(bill_id)
        if row is None:
            raise errors.NotFound(f"bill {bill_id} not found in the ledger")
        return row

    def create_bill(self, bill: writer.NewBill, *,
                    idempotency_key: str | None = None) -> model.Bill:
        key = self._key(bill, idempotency_key)
        if (written := self.repo.by_key(tables.LedgerBillRow, key)) is not None:
            return self._bill(written)
        vendor = self.repo.get_vendor(bill.vendor_id)
        if vendor is None:
            raise errors.ValidationFailed(f"unknown vendor {bill.vendor_id}", field="vendor_id")
        label = "Vendor credit" if bill.kind is model.BillKind.VENDOR_CREDIT else "Bill"
        transaction = tables.LedgerTransactionRow(
            id=model.new_id(), organization_id=self.organization_id, entry_date=bill.bill_date,
            kind=bill.kind.value, description=f"{label} {bill.bill_number} from {vendor.name}")
        postings = [self._posting(self._account(line.account_id, "expense"), line.amount,
                                  bill.currency, description=line.description)
                    for line in bill.net_lines()]
        for rate, amount in bill.tax_by_rate().items():
            postings.append(self._posting(self._tax_account(rate), amount, bill.currency))
        postings.append(self._posting(self._role("payable"), -bill.total, bill.currency,
                                      vendor_id=vendor.id))
        self.repo.add_transaction(transaction, postings)
        row = tables.LedgerBillRow(
            id=model.new_id(), organization_id=self.organization_id, vendor_id=vendor.id,
            transaction_id=transaction.id, kind=bill.kind.value, bill_number=bill.bill_number,
            bill_date=bill.bill_date, due_date=bill.due_date, currency=bill.currency,
            total=bill.total, tax=bill.tax, po_number=bill.po_number, memo=bill.memo,
            reference=bill.reference, payment_reference=bill.payment_reference,
            idempotency_key=key)
        self.repo.add(row)
        return self._bill(row)

    def _tax_account(self, rate: Decimal | None) -> tables.LedgerAccountRow:
        """The input-tax account of a VAT rate, opened the first time the rate is booked."""
        if rate is None:
            return self._role("tax")
        key = writer.rate_key(rate)
        row = self.repo.account_by_role(f"tax:{key}")
        if row is None:
            base = self._role("tax")
            row = tables.LedgerAccountRow(
                id=model.new_id(), organization_id=self.organization_id,
                code=f"{base.code}-{key}", name=f"Input tax {key} %",
                account_class=model.AccountClass.ASSET.value, role=f"tax:{key}")
            if not self.repo.add_accounts([row]):  # another writer opened it meanwhile
                row = self.repo.account_by_role(f"tax:{key}") or self._role("tax")
        return row

    def _posting(self, account: tables.LedgerAccountRow, amount: Decimal, currency: str, *,
                 description: str | None = None, vendor_id: str | None = None
                 ) -> tables.LedgerPostingRow:
        return tables.LedgerPostingRow(id=model.new_id(), organization_id=self.organization_id,
                                       account_id=account.id, vendor_id=vendor_id, amount=amount,
                                       currency=currency, description=description)

    def _bill(self, row: tables.LedgerBillRow) -> model.Bill:
        postings = self.repo.postings(row.transaction_id)
        lines = [model.BillLineItem(description=p.description, amount=p.amount,
                                    account_id=p.account_id)
                 for p in postings if p.vendor_id is None and p.description is not None]
        tax_lines = []
        for p in postings:
            if p.vendor_id is None and p.description is None:
                role = (self.repo.get_account(p.account_id) or tables.LedgerAccountRow()).role
                rate = role.split(":", 1)[1] if role and ":" in role else None
                tax_lines.append(model.TaxLine(rate=Decimal(rate) if rate else None,
                                               amount=p.amount))
        attachments = self.repo.attachments(row.id)
        kind = model.BillKind(row.kind)
        return model.Bill(
            id=row.id, organization_id=row.organization_id, vendor_id=row.vendor_id, kind=kind,
            bill_number=row.bill_number, bill_date=row.bill_date, due_date=row.due_date,
            currency=row.currency, line_items=lines,
            subtotal=sum((line.amount for line in lines), Decimal(0)), tax=row.tax,
            tax_lines=tax_lines,
            total=row.total, status=writer.status_for(kind, row.total, self.repo.paid(row.id)),
            document_sha256=attachments[0].sha256 if attachments else None,
            po_number=row.po_number, memo=row.memo, external_id=row.id,
            payment_reference=row.payment_reference,
            created_at=row.created_at or datetime.combine(row.bill_date, time(), UTC),
        )

    def get_bill_balance(self, bill_id: str) -> writer.BillBalance:
        row = self._bill_row(bill_id)
        return writer.make_balance(row.id, model.BillKind(row.kind), row.currency, row.total,
                                   self.repo.paid(row.id))

    # -- attachments -----------------------------------------------------------------------
    def attach_document(self, bill_id: str, document: writer.DocumentRef) -> writer.Attachment:
        row = self._bill_row(bill_id)
        for existing in self.repo.attachments(row.id):
            if existing.sha256 == document.sha256:
                return _attachment(existing)
        attachment = tables.LedgerAttachmentRow(
            id=model.new_id(), organization_id=self.organization_id, bill_id=row.id,
            sha256=document.sha256, filename=document.filename, media_type=document.media_type,
            uri=document.path.resolve().as_uri())
        self.repo.add(attachment)
        return _attachment(attachment)

    def list_attachments(self, bill_id: str) -> list[writer.Attachment]:
        return [_attachment(a) for a in self.repo.attachments(self._bill_row(bill_id).id)]

    # -- payments --------------------------------------------------------------------------
    def create_bill_payment(self, payment: writer.NewPayment, *,
                            idempotency_key: str | None = None) -> model.BillPayment:
        key = self._key(payment, idempotency_key)
        # The check of the open balance and the payment's rows are one atomic step: the bill
        # is locked first, so a concurrent payment of it waits and then sees this one.
        self.repo.lock_bill(payment.bill_id)
        if (written := self.repo.by_key(tables.LedgerPaymentRow, key)) is not None:
            return _payment(written)
        row = self.repo.get_bill(payment.bill_id)
        if row is None:
            raise errors.PaymentRejected(f"unknown bill {payment.bill_id}", field="bill_id")
        bill = self._bill(row)
        writer.check_payment(bill, self.get_bill_balance(row.id), payment)
        bank = self._account(payment.account_id, "bank")
        transaction = tables.LedgerTransactionRow(
            id=model.new_id(), organization_id=self.organization_id,
            entry_date=payment.payment_date, kind="payment",
            description=f"Payment of bill {row.bill_number}")
        self.repo.add_transaction(transaction, [
            self._posting(self._role("payable"), payment.amount, payment.currency,
                          vendor_id=row.vendor_id),
            self._posting(bank, -payment.amount, payment.currency),
        ])
        paid = tables.LedgerPaymentRow(
            id=model.new_id(), organization_id=self.organization_id, bill_id=row.id,
            transaction_id=transaction.id, amount=payment.amount, currency=payment.currency,
            payment_date=payment.payment_date, account_id=bank.id, reference=payment.reference,
            idempotency_key=key)
        self.repo.add(paid)
        return _payment(paid)

    # -- for reports and tests -------------------------------------------------------------
    def payable_balances(self) -> dict[tuple[str, str], Decimal]:
        """What is owed to each vendor, by (vendor id, currency): credits on accounts payable."""
        payable = self._role("payable")
        balances = self.repo.account_balances().items()
        return {(vendor_id, currency): -amount
                for (account_id, vendor_id, currency), amount in balances
                if account_id == payable.id and vendor_id is not None}


def _vendor(row: tables.LedgerVendorRow) -> model.Vendor:
    return model.Vendor(id=row.id, organization_id=row.organization_id, name=row.name,
                        tax_id=row.tax_id, email=row.email, iban=row.iban, address=row.address,
                        external_ids={"ledger": row.id})


def _payment(row: tables.LedgerPaymentRow) -> model.BillPayment:
    return model.BillPayment(
        id=row.id, organization_id=row.organization_id, bill_id=row.bill_id, amount=row.amount,
        currency=row.currency, payment_date=row.payment_date, account_id=row.account_id,
        reference=row.reference, external_id=row.id)


def _attachment(row: tables.LedgerAttachmentRow) -> writer.Attachment:
    return writer.Attachment(id=row.id, bill_id=row.bill_id, filename=row.filename,
                             sha256=row.sha256, uri=row.uri)
