"""Is the service able to do its work? Database, queue, workers, and jobs waiting for them.

Each check is `ok`, `warning` (the service answers, but work waits: e.g. jobs queued with no
worker to run them) or `error` (it cannot work: the database or the queue is down). The
overall status is the worst of the checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from billintake.bootstrap import Runtime
from billintake.services.pipeline import RUNNABLE
from billintake.storage.tables import IngestJobRow

ORDER = {"ok": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class Check:
    status: str  # ok | warning | error
    detail: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "detail": self.detail, **self.data}


@dataclass(frozen=True)
class WorkerProbe:
    """What the queue says about itself: reachable, and how many workers take jobs."""

    queue: Check
    workers: int | None  # None: cannot be known (e.g. the queue is down)
    where: str  # "in-process pool" or "Celery workers"


@dataclass(frozen=True)
class Health:
    checks: dict[str, Check]

    @property
    def status(self) -> str:
        return max((c.status for c in self.checks.values()), key=ORDER.__getitem__,
                   default="ok")

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status,
                "checks": {name: check.to_dict() for name, check in self.checks.items()}}


def check_database(runtime: Runtime) -> tuple[Check, tuple[int, datetime | None] | None]:
    """The database answers; also the jobs waiting to run (count, oldest)."""
    try:
        with runtime.session() as session:
            count, oldest = session.execute(
                select(func.count(), func.min(IngestJobRow.created_at))
                .where(IngestJobRow.status.in_([s.value for s in RUNNABLE]))).one()
    except Exception as exc:
        return Check("error", f"the database does not answer: {type(exc).__name__}"), None
    return Check("ok", "the database answers"), (int(count), oldest)


def probe_local(dispatcher: Any) -> WorkerProbe:
    """The in-process pool of `serve`/`up`: it runs as long as the dispatcher is open."""
    if dispatcher is None:
        return WorkerProbe(Check("ok", "in-process queue (jobs run inside `billintake up`)"),
                           0, "in-process pool")
    workers = int(getattr(dispatcher, "workers", 1))
    return WorkerProbe(Check("ok", "in-process queue"), workers, "in-process pool")


def probe_celery(redis_url: str, app: Any, *, timeout_s: float = 1.0) -> WorkerProbe:
    """Redis answers a PING; the Celery workers that answer a ping within `timeout_s`."""
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=timeout_s,
                                  socket_timeout=timeout_s)
    try:
        client.ping()
    except redis.RedisError as exc:
        return WorkerProbe(Check("error", f"the queue (Redis) does not answer: {exc}"), None,
                           "Celery workers")
    finally:
        client.close()
    try:
        replies = app.control.ping(timeout=timeout_s) or []
    except Exception:  # the broker went away between the two calls
        replies = []
    return WorkerProbe(Check("ok", "Redis answers"), len(replies), "Celery workers")


def assess(runtime: Runtime, probe: WorkerProbe, *, now: datetime | None = None) -> Health:
    """The checks from the database and the queue's probe."""
    database, waiting = check_database(runtime)
    checks = {"database": database, "queue": probe.queue}
    count, oldest = waiting or (0, None)
    now = now or datetime.now(UTC)
    age = None if oldest is None else max(0, int((now - _aware(oldest)).total_seconds()))
    data = {"count": probe.workers, "kind": probe.where, "jobs_waiting": count,
            "oldest_waiting_s": age}
    if probe.workers is None:
        checks["workers"] = Check("error", "cannot reach the workers: the queue is down"
                                  + (f"; {count} jobs wait" if count else ""), data)
    elif probe.workers == 0:
        status = "warning"
        detail = (f"{count} jobs wait and no worker is running to take them"
                  + (" (start `billintake worker`)" if probe.where == "Celery workers" else
                     " (start `billintake up`)")) if count else "no worker is running"
        checks["workers"] = Check(status, detail, data)
    else:
        detail = f"{probe.workers} {probe.where.split()[-1]} ready"
        checks["workers"] = Check("ok", detail + (f"; {count} jobs in progress" if count
                                                   else ""), data)
    return Health(checks)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def probe_for(runtime: Runtime, dispatcher: Any) -> WorkerProbe:
    """The probe the settings choose: the in-process pool, or Redis and its Celery workers."""
    if runtime.settings.queue == "celery":
        app = getattr(dispatcher, "app", None)
        if app is None:
            from billintake.queue.celery_app import create_celery

            app = create_celery(runtime.settings)
        return probe_celery(runtime.settings.redis_url, app)
    return probe_local(dispatcher)


def service_health(runtime: Runtime, dispatcher: Any) -> Health:
    return assess(runtime, probe_for(runtime, dispatcher))
