"""学时（分）申报 and 学时（分）审核 (F21–F25): learning forms and rules as data, declarations, records, plans."""
from .catalogue import CATEGORIES, DECLARERS, HoursRule, LearningForm
from .plans import TrainingPlan
from .records import Attachment, CreditRecord, Declaration
from .totals import PersonYearHours

__all__ = ["CATEGORIES", "DECLARERS", "HoursRule", "LearningForm", "TrainingPlan", "Attachment", "CreditRecord",
           "Declaration", "PersonYearHours"]
