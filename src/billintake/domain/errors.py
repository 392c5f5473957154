"""One error hierarchy for the whole service; each carries a message a user can act on.

The API maps each class to an HTTP status in one place (`entrypoints.api.errors`), the CLI
prints the message and exits non-zero. Raise the most specific class that fits.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from pydantic import ValidationError


class BillintakeError(Exception):
    """Base of every error the service raises on purpose."""

    code: str = "error"  # the `error` of the API's body; each subclass names its own
    details: ClassVar[tuple[str, ...]] = ("field",)  # attributes the body shows when set

    def __init_subclass__(cls, *, code: str | None = None, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if unknown := set(details) - set(self.details):
            raise TypeError(f"{type(self).__name__} has no detail {', '.join(sorted(unknown))}")
        for name, value in details.items():
            setattr(self, name, value)

    def to_dict(self) -> dict[str, Any]:
        """The API's body: the code, the message, and the details that are set."""
        body: dict[str, Any] = {"error": self.code, "detail": self.message}
        for name in self.details:
            if value := getattr(self, name, None):
                body[name] = value
        return body


class ValidationFailed(BillintakeError, code="validation_failed"):
    """Input is well-formed but its values are not acceptable (HTTP 422)."""


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


class NotFound(BillintakeError, code="not_found"):
    """The object does not exist in the caller's organization (HTTP 404)."""


class Conflict(BillintakeError, code="conflict"):
    """The request clashes with what already exists (HTTP 409)."""


class DuplicateBill(Conflict, code="duplicate_bill"):
    """The same bill (same file, or same vendor + number + amount) was already taken in."""

    details = ("field", "existing_id")
    existing_id: str | None = None


class Unauthorized(BillintakeError, code="unauthorized"):
    """No valid API key (HTTP 401)."""


class Forbidden(BillintakeError, code="forbidden"):
    """Signed in, but the request may not be made this way (a missing CSRF token) (HTTP 403)."""


class ConfirmationNeeded(Conflict, code="confirmation_needed"):
    """A reviewer must confirm a warning before the bill is booked (a possible duplicate, new
    bank details): the body lists each under `confirm` with its code and message (HTTP 409)."""

    def __init__(self, message: str, *, confirm: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.confirm = confirm

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "confirm": self.confirm}


class TooLarge(BillintakeError, code="too_large"):
    """A file or message is over a configured limit: bytes, pages or pixels (HTTP 413)."""


class UnsupportedMediaType(BillintakeError, code="unsupported_media_type"):
    """The content is not a bill format we accept (HTTP 415)."""


class NoUsableAttachment(UnsupportedMediaType, code="no_usable_attachment"):
    """A received message carries no PDF, image or e-invoice XML (recorded, not processed)."""


class UnreadableDocument(BillintakeError, code="unreadable_document"):
    """The file claims a supported format but cannot be read: empty, truncated, corrupt (422)."""


class MalformedMessage(UnreadableDocument, code="malformed_message"):
    """A received email that cannot be taken apart safely (MIME nested too deep, a structure the
    parser gives up on): recorded as a failed job, refused for good (422; SMTP 554)."""

    details = ("field", "job_id")
    job_id: str | None = None


class PasswordProtected(UnreadableDocument, code="password_protected"):
    """The PDF is encrypted with a user password we do not have (422)."""


class OcrTimeout(UnreadableDocument, code="ocr_timeout"):
    """OCR of a page took longer than the configured per-page timeout (422)."""


class InvalidEInvoice(UnreadableDocument, code="invalid_einvoice"):
    """An e-invoice XML that cannot be parsed at all, or that is hostile (422)."""


class PaymentRejected(ValidationFailed, code="payment_rejected"):
    """A bill payment that cannot be applied: too large, other currency, unknown bill (422)."""


class NeedsReview(ValidationFailed, code="needs_review"):
    """The bill cannot be booked as it stands and a person must decide: amounts that do not add
    up, a tax rate with no tax code of the accounting system, ... (422; the pipeline stops the
    job in needs_review with this message as its reason)."""


class AccountingBackendError(BillintakeError, code="accounting_backend_error"):
    """The accounting system refused or failed a request (HTTP 502). `indeterminate`: the
    request may or may not have been carried out (a timeout, a 5xx on a write); `job_id` and
    `request_id` are the system's references for the request, when it gave them."""

    details = ("field", "job_id", "request_id")

    def __init__(self, message: str, *, retryable: bool = False, field: str | None = None,
                 indeterminate: bool = False, job_id: str | None = None,
                 request_id: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retryable = retryable
        self.indeterminate = indeterminate
        self.job_id = job_id
        self.request_id = request_id


class AccountingTimeout(AccountingBackendError, code="accounting_timeout"):
    """The accounting system did not answer a read in the time a request may wait for it
    (HTTP 504); nothing was changed, and asking again later may work."""


class NotSupported(AccountingBackendError, code="not_supported"):
    """The accounting system (or the platform behind it) does not offer this operation."""
