"""Who may log in as which user type, and the message each refusal shows (SPEC F3)."""
from dataclasses import dataclass, field

from sqlalchemy import select

from . import audit
from .account import Account
from .admin import AdminMembership
from .base import db
from .org import Organization
from .person import Person

WRONG = "账号或密码错误，请重新录入或进行密码找回"
LOCKED = "该账号因多次密码错误已被锁定，请15分钟后再试，或联系客服解锁"
DISABLED = "该账号已停用，请联系客服"
PENDING_PERSON = "此账号还未被审核，请主动联系用人单位管理员催其审核"
PENDING_ORG = "此账号还未被审核，请联系上级主管部门催其审核"
ORG_DISABLED = "所在单位已停用，请联系上级主管部门或客服"


@dataclass
class LoginResult:
    account: Account | None = None
    error: str | None = None
    memberships: list = field(default_factory=list)
    person: Person | None = None

    @property
    def ok(self):
        return self.error is None


def check_login(user_type: str, id_number: str, password: str) -> LoginResult:
    """Verify credentials and the status of the person or unit behind them.

    The caller commits: failure counters and lock events are written either way.
    """
    account = db.session.scalar(select(Account).where(Account.id_number == id_number))
    if account is None:
        return LoginResult(error=WRONG)
    if account.is_locked:
        return LoginResult(error=LOCKED)
    if not account.authenticate(password):
        if account.is_locked:
            audit.record("account", account.id, "lock", reason_text="连续密码错误")
            return LoginResult(error=LOCKED)
        return LoginResult(error=WRONG)
    if account.disabled:
        return LoginResult(error=DISABLED)

    if user_type == "operator":
        return LoginResult(account) if account.is_operator else LoginResult(error="该账号不是平台运维账号，请选择正确的用户类型")

    if user_type == "person":
        person = db.session.scalar(select(Person).where(Person.account_id == account.id))
        if person is None:
            return LoginResult(error="该账号不是专业技术人员账号，请选择正确的用户类型")
        if person.status == "pending":
            return LoginResult(error=PENDING_PERSON)
        if person.status == "rejected":
            return LoginResult(error=f"您的注册信息已被驳回，原因：{person.reject_reason or '未填写'}。请修改后重新注册")
        if person.status == "disabled":
            return LoginResult(error=DISABLED)
        if person.org.status == "disabled":
            return LoginResult(error=ORG_DISABLED)
        return LoginResult(account, person=person)

    memberships = db.session.scalars(
        select(AdminMembership).join(Organization, AdminMembership.org_id == Organization.id)
        .where(AdminMembership.account_id == account.id, Organization.kind == user_type)
        .order_by(Organization.name)
    ).all()
    label = {"employer": "用人单位", "supervisor": "主管部门", "base": "继续教育基地"}.get(user_type)
    if label is None:
        return LoginResult(error="请选择用户类型")
    if not memberships:
        return LoginResult(error=f"该账号不是{label}管理员，请选择正确的用户类型")
    usable = [m for m in memberships if m.org.status == "approved"]
    if usable:
        return LoginResult(account, memberships=usable)
    org = memberships[0].org
    if org.status == "pending":
        return LoginResult(error=PENDING_ORG)
    if org.status == "rejected":
        return LoginResult(error=f"单位注册信息已被驳回，原因：{org.reject_reason or '未填写'}。请修改后重新注册")
    return LoginResult(error=ORG_DISABLED)
