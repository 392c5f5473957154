"""A serving process's first requests, sent to itself before it serves (`warm_up`).

FastAPI builds a route's state (its dependencies, its request and response models) on the
first request that reaches it, Starlette its middleware stack on the first request at all: the
first burst of uploads paid for all of that while every one of them waited. Two requests that
change nothing make them now: one to a path no route takes (every route on the way is built),
and an upload without a key (the upload route's dependencies, refused with 401).
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message

WARM_UP_REQUESTS = (("GET", "/__warm-up__"), ("POST", "/bills/upload"))


async def warm_up(app: ASGIApp) -> None:
    """Send the app the warm-up requests (their responses are dropped)."""
    for method, path in WARM_UP_REQUESTS:
        await app(_scope(method, path), _receive, _drop)


def _scope(method: str, path: str) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1", "method": method, "scheme": "http", "path": path,
            "raw_path": path.encode(), "root_path": "", "query_string": b"",
            "headers": [(b"host", b"localhost"), (b"content-length", b"0")],
            "client": ("127.0.0.1", 0), "server": ("127.0.0.1", 0), "state": {}}


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _drop(message: Message) -> None:
    return None
