"""账户管理 · 人员调转 (seed §5.1.5, F17–F20): 人员调出 (start.py), 人员调出审核 / 人员调入审核 (decisions.py),
调转记录 (history.py); what their lists share is in listing.py."""
from models import Transfer

from .decisions import TransferInReviewView, TransferOutReviewView
from .history import TransferInRecordsView, TransferOutRecordsView
from .start import TransferOutView


def add_views(admin, category):
    admin.add_view(TransferOutView(Transfer, name="人员调出", category=category, endpoint="transfer_out"))
    admin.add_view(TransferOutReviewView(Transfer, name="人员调出审核", category=category,
                                         endpoint="transfer_out_review"))
    admin.add_view(TransferInReviewView(Transfer, name="人员调入审核", category=category,
                                        endpoint="transfer_in_review"))
    admin.add_view(TransferInRecordsView(Transfer, name="调转记录", category=category, endpoint="transfer_records"))
    admin.add_view(TransferOutRecordsView(Transfer, name="调出记录", category=category,
                                          endpoint="transfer_records_out"))
