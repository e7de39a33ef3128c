"""Who may log in as which user type, and the message each refusal shows (SPEC F3)."""
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from .account import LOCKED_MESSAGE as LOCKED
from .account import PASSWORD_LOCKED, PASSWORD_OK, Account, Throttle, check_password_with_lock
from .admin import AdminMembership
from .base import db
from .org import Organization
from .person import Person

WRONG = "账号或密码错误，请重新录入或进行密码找回"
DISABLED = "该账号已停用，请联系客服"
PENDING_PERSON = "此账号还未被审核，请主动联系用人单位管理员催其审核"
PENDING_ORG = "此账号还未被审核，请联系上级主管部门催其审核"
ORG_DISABLED = "所在单位已停用，请联系上级主管部门或客服"
TOO_MANY_FROM_ADDRESS = "该网络地址登录失败次数过多，请15分钟后再试"
# Many accounts guessed from one address: failed logins per client address and window.
ADDRESS_FAILURES = 30
ADDRESS_WINDOW = timedelta(minutes=15)
RESUBMIT_ADVICE = "请修改后重新注册"


def rejected_message(prefix: str, reason: str | None) -> str:
    """The rejection with its reason, plus the advice to register again unless the reason already gives it."""
    reason = (reason or "未填写").strip().rstrip("。.；; ")
    text = f"{prefix}，原因：{reason}。"
    return text if reason.endswith("重新注册") else text + RESUBMIT_ADVICE


@dataclass
class LoginResult:
    account: Account | None = None
    error: str | None = None
    memberships: list = field(default_factory=list)
    person: Person | None = None
    too_many: bool = False

    @property
    def ok(self):
        return self.error is None


def check_login(user_type: str, id_number: str, password: str, address: str | None = None) -> LoginResult:
    """Verify credentials and the status of the person or unit behind them.

    Every attempt from ``address`` counts towards ADDRESS_FAILURES unless its password was right, and an
    address over the limit is refused before any password is checked. Counters and lock events are
    committed on their own (models.account); the caller commits the rest (the login time).
    """
    attempt = Throttle.claim(f"login-ip:{address}", ADDRESS_FAILURES, ADDRESS_WINDOW)
    if attempt is None:
        return LoginResult(error=TOO_MANY_FROM_ADDRESS, too_many=True)
    account = db.session.scalar(select(Account).where(Account.id_number == id_number))
    verdict = check_password_with_lock(account, password)
    if verdict == PASSWORD_LOCKED:
        return LoginResult(error=LOCKED)
    if verdict != PASSWORD_OK:
        return LoginResult(error=WRONG)
    Throttle.release(attempt)
    account.record_login()
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
            return LoginResult(error=rejected_message("您的注册信息已被驳回", person.reject_reason))
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
        return LoginResult(error=rejected_message("单位注册信息已被驳回", org.reject_reason))
    return LoginResult(error=ORG_DISABLED)
