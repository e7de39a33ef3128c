"""运维工作台 · 运维账号 (F32): the platform's operator accounts and their role, 客服 (service, read-only) or 运维
(ops, may fix). A 运维 sets another operator's role with a reason, audited; the command line
(``flask operator-role``) makes the first one.

Two rules keep the platform administrable: nobody changes their own role (a 运维 cannot lock themself out by a
slip), and the last 运维 is never made 客服 (there would be nobody left to fix anything, or to undo this). All
operator rows are locked before counting, so two demotions at once cannot both pass the count.
"""
from sqlalchemy import select, update

from .. import audit
from ..account import Account
from ..base import db
from ..permissions import OPERATOR_ROLES, operator_role
from .fixes import Refusal, clean_reason

SELF = "不能修改自己的角色，请由其他运维账号操作"
LAST_OPS = "这是最后一个运维账号，不能改为客服（否则将没有人可以修正数据）"
NOT_OPERATOR = "该账号不是平台运维账号"
SAME = "该账号已是{label}"
UNKNOWN_ROLE = "请选择角色：客服或运维"


def role_label(role) -> str:
    return OPERATOR_ROLES[operator_role(role)][0]


def operators() -> list[Account]:
    return db.session.scalars(select(Account).where(Account.is_operator.is_(True)).order_by(Account.id)).all()


def _lock_operators() -> list[Account]:
    """Every operator row, locked (PostgreSQL), or the database's one write lock (SQLite), read fresh."""
    query = select(Account).where(Account.is_operator.is_(True)).order_by(Account.id) \
        .execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.scalars(query.with_for_update()).all()
    table = Account.__table__
    db.session.execute(update(table).where(table.c.is_operator.is_(True)).values(id=table.c.id))
    return db.session.scalars(query).all()


def set_role(account_id, role, reason, acting_account_id=None, make_operator=False) -> Account:
    """Give the operator ``account_id`` the role ``role`` ('service' | 'ops'), audited with the reason.

    ``make_operator`` (the command line only): an account that is no operator yet becomes one."""
    if role not in OPERATOR_ROLES:
        raise Refusal(UNKNOWN_ROLE, "role")
    reason = clean_reason(reason)
    if acting_account_id is not None and account_id == acting_account_id:
        raise Refusal(SELF)
    current = {a.id: a for a in _lock_operators()}
    account = current.get(account_id) or (db.session.get(Account, account_id) if make_operator else None)
    if account is None:
        raise Refusal(NOT_OPERATOR)
    if account.is_operator and operator_role(account.operator_role) == role:
        raise Refusal(SAME.format(label=role_label(role)), "role")
    if account.is_operator and role != "ops":
        ops = [a for a in current.values() if operator_role(a.operator_role) == "ops" and not a.disabled]
        if [a.id for a in ops] == [account.id]:
            raise Refusal(LAST_OPS, "role")
    with audit.reason(reason):
        account.is_operator = True
        account.operator_role = role  # read on every request (models/access): it holds from the next click
    return account
