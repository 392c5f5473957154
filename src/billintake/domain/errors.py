"""One error hierarchy for the whole service; each carries a message a user can act on.

The API maps each class to an HTTP status in one place (`entrypoints.api.errors`), the CLI
prints the message and exits non-zero. Raise the most specific class that fits.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class BillintakeError(Exception):
    """Base of every error the service raises on purpose."""

    code: str = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, str]:
        body = {"error": self.code, "detail": self.message}
        if self.field:
            body["field"] = self.field
        return body


class ValidationFailed(BillintakeError):
    """Input is well-formed but its values are not acceptable (HTTP 422)."""

    code = "validation_failed"


def validation_failed(exc: ValidationError, fields: Iterable[str] = ()) -> ValidationFailed:
    """A pydantic error as a domain error naming its field: the first error's location, or,
    for a model-level rule, its message's first word when that is one of `fields`."""
    error = exc.errors()[0]
    message = str(error["msg"]).removeprefix("Value error, ")
    loc = [str(part) for part in error["loc"]]
    if not loc:  # a model-level rule: its message starts with the field it is about
        first = message.split(" ", 1)[0]
        loc = [first] if first in set(fields) else []
    field = ".".join(loc) or None
    return ValidationFailed(f"{field}: {message}" if field and not message.startswith(field)
                            else message, field=field)


class NotFound(BillintakeError):
    """The object does not exist in the caller's organization (HTTP 404)."""

    code = "not_found"


class Conflict(BillintakeError):
    """The request clashes with what already exists (HTTP 409)."""

    code = "conflict"


class DuplicateBill(Conflict):
    """The same bill (same file, or same vendor + number + amount) was already taken in."""

    code = "duplicate_bill"

    def __init__(self, message: str, *, existing_id: str | None = None) -> None:
        super().__init__(message)
        self.existing_id = existing_id

    def to_dict(self) -> dict[str, str]:
        body = super().to_dict()
        if self.existing_id:
            body["existing_id"] = self.existing_id
        return body


class Unauthorized(BillintakeError):
    """No valid API key (HTTP 401)."""

    code = "unauthorized"


class TooLarge(BillintakeError):
    """A file or message is over a configured limit: bytes, pages or pixels (HTTP 413)."""

    code = "too_large"


class UnsupportedMediaType(BillintakeError):
    """The content is not a bill format we accept (HTTP 415)."""

    code = "unsupported_media_type"


class NoUsableAttachment(UnsupportedMediaType):
    """A received message carries no PDF, image or e-invoice XML (recorded, not processed)."""

    code = "no_usable_attachment"


class UnreadableDocument(BillintakeError):
    """The file claims a supported format but cannot be read: empty, truncated, corrupt (422)."""

    code = "unreadable_document"


class PasswordProtected(UnreadableDocument):
    """The PDF is encrypted with a user password we do not have (422)."""

    code = "password_protected"


class OcrTimeout(UnreadableDocument):
    """OCR of a page took longer than the configured per-page timeout (422)."""

    code = "ocr_timeout"


class InvalidEInvoice(UnreadableDocument):
    """An e-invoice XML that cannot be parsed at all, or that is hostile (422)."""

    code = "invalid_einvoice"


class PaymentRejected(ValidationFailed):
    """A bill payment that cannot be applied: too large, other currency, unknown bill (422)."""

    code = "payment_rejected"


class AccountingBackendError(BillintakeError):
    """The accounting system refused or failed a request (HTTP 502)."""

    code = "accounting_backend_error"

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
