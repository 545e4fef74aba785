"""Admin sessions on the server, login attempts per name and source, and an export id no browser holds.

- ``admin_sessions``: a row per logged-in admin browser, so that logout and the idle limit end a
  session on every worker and host (the cookie holds a random key, the row its digest).
- ``login_attempts`` becomes one counter per admin name and source (a keyed digest of the client's
  network), raised in one atomic statement before a password is checked. The old rows, one per
  failed login, are dropped: they only held the last 15 minutes' count.
- ``respondents.export_id``: the respondent_id of exports. Until now exports carried ``public_id``,
  which the respondent's browser cookie holds, so a published data set could be linked to a
  browser. Existing respondents get new random ids: their old exported ids are in browsers, so
  keeping them would keep that link. Exports made before this migration therefore do not match
  later ones by respondent_id.

Revision ID: 0004_admin_sessions
Revises: 0003_respondent_integrity
Create Date: 2026-12-06
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0004_admin_sessions"
down_revision = "0003_respondent_integrity"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    _add_export_ids()
    op.drop_table("login_attempts")
    op.create_table(
        "login_attempts",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("source", sa.String(32), primary_key=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("since", UTC_TIME, nullable=False),
    )
    op.create_table(
        "admin_sessions",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("admin_users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("seen_at", UTC_TIME, nullable=False),
    )


def _add_export_ids() -> None:
    # SQLite adds a NOT NULL column only with a default, and removing the default would rebuild the table:
    # with foreign keys on, dropping the old respondents table would cascade-delete every answer. The ''
    # default stays there, unused (every respondent is stored with an id) and barred twice by the unique index.
    op.add_column("respondents", sa.Column("export_id", sa.String(32), nullable=False, server_default=""))
    respondents = sa.table("respondents", sa.column("id", sa.Integer()), sa.column("export_id", sa.String()))
    bind = op.get_bind()
    ids = bind.execute(sa.select(respondents.c.id)).scalars().all()
    if ids:
        bind.execute(
            respondents.update().where(respondents.c.id == sa.bindparam("row")).values(export_id=sa.bindparam("new")),
            [{"row": row, "new": secrets.token_hex(8)} for row in ids],
        )
    if bind.dialect.name != "sqlite":
        op.alter_column("respondents", "export_id", server_default=None)
    op.create_index("ix_respondents_export_id", "respondents", ["export_id"], unique=True)


def downgrade() -> None:
    op.drop_table("admin_sessions")
    op.drop_table("login_attempts")
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
    )
    op.create_index("ix_login_attempts_username_at", "login_attempts", ["username", "at"])
    op.drop_index("ix_respondents_export_id", table_name="respondents")
    op.drop_column("respondents", "export_id")
