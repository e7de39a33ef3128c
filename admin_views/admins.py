"""账户管理 · 管理单位管理员 (F10) and 新增管理员 in the seed's three ways (F12 a/b/c)."""
from flask import flash, g, jsonify, redirect, request, session, url_for
from flask_admin import expose
from flask_admin.model.template import macro
from flask_login import current_user
from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError

from forms.account import AddPersonAdminForm, AssignRoleForm, ExistingAdminForm, RegisterAdminForm, RemoveAdminForm
from models import Person, Role, db
from models.validators import mask_id_number
from models.unit_admin import (ROLE_GONE, FieldError, add_admin, approved_person_of, assign_role,
                               register_admin_account, remove_admin, transfer_super_admin, verify_existing_account)

from models import access
from .base import MAX_LOOKUP_ROWS, ScopedModelView

WAYS = {
    "person": ("选择成为管理员", "已是本单位人员：从本单位已审核的专技人员中选择"),
    "register": ("注册成为管理员", "非本系统用户：身份证号未在本系统注册过"),
    "existing": ("添加成为管理员", "已是本系统用户：身份证号已注册，但不是本单位人员；密码须与注册密码一致"),
}


class AdminsView(ScopedModelView):
    permission = "account.admins"
    own_org_only = True
    can_create = can_edit = can_delete = False
    column_display_actions = False  # the 操作 column holds this page's own buttons
    list_template = "admin/account/admins_list.html"
    column_list = ["account.name", "account.id_number", "account.phone", "role", "created_at", "ops"]
    column_labels = {"account.name": "姓名", "account.id_number": "身份证号", "account.phone": "手机号",
                     "role": "角色", "created_at": "添加时间", "ops": "操作"}
    column_sortable_list = ["created_at"]
    column_default_sort = [("is_super", True), ("created_at", False)]
    column_formatters = {
        "account.id_number": lambda v, c, m, n: mask_id_number(m.account.id_number),
        "role": lambda v, c, m, n: m.role_label,
        "created_at": lambda v, c, m, n: m.created_at.strftime("%Y-%m-%d"),
        "ops": macro("admin_ops"),
    }

    # -- helpers ------------------------------------------------------------------------------------
    def _org(self):
        org = access.current_org()
        if org is None:
            flash("平台运维账号没有所属单位：请以单位管理员身份登录后再新增管理员", "warning")
        return org

    def _roles(self, org_id):
        return access.scope(Role.query, Role).filter(Role.org_id == org_id).order_by(Role.name).all()

    def _role(self, role_id, org_id):
        if role_id is None:
            return None
        return access.scope(Role.query, Role).filter(Role.id == role_id, Role.org_id == org_id).one_or_none()

    def _after_losing_own_rights(self, message):
        """The actor just gave up its rights in this unit: its next click would be refused anyway."""
        flash(message, "success")
        if access.admin_orgs(current_user.id, session.get("user_type")):
            return redirect(url_for("auth.choose_org"))
        return redirect(url_for("auth.login"))

    # -- 设为超级管理员 ---------------------------------------------------------------------------------
    @expose("/set-super/<int:id>", methods=("POST",))
    def set_super(self, id):
        target = self.get_one(id)
        name = target.account.name
        try:
            former = transfer_super_admin(target, current_user.id, operator=g.get("is_operator", False))
            db.session.commit()
        except (ValueError, PermissionError) as e:
            db.session.rollback()
            flash(str(e), "error")
            return redirect(url_for(".index_view"))
        if former is not None and former.account_id == current_user.id:
            return self._after_losing_own_rights(f"已将{name}设为超级管理员，您在本单位的管理员权限已删除")
        flash(f"已将{name}设为超级管理员" + (f"，原超级管理员{former.account.name}的管理员权限已删除" if former else ""),
              "success")
        return redirect(url_for(".index_view"))

    # -- 删除 ------------------------------------------------------------------------------------------
    @expose("/remove/<int:id>", methods=("GET", "POST"))
    def remove(self, id):
        target = self.get_one(id)
        form = RemoveAdminForm()
        is_self = target.account_id == current_user.id
        if form.validate_on_submit():
            name = target.account.name
            try:
                remove_admin(target, current_user.id, confirm_self=form.confirm_self.data)
                db.session.commit()
            except ValueError as e:
                db.session.rollback()
                if is_self:
                    form.confirm_self.errors.append(str(e))
                    return self.render("admin/account/admin_remove.html", target=target, form=form, is_self=is_self)
                flash(str(e), "error")
                return redirect(url_for(".index_view"))
            if is_self:
                return self._after_losing_own_rights("您在本单位的管理员权限已删除")
            flash(f"已删除管理员{name}", "success")
            return redirect(url_for(".index_view"))
        return self.render("admin/account/admin_remove.html", target=target, form=form, is_self=is_self)

    # -- 分配角色 ---------------------------------------------------------------------------------------
    @expose("/role/<int:id>", methods=("GET", "POST"))
    def role(self, id):
        target = self.get_one(id)
        form = AssignRoleForm(role_id=target.role_id)
        form.role_id.set_roles(self._roles(target.org_id))
        if form.validate_on_submit():
            try:
                role = self._role(form.role_id.data, target.org_id)
                if role is None and form.role_id.data is not None:
                    raise ValueError(ROLE_GONE)  # never "no role" instead of the one chosen
                assign_role(target, role, access.granted())
                db.session.commit()
            except (ValueError, PermissionError) as e:
                db.session.rollback()
                form.role_id.errors.append(str(e))
            else:
                flash(f"已为{target.account.name}分配角色：{target.role_label}", "success")
                return redirect(url_for(".index_view"))
        return self.render("admin/account/admin_role.html", target=target, form=form)

    # -- 新增管理员 (three ways) -------------------------------------------------------------------------
    def _render_add(self, way, form, **extra):
        return self.render("admin/account/admin_add.html", way=way, ways=WAYS, form=form, **extra)

    @expose("/add/")
    def add(self):
        return redirect(url_for(".add_person"))

    def _finish_add(self, form, work):
        """Run one way's domain call; field refusals go next to their field, the rest above the form."""
        try:
            membership = work()
            db.session.commit()
        except FieldError as e:
            db.session.rollback()  # a wrong password's count is already committed by the lock check itself
            form[e.field].errors.append(str(e))
        except (ValueError, PermissionError) as e:
            db.session.rollback()
            if isinstance(e, PermissionError):
                form.role_id.errors.append(str(e))
            else:
                flash(str(e), "error")
        except IntegrityError:  # the same account added twice at the same moment
            db.session.rollback()
            flash("该账号已是本单位管理员", "error")
        else:
            flash(f"已新增管理员：{membership.account.name}", "success")
            return redirect(url_for(".index_view"))
        return None

    @expose("/add/person", methods=("GET", "POST"))
    def add_person(self):
        org = self._org()
        if org is None:
            return redirect(url_for(".index_view"))
        form = AddPersonAdminForm()
        form.role_id.set_roles(self._roles(org.id))
        person = None
        if form.validate_on_submit():
            person = approved_person_of(org, form.person_id.data)
            if person is None:
                form.person_id.errors.append("请选择本单位已审核的人员")
            else:
                done = self._finish_add(form, lambda: add_admin(
                    org, person.account, self._role(form.role_id.data, org.id), access.granted()))
                if done:
                    return done
        return self._render_add("person", form, person=person)

    @expose("/add/register", methods=("GET", "POST"))
    def add_register(self):
        org = self._org()
        if org is None:
            return redirect(url_for(".index_view"))
        form = RegisterAdminForm()
        form.role_id.set_roles(self._roles(org.id))
        if form.validate_on_submit():
            done = self._finish_add(form, lambda: register_admin_account(
                org, id_number=form.id_number.data, name=form.name.data, password=form.password.data,
                phone=form.phone.data, email=form.email.data,
                role=self._role(form.role_id.data, org.id), granter_codes=access.granted()))
            if done:
                return done
        return self._render_add("register", form)

    @expose("/add/existing", methods=("GET", "POST"))
    def add_existing(self):
        org = self._org()
        if org is None:
            return redirect(url_for(".index_view"))
        form = ExistingAdminForm()
        form.role_id.set_roles(self._roles(org.id))
        if form.validate_on_submit():
            def work():
                account = verify_existing_account(form.id_number.data, form.name.data, form.password.data)
                return add_admin(org, account, self._role(form.role_id.data, org.id), access.granted())
            done = self._finish_add(form, work)
            if done:
                return done
        return self._render_add("existing", form)

    @expose("/persons.json")
    def persons_json(self):
        """The (a) search box: approved persons of the own unit by name or ID number, Flask-Admin's ajax format."""
        org = access.current_org()
        text = (request.args.get("query") or "").strip()[:50]
        if org is None or not text:
            return jsonify([])
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = access.scope(Person.query, Person, own_org_only=True).filter(
            Person.status == "approved",
            or_(Person.name.ilike(f"%{escaped}%", escape="\\"), Person.id_number == text.upper()),
        ).order_by(Person.name, Person.id).limit(MAX_LOOKUP_ROWS).all()
        return jsonify([[p.id, f"{p.name}（{p.masked_id}）"] for p in rows])
