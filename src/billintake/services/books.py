"""The accounting service layer: bills and vendors in the service's database, pushed through the
organization's `AccountingWriter`.

Entry points (used by the API, the CLI and the pipeline):

- `BillService(repo, writer, originals=...)`, or `BillService.open(repo, settings, originals)`
  which opens the organization's writer from its stored connection;
- `.resolve_vendor(candidate)` match (and remember the alias) or create, or flag as ambiguous;
- `.create_bill(BillInput)` / `.create_from_extracted(extracted, vendor=..., document_sha256=)`
  record a bill (refusing duplicates with `DuplicateBill` naming the existing bill); the
  extracted bill's amounts are as printed, and `domain.kinds` gives its kind and sign;
- `.push_bill(bill_id)` book it (and attach its original) in the accounting system;
- `.record_payment(bill_id, amount, currency, payment_date, ...)` pay it, fully or partly;
- `push_extracted_bill(runtime, organization_id, extracted, vendor, ...)` the pipeline's one call.

A bill row exists with status `draft` until pushed, then mirrors the accounting system's status
(open / partially_paid / paid), and remembers where it was booked (`backend`, `connection_id`):
it is read and paid there even after the organization switches its books.

Books that add up: a bill is booked only when its lines make its printed net and its tax lines
its printed tax; otherwise `NeedsReview` says what differs (never a plug line). A line of zero
(a heading) is not booked.

Every write carries an idempotency key of its attempt-family, stored with the bill
(`Bill.writes`) and committed *before* the write: the same key while the result may still have
happened (a timeout, a 5xx: the books are searched for it first), a new key after a definite
failure (the system would only replay it) or for a corrected bill (`revision`). So repeating
any of these calls never books anything twice, and a failure never sticks.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from billintake.accounting.backends import get_writer
from billintake.accounting.writer import (
    AccountingWriter,
    BillBalance,
    Connection,
    DocumentRef,
    NewBill,
    NewBillLine,
    NewPayment,
    NewTaxLine,
    NewVendor,
    TaxRate,
    rate_key,
)
from billintake.domain.amounts import Amount
from billintake.domain.errors import (
    BillintakeError,
    Conflict,
    DuplicateBill,
    NeedsReview,
    NotFound,
    NotSupported,
    PaymentRejected,
    ValidationFailed,
    validation_failed,
)
from billintake.domain.extracted import ExtractedBill, TaxLine, cash_rounded
from billintake.domain.kinds import BillKind, booking_kind, booking_sign
from billintake.domain.model import (
    Account,
    Bill,
    BillHeader,
    BillLineItem,
    BillPayment,
    BillStatus,
    Vendor,
    WriteState,
    new_id,
    utcnow,
)
from billintake.matching.vendors import (
    VendorCandidate,
    VendorMatch,
    match_vendor,
    should_store_alias,
)

if TYPE_CHECKING:
    from billintake.bootstrap import Runtime
    from billintake.settings import Settings
    from billintake.storage.originals import OriginalsStore
    from billintake.storage.repository import Repository


class VendorInput(BaseModel):
    """A vendor as a client gives it (POST /vendors)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=300)
    tax_id: str | None = None
    email: str | None = None
    iban: str | None = None
    address: str | None = None
    aliases: list[str] = Field(default_factory=list)


class LineInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    description: str = Field(min_length=1, max_length=2000)
    amount: Amount
    quantity: Amount = Decimal(1)
    unit_price: Amount | None = None
    account_id: str | None = None  # an id from GET /accounts (the accounting system's)
    tax_rate: Amount | None = None


class BillInput(BillHeader):
    """A bill given as JSON (POST /bills): by `vendor_id`, or by vendor name/ids to match."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    vendor_id: str | None = None
    vendor_name: str | None = None
    vendor_tax_id: str | None = None
    vendor_email: str | None = None
    vendor_iban: str | None = None
    total: Amount
    subtotal: Amount | None = None
    tax: Amount | None = None
    tax_lines: list[TaxLine] = Field(default_factory=list)  # the tax per rate, as printed
    line_items: list[LineInput] = Field(default_factory=list)
    po_number: str | None = None
    memo: str | None = None
    payment_reference: str | None = Field(default=None, max_length=140)  # RF…, QRR or text
    document_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


@dataclass
class VendorResolution:
    """How a bill's vendor was settled: matched, created, or left for a person (ambiguous)."""

    vendor: Vendor | None
    match: VendorMatch
    created: bool = False
    alias_stored: bool = False

    @property
    def needs_review(self) -> bool:
        return self.vendor is None


