"""booking jobs carry a lease, as ingest jobs do (0008): who runs a push or payment, until when

Revision ID: 0017_booking_job_leases
Revises: 0015_vendor_memory
Create Date: 2026-12-03 08:45:00

A booking job left queued or running by a process that died is taken again by any running
process once its lease has run out, and never by two at once. Jobs stored before have no
lease: they are taken at the next start, as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017_booking_job_leases'
down_revision = '0015_vendor_memory'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('booking_jobs') as batch_op:
        batch_op.add_column(sa.Column('lease_owner', sa.String(length=96), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_booking_jobs_status_lease', ['status', 'lease_until'])


def downgrade() -> None:
    with op.batch_alter_table('booking_jobs') as batch_op:
        batch_op.drop_index('ix_booking_jobs_status_lease')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('lease_owner')
