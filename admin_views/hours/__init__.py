"""学时（分）申报 / 学时（分）审核 pages (seed §5.2–5.3) and the operator's 学习形式 / 学时规则 settings.

One module per page group, named for what it holds: declare (学时申报), declared_records (学时申报记录),
credit_review (学时审核), plans (单位培训计划), plan_review (培训计划审核), catalogue (学习形式 / 学时规则),
attachments (证明材料), participants (参训人员批量导入).
"""
from . import attachments, catalogue
from . import credit_review, declared_records
from . import declare
from . import participants
from . import plan_review, plans


def add_views(admin, declare_category, review_category, platform_category):
    """Each module's ``add_views`` registers its pages; the order here is the menu's."""
    declare.add_views(admin, declare_category, review_category, platform_category)
    # [views are registered here, one line per module]
    catalogue.add_views(admin, declare_category, review_category, platform_category)
    attachments.add_views(admin, declare_category, review_category, platform_category)
    plans.add_views(admin, declare_category, review_category, platform_category)
    declared_records.add_views(admin, declare_category, review_category, platform_category)
    credit_review.add_views(admin, declare_category, review_category, platform_category)
    participants.add_views(admin, declare_category, review_category, platform_category)
    plan_review.add_views(admin, declare_category, review_category, platform_category)
