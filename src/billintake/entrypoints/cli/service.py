"""`billintake up` (everything), `serve` (the API only), `config`, `version`."""

from __future__ import annotations

import typer

from billintake.settings import config_files, get_settings

commands = typer.Typer()

PROCESSES_HELP = ("serving processes on the port, the job workers split between them "
                  "(default: setting SERVE_PROCESSES, else one per core)")
PORT_HELP = "port to serve on; 0: any free port, one process (default: setting PORT, 8000)"


def serving_port(port: int | None, default: int, processes: int) -> int:
    """The port to serve on: the option's (0 too: any free port), else the setting's. Several
    serving processes share one port they each bind, so with them 0 is a usage error."""
    chosen = default if port is None else port
    if chosen == 0 and processes > 1:
        raise typer.BadParameter(
            f"{processes} serving processes share one port, which 0 (any free port) cannot "
            "be: give a port, or --processes 1", param_hint="'--port'")
    return chosen


@commands.command()
def up(
    host: str | None = typer.Option(None, help="address to serve on (default: setting HOST, "
                                    "127.0.0.1)"),
    port: int | None = typer.Option(None, min=0, max=65535, help=PORT_HELP),
    smtp: bool = typer.Option(True, help="run the SMTP listener (port: BILLINTAKE_SMTP_PORT)"),
    worker: bool = typer.Option(True, help="with BILLINTAKE_QUEUE=celery, start a Celery "
                                "worker too (in-process workers run in any case otherwise)"),
    processes: int | None = typer.Option(None, min=1, help=PROCESSES_HELP),
) -> None:
    """Run the whole service: API and web page, SMTP listener, watched folder, workers.

    One log; Ctrl-C or SIGTERM stops taking work and lets the jobs running finish (the jobs
    still queued run at the next start, or in another process at once).
    """
    from billintake.bootstrap import Runtime
    from billintake.entrypoints.cli.common import user_errors
    from billintake.entrypoints.up import Service
    from billintake.logs import configure_logging, route_uvicorn_logs

    settings = get_settings()
    configure_logging(settings.log_level)
    route_uvicorn_logs()
    processes = processes or settings.resolved_serve_processes
    port = serving_port(port, settings.port, processes)
    # this process writes too (mail, the folder): it takes turns with the serving processes
    settings = settings.model_copy(update={"serve_processes": processes})
    with user_errors():
        service = Service(Runtime.from_settings(settings), host=host or settings.host,
                          port=port, smtp=smtp, worker=worker, processes=processes)
        try:
            service.start_intake()
            code = service.serve()
        finally:
            service.stop()
    raise typer.Exit(code)


@commands.command()
def serve(
    host: str | None = typer.Option(None, help="address (default: setting HOST, 127.0.0.1)"),
    port: int | None = typer.Option(None, min=0, max=65535, help=PORT_HELP),
    processes: int | None = typer.Option(None, min=1, help=PROCESSES_HELP),
) -> None:
    """Serve only the API and the web page (`billintake up` runs everything)."""
    import uvicorn

    from billintake.logs import configure_logging, route_uvicorn_logs

    settings = get_settings()
    configure_logging(settings.log_level)
    route_uvicorn_logs()
    processes = processes or settings.resolved_serve_processes
    port = serving_port(port, settings.port, processes)
    if processes > 1:
        from billintake.entrypoints.api.processes import serve_processes

        raise typer.Exit(serve_processes(settings, host=host or settings.host, port=port,
                                         processes=processes))
    uvicorn.run("billintake.entrypoints.api.app:create_served_app", factory=True, log_config=None,
                host=host or settings.host, port=port)


@commands.command()
def config(json_output: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Show where the settings come from and where the data and database are."""
    from billintake.entrypoints.cli.output import emit

    settings = get_settings()
    files = [{"file": str(path.absolute()), "found": path.is_file()}
             for path in reversed(config_files())]
    values = {
        "config_files": files,
        "data_dir": str(settings.data_dir),
        "database": settings.resolved_database_url,
        "originals_dir": str(settings.resolved_originals_dir),
        "queue": settings.queue,
        "smtp": f"{settings.smtp_host}:{settings.smtp_port}",
        "intake_domain": settings.intake_domain,
        "intake_folder": str(settings.intake_folder or ""),
        "default_org": settings.default_org or "",
    }
    rows = [("environment", "BILLINTAKE_* variables (highest precedence)")]
    rows += [("config file", f"{f['file']} ({'found' if f['found'] else 'absent'})")
             for f in files]
    rows += [(key, str(value)) for key, value in values.items() if key != "config_files"]
    emit(values, json_output, columns=("setting", "value"), rows=rows)


@commands.command()
def status(json_output: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Is the service working? Database, queue, workers, and jobs waiting for a worker.

    Asks the running service (`/healthz` on HOST:PORT); when none answers, checks the database
    and the queue itself. Exit code 0 when all is well, 1 on a warning, 2 on an error.
    """
    import httpx

    from billintake.bootstrap import Runtime
    from billintake.entrypoints.cli.output import emit
    from billintake.services.health import Check, Health, service_health

    settings = get_settings()
    url = f"http://{settings.host}:{settings.port}/healthz"
    try:
        body = httpx.get(url, timeout=5).json()
        health = Health({name: Check(c["status"], c["detail"],
                                     {k: v for k, v in c.items()
                                      if k not in ("status", "detail")})
                         for name, c in body["checks"].items()})
        health.checks["service"] = Check("ok", f"answers on {url}")
    except (httpx.HTTPError, ValueError, KeyError):
        runtime = Runtime.from_settings(settings)
        try:
            health = service_health(runtime, None)  # no worker runs in this process
        finally:
            runtime.close()
        health.checks["service"] = Check("warning", f"no service answers on {url} "
                                         "(start it with `billintake up`)")
    rows = [(name, check.status, check.detail) for name, check in health.checks.items()]
    emit(health.to_dict(), json_output, columns=("check", "status", "detail"), rows=rows,
         title=f"billintake: {health.status}")
    raise typer.Exit(code={"ok": 0, "warning": 1}.get(health.status, 2))


@commands.command()
def version() -> None:
    """Print the version."""
    from billintake import __version__

    typer.echo(__version__)
