"""Domain model. Import from here: ``from models import db, Person``."""
from . import audit
from .account import Account, OutboxMail, PasswordResetCode, Throttle
from .admin import AdminMembership, Role
from .api_tokens import ApiPush, ApiToken
from .audit import AuditEntry
from .base import db, now
from .certificates import Certificate
from .hours import Attachment, CreditRecord, Declaration, HoursRule, LearningForm, TrainingPlan
from .jobs import Job
from .org import Department, Organization, OrgClosure, subtree_ids
from .person import Person
from .review_records import ChangeRequest, ReviewRecord
from .title_series import TitleSeries
from .transfer import Transfer

__all__ = [
    "db", "now", "audit", "Account", "OutboxMail", "PasswordResetCode", "Throttle", "AdminMembership",
    "Role", "AuditEntry", "Department", "Organization", "OrgClosure", "subtree_ids", "Person",
    "ChangeRequest", "ReviewRecord", "Transfer", "Job", "LearningForm", "HoursRule", "Declaration", "CreditRecord",
    "Attachment", "TrainingPlan", "TitleSeries", "Certificate", "ApiToken", "ApiPush",
]
