"""运维工作台 · 批量修正 (F32): fix many persons or units at once by exporting a list, editing it in Excel and
uploading it back. Two kinds of the one import engine (models/spreadsheet/imports.py): 人员 matched by 身份证号,
单位 by 统一社会信用代码.

The columns carry the labels of the exports the operator downloads (专技人员信息查询, 下属机构管理), so an
exported file is an upload as it is. Of those columns only the editable ones are compared; the others (工作单位 —
moving is its own fix —, 所在部门, 状态, dates of record) are read and ignored with a notice. A column absent from
the file keeps the stored values; an emptied cell of a present column empties the field (not for the fields a
record must have).

The dry run compares each row with the database: changed (fields before → after), unchanged, unknown key or
invalid (the same value rules as the single fix: the same choice lists, the same 职称系列/级别 pairing, the same
date, phone and e-mail checks). The preview keeps what it showed; applying reads the file and the database again
and writes a field only where the database still holds the "before" shown — a record changed meanwhile is
skipped and reported, never overwritten. The write is one executemany per table and one audit INSERT, under the
request's one id with the reason, so 撤回 (models/audit_revert.py) takes the whole fix back.
"""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, select, update

from .. import audit
from ..base import db
from ..bulk import in_values
from ..choices import EDUCATIONS, INDUSTRIES, ORG_NATURES, REGIONS, TITLE_LEVELS
from ..org import Organization
from ..person import Person
from ..spreadsheet import cells
from ..spreadsheet.reading import MAX_ROWS
from ..spreadsheet.imports import Column, ImportKind, Written, register
from ..staff_import import title_day
from ..title_series import LEVEL_REFUSED, NO_LEVEL, UNKNOWN_SERIES, TitleSeries
from ..validators import normalize_uscc

# Keys per lookup: a whole file (one bound parameter however many keys, models/bulk.in_values), so a file of any
# size is read and locked in the same number of statements.
CHUNK = MAX_ROWS
SHOWN_CHANGES = 500  # changed rows the preview page lists (all of them are kept for the apply)

UNKNOWN_PERSON = "平台上没有该身份证号的人员"
UNKNOWN_UNIT = "平台上没有该统一社会信用代码的单位"
NOT_A_CHOICE = "“{value}”不是可选的值"
CANNOT_EMPTY = "不能清空"
READ_ONLY = "以下列不能通过批量修正修改，已忽略：{labels}"
NO_EDITABLE = "文件中没有可以修改的列（可修改：{labels}），本次不会修改任何数据"
STALE = "预览后该{what}已被修改（{fields}），本次跳过，未覆盖"


def _uscc(value):
    text = cells.text(value)
    return normalize_uscc(text) if text else ""


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


@dataclass
class FixContext:
    reason: str | None = None
    present: set = field(default_factory=set)     # editable keys the file holds
    previewed: dict | None = None                  # the preview's summary, when applying
    series_levels: dict = field(default_factory=dict)


@dataclass
class FixWritten(Written):
    stale: list = field(default_factory=list)  # [row number, key, message] of rows skipped as changed meanwhile


