"""专技人员信息 批量导入 (F29): the staff kind of the import engine (models/spreadsheet/imports.py).

The importing unit is the admin's current org. For each row's ID number:
- no account yet → a new account and an approved person of this unit (the unit vouches for them); every new account
  of the batch gets the one initial password the admin typed, hashed once, and must change it at first login;
- an account without a person (an admin, say) → an approved person on that account, if the name matches;
- a person of this unit → its profile is updated (cells left empty keep the stored value);
- a person of any other unit → refused: moving staff between units is 人员调转.
Names and ID numbers are identity: an import never changes them.
"""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, exists, insert, select, update

from . import audit
from .account import Account
from .admin import AdminMembership
from .base import db, now
from .bulk import in_ids, in_values
from .choices import EDUCATIONS, GENDERS, TITLE_LEVELS
from .title_series import TitleSeries, level_refusal, series_names
from .org import Department
from .person import Person
from .registration import NAME_NOT_ACCOUNTS
from .spreadsheet import cells
from .spreadsheet.imports import Column, ImportKind, ImportRefused, Written, register
from .validators import birth_date_of, gender_of, id_check_digit

CHUNK = 5000  # ID numbers per lookup: one query per chunk, whatever the file's size

NAME_NOT_PERSONS = "姓名与本单位该人员的姓名（{name}）不一致；姓名不能通过导入修改"
OTHER_UNIT = "该身份证号已是其他单位的人员，不能导入；请通过“人员调转”调入本单位"
ACCOUNT_DISABLED = "该身份证号的账号已停用，不能导入，请联系平台客服"
GENDER_MISMATCH = "与身份证号不一致（身份证号对应：{expected}）"
BIRTH_MISMATCH = "与身份证号不一致（身份证号对应：{expected}）"
PASSWORD_NEEDED = "本次导入将新建账号，请设置初始密码"

# Fields of a person an import writes (besides identity); department_id comes from 所在部门.
PROFILE = ("department_id", "education", "major", "title_series", "title_name", "title_level", "title_date",
           "admin_post")
CONTACT = ("phone", "email")  # kept on the account


def title_day(value):
    """取得时间 of a 职称: a date, not in the future, not before 1950 (also 批量修正's rule)."""
    day = cells.day(value)
    if day is not None and day > date.today():
        raise ValueError("取得时间不能晚于今天")
    if day is not None and day.year < 1950:
        raise ValueError("请填写正确的取得时间")
    return day


def _example_department(ctx):
    return next(iter(ctx.departments), None)


_EXAMPLE_ID = "11010519900307" + "123"
EXAMPLE_ID = _EXAMPLE_ID + id_check_digit(_EXAMPLE_ID)


@dataclass
class StaffContext:
    org_id: int
    departments: dict  # name -> id, this unit's own departments
    password_hash: str | None = None
    reason: str | None = None
    found: dict = field(default_factory=dict)
    series: list = field(default_factory=list)  # 职称系列 names offered now (rows, read per import)

    def department_names(self):
        return list(self.departments)

    def series_names(self):
        return self.series


