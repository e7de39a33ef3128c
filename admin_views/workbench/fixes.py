"""运维工作台 · 数据修正 (F32): the service desk's direct fixes of a person or a unit, each with a reason.

Who may look (ops.view: 客服 and 运维) and who may change (ops.fix: 运维) is the permission catalogue's
(models/permissions.OPERATOR_ROLES); the pages ask for the code, never for the role. A GET never changes
anything; every POST is one transaction whose audit entries carry the reason (models/workbench/fixes.py).
"""
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from sqlalchemy import select

from forms.input import to_id
from forms.workbench import LookupForm, MoveForm, PersonFixForm, ReasonForm, UnitCreateForm, UnitFixForm
from models import Account, AdminMembership, Department, Organization, Person, access, db
from models.access import current_actor
from models.choices import ORG_KINDS
from models.workbench import fixes
from models.workbench.fixes import Refusal

from ..base import ScopedView

VIEW, FIX = "ops.view", "ops.fix"


def _show_refusal(form, refusal: Refusal):
    """A refusal goes next to the field it names, or on top of the form."""
    field = getattr(form, refusal.field, None) if refusal.field else None
    if field is not None:
        field.errors = [*(field.errors or []), str(refusal)]
    else:
        form.form_errors = [*getattr(form, "form_errors", []), str(refusal)]