class FixKind(ImportKind):
    """Shared by both kinds: ``model`` and ``entity`` (the audit's), ``key`` (the matching column), ``editable``
    (keys compared and written), ``required`` (editable keys that may not be emptied), ``choices`` per key."""

    fixes_preview = True  # import_runs: the apply gets the preview, not a password
    model = None
    entity = ""
    key = ""
    what = ""
    unknown = ""
    editable: tuple = ()
    required: tuple = ()
    choices: dict = {}

    def context(self, org, reason=None, previewed=None, **_):
        return FixContext(reason, previewed=previewed)

    @property
    def read_only_labels(self) -> list[str]:
        return [c.label for c in self.columns if c.key != self.key and c.key not in self.editable]

    @property
    def editable_labels(self) -> list[str]:
        return [c.label for c in self.columns if c.key in self.editable]

    def label(self, key) -> str:
        return next(c.label for c in self.columns if c.key == key)

    def header_found(self, keys, ctx):
        ctx.present = {k for k in self.editable if k in keys}
        notices = []
        ignored = [c.label for c in self.columns if c.key in keys and c.key != self.key and c.key not in self.editable]
        if ignored:
            notices.append(READ_ONLY.format(labels="、".join(ignored)))
        if not ctx.present:
            notices.append(NO_EDITABLE.format(labels="、".join(self.editable_labels)))
        return notices

    # -- the dry run ---------------------------------------------------------------------------------------
    def _stored(self, keys) -> dict:
        t = self.model.__table__.c
        found = {}
        for start in range(0, len(keys), CHUNK):
            stmt = select(t.id, t[self.key], *[t[f] for f in self.editable]).where(
                in_values(t[self.key], keys[start:start + CHUNK]))
            for r in db.session.execute(stmt):
                found[r[1]] = {"id": r[0], **{f: _plain(v) for f, v in zip(self.editable, r[2:])}}
        return found

    def _refusal(self, key, value, after, ctx):
        """The single fix's rule for one changed value, or None."""
        if value is None and key in self.required:
            return CANNOT_EMPTY
        allowed = self.choices.get(key)
        if value is not None and allowed is not None and value not in (allowed(ctx) if callable(allowed) else allowed):
            return NOT_A_CHOICE.format(value=value)
        return None

    def cross_check(self, row, after, changes, ctx):
        """Rules over several fields of the record as it would be."""

    def check(self, rows, ctx):
        at = {c.key: i for i, c in enumerate(self.columns)}
        self.prepare(ctx)
        stored = self._stored([r.values[self.key] for r in rows if r.values.get(self.key)])
        for row in rows:
            value = row.values.get(self.key)
            if value is None:
                continue
            known = stored.get(value)
            if known is None:
                row.extra["unknown"] = True
                row.fail(at[self.key], self.unknown)
                continue
            after = {f: (_plain(row.values.get(f)) if f in ctx.present else known[f]) for f in self.editable}
            for f in ctx.present:
                if after[f] == "":
                    after[f] = None
            changes = {f: {"before": known[f], "after": after[f]} for f in self.editable
                       if f in ctx.present and after[f] != known[f]}
            for f in changes:
                refusal = self._refusal(f, after[f], after, ctx)
                if refusal:
                    row.fail(at[f], refusal)
            self.cross_check(row, after, changes, ctx)
            row.update_of = known["id"]
            row.extra["changes"] = changes

    def prepare(self, ctx):
        """What the checks read once per file."""

    def summary(self, preview):
        """Counts by outcome and the changes per row; every changed row is kept (the apply compares with them),
        the page lists the first SHOWN_CHANGES."""
        changed, unchanged, unknown, invalid = [], 0, 0, 0
        for row in preview.rows:
            if not row.ok:
                if row.extra.get("unknown"):
                    unknown += 1
                else:
                    invalid += 1
                continue
            changes = row.extra.get("changes") or {}
            if not changes:
                unchanged += 1
                continue
            changed.append([row.number, row.values[self.key], self._name(row),
                            [[f, c["before"], c["after"]] for f, c in changes.items()]])
        return {"fix": {"changed": len(changed), "unchanged": unchanged, "unknown": unknown, "invalid": invalid,
                        "rows": changed, "labels": {c.key: c.label for c in self.columns},
                        "read_only": self.read_only_labels, "editable": self.editable_labels}}

    def _name(self, row) -> str:
        return cells.text(row.raw[0])

    # -- the apply -----------------------------------------------------------------------------------------
    def write(self, rows, ctx) -> FixWritten:
        shown = {}
        for number, key, _, changes in ((ctx.previewed or {}).get("fix") or {}).get("rows", []):
            shown[key] = {f: before for f, before, _ in changes}
        t = self.model.__table__
        todo = [r for r in rows if r.extra.get("changes")]
        current = self._locked([r.update_of for r in todo])
        written = FixWritten()
        params, entries = [], []
        for row in todo:
            key, changes = row.values[self.key], row.extra["changes"]
            now_values, previewed = current.get(row.update_of), shown.get(key)
            if now_values is None or previewed is None:
                moved = list(changes)
            else:
                moved = [f for f in set(changes) | set(previewed)
                         if f not in previewed or f not in changes or previewed[f] != now_values[f]]
            if moved:
                fields = "、".join(self.label(f) for f in sorted(moved, key=self.editable.index))
                written.stale.append([row.number, key, STALE.format(what=self.what, fields=fields)])
                continue
            after = {f: now_values[f] for f in self.editable}
            after.update({f: c["after"] for f, c in changes.items()})
            params.append({"_id": row.update_of, **{f: self._typed(f, v) for f, v in after.items()}})
            entries.append((row.update_of, changes))
        if params:
            db.session.execute(update(t).where(t.c.id == bindparam("_id"))
                               .values({f: bindparam(f) for f in self.editable}), params)
            audit.record_bulk(self.entity, "update", entries, ctx.reason)
            self.after_write(params, entries, ctx)
        written.updated = len(params)
        written.unchanged = len(rows) - len(todo)
        return written

    def after_write(self, params, entries, ctx):
        """What else the same fix must write (a person's name lives on the login account too)."""

    def _typed(self, name, value):
        if name == "title_date" and value:
            return date.fromisoformat(value)
        return value

    def _locked(self, ids) -> dict:
        """The records to write, locked (PostgreSQL) and read again: what "still as previewed" compares with."""
        from ..bulk import in_ids

        t = self.model.__table__.c
        out = {}
        if ids and db.session.get_bind().dialect.name != "postgresql":
            # SQLite has no row locks: a write that changes nothing takes the database's write lock before the
            # read, so no other writer commits between this comparison and the UPDATE (models/base.lock_row).
            db.session.execute(update(self.model.__table__).where(t.id == min(ids)).values(id=t.id))
        for start in range(0, len(ids), CHUNK):
            stmt = select(t.id, *[t[f] for f in self.editable]).where(in_ids(t.id, ids[start:start + CHUNK]))
            if db.session.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update()
            for r in db.session.execute(stmt):
                out[r[0]] = {f: _plain(v) for f, v in zip(self.editable, r[1:])}
        return out

    def result(self, written):
        return {"stale": getattr(written, "stale", [])}


