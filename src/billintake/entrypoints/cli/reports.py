"""`billintake report aging|due` (from the connected books) and `billintake export
bills|payments` (CSV of what was recorded)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from billintake.entrypoints.cli.accounting import _service
from billintake.entrypoints.cli.common import OrgOption, group, parse_date, user_errors
from billintake.entrypoints.cli.output import JsonOption, emit, short_id
from billintake.services import reports

commands = typer.Typer()

report_app = group(commands, "report", "Accounts payable: aging and what is due, from the "
                   "connected books.")

AsOfOption = typer.Option(None, "--as-of", help="the day of the report, YYYY-MM-DD "
                          "(default: today)")


@report_app.command("aging")
def report_aging(as_of: str | None = AsOfOption, org: str | None = OrgOption,
                 json_output: bool = JsonOption) -> None:
    """Open balances by days past due: current, 1-30, 31-60, 61-90, 90+; per vendor, total."""
    day = parse_date(as_of) or date.today()
    with user_errors(json_output), _service(org) as service:
        result = reports.aging(reports.open_bills(service.writer, day), day)
    columns = ("vendor", "currency", *reports.BUCKETS, "total")
    rows = [[v["vendor"], v["currency"], *(v[b] for b in reports.BUCKETS), v["total"]]
            for v in result["vendors"]]
    rows += [["TOTAL", t["currency"], *(t[b] for b in reports.BUCKETS), t["total"]]
             for t in result["totals"]]
    emit(result, json_output, columns=columns, rows=rows, title=f"AP aging on {day}",
         empty=f"no open bills on {day}")


@report_app.command("open")
def report_open(as_of: str | None = AsOfOption, org: str | None = OrgOption,
                json_output: bool = JsonOption) -> None:
    """Every open bill of the books: what is still owed, oldest due first."""
    day = parse_date(as_of) or date.today()
    with user_errors(json_output), _service(org) as service:
        bills = [b.to_dict() for b in reports.open_bills(service.writer, day)]
    rows = [[b["vendor"], b["bill_number"], b["bill_date"], b["due_date"],
             f'{b["open_balance"]} {b["currency"]}', b["bucket"], short_id(b["bill_id"])]
            for b in bills]
    emit(bills, json_output, columns=("vendor", "number", "date", "due", "open", "age", "bill"),
         rows=rows, title=f"{len(bills)} open bills on {day}", empty=f"no open bills on {day}")


@report_app.command("due")
def report_due(as_of: str | None = AsOfOption,
               days: int = typer.Option(7, min=0, max=366, help="look this many days ahead"),
               org: str | None = OrgOption, json_output: bool = JsonOption) -> None:
    """The open bills to pay by AS_OF + DAYS: overdue ones and those falling due."""
    day = parse_date(as_of) or date.today()
    with user_errors(json_output), _service(org) as service:
        result = reports.due(reports.open_bills(service.writer, day), day, days)
    rows = [[b["due_date"] or b["bill_date"], b["vendor"], b["bill_number"],
             f'{b["open_balance"]} {b["currency"]}',
             f'{b["days_overdue"]} days overdue' if b["days_overdue"] > 0 else
             ("today" if b["days_overdue"] == 0 else f'in {-b["days_overdue"]} days'),
             short_id(b["bill_id"])] for b in result["bills"]]
    totals = ", ".join(f"{v} {k}" for k, v in result["totals"].items()) or "nothing"
    emit(result, json_output, columns=("due", "vendor", "number", "open", "when", "bill"),
         rows=rows, title=f"due by {result['until']}: {totals}",
         empty=f"nothing due by {result['until']}")


@commands.command("export")
def export(what: str = typer.Argument(..., help="bills or payments"),
           out: Path | None = typer.Option(None, "--out", help="the CSV file to write "
                                           "(default: standard output)"),
           org: str | None = OrgOption) -> None:
    """Export the bills or payments recorded as CSV."""
    if what not in ("bills", "payments"):
        raise typer.BadParameter(f"{what!r}: expected bills or payments", param_hint="WHAT")
    with user_errors(), _service(org) as service:
        text = (reports.bills_csv if what == "bills" else reports.payments_csv)(service.repo)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8", newline="")
        typer.echo(f"{text.count(chr(10)) - 1} {what} written to {out}", err=True)
