"""The `beancount` backend: the organization's books as a beancount ledger file.

A vendor is an opened payable account `Liabilities:AccountsPayable:<Vendor>` whose metadata
holds the vendor (id, name, tax id, email, IBAN). A bill is a transaction from expense accounts
(net amounts) and the input tax of each VAT rate (`Assets:VAT:Input:19`; `Assets:VAT:Input`
when the bill prints no rate) to that payable, a vendor credit the reverse, a payment a
transaction from the payable to the bank; each carries its ids, bill number, due date and
idempotency key as metadata and the link `^bill-<id>`; no posting is zero. An attached original
is a `document` entry pointing at a copy beside the books (`documents/`) named with its file
extension, as beancount's tools expect. Accounts are opened as needed (dated 1970-01-01).

Every write appends to the file's text, loads the result with beancount's own loader, and
replaces the file atomically only when the loader reports zero errors. Reading parses the file,
so what was written reads back as the same vendors, bills and balances.
"""

from __future__ import annotations

import fcntl
import mimetypes
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from beancount import loader
from beancount.core import data as bc

from billintake.domain import errors, model
from billintake.domain.text import to_ascii, transliterate

from . import writer

OPEN_DATE = date(1970, 1, 1)
PAYABLE_ROOT = "Liabilities:AccountsPayable"
DEFAULT_ACCOUNTS = {
    "bank_account": ("Assets:Bank:Checking", "Bank"),
    "expense_account": ("Expenses:General", "General expenses"),
    "tax_account": ("Assets:VAT:Input", "Input tax (VAT receivable)"),
}
LEGACY_TAX_ACCOUNT = "Assets:Tax:InputTax"  # where tax went before it was booked per rate
_ACCOUNT_RE = re.compile(r"^(Assets|Liabilities|Equity|Income|Expenses)(:[A-Z0-9][A-Za-z0-9-]*)+$")


def books_path(beancount_dir: Path, organization_id: str) -> Path:
    """The organization's books: `<dir>/<organization id>/books.beancount` (its documents in
    `documents/` beside it). The service names every file, never a client: no two
    organizations can ever share books. Books kept at the earlier default place
    (`<dir>/<organization id>.beancount`) stay there."""
    if not organization_id or not re.fullmatch(r"[A-Za-z0-9_-]+", organization_id):
        raise errors.ValidationFailed(f"no books for organization id {organization_id!r}")
    legacy = beancount_dir / f"{organization_id}.beancount"
    return legacy if legacy.is_file() else beancount_dir / organization_id / "books.beancount"


def open_writer(context: writer.WriterContext) -> BeancountWriter:
    """The organization's books. In the service (with settings) the file is always the one
    `books_path` names: a `path` option (stored before, or given by a client) is ignored.
    Without settings (a library use, the tests) the `path` option names the file."""
    options = context.connection.options
    if context.settings is not None:
        path = books_path(context.settings.resolved_beancount_dir, context.organization_id)
    elif options.get("path"):
        path = Path(options["path"])
    else:
        raise errors.ValidationFailed("the beancount backend needs a file path or settings")
    return BeancountWriter(
        Path(path),
        organization_id=context.organization_id,
        **{key: options[key] for key in DEFAULT_ACCOUNTS if key in options},
    )


@dataclass
class _BillRecord:
    bill: model.Bill
    payable: str
    paid: Decimal = Decimal(0)


_Written = TypeVar("_Written")


