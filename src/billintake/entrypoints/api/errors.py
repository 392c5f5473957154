"""Domain errors → HTTP responses, in one place; and those responses in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

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
    (errors.AccountingTimeout, 504),
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

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        """The framework's own errors (a body that is not JSON, a method not allowed) in the
        same shape as the domain's: `error` and `detail`."""
        code = HTTP_ERROR_CODES.get(exc.status_code, "http_error")
        return JSONResponse({"error": code, "detail": str(exc.detail)},
                            status_code=exc.status_code, headers=exc.headers)


HTTP_ERROR_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
                    413: "too_large", 415: "unsupported_media_type"}


ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error", "type": "object", "required": ["error", "detail"],
    "properties": {"error": {"type": "string", "description": "the error's code"},
                   "detail": {"type": "string", "description": "what went wrong, for a person"},
                   "field": {"type": "string"}},
    "additionalProperties": True,
}
ERROR_STATUSES = sorted({400, *(status for _, status in STATUS_BY_ERROR)})
_DESCRIPTIONS = {400: "Bad request", 401: "No valid API key or session",
                 403: "Not allowed this way (e.g. a change without the session's CSRF token)",
                 404: "Not found in the caller's organization", 409: "Conflict",
                 413: "Over a size limit", 415: "Not a bill format",
                 422: "Invalid input", 502: "The accounting system failed or refused",
                 504: "The accounting system did not answer in time (nothing was changed)"}


def install_error_responses(app: FastAPI) -> None:
    """Document on every operation the errors any route may answer (the domain errors above,
    as `Error` bodies; 422 also as FastAPI's request-validation body)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version,
                             openapi_version=app.openapi_version,
                             description=app.description, routes=app.routes)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {"$ref": "#/components/schemas/Error"}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status in ERROR_STATUSES:
                    existing = responses.get(str(status))
                    if existing is None:
                        responses[str(status)] = {
                            "description": _DESCRIPTIONS[status],
                            "content": {"application/json": {"schema": error}}}
                        continue
                    content = existing.setdefault("content", {}).setdefault(
                        "application/json", {})
                    known = content.get("schema")
                    content["schema"] = {"anyOf": [known, error]} if known else error
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
