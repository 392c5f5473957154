"""booking jobs: pushes and payments to the accounting system run outside the HTTP request

Revision ID: 0010_booking_jobs
Revises: 0008_job_leases
Create Date: 2026-12-02 18:40:00

One row per push, payment or review approval asked for over HTTP: what was asked (`request`), its state
(queued, running, done, failed), and what came of it (`result`, or `error`/`error_code`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from billintake.storage.tables import UtcDateTime

revision = '0010_booking_jobs'
down_revision = '0008_job_leases'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'booking_jobs',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('organization_id', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('bill_id', sa.String(length=32), nullable=True),
        sa.Column('request', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('error_code', sa.String(length=64), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_booking_jobs_organization_id_organizations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_jobs')),
    )
    op.create_index(op.f('ix_booking_jobs_organization_id'), 'booking_jobs',
                    ['organization_id'], unique=False)
    op.create_index('ix_booking_jobs_status', 'booking_jobs', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_booking_jobs_status', table_name='booking_jobs')
    op.drop_index(op.f('ix_booking_jobs_organization_id'), table_name='booking_jobs')
    op.drop_table('booking_jobs')
