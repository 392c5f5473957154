"""`billintake review list|approve|reject`: the bills waiting for a person.

Output is a table for people, JSON with `--json`; errors print a message and exit 1. A job
may be named by a unique prefix of its id.
"""

from __future__ import annotations

import json
from typing import Any

import typer

from billintake.domain.errors import ValidationFailed
from billintake.entrypoints.cli.common import OrgOption, acting_for, group, job_id, user_errors
from billintake.entrypoints.cli.output import JsonOption, emit, short_id
from billintake.services import review

commands = typer.Typer()

review_app = group(commands, "review",
                   "Bills waiting for review: list, approve (with corrections), reject, "
                   "pages (move where the bills of a file of several begin and end).")


def corrections_from(pairs: list[str]) -> dict[str, Any]:
    """`field=value` pairs; `line_items=` takes a JSON list, `payment.iban=` (`bic`,
    `reference`, `payee_name`) a payment field, an empty value clears a field."""
    corrections: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValidationFailed(f"--set takes FIELD=VALUE, got {pair!r}")
        if name == "line_items":
            try:
                corrections[name] = json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValidationFailed(f"line_items: not a JSON list ({exc.msg})",
                                       field="line_items") from exc
        elif name.startswith("payment."):
            corrections.setdefault("payment", {})[name.removeprefix("payment.")] = \
                value.strip() or None
        else:
            corrections[name] = value.strip() or None
    return corrections


def _cell(bill: dict[str, Any] | None, name: str) -> str | None:
    field = (bill or {}).get(name)
    value = field.get("value") if isinstance(field, dict) else field
    return None if value is None else str(value)


@review_app.command("list")
def review_list(org: str | None = OrgOption,
                limit: int = typer.Option(100, min=1, help="at most this many, newest first"),
                json_output: bool = JsonOption) -> None:
    """List the jobs waiting for review, with why they wait."""
    with user_errors(json_output), acting_for(org) as (runtime, organization_id):
        items = [item.to_dict() for item in review.waiting(runtime, organization_id,
                                                           limit=limit)]
        rows = []
        for item in items:
            bill = item["bill"]
            total = _cell(bill, "total")
            rows.append([short_id(item["job_id"]), item["filename"],
                         _cell(bill, "vendor_name"), _cell(bill, "bill_number"),
                         None if total is None else f"{total} {_cell(bill, 'currency') or ''}",
                         "; ".join(item["reasons"])])
        emit(items, json_output, columns=("job", "file", "vendor", "number", "total", "why"),
             rows=rows, title=f"{len(items)} waiting for review", empty="nothing waits for review")


@review_app.command("approve")
def review_approve(
    job: str = typer.Argument(..., help="the job's id (or a unique prefix)"),
    corrections: list[str] = typer.Option(
        [], "--set", help="a correction FIELD=VALUE (repeatable), e.g. total=119.00, "
        "vendor_id=..., due_date=2024-04-04, payment.iban=DE89..., payment.reference=RF18...; "
        "FIELD= clears it"),
    account: str | None = typer.Option(None, "--account",
                                       help="expense account id (see `billintake accounts`)"),
    create_vendor: bool = typer.Option(False, "--create-vendor",
                                       help="create vendor_name as a new vendor"),
    confirm: list[str] = typer.Option(
        [], "--confirm", help="confirm a check: possible_duplicate, bank_details_changed"),
    org: str | None = OrgOption, json_output: bool = JsonOption,
) -> None:
    """Approve a job's bill (with corrections): it is booked and the job becomes pushed."""
    with user_errors(json_output), acting_for(org) as (runtime, organization_id):
        job_id_ = job_id(runtime, organization_id, job)
        body: dict[str, Any] = {**corrections_from(corrections), "confirm": confirm,
                                "create_vendor": create_vendor}
        if account:
            body["account_id"] = account
        fixes, booking = review.parse_decision(body)
        approval = review.approve(runtime, organization_id, job_id_, fixes, booking)
        bill = approval.bill
        emit({"job_id": approval.job.id, "status": approval.job.status.value,
              "bill": bill.model_dump(mode="json"),
              "vendor": {"id": approval.vendor.id, "name": approval.vendor.name}}, json_output,
             columns=("job", "status", "vendor", "number", "total", "bill"),
             rows=[[short_id(approval.job.id), approval.job.status.value, approval.vendor.name,
                    bill.bill_number, f"{bill.total} {bill.currency}", short_id(bill.id)]],
             title="approved")


@review_app.command("reject")
def review_reject(job: str = typer.Argument(..., help="the job's id (or a unique prefix)"),
                  reason: str = typer.Option(..., "--reason", help="why the bill is rejected"),
                  org: str | None = OrgOption, json_output: bool = JsonOption) -> None:
    """Reject a job's bill: the job becomes failed with the reason; its file is kept."""
    with user_errors(json_output), acting_for(org) as (runtime, organization_id):
        done = review.reject(runtime, organization_id, job_id(runtime, organization_id, job),
                             reason)
        emit({"job_id": done.id, "status": done.status.value, "error": done.error},
             json_output, columns=("job", "status", "reason"),
             rows=[[short_id(done.id), done.status.value, done.error]], title="rejected")


@review_app.command("pages")
def review_pages(
    job: str = typer.Argument(..., help="the job's id (or a unique prefix)"),
    starts_at: int | None = typer.Option(
        None, "--starts-at", help="this bill starts at that page of the file (the previous "
        "bill ends before it)"),
    ends_at: int | None = typer.Option(
        None, "--ends-at", help="this bill ends at that page (the next bill starts after it)"),
    merge: str | None = typer.Option(None, "--merge",
                                     help="previous or next: one bill of this and that one"),
    split_at: int | None = typer.Option(None, "--split-at",
                                        help="a new bill from that page of the file on"),
    org: str | None = OrgOption, json_output: bool = JsonOption,
) -> None:
    """Move where the bills of a file of several begin and end (one option; pages of the
    file, from 1): the affected bills are read again from their new pages, here and now."""
    from billintake.queue import get_dispatcher
    from billintake.services.bill_pages import change_pages

    asked = {name: value for name, value in (("starts_at", starts_at), ("ends_at", ends_at),
                                             ("merge", merge), ("split_at", split_at))
             if value is not None}
    with user_errors(json_output), acting_for(org) as (runtime, organization_id):
        changed = change_pages(runtime, organization_id, job_id(runtime, organization_id, job),
                               asked, by=f"command line ({_login()})")
        dispatcher = get_dispatcher(runtime)
        try:
            for queued in changed.to_run:
                dispatcher.submit(organization_id, queued)
            wait = getattr(dispatcher, "wait_idle", None)
            if wait is not None:  # in-process: read them before exiting
                wait()
        finally:
            dispatcher.close()
        change = changed.change
        rows = [[short_id(b.job_id), f"{b.pages[0]}-{b.pages[1]}", "before"]
                for b in change.before] + [[short_id(b.job_id), f"{b.pages[0]}-{b.pages[1]}",
                                            "after"] for b in change.after]
        emit({"change": change.model_dump(mode="json", exclude={"before": {"__all__": {
            "outcome"}}}), "queued": changed.to_run}, json_output,
             columns=("job", "pages", "when"), rows=rows, title=DONE[change.action])


DONE = {"move": "boundary moved", "merge": "merged", "split": "split"}


def _login() -> str:
    """The person at the command line, as the system knows them."""
    import os
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name
