"""one ingest job per original: unique (organization_id, document_sha256)

Revision ID: 0004_jobs_unique_document
Revises: 0003_bills_unique_document
Create Date: 2026-11-26 12:10:00

The same file received twice links to its first job. Checking first in the application left a
race (a second process could see the document row already committed and add a second job);
the unique index makes the database refuse it, and `services.receive.receive` then finds the first job.
Existing duplicates stop the upgrade with their ids, for a person to resolve.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004_jobs_unique_document'
down_revision = '0003_bills_unique_document'
branch_labels = None
depends_on = None


def upgrade() -> None:
    duplicates = op.get_bind().execute(sa.text(
        "SELECT organization_id, document_sha256 FROM ingest_jobs "
        "GROUP BY organization_id, document_sha256 HAVING COUNT(*) > 1")).fetchall()
    if duplicates:
        listed = "; ".join(f"organization {org}, original {sha}" for org, sha in duplicates[:20])
        raise RuntimeError(
            f"{len(duplicates)} original(s) have more than one ingest job ({listed}). Keep one "
            "job per original, then migrate again.")
    with op.batch_alter_table('ingest_jobs') as batch_op:
        batch_op.drop_index('ix_ingest_jobs_org_document')
        batch_op.create_index('uq_ingest_jobs_org_document',
                              ['organization_id', 'document_sha256'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('ingest_jobs') as batch_op:
        batch_op.drop_index('uq_ingest_jobs_org_document')
        batch_op.create_index('ix_ingest_jobs_org_document',
                              ['organization_id', 'document_sha256'], unique=False)
