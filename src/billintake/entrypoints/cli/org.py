"""`billintake org ...` and `billintake migrate`: organizations, API keys, the schema."""

from __future__ import annotations

import typer

from billintake.bootstrap import Runtime
from billintake.entrypoints.cli.common import group, user_errors
from billintake.entrypoints.cli.output import JsonOption, emit
from billintake.settings import get_settings
from billintake.storage.db import migrate as run_migrations

commands = typer.Typer()

org_app = group(commands, "org", "Organizations and their API keys.")


@commands.command()
def migrate() -> None:
    """Create or upgrade the database schema (Alembic, to the newest revision)."""
    settings = get_settings()
    run_migrations(settings.resolved_database_url)
    typer.echo("database is up to date")


@org_app.command("create")
def org_create(
    name: str = typer.Argument(..., help="the organization's name, e.g. \"Acme Ltd\""),
    slug: str | None = typer.Option(None, help="URL-safe short name, used in its intake "
                                    "address bills+SLUG@… (default: from the name)"),
) -> None:
    """Create an organization and print its API key (shown this once only)."""
    with user_errors():
        runtime = Runtime.from_settings()
        with runtime.directory() as directory:
            org, key = directory.create_organization(name, slug)
        typer.echo(f"organization: {org.name} (slug {org.slug}, id {org.id})")
        typer.echo(f"api key (store it now, it is not shown again): {key}")


@org_app.command("key")
def org_key(slug: str = typer.Argument(..., help="the organization's slug")) -> None:
    """Issue an additional API key for an existing organization."""
    with user_errors():
        runtime = Runtime.from_settings()
        with runtime.directory() as directory:
            org = directory.organization_by_slug(slug)
            if org is None:
                typer.echo(f"error: no organization with slug {slug!r}", err=True)
                raise typer.Exit(1)
            key = directory.create_api_key(org.id)
        typer.echo(key)


@org_app.command("list")
def org_list(json_output: bool = JsonOption) -> None:
    """List organizations (never their keys)."""
    runtime = Runtime.from_settings()
    with runtime.directory() as directory:
        found = [{"slug": o.slug, "name": o.name, "id": o.id}
                 for o in directory.list_organizations()]
    runtime.close()
    default = runtime.settings.default_org or (found[0]["slug"] if len(found) == 1 else None)
    emit(found, json_output, columns=("slug", "name", "id", "default"),
         rows=[[o["slug"], o["name"], o["id"], "yes" if o["slug"] == default else ""]
               for o in found],
         empty=f"no organizations in {runtime.settings.resolved_database_url} "
               "(create one with `billintake org create NAME`)")
