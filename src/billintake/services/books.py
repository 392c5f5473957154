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
(open / partially_paid / paid). Every write to the accounting system carries an idempotency key
derived from what it writes, so repeating any of these calls never books anything twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
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
    NewVendor,
)
from billintake.domain.amounts import Amount
from billintake.domain.errors import (
    Conflict,
    DuplicateBill,
    NotFound,
    PaymentRejected,
    ValidationFailed,
    validation_failed,
)
from billintake.domain.extracted import ExtractedBill
from billintake.domain.kinds import BillKind, booking_kind, booking_sign
from billintake.domain.model import (
    Account,
    Bill,
    BillHeader,
    BillLineItem,
    BillPayment,
    BillStatus,
    Vendor,
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
    line_items: list[LineInput] = Field(default_factory=list)
    po_number: str | None = None
    memo: str | None = None
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
        body["payments"] = [p.model_dump(mode="json") for p in self.payments]
        if self.balance is not None:
            body["open_balance"] = str(self.balance.open_balance)
            body["paid"] = str(self.balance.paid)
        return body


def connection_for(repo: Repository, settings: Settings | None) -> Connection:
    """The organization's stored accounting connection, else the configured default backend."""
    stored = repo.get_connection()
    if stored is not None:
        return Connection(backend=stored["backend"], options=dict(stored["config"]),
                          secrets=dict(stored["secrets"]))
    backend = settings.default_accounting_backend if settings is not None else "ledger"
    return Connection(backend=backend)


def writer_for(repo: Repository, settings: Settings | None, **extra: Any) -> AccountingWriter:
    """Open the organization's writer; the ledger shares the repository's session."""
    return get_writer(connection_for(repo, settings), organization_id=repo.organization_id,
                      settings=settings, session=repo.session, **extra)


class BillService:
    """Bills, vendors and payments of one organization, and their way into its books."""

    def __init__(self, repo: Repository, writer: AccountingWriter, *,
                 originals: OriginalsStore | None = None, settings: Settings | None = None
                 ) -> None:
        self.repo = repo
        self.writer = writer
        self.originals = originals
        self.settings = settings

    @classmethod
    def open(cls, repo: Repository, settings: Settings | None = None,
             originals: OriginalsStore | None = None, **extra: Any) -> BillService:
        return cls(repo, writer_for(repo, settings, **extra), originals=originals,
                   settings=settings)

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
        balance = self.writer.get_bill_balance(bill.external_id) if bill.external_id else None
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
        bill = bill_from(data, self.repo.organization_id, vendor.id)
        self.refuse_duplicate(bill)
        return self.repo.add_bill(bill)

    def create_from_extracted(self, extracted: ExtractedBill, *, vendor: Vendor,
                              document_sha256: str | None = None,
                              kind: BillKind | None = None) -> Bill:
        """Record a bill read from a document (a credit note becomes a vendor credit)."""
        self.remember_alias(vendor, extracted.value("vendor_name"))
        return self.create_bill(bill_input_from(extracted, vendor.id, document_sha256, kind=kind))

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
        """Book the bill in the accounting system and attach its original; safe to repeat."""
        bill = self.repo.get_bill(bill_id)
        vendor = self.repo.get_vendor(bill.vendor_id)
        vendor_ref = self._backend_vendor(vendor)
        booked = self.writer.create_bill(new_bill_from(bill, vendor_ref))
        if bill.document_sha256:
            document = self._document(bill.document_sha256)
            if document is not None:
                self.writer.attach_document(booked.id, document)
        bill.external_id = booked.id
        bill.status = self.writer.get_bill_balance(booked.id).status
        return self.repo.update_bill(bill)

    def _backend_vendor(self, vendor: Vendor) -> str:
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
                address=vendor.address, reference=vendor.id))
        stored = self.repo.get_vendor(vendor.id)
        stored.external_ids = {**stored.external_ids, key: found.id}
        self.repo.update_vendor(stored)
        return found.id

    def _document(self, sha256: str) -> DocumentRef | None:
        if self.originals is None or not self.originals.exists(sha256):
            return None
        try:
            record = self.repo.get_document(sha256)
            filename, media_type = record.original_filename, record.media_type
        except NotFound:
            filename, media_type = f"{sha256[:12]}.pdf", "application/pdf"
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
        paid = self.writer.create_bill_payment(NewPayment(
            bill_id=bill.external_id, amount=amount, currency=currency,
            payment_date=payment_date, reference=reference, account_id=account_id))
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
        bill.status = self.writer.get_bill_balance(bill.external_id).status
        self.repo.update_bill(bill)
        return payment


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
    missing = [name for name in ("bill_number", "bill_date", "total", "currency")
               if extracted.value(name) in (None, "")]
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
        kind=kind, bill_number=str(extracted.value("bill_number"))[:100], bill_date=bill_date,
        due_date=due if due is not None and due >= bill_date else None,
        currency=str(extracted.value("currency")), total=total * sign,
        subtotal=booked(extracted.value("subtotal")), tax=booked(extracted.value("tax")),
        line_items=[line.model_copy(update={"amount": line.amount * sign,
                                            "unit_price": booked(line.unit_price)})
                    for line in items],
        po_number=extracted.value("po_number"), document_sha256=document_sha256)


