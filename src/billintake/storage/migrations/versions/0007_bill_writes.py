"""bills keep where they were booked, their tax per rate and their writes' idempotency keys

Revision ID: 0007_bill_writes
Revises: 0006_users_sessions
Create Date: 2026-12-05 09:00:00

`tax_lines` (the tax per rate as printed), `backend` and `connection_id` (where the bill was
booked, so it stays readable after the organization switches its books), `revision` (counts
corrections) and `writes` (each write's idempotency key and outcome). A bill pushed before this
revision was booked in the connection then current: it gets that connection's backend and id
(a bill of an organization without a stored connection keeps none: it is read in the default).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007_bill_writes'
down_revision = '0006_users_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('bills') as batch_op:
        batch_op.add_column(sa.Column('tax_lines', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('backend', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('connection_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=False,
                                      server_default='1'))
        batch_op.add_column(sa.Column('writes', sa.JSON(), nullable=True))
    bills = sa.table('bills', sa.column('id', sa.String), sa.column('organization_id', sa.String),
                     sa.column('external_id', sa.String), sa.column('backend', sa.String),
                     sa.column('connection_id', sa.String), sa.column('tax_lines', sa.JSON),
                     sa.column('writes', sa.JSON))
    connections = sa.table('accounting_connections', sa.column('id', sa.String),
                           sa.column('organization_id', sa.String),
                           sa.column('backend', sa.String), sa.column('is_default', sa.Boolean),
                           sa.column('created_at', sa.DateTime))
    bind = op.get_bind()
    bind.execute(bills.update().values(tax_lines=[], writes={}))
    current: dict[str, tuple[str, str]] = {}
    for conn_id, org, backend in bind.execute(
            sa.select(connections.c.id, connections.c.organization_id, connections.c.backend)
            .where(connections.c.is_default.is_(True))
            .order_by(connections.c.created_at)).all():
        current[org] = (backend, conn_id)
    pushed = bind.execute(sa.select(bills.c.id, bills.c.organization_id)
                          .where(bills.c.external_id.is_not(None))).all()
    for bill_id, org in pushed:
        if org not in current:  # booked in the configured default backend: read there still
            continue
        backend, conn_id = current[org]
        bind.execute(bills.update().where(bills.c.id == bill_id)
                     .values(backend=backend, connection_id=conn_id))


def downgrade() -> None:
    with op.batch_alter_table('bills') as batch_op:
        batch_op.drop_column('writes')
        batch_op.drop_column('revision')
        batch_op.drop_column('connection_id')
        batch_op.drop_column('backend')
        batch_op.drop_column('tax_lines')
