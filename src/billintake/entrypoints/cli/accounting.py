"""`billintake vendors|accounts|bills|connect|tax-rates`: the accounting routes, as commands.

Output is JSON (one document per command) so it can be piped; errors print a message and exit 1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import typer

from billintake.accounting.writer import Connection
from billintake.domain.errors import ValidationFailed
from billintake.entrypoints.cli.common import OrgOption, acting_for, group, user_errors
from billintake.services.books import (
    BillInput,
    BillService,
    VendorInput,
    checked_options,
    connection_for,
)

commands = typer.Typer()

vendors_app = group(commands, "vendors", "Vendors of an organization.")
bills_app = group(commands, "bills", "Bills: record, push, pay.")


@contextmanager
def _service(org: str | None) -> Iterator[BillService]:
    with acting_for(org) as (runtime, organization_id), \
            runtime.repository(organization_id) as repo:
        yield BillService.open(repo, runtime.settings, runtime.originals)


def _print(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def _pairs(items: list[str], what: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValidationFailed(f"{what} must be KEY=VALUE, got {item!r}")
        pairs[key] = value
    return pairs


@vendors_app.command("list")
def vendors_list(org: str | None = OrgOption) -> None:
    """List the vendors."""
    with user_errors(), _service(org) as service:
        _print([v.model_dump(mode="json") for v in service.list_vendors()])


@vendors_app.command("add")
def vendors_add(name: str, tax_id: str | None = None, email: str | None = None,
                iban: str | None = None, org: str | None = OrgOption) -> None:
    """Add a vendor (refused if its tax id, IBAN or name is already known)."""
    with user_errors(), _service(org) as service:
        vendor = service.create_vendor(VendorInput(name=name, tax_id=tax_id, email=email,
                                                   iban=iban))
        _print(vendor.model_dump(mode="json"))


@commands.command("accounts")
def accounts(org: str | None = OrgOption) -> None:
    """List the chart of accounts of the organization's accounting system."""
    with user_errors(), _service(org) as service:
        _print([a.model_dump(mode="json") for a in service.list_accounts()])


@bills_app.command("list")
def bills_list(status: str | None = None, vendor_id: str | None = None,
               org: str | None = OrgOption) -> None:
    """List bills (newest first)."""
    with user_errors(), _service(org) as service:
        _print([b.model_dump(mode="json")
                for b in service.list_bills(status=status, vendor_id=vendor_id)])


@bills_app.command("show")
def bills_show(bill_id: str, org: str | None = OrgOption) -> None:
    """Show a bill with its payments and open balance."""
    with user_errors(), _service(org) as service:
        _print(service.get_bill(bill_id).to_dict())


@bills_app.command("add")
def bills_add(json_file: Path = typer.Argument(..., help="the bill as JSON ('-' for stdin)"),
              push: bool = typer.Option(False, help="push it to the books at once"),
              org: str | None = OrgOption) -> None:
    """Record a bill given as JSON (the body of POST /bills)."""
    with user_errors():
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
            _print(bill.model_dump(mode="json"))


@bills_app.command("push")
def bills_push(bill_id: str, org: str | None = OrgOption) -> None:
    """Book a bill (with its original) in the organization's accounting system."""
    with user_errors(), _service(org) as service:
        service.push_bill(bill_id)
        _print(service.get_bill(bill_id).to_dict())


@bills_app.command("pay")
def bills_pay(bill_id: str, amount: str, currency: str,
              on: str = typer.Option(None, "--date", help="payment date (default today)"),
              reference: str | None = None, account_id: str | None = None,
              org: str | None = OrgOption) -> None:
    """Record a (partial) payment of a bill."""
    with user_errors():
        try:
            value = Decimal(amount)
            day = date.fromisoformat(on) if on else date.today()
        except (InvalidOperation, ValueError) as exc:
            raise ValidationFailed(f"bad amount or date: {exc}") from exc
        with _service(org) as service:
            payment = service.record_payment(bill_id, amount=value, currency=currency,
                                             payment_date=day, reference=reference,
                                             account_id=account_id)
            _print({"payment": payment.model_dump(mode="json"),
                    "bill": service.get_bill(bill_id).to_dict()})


@commands.command("tax-rates")
def tax_rates(set_: list[str] = typer.Option([], "--set", help="RATE=TAX_RATE_ID, e.g. 19=..."),
              unset: list[str] = typer.Option([], help="a RATE to unmap"),
              org: str | None = OrgOption) -> None:
    """Show (no option) or set the VAT rate -> tax rate mapping of the accounting connection."""
    with user_errors(), _service(org) as service:
        changes: dict[str, str | None] = {**_pairs(set_, "--set"), **dict.fromkeys(unset)}
        _print(service.set_tax_rates(changes) if changes else service.tax_rates())


@commands.command("connect")
def connect(backend: str = typer.Argument(None, help="ledger, beancount or rutter"),
            option: list[str] = typer.Option([], help="KEY=VALUE, e.g. currency=EUR"),
            secret: list[str] = typer.Option([], help="KEY=VALUE, e.g. access_token=..."),
            org: str | None = OrgOption) -> None:
    """Show (no BACKEND) or set the organization's accounting system; secrets are not shown."""
    with user_errors(), acting_for(org) as (runtime, organization_id), \
                runtime.repository(organization_id) as repo:
        if backend is None:
            _print(connection_for(repo, runtime.settings).public())
            return
        try:
            connection = Connection(backend=backend, options=_pairs(option, "--option"),
                                    secrets=_pairs(secret, "--secret"))
        except ValueError as exc:
            raise ValidationFailed(str(exc), field="backend") from exc
        repo.set_connection(connection.backend,
                            checked_options(connection.backend, dict(connection.options)),
                            {k: v.get_secret_value()
                             for k, v in connection.secrets.items()})
        _print(connection.public())
