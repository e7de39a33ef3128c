"""Set-based inserts of staff (account + person) for the demo and for scale data, audited row by row."""
import random
from datetime import timedelta

from sqlalchemy import func, insert, literal, select, union
from werkzeug.security import generate_password_hash

from models import (Account, AdminMembership, ChangeRequest, Organization, OrgClosure, Person, ReviewRecord, Transfer,
                    audit, db, now)

from .accounts import PASSWORD
from .ids import person_id_number, uscc
from .names import person_name
from .plan import SEED


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


# -- province-scale generators: the queues, the 已审核 tabs, transfers and the audit log at realistic sizes ----
# Each adds rows that reference stored orgs, persons and admins, draws from a generator seeded by what the
# database already holds (the same state yields the same rows, and repeated runs follow on from each other),
# inserts in big batches and audits what it adds in the same transaction.

SCALE_REASON = "规模测试数据"
BATCH = 5000
UNIT_SEQ = 500_000  # demo.ids.uscc seqs of scale units: clear of the demo's (1..)
UNIT_ADMIN_SEQ = 150_000_000  # person_id_number seqs of scale unit admins: clear of the staff's (1,000,000 +)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _rng(what: str, model) -> random.Random:
    return random.Random(f"{SEED}:{what}:{_count(model)}")


def _batches(rows, size=BATCH):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _insert_audited(model, rows, action_name="create") -> list:
    """Insert ``rows`` (dicts of columns) in batches; their ids come back by RETURNING and each row gets
    its audit entry in the same transaction. Returns the new ids in row order."""
    keys = {k for r in rows for k in r}
    rows = [{k: r.get(k) for k in keys} for r in rows]  # one column list for the whole executemany
    ids = []
    for batch in _batches(rows):
        new = db.session.execute(insert(model.__table__).returning(model.id)
                                 .execution_options(insertmanyvalues_page_size=1000), batch).scalars().all()
        audit.record_bulk(model.__tablename__, action_name,
                          [(i, _created(model, i, r)) for i, r in zip(new, batch)], SCALE_REASON)
        ids.extend(new)
    return ids


def _super_admins():
    """{org id: (account id, name)} of every unit's super admin."""
    return {org_id: (account_id, name) for org_id, account_id, name in db.session.execute(
        select(AdminMembership.org_id, Account.id, Account.name).join(Account, Account.id == AdminMembership.account_id)
        .where(AdminMembership.is_super.is_(True)))}


def _approved(kind=None):
    q = select(Organization.id).where(Organization.status == "approved").order_by(Organization.id)
    return db.session.scalars(q.where(Organization.kind == kind) if kind else q).all()


def add_pending_units(n: int) -> int:
    """``n`` 用人单位 awaiting 下属单位注册审核 under the approved supervising departments, each with its
    super admin (who cannot log in until the unit is approved), as the public registration leaves them."""
    supervisors = _approved("supervisor")
    if n <= 0 or not supervisors:
        return 0
    rng, seq = _rng("units", Organization), UNIT_SEQ + _count(Organization)
    password_hash = generate_password_hash(PASSWORD)
    t, added = now(), 0
    while added < n:
        size = min(BATCH, n - added)
        seqs, seq = range(seq, seq + size), seq + size
        codes = [uscc(s) for s in seqs]
        taken = set(db.session.scalars(select(Organization.uscc).where(Organization.uscc.in_(codes))))
        taken |= taken_id_numbers([person_id_number(UNIT_ADMIN_SEQ + s) for s in seqs])
        orgs, admins = [], []
        for unit_seq, code in zip(seqs, codes):
            id_number = person_id_number(UNIT_ADMIN_SEQ + unit_seq)
            if code in taken or id_number in taken:  # registered by hand meanwhile: skipped, not a crash
                continue
            contact = person_name(rng, rng.choice("男女"))
            orgs.append({"name": f"规模测试{rng.choice(_UNIT_WORDS)}有限公司（{unit_seq}）", "uscc": code, "no_uscc": False,
                         "kind": "employer", "parent_id": rng.choice(supervisors), "nature": "企业",
                         "industry": "信息传输、软件和信息技术服务业", "region": "济南市",
                         "address": f"济南市历下区经十路{unit_seq % 9000 + 1}号", "contact_name": contact,
                         "contact_phone": f"1{rng.choice('35789')}{rng.randrange(10**9):09d}",
                         "contact_email": f"unit{unit_seq}@example.com", "status": "pending", "created_at": t})
            admins.append({"id_number": id_number, "name": contact, "password_hash": password_hash,
                           "phone": orgs[-1]["contact_phone"], "email": orgs[-1]["contact_email"],
                           "is_operator": False, "disabled": False, "must_change_password": False,
                           "session_version": 1, "failed_logins": 0, "created_at": t})
        org_ids = _insert_audited(Organization, orgs)
        _attach(org_ids)
        account_ids = _insert_audited(Account, admins)
        _insert_audited(AdminMembership, [{"account_id": a, "org_id": o, "is_super": True, "created_at": t}
                                          for a, o in zip(account_ids, org_ids)])
        added += len(org_ids)
        db.session.commit()
    return added


