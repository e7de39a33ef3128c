"""单位管理员 and 角色 rules (F10–F12): who becomes, stays or stops being an admin of a unit, with which role.

Refusals raise ValueError (a rule) or PermissionError (the actor may not do this) with the Chinese
message to show. Nothing here commits: the caller commits once.
"""
from sqlalchemy import func, select

from . import permissions
from .account import LOCKED_MESSAGE as LOCKED
from .account import PASSWORD_LOCKED, PASSWORD_OK, Account, check_password_with_lock
from .admin import AdminMembership, Role
from .base import db, is_row_id, lock_row
from .org import Organization
from .person import Person

WRONG_CREDENTIALS = "身份证号、姓名或密码不正确"
ID_TAKEN = "该身份证号已在系统中注册，请使用“添加成为管理员”"
ALREADY_ADMIN = "该账号已是本单位管理员"
ALREADY_SUPER = "该管理员已是超级管理员"
ADMIN_GONE = "该管理员已被删除"
ROLE_GONE = "所选角色已被删除，请重新选择"


class FieldError(ValueError):
    """A refusal that belongs next to one form field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _labels(codes) -> str:
    return "、".join(permissions.LABELS[c] for c in permissions.clean_codes(codes))


def admin_count(org_id) -> int:
    return db.session.scalar(select(func.count()).where(AdminMembership.org_id == org_id))


def _end_rights_if_none_left(account):
    """An account left with no admin membership, staff profile or operator flag has nothing to do
    here: end its sessions everywhere. One that still has rights keeps its session; the removed
    membership itself is re-read on every request (models.access), so that org is closed at once."""
    if account.is_operator:
        return
    others = db.session.scalar(select(func.count()).where(AdminMembership.account_id == account.id))
    person = db.session.scalar(select(func.count()).where(Person.account_id == account.id,
                                                          Person.status == "approved"))
    if not others and not person:
        account.session_version = (account.session_version or 0) + 1


def _lock_admins_of(membership: AdminMembership) -> AdminMembership:
    """Every change of a unit's admins first locks the unit's row, so two of them never interleave;
    the membership is then re-read as the previous change left it."""
    lock_row(Organization, membership.org_id)
    fresh = lock_row(AdminMembership, membership.id)
    if fresh is None:
        raise ValueError(ADMIN_GONE)
    return fresh


def transfer_super_admin(target: AdminMembership, actor_account_id, operator=False) -> AdminMembership | None:
    """设为超级管理员: ``target`` becomes the unit's super admin and the former one is removed (seed §5.1.1.3:
    "变更后原超级管理员会被系统自动删除掉功能"). Only the current super admin (or the platform operator) may do it.
    Returns the removed membership."""
    target = _lock_admins_of(target)
    if target.is_super:
        raise ValueError(ALREADY_SUPER)
    current = db.session.scalar(select(AdminMembership).where(
        AdminMembership.org_id == target.org_id, AdminMembership.is_super.is_(True))
        .execution_options(populate_existing=True))
    if not operator and (current is None or current.account_id != actor_account_id):
        raise PermissionError("只有本单位的超级管理员可以设置超级管理员")
    if current is not None:
        db.session.delete(current)
        db.session.flush()  # one super admin per org is a unique index: the old row goes first
        _end_rights_if_none_left(current.account)
    target.is_super = True
    target.role_id = None  # a super admin holds every permission; a stale role would only mislead
    db.session.flush()
    return current


def remove_admin(target: AdminMembership, actor_account_id, confirm_self=False):
    """删除: take an admin's rights in this unit — never the super admin, never the last admin,
    and never oneself without an explicit confirmation."""
    target = _lock_admins_of(target)
    if target.is_super:
        raise ValueError("不能删除超级管理员；如需更换，请先将其他管理员设为超级管理员")
    if admin_count(target.org_id) <= 1:
        raise ValueError("不能删除本单位唯一的管理员")
    if target.account_id == actor_account_id and not confirm_self:
        raise ValueError("您正在删除自己的管理员权限，请勾选确认后再提交")
    account = target.account
    db.session.delete(target)
    db.session.flush()
    _end_rights_if_none_left(account)


def check_role_grantable(role: Role | None, org_id, granter_codes):
    if role is None:
        return
    if role.org_id != org_id:
        raise ValueError("只能分配本单位的角色")
    beyond = set(role.permissions or ()) - set(granter_codes)
    if beyond:
        raise PermissionError("不能分配含有您自己没有的权限的角色：" + _labels(beyond))


def assign_role(target: AdminMembership, role: Role | None, granter_codes):
    """Give an admin a role of the same unit; nobody hands out rights it does not hold itself."""
    target = _lock_admins_of(target)
    if target.is_super:
        raise ValueError("超级管理员拥有全部权限，无需分配角色")
    if role is not None:
        # Locked like a delete locks it: a role deleted meanwhile is refused here, not by a foreign key.
        role = lock_row(Role, role.id)
        if role is None:
            raise ValueError(ROLE_GONE)
    check_role_grantable(role, target.org_id, granter_codes)
    target.role_id = role.id if role else None
    target.role = role


def add_admin(org, account: Account, role: Role | None, granter_codes) -> AdminMembership:
    """Make an account an (ordinary) admin of ``org``."""
    if account.disabled:
        raise ValueError("该账号已停用，不能设为管理员")
    if db.session.scalar(select(func.count()).where(AdminMembership.account_id == account.id,
                                                    AdminMembership.org_id == org.id)):
        raise ValueError(ALREADY_ADMIN)
    check_role_grantable(role, org.id, granter_codes)
    membership = AdminMembership(account_id=account.id, org_id=org.id, is_super=False,
                                 role_id=role.id if role else None)
    db.session.add(membership)
    db.session.flush()
    return membership


def approved_person_of(org, person_id) -> Person | None:
    """(a) 选择成为管理员: only an approved person of this very unit qualifies."""
    if not is_row_id(person_id):
        return None
    return db.session.scalar(select(Person).where(Person.id == person_id, Person.org_id == org.id,
                                                  Person.status == "approved"))


def register_admin_account(org, *, id_number, name, password, phone, email, role, granter_codes):
    """(b) 注册成为管理员: a new account for an ID the platform has never seen. The unit admin picked the
    password, so it is temporary: the new admin sets its own at first login."""
    if db.session.scalar(select(func.count()).where(Account.id_number == id_number)):
        raise FieldError("id_number", ID_TAKEN)
    check_role_grantable(role, org.id, granter_codes)
    account = Account(id_number=id_number, name=name, phone=phone, email=email)
    account.set_password(password, temporary=True)
    db.session.add(account)
    db.session.flush()
    return add_admin(org, account, role, granter_codes)


def verify_existing_account(id_number, name, password) -> Account:
    """(c) 添加成为管理员: ID + name + that account's own password must all match.

    The refusal never says which part was wrong, and an unknown ID costs the same hash work, so it tells
    nothing about whether the ID exists. The password goes through the one lock-counting check of
    models.account, exactly like a failed login; its counters are kept whatever the caller does next.
    """
    account = db.session.scalar(select(Account).where(Account.id_number == id_number))
    verdict = check_password_with_lock(account, password, "添加管理员时连续密码错误")
    if verdict == PASSWORD_LOCKED:
        raise FieldError("password", LOCKED)
    if verdict != PASSWORD_OK or account.name != (name or "").strip():
        raise FieldError("password", WRONG_CREDENTIALS)
    return account


# -- roles (F11) -------------------------------------------------------------------------------------
def save_role_codes(role: Role, submitted, editor_codes):
    """Set a role's permissions through Role.grant, which refuses anything the editor does not hold.

    Codes the role already has beyond the editor's reach are kept: an editor can neither grant
    nor silently revoke what it cannot see as its own.
    """
    kept = set(role.permissions or ()) - set(editor_codes)
    role.grant(submitted, editor_codes)
    if kept:
        role.permissions = permissions.clean_codes(set(role.permissions) | kept)


def role_delete_refusal(role: Role) -> str | None:
    n = role.in_use()
    return f"该角色正由 {n} 名管理员使用，请先为他们更换角色后再删除" if n else None
