"""`billintake vendors|accounts|bills|connect|tax-rates`: the accounting routes, as commands.

Output is a table for people, or JSON with `--json` (one document per command, the API's
shape); errors print a message and exit 1. Ids may be shortened to a unique prefix.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import typer

from billintake.accounting.writer import Connection
from billintake.domain.errors import ValidationFailed
from billintake.entrypoints.cli.common import (
    OrgOption,
    acting_for,
    group,
    parse_amount,
    parse_date,
    user_errors,
)
from billintake.entrypoints.cli.output import JsonOption, emit, short_id
from billintake.services.books import (
    BillInput,
    BillService,
    VendorInput,
    checked_options,
    connection_for,
)
from billintake.storage.ids import complete_id
from billintake.storage.tables import BillRow

commands = typer.Typer()

vendors_app = group(commands, "vendors", "Vendors of an organization.")
bills_app = group(commands, "bills", "Bills: record, push, pay.")


@contextmanager
def _service(org: str | None) -> Iterator[BillService]:
    with acting_for(org) as (runtime, organization_id), \
            runtime.repository(organization_id) as repo:
        yield BillService.open(repo, runtime.settings, runtime.originals)


def _bill(service: BillService, given: str) -> str:
    """The bill's full id from `given` (its id or a unique prefix)."""
    return complete_id(service.repo.session, BillRow, service.repo.organization_id, given,
                       "bill")


def _bill_rows(bills: list[dict[str, Any]], vendors: dict[str, str]) -> list[list[Any]]:
    return [[short_id(b["id"]), vendors.get(b["vendor_id"], short_id(b["vendor_id"])),
             b["bill_number"], b["bill_date"], b.get("due_date"),
             f'{b["total"]} {b["currency"]}', b["status"]] for b in bills]


BILL_COLUMNS = ("id", "vendor", "number", "date", "due", "total", "status")


