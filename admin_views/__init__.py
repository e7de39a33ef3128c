"""The admin back office: menus follow the seed guide (账户管理 / 学时（分）申报 / 学时（分）审核 / 查询统计)."""
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from .dashboard import DashboardView

ACCOUNT = "账户管理"
HOURS_DECLARE = "学时（分）申报"
HOURS_REVIEW = "学时（分）审核"
STATS = "查询统计"
PLATFORM = "平台设置"  # the operator's: learning forms and hours rules
WORKBENCH = "运维工作台"  # the operator's: global search, 360° pages (F32)

# Seed §5.1: 账户管理 has five 子模块; 人员调转 lists its pages in the guide's order a)–d).
MENU_GROUPS = {
    ACCOUNT: (
        ("本级机构管理", ("unit_info", "departments", "admins", "roles", "api_tokens")),
        ("下属机构管理", ("subordinates",)),
        ("注册审核管理", ("person_registration", "org_registration")),
        ("变更审核管理", ("person_change", "org_change")),
        ("人员调转", ("transfer_in_review", "transfer_out_review", "transfer_out", "transfer_records")),
    ),
    # Seed §5.2: 学时申报, 单位培训计划 (计划申报 / 学时申报), 学时申报记录.
    HOURS_DECLARE: (
        ("学时（分）申报", ("hours_declare",)),
        ("单位培训计划", ("plans", "plan_hours")),
        ("学时申报记录", ("hours_records",)),
    ),
}


def init_admin(app, csp_nonce):
    from .base import seed_words

    app.jinja_env.globals["seed_words"] = seed_words
    from .menu import sections

    app.jinja_env.globals["menu_sections"] = lambda category: sections(category, MENU_GROUPS.get(category.name))
    from . import registration_review
    from . import change_review
    from .admins import AdminsView
    from .audit_log import AuditLogView, add_audit_views
    from .departments import DepartmentView
    from .imports import StaffImportView
    from .jobs import JobsView
    from .roles import RoleView
    from .staff import StaffQueryView
    from .subordinates import SubordinateView
    from . import transfer
    from .unit_info import UnitInfoView
    from models import AdminMembership, AuditEntry, Department, Job, Organization, Person, Role

    admin = Admin(
        app,
        name="继续教育管理后台",
        url="/admin",
        index_view=DashboardView(name="待办事项", url="/admin", menu_icon_type=None),
        theme=Bootstrap4Theme(swatch="default", base_template="admin/app_base.html", fluid=True),
        translations_path=str(app.root_path) + "/translations",
        csp_nonce_generator=csp_nonce,  # one nonce per request, shared with our own templates
    )
    admin.add_view(UnitInfoView(name="基本信息管理", category=ACCOUNT, endpoint="unit_info"))
    admin.add_view(DepartmentView(Department, name="管理内设部门", category=ACCOUNT, endpoint="departments"))
    admin.add_view(AdminsView(AdminMembership, name="管理单位管理员", category=ACCOUNT, endpoint="admins"))
    admin.add_view(RoleView(Role, name="角色管理", category=ACCOUNT, endpoint="roles"))
    from models import ApiToken

    from .api_tokens import ApiTokenView

    admin.add_view(ApiTokenView(ApiToken, name="接口令牌", category=ACCOUNT, endpoint="api_tokens",
                                url="/admin/api-tokens"))
    admin.add_view(SubordinateView(Organization, name="下属机构管理", category=ACCOUNT, endpoint="subordinates"))
    registration_review.add_views(admin, ACCOUNT)
    change_review.add_views(admin, ACCOUNT)
    transfer.add_views(admin, ACCOUNT)
    from . import hours

    hours.add_views(admin, HOURS_DECLARE, HOURS_REVIEW, PLATFORM)
    from . import title_series

    title_series.add_views(admin, PLATFORM)
    from . import stats

    stats.add_views(admin, STATS)
    admin.add_view(StaffQueryView(Person, name="专技人员信息查询", category=STATS, endpoint="staff"))
    admin.add_view(StaffImportView(name="专技人员批量导入", category=STATS, endpoint="staff_import",
                                   url="/admin/staff/import"))
    stats.add_certificate_views(admin, STATS)
    admin.add_view(AuditLogView(AuditEntry, name="审计日志", category=STATS, endpoint="audit"))
    add_audit_views(admin, STATS)
    admin.add_view(JobsView(Job, name="导入导出任务", category=STATS, endpoint="jobs"))
    from . import workbench

    workbench.add_views(admin, WORKBENCH)
    return admin
