"""导出 Excel of every list: exactly the rows the list shows for its query string (filters, search, sort), all
pages, through the view's scoped query — never another unit's row.

A view declares ``export_columns`` (and ``export_title`` for the file name); this mixin of ScopedModelView adds
``<view>/export.xlsx`` and the list template its button. The ids are read first, in the list's order (one narrow
query, 8 bytes a row), then the rows in chunks of EXPORT_CHUNK by id through the same list query: a chunk is
loaded with what its columns read, written and dropped, so 100,000 rows never sit in memory at once, and a
chunk is a query of its own (nothing holds a cursor open across the commits a background job makes).
Up to EXPORT_SYNC_ROWS rows (a capped count decides) the file is the response; a larger list is written by a
background job (models/jobs.py) whose page shows the progress and then offers the file.
Every export is audited: who, which list, its filters and search, how many rows.
"""
import io
import json
from array import array
from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_admin import expose
from sqlalchemy import func, inspect, literal_column, select
from sqlalchemy.orm import joinedload

from models import audit, db
from models.jobs import job_kind, job_url, start_job
from models.spreadsheet.writing import OutColumn, download_name, write_xlsx

EXPORT_SYNC_ROWS = 2_000  # up to this many rows the file is written during the request; more: a background job
EXPORT_MAX_ROWS = 1_000_000  # one sheet holds 1,048,576 rows, the header included
EXPORT_CHUNK = 1_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOO_MANY = f"符合条件的记录超过 {EXPORT_MAX_ROWS:,} 条，超出 Excel 单个工作表的上限，请缩小筛选范围后再导出"


@dataclass(frozen=True)
class ExportColumn:
    label: str | None       # None: the list's own label of the column ``column`` (default: ``getter``)
    getter: str | Callable  # an attribute path on the row ("org.name"), or row -> value
    kind: str = "text"      # models.spreadsheet.writing.KINDS
    width: int | None = None
    column: str | None = None

    def label_in(self, labels) -> str:
        if self.label:
            return self.label
        name = self.column or self.getter
        return str(labels.get(name, name))


def path_getter(path: str) -> Callable:
    """row -> the value at ``path``; None where a link on the way is empty (a person without a department)."""
    parts = path.split(".")

    def get(row):
        for part in parts:
            row = getattr(row, part)
            if row is None:
                return None
        return row

    return get


def eager_loads(model, paths) -> list:
    """joinedload options for the relationships the attribute paths walk: a chunk of rows and their linked
    rows in one query, whatever the chunk's size. A link read for one column ("org.name") brings that column
    only: a unit's twenty columns on each of 100,000 rows cost more to parse than the rows themselves."""
    wanted = {}  # relationship path -> the columns read at its end (None: the whole row)
    for path in paths:
        mapper, hops = inspect(model), []
        parts = path.split(".")
        for part in parts[:-1]:
            if part not in mapper.relationships:
                break
            hops.append(getattr(mapper.class_, part))
            mapper = mapper.relationships[part].mapper
        else:
            if hops:
                column = parts[-1] if parts[-1] in mapper.column_attrs else None
                key = tuple(hops)
                columns = wanted.setdefault(key, set())
                wanted[key] = None if columns is None or column is None else columns | {column}
    options = []
    for hops, columns in wanted.items():
        loader = joinedload(hops[0])
        for attr in hops[1:]:
            loader = loader.joinedload(attr)
        if columns:
            target = hops[-1].property.mapper.class_
            loader = loader.load_only(*(getattr(target, c) for c in sorted(columns)))
        options.append(loader)
    return options


def chunks(ids, size=None):
    size = size or EXPORT_CHUNK
    for start in range(0, len(ids), size):
        yield ids[start:start + size].tolist()


