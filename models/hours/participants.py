"""参训人员名单: the participants of a 岗位培训 (F21) or a training plan's hours (F23), read from a spreadsheet.

A kind of the one import engine (models/spreadsheet/imports.py) that only validates: its valid rows are the
applicants the declaration page adds to its picker, and the declaration itself is the write (records.declare,
which takes the person ids again through the declaring admin's scope). So ``write`` refuses: nothing routes a
participants upload to the engine's ``commit``.

A row passes when its 身份证号 is an approved person inside the acting admin's org subtree and its 姓名 is the
name registered for it. Whatever lies outside the subtree is answered with the same sentence as an ID number
nobody holds: an admin must not learn from a file of guessed numbers who works elsewhere.
"""
from dataclasses import dataclass

from sqlalchemy import select

from ..base import db
from ..bulk import in_values
from ..choices import PERSON_STATUSES
from ..org import subtree_ids
from ..person import Person
from ..spreadsheet import cells
from ..spreadsheet.imports import Column, ImportKind, ImportRefused, register
from ..staff_import import EXAMPLE_ID
from ..validators import mask_id_number
from .records import MAX_APPLICANTS

NOT_OURS = "该身份证号不是本单位（含下属单位）的已审核人员"
NOT_APPROVED = "该人员的状态为“{status}”，不是已审核人员，不能为其申报学时"
NAME_MISMATCH = "姓名与该身份证号登记的姓名（{name}）不一致"
WRITES_NOTHING = "参训人员名单只用于校验并添加申请人，不单独导入；请在申报页提交申报"


@dataclass
class ParticipantsContext:
    org_id: int  # the acting admin's org: its subtree bounds who may be a participant


class ParticipantsImport(ImportKind):
    name = "hours_participants"
    title = "参训人员名单"
    # A declaration takes at most this many applicants: a longer list could never be declared at once.
    max_rows = MAX_APPLICANTS
    columns = (
        Column("name", "姓名", required=True, max_len=50, example="张三", note="须与该人员登记的姓名一致"),
        Column("id_number", "身份证号", required=True, normalise=cells.id_number, unique=True, number_format="@",
               width=22, example=EXAMPLE_ID, note="18位，最后一位可以是X；本列为文本格式，请勿改为数字"),
        Column("department", "所在部门", max_len=50, width=18, example="办公室", note="可留空；仅供核对，不作校验"),
    )
    notes = (
        "名单中的人员须是本单位（含下属单位）已审核的专业技术人员，姓名须与其登记的姓名一致。",
        f"每份名单最多 {MAX_APPLICANTS:,} 人（一次申报的上限）；同一身份证号在名单中只能出现一次。",
        "上传后系统逐行校验，通过的人员加入本次申报的申请人；有误的行可以导出，改正后再次上传。",
    )

    def context(self, org, **options):
        return ParticipantsContext(org.id)

    def check(self, rows, ctx):
        """One query for the whole file: the ID numbers' persons inside the subtree, whatever their status."""
        at_name, at_id = self.index("name"), self.index("id_number")
        numbers = [r.values["id_number"] for r in rows if "id_number" in r.values]
        found = {}
        if numbers:
            p = Person.__table__.c
            found = {r.id_number: r for r in db.session.execute(
                select(p.id, p.id_number, p.name, p.status)
                .where(in_values(p.id_number, numbers), p.org_id.in_(subtree_ids(ctx.org_id))))}
        for row in rows:
            number = row.values.get("id_number")
            if number is None:
                continue
            person = found.get(number)
            if person is None:
                row.fail(at_id, NOT_OURS)
            elif person.status != "approved":
                row.fail(at_id, NOT_APPROVED.format(status=PERSON_STATUSES.get(person.status, person.status)))
            elif "name" in row.values and row.values["name"] != person.name:
                row.fail(at_name, NAME_MISMATCH.format(name=person.name))
            else:
                row.extra["person"] = {"id": person.id, "name": person.name, "masked_id": mask_id_number(number)}

    def summary(self, preview):
        """The people the page adds to its applicants, in the file's order (kept with the dry run's summary, so a
        check run as a background job hands them over the same way)."""
        return {"people": [r.extra["person"] for r in preview.valid_rows]}

    def write(self, rows, ctx):
        raise ImportRefused(WRITES_NOTHING)


register(ParticipantsImport())
