"""jobs carry a lease: who runs (or holds in its queue) a job, and until when

Revision ID: 0008_job_leases
Revises: 0007_bill_writes
Create Date: 2026-12-02 18:30:00

`lease_owner` names the process holding an unfinished job, `lease_until` when its lease ends
unless renewed. A job whose lease has run out (its process died) is picked up again by any
running process. Jobs stored before have no lease: they are picked up at the next start.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008_job_leases'
down_revision = '0007_bill_writes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ingest_jobs') as batch_op:
        batch_op.add_column(sa.Column('lease_owner', sa.String(length=96), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_ingest_jobs_status_lease', ['status', 'lease_until'])


def downgrade() -> None:
    with op.batch_alter_table('ingest_jobs') as batch_op:
        batch_op.drop_index('ix_ingest_jobs_status_lease')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('lease_owner')
