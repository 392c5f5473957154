"""The FastAPI application: health, the web workspace, OpenAPI docs and each area's routes."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from billintake import __version__
from billintake.bootstrap import Runtime
from billintake.entrypoints.api import (
    routes_accounting,
    routes_documents,
    routes_inbound,
    routes_intake,
    routes_pages,
    routes_reports,
    routes_review,
    routes_session,
)
from billintake.entrypoints.api.auth import CurrentOrg
from billintake.entrypoints.api.errors import install_error_handlers, install_error_responses
from billintake.entrypoints.api.security import SecurityHeaders
from billintake.settings import Settings

# Each area's routes.
ROUTERS = (routes_intake.router, routes_inbound.router, routes_accounting.router,
           routes_review.router, routes_documents.router, routes_session.router,
           routes_reports.router, routes_pages.router)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    runtime = runtime or Runtime.from_settings(settings)
    app = FastAPI(title="billintake", version=__version__, docs_url=None, redoc_url=None,
                  description="Bills in, correct entries in the books out. Machines send an "
                  "API key (`Authorization: Bearer <key>`); people sign in on the web page.")
    app.state.runtime = runtime
    install_error_handlers(app)
    app.add_middleware(SecurityHeaders)

    @app.get("/healthz", tags=["service"], responses={
        503: {"description": "The database or the queue is down (the same body, status error)"}})
    def healthz() -> JSONResponse:
        """Database, queue and workers: `ok`, `warning` (jobs wait with no worker), or `error`
        (HTTP 503: the database or the queue is down). No key needed."""
        from billintake.services.health import service_health

        health = service_health(runtime, routes_intake.dispatcher_of(app))
        return JSONResponse({**health.to_dict(), "version": __version__},
                            status_code=503 if health.status == "error" else 200)

    @app.get("/me", tags=["service"])
    def me(org: CurrentOrg) -> dict[str, str]:
        """The organization the caller (API key or signed-in person) belongs to."""
        return {"id": org.id, "name": org.name, "slug": org.slug}

    for router in ROUTERS:
        app.include_router(router)

    # the more specific mount first: Swagger UI's files, then the workspace's own
    install_error_responses(app)
    app.mount("/static/swagger", StaticFiles(directory=str(swagger_ui_path)), name="swagger")
    app.mount("/static", StaticFiles(directory=routes_pages.STATIC_DIR), name="static")
    return app


def create_served_app() -> FastAPI:
    """The app as `billintake serve` runs it: at its start, its worker processes are started
    and the objects of its start frozen for the garbage collector (`routes_intake.lifespan`)."""
    app = create_app()
    app.state.serving = True
    return app
