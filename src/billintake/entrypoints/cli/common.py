"""Helpers shared by CLI commands: errors in the API's shape, the organization, short ids,
and options whose values are checked with messages that say the expected form."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation

import typer

from billintake.bootstrap import Runtime
from billintake.domain.errors import BillintakeError
from billintake.services.organizations import default_organization_id

OrgOption = typer.Option(None, "--org", help="organization slug (default: BILLINTAKE_DEFAULT_ORG,"
                         " or the only organization)")


def _json_wanted() -> bool:
    return "--json" in sys.argv[1:]


@contextmanager
def user_errors(json_output: bool | None = None) -> Iterator[None]:
    """A domain error ends the command with exit code 1 and its message on stderr: as the API's
    body (`{"error": code, "detail": message, ...}`) with `--json`, else as one line."""
    try:
        yield
    except BillintakeError as exc:
        wants_json = _json_wanted() if json_output is None else json_output
        if wants_json:
            typer.echo(json.dumps(exc.to_dict(), ensure_ascii=False), err=True)
        else:
            typer.echo(f"error: {exc.message} [{exc.code}]", err=True)
        raise typer.Exit(code=1) from exc


def group(parent: typer.Typer, name: str, help: str) -> typer.Typer:
    """A sub-command group `billintake NAME ...` under `parent`; bare NAME prints its help."""
    app = typer.Typer(no_args_is_help=True, help=help)
    parent.add_typer(app, name=name)
    return app


@contextmanager
def acting_for(org: str | None) -> Iterator[tuple[Runtime, str]]:
    """A runtime from the settings and the organization a command acts for; closed after."""
    runtime = Runtime.from_settings()
    try:
        yield runtime, organization_id_for(runtime, org)
    finally:
        runtime.close()


def organization_id_for(runtime: Runtime, slug: str | None) -> str:
    """The organization a command acts for: `--org SLUG`, the default one, or the only one."""
    return default_organization_id(runtime, slug)


def parse_date(value: str | None) -> date | None:
    """A date option: YYYY-MM-DD (or `today`)."""
    if value is None or value == "":
        return None
    if value.strip().lower() == "today":
        return date.today()
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date: expected YYYY-MM-DD, "
                                 "e.g. 2024-03-31") from None


def parse_amount(value: str | None) -> Decimal | None:
    """An amount option: digits with a point for decimals, e.g. 119.00 (no thousands mark)."""
    if value is None:
        return None
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        raise typer.BadParameter(f"{value!r} is not an amount: expected digits with a point "
                                 "for decimals, e.g. 1190.50") from None
    if not amount.is_finite() or amount.as_tuple().exponent < -4:  # type: ignore[operator]
        raise typer.BadParameter(f"{value!r} is not an amount: at most 4 decimals, "
                                 "e.g. 1190.50")
    return amount


def job_id(runtime: Runtime, organization_id: str, given: str) -> str:
    """A job's full id from its id or a unique prefix."""
    from billintake.storage.ids import complete_id
    from billintake.storage.tables import IngestJobRow

    with runtime.session() as session:
        return complete_id(session, IngestJobRow, organization_id, given, "job")
