"""Self-registration rules for units (F1) and staff (F2).

The public forms check formats; these functions check everything that needs the
database and then write through the ORM, so the audit listener records every row.
They never commit: the caller commits once, or rolls back on :class:`RegistrationError`.
"""
from sqlalchemy import func, select

from .title_series import level_refusal
from . import audit
from .account import LOCKED_MESSAGE, PASSWORD_LOCKED, PASSWORD_OK, Account, check_password_with_lock
from .admin import AdminMembership
from .base import db, is_row_id
from .org import Department, Organization
from .person import Person
from .validators import birth_date_of, gender_of

SUGGEST_LIMIT = 20
USCC_TAKEN = "该统一社会信用代码已注册"
SUPERIOR_NOT_APPROVED = "请选择已审核通过的上级部门"
EMPLOYER_NOT_APPROVED = "请选择已审核通过的工作单位"
ADMIN_ID_TAKEN = "该身份证号已注册，请使用已有账号登录，或由单位管理员添加"
PERSON_ID_TAKEN = "该身份证号已注册"
NEEDS_OWN_PASSWORD = "该身份证号已有账号，请输入该账号的密码"
NAME_NOT_ACCOUNTS = "姓名与该身份证号已有账号的姓名不一致"  # a profile attached to an existing account (批量导入 too)


class RegistrationError(Exception):
    """Refusals keyed by form field name."""

    def __init__(self, errors: dict):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


# -- lookups the public pages may use ---------------------------------------------------------------
def _valid_key(value) -> bool:
    """Ids come from public forms: anything outside the INTEGER range would be a database error, not a miss."""
    return is_row_id(value)


def approved_org(org_id) -> Organization | None:
    org = db.session.get(Organization, org_id) if _valid_key(org_id) else None
    return org if org is not None and org.status == "approved" else None


def search_approved_orgs(text: str, limit: int = SUGGEST_LIMIT) -> list[Organization]:
    """Approved orgs whose name contains ``text``; empty input finds nothing rather than everything."""
    text = (text or "").strip()[:50]
    if not text:
        return []
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return db.session.scalars(
        select(Organization).where(Organization.status == "approved",
                                   Organization.name.ilike(f"%{escaped}%", escape="\\"))
        .order_by(func.length(Organization.name), Organization.name).limit(limit)
    ).all()


def approved_departments(org_id) -> list[Department]:
    if approved_org(org_id) is None:
        return []
    return db.session.scalars(select(Department).where(Department.org_id == org_id).order_by(Department.name)).all()


def _account(id_number) -> Account | None:
    return db.session.scalar(select(Account).where(Account.id_number == id_number))


def _verify_password(account: Account, password: str, errors: dict, wrong: str = NEEDS_OWN_PASSWORD):
    """A password typed into a public form is a login attempt: it goes through the one lock-counting check,
    whose counters are committed on their own, so the caller's rollback of the refused registration keeps them."""
    verdict = check_password_with_lock(account, password, "注册时连续密码错误")
    if verdict == PASSWORD_LOCKED:
        errors["password"] = LOCKED_MESSAGE
    elif verdict != PASSWORD_OK:
        errors["password"] = wrong


def _new_account(person_data: dict, password: str) -> Account:
    account = Account(**person_data)
    account.set_password(password)
    db.session.add(account)
    db.session.flush()
    return account


