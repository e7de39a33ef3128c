"""运维工作台 · 数据修正 (F32): what the service desk changes directly, each change with a mandatory reason.

Every function takes the row's write lock first and decides on what the database holds now, writes through
the ORM (the audit entries follow the flush, in the caller's transaction, carrying the reason) and never
commits. A refusal is a :class:`Refusal` naming the form field its message belongs next to.
"""
from datetime import date

from sqlalchemy import func, select

from .. import audit
from ..account import Account
from ..base import db, lock_row, now
from ..change_requests import ACCOUNT_FIELDS, _check_person_values
from ..org import Department, Organization
from ..org_change import USCC_TAKEN, check_uscc_free, diff_basic_info, set_org_enabled
from ..person import Person
from ..transfer import _cancel_pending_changes, active_transfer
from ..transfer import Transfer

REASON_REQUIRED = "请填写原因（将记入审计日志）"
REASON_MAX = 500
NOTHING_CHANGED = "没有修改任何信息"
# What the desk may correct about a person. The ID number is the login and the key of every import: a wrong one
# means a wrong registration, not a typo to edit here.
PERSON_FIELDS = ("name", "title_series", "title_name", "title_level", "title_date", "education", "major",
                 "admin_post", "phone", "email", "department_id")
UNIT_FIELDS = ("no_uscc",)  # beside the basic info (org_change.BASIC_FIELDS)
OPERATOR_VIA = "operator"  # Transfer.initiated_via of a move made by the desk


class Refusal(ValueError):
    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def clean_reason(text) -> str:
    text = (text or "").strip()
    if not text:
        raise Refusal(REASON_REQUIRED, "reason")
    if len(text) > REASON_MAX:
        raise Refusal(f"原因最长{REASON_MAX}个字", "reason")
    return text


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def _person(person_id) -> Person:
    person = lock_row(Person, person_id)
    if person is None:
        raise Refusal("该人员已不存在")
    return person


def _account(account_id) -> Account:
    account = lock_row(Account, account_id)
    if account is None:
        raise Refusal("该账号已不存在")
    return account


# -- a person's data -----------------------------------------------------------------------------------
def person_values(person: Person) -> dict:
    return {f: _plain(getattr(person.account if f in ACCOUNT_FIELDS else person, f)) for f in PERSON_FIELDS}


def edit_person(person_id, values: dict, reason) -> dict:
    """Correct a person's data at once (the same value checks as a change request); returns the changes.

    The name lives on both the person and the login account: both change. A change request still pending
    against the old values is then stale and its approval is refused (change_requests.apply_person_change).
    """
    reason = clean_reason(reason)
    person = _person(person_id)
    current = person_values(person)
    changes = {f: {"before": current[f], "after": _plain(values[f])}
               for f in PERSON_FIELDS if f in values and _plain(values[f]) != current[f]}
    if not changes:
        raise Refusal(NOTHING_CHANGED)
    if "name" in changes and not changes["name"]["after"]:
        raise Refusal("请输入姓名", "name")
    try:
        _check_person_values(person, {f: c["after"] for f, c in changes.items() if f != "name"})
    except ValueError as e:
        field = "department_id" if "部门" in str(e) else "title_level"
        raise Refusal(str(e), field) from None
    account = _account(person.account_id)
    with audit.reason(reason):
        for field, change in changes.items():
            value = change["after"]
            if field == "title_date" and value:
                value = date.fromisoformat(value)
            setattr(account if field in ACCOUNT_FIELDS else person, field, value)
            if field == "name":
                account.name = value
    return changes


# -- the login account -----------------------------------------------------------------------------------
def unlock_account(account_id, reason) -> Account:
    reason = clean_reason(reason)
    account = _account(account_id)
    if not account.is_locked:
        raise Refusal("该账号当前未被锁定")
    with audit.action("unlock"), audit.reason(reason):
        account.unlock()
    return account


def reset_password(person_id, reason) -> str:
    """重置密码 through the one path of 专技人员信息查询 (Person.reset_password); the audit entry carries the reason.
    Nothing is mailed: the temporary password is shown once, to be told to the caller."""
    reason = clean_reason(reason)
    person = _person(person_id)
    with audit.reason(reason):
        try:
            return person.reset_password()
        except ValueError as e:
            raise Refusal(str(e)) from None


def set_account_enabled(account_id, enabled: bool, reason) -> Account:
    """停用 / 启用 a login account. Disabling ends every open session (the session version moves on)."""
    reason = clean_reason(reason)
    account = _account(account_id)
    if account.is_operator:
        raise Refusal("平台运维账号不能在此停用或启用")
    if account.disabled != enabled:
        raise Refusal("该账号已启用" if enabled else "该账号已停用")
    with audit.action("enable" if enabled else "disable"), audit.reason(reason):
        account.disabled = not enabled
        if not enabled:
            account.session_version = (account.session_version or 0) + 1
    return account


# -- moving a person ------------------------------------------------------------------------------------
def move_refusal(person: Person, to_org: Organization | None, department_id=None):
    """(message, field) of why the desk may not move ``person`` to ``to_org``, or None."""
    if person.status != "approved":
        return "只能调整已审核通过的人员", None
    if to_org is None:
        return "请填写调入单位（单位名称或统一社会信用代码须准确）", "to_org"
    if to_org.id == person.org_id:
        return "调入单位不能是该人员当前所在单位", "to_org"
    if to_org.kind != "employer" or to_org.status != "approved":
        return "调入单位必须是已审核通过的用人单位", "to_org"
    if department_id is not None and not db.session.scalar(select(func.count()).select_from(Department).where(
            Department.id == department_id, Department.org_id == to_org.id)):
        return "所选部门不属于调入单位，请重新选择", "department_id"
    if active_transfer(person.id) is not None:
        return "该人员有进行中的调转，请先在调转记录中撤销或由双方单位审核", None
    return None


