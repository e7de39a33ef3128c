"""The queries behind 查询统计 (admin_views/stats/).

Their counting statements are read-only and the heaviest of the app: with ``DATABASE_REPLICA_URL`` set they run on
that read replica (the ``stats_replica`` bind), else on the primary. A replica may lag the primary by its
replication delay; a statistic a few seconds old is still that statistic, while every page that writes, and every
check before a write, reads the primary. Only ``execute`` / ``scalar`` below go to the replica: the small lookups
around them (the year's rule, series names) stay on the primary with the rest of the request.
"""
from ..base import db

REPLICA_BIND = "stats_replica"


def _bind() -> dict | None:
    engine = db.engines.get(REPLICA_BIND)
    return {"bind": engine} if engine is not None else None


def execute(statement):
    return db.session.execute(statement, bind_arguments=_bind())


def scalar(statement):
    return db.session.scalar(statement, bind_arguments=_bind())