def _pairs(items: list[str], what: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValidationFailed(f"{what} must be KEY=VALUE, got {item!r}")
        pairs[key] = value
    return pairs


@vendors_app.command("list")
def vendors_list(org: str | None = OrgOption, json_output: bool = JsonOption) -> None:
    """List the vendors."""
    with user_errors(json_output), _service(org) as service:
        vendors = [v.model_dump(mode="json") for v in service.list_vendors()]
        emit(vendors, json_output,
             columns=("id", "name", "tax id", "email", "iban", "expense account"),
             rows=[[short_id(v["id"]), v["name"], v["tax_id"], v["email"], v["iban"],
                    ", ".join(v["expense_accounts"].values())] for v in vendors],
             empty="no vendors yet (`billintake vendors import` takes the books' vendors)")


@vendors_app.command("add")
def vendors_add(
    name: str = typer.Argument(..., help="the vendor's name as on its bills"),
    tax_id: str | None = typer.Option(None, help="VAT or tax number (default: none)"),
    email: str | None = typer.Option(None, help="the address its bills come from"),
    iban: str | None = typer.Option(None, help="its bank account (IBAN)"),
    org: str | None = OrgOption, json_output: bool = JsonOption,
) -> None:
    """Add a vendor (refused if its tax id, IBAN or name is already known)."""
    with user_errors(json_output), _service(org) as service:
        vendor = service.create_vendor(VendorInput(name=name, tax_id=tax_id, email=email,
                                                   iban=iban))
        emit(vendor.model_dump(mode="json"), json_output, columns=("id", "name"),
             rows=[[vendor.id, vendor.name]], title="vendor added")


@vendors_app.command("import")
def vendors_import(org: str | None = OrgOption, json_output: bool = JsonOption) -> None:
    """Take in the vendors and the chart of accounts of the connected books (run it once on
    day one, and again after adding vendors there): known vendors are linked, not doubled."""
    from billintake.services.books_import import import_from_books

    with user_errors(json_output), _service(org) as service:
        result = import_from_books(service)
    emit(result.to_dict(), json_output, columns=("what", "count", "names"), rows=[
        ["vendors created", len(result.vendors_created), ", ".join(result.vendors_created)],
        ["vendors linked", len(result.vendors_linked), ", ".join(result.vendors_linked)],
        ["vendors already linked", result.vendors_known, ""],
        ["accounts added", len(result.accounts_added), ", ".join(result.accounts_added)],
        ["accounts already known", result.accounts_known, ""],
    ], title=f"imported from the {result.backend} books")


@vendors_app.command("account")
def vendors_account(
    vendor: str = typer.Argument(..., help="the vendor's id (or a unique prefix) or exact name"),
    account: str | None = typer.Argument(None, help="an expense account of the books, by code "
                                         "or id (see `billintake accounts`)"),
    clear: bool = typer.Option(False, "--clear", help="book to the books' default again"),
    org: str | None = OrgOption, json_output: bool = JsonOption,
) -> None:
    """Book a vendor's bill lines to one expense account (lines that name none)."""
    from billintake.services.books_import import set_expense_account
    from billintake.storage.tables import VendorRow

    if account is None and not clear:
        raise typer.BadParameter("give an ACCOUNT, or --clear", param_hint="ACCOUNT")
    with user_errors(json_output), _service(org) as service:
        by_name = [v for v in service.list_vendors() if v.name.casefold() == vendor.casefold()]
        vendor_id = by_name[0].id if len(by_name) == 1 else complete_id(
            service.repo.session, VendorRow, service.repo.organization_id, vendor, "vendor")
        updated = set_expense_account(service, vendor_id, None if clear else account)
    emit(updated.model_dump(mode="json"), json_output, columns=("vendor", "books", "account"),
         rows=[[updated.name, backend, account_id]
               for backend, account_id in updated.expense_accounts.items()]
         or [[updated.name, "", "the books' default"]], title="expense account")


@commands.command("accounts")
def accounts(org: str | None = OrgOption, json_output: bool = JsonOption) -> None:
    """List the chart of accounts of the organization's accounting system."""
    with user_errors(json_output), _service(org) as service:
        found = [a.model_dump(mode="json") for a in service.list_accounts()]
        emit(found, json_output, columns=("code", "name", "class", "id"),
             rows=[[a["code"], a["name"], a["account_class"], a["id"]] for a in found],
             empty="no accounts")


@bills_app.command("list")
def bills_list(
    status: str | None = typer.Option(None, help="only bills in this status: draft, open, "
                                      "partially_paid, paid, void (default: all)"),
    vendor_id: str | None = typer.Option(None, help="only this vendor's bills"),
    limit: int = typer.Option(100, min=1, help="at most this many, newest first"),
    org: str | None = OrgOption, json_output: bool = JsonOption,
) -> None:
    """List bills (newest first)."""
    with user_errors(json_output), _service(org) as service:
        bills = [b.model_dump(mode="json")
                 for b in service.list_bills(status=status, vendor_id=vendor_id, limit=limit)]
        names = {v.id: v.name for v in service.list_vendors()}
        emit(bills, json_output, columns=BILL_COLUMNS, rows=_bill_rows(bills, names),
             empty="no bills")


@bills_app.command("show")
def bills_show(bill: str = typer.Argument(..., help="the bill's id (or a unique prefix)"),
               org: str | None = OrgOption, json_output: bool = JsonOption) -> None:
    """Show a bill with its payments and open balance."""
    with user_errors(json_output), _service(org) as service:
        view = service.get_bill(_bill(service, bill)).to_dict()
        _show_bill(view, json_output)


def _show_bill(view: dict[str, Any], json_output: bool) -> None:
    rows = [[key, value] for key, value in view.items()
            if not isinstance(value, dict | list) and value is not None]
    rows += [[f"payment {p['payment_date']}", f"{p['amount']} {p.get('currency', '')}"]
             for p in view.get("payments", [])]
    emit(view, json_output, columns=("field", "value"), rows=rows)


@bills_app.command("add")
def bills_add(json_file: Path = typer.Argument(..., help="the bill as JSON ('-' for stdin)"),
              push: bool = typer.Option(False, help="push it to the books at once"),
              org: str | None = OrgOption, json_output: bool = JsonOption) -> None:
    """Record a bill given as JSON (the body of POST /bills)."""
    with user_errors(json_output):
        text = typer.get_text_stream("stdin").read() if str(json_file) == "-" \
            else json_file.read_text(encoding="utf-8")
        try:
            body = BillInput.model_validate_json(text)
        except ValueError as exc:
            raise ValidationFailed(f"not a valid bill: {exc}") from exc
        with _service(org) as service:
            bill = service.create_bill(body)
            if push:
                bill = service.push_bill(bill.id)
            dumped = bill.model_dump(mode="json")
            emit(dumped, json_output, columns=BILL_COLUMNS,
                 rows=_bill_rows([dumped], {v.id: v.name for v in service.list_vendors()}),
                 title="bill recorded" + (" and booked" if push else ""))


@bills_app.command("push")
def bills_push(bill: str = typer.Argument(..., help="the bill's id (or a unique prefix)"),
               org: str | None = OrgOption, json_output: bool = JsonOption) -> None:
    """Book a bill (with its original) in the organization's accounting system."""
    with user_errors(json_output), _service(org) as service:
        full = _bill(service, bill)
        service.push_bill(full)
        _show_bill(service.get_bill(full).to_dict(), json_output)


@bills_app.command("pay")
def bills_pay(
    bill: str = typer.Argument(..., help="the bill's id (or a unique prefix)"),
    amount: str = typer.Argument(..., help="the amount paid, e.g. 119.00"),
    currency: str = typer.Argument(..., help="its currency, e.g. EUR"),
    on: str | None = typer.Option(None, "--date", help="payment date as YYYY-MM-DD "
                                  "(default: today)"),
    reference: str | None = typer.Option(None, help="the bank transfer's reference"),
    account_id: str | None = typer.Option(None, help="the bank account paid from "
                                          "(default: the books' bank account)"),
    org: str | None = OrgOption, json_output: bool = JsonOption,
) -> None:
    """Record a (partial) payment of a bill."""
    with user_errors(json_output):
        value = parse_amount(amount)
        day = parse_date(on) or date.today()
        assert value is not None
        with _service(org) as service:
            full = _bill(service, bill)
            payment = service.record_payment(full, amount=value, currency=currency,
                                             payment_date=day, reference=reference,
                                             account_id=account_id)
            view = service.get_bill(full).to_dict()
            emit({"payment": payment.model_dump(mode="json"), "bill": view}, json_output,
                 columns=("bill", "paid", "open balance", "status"),
                 rows=[[short_id(full), f"{payment.amount} {currency}",
                        view.get("open_balance"), view["status"]]], title="payment recorded")


@commands.command("tax-rates")
def tax_rates(set_: list[str] = typer.Option([], "--set", help="RATE=TAX_RATE_ID, e.g. 19=..."),
              unset: list[str] = typer.Option([], help="a RATE to unmap"),
              org: str | None = OrgOption, json_output: bool = JsonOption) -> None:
    """Show (no option) or set the VAT rate -> tax rate mapping of the accounting connection."""
    with user_errors(json_output), _service(org) as service:
        changes: dict[str, str | None] = {**_pairs(set_, "--set"), **dict.fromkeys(unset)}
        result = service.set_tax_rates(changes) if changes else service.tax_rates()
        emit(result, json_output, columns=("key", "value"),
             rows=[[k, json.dumps(v, default=str) if isinstance(v, dict | list) else v]
                   for k, v in result.items()])


@commands.command("connect")
def connect(backend: str = typer.Argument(None, help="ledger, beancount or rutter"),
            option: list[str] = typer.Option([], help="KEY=VALUE, e.g. currency=EUR"),
            secret: list[str] = typer.Option([], help="KEY=VALUE, e.g. access_token=..."),
            org: str | None = OrgOption, json_output: bool = JsonOption) -> None:
    """Show (no BACKEND) or set the organization's accounting system; secrets are not shown."""
    with user_errors(json_output), acting_for(org) as (runtime, organization_id), \
            runtime.repository(organization_id) as repo:
        if backend is None:
            _print_connection(connection_for(repo, runtime.settings).public(), json_output)
            return
        try:
            connection = Connection(backend=backend, options=_pairs(option, "--option"),
                                    secrets=_pairs(secret, "--secret"))
        except ValueError as exc:
            raise ValidationFailed(str(exc), field="backend") from exc
        repo.set_connection(connection.backend,
                            checked_options(connection.backend, dict(connection.options)),
                            {k: v.get_secret_value() for k, v in connection.secrets.items()})
        _print_connection(connection.public(), json_output)


def _print_connection(public: dict[str, Any], json_output: bool) -> None:
    rows = [["backend", public["backend"]]]
    rows += [[f"option {k}", v] for k, v in public.get("options", {}).items()]
    rows += [["secrets set", ", ".join(public.get("secrets_set", [])) or "none"]]
    emit(public, json_output, columns=("setting", "value"), rows=rows)
