"""vendors keep their expense account in each of the organization's books

Revision ID: 0011_vendor_expense_accounts
Revises: 0010_booking_jobs
Create Date: 2026-12-02 18:30:00

`expense_accounts` maps an accounting backend (`ledger`, `beancount`, `rutter`) to the id, in
those books, of the account a vendor's bill lines are booked to when a line names none.
Existing vendors get an empty mapping (the books' default expense account, as before).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011_vendor_expense_accounts'
down_revision = '0010_booking_jobs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN (SQLite too): copying `vendors` would break the bills' foreign keys
    op.add_column('vendors', sa.Column('expense_accounts', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column('vendors', 'expense_accounts')  # SQLite 3.35+ drops a column in place
