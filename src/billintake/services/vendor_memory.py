"""Keeping vendor memories: fed by approvals and e-invoices, used by extraction and booking,
shown, forgotten, and carried along when two vendors are merged.

- `memory_book`: an organization's vendors with their memories, for extraction to recognise a
  bill's vendor and use what its approved bills taught (`extraction.memory`);
- `remember_approval`: after a person approves a bill (corrected or not), where each approved
  value sits on its page, its formats and names, and how it was booked (the expense account on
  the vendor, per books; the tax rate and code; each line's account by its description);
- `remember_einvoice`: an e-invoice's XML values located on its printed page, the same way;
- `remember_passed`: a bill booked straight through, as an approval of its values (a page's
  only when its amounts reconcile);
- `with_remembered_booking`: a bill's lines booked as the vendor's were last time (the
  account per line description; the tax rate where the bill's tax agrees with it);
- `forget` and `merge_vendors`.

A memory belongs to one organization (the repository is scoped to it) and lives in the
database, so it survives restarts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from billintake.domain.errors import ValidationFailed
from billintake.domain.extracted import ExtractedBill
from billintake.domain.memory import LINES_KEPT, SIGNATURE_KEPT, FieldMemory, VendorMemory
from billintake.domain.model import Vendor, utcnow
from billintake.extraction.memory import MemoryBook, learn

if TYPE_CHECKING:
    from billintake.bootstrap import Runtime
    from billintake.extraction.extractor import Extractor
    from billintake.reading.document import ReadDocument
    from billintake.storage.repository import Repository

log = logging.getLogger(__name__)

# The contract's header fields an approval confirms (what a memory learns from).
APPROVED_FIELDS = ("bill_number", "vendor_name", "bill_date", "due_date", "currency",
                   "subtotal", "tax", "total")


def memory_book(repo: Repository, own_names: tuple[str, ...] = ()) -> MemoryBook | None:
    """The organization's vendors and their memories, and its own names (which extraction
    never takes for a vendor's); None while it has neither."""
    memories = {m.vendor_id: m for m in repo.list_vendor_memories()}
    if not memories and not own_names:
        return None
    return MemoryBook(tuple(repo.list_vendors()) if memories else (), memories, own_names)


def organization_book(runtime: Runtime, organization_id: str) -> MemoryBook | None:
    """The book extraction reads an organization's bills with (the pipeline's and `billintake
    extract --org`): its vendors' memories, and its name, which a bill addressed to it prints
    as the buyer's and which is never the vendor."""
    with runtime.directory() as directory:
        own_name = directory.get_organization(organization_id).name
    with runtime.repository(organization_id) as repo:
        return memory_book(repo, (own_name,))


def approved_values(bill: ExtractedBill) -> dict[str, Any]:
    """The header values of an approved bill, by contract name."""
    return {name: bill.value(name) for name in APPROVED_FIELDS}


def learned(extractor: Extractor, memory: VendorMemory, document: ReadDocument | None,
            approved: Mapping[str, Any]) -> VendorMemory:
    """`memory` after one more approved bill with these values on these pages (a file with no
    pages, a bare XML, teaches only its values' formats and the names)."""
    if document is None or not any(page.words for page in document.pages):
        names = [str(approved["vendor_name"])] if approved.get("vendor_name") else []
        return memory.model_copy(update={
            "approvals": memory.approvals + 1,
            "names": list(dict.fromkeys([*names, *memory.names]))[:5],
            "currency": approved.get("currency") or memory.currency})
    _, proposed, page = extractor.observe(document)
    return learn(memory, page, proposed, approved, extractor.ranker)


def _memory_of(repo: Repository, vendor_id: str) -> VendorMemory:
    return repo.get_vendor_memory(vendor_id) or VendorMemory(
        organization_id=repo.organization_id, vendor_id=vendor_id)


@dataclass(frozen=True)
class BookedAs:
    """How an approved bill was booked: each line's description and account, and the tax
    rate and code a reviewer gave."""

    lines: tuple[tuple[str, str | None], ...] = ()
    tax_rate: Decimal | None = None
    tax_code: str | None = None


def remember_approval(repo: Repository, extractor: Extractor, vendor: Vendor,
                      approved: ExtractedBill, document: ReadDocument | None,
                      booked: BookedAs | None = None) -> VendorMemory:
    """What an approval teaches the vendor's memory (stored): its values' places on the page,
    and how it was booked."""
    memory = learned(extractor, _memory_of(repo, vendor.id), document,
                     approved_values(approved))
    if booked is not None:
        memory = with_booking(memory, booked)
    return repo.save_vendor_memory(memory)


def remember_einvoice(repo: Repository, extractor: Extractor, vendor: Vendor,
                      bill: ExtractedBill, document: ReadDocument | None) -> VendorMemory | None:
    """An e-invoice's exact values (its XML) located on its printed page teach the vendor's
    memory as an approval does; nothing without a printed page."""
    if bill.source != "xml" or document is None:
        return None
    return remember_approval(repo, extractor, vendor, bill, document)


def remember_passed(repo: Repository, extractor: Extractor, vendor: Vendor,
                    bill: ExtractedBill, document: ReadDocument | None) -> VendorMemory | None:
    """A bill booked straight through teaches its vendor's memory as an approval of its
    values would: an e-invoice always (its XML is exact), a bill read from its page only when
    its amounts reconcile (`reconciled`, nothing contradicting), so a memory is never taught
    a value that only its own earlier lessons vouched for and the arithmetic did not."""
    if bill.source == "xml":
        return remember_einvoice(repo, extractor, vendor, bill, document)
    if document is None or not teaches_when_passed(bill):
        return None
    return remember_approval(repo, extractor, vendor, bill, document)


