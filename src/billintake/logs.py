"""Structured logging with the standard library: one line per event, context as key=value.

Use `log_context(logger, job_id=..., organization_id=..., stage=...)` to get a logger that adds
those keys to every record. Never log a bill's content at INFO level, nor any secret.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

CONTEXT_KEYS = ("organization_id", "job_id", "stage", "channel")
# uvicorn's own loggers write into the service's one log (its format, its handler)
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


class ContextFormatter(logging.Formatter):
    """`2026-03-14T10:00:00 INFO billintake.services.pipeline stage done job_id=… stage=read`."""

    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        context = " ".join(
            f"{key}={getattr(record, key)}" for key in CONTEXT_KEYS if hasattr(record, key)
        )
        return f"{base} {context}" if context else base


class _ContextAdapter(logging.LoggerAdapter[logging.Logger]):
    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, Any]:
        kwargs["extra"] = {**(self.extra or {}), **kwargs.get("extra", {})}
        return msg, kwargs


def log_context(logger: logging.Logger, **context: str) -> logging.LoggerAdapter[logging.Logger]:
    return _ContextAdapter(logger, context)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(ContextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                          datefmt="%Y-%m-%dT%H:%M:%S"))
    root = logging.getLogger("billintake")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


def route_uvicorn_logs() -> None:
    """Make uvicorn's log records go through the `billintake` handler (one log, one format)."""
    target = logging.getLogger("billintake")
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers[:] = list(target.handlers)
        logger.setLevel(target.level)
        logger.propagate = False
