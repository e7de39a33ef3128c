"""账户管理 · 基本信息管理 (F8): the unit's own info, its change history, 修改 and 更换上级部门 as change requests."""
from flask import flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from forms.account import SuperiorForm, UnitInfoForm
from models import Organization, db
from models.org_change import (PENDING_EXISTS, USCC_TAKEN, account_names, describe_changes, direct_edits, org_history,
                               pending_request, request_basic_change, request_superior_change, superior_candidates)

from models import access
from .base import ScopedView


def _pending_message(org):
    pending = pending_request(org)
    when = pending.requested_at.strftime("%Y-%m-%d") if pending else ""
    return PENDING_EXISTS.format(when=when)


class UnitInfoView(ScopedView):
    permission = "account.unit_info"

    def _org_or_notice(self):
        org = access.current_org()
        if org is None:
            return None, self.render("admin/account/no_unit.html")
        return org, None

    @expose("/")
    def index(self):
        org, notice = self._org_or_notice()
        if notice:
            return notice
        history = org_history(org)
        names = account_names([r.requested_by_id for r in history] + [r.reviewed_by_id for r in history])
        return self.render("admin/account/unit_info.html", org=org, pending=pending_request(org),
                           history=history, names=names, edits=direct_edits(org), describe=describe_changes)

    @expose("/edit", methods=("GET", "POST"))
    def edit(self):
        org, notice = self._org_or_notice()
        if notice:
            return notice
        pending = pending_request(org)
        form = UnitInfoForm(obj=org)
        form.org = org
        if pending is None and form.validate_on_submit():
            try:
                applied = request_basic_change(org, form.basic_values(), current_user) is None
                db.session.commit()
            except ValueError as e:
                db.session.rollback()
                if str(e) == USCC_TAKEN:
                    form.uscc.errors.append(str(e))
                else:
                    flash(str(e), "error")
            except IntegrityError:  # another request was filed at the same moment
                db.session.rollback()
                flash(_pending_message(org), "error")
                return redirect(url_for(".index"))
            else:
                flash("修改已生效" if applied else "变更申请已提交，等待上级部门审核", "success")
                return redirect(url_for(".index"))
        elif pending is not None and request.method == "POST":
            flash(_pending_message(org), "error")
            return redirect(url_for(".index"))
        return self.render("admin/account/unit_edit.html", org=org, form=form, pending=pending)

    @expose("/superior", methods=("GET", "POST"))
    def superior(self):
        org, notice = self._org_or_notice()
        if notice:
            return notice
        pending = pending_request(org)
        form = SuperiorForm()
        chosen = None
        if pending is not None and request.method == "POST":
            flash(_pending_message(org), "error")
            return redirect(url_for(".index"))
        if form.validate_on_submit():
            chosen = db.session.get(Organization, form.superior_id.data)
            try:
                request_superior_change(org, chosen, current_user)
                db.session.commit()
            except ValueError as e:
                db.session.rollback()
                form.superior_id.errors.append(str(e))
            except IntegrityError:
                db.session.rollback()
                flash(_pending_message(org), "error")
                return redirect(url_for(".index"))
            else:
                flash(f"更换上级部门的申请已提交，等待{chosen.name}审核", "success")
                return redirect(url_for(".index"))
        return self.render("admin/account/unit_superior.html", org=org, form=form, pending=pending, chosen=chosen)

    @expose("/superiors.json")
    def superiors_json(self):
        """Search box of 更换上级部门, in Flask-Admin's ajax format ([[id, text], ...])."""
        org = access.current_org()
        if org is None:
            return jsonify([])
        found = superior_candidates(org, request.args.get("query", ""))
        return jsonify([[o.id, f"{o.name}（{o.region or o.kind_label}）"] for o in found])
