"""The `billintake` command. Each area registers its commands from its own module."""

from __future__ import annotations

from importlib import import_module

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="billintake: bills in, correct entries in the books out.")

# Modules that add commands to `app` (each imports `app` from here and decorates functions).
COMMAND_MODULES = [
    "billintake.cli.service",
    "billintake.cli.org",
    "billintake.cli.intake",
    "billintake.cli.extract",
    "billintake.cli.read",
    "billintake.cli.accounting",
    "billintake.cli.review",
]

for _module in COMMAND_MODULES:
    import_module(_module)
