"""What makes a 学习形式 sound before the operator may save it: its declaration fields, its credit rule, its caps.

The declaration page renders ``fields`` and ``LearningForm.credit`` reads ``rule``: a rule naming a field that is
not there, a level table over a text field or a choice field without choices would make declaring impossible or
credit 0 silently. ``problems`` returns every one at once, keyed by where it is, so the page shows each next to its
input; the forms in forms/hours_catalogue.py map the keys.
"""
import re
from decimal import Decimal

from .catalogue import DECLARERS, FIELD_TYPES, RULE_TYPES

NAME = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
MAX_FIELDS = 20
MAX_CHOICES = 50
CAP_MAX = Decimal(9999)  # Numeric(6, 1)

NEEDS_NUMBER = {"rate": "按数量折算", "declared": "按认定学时"}


def problems(spec: dict) -> dict[str, str]:
    """{where: 中文} for a learning form's ``spec`` (the LearningForm columns as a dict); empty when it may be saved.

    Keys: ``fields``, ``fields.<i>.<key>``, ``rule.<key>``, ``rule.factor.<key>``, ``rule.bonus.<key>`` and the
    column names (``categories``, ``declarers``, ``cap_per_record``, ``cap_per_year``, ``valid_to``)."""
    out = {}
    fields = spec.get("fields") or []
    if not fields:
        out["fields"] = "请至少设置一个申报字段"
    if len(fields) > MAX_FIELDS:
        out["fields"] = f"申报字段最多 {MAX_FIELDS} 个"
    seen = set()
    for i, f in enumerate(fields):
        at = f"fields.{i}."
        name = f.get("name") or ""
        if not NAME.match(name):
            out[at + "name"] = "字段名须以小写英文字母开头，只含小写字母、数字和下划线（最长30位），如 days"
        elif name in seen:
            out[at + "name"] = f"字段名“{name}”重复"
        seen.add(name)
        if not (f.get("label") or "").strip():
            out[at + "label"] = "请填写显示名称"
        if f.get("type") not in FIELD_TYPES:
            out[at + "type"] = f"未知的字段类型“{f.get('type') or ''}”，可选：{'、'.join(FIELD_TYPES.values())}"
        if f.get("type") == "choice":
            choices = f.get("choices") or []
            if not choices:
                out[at + "choices"] = "选项字段须至少设置一个选项"
            elif len(set(choices)) != len(choices):
                out[at + "choices"] = "选项不能重复"
            elif len(choices) > MAX_CHOICES:
                out[at + "choices"] = f"选项最多 {MAX_CHOICES} 个"
        if f.get("max") is not None and Decimal(str(f["max"])) <= 0:
            out[at + "max"] = "上限须大于 0"
    by_name = {f.get("name"): f for f in fields}
    out.update(_rule_problems(spec.get("rule") or {}, by_name))
    for cap, label in (("cap_per_record", "每条上限"), ("cap_per_year", "每年上限")):
        value = spec.get(cap)
        if value is not None and not (0 < Decimal(str(value)) <= CAP_MAX):
            out[cap] = f"{label}须大于 0 且不超过 {CAP_MAX}（不限请留空）"
    if not spec.get("categories"):
        out["categories"] = "请至少选择一个计入科目"
    if not spec.get("declarers"):
        out["declarers"] = "请至少选择一种申报方式"
    elif set(spec["declarers"]) - set(DECLARERS):
        out["declarers"] = "申报方式无效"
    if spec.get("valid_from") and spec.get("valid_to") and spec["valid_to"] < spec["valid_from"]:
        out["valid_to"] = "有效期结束日期不能早于开始日期"
    return out


def _rule_problems(rule: dict, fields: dict) -> dict[str, str]:
    out = {}
    kind = rule.get("type")
    if kind not in RULE_TYPES:
        return {"rule.type": f"未知的计算方式，可选：{'、'.join(RULE_TYPES.values())}"}
    field = fields.get(rule.get("field"))
    if not rule.get("field"):
        out["rule.field"] = "请填写计算依据的字段名"
    elif field is None:
        out["rule.field"] = f"申报字段中没有“{rule.get('field')}”"
    elif kind in NEEDS_NUMBER and field.get("type") != "number":
        out["rule.field"] = f"“{NEEDS_NUMBER[kind]}”须依据一个数字字段"
    elif kind == "table":
        out.update(_table_problems("rule.", rule, field, "amounts", "请为每个选项填写学时"))
    if kind == "rate" and not (rule.get("rate") is not None and Decimal(str(rule["rate"])) > 0):
        out["rule.rate"] = "折算标准须大于 0"
    for part, what in (("factor", "系数"), ("bonus", "加分")):
        if rule.get(part):
            sub = rule[part]
            at = f"rule.{part}."
            target = fields.get(sub.get("field"))
            if target is None:
                out[at + "field"] = f"申报字段中没有“{sub.get('field') or ''}”"
            else:
                out.update(_table_problems(at, sub, target, "values", f"请为每个选项填写{what}"))
    return out


def _table_problems(at: str, rule: dict, field: dict, key: str, missing: str) -> dict[str, str]:
    """A table keyed by a choice field's values: every key one of its choices, every number ≥ 0."""
    if field.get("type") != "choice":
        return {at + "field": "按选项取值须依据一个选项字段"}
    table = rule.get(key) or {}
    choices = field.get("choices") or []
    unknown = [k for k in table if k not in choices]
    if unknown:
        return {at + key: f"“{'、'.join(unknown)}”不是字段“{field.get('label')}”的选项"}
    if key == "amounts" and set(choices) - set(table):
        return {at + key: missing + f"（缺少：{'、'.join(c for c in choices if c not in table)}）"}
    if any(Decimal(str(v)) < 0 for v in table.values()):
        return {at + key: "数值不能为负数"}
    return {}
