"""Which rows a list action acts on: the rows checked on the page, or all rows matching the filter.

Flask-Admin selects the current page only. A view that names an action in ``select_all_actions``
also offers "选择全部符合条件的 N 条记录": the page then posts ``select_all=1`` to the action URL
carrying the list's own query string, and the ids are re-evaluated here, at POST time, through the
very query the list shows — scoped, filtered, searched — capped at ``max_filtered_rows``.
Actions offered this way must be set-based (models.bulk.in_ids takes any number of ids).
"""
from flask import abort, flash, g, request
from sqlalchemy import select

from forms.input import is_big, to_id
from models import db

MAX_FILTERED_ROWS = 50_000


def valid_ids(raw_ids, big=False) -> set[int]:
    """The posted values that can be row ids at all (forms.input.to_id); whether they are the actor's is
    the scoped query's call."""
    return {pk for pk in (to_id(x, big=big) for x in raw_ids) if pk is not None}


class SelectAllMixin:
    select_all_actions: tuple = ()  # actions that may run on every row matching the current filter
    reason_actions: dict = {}       # action -> label of the reason the page asks for (e.g. 驳回原因)
    action_button_classes: dict = {}  # action -> Bootstrap button class of its button above the list
    max_filtered_rows = MAX_FILTERED_ROWS

    def filtered_ids(self):
        """Ids of the rows the list shows for the current query string, every page; None past the cap.

        One query over the ids with LIMIT cap + 1 tells both the ids and whether there are too many:
        no count of its own.
        """
        args = self._get_list_extra_args()
        query, _count_query, _joins = self._list_queries(args.search, args.filters)
        # .subquery() drops the list's eager joins: only the ids are read.
        rows = query.order_by(None).subquery()
        # Through the connection, not the ORM session: 50,000 plain ints need no ORM row processing.
        ids = db.session.connection().execute(select(rows.c.id).limit(self.max_filtered_rows + 1)).scalars().all()
        return None if len(ids) > self.max_filtered_rows else ids

    def selected_ids(self, action):
        """Scoped ids the action may touch, or None after flashing why nothing was done.

        ``g.action_dropped``: posted ids the scoped list does not contain (decided meanwhile, or never
        the actor's), so the action's summary can say why they were skipped.
        """
        g.action_dropped = []
        if request.form.get("select_all") == "1":
            if action not in self.select_all_actions:
                abort(400, "该操作只能作用于勾选的记录")
            ids = self.filtered_ids()
            if ids is None:
                flash(f"符合条件的记录超过一次最多处理的 {self.max_filtered_rows} 条，请缩小筛选范围后再操作", "error")
                return None
            expected = request.form.get("expected", "")
            if to_id(expected) is not None and int(expected) != len(ids):
                flash(f"提交时符合条件的记录为 {len(ids)} 条（页面显示时为 {expected} 条）", "info")
            if not ids:
                flash("没有符合条件的记录", "warning")
                return None
            return ids
        raw = request.form.getlist("rowid")
        ids = self.scoped_ids(raw)
        g.action_dropped = sorted(valid_ids(raw, is_big(self.model.id)) - set(ids))
        if not ids and not g.action_dropped:
            flash("请先选择至少一条记录", "warning")
            return None
        return ids
