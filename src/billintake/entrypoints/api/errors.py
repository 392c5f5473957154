"""Domain errors → HTTP responses, in one place."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from billintake.domain import errors

STATUS_BY_ERROR: list[tuple[type[errors.BillintakeError], int]] = [
    # most specific first
    (errors.Unauthorized, 401),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.TooLarge, 413),
    (errors.UnsupportedMediaType, 415),
    (errors.UnreadableDocument, 422),
    (errors.ValidationFailed, 422),
    (errors.AccountingBackendError, 502),
]


def status_for(exc: errors.BillintakeError) -> int:
    for error_type, status in STATUS_BY_ERROR:
        if isinstance(exc, error_type):
            return status
    return 400


def request_error(exc: RequestValidationError) -> errors.ValidationFailed:
    """FastAPI's refusal of a request's shape as the one error body of the service (and of
    the CLI's `--json`): `{"error": "validation_failed", "detail": "...", "field": ...}`."""
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    field = ".".join(loc) or None
    message = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
    more = len(exc.errors()) - 1
    detail = (f"{field}: {message}" if field else message) + (
        f" (and {more} more)" if more > 0 else "")
    return errors.ValidationFailed(detail, field=field)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(errors.BillintakeError)
    async def _domain_error(_request: Request, exc: errors.BillintakeError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, errors.Unauthorized) else None
        return JSONResponse(exc.to_dict(), status_code=status_for(exc), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _request_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(request_error(exc).to_dict(), status_code=422)