class ExportMixin:
    export_columns: tuple = ()  # ExportColumn, in the file's order; none: the list has no export
    export_title: str = ""      # the file's name before the date, e.g. 专技人员信息; default: the view's name

    # -- what a view may refine -------------------------------------------------------------------------
    def export_batch(self, rows):
        """Read what this chunk's columns need beyond their eager-loaded links, in a fixed number of queries."""

    def export_file_title(self) -> str:
        return self.export_title or self.name

    # -- the rows -----------------------------------------------------------------------------------------
    def export_out_columns(self) -> list[OutColumn]:
        labels = self.column_labels or {}
        return [OutColumn(c.label_in(labels), c.kind, c.width) for c in self.export_columns]

    def _export_list(self):
        """(rows query, count query, list arguments) for the current query string; the rows in the list's order."""
        args = self._get_list_extra_args()
        query, count_query, joins = self._list_queries(args.search, args.filters)
        sort = self._get_column_by_idx(args.sort)
        query, _joins = self._apply_sorting(query, joins, sort[0] if sort else None, args.sort_desc)
        return query, count_query, args

    def export_count(self, count_query, cap) -> int:
        """How many rows the list has, counting no further than ``cap`` + 1."""
        rows = count_query.with_entities(literal_column("1")).limit(cap + 1).subquery()
        return db.session.scalar(select(func.count()).select_from(rows))

    def export_ids(self, query) -> array:
        # Streamed (yield_per): fetched whole, 100,000 ids pass through 100,000 result rows at once.
        statement = query.with_entities(self.model.id).limit(EXPORT_MAX_ROWS + 1).statement
        ids = array("q", db.session.execute(statement, execution_options={"yield_per": 10_000}).scalars())
        if len(ids) > EXPORT_MAX_ROWS:
            raise ValueError(TOO_MANY)
        return ids

    def export_rows(self, ids):
        """The cells of the rows ``ids`` (the scoped list's own, just read: :meth:`export_ids`), in that order.

        A chunk is read by primary key alone: its ids passed the scope, the filters and the search moments ago.
        Asked again per chunk, they leave each chunk's plan to the statistics, and stale ones made PostgreSQL
        walk the subtree's org closure and read every row of every unit in it to keep a thousand (277 ms a chunk
        of 100,000 staff, against 3 ms by primary key: a hundred chunks, or five hundred for a province).
        """
        getters = [path_getter(c.getter) if isinstance(c.getter, str) else c.getter for c in self.export_columns]
        rows_query = db.session.query(self.model).options(*eager_loads(
            self.model, [c.getter for c in self.export_columns if isinstance(c.getter, str)]))
        for chunk in chunks(ids):
            by_id = {row.id: row for row in rows_query.filter(self.model.id.in_(chunk))}
            batch = [by_id[i] for i in chunk if i in by_id]  # a row deleted meanwhile is left out
            self.export_batch(batch)
            # Read out before any is written: a job's progress commits, which expires the chunk's rows.
            yield from [[get(row) for get in getters] for row in batch]

    def write_export(self, target, progress=None, listed=None) -> int:
        """Write the list of the current query string to ``target`` and audit it (the caller commits).

        ``progress(done, total)``: every EXPORT_CHUNK rows. ``listed``: :meth:`_export_list` if already built.
        Returns the rows written.
        """
        query, _count, args = listed or self._export_list()
        ids = self.export_ids(query)

        def step(done):
            progress(done, len(ids))

        if progress is not None:
            progress(0, len(ids))
        written = write_xlsx(target, self.export_out_columns(), self.export_rows(ids),
                             sheet_title=self.export_file_title(), progress=step if progress else None)
        self._audit_export(args, written)
        return written

    def _audit_export(self, args, rows):
        filters = [[str(self._filters[idx].name), str(self._filters[idx].operation()), str(value)[:100]]
                   for idx, _name, value in args.filters or []]
        changes = {"title": self.export_file_title(), "rows": rows, "search": (args.search or "")[:100],
                   "filters": filters, "query": request.query_string.decode("utf-8", "replace")[:1000]}
        audit.record(self.model.__tablename__, self.endpoint, "export", changes)

    # -- the page --------------------------------------------------------------------------------------
    def export_url(self) -> str:
        return _with_query(url_for(".export_xlsx"))

    @expose("/export.xlsx")
    def export_xlsx(self):
        if not self.export_columns:
            abort(404)
        listed = self._export_list()
        if self.export_count(listed[1], EXPORT_SYNC_ROWS) > EXPORT_SYNC_ROWS:
            job = start_job("export", f"导出{self.export_file_title()}"[:100], {
                "endpoint": self.endpoint, "path": request.path,
                "query": request.query_string.decode("utf-8", "replace")})
            return redirect(job_url(job))
        buffer = io.BytesIO()
        try:
            self.write_export(buffer, listed=listed)
        except ValueError as e:  # more rows than a sheet holds: added since they were counted
            db.session.rollback()
            flash(str(e), "error")
            return redirect(_with_query(url_for(".index_view")))
        db.session.commit()
        buffer.seek(0)
        return send_file(buffer, mimetype=XLSX, as_attachment=True,
                         download_name=download_name(self.export_file_title()), max_age=0)


def _with_query(url):
    query = request.query_string.decode("utf-8", "replace")
    return url + (f"?{query}" if query else "")


@job_kind("export")
def run_export(run):
    """A large export, in the background: the same list, for the same actor (the job's request context) and the
    same query string (a request context of the list's own URL inside it), rights checked again."""
    view = next((v for v in current_app.extensions["admin"][0]._views if v.endpoint == run.params.get("endpoint")),
                None)
    if view is None or not getattr(view, "export_columns", None):
        raise ValueError("该列表已不提供导出")
    with current_app.test_request_context(run.params["path"], query_string=run.params.get("query", ""),
                                          environ_base={"REMOTE_ADDR": request.remote_addr}):
        if not view.is_accessible():
            raise ValueError("您已没有该列表的查看权限，导出未执行")
        path = run.file_path(".xlsx")
        try:
            written = view.write_export(path, progress=lambda done, total: run.progress(done, total, phase="写入中"))
        except BaseException:
            path.unlink(missing_ok=True)  # half a file is no result
            raise
        run.finish(f"已导出 {written:,} 条记录", result={"url": _with_query(url_for(f"{view.endpoint}.index_view")),
                                                         "url_label": f"返回{view.name}"},
                   file_name=download_name(view.export_file_title()))


def compact_json(value) -> str:
    """JSON as one line of text for a cell: Chinese kept readable, no spaces."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str) if value else ""
