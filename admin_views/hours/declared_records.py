"""学时（分）申报 · 学时申报记录 (F24, seed §5.2): the hours of the unit's staff (its subtree) in every state — a
training base sees what it declared — with their declaration, proof files and review trail."""
from models import CreditRecord, access

from .credit_lists import CreditRecordList


class DeclaredRecordsView(CreditRecordList):
    permission = "hours.records"
    column_list = ["person_name", "id_number", "org", "form", "category", "year", "end_date", "hours",
                   "approved_hours", "declared_by", "status", "created_at"]
    export_title = "学时申报记录"

    def rows(self, query):
        org = access.current_org()
        if org is not None and org.kind == "base":
            # A base's trainees are other units' staff: it sees the records it declared, nothing else of theirs.
            return query.filter(CreditRecord.declarer_org_id == org.id)
        return access.scope(query, CreditRecord)

    @property
    def intro(self):
        org = access.current_org()
        if org is not None and org.kind == "base":
            return "本基地为参训人员申报的学时记录。"
        return "本单位（含下属单位）人员的学时记录：个人申报、单位申报、继续教育基地申报和培训计划学时。"


def add_views(admin, declare_category, review_category, platform_category):
    admin.add_view(DeclaredRecordsView(name="学时申报记录", category=declare_category, endpoint="hours_records",
                                       url="/admin/hours/records"))
