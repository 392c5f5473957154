"""The repository: the only place with queries. Scoped to one organization.

`Repository(session, organization_id)` reads and writes that organization's rows only; an id
from another organization behaves exactly like an id that does not exist (NotFound).
Organization-independent look-ups (organizations, API keys) live in `Directory`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, bindparam, event, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billintake.domain.errors import Conflict, DuplicateBill, NotFound
from billintake.domain.memory import VendorMemory
from billintake.domain.model import (
    ORIGINAL_HINT,
    Account,
    Bill,
    BillPayment,
    BookingJob,
    Document,
    IngestJob,
    JobStatus,
    Organization,
    PageChange,
    Vendor,
    new_id,
    utcnow,
)
from billintake.domain.people import ApiKey
from billintake.domain.text import to_ascii

from .key_cache import API_KEYS
from .scope import OrganizationScope
from .secrets import SecretBox, SecretKeyError
from .tables import (
    AccountingConnectionRow,
    AccountRow,
    ApiKeyRow,
    BillPaymentRow,
    BillRow,
    BookingJobRow,
    DocumentRow,
    IngestJobRow,
    OrganizationRow,
    PageChangeRow,
    VendorMemoryRow,
    VendorRow,
)

API_KEY_PREFIX = "bik_"


def hash_api_key(key: str) -> str:
    """API keys are 256-bit random tokens, so one SHA-256 is a sound one-way hash for them."""
    return hashlib.sha256(key.encode()).hexdigest()


def cached_organization(key: str) -> Organization | None:
    """The organization of a key looked up with `cache_s` lately, without the database
    (None: not in the cache, look it up)."""
    return API_KEYS.get(hash_api_key(key))


_Model = TypeVar("_Model", bound=BaseModel)


# The statements of the request path, built once (their parameters bound at each call): the
# cost of building and keying a statement is most of a short one's time.
_ORGANIZATION_FOR_KEY = (
    select(OrganizationRow).join(ApiKeyRow, ApiKeyRow.organization_id == OrganizationRow.id)
    .where(ApiKeyRow.key_hash == bindparam("key_hash"), ApiKeyRow.revoked_at.is_(None)))
# Core statements, run on the session's connection: no ORM objects to build for a row
_JOB_BY_DOCUMENT = (
    select(IngestJobRow.__table__)
    .where(IngestJobRow.organization_id == bindparam("organization_id"),
           IngestJobRow.document_sha256 == bindparam("sha256"))
    .order_by(IngestJobRow.created_at).limit(1))
# a document already recorded (the same file, e.g. its job deleted) is kept as it is
_INSERT_DOCUMENT_IF_NEW = {
    "sqlite": sqlite_insert(DocumentRow.__table__).on_conflict_do_nothing(),
    "postgresql": postgresql_insert(DocumentRow.__table__).on_conflict_do_nothing(),
}
_INSERT_JOB = insert(IngestJobRow.__table__)

LEASE_COLUMNS = ("lease_owner", "lease_until")  # a job's lease is the queue's, not the job's


def _row_dict(row: Any, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key not in exclude}


class Directory:
    """Organizations and API keys: the look-ups that happen before an organization is known."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def create_organization(self, name: str, slug: str | None = None) -> tuple[Organization, str]:
        """Create an organization and its first API key; the key is returned only here."""
        slug = slug or _slugify(name)
        if self.session.scalar(select(OrganizationRow).where(OrganizationRow.slug == slug)):
            raise Conflict(f"an organization with slug {slug!r} already exists", field="slug")
        org = Organization(name=name, slug=slug)
        self.session.add(OrganizationRow(**org.model_dump()))
        self.session.flush()
        return org, self.create_api_key(org.id)

    def create_api_key(self, organization_id: str) -> str:
        key = API_KEY_PREFIX + secrets.token_urlsafe(32)
        self.session.add(
            ApiKeyRow(id=new_id(), organization_id=organization_id, key_hash=hash_api_key(key),
                      prefix=key[:10])
        )
        self.session.flush()
        return key

    def list_api_keys(self, organization_id: str) -> list[ApiKey]:
        rows = self.session.scalars(select(ApiKeyRow).where(
            ApiKeyRow.organization_id == organization_id).order_by(ApiKeyRow.created_at))
        return [ApiKey.model_validate(_row_dict(row, exclude=("key_hash",))) for row in rows]

    def revoke_api_key(self, organization_id: str, key_id: str) -> ApiKey:
        """Revoke the organization's key with this id (or this prefix); from now on it is 401."""
        keys = [k for k in self.list_api_keys(organization_id)
                if key_id in (k.id, k.prefix)]
        if len(keys) != 1:
            raise NotFound(f"no API key {key_id!r} in this organization" if not keys else
                           f"{len(keys)} keys start with {key_id!r}; give the key's id")
        row = self.session.get(ApiKeyRow, keys[0].id)
        assert row is not None
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
            self.session.flush()
            # this process's key cache forgets it now and once the revocation is committed
            # (a request between the two would otherwise cache the key as still valid)
            key_hash = row.key_hash
            API_KEYS.forget(key_hash)
            event.listen(self.session, "after_commit", lambda _s: API_KEYS.forget(key_hash),
                         once=True)
        return ApiKey.model_validate(_row_dict(row, exclude=("key_hash",)))

    def organization_for_key(self, key: str, *, cache_s: float = 0.0) -> Organization | None:
        """The organization of an active key; `cache_s` > 0 keeps the answer in this process's
        key cache (`key_cache`) for that long, and `cached_organization` reads it."""
        key_hash = hash_api_key(key)
        ticket = API_KEYS.ticket()
        row = self.session.scalar(_ORGANIZATION_FOR_KEY, {"key_hash": key_hash})
        if row is None:
            return None
        org = Organization.model_validate(_row_dict(row))
        API_KEYS.put(key_hash, org, cache_s, ticket)
        return org

    def get_organization(self, organization_id: str) -> Organization:
        row = self.session.get(OrganizationRow, organization_id)
        if row is None:
            raise NotFound(f"organization {organization_id} not found")
        return Organization.model_validate(_row_dict(row))

    def organization_by_slug(self, slug: str) -> Organization | None:
        row = self.session.scalar(select(OrganizationRow).where(OrganizationRow.slug == slug))
        return None if row is None else Organization.model_validate(_row_dict(row))

    def list_organizations(self) -> list[Organization]:
        rows = self.session.scalars(select(OrganizationRow).order_by(OrganizationRow.created_at))
        return [Organization.model_validate(_row_dict(r)) for r in rows]