_UNIT_WORDS = ("数据", "信息", "智能", "网络", "电子", "机械", "建设", "医药", "新材料", "检测")


def _attach(org_ids):
    """Closure rows of new orgs, set-based: themselves at depth 0, and every ancestor of their parent one deeper."""
    if not org_ids:
        return
    db.session.execute(insert(OrgClosure.__table__).from_select(
        ["ancestor_id", "descendant_id", "depth"],
        select(Organization.id, Organization.id, literal(0)).where(Organization.id.in_(org_ids))))
    db.session.execute(insert(OrgClosure.__table__).from_select(
        ["ancestor_id", "descendant_id", "depth"],
        select(OrgClosure.ancestor_id, Organization.id, OrgClosure.depth + 1)
        .join(OrgClosure, OrgClosure.descendant_id == Organization.parent_id).where(Organization.id.in_(org_ids))))


def add_review_records(n: int) -> int:
    """The 已审核 tab of 专技人员注册审核: one approval record for each of ``n`` approved staff who have none,
    decided by their unit's super admin when they were approved. Built by the database (INSERT ... SELECT),
    audited by one INSERT ... SELECT per batch, as the app's own bulk decisions are."""
    from models.registration_review import PERSON_REGISTRATION

    if n <= 0:
        return 0
    super_admin = (select(AdminMembership.org_id, func.min(AdminMembership.account_id).label("account_id"))
                   .where(AdminMembership.is_super.is_(True)).group_by(AdminMembership.org_id).subquery())
    reviewed = select(ReviewRecord.target_id).where(ReviewRecord.target_type == PERSON_REGISTRATION)
    added = 0
    while added < n:
        first = db.session.scalar(select(func.coalesce(func.max(ReviewRecord.id), 0)))
        batch = (select(Person.id, Person.org_id, Person.name, Person.id_number,
                        func.coalesce(Person.reviewed_at, Person.created_at).label("at"),
                        super_admin.c.account_id)
                 .join(super_admin, super_admin.c.org_id == Person.org_id)
                 .where(Person.status == "approved", Person.id.not_in(reviewed))
                 .order_by(Person.id).limit(min(BATCH * 10, n - added)).subquery())
        values = {"target_type": literal(PERSON_REGISTRATION), "target_id": batch.c.id, "org_id": batch.c.org_id,
                  "subject_name": batch.c.name, "subject_code": batch.c.id_number, "decision": literal("approved"),
                  "reviewer_id": batch.c.account_id, "reviewer_name": Account.name, "created_at": batch.c.at}
        rows = len(db.session.execute(insert(ReviewRecord.__table__).from_select(
            list(values), select(*values.values()).join(Account, Account.id == batch.c.account_id))
            .returning(ReviewRecord.id)).all())
        if not rows:
            break
        audit.record_bulk_select("review_record", "create", select(ReviewRecord.id).where(ReviewRecord.id > first),
                                 {"target_type": {"after": PERSON_REGISTRATION}, "decision": {"after": "approved"}},
                                 SCALE_REASON)
        added += rows
        db.session.commit()
    return added