class StaffImport(ImportKind):
    name = "staff"
    title = "专技人员信息"
    columns = (
        Column("name", "姓名", required=True, max_len=50, example="张三"),
        Column("id_number", "身份证号", required=True, normalise=cells.id_number, unique=True, number_format="@",
               width=22, example=EXAMPLE_ID, note="18位，最后一位可以是X；本列为文本格式，请勿改为数字"),
        Column("gender", "性别", choices=GENDERS, example="男", note="可留空；填写时须与身份证号一致"),
        Column("birth_date", "出生日期", normalise=cells.day, number_format="yyyy-mm-dd", width=12,
               example=date(1990, 3, 7), note="可留空；填写时须与身份证号一致；如 1990-03-07"),
        Column("department", "所在部门", choices=StaffContext.department_names, max_len=50, width=18,
               example=_example_department, note="本单位的内设部门（在“管理内设部门”中维护）",
               choice_message="本单位没有名为“{value}”的部门，请从下拉列表中选择，或先在“管理内设部门”中添加"),
        Column("education", "学历", choices=EDUCATIONS, example="大学本科"),
        Column("major", "所学专业", max_len=50, example="计算机科学与技术", width=18),
        Column("title_series", "职称系列", choices=StaffContext.series_names, example="工程技术"),
        Column("title_name", "职称名称", max_len=50, example="工程师"),
        Column("title_level", "职称级别", choices=TITLE_LEVELS, example="中级"),
        Column("title_date", "取得时间", normalise=title_day, number_format="yyyy-mm-dd", width=12,
               example=date(2018, 6, 30), note="职称取得时间，如 2018-06-30"),
        Column("admin_post", "行政职务", max_len=50, example="科长"),
        Column("phone", "手机号", required=True, normalise=cells.phone, max_len=20, number_format="@", width=14,
               example="13800138000", note="手机号或固定电话；本列为文本格式"),
        Column("email", "电子邮箱", normalise=cells.email, max_len=120, width=24, example="zhangsan@example.cn",
               note="找回密码的验证码将发送到此邮箱"),
    )
    notes = (
        "身份证号已是本单位人员的，导入时更新其信息（留空的列保持原值不变）；姓名和身份证号不能通过导入修改。",
        "身份证号已是其他单位人员的，不能导入，请通过“人员调转”办理。",
        "新建的账号使用导入时设置的初始密码，本人首次登录后须修改密码。",
    )

    def context(self, org, password_hash=None, reason=None):
        names = db.session.execute(select(Department.name, Department.id).where(Department.org_id == org.id)
                                   .order_by(Department.name)).all()
        return StaffContext(org.id, dict(names), password_hash, reason, series=series_names())

    # -- checks ------------------------------------------------------------------------------------------
    def check(self, rows, ctx):
        at = {c.key: i for i, c in enumerate(self.columns)}
        found = _existing([r.values["id_number"] for r in rows if "id_number" in r.values])
        for row in rows:
            values = row.values
            id_number = values.get("id_number")
            if id_number is None:
                continue
            gender, born = values.get("gender"), values.get("birth_date")
            if gender is not None and gender != gender_of(id_number):
                row.fail(at["gender"], GENDER_MISMATCH.format(expected=gender_of(id_number)))
            if born is not None and born != birth_date_of(id_number):
                row.fail(at["birth_date"], BIRTH_MISMATCH.format(expected=birth_date_of(id_number).isoformat()))
            refusal = level_refusal(values.get("title_series"), values.get("title_level"))
            if refusal and "title_level" in at:
                row.fail(at["title_level"], refusal)
            if "department" in values:
                values["department_id"] = ctx.departments.get(values["department"])
            known = found.get(id_number)
            if known is None:
                continue
            row.extra["account"] = known
            name = values.get("name")
            if known["person_id"] is None:
                if known["disabled"]:
                    row.fail(at["id_number"], ACCOUNT_DISABLED)
                elif name is not None and name != known["account_name"]:
                    row.fail(at["name"], NAME_NOT_ACCOUNTS)
            elif known["org_id"] != ctx.org_id:
                row.fail(at["id_number"], OTHER_UNIT)
            elif name is not None and name != known["person_name"]:
                row.fail(at["name"], NAME_NOT_PERSONS.format(name=known["person_name"]))
            else:
                row.update_of = known["person_id"]
                self._check_against_stored(row, at, known, refused=bool(refusal))

    @staticmethod
    def _check_against_stored(row, at, known, refused):
        """An update row giving only the series or only the level (an empty cell keeps the stored value) must
        still make a pair that fits: 中级 kept beside a new series that has no 中级 would be stored otherwise."""
        values = row.values
        given_series, given_level = values.get("title_series") is not None, values.get("title_level") is not None
        if refused or given_series == given_level:
            return
        series = values["title_series"] if given_series else known["title_series"]
        level = values["title_level"] if given_level else known["title_level"]
        refusal = level_refusal(series, level)
        if refusal:
            stored = f"（该人员现有{'职称级别为' + level if given_series else '职称系列为' + series}）"
            row.fail(at["title_series" if given_series else "title_level"], refusal + stored)

    def summary(self, preview):
        return {"new_accounts": sum(1 for r in preview.rows if r.ok and "account" not in r.extra)}

    def needs_password(self, summary):
        return summary.get("new_accounts", 0) > 0

    # -- write -------------------------------------------------------------------------------------------
    def write(self, rows, ctx) -> Written:
        t = now()
        fresh = [r for r in rows if "account" not in r.extra]
        attach = [r for r in rows if "account" in r.extra and r.update_of is None]
        updates = [r for r in rows if r.update_of is not None]
        if fresh and not ctx.password_hash:
            raise ImportRefused(PASSWORD_NEEDED)
        account_ids = _insert_accounts(fresh, ctx, t)
        for row, account_id in zip(fresh, account_ids):
            row.extra["account_id"] = account_id
        for row in attach:
            row.extra["account_id"] = row.extra["account"]["account_id"]
        created = fresh + attach
        _insert_persons(created, ctx, t)
        updated = _update_persons(updates, ctx)
        return Written(created=len(created), updated=updated, unchanged=len(updates) - updated)


register(StaffImport())


def _existing(id_numbers) -> dict:
    """What the platform holds for these ID numbers: account, person (if any), whether it is an admin."""
    a, p = Account.__table__.c, Person.__table__.c
    is_admin = exists().where(AdminMembership.account_id == a.id)
    found = {}
    for start in range(0, len(id_numbers), CHUNK):
        stmt = (select(a.id, a.id_number, a.name, a.phone, a.email, a.disabled, a.is_operator, is_admin,
                       p.id, p.org_id, p.name, *[p[f] for f in PROFILE])
                .select_from(Account.__table__.outerjoin(Person.__table__, p.account_id == a.id))
                .where(in_values(a.id_number, id_numbers[start:start + CHUNK])))
        for r in db.session.execute(stmt):
            found[r[1]] = {"account_id": r[0], "account_name": r[2], "phone": r[3], "email": r[4], "disabled": r[5],
                           "guarded": bool(r[6] or r[7]), "person_id": r[8], "org_id": r[9], "person_name": r[10],
                           **dict(zip(PROFILE, r[11:]))}
    return found


