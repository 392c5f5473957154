"""vendor memory: what an organization's approved bills from each vendor taught

Revision ID: 0015_vendor_memory
Revises: 0014_payment_data
Create Date: 2026-12-03 08:00:00

`vendor_memories` holds one JSON document per vendor (`domain.memory.VendorMemory`): where
each field sat on its approved bills, its formats, names, header lines, tax code and the
account per line description. The vendor's bank accounts and expense account stay on
`vendors` (0014, 0011). Existing vendors start with no memory.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from billintake.storage.tables import UtcDateTime

revision = '0015_vendor_memory'
down_revision = '0014_payment_data'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'vendor_memories',
        sa.Column('vendor_id', sa.String(length=32), nullable=False),
        sa.Column('organization_id', sa.String(length=32), nullable=False),
        sa.Column('memory', sa.JSON(), nullable=False),
        sa.Column('updated_at', UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_vendor_memories_organization_id_organizations')),
        sa.ForeignKeyConstraint(['vendor_id'], ['vendors.id'],
                                name=op.f('fk_vendor_memories_vendor_id_vendors')),
        sa.PrimaryKeyConstraint('vendor_id', name=op.f('pk_vendor_memories')),
    )
    op.create_index(op.f('ix_vendor_memories_organization_id'), 'vendor_memories',
                    ['organization_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_vendor_memories_organization_id'), table_name='vendor_memories')
    op.drop_table('vendor_memories')
