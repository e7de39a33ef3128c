"""The one scoped base for every admin page.

Login, the view's permission code and the org subtree are enforced here for the list,
the count, single records (Flask-Admin's ``get_one`` is an unscoped ``session.get``),
action ids, foreign-key choices, ajax lookups and exports. Views only declare.
"""
import logging

from flask import abort, flash, g, redirect, request, session, url_for
from flask_admin import BaseView
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.babel import gettext
from flask_admin.helpers import flash_errors, get_redirect_target
from flask_login import current_user, logout_user
from sqlalchemy import func, inspect, literal_column, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from wtforms.validators import ValidationError

from forms.input import is_big, to_id
from models import access, db, permissions
from models.base import lock_row

from .bulk import SelectAllMixin, valid_ids
from .export import ExportMixin
from .filters import out_of_range, starts_with

MAX_ACTION_ROWS = 1000
MAX_LOOKUP_ROWS = 20
MAX_PAGE = 100_000  # beyond any real list; keeps OFFSET a number both databases accept
COUNT_CAP = 10_000  # lists count at most this many rows (plus the pages the pager shows beyond the current one)
MAX_SEARCH_TERMS = 5
DEFERRED_JOIN_OFFSET = 200  # from this many rows down, a list page reads its ids first (ScopedModelView._deep_page)
log = logging.getLogger(__name__)


class AccessMixin:
    """Logged-in admin holding ``permission`` (None: any admin of the current org; a tuple: any one of its codes),
    acting for an org of one of ``org_kinds`` (None: any; the platform operator acts for none and passes), or the
    operator alone."""

    permission: str | tuple | None = None
    org_kinds: tuple | None = None
    operator_only = False

    def is_accessible(self):
        if not current_user.is_authenticated or not access.is_admin():
            return False
        if self.operator_only and not g.get("is_operator"):
            return False
        if g.get("is_operator") and request.method == "POST" and not access.can(permissions.OPERATOR_WRITE):
            return False  # a 客服 operator reads every page and changes nothing (permissions.OPERATOR_ROLES)
        org = access.current_org()
        if self.org_kinds is not None and org is not None and org.kind not in self.org_kinds:
            return False
        if self.permission is None:
            return True
        codes = (self.permission,) if isinstance(self.permission, str) else self.permission
        return any(access.can(code) for code in codes)

    def is_visible(self):
        return self.is_accessible()

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        if not access.is_admin() and session.get("user_type") in ("employer", "supervisor", "base"):
            # The membership this session was opened with is gone (rights removed, unit disabled).
            logout_user()
            session.clear()
            flash("您在该单位的管理权限已变更或单位已停用，请重新登录", "warning")
            return redirect(url_for("auth.login"))
        abort(403)


class ScopedView(AccessMixin, BaseView):
    """A custom (non-CRUD) admin page."""


class ScopedAjaxLoader(QueryAjaxModelLoader):
    def get_query(self):
        return access.scope(super().get_query(), self.model)

    def get_one(self, pk):
        pk = to_id(pk, big=is_big(getattr(self.model, self.pk)))
        if pk is None:
            return None
        with db.session.no_autoflush:
            return self.get_query().filter(getattr(self.model, self.pk) == pk).one_or_none()

    def get_list(self, term, offset=0, limit=MAX_LOOKUP_ROWS):
        offset = min(to_id(offset) or 0, MAX_PAGE * MAX_LOOKUP_ROWS)
        limit = min(to_id(limit) or MAX_LOOKUP_ROWS, MAX_LOOKUP_ROWS)
        return super().get_list(term or "", offset, limit)


class CappedCount(int):
    """A list count that stopped counting: the pager sees one row more than the cap and so offers the next pages;
    people read "10,000+"."""

    capped = True

    def __str__(self):
        return f"{self - 1:,}+"

    __html__ = __str__


def _posted_choice_in_scope(form, field):
    """A posted id outside the scoped choices would otherwise be dropped silently (and a nullable link cleared)."""
    field.data  # resolves the posted id against the scoped query
    if getattr(field, "_formdata", None) is not None:
        raise ValidationError("所选项不存在或不在您的管理范围内，请从列表中选择")


def seed_words(gettext, view):
    """Flask-Admin's templates call every view's create tab 创建; the seed names it per view (添加部门, 新增角色)."""
    label = getattr(view, "create_label", None)
    if not label:
        return gettext
    return lambda text, **kw: label if text in ("Create", "Create New Record") else gettext(text, **kw)


