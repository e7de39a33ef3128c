"""What staff look like by kind of employer: departments, career tracks (职称系列 and titles), education.

Demo data and scale data both draw people from these profiles, so a hospital is full of 主治医师 and
a school of 一级教师, and statistics pages show believable distributions.
"""
from dataclasses import dataclass

LEVELS = ["正高级", "副高级", "中级", "助理级", "员级"]
# Age at which a title of the level is usually reached at the earliest.
LEVEL_MIN_AGE = {"正高级": 40, "副高级": 33, "中级": 27, "助理级": 22, "员级": 19}
LEVEL_WEIGHTS = {"正高级": 3, "副高级": 15, "中级": 40, "助理级": 32, "员级": 6}
NO_TITLE_SHARE = 0.04  # staff who hold no title yet: 职称级别 无


@dataclass(frozen=True)
class Track:
    series: str
    majors: tuple
    titles: dict  # level -> title name; a missing level does not exist in this series


@dataclass(frozen=True)
class Profile:
    departments: tuple  # (department name, track keys working there[, relative size when not 1])
    tracks: dict  # key -> Track
    education: dict  # 学历 -> weight
    posts: dict  # department name (or "*") -> 行政职务 names


_ACCOUNTING = Track("会计", ("会计学", "财务管理"), {
    "正高级": "正高级会计师", "副高级": "高级会计师", "中级": "会计师", "助理级": "助理会计师", "员级": "会计员"})
_ECONOMICS = Track("经济", ("工商管理", "市场营销", "经济学"), {
    "正高级": "正高级经济师", "副高级": "高级经济师", "中级": "经济师", "助理级": "助理经济师"})


def _engineering(*majors):
    return Track("工程技术", majors, {
        "正高级": "正高级工程师", "副高级": "高级工程师", "中级": "工程师", "助理级": "助理工程师", "员级": "技术员"})


HOSPITAL = Profile(
    departments=(
        ("心血管内科", ("doctor", "nurse")), ("呼吸与危重症医学科", ("doctor", "nurse")),
        ("普通外科", ("doctor", "nurse")), ("骨科", ("doctor", "nurse")), ("妇产科", ("doctor", "nurse")),
        ("儿科", ("doctor", "nurse")), ("急诊科", ("doctor", "nurse")), ("护理部", ("nurse",)),
        ("药学部", ("pharmacist",)), ("检验科", ("technician",)), ("医学影像科", ("doctor", "technician")),
        ("财务处", ("accountant",), 0.3),
    ),
    tracks={
        "doctor": Track("卫生技术", ("临床医学", "中医学", "麻醉学", "儿科学", "医学影像学"), {
            "正高级": "主任医师", "副高级": "副主任医师", "中级": "主治医师", "助理级": "医师", "员级": "医士"}),
        "nurse": Track("卫生技术", ("护理学",), {
            "正高级": "主任护师", "副高级": "副主任护师", "中级": "主管护师", "助理级": "护师", "员级": "护士"}),
        "pharmacist": Track("卫生技术", ("药学", "中药学", "临床药学"), {
            "正高级": "主任药师", "副高级": "副主任药师", "中级": "主管药师", "助理级": "药师", "员级": "药士"}),
        "technician": Track("卫生技术", ("医学检验技术", "医学影像技术", "康复治疗学"), {
            "正高级": "主任技师", "副高级": "副主任技师", "中级": "主管技师", "助理级": "技师", "员级": "技士"}),
        "accountant": _ACCOUNTING,
    },
    education={"博士研究生": 5, "硕士研究生": 25, "大学本科": 52, "大学专科": 15, "中专": 3},
    posts={"护理部": ("护士长",), "*": ("科主任", "科副主任")},
)

SCHOOL = Profile(
    departments=(
        ("语文教研组", ("teacher",)), ("数学教研组", ("teacher",)), ("英语教研组", ("teacher",)),
        ("理化生教研组", ("teacher",)), ("政史地教研组", ("teacher",)), ("体育艺术教研组", ("teacher",)),
        ("教务处", ("teacher",)), ("总务处", ("accountant",), 0.3),
    ),
    tracks={
        "teacher": Track("中小学教师", ("汉语言文学", "数学与应用数学", "英语", "物理学", "化学", "生物科学",
                                   "历史学", "思想政治教育", "体育教育", "音乐学", "美术学"), {
            "正高级": "正高级教师", "副高级": "高级教师", "中级": "一级教师", "助理级": "二级教师", "员级": "三级教师"}),
        "accountant": _ACCOUNTING,
    },
    education={"硕士研究生": 18, "大学本科": 72, "大学专科": 10},
    posts={"教务处": ("教务处主任",), "总务处": ("总务处主任",), "*": ("教研组长", "年级主任")},
)

