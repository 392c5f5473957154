"""The web workspace's pages: sign-in, the inbox, a bill, and the API docs (all assets local).

The pages are static HTML shells; their scripts read the JSON API with the session cookie. A
page that needs a person redirects to /login when nobody is signed in.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from billintake.domain.errors import NotFound
from billintake.entrypoints.api.auth import RuntimeDep, signed_in

STATIC_DIR = Path(__file__).parent / "static"
NOT_STORED = {"Cache-Control": "no-store"}
NOT_FOUND_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Not found — billintake</title><link rel="stylesheet" href="/static/app.css"></head>
<body class="plain"><main class="notice"><h1>Not found</h1>
<p>There is no such bill in your organization.</p><p><a href="/">Back to the inbox</a></p>
</main></body></html>"""

router = APIRouter(include_in_schema=False)


def page(name: str) -> FileResponse:
    return FileResponse(STATIC_DIR / name, media_type="text/html", headers=NOT_STORED)


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path
    return RedirectResponse(f"/login?next={quote(target)}" if target != "/" else "/login",
                            status_code=303)


@router.get("/login")
def login_page(request: Request, runtime: RuntimeDep) -> Response:
    if signed_in(request, runtime) is not None:
        return RedirectResponse("/", status_code=303)
    return page("login.html")


@router.get("/")
def inbox_page(request: Request, runtime: RuntimeDep) -> Response:
    if signed_in(request, runtime) is None:
        return to_login(request)
    return page("app.html")


@router.get("/bill/{job_id}")
def bill_page(job_id: str, request: Request, runtime: RuntimeDep) -> Response:
    """A bill of the signed-in person's organization; any other id is 404."""
    session = signed_in(request, runtime)
    if session is None:
        return to_login(request)
    try:
        with runtime.repository(session.user.organization_id) as repo:
            repo.get_job(job_id)
    except NotFound:
        return HTMLResponse(NOT_FOUND_PAGE, status_code=404, headers=NOT_STORED)
    return page("app.html")


@router.get("/docs")
def docs_page() -> Response:
    """Swagger UI from the service's own files (the `swagger-ui-bundle-v2` package)."""
    return page("docs.html")
