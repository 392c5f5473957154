"""A local fake of Rutter's accounting API, following its documented shapes (version 2023-03-14).

It is a small FastAPI app kept in memory, one store per connection `access_token`, run for real
by uvicorn on a free 127.0.0.1 port (`FakeRutterServer`) so clients see real sockets, real
timeouts and real retries. What it follows (see `billintake.accounting.rutter` for the pages):

- auth: HTTP Basic `client_id:client_secret` + `access_token` query parameter, else 401
  `{"error_type": "CONNECTION_ERROR", "error_code": "INVALID_CREDENTIALS", ...}`; the
  `X-Rutter-Version` header is required;
- paths under `/versioned`: `accounting/accounts|vendors|bills|bill_payments|bill_credit_memos`,
  `accounting/bills/{id}/attachments`, `jobs/{id}`;
- bodies wrapped in the singular object name (`{"bill": {...}}`), lists in the plural with a
  `next_cursor` (omitted on the last page), `cursor` + `limit` (default 50) query parameters;
- writes: required fields and unknown vendor/account/bill ids are rejected with 400 and an
  error body; `Idempotency-Key` saves the first *accepted* request's result (replayed as is,
  409 when the same key comes with another body); accepted writes carry `X-Rutter-Job-ID`;
- `response_mode: "async"` (body or query) answers at once with an `async_response`
  (`id`, `response_url`, `status`) and the result is fetched with `GET /jobs/{id}`.

Test controls on `FakeRutter`: `fail_next(status, ...)` injects errors (429 with Retry-After,
5xx), `stall_after_commit_next()` commits a write then stalls past the client's timeout,
`force_async` makes every write asynchronous, `job_pending_polls` how many polls stay pending.
Error codes for validation failures are not documented (the page is cut off): the fake uses
`error_type: "INVALID_REQUEST"` and names the field in `error_message`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response

API_VERSION = "2023-03-14"
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
AMOUNT_PLACES = Decimal("0.01")
ISO_4217 = re.compile(r"^[A-Z]{3}$")


# --------------------------------------------------------------------------------------------
# JSON with exact decimals
# --------------------------------------------------------------------------------------------

_MARK = "\x00decimal:"


def _mark_decimals(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{_MARK}{value}"
    if isinstance(value, dict):
        return {k: _mark_decimals(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mark_decimals(v) for v in value]
    return value


def dumps(value: Any) -> str:
    """JSON where Decimals are written as exact JSON numbers."""
    text = json.dumps(_mark_decimals(value))
    return re.sub(r'"\\u0000decimal:([-0-9.Ee+]+)"', r"\1", text)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(body), status_code=status, media_type="application/json",
                    headers=headers)


def error_body(error_type: str, code: str, message: str) -> dict[str, str]:
    return {"error_type": error_type, "error_code": code, "error_message": message}


class ApiError(Exception):
    def __init__(self, status: int, error_type: str, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = error_body(error_type, code, message)


def invalid(message: str, code: str = "INVALID_INPUT") -> ApiError:
    return ApiError(400, "INVALID_REQUEST", code, message)


def not_found(kind: str, ident: str) -> ApiError:
    return ApiError(404, "INVALID_REQUEST", "NOT_FOUND", f"{kind} with id {ident} not found")


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# --------------------------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------------------------


@dataclass
class Stored:
    """A saved result of an accepted idempotent request."""

    fingerprint: str
    status: int
    body: Any
    job_id: str


@dataclass
class Job:
    id: str
    request: dict[str, Any]
    run: Callable[[], tuple[int, Any]]
    polls_left: int
    status: str = "pending"
    response: dict[str, Any] | None = None


@dataclass
class Store:
    """Everything one connection (one access token) holds."""

    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    vendors: dict[str, dict[str, Any]] = field(default_factory=dict)
    bills: dict[str, dict[str, Any]] = field(default_factory=dict)
    bill_payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    bill_credit_memos: dict[str, dict[str, Any]] = field(default_factory=dict)
    attachments: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    idempotency: dict[str, Stored] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)

    def add_account(self, name: str, account_type: str, category: str, *,
                    nominal_code: str | None = None, currency_code: str | None = "USD",
                    account_id: str | None = None) -> dict[str, Any]:
        ident = account_id or str(uuid.uuid4())
        stamp = now_iso()
        account = {"id": ident, "platform_id": str(len(self.accounts) + 100),
                   "account_type": account_type, "category": category, "status": "active",
                   "balance": Decimal(0), "currency_code": currency_code, "name": name,
                   "nominal_code": nominal_code, "subsidiaries": [], "created_at": stamp,
                   "updated_at": stamp}
        self.accounts[ident] = account
        return account


@dataclass
class Fault:
    status: int
    retry_after: str | None = None
    path_contains: str = ""
    method: str | None = None


DEFAULT_CHART = (
    ("Accounts Payable", "accounts_payable", "liability", "2000"),
    ("Checking", "bank", "asset", "1000"),
    ("Office Supplies", "expense", "expense", "6100"),
    ("Professional Fees", "expense", "expense", "6200"),
    ("Sales Tax Paid", "other_current_liability", "liability", "2200"),
)


class FakeRutter:
    """The fake's state and its FastAPI app."""

    def __init__(self, *, client_id: str = "fake-client-id",
                 client_secret: str = "fake-client-secret") -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.stores: dict[str, Store] = {}
        self.faults: list[Fault] = []
        self.stalls: list[float] = []
        self.force_async = False
        self.job_pending_polls = 1
        self.log: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.app = self._build_app()

    # ---- test controls -----------------------------------------------------------------

    def add_connection(self, access_token: str, *, chart: bool = True,
                       currency: str = "USD") -> Store:
        store = Store()
        if chart:
            for name, account_type, category, code in DEFAULT_CHART:
                store.add_account(name, account_type, category, nominal_code=code,
                                  currency_code=currency)
        self.stores[access_token] = store
        return store

    def fail_next(self, status: int = 429, *, count: int = 1, retry_after: str | None = None,
                  path_contains: str = "", method: str | None = None) -> None:
        """Answer the next `count` matching requests with `status` (and a documented body)."""
        for _ in range(count):
            self.faults.append(Fault(status, retry_after, path_contains, method))

    def stall_after_commit_next(self, seconds: float = 3.0) -> None:
        """The next write commits, then waits `seconds` before answering (a client timeout)."""
        self.stalls.append(seconds)

    def requests(self, method: str | None = None, path_contains: str = "") -> list[dict[str, Any]]:
        return [r for r in self.log if (method is None or r["method"] == method)
                and path_contains in r["path"]]

    # ---- the app -----------------------------------------------------------------------

    def _build_app(self) -> FastAPI:
        app = FastAPI(title="fake rutter")

        @app.api_route("/versioned/{path:path}", methods=["GET", "POST"])
        async def dispatch(path: str, request: Request) -> Response:
            return await self._handle(path, request)

        return app

    async def _handle(self, path: str, request: Request) -> Response:
        response = await self._answer(path, request)
        response.headers["X-Rutter-Request-ID"] = str(uuid.uuid4())
        return response

    async def _answer(self, path: str, request: Request) -> Response:
        raw = await request.body()
        entry = {"method": request.method, "path": "/" + path,
                 "query": dict(request.query_params),
                 "idempotency_key": request.headers.get("idempotency-key"),
                 "version": request.headers.get("x-rutter-version")}
        self.log.append(entry)
        fault = self._take_fault(request.method, "/" + path)
        if fault is not None:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
            if fault.status == 429:
                body = error_body("RATE_LIMIT_ERROR", "RATE_LIMIT_EXCEEDED",
                                  "Too many requests. Please allow time between requests.")
            else:
                body = error_body("INTERNAL_ERROR", "INTERNAL_SERVER_ERROR",
                                  "An internal error occurred.")
            return json_response(fault.status, body, headers)
        try:
            store = self._authenticate(request)
            if request.method == "GET":
                return self._get(store, path, request)
            payload = self._parse_body(raw)
            return await self._post(store, path, request, payload)
        except ApiError as err:
            return json_response(err.status, err.body)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for i, fault in enumerate(self.faults):
                if (fault.method is None or fault.method == method) and \
                        fault.path_contains in path:
                    return self.faults.pop(i)
        return None

    def _authenticate(self, request: Request) -> Store:
        header = request.headers.get("authorization", "")
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        token = request.query_params.get("access_token")
        if header != f"Basic {expected}" or token not in self.stores:
            raise ApiError(401, "CONNECTION_ERROR", "INVALID_CREDENTIALS",
                           "Invalid credentials to access this connection.")
        if not request.headers.get("x-rutter-version"):
            raise invalid("The X-Rutter-Version header is required.", "MISSING_VERSION")
        return self.stores[token]

    @staticmethod
    def _parse_body(raw: bytes) -> dict[str, Any]:
        try:
            payload = json.loads(raw or b"{}", parse_float=Decimal)
        except ValueError as exc:
            raise invalid(f"Request body is not valid JSON: {exc}") from exc
        if not isinstance(payload, dict):
            raise invalid("Request body must be a JSON object.")
        return payload

    # ---- reads -------------------------------------------------------------------------

    def _get(self, store: Store, path: str, request: Request) -> Response:
        parts = path.strip("/").split("/")
        if parts[0] == "jobs" and len(parts) == 2:
            return json_response(200, self._poll(store, parts[1]))
        if parts[0] != "accounting" or len(parts) < 2:
            raise ApiError(404, "INVALID_REQUEST", "ENDPOINT_NOT_FOUND", f"No route /{path}")
        self._finish_jobs(store)
        collection = parts[1]
        singular = {"accounts": "account", "vendors": "vendor", "bills": "bill",
                    "bill_payments": "bill_payment", "bill_credit_memos": "bill_credit_memo"}
        if collection not in singular:
            raise ApiError(404, "INVALID_REQUEST", "ENDPOINT_NOT_FOUND", f"No route /{path}")
        items: dict[str, dict[str, Any]] = getattr(store, collection)
        if len(parts) == 2:
            return self._page(request, collection, list(items.values()))
        ident = parts[2]
        if collection == "bills" and len(parts) >= 4 and parts[3] == "attachments":
            if ident not in store.bills:
                raise not_found("Bill", ident)
            attached = [a for a in store.attachments.values() if a["attached_to_id"] == ident]
            if len(parts) == 6 and parts[5] == "file":
                if parts[4] not in store.files:
                    raise not_found("Attachment", parts[4])
                return Response(store.files[parts[4]], media_type="application/octet-stream")
            return self._page(request, "attachments", attached)
        if ident not in items:
            raise not_found(singular[collection].replace("_", " ").title(), ident)
        return json_response(200, {singular[collection]: items[ident]})

    def _page(self, request: Request, key: str, items: list[dict[str, Any]]) -> Response:
        try:
            limit = int(request.query_params.get("limit", DEFAULT_LIMIT))
        except ValueError as exc:
            raise invalid("limit must be an integer") from exc
        if not 1 <= limit <= MAX_LIMIT:
            raise invalid(f"limit must be between 1 and {MAX_LIMIT}")
        start = 0
        cursor = request.query_params.get("cursor")
        if cursor:
            try:
                start = int(json.loads(base64.b64decode(cursor))["offset"])
            except (ValueError, KeyError, TypeError) as exc:
                raise invalid("Invalid cursor.", "INVALID_CURSOR") from exc
        page = items[start:start + limit]
        body: dict[str, Any] = {key: page, "connection": {"id": "fake", "platform": "FAKE"}}
        if start + limit < len(items):
            body["next_cursor"] = base64.b64encode(
                json.dumps({"offset": start + limit, "ts": time.time()}).encode()).decode()
        return json_response(200, body)

    # ---- writes ------------------------------------------------------------------------

    async def _post(self, store: Store, path: str, request: Request,
                    payload: dict[str, Any]) -> Response:
        parts = path.strip("/").split("/")
        handlers: dict[str, Callable[[Store, dict[str, Any]], Callable[[], tuple[int, Any]]]] = {
            "accounting/vendors": self._create_vendor,
            "accounting/bills": self._create_bill,
            "accounting/bill_payments": self._create_bill_payment,
            "accounting/bill_credit_memos": self._create_bill_credit_memo,
        }
        key = "/".join(parts)
        if len(parts) == 4 and parts[:2] == ["accounting", "bills"] and parts[3] == "attachments":
            bill_id = parts[2]

            def handler(s: Store, p: dict[str, Any]) -> Callable[[], tuple[int, Any]]:
                return self._create_attachment(s, bill_id, p)
        elif key in handlers:
            handler = handlers[key]
        else:
            raise ApiError(404, "INVALID_REQUEST", "ENDPOINT_NOT_FOUND", f"No route /{path}")

        body_for_print = {k: v for k, v in payload.items() if k != "response_mode"}
        fingerprint = hashlib.sha256(
            (request.method + "/" + key + dumps(body_for_print)).encode()).hexdigest()
        idem = request.headers.get("idempotency-key")
        if idem:
            with self._lock:
                saved = store.idempotency.get(idem)
            if saved is not None:
                if saved.fingerprint != fingerprint:
                    raise ApiError(409, "INVALID_REQUEST", "IDEMPOTENCY_KEY_REUSED",
                                   "A request with this Idempotency-Key and a different body "
                                   "was already accepted.")
                return json_response(saved.status, saved.body, {"X-Rutter-Job-ID": saved.job_id})

        run = handler(store, payload)  # validates (raises 400) and returns the committer
        mode = payload.get("response_mode") or request.query_params.get("response_mode")
        if mode not in (None, "async", "prefer_sync"):
            raise invalid("response_mode must be one of prefer_sync, async")
        job_id = str(uuid.uuid4())
        if mode == "async" or self.force_async:
            job = Job(id=job_id, request={"method": "POST", "url": "/" + key,
                                          "body": body_for_print, "idempotency_key": idem},
                      run=run, polls_left=self.job_pending_polls)
            store.jobs[job_id] = job
            base = str(request.base_url).rstrip("/")
            status, body = 200, {"async_response": {
                "id": job_id, "response_url": f"{base}/versioned/jobs/{job_id}",
                "status": "pending"}}
        else:
            status, body = run()
        if idem:
            with self._lock:
                store.idempotency[idem] = Stored(fingerprint, status, body, job_id)
        if self.stalls:
            await asyncio.sleep(self.stalls.pop(0))
        return json_response(status, body, {"X-Rutter-Job-ID": job_id})

    def _finish_jobs(self, store: Store) -> None:
        """Jobs run whether or not anyone polls: by the next read they are done."""
        for job in list(store.jobs.values()):
            if job.status == "pending":
                job.polls_left = 0
                self._poll(store, job.id)

    def _poll(self, store: Store, job_id: str) -> dict[str, Any]:
        job = store.jobs.get(job_id)
        if job is None:
            raise not_found("Job", job_id)
        if job.status == "pending":
            if job.polls_left > 0:
                job.polls_left -= 1
            else:
                try:
                    status, body = job.run()
                    job.status = "success"
                except ApiError as err:  # a platform rejection found while running the job
                    status, body = 450, err.body
                    job.status = "failure"
                job.response = {"http_status": status, "body": body}
        out: dict[str, Any] = {"id": job.id, "status": job.status, "request": job.request}
        if job.response is not None:
            out["response"] = job.response
        return out

    # ---- validation helpers ------------------------------------------------------------

    @staticmethod
    def _object(payload: dict[str, Any], name: str) -> dict[str, Any]:
        obj = payload.get(name)
        if not isinstance(obj, dict):
            raise invalid(f"Missing required field: {name}", "MISSING_REQUIRED_FIELD")
        return obj

    @staticmethod
    def _required(obj: dict[str, Any], name: str, prefix: str) -> Any:
        value = obj.get(name)
        if value is None or value == "" or value == []:
            raise invalid(f"Missing required field: {prefix}.{name}", "MISSING_REQUIRED_FIELD")
        return value

    @staticmethod
    def _amount(value: Any, where: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise invalid(f"{where} must be a number")
        try:
            return Decimal(value).quantize(AMOUNT_PLACES)
        except InvalidOperation as exc:
            raise invalid(f"{where} must be a number") from exc

    @staticmethod
    def _date(value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise invalid(f"{where} must be an ISO 8601 date or timestamp")
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise invalid(f"{where} must be an ISO 8601 date or timestamp") from exc
        return parsed.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    @staticmethod
    def _currency(value: Any, where: str) -> str:
        if not isinstance(value, str) or not ISO_4217.match(value):
            raise invalid(f"{where} must be an ISO 4217 currency code")
        return value

    def _account(self, store: Store, ident: Any, where: str,
                 types: tuple[str, ...] | None = None) -> dict[str, Any]:
        account = store.accounts.get(ident) if isinstance(ident, str) else None
        if account is None:
            raise invalid(f"{where}: account {ident} does not exist", "INVALID_ACCOUNT")
        if types and account["account_type"] not in types:
            raise invalid(f"{where}: account {ident} is of type {account['account_type']}, "
                          f"expected {' or '.join(types)}", "INVALID_ACCOUNT")
        return account

    def _vendor(self, store: Store, ident: Any, where: str) -> dict[str, Any]:
        vendor = store.vendors.get(ident) if isinstance(ident, str) else None
        if vendor is None:
            raise invalid(f"{where}: vendor {ident} does not exist", "INVALID_VENDOR")
        return vendor

    def _default_ap(self, store: Store) -> str:
        for account in store.accounts.values():
            if account["account_type"] == "accounts_payable":
                return account["id"]
        raise invalid("No accounts payable account exists on this connection")

    def _lines(self, store: Store, obj: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
        lines = self._required(obj, "line_items", prefix)
        if not isinstance(lines, list):
            raise invalid(f"{prefix}.line_items must be an array")
        out = []
        for i, line in enumerate(lines):
            where = f"{prefix}.line_items[{i}]"
            if not isinstance(line, dict):
                raise invalid(f"{where} must be an object")
            amount = self._amount(self._required(line, "total_amount", where),
                                  f"{where}.total_amount")
            account_id = line.get("account_id")
            if account_id is None and not line.get("item"):
                raise invalid(f"Missing required field: {where}.account_id (or item)",
                              "MISSING_REQUIRED_FIELD")
            if account_id is not None:
                self._account(store, account_id, f"{where}.account_id")
            out.append({"id": str(uuid.uuid4()), "account_id": account_id,
                        "description": line.get("description"), "total_amount": amount,
                        "sub_total": amount, "tax_amount": Decimal(0),
                        "tax_rate_id": line.get("tax_rate_id"), "item": line.get("item")})
        return out

    # ---- creators: validate now, return the commit ---------------------------------------

    def _create_vendor(self, store: Store,
                       payload: dict[str, Any]) -> Callable[[], tuple[int, Any]]:
        obj = self._object(payload, "vendor")
        name = self._required(obj, "vendor_name", "vendor")
        contact = self._required(obj, "contact_name", "vendor")
        currency = self._currency(self._required(obj, "currency_code", "vendor"),
                                  "vendor.currency_code")

        def commit() -> tuple[int, Any]:
            stamp = now_iso()
            vendor = {"id": str(uuid.uuid4()), "platform_id": str(len(store.vendors) + 1),
                      "status": "active", "vendor_name": name, "contact_name": contact,
                      "currency_code": currency, "email": obj.get("email"),
                      "phone": obj.get("phone"), "registration_number":
                      obj.get("registration_number"), "tax_number": obj.get("tax_number"),
                      "website": obj.get("website"), "bank_account_number": None,
                      "addresses": obj.get("addresses") or [], "subsidiaries": [],
                      "created_at": stamp, "updated_at": stamp}
            store.vendors[vendor["id"]] = vendor
            return 200, {"vendor": vendor}

        return commit

    def _create_bill(self, store: Store, payload: dict[str, Any]) -> Callable[[], tuple[int, Any]]:
        obj = self._object(payload, "bill")
        vendor = self._vendor(store, self._required(obj, "vendor_id", "bill"), "bill.vendor_id")
        currency = self._currency(self._required(obj, "currency_code", "bill"),
                                  "bill.currency_code")
        issue = self._date(self._required(obj, "issue_date", "bill"), "bill.issue_date")
        due = self._date(obj["due_date"], "bill.due_date") if obj.get("due_date") else None
        lines = self._lines(store, obj, "bill")
        ap = obj.get("account_id")
        if ap is not None:
            self._account(store, ap, "bill.account_id", ("accounts_payable",))
        total = sum((line["total_amount"] for line in lines), Decimal(0))
        if total <= 0:
            raise invalid("bill total must be positive")

        def commit() -> tuple[int, Any]:
            stamp = now_iso()
            bill = {"id": str(uuid.uuid4()), "platform_id": str(len(store.bills) + 1),
                    "account_id": ap or self._default_ap(store), "vendor_id": vendor["id"],
                    "payment_terms_id": None, "subsidiary_id": None,
                    "document_number": obj.get("document_number"), "issue_date": issue,
                    "due_date": due, "currency_code": currency, "status": "open",
                    "total_amount": total, "amount_due": total, "sub_total": total,
                    "tax_amount": Decimal(0), "total_discount": Decimal(0),
                    "memo": obj.get("memo"), "line_items": lines, "linked_payments": [],
                    "linked_credit_memos": [], "linked_purchase_orders": [],
                    "created_at": stamp, "updated_at": stamp}
            store.bills[bill["id"]] = bill
            return 200, {"bill": bill}

        return commit

    def _create_bill_credit_memo(self, store: Store,
                                 payload: dict[str, Any]) -> Callable[[], tuple[int, Any]]:
        obj = self._object(payload, "bill_credit_memo")
        vendor = self._vendor(store, self._required(obj, "vendor_id", "bill_credit_memo"),
                              "bill_credit_memo.vendor_id")
        account = self._account(store, self._required(obj, "account_id", "bill_credit_memo"),
                                "bill_credit_memo.account_id")
        currency = self._currency(self._required(obj, "currency_code", "bill_credit_memo"),
                                  "bill_credit_memo.currency_code")
        issue = self._date(self._required(obj, "issue_date", "bill_credit_memo"),
                           "bill_credit_memo.issue_date")
        lines = self._lines(store, obj, "bill_credit_memo")
        total = sum((line["total_amount"] for line in lines), Decimal(0))
        if total <= 0:
            raise invalid("bill credit memo total must be positive")

        def commit() -> tuple[int, Any]:
            stamp = now_iso()
            memo = {"id": str(uuid.uuid4()), "platform_id": str(len(store.bill_credit_memos) + 1),
                    "account_id": account["id"], "vendor_id": vendor["id"], "issue_date": issue,
                    "document_number": obj.get("document_number"), "remaining_amount": total,
                    "status": "open", "total_amount": total, "currency_code": currency,
                    "memo": obj.get("memo"), "linked_bills": [], "line_items": lines,
                    "created_at": stamp, "updated_at": stamp}
            store.bill_credit_memos[memo["id"]] = memo
            return 200, {"bill_credit_memo": memo}

        return commit

    def _create_bill_payment(self, store: Store,
                             payload: dict[str, Any]) -> Callable[[], tuple[int, Any]]:
        obj = self._object(payload, "bill_payment")
        account = self._account(store, self._required(obj, "account_id", "bill_payment"),
                                "bill_payment.account_id", ("bank", "credit_card"))
        vendor = self._vendor(store, self._required(obj, "vendor_id", "bill_payment"),
                              "bill_payment.vendor_id")
        currency = self._currency(self._required(obj, "currency_code", "bill_payment"),
                                  "bill_payment.currency_code")
        txn_date = self._date(self._required(obj, "transaction_date", "bill_payment"),
                              "bill_payment.transaction_date")
        linked = self._required(obj, "linked_bills", "bill_payment")
        if not isinstance(linked, list):
            raise invalid("bill_payment.linked_bills must be an array")
        allocations = []
        for i, link in enumerate(linked):
            where = f"bill_payment.linked_bills[{i}]"
            bill_id = self._required(link, "id", where)
            bill = store.bills.get(bill_id)
            if bill is None:
                raise invalid(f"{where}.id: bill {bill_id} does not exist", "INVALID_BILL")
            amount = self._amount(self._required(link, "allocated_amount", where),
                                  f"{where}.allocated_amount")
            allocated = self._date(self._required(link, "allocated_date", where),
                                   f"{where}.allocated_date")
            if bill["vendor_id"] != vendor["id"]:
                raise invalid(f"{where}.id: bill {bill_id} belongs to another vendor")
            if bill["currency_code"] != currency:
                raise invalid(f"{where}.id: bill {bill_id} is in {bill['currency_code']}, "
                              f"not {currency}")
            if amount <= 0 or amount > bill["amount_due"]:
                raise invalid(f"{where}.allocated_amount {amount} must be positive and at most "
                              f"the amount due {bill['amount_due']}", "INVALID_AMOUNT")
            allocations.append((bill, amount, allocated))

        def commit() -> tuple[int, Any]:
            for bill, amount, _ in allocations:  # the platform checks again when it runs
                if amount > bill["amount_due"]:
                    raise invalid(f"allocated_amount {amount} is above the amount due "
                                  f"{bill['amount_due']} of bill {bill['id']}", "INVALID_AMOUNT")
            stamp = now_iso()
            payment_id = str(uuid.uuid4())
            for bill, amount, allocated in allocations:
                bill["amount_due"] -= amount
                bill["status"] = "paid" if bill["amount_due"] == 0 else "partially_paid"
                bill["linked_payments"].append({"id": payment_id, "allocated_amount": amount,
                                                "allocated_date": allocated})
                bill["updated_at"] = stamp
            account["balance"] -= sum((a for _, a, _ in allocations), Decimal(0))
            payment = {"id": payment_id, "platform_id": str(len(store.bill_payments) + 1),
                       "account_id": account["id"], "vendor_id": vendor["id"],
                       "transaction_date": txn_date, "currency_code": currency,
                       "memo": obj.get("memo"), "status": "active",
                       "total_amount": sum((a for _, a, _ in allocations), Decimal(0)),
                       "linked_bills": [{"id": b["id"], "allocated_amount": a,
                                         "allocated_date": d} for b, a, d in allocations],
                       "created_at": stamp, "updated_at": stamp}
            store.bill_payments[payment_id] = payment
            return 200, {"bill_payment": payment}

        return commit

    def _create_attachment(self, store: Store, bill_id: str,
                           payload: dict[str, Any]) -> Callable[[], tuple[int, Any]]:
        if bill_id not in store.bills:
            raise not_found("Bill", bill_id)
        file_name = self._required(payload, "file_name", "attachment")
        encoded = self._required(payload, "file", "attachment")
        try:
            data = base64.b64decode(encoded, validate=True)
        except ValueError as exc:
            raise invalid("file must be base64-encoded file content") from exc

        def commit() -> tuple[int, Any]:
            ident = str(uuid.uuid4())
            attachment = {"id": ident, "platform_id": ident[:8], "attached_to_id": bill_id,
                          "attached_to_type": "BILL", "file_name": file_name,
                          "file_url": f"https://fake.rutter.test/attachments/{ident}",
                          "created_at": now_iso()}
            store.attachments[ident] = attachment
            store.files[ident] = data
            return 200, {"attachment": attachment}

        return commit


# --------------------------------------------------------------------------------------------
# Running it for real
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeRutterServer:
    """uvicorn serving a `FakeRutter` on 127.0.0.1 in a background thread."""

    def __init__(self, fake: FakeRutter) -> None:
        self.fake = fake
        self.port = free_port()
        config = uvicorn.Config(fake.app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/versioned"

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake Rutter server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@contextlib.contextmanager
def running(fake: FakeRutter | None = None) -> Iterator[FakeRutterServer]:
    server = FakeRutterServer(fake or FakeRutter())
    server.start()
    try:
        yield server
    finally:
        server.stop()
