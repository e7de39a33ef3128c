"""账户管理 · 调转记录 (F20): 调入记录 and 调出记录, every status, each with its steps on the details page.

Rejected and withdrawn transfers stay here. The target unit's 调入记录 starts once the out unit let the
person go: before that a transfer is the out unit's own matter.
"""
from .listing import TransferView

TABS = (("transfer_records", "调入记录"), ("transfer_records_out", "调出记录"))


class TransferRecordsView(TransferView):
    permission = "transfer.records"
    tabs = TABS
    column_list = ["person", "id_number", "from_org", "to_org", "transfer_date", "status", "initiated_via",
                   "created_at", "completed_at"]
    column_sortable_list = ["created_at", "transfer_date", "completed_at"]
    empty_message = "暂无调转记录"


class TransferInRecordsView(TransferRecordsView):
    side = "in"
    export_title = "调入记录"
    intro = "调入本单位（含下属单位）的人员调转记录。"


class TransferOutRecordsView(TransferRecordsView):
    side = "out"
    intro = "从本单位（含下属单位）调出的人员调转记录，含已驳回和已撤销的申请。"

    def is_visible(self):
        return False  # reached through the 调出记录 tab of 调转记录
