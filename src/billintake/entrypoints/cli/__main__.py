"""`python -m billintake.entrypoints.cli`: the `billintake` command."""

from billintake.entrypoints.cli import app

app()