class ScopedModelView(SelectAllMixin, ExportMixin, AccessMixin, ModelView):
    can_export = False  # typed exports are written with openpyxl (export.py), never the built-in string dump
    can_set_page_size = False
    page_size = 20
    details_modal = False
    edit_modal = False
    create_modal = False
    column_display_pk = False
    own_org_only = False  # True: the actor's own org, not its subtree (e.g. internal departments)
    scope_column = None  # a column other than the model's own, e.g. "parent_id": units registering under the actor
    list_template = "admin/bulk_list.html"
    create_template = "admin/scoped_create.html"
    edit_template = "admin/scoped_edit.html"
    details_template = "admin/scoped_details.html"
    create_label = None  # the seed's word for the "create" tab of this view, e.g. 添加部门
    deleted_message = "该记录已被删除"  # the answer to a delete that finds the row already gone, e.g. 该部门已被删除
    delete_conflict_message = "未能删除：该记录仍被其他数据引用，请刷新页面后重试"
    deferred_join_offset = DEFERRED_JOIN_OFFSET  # from this row on, a page reads its ids first (_deep_page)

    def __init__(self, model, name=None, category=None, **kwargs):
        super().__init__(model, db, name=name, category=category, **kwargs)

    # -- rows -------------------------------------------------------------
    def get_query(self):
        return access.scope(super().get_query(), self.model, self.own_org_only, self.scope_column)

    def get_count_query(self):
        return access.scope(super().get_count_query(), self.model, self.own_org_only, self.scope_column)

    def _list_queries(self, search, filters):
        """(query, count query, joins) of the list for ``search`` and ``filters``, nothing executed yet.

        The same WHERE as Flask-Admin's get_list; shared by the list page and "all rows matching" (bulk.py).
        """
        joins, count_joins = {}, {}
        query, count_query = self.get_query(), self.get_count_query()
        if self._search_supported and search:
            query, count_query, joins, count_joins = self._apply_search(query, count_query, joins, count_joins,
                                                                        search)
        if filters and self._filters:
            query, count_query, joins, count_joins = self._apply_filters(query, count_query, joins, count_joins,
                                                                         filters)
        return query, count_query, joins

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        query, count_query, joins = self._list_queries(search, filters)
        page_size = self.page_size if page_size is None else page_size
        count = self.capped_count(count_query, page or 0, page_size)
        query, joins = self._apply_sorting(query, joins, sort_column, sort_desc)
        if execute and page_size and (page or 0) * page_size >= self.deferred_join_offset:
            return count, self._deep_page(query, page, page_size)
        for j in self._auto_joins:
            query = query.options(joinedload(j))
        query = self._apply_pagination(query, page, page_size)
        return count, query.all() if execute else query

    def _deep_page(self, query, page, page_size):
        """A page far down the list: its ids first (sorted and skipped over the narrow rows alone), then only
        those rows with their related rows. Skipping 4,000 rows joined to their person and units costs
        several times more than skipping 4,000 ids."""
        ids = [row[0] for row in self._apply_pagination(query.with_entities(self.model.id), page, page_size)]
        if not ids:
            return []
        rows = self.get_query().filter(self.model.id.in_(ids))
        for j in self._auto_joins:
            rows = rows.options(joinedload(j))
        by_id = {row.id: row for row in rows}
        return [by_id[i] for i in ids if i in by_id]

    @staticmethod
    def capped_count(count_query, page, page_size):
        """The list's row count, reading at most COUNT_CAP rows (more on deep pages: the pager's window).

        ``count(*)`` of a province's 500,000 rows reads them all on every page view; nobody pages that far.
        """
        limit = max(COUNT_CAP, (page + 4) * page_size)
        rows = count_query.with_entities(literal_column("1")).limit(limit + 1).subquery()
        count = db.session.scalar(select(func.count()).select_from(rows))
        return CappedCount(count) if count > limit else count

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Every word typed must START one of the searchable columns: a prefix, through an index (filters.starts_with).

        Flask-Admin's ``%word%`` reads the whole table on every search; % and _ typed are literal here.
        """
        for term in search.split()[:MAX_SEARCH_TERMS]:
            clauses, count_clauses = [], []
            for field, path in self._search_fields:
                query, joins, alias = self._apply_path_joins(query, joins, path, inner_join=False)
                clauses.append(starts_with(field if alias is None else getattr(alias, field.key), term[:50]))
                count_query, count_joins, alias = self._apply_path_joins(count_query, count_joins, path,
                                                                         inner_join=False)
                count_clauses.append(starts_with(field if alias is None else getattr(alias, field.key), term[:50]))
            query, count_query = query.filter(or_(*clauses)), count_query.filter(or_(*count_clauses))
        return query, count_query, joins, count_joins

    def search_placeholder(self):
        if not self.column_searchable_list:
            return None
        labels = [str(self.column_labels.get(getattr(c, "key", c), c)) for c in self.column_searchable_list]
        either = "、".join(labels[:-1]) + "或" + labels[-1] if len(labels) > 1 else labels[0]
        return f"{either}（从开头匹配）"

    def get_one(self, id):
        pk = to_id(id, big=is_big(self.model.id))
        if pk is None:
            abort(404)
        obj = self.get_query().filter(self.model.id == pk).one_or_none()
        if obj is None:
            abort(404)
        return obj

    def scoped_ids(self, raw_ids) -> list[int]:
        """Cast posted row ids and keep only those the actor's scoped query returns."""
        raw_ids = list(raw_ids)
        if len(raw_ids) > MAX_ACTION_ROWS:
            abort(400, f"一次最多处理 {MAX_ACTION_ROWS} 条记录")
        ids = valid_ids(raw_ids, is_big(self.model.id))
        if not ids:
            return []
        rows = self.get_query().with_entities(self.model.id).filter(self.model.id.in_(ids)).all()
        return sorted(r[0] for r in rows)

    # -- list arguments ---------------------------------------------------------
    def _get_list_extra_args(self):
        args = super()._get_list_extra_args()
        # A negative page is the first; an absurd one too, rather than an OFFSET the database refuses.
        if not 0 <= (args.page or 0) <= MAX_PAGE:
            args.page = 0
        return args

    def _get_list_filter_args(self):
        """Flask-Admin checks a filter value's format only; dates are also held to a sane range here, for every
        date filter of every list (a stock filter would overflow or query years no record can have)."""
        kept = []
        for idx, name, value in super()._get_list_filter_args() or []:
            problem = out_of_range(self._filters[idx], value)
            if problem:
                flash(f"筛选条件「{name}」：{problem}", "error")
            else:
                kept.append((idx, name, value))
        return kept if self._filters else None

    def _get_filter_groups(self):
        """Flask-Admin reads filter options once, at start-up; a filter whose options depend on who is asking
        (the unit's own departments) offers ``request_options()``, read here on every page."""
        groups = super()._get_filter_groups()
        for items in (groups or {}).values():
            for item in items:
                flt = self._filters[item["index"]]
                if hasattr(flt, "request_options"):
                    item["options"] = flt.request_options()
        return groups

    def handle_action(self, return_view=None):
        form = self.action_form()
        if self.validate_form(form):
            action = form.action.data
            handler = self._actions_data.get(action)
            ids = self.selected_ids(action) if handler and self.is_action_allowed(action) else None
            if ids is not None:
                response = handler[0](ids)
                if response is not None:
                    return response
        else:
            flash_errors(form, message="操作失败：%(error)s")
        url = self.get_url("." + return_view) if return_view else (get_redirect_target() or self.get_url(".index_view"))
        return redirect(url)

    # -- related choices --------------------------------------------------------
    def _create_ajax_loader(self, name, options):
        remote = getattr(self.model, name).property.mapper.class_
        return ScopedAjaxLoader(name, self.session, remote, **options)

    def _scope_choices(self, form):
        for field in form:
            factory = getattr(field, "query_factory", None)
            if factory is None:
                continue
            query = factory()
            remote = query.column_descriptions[0]["entity"]
            field.query = access.scope(query, remote)
            field.validators = [*field.validators, _posted_choice_in_scope]
        return form

    def create_form(self, obj=None):
        return self._scope_choices(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._scope_choices(super().edit_form(obj))

    def handle_view_exception(self, exc):
        db.session.rollback()
        return super().handle_view_exception(exc)

    # -- delete (the list's button and the "delete" action) -------------------------------------------
    def delete_model(self, model):
        """Flask-Admin's delete, deciding on the row as it is now: of two clicks at once, the second waits
        for the first and finds the row gone, instead of deleting it again and auditing a second delete."""
        pk = inspect(model).identity[0]  # no attribute access: an expired row that is gone would raise
        model = lock_row(self.model, pk)
        if model is None:
            db.session.rollback()
            flash(self.deleted_message, "error")
            return False
        try:
            self.on_model_delete(model)  # the view's refusal rule, on the fresh row
            db.session.flush()
            db.session.delete(model)
            db.session.commit()
        except IntegrityError:  # a reference the refusal rule does not know of, or one added meanwhile
            db.session.rollback()
            flash(self.delete_conflict_message, "error")
            return False
        except Exception as ex:
            if not self.handle_view_exception(ex):
                flash(gettext("Failed to delete record. %(error)s", error=str(ex)), "error")
                log.exception("Failed to delete record.")
            db.session.rollback()
            return False
        self.after_model_delete(model)
        return True
