"""Leases on unfinished jobs: which process holds a job (runs it, or has it queued) and until
when. A holder renews its leases while it lives; a job whose lease ran out (its process was
killed, its worker lost) is free for any running process to take. Every change is one guarded
UPDATE, atomic on SQLite and PostgreSQL: two processes never both take a job.

A job's lease is the queue's business only: the job as the domain sees it has none.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from billintake.domain.model import JobStatus

from .tables import IngestJobRow

# statuses of a job not yet final (the pipeline's RUNNABLE)
UNFINISHED = (JobStatus.QUEUED.value, JobStatus.READING.value, JobStatus.EXTRACTING.value,
              JobStatus.MATCHING.value, JobStatus.READY.value)


def now() -> datetime:
    return datetime.now(UTC)


def _free(at: datetime) -> object:
    """The job is free: no lease, or one that has run out."""
    return or_(IngestJobRow.lease_until.is_(None), IngestJobRow.lease_until < at)


def claim(session: Session, job_id: str, owner: str, lease_s: float, *,
          take_over: str | None = None) -> bool:
    """Take the unfinished job for `owner` for `lease_s` seconds: True when it was free, or
    `owner`'s (or `take_over`'s: a queue handing the job to its worker) already; False when
    another live holder has it (or it is final)."""
    at = now()
    mine = [IngestJobRow.lease_owner == owner]
    if take_over is not None:
        mine.append(IngestJobRow.lease_owner == take_over)
    result = session.execute(
        update(IngestJobRow)
        .where(IngestJobRow.id == job_id, IngestJobRow.status.in_(UNFINISHED),
               or_(*mine, _free(at)))
        .values(lease_owner=owner, lease_until=at + timedelta(seconds=lease_s))
        .execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def renew(session: Session, owner: str, lease_s: float,
          job_ids: Collection[str] | None = None) -> int:
    """Extend the leases `owner` holds on unfinished jobs (only those of `job_ids`, when
    given: the ones it still has in hand); how many."""
    mine = [IngestJobRow.lease_owner == owner, IngestJobRow.status.in_(UNFINISHED)]
    if job_ids is not None:
        if not job_ids:
            return 0
        mine.append(IngestJobRow.id.in_(sorted(job_ids)))
    result = session.execute(
        update(IngestJobRow)
        .where(*mine)
        .values(lease_until=now() + timedelta(seconds=lease_s))
        .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


def release(session: Session, job_id: str, owner: str) -> None:
    """Give the job up (it is final, or its run was lost): free for anyone at once."""
    session.execute(
        update(IngestJobRow)
        .where(IngestJobRow.id == job_id, IngestJobRow.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False))


def free_jobs(session: Session, *, limit: int = 1000) -> list[tuple[str, str]]:
    """(organization id, job id) of unfinished jobs nobody holds: never taken, or their
    holder stopped renewing (it died). Oldest first."""
    rows = session.execute(
        select(IngestJobRow.organization_id, IngestJobRow.id)
        .where(IngestJobRow.status.in_(UNFINISHED), _free(now()))
        .order_by(IngestJobRow.created_at, IngestJobRow.id).limit(limit))
    return [(org, job_id) for org, job_id in rows]


def holder(session: Session, job_id: str) -> tuple[str | None, datetime | None]:
    """Who holds the job and until when (for tests and inspection)."""
    row = session.execute(select(IngestJobRow.lease_owner, IngestJobRow.lease_until)
                          .where(IngestJobRow.id == job_id)).one()
    return row[0], row[1]