@dataclass
class _Books:
    """What the file says, indexed."""

    accounts: dict[str, model.Account] = field(default_factory=dict)
    vendors: dict[str, model.Vendor] = field(default_factory=dict)
    payables: dict[str, str] = field(default_factory=dict)  # vendor id -> payable account
    bills: dict[str, _BillRecord] = field(default_factory=dict)
    payments: dict[str, model.BillPayment] = field(default_factory=dict)
    attachments: dict[str, list[writer.Attachment]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # idempotency key -> object id
    owed: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (vendor, currency)

    def written(self, key: str, objects: dict[str, _Written]) -> _Written | None:
        """The object of `objects` an earlier write with this key made, if there was one."""
        return objects[self.keys[key]] if key in self.keys else None


class BeancountWriter(writer.WriterBase):
    """An `AccountingWriter` over one beancount file."""

    backend = "beancount"

    def __init__(
        self,
        path: Path,
        *,
        organization_id: str,
        bank_account: str = DEFAULT_ACCOUNTS["bank_account"][0],
        expense_account: str = DEFAULT_ACCOUNTS["expense_account"][0],
        tax_account: str = DEFAULT_ACCOUNTS["tax_account"][0],
    ) -> None:
        self.path = Path(path)
        self.organization_id = organization_id
        self.bank_account = _check_account(bank_account)
        self.expense_account = _check_account(expense_account)
        self.tax_account = _check_account(tax_account)
        self._cache: tuple[tuple[int, int, int], _Books] | None = None

    # -- reading ---------------------------------------------------------------------------
    def list_accounts(self) -> list[model.Account]:
        return sorted(self._books().accounts.values(), key=lambda a: a.code)

    def list_vendors(self) -> list[model.Vendor]:
        return sorted(self._books().vendors.values(), key=lambda v: (v.name.casefold(), v.id))

    def list_bills(self, *, vendor_id: str | None = None) -> list[model.Bill]:
        bills = [self._bill_out(r) for r in self._books().bills.values()]
        if vendor_id is not None:
            bills = [b for b in bills if b.vendor_id == vendor_id]
        return sorted(bills, key=lambda b: (b.bill_date, b.bill_number, b.id))

    def get_bill(self, bill_id: str) -> model.Bill:
        record = self._books().bills.get(bill_id)
        if record is None:
            raise errors.NotFound(f"bill {bill_id} not found in {self.path.name}")
        return self._bill_out(record)

    def get_bill_balance(self, bill_id: str) -> writer.BillBalance:
        record = self._books().bills.get(bill_id)
        if record is None:
            raise errors.NotFound(f"bill {bill_id} not found in {self.path.name}")
        bill = record.bill
        return writer.make_balance(bill.id, bill.kind, bill.currency, bill.total, record.paid)

    def list_attachments(self, bill_id: str) -> list[writer.Attachment]:
        books = self._books()
        if bill_id not in books.bills:
            raise errors.NotFound(f"bill {bill_id} not found in {self.path.name}")
        return list(books.attachments.get(bill_id, []))

    def payable_balances(self) -> dict[tuple[str, str], Decimal]:
        """What is owed to each vendor, by (vendor id, currency), from the payable postings."""
        return {key: amount for key, amount in self._books().owed.items()}

    # -- writing ---------------------------------------------------------------------------
    def create_vendor(self, vendor: writer.NewVendor, *,
                      idempotency_key: str | None = None) -> model.Vendor:
        key = self._key(vendor, idempotency_key)

        def write(books: _Books, append: Callable[[str], None]) -> str:
            vendor_id = model.new_id()
            account = _unique_account(f"{PAYABLE_ROOT}:{_component(vendor.name)}", books)
            books.accounts[account] = _account(account, {}, self.organization_id)
            meta = {"vendor-id": vendor_id, "vendor-name": vendor.name, "tax-id": vendor.tax_id,
                    "email": vendor.email, "iban": vendor.iban, "address": vendor.address,
                    "reference": vendor.reference, "idempotency-key": key}
            append(_open(account, meta))
            return vendor_id

        return self._write_once(key, lambda books: books.vendors, write)

    def create_bill(self, bill: writer.NewBill, *,
                    idempotency_key: str | None = None) -> model.Bill:
        key = self._key(bill, idempotency_key)
        if bill.bill_date < OPEN_DATE:
            raise errors.ValidationFailed("bill dates before 1970 are not supported",
                                          field="bill_date")
        with self._writing() as (books, append):
            if (done := books.written(key, books.bills)) is not None:
                return self._bill_out(done)
            if bill.vendor_id not in books.vendors:
                raise errors.ValidationFailed(f"unknown vendor {bill.vendor_id}", field="vendor_id")
            vendor = books.vendors[bill.vendor_id]
            payable = books.payables[bill.vendor_id]
            bill_id = model.new_id()
            postings: list[str] = []
            for line in bill.net_lines():
                account = _check_account(line.account_id or self.expense_account)
                self._ensure_open(account, books, append)
                postings.append(_posting(account, line.amount, bill.currency,
                                         {"description": line.description}))
            for rate, amount in bill.tax_by_rate().items():
                account = self.tax_account if rate is None else \
                    f"{self.tax_account}:{_rate_component(rate)}"
                self._ensure_open(account, books, append)
                meta = {} if rate is None else {"tax-rate": writer.rate_key(rate)}
                postings.append(_posting(account, amount, bill.currency, meta))
            postings.append(_posting(payable, -bill.total, bill.currency, {}))
            meta = {"bill-id": bill_id, "kind": bill.kind.value, "bill-number": bill.bill_number,
                    "vendor-id": vendor.id, "due-date": bill.due_date,
                    "po-number": bill.po_number, "memo": bill.memo, "reference": bill.reference,
                    "payment-reference": bill.payment_reference, "idempotency-key": key}
            label = "Vendor credit" if bill.kind is model.BillKind.VENDOR_CREDIT else "Bill"
            append(_transaction(bill.bill_date, vendor.name, f"{label} {bill.bill_number}",
                                bill_id, meta, postings))
        return self.get_bill(bill_id)

    def attach_document(self, bill_id: str, document: writer.DocumentRef) -> writer.Attachment:
        with self._writing() as (books, append):
            record = books.bills.get(bill_id)
            if record is None:
                raise errors.NotFound(f"bill {bill_id} not found in {self.path.name}")
            for existing in books.attachments.get(bill_id, []):
                if existing.sha256 == document.sha256:
                    return existing
            if not document.path.is_file():
                raise errors.ValidationFailed(
                    f"the original {document.filename} is not stored at {document.path}")
            path = self._document_copy(record.bill, document)
            attachment_id = model.new_id()
            meta = {"attachment-id": attachment_id, "bill-id": bill_id,
                    "sha256": document.sha256, "filename": document.filename,
                    "media-type": document.media_type}
            append(f"{record.bill.bill_date.isoformat()} document {record.payable} "
                   f"{_quote(str(path))}\n{_meta(meta, 2)}")
        return next(a for a in self.list_attachments(bill_id) if a.id == attachment_id)

    def create_bill_payment(self, payment: writer.NewPayment, *,
                            idempotency_key: str | None = None) -> model.BillPayment:
        key = self._key(payment, idempotency_key)

        def write(books: _Books, append: Callable[[str], None]) -> str:
            record = books.bills.get(payment.bill_id)
            if record is None:
                raise errors.PaymentRejected(f"unknown bill {payment.bill_id}", field="bill_id")
            bill = record.bill
            balance = writer.make_balance(bill.id, bill.kind, bill.currency, bill.total,
                                          record.paid)
            writer.check_payment(bill, balance, payment)
            bank = _check_account(payment.account_id or self.bank_account)
            self._ensure_open(bank, books, append)
            payment_id = model.new_id()
            meta = {"payment-id": payment_id, "bill-id": bill.id,
                    "reference": payment.reference, "idempotency-key": key}
            postings = [_posting(record.payable, payment.amount, payment.currency, {}),
                        _posting(bank, -payment.amount, payment.currency, {})]
            vendor = books.vendors[bill.vendor_id]
            append(_transaction(payment.payment_date, vendor.name,
                                f"Payment of bill {bill.bill_number}", bill.id, meta, postings))
            return payment_id

        return self._write_once(key, lambda books: books.payments, write)

    def _document_copy(self, bill: model.Bill, document: writer.DocumentRef) -> Path:
        """The original, copied beside the books as `documents/<date>.<number>-<sha>.<ext>`:
        beancount's tools tell a document's type by its extension, the store keeps none."""
        suffix = Path(document.filename).suffix.lower() or \
            mimetypes.guess_extension(document.media_type) or ".bin"
        name = f"{bill.bill_date.isoformat()}.{_component(bill.bill_number)}-" \
               f"{document.sha256[:12]}{suffix}"
        target = (self.path.parent / "documents" / name).resolve()
        if not target.is_file():
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.tmp")
            with open(document.path, "rb") as source, \
                    os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
                              "wb") as copy:
                shutil.copyfileobj(source, copy)
            os.replace(tmp, target)
        return target

    # -- the file --------------------------------------------------------------------------
    def _ensure_open(self, account: str, books: _Books, append: Any) -> None:
        if account not in books.accounts:
            append(_open(account, {}))
            books.accounts[account] = _account(account, {}, self.organization_id)

    def _header(self) -> str:
        lines = [f"; billintake books of organization {self.organization_id}.",
                 "; Written by billintake: entries are appended; each write is checked by",
                 "; beancount's loader before it replaces this file.",
                 'option "title" "billintake"', ""]
        for key, (_default, label) in DEFAULT_ACCOUNTS.items():
            lines.append(_open(getattr(self, key), {"name": label}))
        return "\n".join(lines)

    def _read_text(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""

    def _books(self) -> _Books:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return self._parse(self._header())[0]
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if self._cache is not None and self._cache[0] == stamp:
            return self._cache[1]
        books, problems = self._parse(self._read_text())
        if problems:
            raise errors.AccountingBackendError(
                f"{self.path.name} does not load cleanly: {_describe(problems)}")
        self._cache = (stamp, books)
        return books

    def _parse(self, text: str) -> tuple[_Books, list[Any]]:
        entries, problems, _options = loader.load_string(text)
        return _index(entries, self.organization_id, self.tax_account), problems

    def _write_once(self, key: str, objects: Callable[[_Books], dict[str, _Written]],
                    write: Callable[[_Books, Callable[[str], None]], str]) -> _Written:
        """One write per idempotency key: what the key's earlier write made, or else `write`
        appends the entries and names the new object, which is read back from the books."""
        with self._writing() as (books, append):
            if (done := books.written(key, objects(books))) is not None:
                return done
            new_id = write(books, append)
        return objects(self._books())[new_id]

    @contextmanager
    def _writing(self) -> Iterator[tuple[_Books, Any]]:
        """Lock the file, hand out its books and an `append`, then check and replace it."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with os.fdopen(os.open(lock_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600),
                       "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                text = self._read_text() or self._header()
                books = self._books() if self.path.exists() else self._parse(text)[0]
                added: list[str] = []
                saved = self._cache
                try:
                    yield books, added.append
                finally:  # books change only together with an append: keep them if none
                    self._cache = saved if not added else None
                if not added:
                    return
                new_text = text.rstrip("\n") + "\n\n" + "\n".join(added) + "\n"
                entries, problems, _options = loader.load_string(new_text)
                if problems:
                    raise errors.AccountingBackendError(
                        f"beancount rejected the entry, {self.path.name} is unchanged: "
                        f"{_describe(problems)}")
                self._replace(new_text)
                stat = self.path.stat()
                self._cache = ((stat.st_mtime_ns, stat.st_size, stat.st_ino),
                               _index(entries, self.organization_id, self.tax_account))
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _replace(self, text: str) -> None:
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _bill_out(self, record: _BillRecord) -> model.Bill:
        bill = record.bill
        attachments = self._books().attachments.get(bill.id, [])
        return bill.model_copy(update={
            "status": writer.status_for(bill.kind, bill.total, record.paid),
            "document_sha256": attachments[0].sha256 if attachments else None,
        })


# -- parsing the entries -----------------------------------------------------------------------


def _index(entries: list[Any], organization_id: str, tax_account: str) -> _Books:
    books = _Books()
    for entry in entries:
        if isinstance(entry, bc.Open):
            books.accounts[entry.account] = _account(entry.account, entry.meta, organization_id)
            if "vendor-id" in entry.meta:
                vendor = model.Vendor(
                    id=entry.meta["vendor-id"], organization_id=organization_id,
                    name=entry.meta.get("vendor-name") or entry.account.rsplit(":", 1)[-1],
                    tax_id=entry.meta.get("tax-id"), email=entry.meta.get("email"),
                    iban=entry.meta.get("iban"), address=entry.meta.get("address"),
                    external_ids={"beancount": entry.meta["vendor-id"]},
                )
                books.vendors[vendor.id] = vendor
                books.payables[vendor.id] = entry.account
                _remember(books, entry.meta, vendor.id)
    vendor_of = {account: vendor_id for vendor_id, account in books.payables.items()}
    for entry in entries:
        if isinstance(entry, bc.Transaction):
            for posting in entry.postings:
                vendor_id = vendor_of.get(posting.account)
                if vendor_id is not None:
                    key = (vendor_id, posting.units.currency)
                    books.owed[key] = books.owed.get(key, Decimal(0)) - posting.units.number
        if isinstance(entry, bc.Transaction) and "kind" in entry.meta and "bill-id" in entry.meta:
            _index_bill(books, entry, organization_id, tax_account)
    for entry in entries:  # payments and documents after every bill: they may be dated earlier
        if isinstance(entry, bc.Transaction) and "payment-id" in entry.meta:
            _index_payment(books, entry, organization_id)
        elif isinstance(entry, bc.Document) and "attachment-id" in entry.meta:
            bill_id = entry.meta.get("bill-id")
            books.attachments.setdefault(bill_id, []).append(writer.Attachment(
                id=entry.meta["attachment-id"], bill_id=bill_id,
                filename=entry.meta.get("filename") or Path(entry.filename).name,
                sha256=entry.meta.get("sha256"), uri=entry.filename))
    return books


def _index_bill(books: _Books, entry: bc.Transaction, organization_id: str,
                tax_account: str) -> None:
    meta = entry.meta
    vendor_id = meta["vendor-id"]
    payable = books.payables.get(vendor_id, "")
    lines: list[model.BillLineItem] = []
    tax: Decimal | None = None
    total = Decimal(0)
    currency = ""
    tax_lines: list[model.TaxLine] = []
    for posting in entry.postings:
        amount, currency = posting.units.number, posting.units.currency
        if posting.account == payable:
            total -= amount
        elif posting.account in (tax_account, LEGACY_TAX_ACCOUNT) or \
                posting.account.startswith(tax_account + ":"):
            tax = (tax or Decimal(0)) + amount
            rate = (posting.meta or {}).get("tax-rate")
            tax_lines.append(model.TaxLine(rate=Decimal(rate) if rate else None, amount=amount))
        else:
            description = (posting.meta or {}).get("description") or entry.narration
            lines.append(model.BillLineItem(description=description, amount=amount,
                                            account_id=posting.account))
    bill = model.Bill(
        id=meta["bill-id"], organization_id=organization_id, vendor_id=vendor_id,
        kind=model.BillKind(meta["kind"]), bill_number=meta["bill-number"], bill_date=entry.date,
        due_date=meta.get("due-date"), currency=currency, line_items=lines,
        subtotal=sum((line.amount for line in lines), Decimal(0)), tax=tax,
        tax_lines=tax_lines, total=total,
        po_number=meta.get("po-number"), memo=meta.get("memo"), external_id=meta["bill-id"],
        payment_reference=meta.get("payment-reference"),
        created_at=datetime.combine(entry.date, time(), UTC),
    )
    books.bills[bill.id] = _BillRecord(bill=bill, payable=payable)
    _remember(books, meta, bill.id)


def _index_payment(books: _Books, entry: bc.Transaction, organization_id: str) -> None:
    meta = entry.meta
    record = books.bills.get(meta["bill-id"])
    if record is None:
        return
    to_payable = next(p for p in entry.postings if p.account == record.payable)
    from_bank = next((p for p in entry.postings if p.account != record.payable), None)
    payment = model.BillPayment(
        id=meta["payment-id"], organization_id=organization_id, bill_id=record.bill.id,
        amount=to_payable.units.number, currency=to_payable.units.currency,
        payment_date=entry.date, account_id=from_bank.account if from_bank else None,
        reference=meta.get("reference"), external_id=meta["payment-id"],
    )
    record.paid += payment.amount
    books.payments[payment.id] = payment
    _remember(books, meta, payment.id)


def _remember(books: _Books, meta: dict[str, Any], object_id: str) -> None:
    key = meta.get("idempotency-key")
    if key:
        books.keys[key] = object_id


def _account(name: str, meta: dict[str, Any], organization_id: str) -> model.Account:
    root = name.split(":", 1)[0]
    account_class = {
        "Assets": model.AccountClass.ASSET, "Liabilities": model.AccountClass.LIABILITY,
        "Equity": model.AccountClass.EQUITY, "Income": model.AccountClass.INCOME,
        "Expenses": model.AccountClass.EXPENSE,
    }[root]
    if name.startswith("Assets:Bank"):
        account_class = model.AccountClass.BANK
    label = meta.get("name") or meta.get("vendor-name") or name.rsplit(":", 1)[-1]
    return model.Account(id=name, organization_id=organization_id, code=name[:64], name=label[:200],
                         account_class=account_class, external_id=name)


# -- writing entries ---------------------------------------------------------------------------


def _check_account(name: str) -> str:
    if not _ACCOUNT_RE.match(name):
        raise errors.ValidationFailed(f"{name!r} is not a beancount account name",
                                      field="account_id")
    return name


def _component(name: str) -> str:
    """A vendor name as one account-name component: "Müller GmbH" -> "Mueller-GmbH"."""
    words = re.findall(r"[A-Za-z0-9]+", to_ascii(transliterate(name)))
    component = "-".join(w[:1].upper() + w[1:] for w in words)[:40].strip("-")
    return component or "Vendor"


def _rate_component(rate: Decimal) -> str:
    """A VAT rate as an account-name component: 19 -> "19", 5.5 -> "5-5"."""
    return writer.rate_key(rate).replace(".", "-").lstrip("-")


def _unique_account(account: str, books: _Books) -> str:
    candidate, n = account, 2
    while candidate in books.accounts:
        candidate, n = f"{account}-{n}", n + 1
    return candidate


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _meta(meta: dict[str, Any], indent: int) -> str:
    lines = []
    for key, value in meta.items():
        if value is None or value == "":
            continue
        rendered = value.isoformat() if isinstance(value, date) else _quote(str(value))
        lines.append(f"{' ' * indent}{key}: {rendered}")
    return "\n".join(lines) + ("\n" if lines else "")


def _open(account: str, meta: dict[str, Any]) -> str:
    return f"{OPEN_DATE.isoformat()} open {account}\n{_meta(meta, 2)}"


def _posting(account: str, amount: Decimal, currency: str, meta: dict[str, Any]) -> str:
    return f"  {account}  {format(amount, 'f')} {currency}\n{_meta(meta, 4)}"


def _transaction(day: date, payee: str, narration: str, bill_id: str, meta: dict[str, Any],
                 postings: list[str]) -> str:
    head = f"{day.isoformat()} * {_quote(payee)} {_quote(narration)} ^bill-{bill_id}\n"
    return head + _meta(meta, 2) + "".join(postings)


def _describe(problems: list[Any]) -> str:
    shown = "; ".join(str(getattr(e, "message", e)) for e in problems[:3])
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return shown + more
