"""Day one: take the vendors and the chart of accounts the connected books already have, so
bills from known vendors match at once; and each vendor's expense account in those books.

A books vendor already linked (its id in `Vendor.external_ids[backend]`) is left alone; one
with the same tax id, IBAN or exact name as a vendor here is linked to it; any other becomes a
new vendor here, linked. Accounts are kept here by code (new codes added, names refreshed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from billintake.domain.errors import NotFound, ValidationFailed
from billintake.domain.model import Account, AccountClass, Vendor
from billintake.matching.vendors import VendorCandidate, match_vendor
from billintake.services.books import BillService


@dataclass
class ImportResult:
    backend: str
    vendors_created: list[str] = field(default_factory=list)
    vendors_linked: list[str] = field(default_factory=list)
    vendors_known: int = 0
    accounts_added: list[str] = field(default_factory=list)
    accounts_known: int = 0

    def to_dict(self) -> dict[str, object]:
        return {"backend": self.backend, "vendors_created": self.vendors_created,
                "vendors_linked": self.vendors_linked, "vendors_known": self.vendors_known,
                "accounts_added": self.accounts_added, "accounts_known": self.accounts_known}


def import_from_books(service: BillService) -> ImportResult:
    """Vendors and accounts of the connected books into this organization's records."""
    repo, writer = service.repo, service.writer
    backend = writer.backend
    result = ImportResult(backend)
    local = repo.list_vendors()
    linked = {v.external_ids.get(backend) for v in local if v.external_ids.get(backend)}
    for theirs in writer.list_vendors():
        if theirs.id in linked:
            result.vendors_known += 1
            continue
        found = match_vendor(VendorCandidate(name=theirs.name, tax_id=theirs.tax_id,
                                             iban=theirs.iban), local,
                             threshold=100.0, margin=0.0)
        same = found.vendor if found.method in ("tax_id", "iban", "exact_name") else None
        if same is not None and not same.external_ids.get(backend):
            stored = repo.get_vendor(same.id)
            stored.external_ids = {**stored.external_ids, backend: theirs.id}
            repo.update_vendor(stored)
            result.vendors_linked.append(theirs.name)
            continue
        vendor = repo.add_vendor(Vendor(
            organization_id=repo.organization_id, name=theirs.name, tax_id=theirs.tax_id,
            email=theirs.email, address=theirs.address, iban=theirs.iban,
            external_ids={backend: theirs.id}))
        local.append(vendor)
        result.vendors_created.append(vendor.name)
    known_codes = {a.code for a in repo.list_accounts()}
    for account in writer.list_accounts():
        if account.code in known_codes:
            result.accounts_known += 1
            continue
        repo.add_account(Account(organization_id=repo.organization_id, code=account.code,
                                 name=account.name, account_class=account.account_class,
                                 currency=account.currency,
                                 external_id=account.external_id or account.id))
        known_codes.add(account.code)
        result.accounts_added.append(f"{account.code} {account.name}")
    return result


def set_expense_account(service: BillService, vendor_id: str, account: str | None) -> Vendor:
    """Book the vendor's bill lines (those naming no account) to `account` — an expense
    account of the connected books, by id or code — or, with None, to the books' default."""
    repo, backend = service.repo, service.writer.backend
    vendor = repo.get_vendor(vendor_id)
    mapping = dict(vendor.expense_accounts)
    if account is None:
        mapping.pop(backend, None)
    else:
        accounts = service.writer.list_accounts()
        chosen = next((a for a in accounts if a.id == account), None) or next(
            (a for a in accounts if a.code == account), None)
        if chosen is None:
            raise NotFound(f"no account {account!r} in the {backend} books "
                           "(see `billintake accounts`)", field="account_id")
        if chosen.account_class is not AccountClass.EXPENSE:
            raise ValidationFailed(f"account {chosen.code} {chosen.name} is an "
                                   f"{chosen.account_class.value} account, not an expense "
                                   "account", field="account_id")
        mapping[backend] = chosen.id
    vendor.expense_accounts = mapping
    return repo.update_vendor(vendor)
