"""运维工作台 · 运维账号 (F32): the operator accounts with their role; a 运维 (ops.fix) sets another's role with a
reason. 客服 (ops.view) sees the list only. The rules are models/workbench/operators.py's."""
from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_login import current_user

from forms.input import to_id
from forms.workbench import OperatorRoleForm
from models import access, db, permissions
from models.workbench import operators
from models.workbench.fixes import Refusal

from ..base import ScopedView
from .fixes import _show_refusal


class OperatorAccountsView(ScopedView):
    operator_only = True
    permission = "ops.view"

    def _page(self, forms=None, status=200):
        rows = operators.operators()
        forms = forms or {}
        for account in rows:
            if account.id not in forms:
                forms[account.id] = OperatorRoleForm(prefix=f"a{account.id}", formdata=None,
                                                     role=permissions.operator_role(account.operator_role))
        return self.render("admin/workbench/operators.html", rows=rows, forms=forms, label=operators.role_label,
                           can_fix=access.can("ops.fix"), me=current_user.id), status

    @expose("/")
    def index(self):
        return self._page()

    @expose("/role", methods=("POST",))
    def role(self):
        if not access.can("ops.fix"):
            abort(403)
        account_id = to_id(request.args.get("id"))
        if account_id is None:
            abort(404)
        form = OperatorRoleForm(prefix=f"a{account_id}")
        if not form.validate():
            return self._page({account_id: form}, 400)
        try:
            account = operators.set_role(account_id, form.role.data, form.reason.data, current_user.id)
        except Refusal as e:
            db.session.rollback()
            _show_refusal(form, e)
            return self._page({account_id: form}, 400)
        db.session.commit()
        flash(f"已将 {account.name} 设为{operators.role_label(account.operator_role)}，原因已记入审计日志", "success")
        return redirect(self.get_url(".index"))
