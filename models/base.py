"""The database handle and what every model shares."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import BigInteger, Integer, MetaData, and_, or_, select, update
from sqlalchemy.orm import DeclarativeBase

CHINA = ZoneInfo("Asia/Shanghai")

# Big tables get 64-bit keys on PostgreSQL; SQLite only autoincrements INTEGER.
BigId = BigInteger().with_variant(Integer, "sqlite")
MAX_ID = 2**31 - 1  # PostgreSQL INTEGER
MAX_BIG_ID = 2**63 - 1  # PostgreSQL BIGINT


def is_row_id(value, big=False) -> bool:
    """An int a key column can hold: beyond it PostgreSQL answers "integer out of range", not "no such row"."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= (MAX_BIG_ID if big else MAX_ID)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)


def now() -> datetime:
    """Naive local time of the province (Asia/Shanghai): what users read and filter by."""
    return datetime.now(CHINA).replace(tzinfo=None, microsecond=0)


def lock_row(model, pk, *conditions):
    """Take the write lock of ``model``'s row ``pk`` for the rest of the transaction and read it fresh.

    Returns the row (the session's own object, overwritten with what the database holds now), or None
    when it is gone or no longer matches ``conditions``. Concurrent callers for one row queue here, so
    each decides on what the previous one committed, never on what it read before: a write that finds
    nothing left to do can say so instead of changing (and auditing) the row a second time.
    """
    key = model.__table__.primary_key.columns.values()[0]
    fresh = select(model).where(key == pk, *conditions).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        # OF: the model's joined eager loads are outer joins, whose nullable side cannot be locked.
        return db.session.scalars(fresh.with_for_update(of=model)).one_or_none()
    # SQLite has no row locks. A write that changes nothing takes its database write lock instead
    # (pysqlite opens the transaction right before it, so the busy timeout queues the others); reads
    # before it saw only committed data, and no other writer can commit until this transaction ends.
    if db.session.execute(update(model.__table__).where(key == pk).values({key.name: key})).rowcount != 1:
        return None
    return db.session.scalars(fresh).one_or_none()


def upsert(table):
    """INSERT of the current database's dialect, the one that offers ``on_conflict_do_update/nothing``
    (PostgreSQL and SQLite spell it alike)."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


# Above every character: ``col < prefix || TOP`` bounds the range of strings that start with prefix (binary order).
_TOP = "\U0010FFFF"


def starts_with(column, value):
    """``column`` starts with ``value`` literally, as a range an ordinary index answers.

    A ``%value%`` match reads every row of the table whatever its indexes; a prefix does not. PostgreSQL
    turns ``LIKE 'value%'`` into an index range on a ``varchar_pattern_ops`` index (the default escape
    character is the backslash); SQLite's LIKE ignores indexes unless case-sensitive, so there the prefix is
    spelled as the range itself, which its binary-collated indexes serve. ASCII letters also match upper-cased
    (ID numbers end in X, USCCs are upper case).
    """
    values = dict.fromkeys((value, value.upper()))
    if db.session.get_bind().dialect.name == "postgresql":
        clauses = [column.like(v.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
                   for v in values]
    else:
        clauses = [and_(column >= v, column < v + _TOP) for v in values]
    return or_(*clauses)
