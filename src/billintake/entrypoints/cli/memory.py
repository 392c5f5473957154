"""`billintake learn` and `billintake vendors memory|forget|merge`: the vendor memory loop.

`learn --org SLUG FILE --truth JSON` records FILE as approved with the contract's field values
(as a review approval with those corrections); `extract --jsonl --org SLUG` then extracts with
what the organization's approvals taught. `vendors memory VENDOR` shows a vendor's memory,
`vendors forget VENDOR` drops it, `vendors merge KEEP OTHER` makes two vendors one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from billintake.domain.errors import NotFound, ValidationFailed
from billintake.entrypoints.cli.accounting import vendors_app
from billintake.entrypoints.cli.common import OrgOption, acting_for, user_errors
from billintake.entrypoints.cli.output import JsonOption, emit

commands = typer.Typer()


@commands.command()
def learn(
    file: Path = typer.Argument(..., help="the bill file (PDF, PNG, JPEG, TIFF, XML)"),
    truth: str = typer.Option(..., "--truth",
                              help="the approved values as JSON (the contract's names: "
                                   "vendor_name, bill_number, bill_date, due_date, currency, "
                                   "subtotal, tax, total, line_items), or @FILE.json"),
    confirm: list[str] = typer.Option([], "--confirm",
                                      help="confirm a check (possible_duplicate, "
                                           "bank_details_changed)"),
    org: str | None = OrgOption,
) -> None:
    """Record FILE as approved with the values in --truth, as a review approval with those
    corrections would: its vendor matched or created, the bill booked, the vendor's memory
    taught. Prints one JSON line."""
    from billintake.services.learn import learn_file
    from billintake.services.review import Booking

    with user_errors(True):
        values = _truth(truth)
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise ValidationFailed(f"cannot open {file}: {exc.strerror}", field="file") from exc
        booking = Booking.model_validate({"confirm": confirm})
        with acting_for(org) as (runtime, organization_id):
            approval = learn_file(runtime, organization_id, data, filename=file.name,
                                  truth=values, booking=booking)
            with runtime.repository(organization_id) as repo:
                memory = repo.get_vendor_memory(approval.vendor.id)
    typer.echo(json.dumps({
        "file": str(file), "job_id": approval.job.id, "bill_id": approval.bill.id,
        "vendor": {"id": approval.vendor.id, "name": approval.vendor.name},
        "memory_approvals": 0 if memory is None else memory.approvals}, ensure_ascii=False))


def _truth(given: str) -> dict[str, Any]:
    text = given
    if given.startswith("@"):
        try:
            text = Path(given[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise ValidationFailed(f"cannot open {given[1:]}: {exc.strerror}",
                                   field="truth") from exc
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"--truth is not JSON: {exc.msg}", field="truth") from exc
    if not isinstance(value, dict):
        raise ValidationFailed("--truth must be a JSON object of field values", field="truth")
    return value


def _vendor_id(repo: Any, given: str) -> str:
    """A vendor by its exact name, an alias, its id or a unique id prefix."""
    from billintake.storage.ids import complete_id
    from billintake.storage.tables import VendorRow

    named = [v for v in repo.list_vendors()
             if given.casefold() in (n.casefold() for n in (v.name, *v.aliases))]
    if len(named) == 1:
        return str(named[0].id)
    return complete_id(repo.session, VendorRow, repo.organization_id, given, "vendor")


@vendors_app.command("memory")
def vendors_memory(
    vendor: str = typer.Argument(..., help="the vendor's name, id or a unique id prefix"),
    org: str | None = OrgOption, json_output: bool = JsonOption,
) -> None:
    """Show what the vendor's approved bills taught: where each field sits, its formats,
    names, header lines and how its bills are booked."""
    with user_errors(json_output), acting_for(org) as (runtime, organization_id), \
            runtime.repository(organization_id) as repo:
        found = repo.get_vendor(_vendor_id(repo, vendor))
        memory = repo.get_vendor_memory(found.id)
        if memory is None:
            raise NotFound(f"nothing learned for {found.name} yet: approve one of its bills")
        shown = memory.model_dump(mode="json")
        shown["expense_accounts"] = found.expense_accounts
        shown["bank_accounts"] = found.known_accounts()
    rows: list[list[Any]] = [["vendor", found.name], ["approved bills", memory.approvals],
                             ["names", "; ".join(memory.names)],
                             ["currency", memory.currency or ""],
                             ["date order", memory.date_order or ""],
                             ["decimal mark", memory.decimal_mark or ""],
                             ["bill number shape", memory.bill_number_shape or ""]]
    for name, remembered in sorted(memory.fields.items()):
        spot = remembered.spots[0] if remembered.spots else None
        rows.append([name, f"{len(remembered.spots)} place(s), e.g. {spot.context!r} at "
                     f"x {spot.x:.2f} y {spot.y:.2f}" if spot else
                     f"absent on {remembered.absent} bill(s)"])
    rows += [["header lines", len(memory.signature)],
             ["expense accounts", ", ".join(f"{b}: {a}" for b, a in
                                            found.expense_accounts.items())],
             ["tax", f"{memory.tax_rate if memory.tax_rate is not None else ''} "
                     f"{memory.tax_code or ''}".strip()],
             ["line accounts", len(memory.line_accounts)],
             ["bank accounts", ", ".join(found.known_accounts())]]
    emit(shown, json_output, columns=("what", "learned"), rows=rows, title="vendor memory")


@vendors_app.command("forget")
def vendors_forget(
    vendor: str = typer.Argument(..., help="the vendor's name, id or a unique id prefix"),
    org: str | None = OrgOption, json_output: bool = JsonOption,
) -> None:
    """Forget what the vendor's approved bills taught (its next bill is read as a new
    vendor's; the vendor, its bills and accounts stay)."""
    from billintake.services.vendor_memory import forget

    with user_errors(json_output), acting_for(org) as (runtime, organization_id), \
            runtime.repository(organization_id) as repo:
        found = repo.get_vendor(_vendor_id(repo, vendor))
        forgotten = forget(repo, found.id)
    emit({"vendor_id": found.id, "forgotten": forgotten}, json_output,
         columns=("vendor", "forgotten"), rows=[[found.name, "yes" if forgotten else
                                                 "nothing was learned"]])


@vendors_app.command("merge")
def vendors_merge(
    keep: str = typer.Argument(..., help="the vendor to keep (name, id or id prefix)"),
    other: str = typer.Argument(..., help="the same vendor known twice: merged into KEEP"),
    org: str | None = OrgOption, json_output: bool = JsonOption,
) -> None:
    """Make two vendors one: OTHER's bills, names, bank accounts and memory move to KEEP."""
    from billintake.services.vendor_memory import merge_vendors

    with user_errors(json_output), acting_for(org) as (runtime, organization_id), \
            runtime.repository(organization_id) as repo:
        merged = merge_vendors(repo, _vendor_id(repo, keep), _vendor_id(repo, other))
        shown = merged.model_dump(mode="json")
    emit(shown, json_output, columns=("id", "name", "aliases"),
         rows=[[merged.id, merged.name, ", ".join(merged.aliases)]], title="vendors merged")
