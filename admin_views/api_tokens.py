"""账户管理 · 接口令牌 (REST API, models/api_tokens.py): the org's super admin makes tokens — the secret shown once —,
lists them (prefix, scopes, expiry, last use) and revokes them. Nobody else of the org sees this page."""
from flask import flash, g, redirect, request
from flask_admin import expose
from flask_admin.model.template import EndpointLinkRowAction
from flask_wtf import FlaskForm

from forms.api_tokens import ApiTokenForm
from models import access, db
from models.api_tokens import ALREADY_REVOKED, SCOPES, ApiToken, clean_scopes, default_expiry, issue, offered_scopes, revoke

from .base import ScopedModelView
from .export import ExportColumn as Col

FIELDS = {"name": "name", "scopes": "scopes", "expires_at": "expires_at"}


def _scopes(view, context, model, name):
    return "、".join(f"{SCOPES[s][1]}（{s}）" for s in clean_scopes(model.scopes))


class ApiTokenView(ScopedModelView):
    own_org_only = True
    can_create = True
    can_edit = can_delete = False
    create_label = "创建令牌"
    list_template = "admin/account/api_tokens_list.html"
    column_list = ["name", "prefix", "scopes", "expires_at", "last_used_at", "last_used_ip", "state",
                   "created_by", "created_at"]
    column_labels = {"name": "令牌名称", "prefix": "令牌前缀", "scopes": "权限范围", "expires_at": "有效期至",
                     "last_used_at": "最近使用时间", "last_used_ip": "最近使用 IP", "state": "状态",
                     "created_by": "创建人", "created_at": "创建时间"}
    column_searchable_list = ["name"]
    column_sortable_list = ["name", "expires_at", "last_used_at", "created_at"]
    column_default_sort = ("id", True)
    column_formatters = {
        "prefix": lambda v, c, m, n: f"{m.prefix}…",
        "scopes": _scopes,
        "expires_at": lambda v, c, m, n: m.expires_at.strftime("%Y-%m-%d"),
        "last_used_at": lambda v, c, m, n: m.last_used_at.strftime("%Y-%m-%d %H:%M") if m.last_used_at else "从未使用",
        "created_by": lambda v, c, m, n: m.created_by.name,
        "created_at": lambda v, c, m, n: m.created_at.strftime("%Y-%m-%d %H:%M"),
    }
    export_title = "接口令牌"
    export_columns = (Col(None, "name", width=20), Col(None, lambda m: f"{m.prefix}…", column="prefix", width=16),
                      Col(None, lambda m: _scopes(None, None, m, None), column="scopes", width=60),
                      Col(None, "expires_at", "datetime"), Col(None, "last_used_at", "datetime"),
                      Col(None, "last_used_ip", width=16), Col(None, "state"),
                      Col(None, "created_by.name", column="created_by"), Col(None, "created_at", "datetime"))

    def is_accessible(self):
        # The org's super admin only (a role cannot hold this: a token outlives the page it was made on).
        return super().is_accessible() and g.get("membership") is not None and g.membership.is_super

    def get_list_row_actions(self):
        return [EndpointLinkRowAction("fa fa-ban", ".revoke_view", "吊销")]

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        org, granted = access.current_org(), access.granted()
        form = ApiTokenForm()
        form.scopes.choices = offered_scopes(granted)
        if request.method == "GET":
            form.expires_at.data = default_expiry()
        if form.validate_on_submit():
            try:
                token, secret = issue(org, g.membership.account, form.name.data, form.scopes.data,
                                      form.expires_at.data)
            except ValueError as e:
                db.session.rollback()
                for key, message in e.args[0].items():
                    field = getattr(form, FIELDS.get(key, ""), None)
                    if field is not None:
                        field.errors.append(message)
                    else:
                        flash(message, "error")
            else:
                db.session.commit()
                return self.render("admin/account/api_token_new.html", token=token, secret=secret, form=None)
        return self.render("admin/account/api_token_new.html", form=form, token=None, secret=None)

    @expose("/revoke/", methods=("GET", "POST"))
    def revoke_view(self):
        """吊销: asks first (a GET changes nothing); the token stops working at its next request."""
        token = self.get_one(request.args.get("id"))
        form = FlaskForm()
        if token.revoked_at is None and form.validate_on_submit():
            try:
                revoke(token, g.membership.account)
            except ValueError as e:
                db.session.rollback()
                flash(str(e), "error")
            else:
                db.session.commit()
                flash(f"已吊销令牌“{token.name}”，使用它的请求将被拒绝", "success")
            return redirect(self.get_url(".index_view"))
        if request.method == "POST":  # revoked meanwhile (CSRF is checked before any view)
            flash(ALREADY_REVOKED, "warning")
            return redirect(self.get_url(".index_view"))
        return self.render("admin/account/api_token_revoke.html", token=token, form=form)
