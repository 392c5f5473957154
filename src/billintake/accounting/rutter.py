"""The `rutter` backend: bills, payments and vendor credits through Rutter's unified accounting API.

Requests follow Rutter's published OpenAPI document (version 2023-03-14, in the tests as
`tests/accounting/spec/`) to the letter; the tests' fake validates every body against it:
- vendors `{"vendor": {vendor_name, contact_name, currency_code, email?, tax_number?}}` in the
  bill's currency (`NewVendor.currency`; the option `currency` only when none is known);
- bills `{"bill": {vendor_id, issue_date, currency_code, line_items[{total_amount, account_id,
  description, tax_rate_id?}], account_id?, due_date?, document_number?, memo?}}`: the line
  amounts are net and each names the connection's tax rate of its VAT rate (`tax_rate_id`,
  "Supported for Quickbooks, Netsuite, and Xero"), the platform adding the tax; a rate with no
  tax rate mapped (connection option `tax_rates`, {"19": "<tax rate id>"}, set in review or
  with `billintake tax-rates`) is a `NeedsReview`, never a line on an expense account;
- bill credit memos: their line items take no `tax_rate_id`, so a credit's VAT is a line on
  the input-tax account (option `tax_account_id`; without it the credit waits for review);
- bill payments `{"bill_payment": {account_id, vendor_id, transaction_date, currency_code,
  linked_bills[{id, allocated_amount}]}}` ("additionalProperties: false": no allocated_date),
  from a BANK account ("The account must correspond to a BANK type");
- attachments `POST /accounting/bills/:id/attachments {file, file_name}`, listed with
  `GET /accounting/bills/attachments?attached_to_id=`.

Behaviour from Rutter's documentation (docs.rutter.com, 2023-03-14, found with the search tool):
- Basics / Authorization: base URL .../versioned, HTTP Basic `client_id:client_secret`, the
  connection's `access_token` as a query parameter, the `X-Rutter-Version` header.
- Asynchronous Operations: `response_mode` `async` | `prefer_sync` in the body; an
  `async_response` is polled at `response_url` (`GET /jobs/:id`, schema AsynchronousJob) until
  success or failure; the job's `response` holds `http_status` and `body`. Async is the default.
- Making Idempotent Requests: the result of the first *accepted* request is saved "regardless
  of whether the request succeeded or failed" and replayed; the same key with another body is a
  409; keys at most 100 characters (help centre). So a key belongs to one attempt-family: the
  caller (the service) stores it with the bill and takes a new one after a failure that would
  only be replayed, or for a corrected bill.
- Handling Errors: a 5xx means "treat the result of the request as indeterminate ... generally
  it is not safe or recommended to retry": a write that timed out or got a 5xx is first looked
  for in the books (a bill by vendor and document number, a payment among the bill's linked
  payments) and sent again, under the same key, only when it is not there.
- Errors & HTTP Error Codes: `{error_type, error_code, error_message}`; 400 invalid input, 401
  credentials, 404 "an endpoint is not implemented or is not supported for a given platform"
  (`NotSupported`), 409 idempotency conflict, 410 "the requested resource is not found" (many
  by-id reads still answer 404 for that, so a 404 on a by-id read is a not-found), 429 rate
  limit, 450 the platform refused it; help.rutter.com: 429 and 452 are retried with backoff.
  The field a message names (`bill.line_items[0].account_id`) becomes the error's field.
- Troubleshooting: the `X-Rutter-Request-ID` and accepted writes' `X-Rutter-Job-ID` are kept on
  errors and in `last_receipt`, for the service to record with the bill.
- Send a value or omit the field, never null (help centre): None is left out of every body.
Secrets (client secret, access token) never reach logs or messages: the access token travels
in the query string, so httpx's request log lines are redacted here.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import re
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from billintake.accounting import writer
from billintake.domain import errors, model
from billintake.domain.currency import ISO_4217

log = logging.getLogger(__name__)

API_VERSION = "2023-03-14"
PRODUCTION_URL = "https://production.rutterapi.com/versioned"
RETRY_STATUSES = frozenset({429, 452, 500, 502, 503, 504})
RATE_LIMITED = frozenset({429, 452})  # refused before anything happened: safe to send again
PAGE_LIMIT = 100
JOB_DONE = frozenset({"success", "failure", "partial_success"})


# --------------------------------------------------------------------------------------------
# Secrets out of logs
# --------------------------------------------------------------------------------------------

_TOKEN_IN_TEXT = re.compile(r"(access_token=)[^&\s\"']+")


def redact(text: str) -> str:
    """The text with any `access_token=` value replaced."""
    return _TOKEN_IN_TEXT.sub(r"\1***", text)


class _RedactAccessToken(logging.Filter):
    """httpx logs each request URL at INFO; ours carry the connection's access token."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "access_token=" in record.getMessage():
            record.msg, record.args = redact(record.getMessage()), None
        return True


for _name in ("httpx", "httpcore"):
    if not any(isinstance(f, _RedactAccessToken) for f in logging.getLogger(_name).filters):
        logging.getLogger(_name).addFilter(_RedactAccessToken())


# --------------------------------------------------------------------------------------------
# JSON with exact decimals
# --------------------------------------------------------------------------------------------

_MARK = "\x00decimal:"


