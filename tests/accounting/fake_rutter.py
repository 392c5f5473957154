"""A local fake of Rutter's accounting API that cannot drift from Rutter's published document.

It is a small FastAPI app kept in memory, one store per connection `access_token`, run for real
by uvicorn on a free 127.0.0.1 port (`FakeRutterServer`) so clients see real sockets, real
timeouts and real retries.

Shapes come from the published OpenAPI document (`spec/`, read through `rutter_spec`): every
request body is validated against the operation's request schema (missing required fields,
properties not allowed, wrong types, formats: a 400 naming the path of the fault), and every
response body the fake gives against the operation's response schema (a fake that breaks it
records the violation in `FakeRutter.violations`, which the tests' fixtures assert empty).
An operation whose `x-supported-platforms` does not list the connection's platform answers 404
("not implemented or not supported for a given platform").

Behaviour the document cannot say follows Rutter's documentation (2023-03-14):
- auth: HTTP Basic `client_id:client_secret` + `access_token` query parameter, else 401
  CONNECTION_ERROR / INVALID_CREDENTIALS; the `X-Rutter-Version` header is required;
- errors `{error_type, error_code, error_message}`; 400 invalid input, 404 endpoint not
  supported, 409 idempotency key reused with another body, 410 unknown id ("the :id of the
  requested resource is invalid"), 450 the platform refused it;
- `Idempotency-Key`: the first *accepted* request (past validation) is saved with its result,
  "regardless of whether the request succeeded or failed", and replayed; accepted writes carry
  `X-Rutter-Job-ID`; `response_mode` (`async` | `prefer_sync`) in the body; a job's result is
  fetched at `GET /jobs/:id`, a platform refusal as `response.http_status` 450;
- a payment's account must be a BANK account (the document's description of `account_id`);
- lists: `cursor` + `limit`, `next_cursor` null on the last page.
The codes of invalid-input errors are not documented (the page is cut off): the fake uses
`error_type: "INVALID_REQUEST"` and names the field in `error_message`, as Rutter's messages do.

Test controls on `FakeRutter`: `fail_next(status, ...)` answers before anything happens (429
with Retry-After, 5xx), `fail_after_commit_next(status)` commits a write, then answers 5xx
(an indeterminate result), `stall_after_commit_next()` commits then stalls past the client's
timeout, `reject_next_job(message)` makes the platform refuse the next job when it runs,
`force_async`, `job_pending_polls`.
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
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response
from rutter_spec import (
    SpecViolation,
    check,
    error_validator,
    operation,
    spec,
    template_of,
)

API_VERSION = "2023-03-14"
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
CENT = Decimal("0.01")


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


def error_body(error_type: str, code: str, message: str) -> dict[str, str]:
    return {"error_type": error_type, "error_code": code, "error_message": message}


class ApiError(Exception):
    def __init__(self, status: int, error_type: str, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = error_body(error_type, code, message)


def invalid(message: str, code: str = "INVALID_INPUT") -> ApiError:
    return ApiError(400, "INVALID_REQUEST", code, message)


def gone(kind: str, ident: str) -> ApiError:
    return ApiError(410, "INVALID_REQUEST", "NOT_FOUND", f"{kind} with id {ident} not found")


def refused(message: str) -> ApiError:
    """What the platform itself refused (Rutter passes its 400 on as 450)."""
    return ApiError(450, "PLATFORM_ERROR", "PLATFORM_BAD_REQUEST", message)


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------------------------


@dataclass
class Stored:
    """The saved result of an accepted idempotent request."""

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

    platform: str = "QUICKBOOKS"
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    tax_rates: dict[str, dict[str, Any]] = field(default_factory=dict)
    vendors: dict[str, dict[str, Any]] = field(default_factory=dict)
    bills: dict[str, dict[str, Any]] = field(default_factory=dict)
    bill_payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    bill_credit_memos: dict[str, dict[str, Any]] = field(default_factory=dict)
    attachments: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    idempotency: dict[str, Stored] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    connection_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    org_id: str = field(default_factory=lambda: str(uuid.uuid4()))

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

    def add_tax_rate(self, name: str, rate: str, *, purchases: bool = True,
                     sales: bool = False) -> dict[str, Any]:
        ident = str(uuid.uuid4())
        value = Decimal(rate)
        tax_rate = {"id": ident, "platform_id": str(len(self.tax_rates) + 1),
                    "code": name.upper().replace(" ", "_"), "effective_tax_rate": value,
                    "name": name, "total_tax_rate": value, "subsidiaries": [],
                    "components": [{"is_compound": False, "is_purchases_tax": purchases,
                                    "is_sales_tax": sales, "name": name, "rate": value}],
                    "updated_at": now_iso()}
        self.tax_rates[ident] = tax_rate
        return tax_rate

    def tax_rate_named(self, name: str) -> str:
        return next(t["id"] for t in self.tax_rates.values() if t["name"] == name)


@dataclass
class Fault:
    status: int
    retry_after: str | None = None
    path_contains: str = ""
    method: str | None = None
    after_commit: bool = False


DEFAULT_CHART = (
    ("Accounts Payable", "accounts_payable", "liability", "2000"),
    ("Checking", "bank", "asset", "1000"),
    ("Company Card", "credit_card", "liability", "2100"),
    ("Office Supplies", "expense", "expense", "6100"),
    ("Professional Fees", "expense", "expense", "6200"),
    ("Input VAT", "other_current_asset", "asset", "1400"),
)
DEFAULT_TAX_RATES = (  # name, rate, purchases, sales
    ("VAT 19% purchases", "19", True, False),
    ("VAT 7% purchases", "7", True, False),
    ("VAT 19% sales", "19", False, True),
    ("Exempt", "0", True, True),
)
COLLECTIONS = {"accounts": "account", "vendors": "vendor", "bills": "bill",
               "bill_payments": "bill_payment", "bill_credit_memos": "bill_credit_memo",
               "tax_rates": "tax_rate"}


class FakeRutter:
    """The fake's state and its FastAPI app."""

    def __init__(self, *, client_id: str = "fake-client-id",
                 client_secret: str = "fake-client-secret") -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.stores: dict[str, Store] = {}
        self.faults: list[Fault] = []
        self.stalls: list[tuple[float, bool, str]] = []  # seconds, reads fail, path
        self.reads_down_until = 0.0  # reads answer 503 until then (the books unreachable)
        self.reads_hang_until = 0.0  # reads get no answer until then (the books hang)
        self.job_rejections: list[tuple[str, str]] = []  # (message, path it applies to)
        self.force_async = False
        self.job_pending_polls = 1
        self.log: list[dict[str, Any]] = []
        self.violations: list[str] = []  # responses of the fake that broke the document
        self._lock = threading.Lock()
        spec()  # load the document now, not in the first request
        self.app = self._build_app()

    # ---- test controls -----------------------------------------------------------------

    def add_connection(self, access_token: str, *, chart: bool = True, currency: str = "USD",
                       platform: str = "QUICKBOOKS") -> Store:
        store = Store(platform=platform)
        if chart:
            for name, account_type, category, code in DEFAULT_CHART:
                store.add_account(name, account_type, category, nominal_code=code,
                                  currency_code=currency)
            for name, rate, purchases, sales in DEFAULT_TAX_RATES:
                store.add_tax_rate(name, rate, purchases=purchases, sales=sales)
        self.stores[access_token] = store
        return store

    def fail_next(self, status: int = 429, *, count: int = 1, retry_after: str | None = None,
                  path_contains: str = "", method: str | None = None) -> None:
        """Answer the next `count` matching requests with `status`; nothing happens."""
        for _ in range(count):
            self.faults.append(Fault(status, retry_after, path_contains, method))

    def fail_after_commit_next(self, status: int = 500, *, path_contains: str = "") -> None:
        """The next matching write is accepted and committed, then answered with `status`."""
        self.faults.append(Fault(status, None, path_contains, "POST", after_commit=True))

    def stall_after_commit_next(self, seconds: float = 3.0, *, reads_fail: bool = False,
                                path_contains: str = "") -> None:
        """The next (matching) write commits, then waits `seconds` before answering (a client
        timeout); with `reads_fail`, reads answer 503 meanwhile (so a lookup cannot find it)."""
        self.stalls.append((seconds, reads_fail, path_contains))

    def hang_reads(self, seconds: float) -> None:
        """Every read waits `seconds` (from now) before it is answered: a system that hangs."""
        self.reads_hang_until = time.monotonic() + seconds

    def wait_for_stalls(self) -> None:
        """Wait until reads answer again after a stall with `reads_fail`."""
        time.sleep(max(0.0, self.reads_down_until - time.monotonic()))

    def reject_next_job(self, message: str = "The platform refused the request.", *,
                        path_contains: str = "") -> None:
        """The next job (of a matching path) fails: the platform answers 400 (Rutter: 450)."""
        self.job_rejections.append((message, path_contains))

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
        response = await self._answer("/" + path.strip("/"), request)
        response.headers["X-Rutter-Request-ID"] = str(uuid.uuid4())
        return response

    def _respond(self, status: int, body: Any, template: str | None,
                 headers: dict[str, str] | None = None, method: str = "GET") -> Response:
        """The response, its body checked against the document first."""
        try:
            if status >= 400:
                check(error_validator(), body)
            elif template is not None:
                op = operation(method, template)
                if op is not None and op.response is not None:
                    check(op.response, body)
        except SpecViolation as violation:
            self.violations.append(f"{method} {template} -> {status}: {violation}")
        return Response(dumps(body), status_code=status, media_type="application/json",
                        headers=headers)

    async def _answer(self, path: str, request: Request) -> Response:
        raw = await request.body()
        entry: dict[str, Any] = {"method": request.method, "path": path,
                                 "query": dict(request.query_params),
                                 "idempotency_key": request.headers.get("idempotency-key"),
                                 "version": request.headers.get("x-rutter-version")}
        self.log.append(entry)
        template = template_of(path)
        if request.method == "GET" and (hang := self.reads_hang_until - time.monotonic()) > 0:
            await asyncio.sleep(hang)
        if request.method == "GET" and time.monotonic() < self.reads_down_until:
            status, body, headers = self._fault_answer(Fault(503))
            return self._respond(status, body, template, headers)
        fault = self._take_fault(request.method, path)
        if fault is not None and not fault.after_commit:
            status, body, headers = self._fault_answer(fault)
            return self._respond(status, body, template, headers)
        try:
            store = self._authenticate(request)
            if template is None or operation(request.method, template) is None:
                raise ApiError(404, "INVALID_REQUEST", "ENDPOINT_NOT_FOUND",
                               f"No endpoint {request.method} {path}")
            op = operation(request.method, template)
            assert op is not None
            if op.platforms and "*" not in op.platforms and store.platform not in op.platforms:
                raise ApiError(404, "INVALID_REQUEST", "ENDPOINT_NOT_SUPPORTED",
                               f"{request.method} {template} is not supported on "
                               f"{store.platform}")
            if request.method == "GET":
                status, body = self._get(store, path, request)
                return self._respond(status, body, template)
            payload = self._parse_body(raw)
            entry["body"] = payload
            if op.request is not None:
                try:
                    check(op.request, payload)
                except SpecViolation as violation:
                    raise invalid(f"Invalid request body: {violation}",
                                  "INVALID_REQUEST_BODY") from None
            status, body, headers = await self._post(store, path, request, payload, fault)
            return self._respond(status, body, template, headers, "POST")
        except ApiError as err:
            return self._respond(err.status, err.body, template)

    @staticmethod
    def _fault_answer(fault: Fault) -> tuple[int, Any, dict[str, str] | None]:
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
        if fault.status == 429:
            body = error_body("RATE_LIMIT_ERROR", "RATE_LIMIT_EXCEEDED",
                              "Too many requests. Please allow time between requests.")
        else:
            body = error_body("INTERNAL_ERROR", "INTERNAL_SERVER_ERROR",
                              "An internal error occurred.")
        return fault.status, body, headers

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

    def _get(self, store: Store, path: str, request: Request) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if parts[0] == "jobs":
            return 200, self._poll(store, parts[1])
        self._finish_jobs(store)
        if parts[1:3] == ["bills", "attachments"]:
            if len(parts) == 4:
                if parts[3] not in store.attachments:
                    raise gone("Attachment", parts[3])
                return 200, {"attachment": store.attachments[parts[3]]}
            wanted = request.query_params.get("attached_to_id")
            return 200, self._page(request, "attachments", [
                a for a in store.attachments.values()
                if wanted is None or a["attached_to_id"] == wanted], connection=None)
        collection = parts[1]
        items: dict[str, dict[str, Any]] = getattr(store, collection)
        if len(parts) == 2:
            return 200, self._page(request, collection, list(items.values()),
                                   connection=None if collection == "tax_rates" else store)
        ident = parts[2]
        if ident not in items:
            raise gone(COLLECTIONS[collection].replace("_", " ").title(), ident)
        body: dict[str, Any] = {COLLECTIONS[collection]: items[ident]}
        if collection != "tax_rates":
            body["connection"] = self._connection(store)
        return 200, body

    @staticmethod
    def _connection(store: Store) -> dict[str, Any]:
        return {"id": store.connection_id, "orgId": store.org_id, "platform": store.platform}

    def _page(self, request: Request, key: str, items: list[dict[str, Any]], *,
              connection: Store | None) -> dict[str, Any]:
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
        body: dict[str, Any] = {key: items[start:start + limit], "next_cursor": None}
        if connection is not None:
            body["connection"] = self._connection(connection)
        if start + limit < len(items):
            body["next_cursor"] = base64.b64encode(
                json.dumps({"offset": start + limit, "ts": time.time()}).encode()).decode()
        return body

    # ---- writes ------------------------------------------------------------------------

    async def _post(self, store: Store, path: str, request: Request, payload: dict[str, Any],
                    fault: Fault | None) -> tuple[int, Any, dict[str, str] | None]:
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
            raise ApiError(404, "INVALID_REQUEST", "ENDPOINT_NOT_FOUND", f"No endpoint {path}")

        body_for_print = {k: v for k, v in payload.items() if k != "response_mode"}
        fingerprint = hashlib.sha256(
            (request.method + "/" + key + dumps(body_for_print)).encode()).hexdigest()
        idem = request.headers.get("idempotency-key")
        if idem:
            if len(idem) > 100:
                raise invalid("Idempotency-Key must be at most 100 characters.")
            with self._lock:
                saved = store.idempotency.get(idem)
            if saved is not None:
                if saved.fingerprint != fingerprint:
                    raise ApiError(409, "INVALID_REQUEST", "IDEMPOTENCY_KEY_REUSED",
                                   "A request with this Idempotency-Key and a different body "
                                   "was already accepted.")
                return saved.status, saved.body, {"X-Rutter-Job-ID": saved.job_id}

        run = handler(store, payload)  # validates (raises 400) and returns the committer
        mode = payload.get("response_mode", "prefer_sync")
        if mode not in ("async", "prefer_sync"):
            raise invalid("response_mode must be one of prefer_sync, async")
        run = self._platform(run, path)
        job_id = str(uuid.uuid4())
        job = Job(id=job_id, request={"method": "POST", "url": str(request.url).split("?")[0],
                                      "body": body_for_print},
                  run=run, polls_left=self.job_pending_polls)
        if idem:
            job.request["idempotency_key"] = idem
        store.jobs[job_id] = job
        if mode == "async" or self.force_async:
            base = str(request.base_url).rstrip("/")
            status, body = 200, {"async_response": {
                "id": job_id, "response_url": f"{base}/versioned/jobs/{job_id}",
                "status": "pending"}}
        else:
            job.polls_left = 0
            self._poll(store, job_id)
            assert job.response is not None
            status, body = int(job.response["http_status"]), job.response["body"]
        if idem:
            with self._lock:
                store.idempotency[idem] = Stored(fingerprint, status, body, job_id)
        stall = next((st for st in self.stalls if st[2] in path), None)
        if stall is not None:
            self.stalls.remove(stall)
            seconds, reads_fail, _ = stall
            if reads_fail:
                self.reads_down_until = time.monotonic() + seconds
            await asyncio.sleep(seconds)
        if fault is not None:  # accepted and committed; the answer is an error all the same
            status, body, headers = self._fault_answer(fault)
            return status, body, headers
        return status, body, {"X-Rutter-Job-ID": job_id}

    def _platform(self, run: Callable[[], tuple[int, Any]],
                  path: str) -> Callable[[], tuple[int, Any]]:
        """The job as the platform runs it: refused when a test asked for it."""
        rejection = None
        for i, (_message, where) in enumerate(self.job_rejections):
            if where in path:
                rejection = self.job_rejections.pop(i)[0]
                break

        def on_platform() -> tuple[int, Any]:
            if rejection is not None:
                raise refused(rejection)
            return run()

        return on_platform

    def _finish_jobs(self, store: Store) -> None:
        """Jobs run whether or not anyone polls: by the next read they are done."""
        for job in list(store.jobs.values()):
            if job.status == "pending":
                job.polls_left = 0
                self._poll(store, job.id)

    def _poll(self, store: Store, job_id: str) -> dict[str, Any]:
        job = store.jobs.get(job_id)
        if job is None:
            raise gone("Job", job_id)
        if job.status == "pending":
            if job.polls_left > 0:
                job.polls_left -= 1
            else:
                try:
                    status, body = job.run()
                    job.status = "success"
                except ApiError as err:  # a refusal found while running the job
                    status, body = err.status, err.body
                    job.status = "failure"
                job.response = {"http_status": status, "body": body}
        out: dict[str, Any] = {"id": job.id, "status": job.status, "request": job.request}
        if job.response is not None:
            out["response"] = job.response
        return out

    # ---- checks the schema cannot make ---------------------------------------------------

    @staticmethod
    def _amount(value: Any) -> Decimal:
        return cents(Decimal(value))

    @staticmethod
    def _date(value: str, where: str) -> str:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise invalid(f"{where} must be an ISO 8601 timestamp") from exc
        return parsed.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    @staticmethod
    def _account(store: Store, ident: str, where: str,
                 types: tuple[str, ...] | None = None) -> dict[str, Any]:
        account = store.accounts.get(ident)
        if account is None:
            raise invalid(f"{where}: account {ident} does not exist", "INVALID_ACCOUNT")
        if types and account["account_type"] not in types:
            raise invalid(f"{where}: account {ident} is of type {account['account_type']}, "
                          f"expected {' or '.join(types)}", "INVALID_ACCOUNT")
        return account

    @staticmethod
    def _vendor(store: Store, ident: str, where: str) -> dict[str, Any]:
        vendor = store.vendors.get(ident)
        if vendor is None:
            raise invalid(f"{where}: vendor {ident} does not exist", "INVALID_VENDOR")
        return vendor

    @staticmethod
    def _default_ap(store: Store) -> str:
        for account in store.accounts.values():
            if account["account_type"] == "accounts_payable":
                return str(account["id"])
        raise invalid("No accounts payable account exists on this connection")

    def _lines(self, store: Store, lines: list[dict[str, Any]],
               prefix: str) -> list[dict[str, Any]]:
        """Line items as stored: `total_amount` sent is the net amount; with a `tax_rate_id`
        the platform adds the tax at that rate (rounded per line)."""
        out = []
        for i, line in enumerate(lines):
            where = f"{prefix}.line_items[{i}]"
            net = self._amount(line["total_amount"])
            account_id = line.get("account_id")
            if account_id is None and not line.get("item"):
                raise invalid(f"{where}.account_id: give an account_id (or an item)",
                              "MISSING_REQUIRED_FIELD")
            if account_id is not None:
                self._account(store, account_id, f"{where}.account_id")
            tax = Decimal("0.00")
            rate_id = line.get("tax_rate_id")
            if rate_id is not None:
                rate = store.tax_rates.get(rate_id)
                if rate is None:
                    raise invalid(f"{where}.tax_rate_id: tax rate {rate_id} does not exist",
                                  "INVALID_TAX_RATE")
                tax = cents(net * rate["total_tax_rate"] / 100)
            out.append({"account_id": account_id, "class_id": None, "customer_id": None,
                        "department_id": None, "location_id": None, "tax_rate_id": rate_id,
                        "description": line.get("description"), "discount_amount": None,
                        "discount_percentage": None, "sub_total": net, "tax_amount": tax,
                        "total_amount": net + tax, "item": None})
        return out

    # ---- creators: check now, return the commit ----------------------------------------

    def _create_vendor(self, store: Store,
                       payload: dict[str, Any]) -> Callable[[], tuple[int, Any]]:
        obj = payload["vendor"]

        def commit() -> tuple[int, Any]:
            stamp = now_iso()
            vendor = {"id": str(uuid.uuid4()), "platform_id": str(len(store.vendors) + 1),
                      "status": "active", "vendor_name": obj["vendor_name"],
                      "contact_name": obj["contact_name"], "currency_code": obj["currency_code"],
                      "email": obj.get("email"), "phone": obj.get("phone"),
                      "registration_number": obj.get("registration_number"),
                      "tax_number": obj.get("tax_number"), "website": obj.get("website"),
                      "subsidiaries": [], "addresses": obj.get("addresses") or [],
                      "created_at": stamp, "updated_at": stamp}
            store.vendors[vendor["id"]] = vendor
            return 200, {"vendor": vendor}

        return commit

    def _create_bill(self, store: Store, payload: dict[str, Any]) -> Callable[[], tuple[int, Any]]:
        obj = payload["bill"]
        vendor = self._vendor(store, obj["vendor_id"], "bill.vendor_id")
        issue = self._date(obj["issue_date"], "bill.issue_date")
        due = self._date(obj["due_date"], "bill.due_date") if "due_date" in obj else None
        lines = self._lines(store, obj["line_items"], "bill")
        ap = obj.get("account_id")
        if ap is not None:
            self._account(store, ap, "bill.account_id", ("accounts_payable",))
        net = sum((line["sub_total"] for line in lines), Decimal(0))
        tax = sum((line["tax_amount"] for line in lines), Decimal(0))
        if net + tax <= 0:
            raise invalid("bill.line_items: the bill's total must be positive")

        def commit() -> tuple[int, Any]:
            if vendor["currency_code"] != obj["currency_code"]:
                raise refused(f"The bill's currency {obj['currency_code']} differs from the "
                              f"vendor's currency {vendor['currency_code']}.")
            stamp = now_iso()
            bill = {"id": str(uuid.uuid4()), "platform_id": str(len(store.bills) + 1),
                    "account_id": ap or self._default_ap(store), "vendor_id": vendor["id"],
                    "payment_terms_id": None, "subsidiary_id": None,
                    "document_number": obj.get("document_number"), "issue_date": issue,
                    "due_date": due, "currency_code": obj["currency_code"], "status": "open",
                    "total_amount": net + tax, "amount_due": net + tax, "sub_total": net,
                    "tax_amount": tax, "total_discount": Decimal(0), "memo": obj.get("memo"),
                    "line_items": lines, "linked_payments": [], "linked_credit_memos": [],
                    "linked_purchase_orders": [], "created_at": stamp, "updated_at": stamp}
            store.bills[bill["id"]] = bill
            return 200, {"bill": bill}

        return commit

    def _create_bill_credit_memo(self, store: Store,
                                 payload: dict[str, Any]) -> Callable[[], tuple[int, Any]]:
        obj = payload["bill_credit_memo"]
        vendor = self._vendor(store, obj["vendor_id"], "bill_credit_memo.vendor_id")
        account = self._account(store, obj["account_id"], "bill_credit_memo.account_id")
        issue = self._date(obj["issue_date"], "bill_credit_memo.issue_date")
        lines = self._lines(store, obj["line_items"], "bill_credit_memo")
        total = sum((line["total_amount"] for line in lines), Decimal(0))
        if total <= 0:
            raise invalid("bill_credit_memo.line_items: the total must be positive")

        def commit() -> tuple[int, Any]:
            if vendor["currency_code"] != obj["currency_code"]:
                raise refused(f"The credit's currency {obj['currency_code']} differs from the "
                              f"vendor's currency {vendor['currency_code']}.")
            stamp = now_iso()
            memo = {"id": str(uuid.uuid4()), "platform_id": str(len(store.bill_credit_memos) + 1),
                    "account_id": account["id"], "vendor_id": vendor["id"], "issue_date": issue,
                    "document_number": obj.get("document_number", ""),
                    "remaining_amount": total, "status": "open", "total_amount": total,
                    "currency_code": obj["currency_code"], "memo": obj.get("memo"),
                    "linked_bills": [], "line_items": lines, "created_at": stamp,
                    "updated_at": stamp}
            store.bill_credit_memos[memo["id"]] = memo
            return 200, {"bill_credit_memo": memo}

        return commit

    def _create_bill_payment(self, store: Store,
                             payload: dict[str, Any]) -> Callable[[], tuple[int, Any]]:
        obj = payload["bill_payment"]
        account = self._account(store, obj["account_id"], "bill_payment.account_id", ("bank",))
        vendor = self._vendor(store, obj["vendor_id"], "bill_payment.vendor_id")
        currency = obj["currency_code"]
        txn_date = self._date(obj["transaction_date"], "bill_payment.transaction_date")
        allocations = []
        for i, link in enumerate(obj["linked_bills"]):
            where = f"bill_payment.linked_bills[{i}]"
            bill = store.bills.get(link["id"])
            if bill is None:
                raise invalid(f"{where}.id: bill {link['id']} does not exist", "INVALID_BILL")
            amount = self._amount(link["allocated_amount"])
            if bill["vendor_id"] != vendor["id"]:
                raise invalid(f"{where}.id: bill {link['id']} belongs to another vendor")
            if bill["currency_code"] != currency:
                raise invalid(f"{where}.id: bill {link['id']} is in {bill['currency_code']}, "
                              f"not {currency}")
            if amount <= 0:
                raise invalid(f"{where}.allocated_amount must be positive", "INVALID_AMOUNT")
            allocations.append((bill, amount))

        def commit() -> tuple[int, Any]:
            for i, (bill, amount) in enumerate(allocations):  # checked when the job runs
                if amount > bill["amount_due"]:
                    raise refused(f"bill_payment.linked_bills[{i}].allocated_amount {amount} is "
                                  f"above the amount due {bill['amount_due']} of bill "
                                  f"{bill['id']}")
            stamp = now_iso()
            payment_id = str(uuid.uuid4())
            for bill, amount in allocations:
                bill["amount_due"] -= amount
                bill["status"] = "paid" if bill["amount_due"] == 0 else "partially_paid"
                bill["linked_payments"].append({"id": payment_id, "allocated_amount": amount,
                                                "allocated_date": txn_date})
                bill["updated_at"] = stamp
            total = sum((a for _, a in allocations), Decimal(0))
            account["balance"] -= total
            payment = {"id": payment_id, "platform_id": str(len(store.bill_payments) + 1),
                       "account_id": account["id"], "vendor_id": vendor["id"],
                       "transaction_date": txn_date, "currency_code": currency,
                       "memo": obj.get("memo"), "status": "active", "total_amount": total,
                       "currency_rate": None,
                       "linked_bills": [{"id": b["id"], "allocated_amount": a,
                                         "allocated_date": txn_date} for b, a in allocations],
                       "created_at": stamp, "updated_at": stamp}
            store.bill_payments[payment_id] = payment
            return 200, {"bill_payment": payment}

        return commit

    def _create_attachment(self, store: Store, bill_id: str,
                           payload: dict[str, Any]) -> Callable[[], tuple[int, Any]]:
        if bill_id not in store.bills:
            raise gone("Bill", bill_id)
        try:
            data = base64.b64decode(payload["file"], validate=True)
        except ValueError as exc:
            raise invalid("file must be the base64-encoded file content") from exc

        def commit() -> tuple[int, Any]:
            ident = str(uuid.uuid4())
            attachment = {"id": ident, "platform_id": ident[:8], "attached_to_id": bill_id,
                          "attached_to_type": "BILL", "file_name": payload["file_name"],
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
