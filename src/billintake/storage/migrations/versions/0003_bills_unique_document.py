"""one bill per original: unique (organization_id, document_sha256) where the sha is set

Revision ID: 0003_bills_unique_document
Revises: 0002_ledger
Create Date: 2026-11-26 11:40:00

A partial unique index (SQLite and PostgreSQL both have them): bills without an original
(entered by hand, document_sha256 NULL) are not constrained. It replaces the plain index on
the same columns. Existing duplicates stop the upgrade with their ids, for a person to resolve
(the code refused them before, so there should be none).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003_bills_unique_document'
down_revision = '0002_ledger'
branch_labels = None
depends_on = None

WHERE = sa.text("document_sha256 IS NOT NULL")


def upgrade() -> None:
    duplicates = op.get_bind().execute(sa.text(
        "SELECT organization_id, document_sha256 FROM bills WHERE document_sha256 IS NOT NULL "
        "GROUP BY organization_id, document_sha256 HAVING COUNT(*) > 1")).fetchall()
    if duplicates:
        listed = "; ".join(f"organization {org}, original {sha}" for org, sha in duplicates[:20])
        raise RuntimeError(
            f"{len(duplicates)} original(s) have more than one bill ({listed}). Keep one bill "
            "per original (delete the others or clear their document_sha256), then migrate "
            "again.")
    op.drop_index('ix_bills_org_document', table_name='bills')
    op.create_index('uq_bills_org_document', 'bills', ['organization_id', 'document_sha256'],
                    unique=True, sqlite_where=WHERE, postgresql_where=WHERE)


def downgrade() -> None:
    op.drop_index('uq_bills_org_document', table_name='bills')
    op.create_index('ix_bills_org_document', 'bills', ['organization_id', 'document_sha256'],
                    unique=False)