def _slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", to_ascii(name).lower()).strip("-")
    return (slug or "org")[:64]


class Repository(OrganizationScope):
    """One organization's data; accounting secrets sealed with `secrets` (storage.secrets)."""

    def __init__(self, session: Session, organization_id: str, *,
                 secrets: SecretBox | None = None) -> None:
        super().__init__(session, organization_id)
        self.secrets = secrets

    # -- helpers ---------------------------------------------------------------------------
    def _get(self, row_type: Any, key: Any, what: str) -> Any:
        row = self.session.get(row_type, key)
        if row is None or row.organization_id != self.organization_id:
            raise NotFound(f"{what} {key if isinstance(key, str) else key[-1]} not found")
        return row

    def _check_org(self, obj: Any) -> None:
        if obj.organization_id != self.organization_id:
            raise NotFound("object belongs to another organization")

    def _add(self, row_type: Any, obj: _Model, values: dict[str, Any] | None = None) -> _Model:
        """A new object of this organization, stored as a row (of `values`, when its columns
        are not simply its fields)."""
        self._check_org(obj)
        self.session.add(row_type(**(obj.model_dump() if values is None else values)))
        self.session.flush()
        return obj

    def _load(self, model: type[_Model], row_type: Any, key: Any, what: str) -> _Model:
        """The object of this organization with this key, from its row."""
        return model.model_validate(_row_dict(self._get(row_type, key, what)))

    def _load_all(self, model: type[_Model], query: Select[Any]) -> list[_Model]:
        """The objects a query's rows hold."""
        return [model.model_validate(_row_dict(r)) for r in self.session.scalars(query)]

    def _update(self, row_type: Any, obj: Any, what: str, values: dict[str, Any]) -> None:
        """An object's row set to `values` (its id and organization stay)."""
        self._check_org(obj)
        row = self._get(row_type, obj.id, what)
        for key, value in values.items():
            if key not in ("id", "organization_id"):
                setattr(row, key, value)
        self.session.flush()

    # -- vendors and the chart of accounts -------------------------------------------------
    def add_vendor(self, vendor: Vendor) -> Vendor:
        """A new vendor of this organization (NotFound if it names another one)."""
        return self._add(VendorRow, vendor)

    def update_vendor(self, vendor: Vendor) -> Vendor:
        """The vendor's stored fields replaced by these (its id and organization stay)."""
        self._update(VendorRow, vendor, "vendor", vendor.model_dump())
        return vendor

    def add_account(self, account: Account) -> Account:
        return self._add(AccountRow, account)

    def get_vendor(self, vendor_id: str) -> Vendor:
        """This organization's vendor; another organization's id is NotFound, as if absent."""
        return self._load(Vendor, VendorRow, vendor_id, "vendor")

    def get_account(self, account_id: str) -> Account:
        return self._load(Account, AccountRow, account_id, "account")

    def list_vendors(self) -> list[Vendor]:
        """This organization's vendors, by name."""
        return self._load_all(Vendor, self._owned(VendorRow).order_by(VendorRow.name))

    def list_accounts(self) -> list[Account]:
        """This organization's chart of accounts, by code."""
        return self._load_all(Account, self._owned(AccountRow).order_by(AccountRow.code))

    def move_bills(self, from_vendor_id: str, to_vendor_id: str) -> int:
        """Every bill of one vendor made another's (a merge); how many moved."""
        self.get_vendor(from_vendor_id), self.get_vendor(to_vendor_id)
        rows = list(self.session.scalars(self._owned(BillRow,
                                                     BillRow.vendor_id == from_vendor_id)))
        for row in rows:
            row.vendor_id = to_vendor_id
        self.session.flush()
        return len(rows)

    def delete_vendor(self, vendor_id: str) -> None:
        """Remove a vendor that no bill names any more (its memory with it)."""
        row = self._get(VendorRow, vendor_id, "vendor")
        if self.session.scalar(self._owned(BillRow, BillRow.vendor_id == vendor_id).limit(1)):
            raise Conflict(f"vendor {vendor_id} still has bills", field="vendor_id")
        self.delete_vendor_memory(vendor_id)
        self.session.delete(row)
        self.session.flush()

    # -- vendor memories (domain.memory) ---------------------------------------------------
    def get_vendor_memory(self, vendor_id: str) -> VendorMemory | None:
        """The vendor's memory, or None when its bills taught nothing yet (or it is another
        organization's vendor)."""
        row = self.session.get(VendorMemoryRow, vendor_id, populate_existing=True)
        if row is None or row.organization_id != self.organization_id:
            return None
        return VendorMemory.model_validate(row.memory)

    def list_vendor_memories(self) -> list[VendorMemory]:
        return [VendorMemory.model_validate(row.memory) for row in self.session.scalars(
            self._owned(VendorMemoryRow).order_by(VendorMemoryRow.vendor_id))]

    def save_vendor_memory(self, memory: VendorMemory) -> VendorMemory:
        """Store the memory of one of this organization's vendors (replacing the former)."""
        self._check_org(memory)
        self.get_vendor(memory.vendor_id)  # the vendor must be this organization's
        memory = memory.model_copy(update={"updated_at": utcnow()})
        row = self.session.get(VendorMemoryRow, memory.vendor_id)
        data = memory.model_dump(mode="json")
        if row is None:
            self.session.add(VendorMemoryRow(vendor_id=memory.vendor_id,
                                             organization_id=self.organization_id,
                                             memory=data, updated_at=memory.updated_at))
        else:
            row.memory, row.updated_at = data, memory.updated_at
        self.session.flush()
        return memory

    def delete_vendor_memory(self, vendor_id: str) -> bool:
        """Forget what the vendor's bills taught; whether there was anything."""
        row = self.session.get(VendorMemoryRow, vendor_id)
        if row is None or row.organization_id != self.organization_id:
            return False
        self.session.delete(row)
        self.session.flush()
        return True

    # -- documents -------------------------------------------------------------------------
    def add_document(self, document: Document) -> Document:
        """Record a document; if the same content is already recorded, return that one."""
        self._check_org(document)
        existing = self.session.get(DocumentRow, (self.organization_id, document.sha256))
        if existing is not None:
            return Document.model_validate(_row_dict(existing))
        return self._add(DocumentRow, document)

    def get_document(self, sha256: str) -> Document:
        return self._load(Document, DocumentRow, (self.organization_id, sha256), "document")

    # -- bills -----------------------------------------------------------------------------
    def add_bill(self, bill: Bill) -> Bill:
        """Record a bill; one from an original that already has a bill is a DuplicateBill
        naming that bill (the database's unique index decides when two arrive at once)."""
        self._check_org(bill)
        if bill.document_sha256:
            existing = self.find_bill_by_document(bill.document_sha256)
            if existing is not None:
                raise _duplicate_of(existing)
        self.session.add(BillRow(**_bill_row(bill)))
        try:
            self.session.flush()
        except IntegrityError as exc:
            committed = self._committed_bill_for(bill.document_sha256)
            if committed is None:
                raise
            raise _duplicate_of(committed) from exc
        return bill

    def _committed_bill_for(self, sha256: str | None) -> Bill | None:
        """The bill another transaction committed for this original (this session's
        transaction is unusable after the failed flush, so look on a connection of its own)."""
        if not sha256:
            return None
        with self.session.get_bind().engine.connect() as connection:
            row = connection.execute(
                self._owned(BillRow, BillRow.document_sha256 == sha256).limit(1)).first()
        return None if row is None else Bill.model_validate(
            {c.key: getattr(row, c.key) for c in BillRow.__table__.columns})

    def get_bill(self, bill_id: str, *, for_update: bool = False) -> Bill:
        """The bill as stored now; `for_update` holds it until the transaction ends, so a
        change made from what is read is never lost to a concurrent one."""
        if for_update:
            self._lock(BillRow, bill_id)
        row = self.session.get(BillRow, bill_id, populate_existing=True)
        if row is None or row.organization_id != self.organization_id:
            raise NotFound(f"bill {bill_id} not found")
        return _bill(row)

    def update_bill(self, bill: Bill) -> Bill:
        self._update(BillRow, bill, "bill", _bill_row(bill))
        return bill

    def list_bills(self, *, vendor_id: str | None = None, status: str | None = None,
                   limit: int = 100, offset: int = 0) -> list[Bill]:
        query = self._owned(BillRow)
        if vendor_id:
            query = query.where(BillRow.vendor_id == vendor_id)
        if status:
            query = query.where(BillRow.status == status)
        query = query.order_by(BillRow.created_at.desc(), BillRow.id).limit(limit).offset(offset)
        return [_bill(r) for r in self.session.scalars(query)]

    def bills_with_ids(self, bill_ids: list[str]) -> list[Bill]:
        """This organization's bills among these ids (others are left out)."""
        if not bill_ids:
            return []
        return [_bill(r) for r in self.session.scalars(
            self._owned(BillRow, BillRow.id.in_(sorted(set(bill_ids)))))]

    def find_bill_by_number(self, vendor_id: str, bill_number: str,
                            total: Decimal | None = None) -> Bill | None:
        """The bill with this vendor and number (and total, when given), if any."""
        query = self._owned(BillRow, BillRow.vendor_id == vendor_id,
                            BillRow.bill_number == bill_number)
        for row in self.session.scalars(query):
            if total is None or row.total == total:
                return _bill(row)
        return None

    def find_bill_by_document(self, sha256: str) -> Bill | None:
        row = self.session.scalar(
            self._owned(BillRow, BillRow.document_sha256 == sha256).limit(1))
        return None if row is None else _bill(row)

    # -- payments --------------------------------------------------------------------------
    def add_payment(self, payment: BillPayment) -> BillPayment:
        self._check_org(payment)
        self.get_bill(payment.bill_id)  # the bill must be this organization's
        return self._add(BillPaymentRow, payment)

    def list_payments(self, bill_id: str) -> list[BillPayment]:
        return self._load_all(BillPayment, self._owned(
            BillPaymentRow, BillPaymentRow.bill_id == bill_id)
            .order_by(BillPaymentRow.payment_date, BillPaymentRow.id))

    # -- ingest jobs -----------------------------------------------------------------------
    def add_job(self, job: IngestJob) -> IngestJob:
        return self._add(IngestJobRow, job, _job_row(job))

    def add_received(self, document: Document, job: IngestJob, *,
                     held_by: tuple[str, datetime] | None = None) -> IngestJob:
        """Record a received file: its document (unless recorded already) and its new job,
        with two plain INSERTs on the session's connection (the request path's one short
        write).
        `held_by` (holder, until): the job is written already leased to the dispatcher that
        will queue it. A concurrent writer of the same file fails the commit (IntegrityError)."""
        self._check_org(document)
        self._check_org(job)
        connection = self.session.connection()
        connection.execute(_INSERT_DOCUMENT_IF_NEW[connection.dialect.name],
                           document.model_dump())
        values = _job_row(job)
        values["lease_owner"], values["lease_until"] = held_by or (None, None)
        connection.execute(_INSERT_JOB, values)
        return job

    def get_job(self, job_id: str) -> IngestJob:
        return _job(self._get(IngestJobRow, job_id, "job"))

    def find_job_by_document(self, sha256: str) -> IngestJob | None:
        row = self.session.connection().execute(_JOB_BY_DOCUMENT, {
            "organization_id": self.organization_id, "sha256": sha256}).mappings().first()
        return None if row is None else IngestJob.model_validate(
            {key: value for key, value in row.items() if key not in LEASE_COLUMNS})

    def list_jobs(self, *, status: JobStatus | None = None, limit: int = 100,
                  offset: int = 0) -> list[IngestJob]:
        query = self._owned(IngestJobRow)
        if status:
            query = query.where(IngestJobRow.status == status.value)
        query = query.order_by(IngestJobRow.created_at.desc(), IngestJobRow.id)
        return [_job(row) for row in self.session.scalars(query.limit(limit).offset(offset))]

    def job_ids(self, *, status: JobStatus, limit: int = 10_000) -> list[str]:
        """The ids of the jobs in this status, newest first (as `list_jobs` orders them)."""
        query = select(IngestJobRow.id).where(
            IngestJobRow.organization_id == self.organization_id,
            IngestJobRow.status == status.value,
        ).order_by(IngestJobRow.created_at.desc(), IngestJobRow.id).limit(limit)
        return list(self.session.scalars(query))

    def jobs_of_original(self, original_sha256: str) -> list[IngestJob]:
        """The jobs of the bills found in one original file (their `original_sha256` hint)."""
        query = self._owned(IngestJobRow, IngestJobRow.hints[ORIGINAL_HINT].as_string()
                            == original_sha256).order_by(IngestJobRow.created_at)
        return [_job(row) for row in self.session.scalars(query)]

    def add_page_change(self, change: PageChange) -> PageChange:
        return self._add(PageChangeRow, change, change.model_dump(mode="json") | {
            "at": change.at})

    def page_changes(self, original_sha256: str) -> list[PageChange]:
        """The changes people made to the bills of one original file, oldest first."""
        return self._load_all(PageChange, self._owned(
            PageChangeRow, PageChangeRow.original_sha256 == original_sha256)
            .order_by(PageChangeRow.at, PageChangeRow.id))

    def update_job(self, job: IngestJob) -> IngestJob:
        self._check_org(job)
        job.updated_at = datetime.now(UTC)
        self._update(IngestJobRow, job, "job", _job_row(job))
        return job

    # -- booking jobs (pushes and payments run outside the request) ------------------------
    def add_booking_job(self, job: BookingJob) -> BookingJob:
        return self._add(BookingJobRow, job, job.model_dump())

    def get_booking_job(self, job_id: str) -> BookingJob:
        row = self._get(BookingJobRow, job_id, "booking job")  # (its lease: storage.leases)
        return BookingJob.model_validate(_row_dict(row, exclude=LEASE_COLUMNS))

    def update_booking_job(self, job: BookingJob) -> BookingJob:
        job.updated_at = datetime.now(UTC)
        self._update(BookingJobRow, job, "booking job", job.model_dump())
        return job

    # -- accounting connections ------------------------------------------------------------
    def set_connection(self, backend: str, config: dict[str, Any],
                       secrets_: dict[str, str]) -> str:
        """Make `backend` this organization's accounting system; returns the connection id."""
        for row in self.session.scalars(self._owned(AccountingConnectionRow)):
            row.is_default = False
        connection_id = new_id()
        self.session.add(AccountingConnectionRow(
            id=connection_id, organization_id=self.organization_id, backend=backend,
            config=config, secrets=self._sealed(secrets_), is_default=True))
        self.session.flush()
        return connection_id

    def get_connection(self, connection_id: str | None = None) -> dict[str, Any] | None:
        """The default connection (or the one with this id, current or earlier) as {id,
        backend, config, secrets}, or None (use the default)."""
        query = self._owned(AccountingConnectionRow, AccountingConnectionRow.id == connection_id
                            ) if connection_id else self._owned(
            AccountingConnectionRow, AccountingConnectionRow.is_default.is_(True))
        row = self.session.scalar(
            query.order_by(AccountingConnectionRow.created_at.desc()).limit(1))
        if row is None:
            return None
        return {"id": row.id, "backend": row.backend, "config": dict(row.config),
                "secrets": self._box().open(row.secrets)}

    def _box(self) -> SecretBox:
        if self.secrets is None:
            raise SecretKeyError("this repository has no secret key: accounting secrets are "
                                 "stored only encrypted")
        return self.secrets

    def _sealed(self, secrets_: dict[str, str]) -> dict[str, Any]:
        return self._box().seal(secrets_) if secrets_ else {}

    def update_connection_options(self, connection_id: str, options: dict[str, Any]) -> None:
        """Set options of a stored connection (e.g. its tax-rate mapping), in place."""
        row = self.session.get(AccountingConnectionRow, connection_id)
        if row is None or row.organization_id != self.organization_id:
            raise NotFound(f"accounting connection {connection_id} not found")
        row.config = {**dict(row.config), **options}
        self.session.flush()


