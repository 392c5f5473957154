"""vendors keep every bank account confirmed for them, not only the current IBAN

Revision ID: 0014_vendor_bank_accounts
Revises: 0011_vendor_expense_accounts
Create Date: 2026-12-02 19:10:00

`bank_accounts` lists the IBANs (compact) a person confirmed for the vendor besides `iban`, the
one paid now. A bill whose IBAN is none of them waits for review (the payment guard). Existing
vendors start with an empty list (their `iban` stays known).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014_vendor_bank_accounts'
down_revision = '0011_vendor_expense_accounts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN (SQLite too): copying `vendors` would break the bills' foreign keys
    op.add_column('vendors', sa.Column('bank_accounts', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column('vendors', 'bank_accounts')  # SQLite 3.35+ drops a column in place
