"""payment data: vendors keep every bank account confirmed for them; bills (ours and the
embedded ledger's) keep the payment reference

Revision ID: 0014_payment_data
Revises: 0011_vendor_expense_accounts
Create Date: 2026-12-02 19:10:00

`vendors.bank_accounts` lists the IBANs (compact) a person confirmed for the vendor besides
`iban`, the one paid now; a bill whose IBAN is none of them waits for review (the payment
guard). Existing vendors start with an empty list (their `iban` stays known).
`bills.payment_reference` and `ledger_bills.payment_reference`: what the payer quotes (an
ISO 11649 RF reference, a Swiss QR reference or free text); existing bills have none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014_payment_data'
down_revision = '0011_vendor_expense_accounts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMNs (SQLite too): copying a table would break the foreign keys onto it
    op.add_column('vendors', sa.Column('bank_accounts', sa.JSON(), nullable=True))
    op.add_column('bills', sa.Column('payment_reference', sa.String(length=140), nullable=True))
    op.add_column('ledger_bills', sa.Column('payment_reference', sa.String(length=140),
                                            nullable=True))


def downgrade() -> None:  # SQLite 3.35+ drops a column in place
    op.drop_column('ledger_bills', 'payment_reference')
    op.drop_column('bills', 'payment_reference')
    op.drop_column('vendors', 'bank_accounts')