def _mark(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{_MARK}{value}"
    if isinstance(value, dict):
        return {k: _mark(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_mark(v) for v in value]
    return value


def dumps(value: Any) -> str:
    """JSON with Decimals written as exact numbers (never through float) and None left out."""
    return re.sub(r'"\\u0000decimal:([-0-9.Ee+]+)"', r"\1", json.dumps(_mark(value)))


def _loads(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content or b"null", parse_float=Decimal)
    except ValueError:
        return None


def timestamp(day: date) -> str:
    """A date as the ISO 8601 timestamp Rutter documents (midnight UTC)."""
    return f"{day.isoformat()}T00:00:00.000Z"


# Rutter's bill has no field of its own for the payment reference: it goes in the memo (the
# documented `memo`, "Memo or description of the bill"), as its last part, and is read back.
_REFERENCE_PART = "Payment reference: "
_MEMO_SEPARATOR = " / "


def _reference_memo(reference: str | None) -> str | None:
    return f"{_REFERENCE_PART}{reference}" if reference else None


def _memo_parts(raw: dict[str, Any]) -> list[str]:
    return [p for p in str(raw.get("memo") or "").split(_MEMO_SEPARATOR) if p]


def _memo(raw: dict[str, Any]) -> str | None:
    """A bill's memo as written, less the payment reference it carries."""
    kept = [p for p in _memo_parts(raw) if not p.startswith(_REFERENCE_PART)]
    return _MEMO_SEPARATOR.join(kept) or None


def _memo_reference(raw: dict[str, Any]) -> str | None:
    """The payment reference a bill's memo carries, if any."""
    return next((p[len(_REFERENCE_PART):] for p in _memo_parts(raw)
                 if p.startswith(_REFERENCE_PART)), None)


def _day(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _moment(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


def _money(value: Any) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def uuid_key(key: str) -> str:
    """Our 32-hex idempotency keys written as UUIDs (Rutter recommends UUIDs)."""
    try:
        return str(uuid.UUID(hex=key)) if len(key) == 32 else key
    except ValueError:
        return key


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class RutterRequestFailed(errors.AccountingBackendError):
    """Rutter answered with an error, or gave no answer; Rutter's status and codes are kept."""

    def __init__(self, message: str, *, status: int | None, error_code: str | None = None,
                 error_type: str | None = None, retryable: bool = False,
                 indeterminate: bool = False, field: str | None = None,
                 job_id: str | None = None, request_id: str | None = None) -> None:
        super().__init__(message, retryable=retryable, field=field, indeterminate=indeterminate,
                         job_id=job_id, request_id=request_id)
        self.status = status
        self.error_code = error_code
        self.error_type = error_type


class RutterReadTimedOut(RutterRequestFailed, errors.AccountingTimeout,
                         code="accounting_timeout"):
    """A read got no answer within the time its caller may wait (`read_deadline_s`)."""


# Rutter's field names (in an error message, `bill.line_items[0].account_id`) -> ours.
_FIELDS = {"vendor_id": "vendor_id", "currency_code": "currency", "issue_date": "bill_date",
           "due_date": "due_date", "document_number": "bill_number", "memo": "memo",
           "account_id": "account_id", "tax_rate_id": "tax_rate", "total_amount": "amount",
           "description": "description", "transaction_date": "payment_date",
           "allocated_amount": "amount", "email": "email", "tax_number": "tax_id",
           "vendor_name": "name", "contact_name": "name", "file": "document",
           "file_name": "filename"}
_FIELD_IN_TEXT = re.compile(
    r"\b(?:bill|bill_payment|vendor|bill_credit_memo|attachment)\.(\w+)(?:\[(\d+)\])?(?:\.(\w+))?")


def field_of(message: str) -> str | None:
    """The field (ours) a Rutter error message names: `bill.line_items[2].account_id` ->
    `lines[2].account_id`, `bill_payment.linked_bills[0].allocated_amount` -> `amount`."""
    found = _FIELD_IN_TEXT.search(message)
    if found is None:
        return None
    name, index, inner = found.groups()
    if name in ("line_items",):
        where = f"lines[{index}]" if index is not None else "lines"
        return f"{where}.{_FIELDS.get(inner, inner)}" if inner else where
    if name == "linked_bills":
        return {"id": "bill_id", "allocated_amount": "amount"}.get(inner or "", "linked_bills")
    return _FIELDS.get(name, name)


def _error_parts(body: Any) -> tuple[str | None, str | None, str | None]:
    if isinstance(body, dict) and (body.get("error_message") or body.get("error_code")):
        message = body.get("error_message")
        return (body.get("error_type"), body.get("error_code"),
                redact(str(message)) if message else None)
    return None, None, None


def failure(status: int | None, body: Any, what: str, *, request_id: str | None = None,
            job_id: str | None = None, by_id: bool = False) -> errors.BillintakeError:
    """Rutter's error as the domain error that says what happened, naming the field."""
    error_type, error_code, message = _error_parts(body)
    said = message or (f"HTTP {status}" if status else "no answer")
    refs = "; ".join(f"{name} {value}" for name, value in (
        ("Rutter request id", request_id), ("job id", job_id)) if value)
    detail = f"{said} [{error_type or '-'}/{error_code or '-'}]" + (f"; {refs}" if refs else "")
    field = field_of(message or "")
    common = {"status": status, "error_code": error_code, "error_type": error_type,
              "field": field, "job_id": job_id, "request_id": request_id}
    if status == 410 or (status == 404 and by_id and "SUPPORT" not in (error_code or "")):
        return errors.NotFound(f"Rutter: {what}: not found ({detail})", field=field)
    if status == 404:
        return RutterNotSupported(f"Rutter: {what}: not supported on this connection's platform "
                                  f"({detail})", **common)
    if status == 400:
        return RutterInvalid(f"Rutter: {what}: invalid input ({detail})", **common)
    if status == 401:
        text = ("Rutter rejected the credentials: check the client id and secret and the "
                f"connection's access token ({detail})")
    elif status == 409:
        text = (f"Rutter: {what}: the idempotency key was already used for a different "
                f"request ({detail})")
    elif status in (429, 452):
        text = f"Rutter: {what}: rate limited, still after retries ({detail})"
    elif status == 450:
        text = f"Rutter: {what}: the accounting platform refused it ({detail})"
    elif status is None or status >= 500:
        return RutterRequestFailed(
            f"Rutter: {what}: the result is unknown ({detail}); it is looked for in the books "
            "before it is sent again", retryable=True, indeterminate=True, **common)
    else:
        text = f"Rutter: {what}: refused (HTTP {status}: {detail})"
    return RutterRequestFailed(text, retryable=status in (429, 452), **common)


class RutterInvalid(RutterRequestFailed, errors.ValidationFailed,  # type: ignore[misc]
                    code="validation_failed"):
    """Rutter's 400: the request itself was invalid (a ValidationFailed, with Rutter's codes)."""


class RutterNotSupported(RutterRequestFailed, errors.NotSupported,  # type: ignore[misc]
                         code="not_supported"):
    """Rutter's 404 on an endpoint: not offered for this connection's platform."""


# --------------------------------------------------------------------------------------------
# HTTP: auth, retries, pagination, async jobs
# --------------------------------------------------------------------------------------------


class RutterApi:
    """A thin client for Rutter's REST API: one connection (access token), typed errors.

    Reads are retried (429, 452, 5xx, transport errors) with backoff; a write only on 429 and
    452 (refused before anything happened): a write's 5xx or timeout is indeterminate and goes
    back to the writer, which looks in the books before it writes again.
    `read_deadline_s`: the reads of this client (one made for an HTTP request), their retries
    included, end within that many seconds of its making: then `RutterReadTimedOut` (504),
    or the last error seen (502), never a request held for minutes by a hanging system.
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        access_token: str,
        base_url: str = PRODUCTION_URL,
        version: str = API_VERSION,
        http: httpx.Client | None = None,
        timeout: float = 30.0,
        max_retries: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        poll_interval: float = 0.5,
        poll_timeout: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
        read_deadline_s: float | None = None,
    ) -> None:
        self._auth = httpx.BasicAuth(client_id, client_secret)
        self._token = access_token
        self.base_url = base_url.rstrip("/")
        self.version = version
        self._http = http or httpx.Client(timeout=timeout)
        self._owns_http = http is None
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.poll_interval = poll_interval
        self.poll_timeout = poll_timeout
        self._sleep = sleep
        self._read_deadline = None if read_deadline_s is None else (
            time.monotonic() + read_deadline_s)
        self.read_deadline_s = read_deadline_s
        self.last_receipt: writer.WriteReceipt | None = None

    def __repr__(self) -> str:
        return f"RutterApi(base_url={self.base_url!r}, version={self.version!r})"

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    # ---- requests ----------------------------------------------------------------------

    def get(self, path: str, params: dict[str, Any] | None = None, *, what: str,
            by_id: bool = False) -> Any:
        return self._call("GET", path, params=params, what=what, by_id=by_id)

    def pages(self, path: str, key: str, *, what: str,
              params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every object of a list endpoint, following `next_cursor`."""
        cursor: str | None = None
        while True:
            query: dict[str, Any] = {**(params or {}), "limit": PAGE_LIMIT}
            if cursor:
                query["cursor"] = cursor
            body = self.get(path, query, what=what)
            yield from (body or {}).get(key) or []
            cursor = (body or {}).get("next_cursor")
            if not cursor:
                return

    def post(self, path: str, body: dict[str, Any], *, key: str, what: str) -> Any:
        """POST with an Idempotency-Key; an `async_response` is polled to its result."""
        self.last_receipt = None
        result = self._call("POST", path, body=body, key=uuid_key(key), what=what)
        if isinstance(result, dict) and isinstance(result.get("async_response"), dict):
            return self._await_job(result["async_response"], result.get("errors"), what=what)
        return result

    def sleep(self, attempt: int) -> None:
        self._sleep(self._delay(attempt, None))

    def _url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"

    def _call(self, method: str, path: str, *, params: dict[str, Any] | None = None,
              body: dict[str, Any] | None = None, key: str | None = None, what: str,
              by_id: bool = False) -> Any:
        headers = {"X-Rutter-Version": self.version, "Accept": "application/json"}
        content = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            content = dumps(body).encode()
        if key:
            headers["Idempotency-Key"] = key
        query = {**(params or {}), "access_token": self._token}
        write = method != "GET"
        deadline = None if write else self._read_deadline
        attempt = 0
        while True:
            attempt += 1
            timeout = self.timeout
            if deadline is not None:
                timeout = min(timeout, deadline - time.monotonic())
                if timeout <= 0:
                    raise self._too_late(what, attempt - 1)
            try:
                response = self._http.request(method, self._url(path), params=query,
                                              content=content, headers=headers, auth=self._auth,
                                              timeout=timeout)
            except httpx.TransportError as exc:
                kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
                delay = self._delay(attempt, None)
                if not write and attempt <= self.max_retries and self._in_time(deadline, delay):
                    log.warning("rutter %s %s %s (attempt %d), retrying", method,
                                redact(path), kind, attempt)
                    self._sleep(delay)
                    continue
                if deadline is not None and isinstance(exc, httpx.TimeoutException):
                    raise self._too_late(what, attempt) from None
                raise RutterRequestFailed(
                    f"Rutter: {what}: the request {kind} ({type(exc).__name__}) after "
                    f"{attempt} attempt(s); its result is unknown", status=None,
                    retryable=True, indeterminate=write) from None
            log.debug("rutter %s %s -> %d", method, redact(path), response.status_code)
            request_id = response.headers.get("X-Rutter-Request-ID")
            job_id = response.headers.get("X-Rutter-Job-ID")
            if write:
                self.last_receipt = writer.WriteReceipt(job_id=job_id, request_id=request_id)
            if response.is_success:
                return _loads(response)
            status = response.status_code
            retry = status in RATE_LIMITED or (not write and status in RETRY_STATUSES)
            delay = self._delay(attempt, response.headers.get("Retry-After")) if retry else 0.0
            if retry and attempt <= self.max_retries and self._in_time(deadline, delay):
                log.warning("rutter %s %s -> HTTP %d (attempt %d), retrying", method,
                            redact(path), status, attempt)
                self._sleep(delay)
                continue
            raise failure(status, _loads(response), what, request_id=request_id,
                          job_id=job_id, by_id=by_id)

    @staticmethod
    def _in_time(deadline: float | None, delay: float) -> bool:
        """Is there time left for another attempt after waiting `delay` seconds?"""
        return deadline is None or time.monotonic() + delay < deadline

    def _too_late(self, what: str, attempts: int) -> RutterReadTimedOut:
        return RutterReadTimedOut(
            f"Rutter: {what}: the accounting system did not answer within "
            f"{self.read_deadline_s:g}s ({attempts} attempt(s)); nothing was changed, try "
            "again later", status=None, retryable=True)

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(max(float(retry_after), 0.0), self.max_backoff)
            except ValueError:
                try:
                    wait = parsedate_to_datetime(retry_after).timestamp() - time.time()
                    return min(max(wait, 0.0), self.max_backoff)
                except (TypeError, ValueError):
                    pass
        base = min(self.backoff * 2 ** (attempt - 1), self.max_backoff)
        return base * (0.5 + random.random() / 2)

    def _await_job(self, pending: dict[str, Any], accepted_errors: Any, *, what: str) -> Any:
        job_id = str(pending.get("id") or "") or None
        request_id = self.last_receipt.request_id if self.last_receipt else None
        self.last_receipt = writer.WriteReceipt(job_id=job_id, request_id=request_id)
        url = pending.get("response_url") or f"jobs/{job_id}"
        deadline = time.monotonic() + self.poll_timeout
        job: dict[str, Any] = pending
        while job.get("status") not in JOB_DONE:
            if time.monotonic() > deadline:
                raise RutterRequestFailed(
                    f"Rutter: {what}: job {job_id} still {job.get('status')} after "
                    f"{self.poll_timeout:.0f}s; its result is unknown", status=None,
                    retryable=True, indeterminate=True, job_id=job_id, request_id=request_id)
            self._sleep(self.poll_interval)
            job = self.get(url, what=f"{what} (job {job_id})") or {}
        response = job.get("response") or {}
        status = response.get("http_status")
        if job["status"] == "success" and (status is None or int(status) < 400):
            return response.get("body")
        body = response.get("body")
        if status is None:  # a failed job that says no more: definite, never "a retryable 500"
            listed = "; ".join(f"{e.get('slug') or e.get('code')}: {e.get('description')}"
                               for e in accepted_errors or [] if isinstance(e, dict))
            raise RutterRequestFailed(
                f"Rutter: {what}: job {job_id} ended in {job['status']}"
                + (f" ({redact(listed)})" if listed else " without a response"),
                status=None, job_id=job_id, request_id=request_id)
        raise failure(int(status), body, what, request_id=request_id, job_id=job_id)


# --------------------------------------------------------------------------------------------
# Rutter objects -> the unified model
# --------------------------------------------------------------------------------------------

_ACCOUNT_CLASS = {
    "bank": model.AccountClass.BANK,
    "credit_card": model.AccountClass.LIABILITY,  # not a BANK account: payments come from banks
    "accounts_receivable": model.AccountClass.ASSET,
    "fixed_asset": model.AccountClass.ASSET,
    "other_asset": model.AccountClass.ASSET,
    "other_current_asset": model.AccountClass.ASSET,
    "accounts_payable": model.AccountClass.LIABILITY,
    "liability": model.AccountClass.LIABILITY,
    "other_current_liability": model.AccountClass.LIABILITY,
    "long_term_liability": model.AccountClass.LIABILITY,
    "equity": model.AccountClass.EQUITY,
    "income": model.AccountClass.INCOME,
    "other_income": model.AccountClass.INCOME,
    "expense": model.AccountClass.EXPENSE,
    "other_expense": model.AccountClass.EXPENSE,
    "cost_of_goods_sold": model.AccountClass.EXPENSE,
}
_CATEGORY_CLASS = {
    "asset": model.AccountClass.ASSET,
    "liability": model.AccountClass.LIABILITY,
    "equity": model.AccountClass.EQUITY,
    "income": model.AccountClass.INCOME,
    "expense": model.AccountClass.EXPENSE,
}
_BILL_STATUS = {
    "open": model.BillStatus.OPEN,
    "partially_paid": model.BillStatus.PARTIALLY_PAID,
    "paid": model.BillStatus.PAID,
    "void": model.BillStatus.VOID,
    "draft": model.BillStatus.DRAFT,
}
EXPENSE_TYPES = ("expense", "other_expense", "cost_of_goods_sold")
PAYMENT_TYPES = ("bank",)  # "The account must correspond to a BANK type"
CENT = Decimal("0.01")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _currency(value: Any) -> str | None:
    return value if isinstance(value, str) and value.upper() in ISO_4217 else None


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class RutterWriter(writer.WriterBase):
    """`AccountingWriter` over one Rutter connection (an organization's access token)."""

    backend = "rutter"

    def __init__(self, api: RutterApi, *, organization_id: str,
                 options: dict[str, Any] | None = None) -> None:
        self.api = api
        self.organization_id = organization_id
        self.options = dict(options or {})
        self.response_mode = str(self.options.get("response_mode", "async"))
        self._accounts: list[dict[str, Any]] | None = None
        self._tax_rates: dict[str, dict[str, Any]] | None = None

    def __repr__(self) -> str:
        return f"RutterWriter(organization_id={self.organization_id!r}, api={self.api!r})"

    @property
    def last_receipt(self) -> writer.WriteReceipt | None:  # type: ignore[override]
        return self.api.last_receipt

    def close(self) -> None:
        self.api.close()

    # ---- accounts and tax rates --------------------------------------------------------

    def _raw_accounts(self, *, refresh: bool = False) -> list[dict[str, Any]]:
        if self._accounts is None or refresh:
            self._accounts = list(self.api.pages("accounting/accounts", "accounts",
                                                 what="listing accounts"))
        return self._accounts

    def list_accounts(self) -> list[model.Account]:
        return [self._account(raw) for raw in self._raw_accounts(refresh=True)
                if raw.get("status", "active") != "inactive"]

    def _account(self, raw: dict[str, Any]) -> model.Account:
        account_class = _ACCOUNT_CLASS.get(raw.get("account_type") or "") or _CATEGORY_CLASS.get(
            raw.get("category") or "", model.AccountClass.ASSET)
        code = raw.get("nominal_code") or raw.get("platform_id") or raw["id"]
        return model.Account(id=raw["id"], organization_id=self.organization_id, code=str(code),
                             name=raw.get("name") or str(code), account_class=account_class,
                             currency=_currency(raw.get("currency_code")), external_id=raw["id"])

    def _default_account(self, option: str, types: tuple[str, ...], purpose: str) -> str:
        chosen = self.options.get(option)
        if chosen:
            return str(chosen)
        for raw in self._raw_accounts():
            if raw.get("account_type") in types and raw.get("status", "active") == "active":
                return str(raw["id"])
        raise errors.ValidationFailed(
            f"the Rutter connection has no {purpose} account ({' or '.join(types)}); set the "
            f"connection option {option!r}", field=option)

    def _raw_tax_rates(self) -> dict[str, dict[str, Any]]:
        """The connection's tax rates by id, read once per writer (they rarely change)."""
        if self._tax_rates is None:
            self._tax_rates = {raw["id"]: raw for raw in self.api.pages(
                "accounting/tax_rates", "tax_rates", what="listing tax rates")}
        return self._tax_rates

    def list_tax_rates(self) -> list[writer.TaxRate]:
        out = []
        for raw in self._raw_tax_rates().values():
            rate = raw.get("total_tax_rate", raw.get("effective_tax_rate"))
            components = raw.get("components") or []
            out.append(writer.TaxRate(
                id=raw["id"], name=raw.get("name") or raw.get("code") or raw["id"],
                rate=None if rate is None else _money(rate), code=raw.get("code"),
                purchases=not components or any(c.get("is_purchases_tax") for c in components)))
        return out

    def tax_mapping(self) -> dict[str, str]:
        """The organization's VAT rate -> tax rate id (connection option `tax_rates`)."""
        mapping = self.options.get("tax_rates") or {}
        return {writer.rate_key(Decimal(str(k))): str(v) for k, v in mapping.items()}

    # ---- vendors -----------------------------------------------------------------------

    def list_vendors(self) -> list[model.Vendor]:
        return [self._vendor(raw) for raw in self.api.pages("accounting/vendors", "vendors",
                                                            what="listing vendors")
                if raw.get("status") != "archived"]

    def _vendor(self, raw: dict[str, Any]) -> model.Vendor:
        addresses = raw.get("addresses") or []
        address = None
        if addresses and isinstance(addresses[0], dict):
            first = addresses[0]
            address = ", ".join(str(first[k]) for k in ("address1", "address2", "city",
                                                         "postal_code", "region", "country")
                                if first.get(k)) or None
        return model.Vendor(id=raw["id"], organization_id=self.organization_id,
                            name=raw.get("vendor_name") or raw.get("contact_name") or raw["id"],
                            tax_id=raw.get("tax_number") or None, email=raw.get("email") or None,
                            address=address, external_ids={"rutter": raw["id"]})

    def vendor_currency(self, vendor_id: str) -> str | None:
        """The currency the vendor is kept in, in the books."""
        body = self.api.get(f"accounting/vendors/{vendor_id}", what=f"reading vendor {vendor_id}",
                            by_id=True)
        return _currency(self._unwrap(body, "vendor").get("currency_code"))

    def create_vendor(self, vendor: writer.NewVendor, *,
                      idempotency_key: str | None = None) -> model.Vendor:
        key = self._key(vendor, idempotency_key)
        currency = vendor.currency or self.options.get("currency")
        if not currency:
            raise errors.ValidationFailed(
                f"Rutter keeps each vendor in one currency: give {vendor.name!r}'s currency "
                "(the currency of its bill)", field="currency")
        email = vendor.email if vendor.email and _EMAIL.match(vendor.email) else None
        body = {"response_mode": self.response_mode, "vendor": {
            "vendor_name": vendor.name, "contact_name": vendor.name,
            "currency_code": str(currency), "email": email, "tax_number": vendor.tax_id}}
        result = self.api.post("accounting/vendors", body, key=key,
                               what=f"creating vendor {vendor.name!r}")
        # iban and address are not in the documented create body, so Rutter does not keep them.
        return self._vendor(self._unwrap(result, "vendor"))

    # ---- bills -------------------------------------------------------------------------

    def list_bills(self, *, vendor_id: str | None = None) -> list[model.Bill]:
        bills = [self._bill(raw) for raw in self.api.pages("accounting/bills", "bills",
                                                           what="listing bills")]
        bills += [self._credit(raw) for raw in self.api.pages(
            "accounting/bill_credit_memos", "bill_credit_memos", what="listing credit memos")]
        return [b for b in bills if vendor_id is None or b.vendor_id == vendor_id]

    def _raw_bill(self, bill_id: str, *, fresh: bool = False
                  ) -> tuple[model.BillKind, dict[str, Any]]:
        params = {"force_fetch": "true"} if fresh else None
        try:
            body = self.api.get(f"accounting/bills/{bill_id}", params,
                                what=f"reading bill {bill_id}", by_id=True)
            return model.BillKind.BILL, self._unwrap(body, "bill")
        except errors.NotFound:
            pass
        try:
            body = self.api.get(f"accounting/bill_credit_memos/{bill_id}", params,
                                what=f"reading credit memo {bill_id}", by_id=True)
            return model.BillKind.VENDOR_CREDIT, self._unwrap(body, "bill_credit_memo")
        except errors.NotFound:
            raise errors.NotFound(f"no bill or vendor credit {bill_id} in Rutter",
                                  field="bill_id") from None

    def get_bill(self, bill_id: str) -> model.Bill:
        kind, raw = self._raw_bill(bill_id)
        return self._bill(raw) if kind is model.BillKind.BILL else self._credit(raw)

    def _find_raw(self, collection: str, bill: writer.NewBill) -> dict[str, Any] | None:
        """The bill (or credit memo) of this vendor with this document number and total."""
        wanted = bill.bill_number.strip().casefold()
        return next((raw for raw in self.api.pages(f"accounting/{collection}", collection,
                                                   what=f"looking for {bill.bill_number}")
                     if raw.get("vendor_id") == bill.vendor_id
                     and (raw.get("document_number") or "").strip().casefold() == wanted
                     and _money(raw.get("total_amount")) == abs(bill.total)), None)

    def create_bill(self, bill: writer.NewBill, *,
                    idempotency_key: str | None = None) -> model.Bill:
        key = self._key(bill, idempotency_key)
        known = self.vendor_currency(bill.vendor_id) if bill.vendor_id else None
        if known and known != bill.currency:
            raise errors.NeedsReview(
                f"the vendor is kept in {known} in the books, the bill is in {bill.currency}: "
                "book it to a vendor in its currency", field="currency")
        memo = " / ".join(p for p in (bill.memo, f"PO {bill.po_number}" if bill.po_number
                                      else None, _reference_memo(bill.payment_reference))
                          if p) or None
        if bill.kind is model.BillKind.VENDOR_CREDIT:
            fields = {"account_id": self._default_account("ap_account_id", ("accounts_payable",),
                                                          "accounts payable"),
                      "vendor_id": bill.vendor_id, "issue_date": timestamp(bill.bill_date),
                      "currency_code": bill.currency, "document_number": bill.bill_number,
                      "memo": memo, "line_items": self._credit_lines(bill)}
            result = self._write("accounting/bill_credit_memos", "bill_credit_memo", fields, key,
                                 f"creating vendor credit {bill.bill_number}",
                                 lambda: self._find_raw("bill_credit_memos", bill))
            return self._credit(result)
        fields = {"vendor_id": bill.vendor_id, "issue_date": timestamp(bill.bill_date),
                  "due_date": timestamp(bill.due_date) if bill.due_date else None,
                  "currency_code": bill.currency, "document_number": bill.bill_number,
                  "memo": memo, "account_id": self.options.get("ap_account_id"),
                  "line_items": self._bill_lines(bill)}
        result = self._write("accounting/bills", "bill", fields, key,
                             f"creating bill {bill.bill_number}",
                             lambda: self._find_raw("bills", bill))
        return self._bill(result)

    def _write(self, path: str, name: str, fields: dict[str, Any], key: str, what: str,
               lookup: Callable[[], dict[str, Any] | None]) -> dict[str, Any]:
        """POST under `key`; after an indeterminate result, look in the books first, and send
        again (the same key, so an accepted first request is replayed) only if it is not there."""
        attempt = 0
        while True:
            attempt += 1
            try:
                result = self.api.post(path, {"response_mode": self.response_mode, name: fields},
                                       key=key, what=what)
                return self._unwrap(result, name)
            except RutterRequestFailed as lost:
                if not lost.indeterminate:
                    raise
                try:
                    found = lookup()
                except errors.BillintakeError:
                    found = None  # the books cannot be read now: the result stays unknown
                if found is not None:
                    log.info("rutter: %s: found in the books after an unknown result", what)
                    return found
                if attempt > self.api.max_retries:
                    raise
                self.api.sleep(attempt)

    def _default_expense(self) -> str:
        return self._default_account("expense_account_id", EXPENSE_TYPES, "expense")

    def _bill_lines(self, bill: writer.NewBill) -> list[dict[str, Any]]:
        """Net line amounts, each with the tax rate id of its VAT rate when the bill has tax;
        the tax the platform will add is checked against the printed tax first."""
        lines = bill.net_lines()
        printed = bill.tax_by_rate()
        if not printed and not bill.tax_lines:
            return [{"account_id": line.account_id or self._default_expense(),
                     "description": line.description, "total_amount": line.amount}
                    for line in lines]
        mapping, rates = self.tax_mapping(), self._raw_tax_rates()
        computed: dict[str, Decimal] = {}
        out = []
        for n, line in enumerate(lines):
            rate = bill.rate_of(line)
            if rate is None:
                listed = ", ".join(f"{writer.rate_key(r)} %" for r in printed if r is not None)
                raise errors.NeedsReview(
                    f"line {n + 1} ({line.description[:40]!r}) names no VAT rate and the bill "
                    + (f"has several ({listed})" if listed else "prints none")
                    + ": give each line's rate", field=f"lines[{n}].tax_rate")
            key = writer.rate_key(rate)
            rate_id = mapping.get(key)
            if rate_id is None or rate_id not in rates:
                offered = ", ".join(f"{t.name} ({t.id})" for t in self.list_tax_rates()
                                    if t.purchases and t.rate == rate) or "none at that rate"
                state = "is mapped to an unknown tax rate" if rate_id else "has no tax rate mapped"
                raise errors.NeedsReview(
                    f"VAT {key} % {state} for this Rutter connection: map it (billintake "
                    f"tax-rates --set {key}=<tax rate id>); the connection's rates: {offered}",
                    field="tax_rate")
            platform_rate = _money(rates[rate_id].get("total_tax_rate") or 0)
            if platform_rate != rate:
                raise errors.NeedsReview(
                    f"VAT {key} % is mapped to {rates[rate_id].get('name')!r}, a rate of "
                    f"{writer.rate_key(platform_rate)} %: map it to a {key} % rate",
                    field="tax_rate")
            computed[key] = computed.get(key, Decimal(0)) + _cents(line.amount * rate / 100)
            out.append({"account_id": line.account_id or self._default_expense(),
                        "description": line.description, "total_amount": line.amount,
                        "tax_rate_id": rate_id})
        expected = {writer.rate_key(r): a for r, a in printed.items() if r is not None}
        if None in printed:  # one tax without rates: compare the sum
            expected = {"all": printed[None]}
            computed = {"all": sum(computed.values(), Decimal(0))}
        for rate_name in set(expected) | {k for k, v in computed.items() if v}:
            if computed.get(rate_name, Decimal(0)) != expected.get(rate_name, Decimal(0)):
                label = "in all" if rate_name == "all" else f"at {rate_name} %"
                raise errors.NeedsReview(
                    f"the platform would add tax of {computed.get(rate_name, Decimal(0))} "
                    f"{label} to these lines, the bill prints "
                    f"{expected.get(rate_name, Decimal(0))}: check the lines and the tax",
                    field="tax")
        return out

    def _credit_lines(self, bill: writer.NewBill) -> list[dict[str, Any]]:
        """A credit memo's lines (its line items take no tax rate): net lines, and its tax per
        rate as lines on the input-tax account (option `tax_account_id`). Amounts positive."""
        out: list[dict[str, Any]] = [
            {"account_id": line.account_id or self._default_expense(),
             "description": line.description, "total_amount": -line.amount}
            for line in bill.net_lines()]
        taxes = bill.tax_by_rate()
        if taxes:
            account = self.options.get("tax_account_id")
            if not account:
                raise errors.NeedsReview(
                    "Rutter's bill credit memos take no tax rate: set the connection option "
                    "tax_account_id (the input-tax account) to book a credit's VAT",
                    field="tax")
            out += [{"account_id": str(account), "total_amount": -amount,
                     "description": "VAT" if rate is None else f"VAT {writer.rate_key(rate)} %"}
                    for rate, amount in taxes.items()]
        return out

    def _bill(self, raw: dict[str, Any]) -> model.Bill:
        issue = _day(raw.get("issue_date")) or date.today()
        due = _day(raw.get("due_date"))
        tax = raw.get("tax_amount")
        lines = [self._item(line, Decimal(1)) for line in raw.get("line_items") or []]
        return model.Bill(
            id=raw["id"], organization_id=self.organization_id,
            vendor_id=raw.get("vendor_id") or "", kind=model.BillKind.BILL,
            bill_number=raw.get("document_number") or raw.get("platform_id") or raw["id"],
            bill_date=issue, due_date=due if due and due >= issue else None,
            currency=raw.get("currency_code") or "USD", line_items=lines,
            subtotal=_money(raw["sub_total"]) if raw.get("sub_total") is not None else None,
            tax=_money(tax) if tax else None, tax_lines=self._tax_lines(raw),
            total=_money(raw.get("total_amount")),
            status=_BILL_STATUS.get(raw.get("status") or "", model.BillStatus.OPEN),
            memo=_memo(raw), payment_reference=_memo_reference(raw), external_id=raw["id"],
            created_at=_moment(raw.get("created_at")))

    def _tax_lines(self, raw: dict[str, Any]) -> list[model.TaxLine]:
        by_rate: dict[Decimal | None, tuple[Decimal, Decimal]] = {}
        rates = {v: Decimal(k) for k, v in self.tax_mapping().items()}
        for line in raw.get("line_items") or []:
            if not line.get("tax_amount"):
                continue
            rate = rates.get(line.get("tax_rate_id") or "")
            tax, basis = by_rate.get(rate, (Decimal(0), Decimal(0)))
            by_rate[rate] = (tax + _money(line["tax_amount"]),
                             basis + _money(line.get("sub_total")))
        return [model.TaxLine(rate=rate, amount=tax, basis=basis)
                for rate, (tax, basis) in by_rate.items()]

    def _credit(self, raw: dict[str, Any]) -> model.Bill:
        issue = _day(raw.get("issue_date")) or date.today()
        return model.Bill(
            id=raw["id"], organization_id=self.organization_id,
            vendor_id=raw.get("vendor_id") or "", kind=model.BillKind.VENDOR_CREDIT,
            bill_number=raw.get("document_number") or raw.get("platform_id") or raw["id"],
            bill_date=issue, currency=raw.get("currency_code") or "USD",
            line_items=[self._item(line, Decimal(-1)) for line in raw.get("line_items") or []],
            total=-_money(raw.get("total_amount")), status=model.BillStatus.OPEN,
            memo=_memo(raw), payment_reference=_memo_reference(raw), external_id=raw["id"],
            created_at=_moment(raw.get("created_at")))

    def _item(self, raw: dict[str, Any], sign: Decimal) -> model.BillLineItem:
        net = raw.get("sub_total") if raw.get("sub_total") is not None else raw.get("total_amount")
        rates = {v: Decimal(k) for k, v in self.tax_mapping().items()}
        return model.BillLineItem(description=raw.get("description") or "(no description)",
                                  amount=_money(net) * sign, account_id=raw.get("account_id"),
                                  tax_rate=rates.get(raw.get("tax_rate_id") or ""))

    # ---- attachments -------------------------------------------------------------------

    def attach_document(self, bill_id: str, document: writer.DocumentRef) -> writer.Attachment:
        kind, _ = self._raw_bill(bill_id)
        if kind is model.BillKind.VENDOR_CREDIT:
            raise RutterNotSupported(
                f"Rutter documents attachments for bills only, not for vendor credit {bill_id}",
                status=None)
        key = writer.idempotency_key("attachment", self.organization_id, bill_id, document.sha256)
        body = {"file": base64.b64encode(document.read_bytes()).decode("ascii"),
                "file_name": document.filename}
        result = self.api.post(f"accounting/bills/{bill_id}/attachments", body, key=key,
                               what=f"attaching {document.filename!r} to bill {bill_id}")
        raw = self._unwrap(result, "attachment")
        return writer.Attachment(id=raw["id"], bill_id=bill_id,
                                 filename=raw.get("file_name") or document.filename,
                                 sha256=document.sha256, uri=raw.get("file_url"))

    def list_attachments(self, bill_id: str) -> list[writer.Attachment]:
        return [writer.Attachment(id=raw["id"], bill_id=bill_id,
                                  filename=raw.get("file_name") or raw["id"],
                                  uri=raw.get("file_url"))
                for raw in self.api.pages("accounting/bills/attachments", "attachments",
                                          what=f"listing attachments of {bill_id}",
                                          params={"attached_to_id": bill_id})
                if raw.get("attached_to_id") in (None, bill_id)]

    # ---- payments ----------------------------------------------------------------------

    def get_bill_balance(self, bill_id: str) -> writer.BillBalance:
        kind, raw = self._raw_bill(bill_id)
        return self._balance(kind, raw)

    @staticmethod
    def _balance(kind: model.BillKind, raw: dict[str, Any]) -> writer.BillBalance:
        total = _money(raw.get("total_amount"))
        left = _money(raw.get("remaining_amount" if kind is model.BillKind.VENDOR_CREDIT
                              else "amount_due"))
        sign = Decimal(kind.sign)
        return writer.make_balance(raw["id"], kind, raw.get("currency_code") or "USD", total * sign,
                                   (total - left) * sign)

    def create_bill_payment(self, payment: writer.NewPayment, *,
                            idempotency_key: str | None = None) -> model.BillPayment:
        key = self._key(payment, idempotency_key)
        try:  # a fresh read: the amount due a payment is checked against must not be stale
            kind, raw = self._raw_bill(payment.bill_id, fresh=True)
        except errors.NotFound:
            raise errors.PaymentRejected(f"unknown bill {payment.bill_id} in Rutter",
                                         field="bill_id") from None
        bill = self._bill(raw) if kind is model.BillKind.BILL else self._credit(raw)
        try:
            writer.check_payment(bill, self._balance(kind, raw), payment)
        except errors.PaymentRejected as rejected:
            # The retry of a payment that settled the bill must still return it: send it
            # again under the same key when the bill shows a payment just like it.
            if rejected.field != "amount" or not self._shows_payment(raw, payment):
                raise
        account = payment.account_id or self._default_account("bank_account_id", PAYMENT_TYPES,
                                                              "bank")
        before = {p.get("id") for p in raw.get("linked_payments") or []}
        fields = {"account_id": account, "vendor_id": raw.get("vendor_id"),
                  "currency_code": payment.currency,
                  "transaction_date": timestamp(payment.payment_date), "memo": payment.reference,
                  "linked_bills": [{"id": payment.bill_id, "allocated_amount": payment.amount}]}
        try:
            paid = self._write("accounting/bill_payments", "bill_payment", fields, key,
                               f"paying bill {bill.bill_number}",
                               lambda: self._find_payment(payment, before))
        except RutterRequestFailed as refused:
            if refused.field == "amount" or (refused.status == 450 and refused.field is None):
                balance = self.get_bill_balance(payment.bill_id)
                raise errors.PaymentRejected(
                    f"{refused.message} (the bill's amount due is now {balance.open_balance} "
                    f"{balance.currency})", field="amount") from None
            raise
        return model.BillPayment(
            id=paid["id"], organization_id=self.organization_id, bill_id=payment.bill_id,
            amount=_money(paid.get("total_amount")) or payment.amount,
            currency=paid.get("currency_code") or payment.currency,
            payment_date=_day(paid.get("transaction_date")) or payment.payment_date,
            account_id=paid.get("account_id") or account,
            reference=paid.get("memo") or payment.reference, external_id=paid["id"])

    def _find_payment(self, payment: writer.NewPayment,
                      before: set[Any]) -> dict[str, Any] | None:
        """A payment of the bill made by the lost request: one linked since, of this amount."""
        _, raw = self._raw_bill(payment.bill_id, fresh=True)
        for link in raw.get("linked_payments") or []:
            if link.get("id") not in before and _money(link.get("allocated_amount")) == \
                    payment.amount and _day(link.get("allocated_date")) == payment.payment_date:
                body = self.api.get(f"accounting/bill_payments/{link['id']}",
                                    what=f"reading payment {link['id']}", by_id=True)
                return self._unwrap(body, "bill_payment")
        return None

    @staticmethod
    def _shows_payment(raw: dict[str, Any], payment: writer.NewPayment) -> bool:
        return any(_money(p.get("allocated_amount")) == payment.amount
                   and _day(p.get("allocated_date")) == payment.payment_date
                   for p in raw.get("linked_payments") or [])

    # ---- helpers -----------------------------------------------------------------------

    @staticmethod
    def _unwrap(body: Any, name: str) -> dict[str, Any]:
        if isinstance(body, dict) and isinstance(body.get(name), dict):
            return body[name]
        raise RutterRequestFailed(f"Rutter answered without a {name!r} object", status=None)


# --------------------------------------------------------------------------------------------
# The backend entry point
# --------------------------------------------------------------------------------------------


def open_writer(context: writer.WriterContext) -> RutterWriter:
    """A `RutterWriter` from a connection: secret `access_token` (and `client_id` /
    `client_secret`, else the settings'), options `base_url`, `version`, `response_mode`,
    `currency` (a vendor's when none is known), `ap_account_id`, `expense_account_id`,
    `bank_account_id`, `tax_account_id` (credit memos' VAT), `tax_rates` ({rate: id})."""
    connection, settings, extra = context.connection, context.settings, context.extra
    options = connection.options
    token = connection.secret("access_token")
    client_id = connection.secret("client_id") or (settings.rutter_client_id if settings else "")
    client_secret = connection.secret("client_secret") or (
        settings.rutter_client_secret if settings else "")
    missing = [name for name, value in (("access_token", token), ("client_id", client_id),
                                        ("client_secret", client_secret)) if not value]
    if missing:
        raise errors.ValidationFailed(f"the Rutter connection lacks {', '.join(missing)}",
                                      field="secrets")
    base_url = options.get("base_url") or (settings.rutter_base_url if settings else PRODUCTION_URL)
    api = RutterApi(
        client_id=client_id, client_secret=client_secret, access_token=str(token),
        base_url=str(base_url), version=str(options.get("version", API_VERSION)),
        http=context.http_client, timeout=float(extra.get("timeout", options.get("timeout", 30))),
        max_retries=int(extra.get("max_retries", 4)), backoff=float(extra.get("backoff", 0.5)),
        poll_interval=float(extra.get("poll_interval", 0.5)),
        sleep=extra.get("sleep", time.sleep), read_deadline_s=extra.get("read_deadline_s"))
    return RutterWriter(api, organization_id=context.organization_id, options=options)


__all__ = ["API_VERSION", "RutterApi", "RutterReadTimedOut", "RutterRequestFailed",
           "RutterWriter", "failure", "field_of", "open_writer"]
