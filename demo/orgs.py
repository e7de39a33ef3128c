"""The demo organization tree of Shandong: the province HR department at the root, industry departments and
city bureaus under it, employers (some with branches), training bases, two units waiting for review and one
disabled unit. Parents come before children."""
from dataclasses import dataclass


@dataclass(frozen=True)
class OrgSpec:
    key: str
    name: str
    kind: str  # supervisor / employer / base
    parent: str | None
    nature: str
    industry: str
    region: str
    address: str
    profile: str | None = None  # employers: which staff profile (demo.profiles) they draw from
    staff: int = 0  # approved staff generated for it
    departments: int = 0  # how many 内设部门 (taken in profile order, then shuffled deterministically)
    status: str = "approved"


_GOV, _PUB, _SOE, _PRIV = "机关", "事业单位", "国有企业", "民营企业"
_ADMIN = "公共管理、社会保障和社会组织"
_HEALTH, _EDU = "卫生和社会工作", "教育"
_IT, _MAKE, _BUILD, _SCI, _FARM = ("信息传输、软件和信息技术服务业", "制造业", "建筑业", "科学研究和技术服务业",
                                   "农、林、牧、渔业")

ORGS = [
    # -- supervising departments --------------------------------------------------------------------------
    OrgSpec("province", "山东省人力资源和社会保障厅", "supervisor", None, _GOV, _ADMIN, "省直",
            "山东省济南市历下区解放东路"),
    OrgSpec("health", "山东省卫生健康委员会", "supervisor", "province", _GOV, _ADMIN, "省直",
            "山东省济南市历下区燕子山西路"),
    OrgSpec("education", "山东省教育厅", "supervisor", "province", _GOV, _ADMIN, "省直",
            "山东省济南市历下区东环山路"),
    OrgSpec("housing", "山东省住房和城乡建设厅", "supervisor", "province", _GOV, _ADMIN, "省直",
            "山东省济南市历下区经十路"),
    OrgSpec("agri", "山东省农业农村厅", "supervisor", "province", _GOV, _ADMIN, "省直",
            "山东省济南市历下区历山路"),
    OrgSpec("jinan", "济南市人力资源和社会保障局", "supervisor", "province", _GOV, _ADMIN, "济南市",
            "山东省济南市历下区龙鼎大道1号龙奥大厦"),
    OrgSpec("qingdao", "青岛市人力资源和社会保障局", "supervisor", "province", _GOV, _ADMIN, "青岛市",
            "山东省青岛市市南区香港中路"),
    OrgSpec("yantai", "烟台市人力资源和社会保障局", "supervisor", "province", _GOV, _ADMIN, "烟台市",
            "山东省烟台市莱山区港城东大街"),
    OrgSpec("weifang", "潍坊市人力资源和社会保障局", "supervisor", "province", _GOV, _ADMIN, "潍坊市",
            "山东省潍坊市奎文区东风东街"),
    # -- training bases (继续教育基地) ---------------------------------------------------------------------------
    OrgSpec("base_sdu", "山东省专业技术人员继续教育基地（山东大学）", "base", "province", _PUB, _EDU, "济南市",
            "山东省济南市历城区山大南路27号"),
    OrgSpec("base_sdust", "山东省专业技术人员继续教育基地（山东科技大学）", "base", "province", _PUB, _EDU,
            "青岛市", "山东省青岛市黄岛区前湾港路579号"),
    OrgSpec("base_qdu", "青岛市专业技术人员继续教育基地（青岛大学）", "base", "qingdao", _PUB, _EDU, "青岛市",
            "山东省青岛市崂山区宁夏路308号"),
    # -- employers under the provincial departments ---------------------------------------------------------
    OrgSpec("sl_hospital", "山东省立医院", "employer", "health", _PUB, _HEALTH, "省直",
            "山东省济南市槐荫区经五纬七路", "hospital", 200, 6),
    OrgSpec("sl3_hospital", "山东省立第三医院", "employer", "health", _PUB, _HEALTH, "省直",
            "山东省济南市槐荫区兴福寺路", "hospital", 100, 5),
    OrgSpec("sy_school", "山东省实验中学", "employer", "education", _PUB, _EDU, "省直",
            "山东省济南市历下区山师东路", "school", 90, 5),
    OrgSpec("sdjzu", "山东建筑大学", "employer", "education", _PUB, _EDU, "省直",
            "山东省济南市历城区凤鸣路", "university", 140, 6),
    OrgSpec("design_institute", "山东省建筑设计研究院有限公司", "employer", "housing", _SOE, _SCI, "省直",
            "山东省济南市历下区经十路", "design", 100, 6),
    OrgSpec("agri_center", "山东省农业技术推广中心", "employer", "agri", _PUB, _FARM, "省直",
            "山东省济南市历下区工业南路", "agriculture", 50, 4),
    # -- 济南 ------------------------------------------------------------------------------------------------
    OrgSpec("jn_first", "济南市第一人民医院", "employer", "jinan", _PUB, _HEALTH, "济南市",
            "山东省济南市历下区经十路", "hospital", 170, 6),
    OrgSpec("jn_first_east", "济南市第一人民医院东院区", "employer", "jn_first", _PUB, _HEALTH, "济南市",
            "山东省济南市历城区华信路", "hospital", 45, 3),
    OrgSpec("luxin", "山东鲁信科技有限公司", "employer", "jinan", _PRIV, _IT, "济南市",
            "山东省济南市高新区舜华路齐鲁软件园", "software", 90, 5),
    OrgSpec("luxin_qd", "山东鲁信科技有限公司青岛分公司", "employer", "luxin", _PRIV, _IT, "青岛市",
            "山东省青岛市崂山区株洲路", "software", 30, 3),
    OrgSpec("luxin_yt", "山东鲁信科技有限公司烟台分公司", "employer", "luxin", _PRIV, _IT, "烟台市",
            "山东省烟台市莱山区观海路", "software", 25, 3),
    OrgSpec("lx_school", "济南市历下区实验小学", "employer", "jinan", _PUB, _EDU, "济南市",
            "山东省济南市历下区文化东路", "school", 60, 4),
    OrgSpec("jn_design", "济南城建设计院有限公司", "employer", "jinan", _SOE, _SCI, "济南市",
            "山东省济南市市中区英雄山路", "design", 55, 5),
    OrgSpec("huatai", "济南华泰建材有限公司", "employer", "jinan", _PRIV, _MAKE, "济南市",
            "山东省济南市天桥区北园大街", "manufacturing", 6, 3, status="disabled"),
    OrgSpec("zhiyuan", "济南智源软件有限公司", "employer", "jinan", _PRIV, _IT, "济南市",
            "山东省济南市高新区新泺大街", status="pending"),
    OrgSpec("huaiyin_mch", "济南市槐荫区妇幼保健院", "employer", "jinan", _PUB, _HEALTH, "济南市",
            "山东省济南市槐荫区纬十二路", status="pending"),
    # -- 青岛 ------------------------------------------------------------------------------------------------
    OrgSpec("qd_municipal", "青岛市市立医院", "employer", "qingdao", _PUB, _HEALTH, "青岛市",
            "山东省青岛市市南区胶州路", "hospital", 150, 6),
    OrgSpec("haichuan", "青岛海川电子科技有限公司", "employer", "qingdao", _PRIV, _IT, "青岛市",
            "山东省青岛市崂山区科苑纬一路", "software", 80, 5),
    OrgSpec("qd_58", "青岛市第五十八中学", "employer", "qingdao", _PUB, _EDU, "青岛市",
            "山东省青岛市崂山区银川东路", "school", 75, 5),
    OrgSpec("qd_port_design", "青岛港湾工程设计研究院有限公司", "employer", "qingdao", _SOE, _SCI, "青岛市",
            "山东省青岛市市北区港华路", "design", 50, 4),
    # -- 烟台 ------------------------------------------------------------------------------------------------
    OrgSpec("yhd_hospital", "烟台毓璜顶医院", "employer", "yantai", _PUB, _HEALTH, "烟台市",
            "山东省烟台市芝罘区毓东路", "hospital", 130, 6),
    OrgSpec("dingsheng", "烟台鼎盛机械制造有限公司", "employer", "yantai", _PRIV, _MAKE, "烟台市",
            "山东省烟台市福山区永达街", "manufacturing", 75, 5),
    OrgSpec("zf_school", "烟台市芝罘区实验中学", "employer", "yantai", _PUB, _EDU, "烟台市",
            "山东省烟台市芝罘区南大街", "school", 50, 4),
    # -- 潍坊 ------------------------------------------------------------------------------------------------
    OrgSpec("wf_hospital", "潍坊市人民医院", "employer", "weifang", _PUB, _HEALTH, "潍坊市",
            "山东省潍坊市奎文区广文街", "hospital", 120, 6),
    OrgSpec("hengtong", "潍坊恒通动力机械有限公司", "employer", "weifang", _PRIV, _MAKE, "潍坊市",
            "山东省潍坊市高新区福寿东街", "manufacturing", 85, 5),
    OrgSpec("wf_agri", "潍坊市农业科学院", "employer", "weifang", _PUB, _FARM, "潍坊市",
            "山东省潍坊市寒亭区樱前街", "agriculture", 45, 4),
]

MAIN_EMPLOYER = "jn_first"

# Staff registrations waiting for review, per unit; and the reason one registration of the main unit was turned
# down with (the person sees it on the login page).
PENDING_STAFF = {"jn_first": 4, "luxin": 2, "lx_school": 2, "qd_municipal": 2, "haichuan": 2, "yhd_hospital": 1,
                 "hengtong": 1, "wf_hospital": 1}
REJECTED_PERSON_REASON = "所在部门选择有误：该同志在心血管内科工作，请选择正确的内设部门后重新注册"