def move_person(person_id, to_org_id, department_id, reason, actor) -> Transfer:
    """Move a person to another unit when the two-sided transfer cannot be used (the old unit is disabled,
    has no admin, or was the wrong unit from the start): a completed 调转 made by the operator, followed by
    everything a confirmed transfer brings along (transfer.confirm_in): pending change requests of the old
    unit end, the hour records and the 学时汇总 rows follow the person."""
    reason = clean_reason(reason)
    person = _person(person_id)
    to_org = db.session.get(Organization, to_org_id) if to_org_id else None
    refusal = move_refusal(person, to_org, department_id)
    if refusal:
        raise Refusal(*refusal)
    t = now()
    from_org = person.org
    transfer = Transfer(person_id=person.id, from_org_id=from_org.id, to_org_id=to_org.id,
                        from_department_id=person.department_id, to_department_id=department_id, reason=reason,
                        transfer_date=t.date(), status="completed", initiated_by_id=actor.account_id,
                        initiated_by_name=actor.name, initiated_via=OPERATOR_VIA, completed_at=t,
                        in_reviewer_id=actor.account_id, in_reviewer_name=actor.name, in_reviewed_at=t,
                        in_note="平台运维直接调整")
    note = f"人员已由平台运维调整至{to_org.name}，原单位的待审核修改申请自动撤销"
    with audit.reason(reason):
        db.session.add(transfer)
        db.session.flush()
        _cancel_pending_changes(person.id, note, t)
    with audit.action("transfer"), audit.reason(f"平台运维调整单位：{from_org.name} → {to_org.name}；{reason}"):
        person.org_id = to_org.id
        person.department_id = department_id
        from ..hours.records import follow_transfer

        follow_transfer(person.id, to_org.id)  # the hours and 学时汇总 go with the person (F19)
    return transfer


def find_unit(text) -> Organization | None:
    """The unit typed into 调入单位: an exact USCC or an exact name (the 360 page and search give both)."""
    text = (text or "").strip()
    if not text:
        return None
    by_code = db.session.scalar(select(Organization).where(Organization.uscc == text.upper()))
    if by_code is not None:
        return by_code
    rows = db.session.scalars(select(Organization).where(Organization.name == text).limit(2)).all()
    return rows[0] if len(rows) == 1 else None


# -- units ----------------------------------------------------------------------------------------------
def _uscc_rule(no_uscc, uscc):
    if no_uscc and uscc:
        raise Refusal("已勾选“无统一社会信用代码”，请清空统一社会信用代码", "uscc")
    if not no_uscc and not uscc:
        raise Refusal("请输入统一社会信用代码，或勾选“无统一社会信用代码”", "uscc")


def edit_unit(org_id, values: dict, reason) -> dict:
    """Correct a unit's basic info (and its 无统一社会信用代码 mark) at once."""
    reason = clean_reason(reason)
    org = lock_row(Organization, org_id)
    if org is None:
        raise Refusal("该单位已不存在")
    no_uscc = bool(values.get("no_uscc"))
    _uscc_rule(no_uscc, values.get("uscc"))
    changes = diff_basic_info(org, values)
    if no_uscc != org.no_uscc:
        changes["no_uscc"] = {"before": org.no_uscc, "after": no_uscc}
    if not changes:
        raise Refusal(NOTHING_CHANGED)
    if "uscc" in changes:
        try:
            check_uscc_free(changes["uscc"]["after"], org.id)
        except ValueError:
            raise Refusal(USCC_TAKEN, "uscc") from None
    with audit.reason(reason):
        for field, change in changes.items():
            setattr(org, field, change["after"])
    return changes


def set_unit_enabled(org_id, enabled: bool, reason) -> Organization:
    reason = clean_reason(reason)
    org = db.session.get(Organization, org_id)
    if org is None:
        raise Refusal("该单位已不存在")
    try:
        set_org_enabled(org, enabled, None, reason)
    except ValueError as e:
        raise Refusal(str(e)) from None
    return org


def create_unit(values: dict, parent: Organization | None, kind: str, reason) -> Organization:
    """A unit the desk registers itself, approved at once: the way in for a unit that has no 统一社会信用代码
    (no_uscc) and so cannot register (registration requires one)."""
    reason = clean_reason(reason)
    no_uscc = bool(values.get("no_uscc"))
    uscc = values.get("uscc") or None
    _uscc_rule(no_uscc, uscc)
    if uscc:
        try:
            check_uscc_free(uscc, None)
        except ValueError:
            raise Refusal(USCC_TAKEN, "uscc") from None
    if parent is not None and parent.status != "approved":
        raise Refusal("上级单位未通过审核或已停用，不能在其下新建单位", "parent")
    org = Organization(kind=kind, parent_id=parent.id if parent else None, status="approved", no_uscc=no_uscc,
                       **{f: values.get(f) or None for f in values if f not in ("no_uscc",)})
    org.uscc = uscc
    with audit.reason(reason):
        db.session.add(org)
        org.attach_to_tree()
    return org