@dataclass
class BillView:
    """A bill with its payments and what is still open, as the API and CLI show it."""

    bill: Bill
    payments: list[BillPayment] = field(default_factory=list)
    balance: BillBalance | None = None

    def to_dict(self) -> dict[str, Any]:
        body = self.bill.model_dump(mode="json")
        body["pushed"] = self.bill.external_id is not None
        # what the accounting system said about each write: state, job id, error
        body["writes"] = {name: {k: v for k, v in write.items() if k != "key"}
                          for name, write in body["writes"].items()}
        body["payments"] = [p.model_dump(mode="json") for p in self.payments]
        if self.balance is not None:
            body["open_balance"] = str(self.balance.open_balance)
            body["paid"] = str(self.balance.paid)
        return body


def connection_for(repo: Repository, settings: Settings | None,
                   connection_id: str | None = None) -> Connection:
    """The organization's stored accounting connection (the current one, or an earlier one by
    id), else the configured default backend."""
    stored = repo.get_connection(connection_id)
    if stored is not None:
        return Connection(backend=stored["backend"], options=dict(stored["config"]),
                          secrets=dict(stored["secrets"]))
    backend = settings.default_accounting_backend if settings is not None else "ledger"
    return Connection(backend=backend)


def checked_options(backend: str, options: dict[str, Any]) -> dict[str, Any]:
    """A connection's options as a client or an operator gives them, refused (422) where they
    would reach outside the organization: a beancount file is named by the service, never by
    a client (two organizations could name the same books), and Rutter's base URL is the
    service's setting (the credentials must never be sent elsewhere)."""
    if "base_url" in options:
        raise ValidationFailed("base_url is set in the service's settings, not per organization",
                               field="options")
    if backend == "beancount" and "path" in options:
        raise ValidationFailed("the beancount file is named by the service, one per "
                               "organization: leave out `path`", field="options")
    return options


def writer_for(repo: Repository, settings: Settings | None, connection_id: str | None = None,
               **extra: Any) -> AccountingWriter:
    """Open the organization's writer (or an earlier connection's); the ledger shares the
    repository's session."""
    return get_writer(connection_for(repo, settings, connection_id),
                      organization_id=repo.organization_id, settings=settings,
                      session=repo.session, **extra)


def _unwritten(spec: NewBill) -> set[str]:
    """What a bill's write fingerprint leaves out: our own id, and a payment reference the
    bill has none of (so bills booked before bills had one keep their fingerprint)."""
    return {"reference"} | ({"payment_reference"} if spec.payment_reference is None else set())


