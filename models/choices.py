"""Enumerations users pick from; stored as the Chinese text itself so exports and imports read naturally."""

ORG_KINDS = {"supervisor": "主管部门", "employer": "用人单位", "base": "继续教育基地"}
ORG_STATUSES = {"pending": "待审核", "approved": "已审核", "rejected": "已驳回", "disabled": "已停用"}
PERSON_STATUSES = {"pending": "待审核", "approved": "已审核", "rejected": "已驳回", "disabled": "已停用"}

ORG_NATURES = ["机关", "事业单位", "国有企业", "民营企业", "外资企业", "社会团体", "其他"]
INDUSTRIES = [
    "农、林、牧、渔业", "制造业", "建筑业", "信息传输、软件和信息技术服务业", "金融业",
    "科学研究和技术服务业", "水利、环境和公共设施管理业", "教育", "卫生和社会工作",
    "文化、体育和娱乐业", "公共管理、社会保障和社会组织", "其他",
]
REGIONS = [
    "济南市", "青岛市", "淄博市", "枣庄市", "东营市", "烟台市", "潍坊市", "济宁市",
    "泰安市", "威海市", "日照市", "临沂市", "德州市", "聊城市", "滨州市", "菏泽市", "省直",
]
# Two-digit region codes for certificate numbers, in the order of REGIONS.
REGION_CODES = {name: f"{i + 1:02d}" for i, name in enumerate(REGIONS)}

EDUCATIONS = ["博士研究生", "硕士研究生", "大学本科", "大学专科", "中专", "高中及以下"]
# 职称系列 are rows: models/title_series.py.
TITLE_LEVELS = ["正高级", "副高级", "中级", "助理级", "员级", "无"]
GENDERS = ["男", "女"]

USER_TYPES = {
    "employer": "用人单位",
    "supervisor": "主管部门",
    "base": "继续教育基地",
    "person": "专业技术人员",
    "operator": "平台运维",
}

# Chinese names of model fields, shared by list columns, forms, change diffs and audit views.
FIELD_LABELS = {
    "name": "名称", "uscc": "统一社会信用代码", "kind": "机构类型", "parent": "上级部门", "parent_id": "上级部门",
    "nature": "单位性质", "industry": "所属行业", "region": "所属地区", "address": "单位地址",
    "contact_name": "联系人", "contact_phone": "联系电话", "contact_email": "联系邮箱", "status": "状态",
    "reject_reason": "驳回原因", "created_at": "创建时间", "reviewed_at": "审核时间", "no_uscc": "无统一社会信用代码",
    "id_number": "身份证号", "gender": "性别", "birth_date": "出生日期", "education": "学历", "major": "所学专业",
    "title_series": "职称系列", "title_name": "职称名称", "title_level": "职称级别", "title_date": "取得时间",
    "admin_post": "行政职务", "org": "单位", "org_id": "单位", "department": "所在部门", "department_id": "所在部门",
    "phone": "手机号", "email": "电子邮箱", "people": "人数",
}
