"""The first schema: respondents, answers (long), page timings, tokens, admin users, login attempts.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "admin_users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
    )
    op.create_index("ix_login_attempts_username_at", "login_attempts", ["username", "at"])
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token", sa.String(32), nullable=False, unique=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("used_at", UTC_TIME, nullable=True),
    )
    op.create_table(
        "respondents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("public_id", sa.String(32), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("simulated", sa.Boolean(), nullable=False),
        sa.Column("access", sa.String(8), nullable=False),
        sa.Column("token_id", sa.Integer(), sa.ForeignKey("tokens.id", ondelete="SET NULL"), nullable=True),
        sa.Column("instrument_version", sa.String(32), nullable=False),
        sa.Column("instrument_hash", sa.String(64), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("display_order", sa.JSON(), nullable=False),
        sa.Column("page", sa.String(32), nullable=False),
        sa.Column("honeypot", sa.Boolean(), nullable=False),
        sa.Column("resume_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("receipt_digest", sa.String(64), nullable=True, unique=True),
        sa.Column("started_at", UTC_TIME, nullable=False),
        sa.Column("completed_at", UTC_TIME, nullable=True),
    )
    op.create_index("ix_respondents_simulated", "respondents", ["simulated"])
    op.create_index("ix_respondents_status", "respondents", ["status"])
    op.create_table(
        "answers",
        sa.Column("respondent_id", sa.Integer(), sa.ForeignKey("respondents.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("variable", sa.String(64), primary_key=True),
        sa.Column("value_num", sa.Integer(), nullable=True),
        sa.Column("value_text", sa.Text(), nullable=True),
    )  # fmt: skip
    op.create_index("ix_answers_variable", "answers", ["variable"])
    op.create_table(
        "page_timings",
        sa.Column("respondent_id", sa.Integer(), sa.ForeignKey("respondents.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("section", sa.String(32), primary_key=True),
        sa.Column("shown_at", UTC_TIME, nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("submitted", sa.Boolean(), nullable=False),
    )  # fmt: skip


def downgrade() -> None:
    for table in ("page_timings", "answers", "respondents", "tokens", "login_attempts", "admin_users"):
        op.drop_table(table)
