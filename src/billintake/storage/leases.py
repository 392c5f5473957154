"""Leases on unfinished jobs: which process holds a job (runs it, or has it queued) and until
when. A holder renews its leases while it lives; a job whose lease ran out (its process was
killed, its worker lost) is free for any running process to take. Every change is one guarded
UPDATE, atomic on SQLite and PostgreSQL: two processes never both take a job.

Both kinds of job carry a lease: ingest jobs (`INGEST`, the default) and booking jobs
(`BOOKING`: pushes and payments). A job's lease is the queue's business only: the job as the
domain sees it has none.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from billintake.domain.model import BookingJobStatus, JobStatus

from .tables import BookingJobRow, IngestJobRow


@dataclass(frozen=True)
class Leased:
    """A table of jobs that carry a lease, and the statuses of its jobs not yet final."""

    row: Any
    unfinished: tuple[str, ...]


# statuses of a job not yet final (the pipeline's RUNNABLE)
UNFINISHED = (JobStatus.QUEUED.value, JobStatus.READING.value, JobStatus.EXTRACTING.value,
              JobStatus.MATCHING.value, JobStatus.READY.value)
INGEST = Leased(IngestJobRow, UNFINISHED)
BOOKING = Leased(BookingJobRow, (BookingJobStatus.QUEUED.value,
                                 BookingJobStatus.RUNNING.value))


def now() -> datetime:
    return datetime.now(UTC)


def until(lease_s: float) -> datetime:
    """When a lease taken now for `lease_s` seconds runs out."""
    return now() + timedelta(seconds=lease_s)


def _free(kind: Leased, at: datetime) -> object:
    """The job is free: no lease, or one that has run out."""
    return or_(kind.row.lease_until.is_(None), kind.row.lease_until < at)


def claim(session: Session, job_id: str, owner: str, lease_s: float, *,
          take_over: str | None = None, kind: Leased = INGEST) -> bool:
    """Take the unfinished job for `owner` for `lease_s` seconds: True when it was free, or
    `owner`'s (or `take_over`'s: a queue handing the job to its worker) already; False when
    another live holder has it (or it is final)."""
    at, row = now(), kind.row
    mine = [row.lease_owner == owner]
    if take_over is not None:
        mine.append(row.lease_owner == take_over)
    result = session.execute(
        update(row)
        .where(row.id == job_id, row.status.in_(kind.unfinished), or_(*mine, _free(kind, at)))
        .values(lease_owner=owner, lease_until=at + timedelta(seconds=lease_s))
        .execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def renew(session: Session, owner: str, lease_s: float,
          job_ids: Collection[str] | None = None, *, kind: Leased = INGEST) -> int:
    """Extend the leases `owner` holds on unfinished jobs (only those of `job_ids`, when
    given: the ones it still has in hand); how many."""
    row = kind.row
    mine = [row.lease_owner == owner, row.status.in_(kind.unfinished)]
    if job_ids is not None:
        if not job_ids:
            return 0
        mine.append(row.id.in_(sorted(job_ids)))
    result = session.execute(
        update(row).where(*mine).values(lease_until=until(lease_s))
        .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


def release(session: Session, job_id: str, owner: str, *, kind: Leased = INGEST) -> None:
    """Give the job up (it is final, or its run was lost): free for anyone at once."""
    row = kind.row
    session.execute(
        update(row).where(row.id == job_id, row.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False))


def free_jobs(session: Session, *, limit: int = 1000,
              kind: Leased = INGEST) -> list[tuple[str, str]]:
    """(organization id, job id) of unfinished jobs nobody holds: never taken, or their
    holder stopped renewing (it died). Oldest first."""
    row = kind.row
    rows = session.execute(
        select(row.organization_id, row.id)
        .where(row.status.in_(kind.unfinished), _free(kind, now()))
        .order_by(row.created_at, row.id).limit(limit))
    return [(org, job_id) for org, job_id in rows]


def holder(session: Session, job_id: str, *,
           kind: Leased = INGEST) -> tuple[str | None, datetime | None]:
    """Who holds the job and until when (for tests and inspection)."""
    found = session.execute(select(kind.row.lease_owner, kind.row.lease_until)
                            .where(kind.row.id == job_id)).one()
    return found[0], found[1]
