"""Helpers shared by CLI commands: turning domain errors into a message and an exit code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from billintake.bootstrap import Runtime
from billintake.domain.errors import BillintakeError
from billintake.services.organizations import default_organization_id


@contextmanager
def user_errors() -> Iterator[None]:
    """Print a domain error's message on stderr and exit with code 1."""
    try:
        yield
    except BillintakeError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(code=1) from exc


def organization_id_for(runtime: Runtime, slug: str | None) -> str:
    """The organization a command acts for: `--org SLUG`, the default one, or the only one."""
    return default_organization_id(runtime, slug)
