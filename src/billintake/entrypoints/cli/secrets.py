"""`billintake secrets rotate`: encrypt the stored accounting secrets with a new key."""

from __future__ import annotations

import typer

from billintake.bootstrap import Runtime, secret_box
from billintake.entrypoints.cli.common import user_errors
from billintake.settings import get_settings
from billintake.storage.secrets import (
    SecretBox,
    new_key,
    read_or_create_key_file,
    reseal_all,
    write_key_file,
)

commands = typer.Typer()
secrets_app = typer.Typer(no_args_is_help=True, help="Secrets at rest: the encryption key.")
commands.add_typer(secrets_app, name="secrets")


@secrets_app.command("rotate")
def rotate() -> None:
    """Encrypt every stored secret with a new key, then retire the old ones.

    With the key file: a new key is made, everything re-encrypted, the file keeps only the new
    key. With BILLINTAKE_SECRET_KEYS: put the new key first (`billintake secrets new-key`),
    keep the old ones after it, run this, then remove the old ones from the variable.
    """
    with user_errors():
        settings = get_settings()
        from_environment = bool(settings.secret_keys.get_secret_value().strip())
        runtime = Runtime.from_settings(settings)
        try:
            if from_environment:
                box = secret_box(settings)
            else:
                path = settings.resolved_secret_key_file
                old = read_or_create_key_file(path)
                box = SecretBox([new_key(), *old])
                write_key_file(path, box.keys)  # the new key first, the old still readable
            with runtime.session() as session:
                count = reseal_all(session, box)
            if not from_environment:
                write_key_file(path, box.keys[:1])  # all sealed anew: the old keys go
        finally:
            runtime.close()
        typer.echo(f"re-encrypted the secrets of {count} connections with the current key")


@secrets_app.command("new-key")
def new_key_command() -> None:
    """Print a fresh key (for BILLINTAKE_SECRET_KEYS)."""
    typer.echo(new_key())