def charge_lines(extracted: ExtractedBill, items: list[LineInput]) -> list[LineInput]:
    """Shipping and a discount as lines of their own, as printed, when the items leave them
    out: only when the items plus these (and the tax) then add up to the total exactly."""
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
    return []


def bill_from(data: BillInput, organization_id: str, vendor_id: str) -> Bill:
    """The domain `Bill` (a draft) that `data` records; 422 naming the field a rule refuses."""
    try:
        return Bill(
            organization_id=organization_id, vendor_id=vendor_id, kind=data.kind,
            bill_number=data.bill_number, bill_date=data.bill_date, due_date=data.due_date,
            currency=data.currency, total=data.total, subtotal=data.subtotal, tax=data.tax,
            line_items=[BillLineItem(**line.model_dump()) for line in data.line_items],
            po_number=data.po_number, memo=data.memo, document_sha256=data.document_sha256,
            status=BillStatus.DRAFT)
    except ValidationError as exc:
        raise validation_failed(exc, Bill.model_fields) from exc


def new_bill_from(bill: Bill, vendor_ref: str) -> NewBill:
    """What the writer books for a bill: its lines when they add up, else one line."""
    tax = bill.tax if bill.tax else None
    if tax is not None and (bill.total - tax) * bill.total < 0:
        tax = None  # a tax larger than the total cannot be right; book the total as expense
    lines = tuple(NewBillLine(description=item.description, amount=item.amount,
                              account_id=item.account_id, quantity=item.quantity,
                              unit_price=item.unit_price, tax_rate=item.tax_rate)
                  for item in bill.line_items)
    if sum((line.amount for line in lines), Decimal(0)) + (tax or 0) != bill.total:
        lines = ()
    return NewBill(vendor_id=vendor_ref, kind=bill.kind, bill_number=bill.bill_number,
                   bill_date=bill.bill_date, due_date=bill.due_date, currency=bill.currency,
                   total=bill.total, tax=tax, lines=lines, memo=bill.memo,
                   po_number=bill.po_number, reference=bill.id)


def push_extracted_bill(runtime: Runtime, organization_id: str, extracted: ExtractedBill,
                        vendor: Vendor, *, document_sha256: str | None = None,
                        filename: str | None = None) -> str:
    """The pipeline's push: record the bill and book it, in one unit of work; its id.

    If booking fails the bill row is not kept, so the job can be retried; the retry's
    idempotency keys make the accounting system return what the first attempt wrote.
    """
    with runtime.repository(organization_id) as repo:
        service = BillService.open(repo, runtime.settings, runtime.originals)
        bill = service.create_from_extracted(extracted, vendor=vendor,
                                             document_sha256=document_sha256)
        return service.push_bill(bill.id).id