class FixView(ScopedView):
    operator_only = True
    permission = VIEW

    @staticmethod
    def can_fix() -> bool:
        return access.can(FIX)

    def _require_fix(self):
        if not self.can_fix():
            abort(403)

    # -- finding what to fix ------------------------------------------------------------------------
    @expose("/")
    def index(self):
        form = LookupForm(request.args)
        q = (form.q.data or "").strip().upper()
        if q:
            person = db.session.scalar(select(Person).where(Person.id_number == q))
            if person is not None:
                return redirect(self.get_url(".person", id=person.id))
            org = db.session.scalar(select(Organization).where(Organization.uscc == q))
            if org is not None:
                return redirect(self.get_url(".unit", id=org.id))
            account = db.session.scalar(select(Account).where(Account.id_number == q))
            if account is not None:  # an admin without a staff record: their login account only
                return redirect(self.get_url(".account", id=account.id))
            form.q.errors = ["没有找到该身份证号的人员或该统一社会信用代码的单位（须完整填写）"]
        return self.render("admin/workbench/fix_index.html", form=form, can_fix=self.can_fix())

    # -- a person -----------------------------------------------------------------------------------
    def _person(self) -> Person:
        pk = to_id(request.args.get("id"))
        person = db.session.get(Person, pk) if pk else None
        if person is None:
            abort(404)
        return person

    def _person_page(self, person, **forms):
        edit = forms.get("edit") or PersonFixForm(data=PersonFixForm.initial(fixes.person_values(person)))
        edit.set_departments(db.session.scalars(select(Department).where(Department.org_id == person.org_id)
                                                .order_by(Department.name)))
        return self.render("admin/workbench/fix_person.html", person=person, account=person.account,
                           can_fix=self.can_fix(), edit=edit,
                           unlock=forms.get("unlock") or ReasonForm(prefix="unlock"),
                           reset=forms.get("reset") or ReasonForm(prefix="reset"),
                           status=forms.get("status") or ReasonForm(prefix="status"),
                           move=forms.get("move") or MoveForm(prefix="move"))

    @expose("/person/")
    def person(self):
        return self._person_page(self._person())

    def _done(self, person, message):
        db.session.commit()
        flash(message, "success")
        return redirect(self.get_url(".person", id=person.id))

    def _refused(self, person, name, form, refusal):
        db.session.rollback()
        person = db.session.get(Person, person.id)
        _show_refusal(form, refusal)
        return self._person_page(person, **{name: form}), 400

    @expose("/person/edit", methods=("POST",))
    def person_edit(self):
        self._require_fix()
        person = self._person()
        form = PersonFixForm()
        form.set_departments(db.session.scalars(select(Department).where(Department.org_id == person.org_id)))
        if not form.validate():
            return self._person_page(person, edit=form), 400
        try:
            changes = fixes.edit_person(person.id, form.values(), form.reason.data)
        except Refusal as e:
            return self._refused(person, "edit", form, e)
        return self._done(person, f"已修改 {person.name} 的信息（{len(changes)} 项），修改原因已记入审计日志")

    @expose("/person/unlock", methods=("POST",))
    def person_unlock(self):
        return self._account_step("unlock", lambda person, reason: fixes.unlock_account(person.account_id, reason),
                                  "已解锁 {name} 的账号")

    @expose("/person/status", methods=("POST",))
    def person_status(self):
        enabled = request.args.get("enabled") == "1"
        return self._account_step(
            "status", lambda person, reason: fixes.set_account_enabled(person.account_id, enabled, reason),
            "已启用 {name} 的账号" if enabled else "已停用 {name} 的账号，其已登录的会话均已退出")

    def _account_step(self, name, step, message):
        self._require_fix()
        person = self._person()
        form = ReasonForm(prefix=name)
        if not form.validate():
            return self._person_page(person, **{name: form}), 400
        try:
            step(person, form.reason.data)
        except Refusal as e:
            return self._refused(person, name, form, e)
        return self._done(person, message.format(name=person.name))

    @expose("/person/reset", methods=("POST",))
    def person_reset(self):
        self._require_fix()
        person = self._person()
        form = ReasonForm(prefix="reset")
        if not form.validate():
            return self._person_page(person, reset=form), 400
        try:
            password = fixes.reset_password(person.id, form.reason.data)
        except Refusal as e:
            return self._refused(person, "reset", form, e)
        db.session.commit()
        return self.render("admin/staff/password_reset.html", person=person, password=password,
                           back=self.get_url(".person", id=person.id))

    @expose("/person/move", methods=("POST",))
    def person_move(self):
        self._require_fix()
        person = self._person()
        form = MoveForm(prefix="move")
        if not form.validate():
            return self._person_page(person, move=form), 400
        to_org = fixes.find_unit(form.to_org.data)
        try:
            fixes.move_person(person.id, to_org.id if to_org else None, None, form.reason.data, current_actor())
        except Refusal as e:
            return self._refused(person, "move", form, e)
        return self._done(person, f"已将 {person.name} 调整至 {to_org.name}（记为平台运维调转），学时记录随人员转入")

    # -- a login account without a staff record (a unit admin) ------------------------------------------
    def _account(self) -> Account:
        pk = to_id(request.args.get("id"))
        account = db.session.get(Account, pk) if pk else None
        if account is None:
            abort(404)
        return account

    def _account_page(self, account, **forms):
        person = db.session.scalar(select(Person).where(Person.account_id == account.id))
        if person is not None:
            return redirect(self.get_url(".person", id=person.id))
        memberships = db.session.scalars(select(AdminMembership).where(AdminMembership.account_id == account.id)
                                         .order_by(AdminMembership.org_id)).all()
        return self.render("admin/workbench/fix_account.html", account=account, memberships=memberships,
                           can_fix=self.can_fix(), unlock=forms.get("unlock") or ReasonForm(prefix="unlock"),
                           status=forms.get("status") or ReasonForm(prefix="status"))

    @expose("/account/")
    def account(self):
        return self._account_page(self._account())

    @expose("/account/unlock", methods=("POST",))
    def account_unlock(self):
        return self._login_step("unlock", lambda account, reason: fixes.unlock_account(account.id, reason),
                                "已解锁 {name} 的账号")

    @expose("/account/status", methods=("POST",))
    def account_status(self):
        enabled = request.args.get("enabled") == "1"
        return self._login_step(
            "status", lambda account, reason: fixes.set_account_enabled(account.id, enabled, reason),
            "已启用 {name} 的账号" if enabled else "已停用 {name} 的账号，其已登录的会话均已退出")

    def _login_step(self, name, step, message):
        self._require_fix()
        account = self._account()
        form = ReasonForm(prefix=name)
        if not form.validate():
            return self._account_page(account, **{name: form}), 400
        try:
            step(account, form.reason.data)
        except Refusal as e:
            db.session.rollback()
            _show_refusal(form, e)
            return self._account_page(db.session.get(Account, account.id), **{name: form}), 400
        db.session.commit()
        flash(message.format(name=account.name), "success")
        return redirect(self.get_url(".account", id=account.id))

    # -- a unit -------------------------------------------------------------------------------------
    def _unit(self) -> Organization:
        pk = to_id(request.args.get("id"))
        org = db.session.get(Organization, pk) if pk else None
        if org is None:
            abort(404)
        return org

    def _unit_page(self, org, edit=None, status=None):
        return self.render("admin/workbench/fix_unit.html", org=org, can_fix=self.can_fix(), kinds=ORG_KINDS,
                           edit=edit or UnitFixForm(obj=org), status=status or ReasonForm(prefix="status"))

    @expose("/unit/")
    def unit(self):
        return self._unit_page(self._unit())

    @expose("/unit/edit", methods=("POST",))
    def unit_edit(self):
        self._require_fix()
        org = self._unit()
        form = UnitFixForm()
        if not form.validate():
            return self._unit_page(org, edit=form), 400
        try:
            changes = fixes.edit_unit(org.id, form.values(), form.reason.data)
        except Refusal as e:
            db.session.rollback()
            _show_refusal(form, e)
            return self._unit_page(db.session.get(Organization, org.id), edit=form), 400
        db.session.commit()
        flash(f"已修改 {org.name} 的信息（{len(changes)} 项），修改原因已记入审计日志", "success")
        return redirect(self.get_url(".unit", id=org.id))

    @expose("/unit/status", methods=("POST",))
    def unit_status(self):
        self._require_fix()
        org = self._unit()
        enabled = request.args.get("enabled") == "1"
        form = ReasonForm(prefix="status")
        if not form.validate():
            return self._unit_page(org, status=form), 400
        try:
            fixes.set_unit_enabled(org.id, enabled, form.reason.data)
        except Refusal as e:
            db.session.rollback()
            _show_refusal(form, e)
            return self._unit_page(db.session.get(Organization, org.id), status=form), 400
        db.session.commit()
        flash(f"已{'启用' if enabled else '停用'} {org.name}", "success")
        return redirect(self.get_url(".unit", id=org.id))

    @expose("/unit/new", methods=("GET", "POST"))
    def unit_new(self):
        """新建单位 (e.g. one without 统一社会信用代码), under the unit named by ?parent= (none: a top-level unit)."""
        self._require_fix()
        parent = None
        if request.args.get("parent"):
            parent = db.session.get(Organization, to_id(request.args.get("parent")) or 0)
            if parent is None:
                abort(404)
        form = UnitCreateForm()
        if request.method == "POST" and form.validate():
            values = form.values()
            try:
                org = fixes.create_unit(values, parent, form.kind.data, form.reason.data)
            except Refusal as e:
                db.session.rollback()
                _show_refusal(form, e)
            else:
                db.session.commit()
                flash(f"已新建单位 {org.name}" + ("（无统一社会信用代码）" if org.no_uscc else ""), "success")
                return redirect(self.get_url(".unit", id=org.id))
            return self.render("admin/workbench/fix_unit_new.html", form=form, parent=parent), 400
        status = 400 if request.method == "POST" else 200
        return self.render("admin/workbench/fix_unit_new.html", form=form, parent=parent), status


def add_fix_views(admin, category):
    admin.add_view(FixView(name="数据修正", category=category, endpoint="workbench_fix", url="/admin/workbench/fix"))