def fingerprint(*parts: object) -> str:
    """What a write writes, as a short hash: a different one is a corrected write."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]


class BillService:
    """Bills, vendors and payments of one organization, and their way into its books."""

    def __init__(self, repo: Repository, writer: AccountingWriter, *,
                 originals: OriginalsStore | None = None, settings: Settings | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        self.repo = repo
        self.writer = writer
        self.originals = originals
        self.settings = settings
        self._extra = dict(extra or {})
        stored = repo.get_connection()
        self.connection_id: str | None = None if stored is None else stored["id"]
        self._writers: dict[tuple[str | None, str], AccountingWriter] = {
            (self.connection_id, writer.backend): writer}

    @classmethod
    def open(cls, repo: Repository, settings: Settings | None = None,
             originals: OriginalsStore | None = None, **extra: Any) -> BillService:
        return cls(repo, writer_for(repo, settings, **extra), originals=originals,
                   settings=settings, extra=extra)

    def writer_of(self, bill: Bill) -> AccountingWriter:
        """The writer of the books the bill was booked in (the current ones for a draft, or
        for a bill booked before bills kept where)."""
        if bill.external_id is None or bill.backend is None:
            return self.writer
        where = (bill.connection_id, bill.backend)
        if where not in self._writers:
            connection = connection_for(self.repo, self.settings, bill.connection_id) \
                if bill.connection_id else Connection(backend=bill.backend)
            self._writers[where] = get_writer(
                connection, organization_id=self.repo.organization_id, settings=self.settings,
                session=self.repo.session, **self._extra)
        return self._writers[where]

    def _checkpoint(self) -> None:
        """Commit what is recorded so far (a write's key and state): the accounting system is
        not part of this transaction, so what was sent to it must outlive a rollback."""
        self.repo.session.commit()

    # -- vendors ---------------------------------------------------------------------------
    def list_vendors(self) -> list[Vendor]:
        return self.repo.list_vendors()

    def list_accounts(self) -> list[Account]:
        return self.writer.list_accounts()

    def create_vendor(self, data: VendorInput) -> Vendor:
        """Add a vendor; refuses one whose tax id, IBAN or exact name is already known."""
        candidate = VendorCandidate(name=data.name, tax_id=data.tax_id, iban=data.iban)
        found = match_vendor(candidate, self.repo.list_vendors(), threshold=100.0, margin=0.0)
        if found.vendor is not None and found.method in ("tax_id", "iban", "exact_name"):
            raise Conflict(f"vendor {found.vendor.name!r} ({found.vendor.id}) has the same "
                           f"{found.method.replace('_', ' ')}", field="name")
        vendor = Vendor(organization_id=self.repo.organization_id, **data.model_dump())
        return self.repo.add_vendor(vendor)

    def resolve_vendor(self, candidate: VendorCandidate, *, create: bool = True
                       ) -> VendorResolution:
        """Match the candidate; store a new alias on a match; create it when nothing is close."""
        threshold = self.settings.vendor_match_threshold if self.settings else 88.0
        margin = self.settings.vendor_ambiguity_margin if self.settings else 5.0
        result = match_vendor(candidate, self.repo.list_vendors(), threshold=threshold,
                              margin=margin)
        if result.vendor is not None:
            return VendorResolution(result.vendor, result,
                                    alias_stored=self.remember_alias(result.vendor,
                                                                     candidate.name))
        if result.should_create and create and candidate.name:
            vendor = self.repo.add_vendor(Vendor(
                organization_id=self.repo.organization_id, name=candidate.name,
                tax_id=candidate.tax_id, email=candidate.email, iban=candidate.iban))
            return VendorResolution(vendor, result, created=True)
        return VendorResolution(None, result)

    def remember_alias(self, vendor: Vendor, name: str | None) -> bool:
        """After a confirmed match, keep the name as read so the next bill matches exactly."""
        if not should_store_alias(name, vendor):
            return False
        assert name is not None
        stored = self.repo.get_vendor(vendor.id)
        stored.aliases = [*stored.aliases, name.strip()]
        self.repo.update_vendor(stored)
        return True

    # -- bills -----------------------------------------------------------------------------
    def list_bills(self, *, vendor_id: str | None = None, status: str | None = None,
                   limit: int = 100, offset: int = 0) -> list[Bill]:
        return self.repo.list_bills(vendor_id=vendor_id, status=status, limit=limit,
                                    offset=offset)

    def get_bill(self, bill_id: str) -> BillView:
        bill = self.repo.get_bill(bill_id)
        balance = self.writer_of(bill).get_bill_balance(bill.external_id) \
            if bill.external_id else None
        return BillView(bill, self.repo.list_payments(bill.id), balance)

    def create_bill(self, data: BillInput) -> Bill:
        """Record a bill (status draft); its vendor by id, else matched or created by name."""
        if data.vendor_id:
            vendor = self.repo.get_vendor(data.vendor_id)
        else:
            if not (data.vendor_name or data.vendor_tax_id or data.vendor_iban):
                raise ValidationFailed("give vendor_id, or the vendor's name or tax id",
                                       field="vendor_id")
            resolution = self.resolve_vendor(VendorCandidate(
                name=data.vendor_name, tax_id=data.vendor_tax_id, email=data.vendor_email,
                iban=data.vendor_iban))
            if resolution.vendor is None:
                raise ValidationFailed(f"the vendor is ambiguous ({resolution.match.reason}); "
                                       "give vendor_id", field="vendor_name")
            vendor = resolution.vendor
        self.check_document(data.document_sha256)
        bill = bill_from(data, self.repo.organization_id, vendor.id)
        self.refuse_duplicate(bill)
        return self.repo.add_bill(bill)

    def create_from_extracted(self, extracted: ExtractedBill, *, vendor: Vendor,
                              document_sha256: str | None = None,
                              kind: BillKind | None = None) -> Bill:
        """Record a bill read from a document (a credit note becomes a vendor credit); a draft
        of the same document not yet booked is revised instead (a corrected bill)."""
        self.remember_alias(vendor, extracted.value("vendor_name"))
        return self.record(bill_input_from(extracted, vendor.id, document_sha256, kind=kind))

    def unbooked_draft(self, document_sha256: str | None) -> Bill | None:
        """The bill of this document recorded but never booked (a push that failed), if any."""
        draft = self.repo.find_bill_by_document(document_sha256) if document_sha256 else None
        return draft if draft is not None and draft.external_id is None else None

    def record(self, data: BillInput) -> Bill:
        """Record a bill; the unbooked draft of the same document is revised instead."""
        draft = self.unbooked_draft(data.document_sha256)
        return self.revise(draft, data) if draft is not None else self.create_bill(data)

    def revise(self, draft: Bill, data: BillInput) -> Bill:
        """A draft (never booked) corrected: its fields from `data`; a new revision if changed."""
        if draft.external_id is not None:
            raise Conflict(f"bill {draft.bill_number} ({draft.id}) is booked already; it "
                           "cannot be changed here", field="bill_id")
        self.check_document(data.document_sha256)
        fresh = bill_from(data, self.repo.organization_id, data.vendor_id or draft.vendor_id)
        same = self.repo.find_bill_by_number(fresh.vendor_id, fresh.bill_number, fresh.total)
        if same is not None and same.id != draft.id:
            raise DuplicateBill(f"bill {fresh.bill_number} of {fresh.total} {fresh.currency} "
                                f"from this vendor exists already ({same.id})",
                                existing_id=same.id)
        content = {"id", "organization_id", "created_at", "status", "writes", "revision",
                   "external_id", "backend", "connection_id"}
        if fresh.model_dump(exclude=content) != draft.model_dump(exclude=content):
            fresh = fresh.model_copy(update={"revision": draft.revision + 1})
        else:
            fresh = fresh.model_copy(update={"revision": draft.revision})
        revised = fresh.model_copy(update={"id": draft.id, "created_at": draft.created_at,
                                           "writes": draft.writes})
        return self.repo.update_bill(revised)

    def check_document(self, sha256: str | None) -> None:
        """A bill's original must be a file this organization received (422 otherwise): a
        hash is resolved only within the organization, never to another's original."""
        if sha256 is None:
            return
        try:
            self.repo.get_document(sha256)
        except NotFound as exc:
            raise ValidationFailed("no file with this sha256 was received by this organization",
                                   field="document_sha256") from exc

    def refuse_duplicate(self, bill: Bill) -> None:
        """The same file, or the same vendor + number + amount, is the same bill: 409."""
        if bill.document_sha256:
            same_file = self.repo.find_bill_by_document(bill.document_sha256)
            if same_file is not None:
                raise DuplicateBill(
                    f"this file was already taken in as bill {same_file.bill_number} "
                    f"({same_file.id})", existing_id=same_file.id)
        same = self.repo.find_bill_by_number(bill.vendor_id, bill.bill_number, bill.total)
        if same is not None:
            raise DuplicateBill(
                f"bill {bill.bill_number} of {bill.total} {bill.currency} from this vendor "
                f"exists already ({same.id})", existing_id=same.id)

    # -- pushing ---------------------------------------------------------------------------
    def push_bill(self, bill_id: str) -> Bill:
        """Book the bill in the accounting system and attach its original; safe to repeat.

        A bill that cannot be booked as it stands raises `NeedsReview`; the state of the write
        (key, job id, error) is committed with the bill whatever happens."""
        bill = self.repo.get_bill(bill_id)
        if bill.external_id is None:
            bill = self._book(bill)
        writer = self.writer_of(bill)
        assert bill.external_id is not None
        if bill.document_sha256:
            self._attach(bill, writer)
        bill.status = writer.get_bill_balance(bill.external_id).status
        return self.repo.update_bill(bill)

    def _book(self, bill: Bill) -> Bill:
        vendor = self.repo.get_vendor(bill.vendor_id)
        try:
            vendor_ref = self._backend_vendor(vendor, bill.currency)
            spec = with_expense_account(new_bill_from(bill, vendor_ref),
                                        vendor.expense_accounts.get(self.writer.backend))
        except NeedsReview as exc:
            self._record(bill, "bill", WriteState(key="-", fingerprint="-", state="needs_review",
                                                  error=exc.message))
            raise
        write = self._write_for(bill, "bill", fingerprint(
            self.writer.backend, self.connection_id,
            spec.model_dump_json(exclude=_unwritten(spec))))
        booked: Bill | None = None
        if write.state == "indeterminate":  # the last attempt's result is unknown: look first
            found = self.writer.find_bill(vendor_id=vendor_ref, bill_number=spec.bill_number,
                                          kind=spec.kind)
            if found is not None and found.total == spec.total:
                booked = found
        if booked is None:
            booked, write = self._send(bill, "bill", write, lambda: self.writer.create_bill(
                spec, idempotency_key=write.key))
        bill = self.repo.get_bill(bill.id, for_update=True)
        bill.external_id, bill.backend = booked.id, self.writer.backend
        bill.connection_id = self.connection_id
        bill.writes = {**bill.writes, "bill": write.model_copy(update={
            "state": "done", "external_id": booked.id, "error": None, "at": utcnow()})}
        return self.repo.update_bill(bill)

    def _write_for(self, bill: Bill, name: str, print_: str) -> WriteState:
        """The write's state with its key: the stored one, or a new attempt-family when there
        is none, the bill changed (a new revision) or the last attempt failed for sure."""
        write = bill.writes.get(name)
        if write is None or write.fingerprint != print_ or \
                write.state in ("failed", "needs_review"):
            write = WriteState(key=new_id(), fingerprint=print_)
        write = write.model_copy(update={"at": utcnow()})
        self._record(bill, name, write)
        return write

    def _record(self, bill: Bill, name: str, write: WriteState) -> None:
        stored = self.repo.get_bill(bill.id, for_update=True)
        stored.writes = {**stored.writes, name: write}
        self.repo.update_bill(stored)
        self._checkpoint()

    def _send(self, bill: Bill, name: str, write: WriteState, call: Any) -> tuple[Any, WriteState]:
        """Make the write; record how it ended (job id, error) if it fails; the result, and
        the write with the system's references (for the caller to store with the result)."""
        try:
            result = call()
        except BillintakeError as exc:
            # What the failed write left in this session (the ledger's rows) goes; only its
            # outcome is recorded (the key was committed before the write).
            self.repo.session.rollback()
            indeterminate = getattr(exc, "indeterminate", False)
            state = "indeterminate" if indeterminate else (
                "needs_review" if isinstance(exc, NeedsReview) else "failed")
            self._record(bill, name, write.model_copy(update={
                "state": state, "error": exc.message, "at": utcnow(),
                "job_id": getattr(exc, "job_id", None) or self._receipt("job_id"),
                "request_id": getattr(exc, "request_id", None) or self._receipt("request_id")}))
            raise
        return result, write.model_copy(update={"job_id": self._receipt("job_id"),
                                                "request_id": self._receipt("request_id")})

    def _receipt(self, name: str) -> str | None:
        receipt = self.writer.last_receipt
        return None if receipt is None else getattr(receipt, name)

    def _attach(self, bill: Bill, writer: AccountingWriter) -> None:
        """Attach the original; a platform that takes no attachments is noted, not an error."""
        assert bill.document_sha256 is not None and bill.external_id is not None
        document = self._document(bill.document_sha256)
        if document is None:
            return
        try:
            writer.attach_document(bill.external_id, document)
        except NotSupported as exc:
            bill.writes = {**bill.writes, "attachment": WriteState(
                key="-", fingerprint=bill.document_sha256, state="failed", error=exc.message)}

    def _backend_vendor(self, vendor: Vendor, currency: str | None = None) -> str:
        """The vendor's id in the accounting system: known, found there, or created there."""
        key = self.writer.backend
        known = vendor.external_ids.get(key)
        if known:
            return known
        found = self.writer.find_vendor(tax_id=vendor.tax_id, iban=vendor.iban,
                                        email=vendor.email, name=vendor.name)
        if found is None:
            found = self.writer.create_vendor(NewVendor(
                name=vendor.name, tax_id=vendor.tax_id, email=vendor.email, iban=vendor.iban,
                address=vendor.address, reference=vendor.id, currency=currency))
        stored = self.repo.get_vendor(vendor.id)
        stored.external_ids = {**stored.external_ids, key: found.id}
        self.repo.update_vendor(stored)
        return found.id

    def _document(self, sha256: str) -> DocumentRef | None:
        """The original to attach: only a file this organization received (its document
        record), never one the store keeps for another organization."""
        if self.originals is None or not self.originals.exists(sha256):
            return None
        try:
            record = self.repo.get_document(sha256)
        except NotFound:
            return None
        filename, media_type = record.original_filename, record.media_type
        if not PurePath(filename).suffix:  # the books tell a document's type by its extension
            filename += mimetypes.guess_extension(media_type) or ".bin"
        return DocumentRef(sha256=sha256, filename=filename, media_type=media_type,
                           path=self.originals.path(sha256))

    # -- payments --------------------------------------------------------------------------
    def record_payment(self, bill_id: str, *, amount: Decimal, currency: str,
                       payment_date: date, reference: str | None = None,
                       account_id: str | None = None) -> BillPayment:
        """Pay a bill (partly or fully) in the accounting system; pushes the bill first if
        needed. Refuses an unknown bill, another currency, or more than the open balance."""
        try:
            bill = self.repo.get_bill(bill_id)
        except NotFound as exc:
            raise PaymentRejected(f"unknown bill {bill_id}", field="bill_id") from exc
        if currency.strip().upper() != bill.currency:
            raise PaymentRejected(f"payment currency {currency} differs from the bill's "
                                  f"{bill.currency}", field="currency")
        if bill.external_id is None:
            bill = self.push_bill(bill.id)
        assert bill.external_id is not None
        writer = self.writer_of(bill)
        reference = reference or bill.payment_reference  # the payment quotes the bill's
        spec = NewPayment(bill_id=bill.external_id, amount=amount, currency=currency,
                          payment_date=payment_date, reference=reference, account_id=account_id)
        name = "payment:" + fingerprint(spec.model_dump_json())[:16]
        done = bill.writes.get(name)
        if done is not None and done.state == "done":  # this very payment, made already
            made = next((p for p in self.repo.list_payments(bill.id)
                         if p.external_id == done.external_id), None)
            if made is not None:
                return made
        write = self._write_for(bill, name, fingerprint(spec.model_dump_json()))
        paid, write = self._send(bill, name, write, lambda: writer.create_bill_payment(
            spec, idempotency_key=write.key))
        bill = self.repo.get_bill(bill.id, for_update=True)
        bill.writes = {**bill.writes, name: write.model_copy(update={
            "state": "done", "external_id": paid.id, "error": None, "at": utcnow()})}
        known = {p.external_id for p in self.repo.list_payments(bill.id)}
        payment = BillPayment(organization_id=self.repo.organization_id, bill_id=bill.id,
                              amount=paid.amount, currency=paid.currency,
                              payment_date=paid.payment_date, account_id=paid.account_id,
                              reference=paid.reference, external_id=paid.id)
        if paid.id not in known:
            self.repo.add_payment(payment)
        else:
            payment = next(p for p in self.repo.list_payments(bill.id)
                           if p.external_id == paid.id)
        bill.status = writer.get_bill_balance(bill.external_id).status
        self.repo.update_bill(bill)
        return payment

    # -- tax rates -------------------------------------------------------------------------
    def tax_rates(self) -> dict[str, Any]:
        """The VAT rate -> tax rate mapping of the current connection, and the rates offered."""
        mapping = dict(connection_for(self.repo, self.settings).options.get("tax_rates")
                        or {})
        rates = self.writer.list_tax_rates()
        return {"backend": self.writer.backend, "mapping": mapping,
                "tax_rates": [r.model_dump(mode="json") for r in rates]}

    def set_tax_rates(self, changes: dict[str, str | None]) -> dict[str, Any]:
        """Map VAT rates ("19") to tax rate ids of the connection (None removes one)."""
        stored = self.repo.get_connection()
        if stored is None or stored["backend"] != "rutter":
            raise ValidationFailed("only a Rutter connection needs tax rates mapped: the "
                                   "ledger and beancount book VAT per rate themselves",
                                   field="backend")
        offered: dict[str, TaxRate] = {r.id: r for r in self.writer.list_tax_rates()}
        mapping = dict(stored["config"].get("tax_rates") or {})
        for rate, rate_id in changes.items():
            try:
                key = rate_key(Decimal(str(rate).strip().rstrip("%").strip()))
            except ArithmeticError as exc:
                raise ValidationFailed(f"{rate!r} is not a VAT rate in percent",
                                       field="rate") from exc
            if rate_id is None:
                mapping.pop(key, None)
                continue
            if rate_id not in offered:
                raise ValidationFailed(f"the connection has no tax rate {rate_id!r}; its rates: "
                                       + ", ".join(f"{r.name} ({r.id})" for r in offered.values()),
                                       field=key)
            if offered[rate_id].rate is not None and rate_key(offered[rate_id].rate or
                                                              Decimal(0)) != key:
                raise ValidationFailed(f"{offered[rate_id].name!r} is a rate of "
                                       f"{rate_key(offered[rate_id].rate or Decimal(0))} %, "
                                       f"not {key} %", field=key)
            mapping[key] = rate_id
        self.repo.update_connection_options(stored["id"], {"tax_rates": mapping})
        self.writer = writer_for(self.repo, self.settings, **self._extra)  # books the new map
        self._writers = {(self.connection_id, self.writer.backend): self.writer}
        return {"backend": stored["backend"], "mapping": mapping}


# -- conversions -------------------------------------------------------------------------------


def bill_input_from(extracted: ExtractedBill, vendor_id: str,
                    document_sha256: str | None = None, *,
                    kind: BillKind | None = None) -> BillInput:
    """An extracted bill as a `BillInput`; fails with the missing fields named.

    Its kind (unless given, e.g. by a reviewer) and the sign of its amounts come from
    `domain.kinds`: a credit note's printed amounts are booked negative, as a vendor credit.
    Nothing the books can take is dropped: the vendor's details go along, and shipping or a
    discount the items leave out becomes a line of its own (see `charge_lines`).
    """
    number = extracted.value("bill_number") or unprinted_number(extracted, document_sha256)
    needed = {"bill_number": number,
              **{name: extracted.value(name) for name in ("bill_date", "total", "currency")}}
    missing = [name for name, value in needed.items() if value in (None, "")]
    if missing:
        raise ValidationFailed("cannot book a bill without " + ", ".join(missing),
                               field=missing[0])
    total: Decimal = extracted.value("total")
    kind = kind or booking_kind(extracted.value("document_type"), total)
    sign = booking_sign(kind, total)

    def booked(value: Decimal | None) -> Decimal | None:
        return None if value is None else value * sign

    items = [LineInput(description=item.description[:2000], amount=item.amount,
                       quantity=item.quantity or Decimal(1), unit_price=item.unit_price,
                       tax_rate=item.tax_rate)
             for item in extracted.line_items if item.amount is not None and item.description]
    items += charge_lines(extracted, items)
    bill_date: date = extracted.value("bill_date")
    due: date | None = extracted.value("due_date")
    return BillInput(
        vendor_id=vendor_id, vendor_name=extracted.value("vendor_name"),
        vendor_tax_id=extracted.value("vendor_tax_id"),
        vendor_email=extracted.value("vendor_email"), vendor_iban=extracted.value("vendor_iban"),
        kind=kind, bill_number=str(number)[:100], bill_date=bill_date,
        due_date=due if due is not None and due >= bill_date else None,
        currency=str(extracted.value("currency")), total=total * sign,
        subtotal=booked(extracted.value("subtotal")), tax=booked(extracted.value("tax")),
        tax_lines=[TaxLine(rate=t.rate, amount=t.amount * sign, basis=booked(t.basis))
                   for t in extracted.tax_lines],
        line_items=[line.model_copy(update={"amount": line.amount * sign,
                                            "unit_price": booked(line.unit_price)})
                    for line in items],
        po_number=extracted.value("po_number"), document_sha256=document_sha256,
        payment_reference=_payment_reference(extracted))


def unprinted_number(extracted: ExtractedBill, document_sha256: str | None) -> str | None:
    """The number a bill is booked by when it prints none (`ExtractedBill.not_printed`: a
    till slip approved with none found on it, or from a vendor whose approved bills never
    had one): its date and its file's fingerprint, "20180220-1a2b3c4d"."""
    issued = extracted.value("bill_date")
    if "bill_number" not in extracted.not_printed or not document_sha256 or issued is None:
        return None
    return f"{issued:%Y%m%d}-{document_sha256[:8]}"


def _payment_reference(extracted: ExtractedBill) -> str | None:
    """The reference the bill asks the payer to quote (its payment data's), if any."""
    reference = None if extracted.payment is None else extracted.payment.value("reference")
    return None if not reference else str(reference)[:140]


def charge_lines(extracted: ExtractedBill, items: list[LineInput]) -> list[LineInput]:
    """Shipping and a discount as lines of their own, as printed, when the items leave them
    out: only when the items plus these (and the tax) then add up to the total exactly; else
    a cash rounding (the total rounded to 5 cents, `cash_rounded`) as a line of its own."""
    total, tax = extracted.value("total"), extracted.value("tax") or Decimal(0)
    items_total = sum((item.amount for item in items), Decimal(0))
    if not items or total is None or items_total + tax == total:
        return []
    charges = [LineInput(description=label, amount=amount)
               for label, amount in (("Shipping", extracted.value("shipping")),
                                     ("Discount", extracted.value("discount"))) if amount]
    for chosen in (charges, charges[:1], charges[1:]):
        if chosen and items_total + sum(c.amount for c in chosen) + tax == total:
            return chosen
    if cash_rounded(total, items_total + tax):
        return [LineInput(description="Cash rounding", amount=total - items_total - tax)]
    return []


def bill_from(data: BillInput, organization_id: str, vendor_id: str) -> Bill:
    """The domain `Bill` (a draft) that `data` records; 422 naming the field a rule refuses."""
    try:
        return Bill(
            organization_id=organization_id, vendor_id=vendor_id, kind=data.kind,
            bill_number=data.bill_number, bill_date=data.bill_date, due_date=data.due_date,
            currency=data.currency, total=data.total, subtotal=data.subtotal, tax=data.tax,
            tax_lines=data.tax_lines,
            line_items=[BillLineItem(**line.model_dump()) for line in data.line_items],
            po_number=data.po_number, memo=data.memo, document_sha256=data.document_sha256,
            payment_reference=data.payment_reference, status=BillStatus.DRAFT)
    except ValidationError as exc:
        raise validation_failed(exc, Bill.model_fields) from exc


def new_bill_from(bill: Bill, vendor_ref: str) -> NewBill:
    """What the writer books for a bill: its lines (net amounts; a line of zero, a heading, is
    no posting) and its tax per rate, as printed. A bill whose parts do not make its printed
    amounts is `NeedsReview`, naming the difference: nothing is plugged to make it add up."""
    tax = bill.tax or Decimal(0)
    net = bill.total - tax
    money = f" {bill.currency}"
    if tax and net * bill.total < 0:
        raise NeedsReview(f"the tax {tax}{money} is larger than the total {bill.total}{money}",
                          field="tax")
    lines = tuple(NewBillLine(description=item.description, amount=item.amount,
                              account_id=item.account_id, quantity=item.quantity,
                              unit_price=item.unit_price, tax_rate=item.tax_rate)
                  for item in bill.line_items if item.amount != 0)
    lined = sum((line.amount for line in lines), Decimal(0))
    if not lines and bill.subtotal is not None and bill.subtotal != net:
        # (with lines, a printed subtotal may be the items' before shipping or a discount)
        raise NeedsReview(f"the net {bill.subtotal}{money} plus the tax {tax}{money} is "
                          f"{bill.subtotal + tax}{money}, not the total {bill.total}{money}",
                          field="subtotal")
    if lines and lined != net:
        raise NeedsReview(f"the lines add up to {lined}{money}, the net is {net}{money} (the "
                          f"total {bill.total} less the tax {tax}): correct the lines",
                          field="line_items")
    tax_lines = tuple(NewTaxLine(rate=t.rate, amount=t.amount, basis=t.basis)
                      for t in bill.tax_lines)
    taxed = sum((t.amount for t in tax_lines), Decimal(0))
    if tax_lines and taxed != tax:
        raise NeedsReview(f"the tax per rate adds up to {taxed}{money}, the bill's tax is "
                          f"{tax}{money}", field="tax_lines")
    bases = [t.basis for t in tax_lines]
    if tax_lines and all(b is not None for b in bases) and \
            sum((b or Decimal(0) for b in bases), Decimal(0)) != net:
        raise NeedsReview(f"the net amounts per rate add up to "
                          f"{sum((b or Decimal(0) for b in bases), Decimal(0))}{money}, the "
                          f"net is {net}{money}", field="tax_lines")
    return NewBill(vendor_id=vendor_ref, kind=bill.kind, bill_number=bill.bill_number,
                   bill_date=bill.bill_date, due_date=bill.due_date, currency=bill.currency,
                   total=bill.total, tax=tax or None, tax_lines=tax_lines, lines=lines,
                   memo=bill.memo, po_number=bill.po_number, reference=bill.id,
                   payment_reference=bill.payment_reference)


def with_expense_account(spec: NewBill, account_id: str | None) -> NewBill:
    """The bill with its lines that name no account booked to `account_id` (the vendor's
    expense account); a bill without lines gets the lines the books would make, so named."""
    if account_id is None:
        return spec
    lines = tuple(line if line.account_id else line.model_copy(update={"account_id": account_id})
                  for line in spec.net_lines())
    return spec.model_copy(update={"lines": lines})


def push_extracted_bill(runtime: Runtime, organization_id: str, extracted: ExtractedBill,
                        vendor: Vendor, *, document_sha256: str | None = None,
                        filename: str | None = None) -> str:
    """The pipeline's push: record the bill (or revise the draft a failed push left) and book
    it; its id. If booking fails the draft stays with the write's key and error, and the job's
    retry pushes it again: the key makes the accounting system return what an attempt wrote."""
    with runtime.repository(organization_id) as repo:
        from billintake.services.vendor_memory import with_remembered_booking

        service = BillService.open(repo, runtime.settings, runtime.originals)
        service.remember_alias(vendor, extracted.value("vendor_name"))
        draft = with_remembered_booking(bill_input_from(extracted, vendor.id, document_sha256),
                                        repo.get_vendor_memory(vendor.id))
        bill = service.record(draft)
        return service.push_bill(bill.id).id
