"""The documented demo accounts (README.md, section 演示账号). tests/test_demo.py logs in with each of them.

Every demo account, documented or not, has the password ``Demo1234``.
"""
from dataclasses import dataclass

from models import login

from .ids import person_id_number

PASSWORD = "Demo1234"


@dataclass(frozen=True)
class DemoAccount:
    key: str
    seq: int  # person_id_number(seq): fixed, so the README can list the ID number
    name: str
    user_type: str  # the 用户类型 chosen on the login page
    orgs: tuple  # keys in demo.orgs.ORGS the account administers or works for
    note: str
    lands_on: str | None = None  # path after a successful login
    refusal: str | None = None  # or the message the login shows instead
    operator_role: str | None = None  # an operator's 客服 ('service') or 运维 ('ops', the default)
    phone: str | None = None  # fixed, so that an account added later draws nothing from the plan's random stream

    @property
    def id_number(self) -> str:
        return person_id_number(self.seq)


ACCOUNTS = [
    DemoAccount("province_admin", 17, "孙立新", "supervisor", ("province",),
                "省人社厅超级管理员：组织机构树的根，可查看全省数据", "/admin/"),
    DemoAccount("city_admin", 33, "李建国", "supervisor", ("jinan",),
                "济南市人社局超级管理员：有 2 个用人单位注册待审核", "/admin/"),
    DemoAccount("employer_admin", 2, "王海燕", "employer", ("jn_first",),
                "主演示单位超级管理员：有专技人员注册待审核，下级单位「东院区」", "/admin/"),
    DemoAccount("role_admin", 35, "刘晓东", "employer", ("jn_first",),
                "同一单位的普通管理员，角色「审核员」（注册审核、信息修改审核、学时审核、人员查询）", "/admin/"),
    DemoAccount("two_org_admin", 1, "陈志强", "employer", ("luxin_qd", "luxin_yt"),
                "同时管理青岛分公司和烟台分公司：登录后先选择单位", "/choose-org"),
    DemoAccount("base_admin", 19, "赵文博", "base", ("base_sdu",),
                "继续教育基地超级管理员", "/admin/"),
    DemoAccount("operator", 16, "周敏", "operator", (),
                "平台运维：可查看全部数据，可在运维工作台修正数据、设置运维账号的角色", "/admin/", operator_role="ops"),
    DemoAccount("staff", 32, "张静", "person", ("jn_first",),
                "济南市第一人民医院心血管内科，主治医师", "/me/"),
    DemoAccount("pending_staff", 48, "马丽", "person", ("jn_first",),
                "注册待审核：登录时提示联系单位管理员审核", refusal=login.PENDING_PERSON),
    DemoAccount("rejected_staff", 64, "韩雪", "person", ("jn_first",),
                "注册已被驳回：登录时显示驳回原因", refusal="您的注册信息已被驳回"),
    DemoAccount("pending_unit_admin", 51, "高鹏", "employer", ("zhiyuan",),
                "单位注册待审核（上级：济南市人社局）：登录时提示联系上级主管部门", refusal=login.PENDING_ORG),
    DemoAccount("disabled_unit_admin", 49, "宋志刚", "employer", ("huatai",),
                "所在单位已停用：登录时提示单位已停用", refusal=login.ORG_DISABLED),
]

# Last: the accounts above draw their phones from the plan's random stream in this order.
ACCOUNTS.append(DemoAccount("service_desk", 20, "孙丽", "operator", (),
                            "平台客服（只读）：可查看全部数据和运维工作台，不能修改任何数据", "/admin/",
                            operator_role="service", phone="13905310020"))

BY_KEY = {a.key: a for a in ACCOUNTS}
