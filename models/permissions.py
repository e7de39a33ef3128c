"""The fixed permission catalogue: one code per menu entry of the seed's admin back office.

Roles hold subsets of these codes; a super admin holds them all.
"""

CATALOGUE = [
    ("账户管理", [
        ("account.unit_info", "基本信息管理"),
        ("account.departments", "管理内设部门"),
        ("account.admins", "管理单位管理员"),
        ("account.roles", "角色管理"),
        ("account.subordinates", "下属机构管理"),
        ("review.person_registration", "专技人员注册审核"),
        ("review.org_registration", "下属单位注册审核"),
        ("review.person_change", "人员信息修改审核"),
        ("review.org_change", "机构信息修改审核"),
        ("transfer.out", "人员调出"),
        ("transfer.out_review", "人员调出审核"),
        ("transfer.in_review", "人员调入审核"),
        ("transfer.records", "调转记录"),
    ]),
    ("学时（分）申报", [
        ("hours.declare", "学时申报"),
        ("hours.plan", "单位培训计划"),
        ("hours.records", "学时申报记录"),
    ]),
    ("学时（分）审核", [
        ("hours.review", "学时审核"),
        ("hours.plan_review", "培训计划审核"),
    ]),
    ("查询统计", [
        ("stats.title_distribution", "职称系列分布查询"),
        ("stats.completion", "继教完成情况查询"),
        ("stats.staff", "专技人员信息查询"),
        ("stats.staff_import", "专技人员批量导入"),
        ("stats.staff_password", "重置专技人员密码"),
        ("stats.certificates", "电子证书查询打印"),
        ("audit.view", "审计日志"),
    ]),
]

LABELS = {code: label for _, items in CATALOGUE for code, label in items}
ALL = frozenset(LABELS)  # what a unit's role may hold: the operator's own codes below are never a unit's

# The platform operator's own codes (运维工作台, F32). Operators are accounts with one of OPERATOR_ROLES.
OPERATOR_CATALOGUE = [
    ("运维工作台", [
        ("ops.view", "运维工作台（查看）"),
        ("ops.fix", "数据修正及一切修改操作（须填写原因）"),
    ]),
]
OPERATOR_LABELS = {code: label for _, items in OPERATOR_CATALOGUE for code, label in items}
FIX_CODES = frozenset({"ops.fix"})
OPERATOR_WRITE = "ops.fix"  # without it an operator may not POST to any admin page (admin_views/base.AccessMixin)
# 客服 answers calls and looks things up; 运维 may also change data. NULL (operators made before roles) is 运维.
OPERATOR_ROLES = {
    "service": ("客服", ALL | frozenset(OPERATOR_LABELS) - FIX_CODES),
    "ops": ("运维", ALL | frozenset(OPERATOR_LABELS)),
}
DEFAULT_OPERATOR_ROLE = "ops"


def operator_role(role: str | None) -> str:
    return role if role in OPERATOR_ROLES else DEFAULT_OPERATOR_ROLE


def operator_codes(role: str | None) -> frozenset:
    return OPERATOR_ROLES[operator_role(role)][1]


def clean_codes(codes) -> list[str]:
    """Known codes only, in catalogue order."""
    wanted = set(codes or ())
    return [code for code in LABELS if code in wanted]