def teaches_when_passed(bill: ExtractedBill) -> bool:
    """Whether a bill read from its page, booked straight through, may teach its vendor's
    memory: only when its amounts reconcile and nothing contradicts them."""
    return bill.reconciled and bill.arithmetic_disagreement() is None


def with_booking(memory: VendorMemory, booked: BookedAs) -> VendorMemory:
    accounts = dict(memory.line_accounts)
    for description, account in booked.lines:
        key = description_key(description)
        if account and key:
            accounts.pop(key, None)
            accounts[key] = account
    kept = dict(list(accounts.items())[-LINES_KEPT:])
    return memory.model_copy(update={
        "line_accounts": kept,
        "tax_rate": booked.tax_rate if booked.tax_rate is not None else memory.tax_rate,
        "tax_code": booked.tax_code or memory.tax_code})


def description_key(description: str) -> str:
    """A line description as remembered: lower case, numbers and punctuation dropped."""
    return " ".join(re.sub(r"[^\w]+|\d+|_", " ", description.casefold()).split())[:200]


Draft = TypeVar("Draft", bound=BaseModel)  # a `books.BillInput`


def with_remembered_booking(draft: Draft, memory: VendorMemory | None) -> Draft:
    """The bill's lines that name no account booked to the account their description had on
    the vendor's earlier bills; lines without a tax rate at the vendor's, where the bill's tax
    is that rate of its lines (within a cent a line)."""
    items = list(getattr(draft, "line_items", []))
    if memory is None or not items:
        return draft
    net = sum((line.amount for line in items), Decimal(0))
    rate, tax = memory.tax_rate, getattr(draft, "tax", None)
    rate_fits = rate is not None and tax is not None and \
        abs(net * rate / 100 - tax) <= Decimal("0.01") * len(items)
    lines = []
    for line in items:
        update: dict[str, Any] = {}
        account = memory.line_accounts.get(description_key(line.description))
        if line.account_id is None and account:
            update["account_id"] = account
        if line.tax_rate is None and rate_fits:
            update["tax_rate"] = rate
        lines.append(line.model_copy(update=update) if update else line)
    return draft.model_copy(update={"line_items": lines})


def forget(repo: Repository, vendor_id: str) -> bool:
    """Forget everything the vendor's bills taught; whether there was anything."""
    repo.get_vendor(vendor_id)  # 404 for another organization's vendor
    return repo.delete_vendor_memory(vendor_id)


def merged_memory(keep: VendorMemory | None, drop: VendorMemory | None, vendor_id: str,
                  organization_id: str) -> VendorMemory | None:
    """Two vendors' memories as one (the kept vendor's first where they differ)."""
    if drop is None:
        return keep
    if keep is None:
        return drop.model_copy(update={"vendor_id": vendor_id})
    fields = {}
    for name in {*keep.fields, *drop.fields}:
        a, b = keep.field(name), drop.field(name)
        fields[name] = FieldMemory(spots=[*a.spots, *b.spots][:8], absent=a.absent + b.absent)
    return keep.model_copy(update={
        "approvals": keep.approvals + drop.approvals,
        "names": list(dict.fromkeys([*keep.names, *drop.names]))[:5],
        "signature": list(dict.fromkeys([*keep.signature, *drop.signature]))[:SIGNATURE_KEPT],
        "fields": fields,
        "date_order": keep.date_order or drop.date_order,
        "decimal_mark": keep.decimal_mark or drop.decimal_mark,
        "bill_number_shape": keep.bill_number_shape or drop.bill_number_shape,
        "currency": keep.currency or drop.currency,
        "tax_rate": keep.tax_rate if keep.tax_rate is not None else drop.tax_rate,
        "tax_code": keep.tax_code or drop.tax_code,
        "line_accounts": {**drop.line_accounts, **keep.line_accounts},
        "updated_at": utcnow()})


def merge_vendors(repo: Repository, keep_id: str, drop_id: str) -> Vendor:
    """One vendor known twice made one: the other's bills, names, bank accounts, expense
    accounts and memory move to `keep_id`, and the other is removed."""
    if keep_id == drop_id:
        raise ValidationFailed("a vendor cannot be merged into itself", field="vendor_id")
    keep, drop = repo.get_vendor(keep_id), repo.get_vendor(drop_id)
    memory = merged_memory(repo.get_vendor_memory(keep_id), repo.get_vendor_memory(drop_id),
                           keep_id, repo.organization_id)
    repo.move_bills(drop_id, keep_id)
    known = {a.casefold() for a in (keep.name, *keep.aliases)}
    aliases = [*keep.aliases, *(n for n in (drop.name, *drop.aliases) if n.casefold() not in known)]
    accounts = [a for a in drop.known_accounts() if a not in keep.known_accounts()]
    merged = keep.model_copy(update={
        "aliases": list(dict.fromkeys(aliases)),
        "tax_id": keep.tax_id or drop.tax_id, "email": keep.email or drop.email,
        "address": keep.address or drop.address,
        "iban": keep.iban or drop.iban,
        "bank_accounts": [*keep.bank_accounts, *(a for a in accounts if a != (keep.iban or
                                                                                drop.iban))],
        "external_ids": {**drop.external_ids, **keep.external_ids},
        "expense_accounts": {**drop.expense_accounts, **keep.expense_accounts}})
    repo.delete_vendor(drop_id)
    repo.update_vendor(merged)
    if memory is not None:
        repo.save_vendor_memory(memory)
    return merged
