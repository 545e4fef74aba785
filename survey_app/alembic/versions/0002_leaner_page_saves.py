"""Leaner page saves: no index on answers.variable; on SQLite, answers and page timings clustered by key.

Nothing reads answers by variable alone (the dashboard and exports read every answer, through the
export frame), yet the index took a write to a different index page for each answer saved. On
SQLite the two tables keyed by (respondent, variable or section) become WITHOUT ROWID tables, the
layout SQLite advises for such keys: one B-tree per table instead of a table and its key index.
A page save then writes about half as many database pages. PostgreSQL only loses the index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CLUSTERED = ("answers", "page_timings")


def upgrade() -> None:
    op.drop_index("ix_answers_variable", table_name="answers")
    _rebuild(with_rowid=False)


def downgrade() -> None:
    _rebuild(with_rowid=True)
    op.create_index("ix_answers_variable", "answers", ["variable"])


def _rebuild(*, with_rowid: bool) -> None:
    # Batch mode copies each table into a new one made with the given options, rows and keys included.
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in CLUSTERED:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_with_rowid": with_rowid}):
            pass
