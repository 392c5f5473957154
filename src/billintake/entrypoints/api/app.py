"""The FastAPI application: health, OpenAPI docs, the web page and each area's routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse

from billintake import __version__
from billintake.bootstrap import Runtime
from billintake.entrypoints.api import routes_accounting, routes_intake, routes_review
from billintake.entrypoints.api.auth import CurrentOrg
from billintake.entrypoints.api.errors import install_error_handlers
from billintake.settings import Settings

STATIC_DIR = Path(__file__).parent / "static"

# Each area's routes.
ROUTERS = (routes_intake.router, routes_accounting.router, routes_review.router)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    runtime = runtime or Runtime.from_settings(settings)
    app = FastAPI(title="billintake", version=__version__,
                  description="Bills in, correct entries in the books out.")
    app.state.runtime = runtime
    install_error_handlers(app)

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict[str, str]:
        with runtime.session() as session:
            session.connection().exec_driver_sql("SELECT 1")
        return {"status": "ok", "version": __version__}

    @app.get("/me", tags=["service"])
    def me(org: CurrentOrg) -> dict[str, str]:
        """The organization the API key belongs to."""
        return {"id": org.id, "name": org.name, "slug": org.slug}

    @app.get("/", include_in_schema=False, response_model=None)
    def index() -> FileResponse | HTMLResponse:
        page = STATIC_DIR / "index.html"
        if page.exists():
            return FileResponse(page)
        return HTMLResponse("<h1>billintake</h1><p>See <a href='/docs'>/docs</a>.</p>")

    for router in ROUTERS:
        app.include_router(router)

    if STATIC_DIR.exists():
        from fastapi.staticfiles import StaticFiles

        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
