"""One response per invitation, kept by the database: a unique index on respondents.token_id.

Two browsers that opened one invitation, or one browser posting consent several times at once,
could each start a response for it. Databases that already hold such duplicates keep the token on
one respondent per invitation (a complete one if any, else the first to start); the others stay
token respondents (their ``access``) without the link to the invitation.

Revision ID: 0003_respondent_integrity
Revises: 0002
Create Date: 2026-12-06
"""

from alembic import op

revision = "0003_respondent_integrity"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEX = "uq_respondents_token_id"


def upgrade() -> None:
    op.execute(
        """
        UPDATE respondents SET token_id = NULL
        WHERE token_id IS NOT NULL AND id <> (
            SELECT kept.id FROM respondents AS kept WHERE kept.token_id = respondents.token_id
            ORDER BY kept.status = 'complete' DESC, kept.id LIMIT 1
        )
        """
    )
    op.create_index(INDEX, "respondents", ["token_id"], unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="respondents")
