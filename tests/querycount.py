"""Count the SQL statements a block runs (after NetBox's utilities/testing/query_counts.py)."""
from contextlib import contextmanager

from sqlalchemy import event

from models import db


@contextmanager
def count_queries():
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
