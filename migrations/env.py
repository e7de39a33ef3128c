"""Alembic environment: runs on the connection the app's CLI hands over (see cli.py)."""
from alembic import context

from models import db

target_metadata = db.metadata
connection = context.config.attributes.get("connection")
if connection is None:  # plain `alembic` use: build the app to find the database
    from app import create_app

    with create_app().app_context():
        with db.engine.begin() as connection:
            context.configure(connection=connection, target_metadata=target_metadata,
                              render_as_batch=True, compare_type=True)
            with context.begin_transaction():
                context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