UNIVERSITY = Profile(
    departments=(
        ("计算机科学与技术学院", ("lecturer",)), ("土木工程学院", ("lecturer",)), ("机电工程学院", ("lecturer",)),
        ("管理工程学院", ("lecturer",)), ("外国语学院", ("lecturer",)), ("马克思主义学院", ("lecturer",)),
        ("图书馆", ("librarian",), 0.3), ("财务处", ("accountant",), 0.3),
    ),
    tracks={
        "lecturer": Track("高等学校教师", ("计算机科学与技术", "土木工程", "机械工程", "管理科学与工程",
                                     "英语语言文学", "马克思主义理论", "建筑学"), {
            "正高级": "教授", "副高级": "副教授", "中级": "讲师", "助理级": "助教"}),
        "librarian": Track("图书资料", ("图书馆学", "信息资源管理"), {
            "正高级": "研究馆员", "副高级": "副研究馆员", "中级": "馆员", "助理级": "助理馆员", "员级": "管理员"}),
        "accountant": _ACCOUNTING,
    },
    education={"博士研究生": 45, "硕士研究生": 40, "大学本科": 15},
    posts={"*": ("院长", "副院长", "系主任")},
)

SOFTWARE = Profile(
    departments=(
        ("研发中心", ("engineer",)), ("测试部", ("engineer",)), ("产品部", ("engineer", "economist")),
        ("实施运维部", ("engineer",)), ("市场部", ("economist",), 0.3), ("财务部", ("accountant",), 0.3),
    ),
    tracks={
        "engineer": _engineering("计算机科学与技术", "软件工程", "电子信息工程", "通信工程", "网络工程"),
        "economist": _ECONOMICS,
        "accountant": _ACCOUNTING,
    },
    education={"硕士研究生": 15, "大学本科": 62, "大学专科": 20, "中专": 3},
    posts={"*": ("部门经理", "项目经理")},
)

MANUFACTURING = Profile(
    departments=(
        ("技术中心", ("engineer",)), ("生产部", ("engineer",)), ("质量管理部", ("engineer",)),
        ("设备动力部", ("engineer",)), ("采购部", ("economist",), 0.3), ("财务部", ("accountant",), 0.3),
    ),
    tracks={
        "engineer": _engineering("机械设计制造及其自动化", "材料成型及控制工程", "电气工程及其自动化",
                                 "车辆工程", "化学工程与工艺"),
        "economist": _ECONOMICS,
        "accountant": _ACCOUNTING,
    },
    education={"硕士研究生": 8, "大学本科": 50, "大学专科": 32, "中专": 10},
    posts={"*": ("部门经理", "车间主任")},
)

DESIGN = Profile(
    departments=(
        ("建筑设计所", ("engineer",)), ("结构设计所", ("engineer",)), ("给排水设计室", ("engineer",)),
        ("暖通设计室", ("engineer",)), ("电气设计室", ("engineer",)), ("总工办", ("engineer",)),
        ("经营部", ("economist", "accountant")),
    ),
    tracks={
        "engineer": _engineering("建筑学", "土木工程", "给排水科学与工程", "建筑环境与能源应用工程",
                                 "电气工程及其自动化", "城乡规划"),
        "economist": _ECONOMICS,
        "accountant": _ACCOUNTING,
    },
    education={"博士研究生": 3, "硕士研究生": 35, "大学本科": 55, "大学专科": 7},
    posts={"总工办": ("总工程师", "副总工程师"), "*": ("所长", "室主任")},
)

AGRICULTURE = Profile(
    departments=(
        ("作物研究所", ("agronomist",)), ("蔬菜研究所", ("agronomist",)), ("植物保护研究所", ("agronomist",)),
        ("农业技术推广站", ("agronomist",)), ("办公室", ("economist", "accountant"), 0.3),
    ),
    tracks={
        "agronomist": Track("农业技术", ("农学", "园艺", "植物保护", "种子科学与工程", "土壤学"), {
            "正高级": "农业技术推广研究员", "副高级": "高级农艺师", "中级": "农艺师", "助理级": "助理农艺师",
            "员级": "农业技术员"}),
        "economist": _ECONOMICS,
        "accountant": _ACCOUNTING,
    },
    education={"博士研究生": 10, "硕士研究生": 35, "大学本科": 45, "大学专科": 10},
    posts={"*": ("所长", "站长")},
)

PROFILES = {"hospital": HOSPITAL, "school": SCHOOL, "university": UNIVERSITY, "software": SOFTWARE,
            "manufacturing": MANUFACTURING, "design": DESIGN, "agriculture": AGRICULTURE}

_INDUSTRY_PROFILE = {
    "卫生和社会工作": "hospital", "教育": "school", "信息传输、软件和信息技术服务业": "software",
    "制造业": "manufacturing", "建筑业": "design", "科学研究和技术服务业": "design", "农、林、牧、渔业": "agriculture",
}


def profile_key_for(org_name: str, industry: str | None) -> str:
    """The profile of an existing employer, from its 所属行业 (and name, for universities and farm institutes)."""
    if "大学" in org_name or "学院" in org_name:
        return "university"
    if "农业" in org_name:
        return "agriculture"
    return _INDUSTRY_PROFILE.get(industry or "", "software")
