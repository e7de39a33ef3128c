"""The unit tree picker of 查询统计: which unit (and department) a statistics page is about.

A page reads ``picked_org()`` / ``picked_department()``; the template renders ``unit_picker()``
(templates/admin/stats/unit_picker.html), whose script (static/unit_picker.js) walks the tree lazily through
the hidden ``org_tree`` endpoint. A city holds thousands of units, so children come capped and a name-prefix
search within the actor's subtree finds the rest.
"""
from flask import abort, flash, jsonify, request
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from forms.input import to_id
from models import Department, Organization, access, db

from ..base import ScopedView
from ..filters import starts_with

ORG_REFUSED = "所选单位不存在或不在您的管理范围内"
DEPARTMENT_REFUSED = "所选部门不存在或不属于所选单位"
STATS_CODES = ("stats.title_distribution", "stats.completion", "stats.certificates")
MAX_CHILDREN = 200
MAX_MATCHES = 30
MAX_DEPARTMENT_OPTIONS = 300


def _visible(query):
    """Approved units inside the actor's subtree (the operator: all)."""
    return access.scope(query.where(Organization.status == "approved"), Organization)


def visible_org(org_id) -> Organization | None:
    if org_id is None:
        return None
    return db.session.scalar(_visible(select(Organization).where(Organization.id == org_id)))


def picked_org(arg="org", warn=True) -> Organization | None:
    """The unit named by ``request.args[arg]`` when the actor may see it; otherwise (and without the arg) the
    actor's own unit, None for the operator (= 全省). ``warn=False`` for JSON endpoints: a flash there would
    surface on some later page."""
    raw = request.args.get(arg, "")
    default = access.current_org()
    if not raw.strip():
        return default
    org = visible_org(to_id(raw))
    if org is None:
        if warn:
            flash(ORG_REFUSED, "error")
        return default
    return org


def department_options(org) -> list[tuple[int, str]]:
    """The picked unit's own departments (全省 has none of its own)."""
    if org is None:
        return []
    rows = db.session.execute(select(Department.id, Department.name).where(Department.org_id == org.id)
                              .order_by(Department.name).limit(MAX_DEPARTMENT_OPTIONS))
    return [(i, name) for i, name in rows]


def picked_department(org, arg="dept", warn=True) -> Department | None:
    """The department named by ``request.args[arg]`` when it belongs to ``org`` itself; None otherwise."""
    raw = request.args.get(arg, "")
    if not raw.strip():
        return None
    dept_id = to_id(raw)
    dept = None
    if org is not None and dept_id is not None:
        dept = db.session.scalar(select(Department).where(Department.id == dept_id, Department.org_id == org.id))
    if dept is None and warn:
        flash(DEPARTMENT_REFUSED, "error")
    return dept


def _items(query, cap, hint=False):
    """(id, name, has_children) of up to ``cap`` units in name order, plus whether more were left out.
    ``hint``: each with its parent's name too, which tells apart the many 第一人民医院 a search finds."""
    child, parent = aliased(Organization), aliased(Organization)
    has_children = exists().where(child.parent_id == Organization.id, child.status == "approved")
    columns = [Organization.id, Organization.name, has_children.label("has_children")]
    if hint:
        columns.append(select(parent.name).where(parent.id == Organization.parent_id).scalar_subquery()
                       .label("parent_name"))
    rows = db.session.execute(_visible(query.with_only_columns(*columns))
                              .order_by(Organization.name, Organization.id).limit(cap + 1)).all()
    items = [{"id": r.id, "name": r.name, "has_children": bool(r.has_children)} for r in rows[:cap]]
    if hint:
        for item, row in zip(items, rows):
            item["hint"] = row.parent_name or ""
    return items, len(rows) > cap


class OrgTreeView(ScopedView):
    """JSON for the picker: ``?parent=<id>`` the children of a unit, no arg the roots of the actor's tree (its
    own unit; the operator's: the top units), ``?q=<prefix>`` units of the subtree whose name starts so
    (``within=<id>`` narrows the search to that unit's subtree)."""

    permission = STATS_CODES

    def is_visible(self):
        return False

    def inaccessible_callback(self, name, **kwargs):
        if current_user.is_authenticated:
            abort(403)
        return super().inaccessible_callback(name, **kwargs)

    @expose("/")
    def index(self):
        query = select(Organization.id)
        prefix = request.args.get("q", "").strip()[:50]
        if prefix:
            within = request.args.get("within", "").strip()
            if within:
                root = visible_org(to_id(within))
                if root is None:
                    return jsonify(error=ORG_REFUSED, items=[], more=False), 404
                query = query.where(Organization.scope_clause(root.id))
            items, more = _items(query.where(starts_with(Organization.name, prefix)), MAX_MATCHES, hint=True)
            return jsonify(items=items, more=more)
        parent = request.args.get("parent", "").strip()
        if parent:
            org = visible_org(to_id(parent))
            if org is None:
                return jsonify(error=ORG_REFUSED, items=[], more=False), 404
            items, more = _items(query.where(Organization.parent_id == org.id), MAX_CHILDREN)
        elif access.scope_org_id() is None:
            items, more = _items(query.where(Organization.parent_id.is_(None)), MAX_CHILDREN)
        else:
            items, more = _items(query.where(Organization.id == access.scope_org_id()), 1)
        return jsonify(items=items, more=more)

