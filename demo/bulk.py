"""Set-based inserts of staff (account + person) for the demo and for scale data, audited row by row."""
from sqlalchemy import insert, select, union

from models import Account, Person, audit, db, now


def taken_id_numbers(candidates) -> set:
    """Which of ``candidates`` already have an account or a person: one query for the whole chunk."""
    return set(db.session.scalars(union(
        select(Account.id_number).where(Account.id_number.in_(candidates)),
        select(Person.id_number).where(Person.id_number.in_(candidates)))))


def _created(model, row_id, row: dict) -> dict:
    """The audit listener's shape for a created row: non-empty values as {"after": v}, dates as ISO text,
    columns marked audit=False left out and audit="mask" ones masked."""
    changes = {"id": {"after": row_id}}
    for key, value in row.items():
        flag = model.__table__.c[key].info.get("audit", True)
        if value is None or flag is False:
            continue
        if flag == "mask":
            value = "***"
        elif hasattr(value, "isoformat"):
            value = value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
        changes[key] = {"after": value}
    return changes


def _returning(model):
    return insert(model.__table__).returning(model.id_number, model.id)


def insert_people(rows, password_hash: str, reason: str) -> int:
    """Insert staff: ``rows`` are (PlannedPerson, org id, department id, created_at or None).

    Accounts first; their ids come back by RETURNING (SQLite and PostgreSQL both have it), so persons get
    their account_id without a query per row. Core inserts on the tables, not ORM bulk inserts: the ORM splits
    rows by which columns are None and splices the RETURNING results together, quadratic at this size.
    Every account and person gets its audit entry ("create"), in the caller's transaction.
    """
    if not rows:
        return 0
    t = now()
    accounts = [{"id_number": p.id_number, "name": p.name, "password_hash": password_hash, "email": p.email,
                 "phone": p.phone, "is_operator": False, "disabled": False, "must_change_password": False,
                 "session_version": 1, "failed_logins": 0, "created_at": created or t}
                for p, _, _, created in rows]
    account_ids = dict(db.session.execute(_returning(Account), accounts).all())
    persons = [{"account_id": account_ids[p.id_number], "org_id": org_id, "department_id": dept_id,
                "name": p.name, "id_number": p.id_number, "gender": p.gender, "birth_date": p.birth_date,
                "education": p.education, "major": p.major, "title_series": p.title_series,
                "title_name": p.title_name, "title_level": p.title_level, "title_date": p.title_date,
                "admin_post": p.admin_post, "status": p.status, "reject_reason": p.reject_reason,
                "created_at": created or t, "reviewed_at": t if p.status == "approved" else None}
               for p, org_id, dept_id, created in rows]
    person_ids = dict(db.session.execute(_returning(Person), persons).all())
    audit.record_bulk("account", "create",
                      [(account_ids[a["id_number"]], _created(Account, account_ids[a["id_number"]], a))
                       for a in accounts], reason)
    audit.record_bulk("person", "create",
                      [(person_ids[p["id_number"]], _created(Person, person_ids[p["id_number"]], p))
                       for p in persons], reason)
    return len(persons)