# -- F1 用人单位注册 --------------------------------------------------------------------------------
def register_unit(org_data: dict, superior_id, admin_data: dict, password: str) -> Organization:
    """Create a pending unit under an approved superior, with its super admin.

    ``org_data``: name, uscc, kind, nature, industry, region, address, contact_name, contact_phone,
    contact_email. ``admin_data``: name, id_number, phone, email. A unit rejected earlier registers
    again with the same USCC: its row is updated in place and its admin must give the account's password.
    """
    errors = {}
    superior = approved_org(superior_id)
    if superior is None:
        errors["superior_id"] = SUPERIOR_NOT_APPROVED
    org = db.session.scalar(select(Organization).where(Organization.uscc == org_data["uscc"]))
    if org is not None and org.status != "rejected":
        errors["uscc"] = USCC_TAKEN
        org = None
    account = _account(admin_data["id_number"])
    membership = None
    if org is not None:
        membership = db.session.scalar(
            select(AdminMembership).where(AdminMembership.org_id == org.id, AdminMembership.is_super.is_(True)))
    if membership is not None:
        if account is None or account.id != membership.account_id:
            errors["admin_id_number"] = "该单位重新注册时，管理员须为原注册时的管理员，请填写其身份证号"
        else:
            _verify_password(account, password, errors, "密码与该管理员账号的现有密码不一致")
    elif account is not None:
        errors["admin_id_number"] = ADMIN_ID_TAKEN
    if errors:
        raise RegistrationError(errors)

    if org is None:
        with audit.reason("用人单位注册"):
            org = Organization(status="pending", parent_id=superior.id, **org_data)
            db.session.add(org)
            db.session.flush()
            org.attach_to_tree()
            account = _new_account(admin_data, password)
            db.session.add(AdminMembership(account_id=account.id, org_id=org.id, is_super=True))
            db.session.flush()
        return org

    # No autoflush: the tree move's own statements would otherwise split this update into two audit entries.
    with audit.reason("驳回后重新注册"), audit.action("register"), db.session.no_autoflush:
        if org.parent_id != superior.id:
            try:
                org.move_under(superior)
            except ValueError as e:
                raise RegistrationError({"superior_id": str(e)}) from None
        for key, value in org_data.items():
            setattr(org, key, value)
        org.status, org.reject_reason, org.reviewed_at = "pending", None, None
        if membership is None:  # a rejected unit left without any super admin gets a fresh one
            account = _new_account(admin_data, password)
            db.session.add(AdminMembership(account_id=account.id, org_id=org.id, is_super=True))
        else:
            account.name, account.phone, account.email = admin_data["name"], admin_data["phone"], admin_data["email"]
        db.session.flush()
    return org


# -- F2 专技人员注册 --------------------------------------------------------------------------------
def register_person(data: dict, employer_id, department_id, contact: dict, password: str) -> Person:
    """Create a pending Person (and its Account) at an approved employer.

    ``data``: name, id_number, education, major, title_series, title_name, title_level, title_date,
    admin_post. ``contact``: phone, email. A rejected person registers again in place with a new
    password; an account that exists only as an admin gets its Person once its password is given.
    """
    errors = {}
    employer = approved_org(employer_id)
    if employer is None:
        errors["employer_id"] = EMPLOYER_NOT_APPROVED
    department = None
    if department_id:
        department = db.session.get(Department, department_id) if _valid_key(department_id) else None
        if department is None or employer is None or department.org_id != employer.id:
            errors["department_id"] = "所选部门不属于该工作单位，请重新选择"
            department = None
    refusal = level_refusal(data.get("title_series"), data.get("title_level"))
    if refusal:
        errors["title_level"] = refusal
    account = _account(data["id_number"])
    person = None
    if account is not None:
        person = db.session.scalar(select(Person).where(Person.account_id == account.id))
        if person is not None and person.status != "rejected":
            errors["id_number"] = PERSON_ID_TAKEN
        elif person is None or _is_admin(account):
            # The account already opens something (an admin seat): only its owner may attach a profile to it.
            _verify_password(account, password, errors)
            if person is None and account.name != data["name"] and "password" not in errors:
                errors["name"] = NAME_NOT_ACCOUNTS
    if errors:
        raise RegistrationError(errors)

    id_number = data["id_number"]
    values = dict(data, org_id=employer.id, department_id=department.id if department else None,
                  gender=gender_of(id_number), birth_date=birth_date_of(id_number))
    if person is not None:
        with audit.reason("驳回后重新注册"), audit.action("register"):
            for key, value in values.items():
                setattr(person, key, value)
            person.status, person.reject_reason, person.reviewed_at = "pending", None, None
            account.name, account.phone, account.email = data["name"], contact["phone"], contact["email"]
            account.set_password(password)
            db.session.flush()
        return person

    with audit.reason("专技人员注册"):
        if account is None:
            account = _new_account(dict(contact, name=data["name"], id_number=id_number), password)
        else:
            account.phone, account.email = contact["phone"], contact["email"]
        person = Person(account_id=account.id, status="pending", **values)
        db.session.add(person)
        db.session.flush()
    return person


def _is_admin(account: Account) -> bool:
    return bool(db.session.scalar(select(func.count()).where(AdminMembership.account_id == account.id)))
