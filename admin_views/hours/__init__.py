"""学时（分）申报 / 学时（分）审核 pages (seed §5.2–5.3) and the operator's 学习形式 / 学时规则 settings.

One module per page group, named for what it holds: declare (学时申报), declared_records (学时申报记录),
credit_review (学时审核), plans (单位培训计划), plan_review (培训计划审核), catalogue (学习形式 / 学时规则),
attachments (证明材料), participants (参训人员批量导入).
"""
from . import (attachments, catalogue, credit_review, declare, declared_records, participants, plan_review,
               plans)

# The menu's order: 学时申报, 单位培训计划, 学时申报记录 | 学时审核, 培训计划审核 | 学习形式管理, 学时规则.
MODULES = (declare, plans, declared_records, participants, credit_review, plan_review, catalogue, attachments)


def add_views(admin, declare_category, review_category, platform_category):
    """Each module's ``add_views`` registers its pages."""
    for module in MODULES:
        module.add_views(admin, declare_category, review_category, platform_category)