def add_change_requests(n: int) -> int:
    """``n`` pending 人员信息修改审核 requests: approved staff asking to change their mobile number, each
    against the value stored now (so approving one applies it), at most one pending request per person."""
    from models.change_requests import PERSON

    if n <= 0:
        return 0
    rng = _rng("changes", ChangeRequest)
    pending = select(ChangeRequest.target_id).where(ChangeRequest.target_type == PERSON,
                                                    ChangeRequest.status == "pending")
    people = db.session.execute(
        select(Person.id, Person.org_id, Person.name, Person.account_id, Account.phone)
        .join(Account, Account.id == Person.account_id)
        .where(Person.status == "approved", Person.id.not_in(pending)).order_by(Person.id)).all()
    t = now()
    chosen = rng.sample(people, min(n, len(people)))
    rows = [{"target_type": PERSON, "target_id": p.id, "org_id": p.org_id, "subject_name": p.name,
             "changes": {"phone": {"before": p.phone, "after": f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"}},
             "status": "pending", "requested_by_id": p.account_id,
             "requested_at": t - timedelta(minutes=rng.randrange(60 * 24 * 30))} for p in chosen]
    ids = _insert_audited(ChangeRequest, rows)
    db.session.commit()
    return len(ids)


# pending_out / pending_in wait in the queues; completed, rejected and cancelled fill 调转记录.
TRANSFER_MIX = (("pending_out", 0.2), ("pending_in", 0.2), ("completed", 0.4), ("rejected", 0.1), ("cancelled", 0.1))


def add_transfers(n: int) -> int:
    """``n`` transfers between approved employers in every status, each of a different approved person
    without a transfer in progress. A completed transfer brought its person to the unit they are in now;
    the others start from it."""
    from models.transfer import ACTIVE

    employers = _approved("employer")
    if n <= 0 or len(employers) < 2:
        return 0
    rng = _rng("transfers", Transfer)
    admins = _super_admins()
    busy = select(Transfer.person_id).where(Transfer.status.in_(ACTIVE))
    people = db.session.execute(
        select(Person.id, Person.org_id, Person.name, Person.department_id)
        .where(Person.status == "approved", Person.org_id.in_(employers), Person.id.not_in(busy))
        .order_by(Person.id)).all()
    statuses, weights = zip(*TRANSFER_MIX)
    t, rows = now(), []
    for p in rng.sample(people, min(n, len(people))):
        status = rng.choices(statuses, weights)[0]
        other = rng.choice([e for e in employers if e != p.org_id])
        source, target = (other, p.org_id) if status == "completed" else (p.org_id, other)
        via = rng.choice(("unit", "self"))
        started = t - timedelta(hours=rng.randrange(24 * 365))
        initiator = admins.get(source, (None, p.name)) if via == "unit" else (None, p.name)
        row = {"person_id": p.id, "from_org_id": source, "to_org_id": target,
               "from_department_id": p.department_id if source == p.org_id else None,
               "reason": rng.choice(_TRANSFER_REASONS), "transfer_date": (started + timedelta(days=7)).date(),
               "status": status, "initiated_by_id": initiator[0], "initiated_by_name": initiator[1],
               "initiated_via": via, "created_at": started}
        # The out side decided every transfer that got past pending_out, and rejected half of the rejected ones;
        # the in side decided the completed ones and the other rejected half. Cancelled ones were withdrawn early.
        out_rejected = status == "rejected" and rng.random() < 0.5
        if status in ("pending_in", "completed", "rejected"):
            row.update(out_reviewer_id=admins.get(source, (None,))[0],
                       out_reviewer_name=admins.get(source, (None, "系统"))[1], out_reviewed_at=started + timedelta(hours=2))
        if status == "completed" or (status == "rejected" and not out_rejected):
            row.update(in_reviewer_id=admins.get(target, (None,))[0],
                       in_reviewer_name=admins.get(target, (None, "系统"))[1], in_reviewed_at=started + timedelta(hours=5))
        if status == "completed":
            row["completed_at"] = row["in_reviewed_at"]
        elif status == "rejected":
            row["reject_reason"] = "本单位工作交接尚未完成" if out_rejected else "调入单位暂无编制，请与调入单位沟通后再申请"
        elif status == "cancelled":
            row.update(cancelled_by_name=initiator[1], cancelled_at=started + timedelta(hours=1))
        rows.append(row)
    ids = _insert_audited(Transfer, rows)
    db.session.commit()
    return len(ids)


_TRANSFER_REASONS = ("工作调动", "人才引进", "家庭原因，申请调往配偶所在城市", "单位合并重组", "岗位交流")


def add_audit_rows(n: int) -> int:
    """``n`` logins of the super admins of the approved units, spread over the last year, so every admin's
    审计日志 holds a history of its own and not only the CLI's. They are audit entries themselves: nothing
    further audits them."""
    from models.audit import AuditEntry

    admins = db.session.execute(
        select(AdminMembership.org_id, Organization.name, Account.id, Account.name)
        .join(Organization, Organization.id == AdminMembership.org_id)
        .join(Account, Account.id == AdminMembership.account_id)
        .where(AdminMembership.is_super.is_(True), Organization.status == "approved")
        .order_by(AdminMembership.org_id)).all()
    if n <= 0 or not admins:
        return 0
    rng = _rng("audit", AuditEntry)
    t, added = now(), 0
    while added < n:
        rows = []
        for _ in range(min(BATCH * 4, n - added)):
            org_id, org_name, account_id, name = rng.choice(admins)
            rows.append({"created_at": t - timedelta(seconds=rng.randrange(365 * 86400)),
                         "request_id": f"{rng.getrandbits(128):032x}",
                         "ip": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                         "actor_id": account_id, "actor_name": name, "actor_org_id": org_id,
                         "actor_org_name": org_name, "actor_role": "超级管理员", "entity": "account",
                         "entity_id": str(account_id), "action": "login", "changes": None, "reason": SCALE_REASON})
        db.session.execute(insert(AuditEntry.__table__), rows)
        added += len(rows)
        db.session.commit()
    return added


def add_pending_persons(n: int) -> int:
    """``n`` 专技人员 registrations awaiting their unit's review, drawn like the approved scale staff."""
    from .load import add_persons

    return add_persons(n, progress=None, status="pending")


# Per 500,000 staff, what the tester's province database held beside its 514,038 staff: 502,023 review
# records and 1.3 million audit entries (the staff's own create entries are two per person, the review
# records' one each), plus the queues and the transfers a working province has at any moment.
PROVINCE = {"persons": 500_000, "pending_persons": 5_000, "pending_units": 200, "review_records": 488_000,
            "change_requests": 5_000, "transfers": 20_000, "audit_rows": 100_000}


SCALE_LABELS = {"pending_persons": "待审核专技人员注册", "pending_units": "待审核单位注册", "review_records": "审核记录",
                "change_requests": "待审核人员信息修改申请", "transfers": "调转记录", "audit_rows": "审计日志（管理员登录）"}


def province_counts(persons: int) -> dict:
    """The PROVINCE sizes scaled to ``persons`` staff."""
    return {k: round(v * persons / PROVINCE["persons"]) for k, v in PROVINCE.items()}


def add_scale(counts: dict, progress=None) -> dict:
    """Everything of ``counts`` (keys of PROVINCE) that is not the approved staff themselves, in the order
    that lets each part reference the one before; returns what was added."""
    steps = [("pending_persons", add_pending_persons), ("pending_units", add_pending_units),
             ("review_records", add_review_records), ("change_requests", add_change_requests),
             ("transfers", add_transfers), ("audit_rows", add_audit_rows)]
    added = {}
    for key, step in steps:
        if counts.get(key):
            added[key] = step(counts[key])
            if progress:
                progress(f"已新增{SCALE_LABELS[key]} {added[key]} 条")
    return added
