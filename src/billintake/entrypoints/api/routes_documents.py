"""A job's original and its pages over HTTP, for its own organization only (else 404)."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path
from fastapi.responses import Response

from billintake.entrypoints.api.auth import CurrentOrg, RuntimeDep
from billintake.services import pages

router = APIRouter(prefix="/jobs", tags=["documents"])


def attachment(filename: str) -> str:
    """A Content-Disposition that downloads under the sender's name, made safe for a header."""
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("._") or "original"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get("/{job_id}/original", response_class=Response)
def original(job_id: str, org: CurrentOrg, runtime: RuntimeDep) -> Response:
    """The file as received, as a download (never rendered inline by the browser)."""
    file = pages.original_of(runtime, org.id, job_id, whole=True)
    return Response(file.data, media_type=file.media_type, headers={
        "Content-Disposition": attachment(file.filename), "Cache-Control": "private, no-store",
        "Content-Security-Policy": "sandbox"})


@router.get("/{job_id}/pages")
def page_list(job_id: str, org: CurrentOrg, runtime: RuntimeDep) -> dict[str, Any]:
    """The original's pages: number, size in PDF points, and the words with their boxes
    (x0, top, x1, bottom; origin top-left), as the evidence boxes of the fields are given.
    An XML e-invoice has none."""
    return {"pages": pages.page_words(runtime, org.id, job_id)}


@router.get("/{job_id}/pages/{number}/image", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
def page_image(job_id: str, number: Annotated[int, Path(ge=1, le=10_000)], org: CurrentOrg,
               runtime: RuntimeDep) -> Response:
    """Page `number` (1-based) of the original as a PNG."""
    image = pages.page_image(runtime, org.id, job_id, number)
    return Response(image, media_type="image/png",
                    headers={"Cache-Control": "private, max-age=3600"})
