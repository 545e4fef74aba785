"""Alembic environment: migrations run on the connection `survey_app.storage.upgrade` hands over.

There is no alembic.ini: the app upgrades its own database on start, so the configuration is built
in code. To write a new migration against a scratch database, from the project folder::

    python -c "from survey_app import storage; storage.revision('add a column', 'sqlite:///scratch.db')"
"""

from alembic import context

from survey_app.models import Base

connection = context.config.attributes["connection"]
# SQLite cannot ALTER most things in place; batch mode copies the table, as Alembic's docs advise.
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
