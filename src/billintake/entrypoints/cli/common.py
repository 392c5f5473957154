"""Helpers shared by CLI commands: turning domain errors into a message and an exit code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from billintake.bootstrap import Runtime
from billintake.domain.errors import BillintakeError, NotFound, ValidationFailed


@contextmanager
def user_errors() -> Iterator[None]:
    """Print a domain error's message on stderr and exit with code 1."""
    try:
        yield
    except BillintakeError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(code=1) from exc


def group(parent: typer.Typer, name: str, help: str) -> typer.Typer:
    """A sub-command group `billintake NAME ...` under `parent`; bare NAME prints its help."""
    app = typer.Typer(no_args_is_help=True, help=help)
    parent.add_typer(app, name=name)
    return app


OrgOption = typer.Option(None, "--org", help="organization slug (if several)")


@contextmanager
def acting_for(org: str | None) -> Iterator[tuple[Runtime, str]]:
    """A runtime from the settings and the organization a command acts for; closed after."""
    runtime = Runtime.from_settings()
    try:
        yield runtime, organization_id_for(runtime, org)
    finally:
        runtime.close()


def organization_id_for(runtime: Runtime, slug: str | None) -> str:
    """The organization a command acts for: `--org SLUG`, or the only one there is."""
    with runtime.directory() as directory:
        if slug:
            org = directory.organization_by_slug(slug)
            if org is None:
                raise NotFound(f"no organization with slug {slug!r} (see `billintake org list`)")
            return org.id
        organizations = directory.list_organizations()
    if len(organizations) != 1:
        raise ValidationFailed("name the organization with --org SLUG "
                               f"({len(organizations)} organizations exist)")
    return organizations[0].id
