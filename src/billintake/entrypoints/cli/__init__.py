"""The `billintake` command: each area's commands, gathered from their modules."""

from __future__ import annotations

import typer

from billintake.entrypoints.cli import (
    accounting,
    extract,
    intake,
    learn,
    memory,
    org,
    people,
    read,
    reports,
    review,
    secrets,
    service,
)

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="billintake: bills in, correct entries in the books out.")

for _area in (service, org, people, intake, extract, read, accounting, reports, review,
              learn, memory, secrets):
    app.add_typer(_area.commands)
