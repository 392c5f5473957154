"""`billintake serve`: run the API and web page."""

from __future__ import annotations

import typer

from billintake.settings import get_settings

commands = typer.Typer()


@commands.command()
def serve(host: str | None = None, port: int | None = None) -> None:
    """Serve the API and the web page (default 127.0.0.1:8000)."""
    import uvicorn

    from billintake.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level)
    uvicorn.run("billintake.entrypoints.api.app:create_app", factory=True,
                host=host or settings.host, port=port or settings.port)


@commands.command()
def version() -> None:
    """Print the version."""
    from billintake import __version__

    typer.echo(__version__)