def _plain(value):
    return audit._plain(value)


def _insert_accounts(rows, ctx, t) -> list[int]:
    if not rows:
        return []
    table = Account.__table__
    params = [{"id_number": r.values["id_number"], "name": r.values["name"], "phone": r.values.get("phone"),
               "email": r.values.get("email"), "password_hash": ctx.password_hash, "is_operator": False,
               "disabled": False, "must_change_password": True, "session_version": 1, "failed_logins": 0,
               "created_at": t} for r in rows]
    numbers = [p["id_number"] for p in params]
    _insert_many(table, params)
    by_number = dict(db.session.execute(select(table.c.id_number, table.c.id)
                                        .where(in_values(table.c.id_number, numbers))).all())
    audit.record_bulk_rows("account", "create", table, in_values(table.c.id_number, numbers),
                           ("id_number", "name", "phone", "email"),
                           {"password_hash": "***", "is_operator": False, "disabled": False, "must_change_password": True,
                            "created_at": t}, ctx.reason)
    return [by_number[n] for n in numbers]


def _insert_many(table, params):
    """The DBAPI's executemany, then the keys read back by ID number: measured at 10,000 accounts, psycopg's
    pipelined executemany takes a quarter of the time of multi-row INSERT ... RETURNING, and SQLite can only
    return ordered keys row by row."""
    db.session.execute(insert(table), params)


PERSON_CREATED = ("account_id", "org_id", "name", "id_number", "gender", "birth_date", *PROFILE)


def _insert_persons(rows, ctx, t):
    if not rows:
        return
    table = Person.__table__
    params = []
    for r in rows:
        v, id_number = r.values, r.values["id_number"]
        params.append({"account_id": r.extra["account_id"], "org_id": ctx.org_id, "name": v["name"],
                       "id_number": id_number, "gender": gender_of(id_number), "birth_date": birth_date_of(id_number),
                       **{f: v.get(f) for f in PROFILE}, "status": "approved", "created_at": t, "reviewed_at": t})
    _insert_many(table, params)
    audit.record_bulk_rows("person", "create", table, in_values(table.c.id_number, [p["id_number"] for p in params]),
                           PERSON_CREATED,
                           {"status": "approved", "created_at": t, "reviewed_at": t}, ctx.reason)


def _update_persons(rows, ctx) -> int:
    """Profile fields (and the contact of accounts that open nothing but this profile) of persons of this unit.

    The rows are locked and read again first: the before values audited are the ones overwritten. An admin's
    contact is never changed by an import: its e-mail is how that admin recovers its password."""
    if not rows:
        return 0
    p, a = Person.__table__.c, Account.__table__.c
    locked = select(p.id, p.org_id, *[p[f] for f in PROFILE], a.id, a.phone, a.email, a.is_operator,
                    exists().where(AdminMembership.account_id == a.id)).join_from(
        Person.__table__, Account.__table__, a.id == p.account_id).where(in_ids(p.id, [r.update_of for r in rows]))
    if db.session.get_bind().dialect.name == "postgresql":
        locked = locked.with_for_update(of=Person.__table__)
    current = {r[0]: r for r in db.session.execute(locked)}
    person_params, person_audit, account_params, account_audit = [], [], [], []
    changed = 0
    for row in rows:
        now_row = current.get(row.update_of)
        if now_row is None or now_row[1] != ctx.org_id:
            continue  # moved away between the check and this lock: left alone, counted unchanged
        before = dict(zip(PROFILE, now_row[2:2 + len(PROFILE)]))
        after = {f: (row.values[f] if row.values.get(f) is not None else before[f]) for f in PROFILE}
        changes = {f: {"before": _plain(before[f]), "after": _plain(after[f])} for f in PROFILE
                   if after[f] != before[f]}
        if changes:
            person_params.append({"_id": row.update_of, **after})
            person_audit.append((row.update_of, changes))
        account_id, phone, email, operator, admin = now_row[2 + len(PROFILE):]
        if not (operator or admin):
            contact = {"phone": row.values.get("phone") or phone, "email": row.values.get("email") or email}
            diff = {k: {"before": v0, "after": contact[k]} for k, v0 in (("phone", phone), ("email", email))
                    if contact[k] != v0}
            if diff:
                account_params.append({"_id": account_id, **contact})
                account_audit.append((account_id, diff))
                changes = changes or diff
        changed += bool(changes)
    if person_params:
        db.session.execute(update(Person.__table__).where(p.id == bindparam("_id"))
                           .values({f: bindparam(f) for f in PROFILE}), person_params)
        audit.record_bulk("person", "update", person_audit, ctx.reason)
    if account_params:
        db.session.execute(update(Account.__table__).where(a.id == bindparam("_id"))
                           .values({f: bindparam(f) for f in CONTACT}), account_params)
        audit.record_bulk("account", "update", account_audit, ctx.reason)
    return changed
