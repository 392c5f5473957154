"""The `rutter` backend: bills, payments and vendor credits through Rutter's unified accounting API.

Shapes followed (Rutter's docs, API version 2023-03-14, looked up with the search tool):

- Bill Pay Automation guide (docs.rutter.com/guides/ap-automation): a bill debits expense
  accounts (one per line item) and credits accounts payable (category liability, account_type
  accounts_payable); a bill payment debits that payable and credits a bank or credit-card
  account; attachments are uploaded to logged bills; credit notes are Bill Credit Memos.
- Basics / Authorization (docs.rutter.com/rest/2023-03-14/authorization): base URL
  https://production.rutterapi.com/versioned (sandbox: sandbox.rutterapi.com/versioned),
  HTTP Basic `client_id:client_secret`, the connection's `access_token` as a query parameter,
  the `X-Rutter-Version` header on every request.
- Accounts, Vendors, Bills, Bill Payments, Bill Credit Memos, Bill Attachments, Asynchronous
  Jobs reference pages (docs.rutter.com/rest/2023-03-14/...): paths `/accounting/accounts`,
  `/accounting/vendors`, `/accounting/bills`, `/accounting/bill_payments`,
  `/accounting/bill_credit_memos`, `/accounting/bills/:id/attachments`, `/jobs/:id`; bodies
  wrapped in the singular name (`{"bill": {...}}`); amounts are JSON numbers, dates ISO 8601
  timestamps. Request fields (required ones from the published OpenAPI, as generated into
  speakeasy-sdks/rutter-ts): bill vendor_id, currency_code, issue_date, line_items[].total_amount
  (+ account_id, description), optional account_id (AP), document_number, due_date, memo;
  bill payment account_id (a bank account), vendor_id, currency_code, transaction_date,
  linked_bills[] {id, allocated_amount, allocated_date}, optional memo; vendor vendor_name,
  contact_name, currency_code, optional email, tax_number; bill credit memo account_id,
  vendor_id, currency_code, issue_date, line_items; attachment `{"file", "file_name"}`.
- Pagination (docs.rutterapi.com/reference/pagination, list endpoints): `cursor` set to the
  previous `next_cursor`, `limit` (default 50); no `next_cursor` means the last page.
- Making Idempotent Requests (docs.rutter.com/implementation-guides/making-idempotent-requests):
  `Idempotency-Key` header on POST; the first *accepted* request's result is saved and replayed;
  the same key with another body is a 409; accepted requests carry `X-Rutter-Job-ID`.
- Asynchronous Operations (docs.rutter.com/rest/2023-03-14/asynchronous-operations):
  `response_mode` `async` | `prefer_sync` in the body; an `async_response` {id, response_url,
  status} is polled at `response_url` (Fetch a Job) until status success / failure; the job's
  `response` holds `http_status` and `body`. Async is what the page recommends for idempotent
  writes, so it is the default here (option `response_mode`).
- Errors & HTTP Error Codes (docs.rutter.com/rest/2023-03-14/errors) and Handling Errors:
  bodies `{error_type, error_code, error_message}`; 400 invalid input, 401 credentials,
  404/410 not found, 409 idempotency conflict, 429 rate limit, 450 platform rejected;
  help.rutter.com "Why is my API call being rate-limited?": 429 (500 requests / 10 s per
  organization) and 452 (the platform's limit), to be retried with exponential backoff.

Where the docs are silent we take the conservative reading: no Retry-After is documented, so we
honour it when present and otherwise back off exponentially; 5xx results are "indeterminate",
so a write is retried only with its idempotency key (the replay then returns the first result);
attachments are documented for bills only, so a vendor credit gets none; tax rates need the
platform's tax-rate ids, so tax is booked as its own line (option `tax_account_id`, else the
default expense account); `document_number` is also sent on credit memos (it is a documented
field of the object). Secrets (client secret, access token) never reach logs or messages: the
access token travels in the query string, so httpx's request log lines are redacted here.
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
from decimal import Decimal
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
    """Rutter answered a request with an error (status and Rutter's error code kept)."""

    def __init__(self, message: str, *, status: int | None, error_code: str | None = None,
                 retryable: bool = False) -> None:
        super().__init__(message, retryable=retryable)
        self.status = status
        self.error_code = error_code


def _describe(status: int | None, body: Any) -> tuple[str, str | None]:
    if isinstance(body, dict) and body.get("error_message"):
        return redact(str(body["error_message"])), body.get("error_code")
    return f"HTTP {status}", None


def _failure(status: int, body: Any, what: str, request_id: str | None = None) -> BaseException:
    message, error_code = _describe(status, body)
    if request_id:  # what Rutter support asks for ("Addressing Request Failures")
        message = f"{message}; Rutter request id {request_id}"
    if status in (404, 410):
        return errors.NotFound(f"Rutter: {what}: not found ({message})")
    if status == 400:  # "a request made to Rutter with an invalid input"
        return errors.ValidationFailed(f"Rutter: {what}: invalid input ({message})")
    if status == 401:
        text = ("Rutter rejected the credentials: check the client id and secret and the "
                f"connection's access token ({message})")
    elif status == 409:
        text = f"Rutter: {what}: idempotency key already used for a different request ({message})"
    elif status in RETRY_STATUSES:
        text = f"Rutter: {what}: still failing after retries (HTTP {status}: {message})"
    elif status == 450:
        text = f"Rutter: {what}: the accounting platform refused it ({message})"
    else:
        text = f"Rutter: {what}: refused (HTTP {status}: {message})"
    return RutterRequestFailed(text, status=status, error_code=error_code,
                               retryable=status in RETRY_STATUSES)


# --------------------------------------------------------------------------------------------
# HTTP: auth, retries, pagination, async jobs
# --------------------------------------------------------------------------------------------


class RutterApi:
    """A thin client for Rutter's REST API: one connection (access token), typed errors."""

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

    def __repr__(self) -> str:
        return f"RutterApi(base_url={self.base_url!r}, version={self.version!r})"

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    # ---- requests ----------------------------------------------------------------------

    def get(self, path: str, params: dict[str, Any] | None = None, *, what: str) -> Any:
        return self._call("GET", path, params=params, what=what)

    def pages(self, path: str, key: str, *, what: str) -> Iterator[dict[str, Any]]:
        """Every object of a list endpoint, following `next_cursor`."""
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": PAGE_LIMIT}
            if cursor:
                params["cursor"] = cursor
            body = self.get(path, params, what=what)
            yield from (body or {}).get(key) or []
            cursor = (body or {}).get("next_cursor")
            if not cursor:
                return

    def post(self, path: str, body: dict[str, Any], *, key: str, what: str) -> Any:
        """POST with an Idempotency-Key; an `async_response` is polled to its result."""
        result = self._call("POST", path, body=body, key=uuid_key(key), what=what)
        if isinstance(result, dict) and isinstance(result.get("async_response"), dict):
            return self._await_job(result["async_response"], what=what)
        return result

    def _url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"

    def _call(self, method: str, path: str, *, params: dict[str, Any] | None = None,
              body: dict[str, Any] | None = None, key: str | None = None, what: str) -> Any:
        headers = {"X-Rutter-Version": self.version, "Accept": "application/json"}
        content = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            content = dumps(body).encode()
        if key:
            headers["Idempotency-Key"] = key
        query = {**(params or {}), "access_token": self._token}
        # A write without a key is never resent: its outcome would be unknown.
        may_retry = method == "GET" or key is not None
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._http.request(method, self._url(path), params=query,
                                              content=content, headers=headers, auth=self._auth,
                                              timeout=self.timeout)
            except httpx.TransportError as exc:
                kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
                if may_retry and attempt <= self.max_retries:
                    log.warning("rutter %s %s %s (attempt %d), retrying", method,
                                redact(path), kind, attempt)
                    self._sleep(self._delay(attempt, None))
                    continue
                raise RutterRequestFailed(
                    f"Rutter: {what}: the request {kind} ({type(exc).__name__}) after "
                    f"{attempt} attempt(s)", status=None, retryable=True) from None
            log.debug("rutter %s %s -> %d", method, redact(path), response.status_code)
            if response.is_success:
                return _loads(response)
            if (response.status_code in RETRY_STATUSES and may_retry
                    and attempt <= self.max_retries):
                log.warning("rutter %s %s -> HTTP %d (attempt %d), retrying", method,
                            redact(path), response.status_code, attempt)
                self._sleep(self._delay(attempt, response.headers.get("Retry-After")))
                continue
            raise _failure(response.status_code, _loads(response), what,
                           response.headers.get("X-Rutter-Request-ID"))

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

    def _await_job(self, pending: dict[str, Any], *, what: str) -> Any:
        url = pending.get("response_url") or f"jobs/{pending.get('id')}"
        deadline = time.monotonic() + self.poll_timeout
        job: dict[str, Any] = pending
        while job.get("status") not in JOB_DONE:
            if time.monotonic() > deadline:
                raise RutterRequestFailed(
                    f"Rutter: {what}: job {pending.get('id')} still {job.get('status')} after "
                    f"{self.poll_timeout:.0f}s", status=None, retryable=True)
            self._sleep(self.poll_interval)
            job = self.get(url, what=f"{what} (job {pending.get('id')})") or {}
        response = job.get("response") or {}
        status = int(response.get("http_status") or (200 if job["status"] == "success" else 500))
        if job["status"] == "success" and status < 400:
            return response.get("body")
        raise _failure(status, response.get("body"), what)


# --------------------------------------------------------------------------------------------
# Rutter objects -> the unified model
# --------------------------------------------------------------------------------------------

_ACCOUNT_CLASS = {
    "bank": model.AccountClass.BANK,
    # the guide: payments credit a bank or credit-card account
    "credit_card": model.AccountClass.BANK,
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
PAYMENT_TYPES = ("bank", "credit_card")


def _currency(value: Any) -> str | None:
    return value if isinstance(value, str) and value.upper() in ISO_4217 else None


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

    def __repr__(self) -> str:
        return f"RutterWriter(organization_id={self.organization_id!r}, api={self.api!r})"

    def close(self) -> None:
        self.api.close()

    # ---- accounts ----------------------------------------------------------------------

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
                            iban=raw.get("bank_account_number") or None, address=address,
                            external_ids={"rutter": raw["id"]})

    def create_vendor(self, vendor: writer.NewVendor, *,
                      idempotency_key: str | None = None) -> model.Vendor:
        key = self._key(vendor, idempotency_key)
        body = {"response_mode": self.response_mode, "vendor": {
            "vendor_name": vendor.name, "contact_name": vendor.name,
            "currency_code": str(self.options.get("currency", "USD")),
            "email": vendor.email, "tax_number": vendor.tax_id}}
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

    def _raw_bill(self, bill_id: str) -> tuple[model.BillKind, dict[str, Any]]:
        try:
            body = self.api.get(f"accounting/bills/{bill_id}", what=f"reading bill {bill_id}")
            return model.BillKind.BILL, self._unwrap(body, "bill")
        except errors.NotFound:
            pass
        try:
            body = self.api.get(f"accounting/bill_credit_memos/{bill_id}",
                                what=f"reading credit memo {bill_id}")
            return model.BillKind.VENDOR_CREDIT, self._unwrap(body, "bill_credit_memo")
        except errors.NotFound:
            raise errors.NotFound(f"no bill or vendor credit {bill_id} in Rutter",
                                  field="bill_id") from None

    def get_bill(self, bill_id: str) -> model.Bill:
        kind, raw = self._raw_bill(bill_id)
        return self._bill(raw) if kind is model.BillKind.BILL else self._credit(raw)

    def create_bill(self, bill: writer.NewBill, *,
                    idempotency_key: str | None = None) -> model.Bill:
        key = self._key(bill, idempotency_key)
        sign = Decimal(bill.kind.sign)
        lines = [self._line(line, sign) for line in bill.net_lines()]
        if bill.tax:
            account = self.options.get("tax_account_id") or self._default_expense()
            lines.append({"account_id": account, "description": "Tax",
                          "total_amount": bill.tax * sign})
        memo = " / ".join(p for p in (bill.memo, f"PO {bill.po_number}" if bill.po_number
                                      else None) if p) or None
        fields: dict[str, Any] = {
            "vendor_id": bill.vendor_id, "currency_code": bill.currency,
            "issue_date": timestamp(bill.bill_date), "document_number": bill.bill_number,
            "memo": memo, "line_items": lines}
        if bill.kind is model.BillKind.VENDOR_CREDIT:
            fields["account_id"] = self._default_account("ap_account_id", ("accounts_payable",),
                                                         "accounts payable")
            result = self.api.post("accounting/bill_credit_memos",
                                   {"response_mode": self.response_mode,
                                    "bill_credit_memo": fields},
                                   key=key, what=f"creating vendor credit {bill.bill_number}")
            return self._credit(self._unwrap(result, "bill_credit_memo"))
        fields["due_date"] = timestamp(bill.due_date) if bill.due_date else None
        fields["account_id"] = self.options.get("ap_account_id")
        result = self.api.post("accounting/bills",
                               {"response_mode": self.response_mode, "bill": fields},
                               key=key, what=f"creating bill {bill.bill_number}")
        return self._bill(self._unwrap(result, "bill"))

    def _default_expense(self) -> str:
        return self._default_account("expense_account_id", EXPENSE_TYPES, "expense")

    def _line(self, line: writer.NewBillLine, sign: Decimal) -> dict[str, Any]:
        return {"account_id": line.account_id or self._default_expense(),
                "description": line.description, "total_amount": line.amount * sign}

    def _bill(self, raw: dict[str, Any]) -> model.Bill:
        issue = _day(raw.get("issue_date")) or date.today()
        due = _day(raw.get("due_date"))
        tax = raw.get("tax_amount")
        return model.Bill(
            id=raw["id"], organization_id=self.organization_id,
            vendor_id=raw.get("vendor_id") or "", kind=model.BillKind.BILL,
            bill_number=raw.get("document_number") or raw.get("platform_id") or raw["id"],
            bill_date=issue, due_date=due if due and due >= issue else None,
            currency=raw.get("currency_code") or "USD",
            line_items=[self._item(line, Decimal(1)) for line in raw.get("line_items") or []],
            subtotal=_money(raw["sub_total"]) if raw.get("sub_total") is not None else None,
            tax=_money(tax) if tax else None, total=_money(raw.get("total_amount")),
            status=_BILL_STATUS.get(raw.get("status") or "", model.BillStatus.OPEN),
            memo=raw.get("memo") or None, external_id=raw["id"],
            created_at=_moment(raw.get("created_at")))

    def _credit(self, raw: dict[str, Any]) -> model.Bill:
        issue = _day(raw.get("issue_date")) or date.today()
        return model.Bill(
            id=raw["id"], organization_id=self.organization_id,
            vendor_id=raw.get("vendor_id") or "", kind=model.BillKind.VENDOR_CREDIT,
            bill_number=raw.get("document_number") or raw.get("platform_id") or raw["id"],
            bill_date=issue, currency=raw.get("currency_code") or "USD",
            line_items=[self._item(line, Decimal(-1)) for line in raw.get("line_items") or []],
            total=-_money(raw.get("total_amount")), status=model.BillStatus.OPEN,
            memo=raw.get("memo") or None, external_id=raw["id"],
            created_at=_moment(raw.get("created_at")))

    @staticmethod
    def _item(raw: dict[str, Any], sign: Decimal) -> model.BillLineItem:
        return model.BillLineItem(description=raw.get("description") or "(no description)",
                                  amount=_money(raw.get("total_amount")) * sign,
                                  account_id=raw.get("account_id"))

    # ---- attachments -------------------------------------------------------------------

    def attach_document(self, bill_id: str, document: writer.DocumentRef) -> writer.Attachment:
        kind, _ = self._raw_bill(bill_id)
        if kind is model.BillKind.VENDOR_CREDIT:
            raise RutterRequestFailed(
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
                for raw in self.api.pages(f"accounting/bills/{bill_id}/attachments",
                                          "attachments", what=f"listing attachments of {bill_id}")]

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
        try:
            kind, raw = self._raw_bill(payment.bill_id)
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
        body = {"response_mode": self.response_mode, "bill_payment": {
            "account_id": account, "vendor_id": raw.get("vendor_id"),
            "currency_code": payment.currency, "transaction_date": timestamp(
                payment.payment_date), "memo": payment.reference,
            "linked_bills": [{"id": payment.bill_id, "allocated_amount": payment.amount,
                              "allocated_date": timestamp(payment.payment_date)}]}}
        try:
            result = self.api.post("accounting/bill_payments", body, key=key,
                                   what=f"paying bill {bill.bill_number}")
        except errors.ValidationFailed as refused:
            raise errors.PaymentRejected(refused.message, field="amount") from None
        except RutterRequestFailed as failed:
            if failed.status == 450:  # the platform refused it
                raise errors.PaymentRejected(failed.message, field="amount") from None
            raise
        paid = self._unwrap(result, "bill_payment")
        return model.BillPayment(
            id=paid["id"], organization_id=self.organization_id, bill_id=payment.bill_id,
            amount=_money(paid.get("total_amount")) or payment.amount,
            currency=paid.get("currency_code") or payment.currency,
            payment_date=_day(paid.get("transaction_date")) or payment.payment_date,
            account_id=paid.get("account_id") or account,
            reference=paid.get("memo") or payment.reference, external_id=paid["id"])

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
    `currency`, `ap_account_id`, `expense_account_id`, `bank_account_id`, `tax_account_id`."""
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
        sleep=extra.get("sleep", time.sleep))
    return RutterWriter(api, organization_id=context.organization_id, options=options)


__all__ = ["API_VERSION", "RutterApi", "RutterRequestFailed", "RutterWriter", "open_writer"]
