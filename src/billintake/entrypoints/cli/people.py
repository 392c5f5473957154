"""`billintake user ...` and `billintake key ...`: the people who sign in, the machines' keys."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from billintake.domain.errors import ValidationFailed
from billintake.entrypoints.cli.common import OrgOption, acting_for, group, user_errors
from billintake.entrypoints.cli.output import JsonOption, emit
from billintake.services import people
from billintake.settings import get_settings
from billintake.storage.repository import Directory

commands = typer.Typer()

user_app = group(commands, "user", "People who sign in to the web workspace.")
key_app = group(commands, "key", "API keys, for machines.")


def _password(from_stdin: bool) -> str:
    """The password: the first line of standard input, or asked for twice, unechoed."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise ValidationFailed("password: none given", field="password")
    return password


@user_app.command("add")
def user_add(email: str = typer.Argument(..., help="the address the person signs in with"),
             org: str | None = OrgOption,
             password_stdin: bool = typer.Option(
                 False, "--password-stdin", help="read the password from standard input")
             ) -> None:
    """Add a person who signs in with EMAIL and a password (asked for, or from stdin)."""
    with user_errors():
        with acting_for(org) as (runtime, organization_id):
            user = people.add_user(runtime, organization_id, email, _password(password_stdin))
        typer.echo(f"user {user.email} added (id {user.id})")


@user_app.command("list")
def user_list(org: str | None = OrgOption, json_output: bool = JsonOption) -> None:
    """The organization's users: email, id, when added, last sign-in."""
    with user_errors(json_output):
        with acting_for(org) as (runtime, organization_id):
            users = people.list_users(runtime, organization_id)
        found = [{"email": u.email, "id": u.id, "created_at": u.created_at.isoformat(),
                  "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None}
                 for u in users]
        emit(found, json_output, columns=("email", "id", "added", "last sign-in"),
             rows=[[u["email"], u["id"], u["created_at"][:19],
                    (u["last_login_at"] or "never")[:19]] for u in found], empty="no users")


@user_app.command("remove")
def user_remove(email: str = typer.Argument(..., help="the person's sign-in address"),
                org: str | None = OrgOption) -> None:
    """Remove a user; their sessions end at once."""
    with user_errors():
        with acting_for(org) as (runtime, organization_id):
            user = people.remove_user(runtime, organization_id, email)
        typer.echo(f"user {user.email} removed")


@contextmanager
def _keys(org: str | None) -> Iterator[tuple[Directory, str]]:
    """The directory of API keys and the organization they belong to; errors as messages."""
    with user_errors(), acting_for(org) as (runtime, organization_id), \
            runtime.directory() as directory:
        yield directory, organization_id


@key_app.command("list")
def key_list(org: str | None = OrgOption, json_output: bool = JsonOption) -> None:
    """The organization's API keys: id, first characters, created, revoked (never the key)."""
    with _keys(org) as (directory, organization_id):
        keys = directory.list_api_keys(organization_id)
    found = [{"id": k.id, "prefix": k.prefix, "created_at": k.created_at.isoformat(),
              "state": "revoked" if k.revoked_at else "active",
              "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None}
             for k in keys]
    emit(found, json_output, columns=("id", "starts", "created", "state"),
         rows=[[k["id"], k["prefix"] + "…", k["created_at"][:19],
                k["state"] + (f" {k['revoked_at'][:19]}" if k["revoked_at"] else "")]
               for k in found], empty="no API keys")


@key_app.command("create")
def key_create(org: str | None = OrgOption) -> None:
    """Issue a new API key and print it (shown this once only)."""
    with _keys(org) as (directory, organization_id):
        key = directory.create_api_key(organization_id)
    typer.echo(key)


@key_app.command("revoke")
def key_revoke(key_id: str = typer.Argument(..., help="the key's id, or its first "
                                            "characters as `key list` shows them"),
               org: str | None = OrgOption) -> None:
    """Revoke a key by its id (or its first characters, as `key list` shows them). A server
    already running refuses it within BILLINTAKE_API_KEY_CACHE_S (5 s)."""
    with _keys(org) as (directory, organization_id):
        key = directory.revoke_api_key(organization_id, key_id.rstrip("…"))
    typer.echo(f"key {key.id} ({key.prefix}…) revoked (a running server refuses it within "
               f"{get_settings().api_key_cache_s:g} s)")