def _bill_row(bill: Bill) -> dict[str, Any]:
    data = bill.model_dump(exclude={"line_items", "tax_lines", "writes"})
    data["line_items"] = [item.model_dump(mode="json") for item in bill.line_items]
    data["tax_lines"] = [line.model_dump(mode="json") for line in bill.tax_lines]
    data["writes"] = {name: write.model_dump(mode="json") for name, write in bill.writes.items()}
    data["kind"] = bill.kind.value
    data["status"] = bill.status.value
    return data


def _job(row: IngestJobRow) -> IngestJob:
    """The job a row holds; its lease is the queue's business (`storage.leases`), not the
    job's, and no update of the job touches it."""
    return IngestJob.model_validate(_row_dict(row, exclude=LEASE_COLUMNS))


def _job_row(job: IngestJob) -> dict[str, Any]:
    """The job's columns; its outcome as JSON (decimals and dates as strings)."""
    data = job.model_dump(exclude={"outcome"})
    data["outcome"] = None if job.outcome is None else job.outcome.model_dump(mode="json")
    return data


def _duplicate_of(existing: Bill) -> DuplicateBill:
    return DuplicateBill(f"this file was already taken in as bill {existing.bill_number} "
                         f"({existing.id})", existing_id=existing.id)


def _bill(row: BillRow) -> Bill:
    return Bill.model_validate(_row_dict(row))
