"""people: users (email, argon2 password hash) and their login sessions

Revision ID: 0006_users_sessions
Revises: 0005_job_outcome
Create Date: 2026-12-10 09:00:00

The web workspace signs people in; API keys stay for machines. A user belongs to one
organization and signs in by email (unique, stored casefolded). A login session is kept by
the SHA-256 of its cookie's token, with its CSRF token and expiry; removing a user ends them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from billintake.storage.tables import UtcDateTime

revision = '0006_users_sessions'
down_revision = '0005_job_outcome'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'users',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('organization_id', sa.String(length=32), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('password_hash', sa.String(length=255), nullable=False),
        sa.Column('failed_logins', sa.Integer(), nullable=False),
        sa.Column('locked_until', UtcDateTime(timezone=True), nullable=True),
        sa.Column('last_login_at', UtcDateTime(timezone=True), nullable=True),
        sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_users_organization_id_organizations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
        sa.UniqueConstraint('email', name=op.f('uq_users_email')),
    )
    op.create_index(op.f('ix_users_organization_id'), 'users', ['organization_id'], unique=False)
    op.create_table(
        'login_sessions',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.String(length=32), nullable=False),
        sa.Column('organization_id', sa.String(length=32), nullable=False),
        sa.Column('csrf_token', sa.String(length=64), nullable=False),
        sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', UtcDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_login_sessions_organization_id_organizations')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_login_sessions_user_id_users')),
        sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_login_sessions')),
    )
    op.create_index(op.f('ix_login_sessions_user_id'), 'login_sessions', ['user_id'],
                    unique=False)
    op.create_index(op.f('ix_login_sessions_organization_id'), 'login_sessions',
                    ['organization_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_login_sessions_organization_id'), table_name='login_sessions')
    op.drop_index(op.f('ix_login_sessions_user_id'), table_name='login_sessions')
    op.drop_table('login_sessions')
    op.drop_index(op.f('ix_users_organization_id'), table_name='users')
    op.drop_table('users')
