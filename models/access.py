"""Who is acting, for which organization, with which permissions — resolved once per request.

Shared by both faces of the app: the admin back office and the portal (login, staff self-service).

The org an admin acts for lives in the session; the membership is re-read from the
database on every request, so rights taken away end at the next click.
"""
import uuid

from flask import g, session
from flask_login import current_user
from sqlalchemy import false, select

from . import permissions
from .actor import Actor
from .admin import AdminMembership
from .choices import USER_TYPES
from .org import Organization, subtree_ids
from .person import Person


def load_request_context():
    """before_request hook: request id, membership and the frozen actor for audit entries."""
    g.request_id = uuid.uuid4().hex
    g.membership = None
    g.person = None
    g.is_operator = False
    g.actor = None
    if not current_user.is_authenticated:
        return
    user_type = session.get("user_type")
    org_id = session.get("org_id")
    role = USER_TYPES.get(user_type)
    org = None
    if user_type == "operator" and current_user.is_operator:
        g.is_operator = True
        role = "平台" + permissions.OPERATOR_ROLES[permissions.operator_role(current_user.operator_role)][0]
    elif user_type == "person":
        # A staff member's portal closes at the next click once the person or the unit is disabled.
        g.person = Person.query.join(Organization, Person.org_id == Organization.id).filter(
            Person.account_id == current_user.id, Person.status == "approved", Organization.status == "approved",
        ).one_or_none()
        org = g.person.org if g.person else None
    elif org_id:
        g.membership = AdminMembership.query.join(Organization, AdminMembership.org_id == Organization.id).filter(
            AdminMembership.account_id == current_user.id,
            AdminMembership.org_id == org_id,
            Organization.status == "approved",
        ).one_or_none()
        if g.membership:
            org = g.membership.org
            role = g.membership.role_label
    g.actor = {"id": current_user.id, "name": current_user.name, "org_id": org.id if org else None,
               "org_name": org.name if org else None, "role": role}


def current_actor() -> Actor:
    """The actor workflow steps record: an admin acting for its org, or a staff member acting for themself."""
    if g.get("person") is not None:
        return Actor(current_user.id, g.person.name, person_id=g.person.id)
    org = current_org()
    return Actor(current_user.id, current_user.name, org.id if org else None, scope_org_id())


def current_org():
    return g.membership.org if g.get("membership") else None


def is_admin() -> bool:
    return bool(g.get("is_operator") or g.get("membership"))


def granted() -> frozenset:
    if g.get("api_codes") is not None:  # an API token: its scopes ∩ its creator's permissions (models/api_tokens)
        return g.api_codes
    if g.get("is_operator"):
        return permissions.operator_codes(current_user.operator_role)
    return g.membership.permissions if g.get("membership") else frozenset()


def can(code: str) -> bool:
    return code in granted()


def scope_org_id():
    """The org whose subtree bounds every query; None means unbounded (platform operator)."""
    if g.get("is_operator"):
        return None
    return g.membership.org_id if g.get("membership") else -1


def scope(query, model, own_org_only=False, column=None):
    """Restrict a query on ``model`` to the actor's subtree (or own org). Models without an org see nothing.

    ``column`` names another org column to bound by, e.g. ``parent_id`` for units registering under the actor.
    """
    if g.get("is_operator"):
        return query
    if not hasattr(model, "scope_clause") or not g.get("membership"):
        return query.filter(false())
    if column:
        return query.filter(getattr(model, column).in_(subtree_ids(g.membership.org_id)))
    if own_org_only:
        return query.filter(getattr(model, model.__scope_column__) == g.membership.org_id)
    return query.filter(model.scope_clause(g.membership.org_id))


def scoped_select(model):
    return scope(select(model), model)


def admin_orgs(account_id, kind=None):
    """Memberships of an account (optionally for one org kind), for the login picker and switcher."""
    q = AdminMembership.query.join(Organization, AdminMembership.org_id == Organization.id).filter(
        AdminMembership.account_id == account_id)
    if kind:
        q = q.filter(Organization.kind == kind)
    return q.order_by(Organization.name).all()
