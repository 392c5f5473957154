"""`billintake review list|approve|reject`: the bills waiting for a person.

Output is JSON (one document per command); errors print a message and exit 1.
"""

from __future__ import annotations

import json
from typing import Any

import typer

from billintake.domain.errors import ValidationFailed
from billintake.entrypoints.cli.common import OrgOption, acting_for, group, user_errors
from billintake.services import review

commands = typer.Typer()

review_app = group(commands, "review",
                   "Bills waiting for review: list, approve (with corrections), reject.")


def _print(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def corrections_from(pairs: list[str]) -> dict[str, Any]:
    """`field=value` pairs; `line_items=` takes a JSON list, an empty value clears a field."""
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
        else:
            corrections[name] = value.strip() or None
    return corrections


@review_app.command("list")
def review_list(org: str | None = OrgOption, limit: int = typer.Option(100, min=1)) -> None:
    """List the jobs waiting for review, with why they wait."""
    with user_errors(), acting_for(org) as (runtime, organization_id):
        _print([item.to_dict() for item in review.waiting(runtime, organization_id,
                                                          limit=limit)])


@review_app.command("approve")
def review_approve(
    job_id: str,
    corrections: list[str] = typer.Option(
        [], "--set", help="a correction FIELD=VALUE (repeatable), e.g. total=119.00, "
        "vendor_id=..., due_date=2024-04-04; FIELD= clears it"),
    account: str | None = typer.Option(None, "--account",
                                       help="expense account id (see `billintake accounts`)"),
    create_vendor: bool = typer.Option(False, "--create-vendor",
                                       help="create vendor_name as a new vendor"),
    confirm: list[str] = typer.Option(
        [], "--confirm", help="confirm a check: possible_duplicate, bank_details_changed"),
    org: str | None = OrgOption,
) -> None:
    """Approve a job's bill (with corrections): it is booked and the job becomes pushed."""
    with user_errors(), acting_for(org) as (runtime, organization_id):
        body: dict[str, Any] = {**corrections_from(corrections), "confirm": confirm,
                                "create_vendor": create_vendor}
        if account:
            body["account_id"] = account
        fixes, booking = review.parse_decision(body)
        approval = review.approve(runtime, organization_id, job_id, fixes, booking)
        _print({"job_id": approval.job.id, "status": approval.job.status.value,
                "bill": approval.bill.model_dump(mode="json"),
                "vendor": {"id": approval.vendor.id, "name": approval.vendor.name}})


@review_app.command("reject")
def review_reject(job_id: str,
                  reason: str = typer.Option(..., "--reason", help="why the bill is rejected"),
                  org: str | None = OrgOption) -> None:
    """Reject a job's bill: the job becomes failed with the reason; its file is kept."""
    with user_errors(), acting_for(org) as (runtime, organization_id):
        job = review.reject(runtime, organization_id, job_id, reason)
        _print({"job_id": job.id, "status": job.status.value, "error": job.error})