def _ignored(key, label, **kw):
    """A column of the export that the fix reads past (its label is known, so it is no 'unknown column')."""
    return Column(key, label, width=kw.pop("width", 14), **kw)


class PersonFix(FixKind):
    name = "fix_person"
    title = "专技人员信息"
    model = Person
    entity = "person"
    key = "id_number"
    what = "人员"
    unknown = UNKNOWN_PERSON
    editable = ("education", "major", "title_series", "title_name", "title_level", "title_date", "admin_post")
    choices = {"education": EDUCATIONS, "title_level": TITLE_LEVELS,
               "title_series": lambda ctx: ctx.series_levels}
    # The labels of 专技人员信息查询's export (admin_views/staff.py PERSON_COLUMNS), in its order.
    columns = (
        _ignored("name", "姓名", width=12),
        Column("id_number", "身份证号", required=True, normalise=cells.id_number, unique=True, number_format="@",
               width=22),
        _ignored("gender", "性别"), _ignored("birth_date", "出生日期"), _ignored("org", "工作单位", width=30),
        _ignored("department", "所在部门", width=16),
        Column("education", "学历"),
        Column("major", "所学专业", max_len=50, width=16),
        Column("title_series", "职称系列", max_len=20, width=14),
        Column("title_name", "职称名称", max_len=50, width=16),
        Column("title_level", "职称级别", max_len=10),
        Column("title_date", "取得职称时间", normalise=title_day, number_format="yyyy-mm-dd", width=14,
               aliases=("取得时间",)),
        Column("admin_post", "行政职务", max_len=50, width=14),
        _ignored("status", "状态"), _ignored("created_at", "注册时间"), _ignored("reviewed_at", "审核时间"),
    )
    notes = ("按身份证号找到人员；只修改与系统中不同的列，留空的单元格表示清空该项。",
             "姓名、工作单位、所在部门等列不能在此修改（姓名和部门请用单人数据修正，调整单位请用“调整单位”）。")

    def prepare(self, ctx):
        ctx.series_levels = dict(db.session.execute(select(TitleSeries.name, TitleSeries.levels)
                                                    .where(TitleSeries.active.is_(True))).all())

    def cross_check(self, row, after, changes, ctx):
        """The pair 职称系列 / 职称级别 as it would be stored, when either changes (title_series.level_refusal,
        with the series read once per file rather than once per row)."""
        if not ({"title_series", "title_level"} & set(changes)) or row.errors:
            return
        series, level = after["title_series"], after["title_level"]
        if not series or not level or level == NO_LEVEL:
            return
        levels = ctx.series_levels.get(series)
        refusal = UNKNOWN_SERIES if levels is None else (None if level in levels else LEVEL_REFUSED)
        if refusal:
            row.fail(self.index("title_level" if "title_level" in changes else "title_series"), refusal)


class UnitFix(FixKind):
    name = "fix_unit"
    title = "下属机构"
    model = Organization
    entity = "organization"
    key = "uscc"
    what = "单位"
    unknown = UNKNOWN_UNIT
    editable = ("name", "region", "nature", "industry", "address", "contact_name", "contact_phone", "contact_email")
    required = ("name", "contact_name", "contact_phone")
    choices = {"region": REGIONS, "nature": ORG_NATURES, "industry": INDUSTRIES}
    # The labels of 下属机构管理's export (admin_views/subordinates.py), in its order.
    columns = (
        Column("name", "单位名称", max_len=100, width=30),
        Column("uscc", "统一社会信用代码", required=True, normalise=_uscc, unique=True, number_format="@", width=21),
        _ignored("kind", "机构类型"), _ignored("tree_path", "隶属关系", width=50),
        Column("region", "所属地区"),
        Column("nature", "单位性质", width=14),
        Column("industry", "所属行业", width=14),
        Column("address", "单位地址", max_len=200, width=30),
        Column("contact_name", "联系人", max_len=50),
        Column("contact_phone", "联系电话", normalise=cells.phone, max_len=20, number_format="@"),
        Column("contact_email", "联系邮箱", normalise=cells.email, max_len=120, width=24),
        _ignored("status", "状态"), _ignored("created_at", "创建时间"), _ignored("reviewed_at", "审核时间"),
    )
    notes = ("按统一社会信用代码找到单位；只修改与系统中不同的列，留空的单元格表示清空该项（单位名称、联系人、联系电话不能清空）。",
             "统一社会信用代码、机构类型、隶属关系、状态不能在此修改。")


PERSON, UNIT = register(PersonFix()), register(UnitFix())
