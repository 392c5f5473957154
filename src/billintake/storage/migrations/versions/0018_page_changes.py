"""page changes: who moved where the bills of a file of several begin and end

Revision ID: 0018_page_changes
Revises: 0017_booking_job_leases
Create Date: 2026-12-03 08:00:00

One row per change a person made in review to the bills found in one original file (a
boundary moved, two bills merged, one split at a page): who, when, and every affected bill
before (its pages, status and the result the change superseded) and after.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from billintake.storage.tables import UtcDateTime

revision = '0018_page_changes'
down_revision = '0017_booking_job_leases'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'page_changes',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('organization_id', sa.String(length=32), nullable=False),
        sa.Column('original_sha256', sa.String(length=64), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('by', sa.String(length=300), nullable=False),
        sa.Column('at', UtcDateTime(timezone=True), nullable=False),
        sa.Column('before', sa.JSON(), nullable=False),
        sa.Column('after', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_page_changes_organization_id_organizations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_page_changes')),
    )
    op.create_index('ix_page_changes_org_original', 'page_changes',
                    ['organization_id', 'original_sha256'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_page_changes_org_original', table_name='page_changes')
    op.drop_table('page_changes')
