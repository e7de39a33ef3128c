"""学习形式 and 学时规则 as data (DOMAIN.md "Rules for continuing education").

A learning form says which 计入科目 it may count toward, which fields its declaration asks for (the schema the
declaration page renders), how hours are credited from those fields, its caps, whether proof is required, who may
declare it and from when to when. The platform operator edits these rows; a record copies the rule and the caps
in force when it is declared, so an edit never changes what was declared before.
"""
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import JSON, Boolean, Integer, Numeric, String, select
from sqlalchemy.orm import Mapped, mapped_column

from ..base import db, now

PUBLIC, PROFESSIONAL = "公需科目", "专业科目"
CATEGORIES = (PUBLIC, PROFESSIONAL)  # a province with 个人选修 adds it to a HoursRule's minimums and to forms
DECLARERS = {"person": "个人申报", "unit": "单位申报", "base": "继续教育基地申报"}
FIELD_TYPES = {"text": "文本", "number": "数字", "date": "日期", "choice": "选项"}
RULE_TYPES = {"rate": "按数量折算", "table": "按级别定额", "declared": "按认定学时"}
HOURS = Decimal("0.1")

CAP_RECORD = "超过该学习形式每条记录的上限（{cap} 学时）"
NOT_VALID = "该学习形式在 {day} 不可申报（有效期 {start} 至 {end}）"
NOT_ACTIVE = "该学习形式已停用"
NOT_FOR_CATEGORY = "该学习形式不能计入{category}"
NOT_FOR_DECLARER = "该学习形式不接受{declarer}"
REQUIRED = "必填项，不能为空"


def hours_of(value) -> Decimal:
    return Decimal(value).quantize(HOURS, rounding=ROUND_HALF_UP)


class LearningForm(db.Model):
    __tablename__ = "learning_form"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(50), unique=True, nullable=False)
    categories: Mapped[list] = mapped_column(JSON, nullable=False)  # 计入科目 it may count toward
    # [{"name", "label", "type": text|number|date|choice, "required", "choices": [...], "unit", "max"}]
    fields: Mapped[list] = mapped_column(JSON, nullable=False)
    # {"type": "rate", "field": "days", "rate": 8}               hours = rate × a number field
    # {"type": "table", "field": "level", "amounts": {"国家级": 12}} hours = the amount of a choice field's value
    # {"type": "declared", "field": "hours"}                       hours = a number field (as certified)
    # optional on each: "factor": {"field": "role", "values": {"主编": 1, "参编": 0.5}} multiplies,
    #                   "bonus": {"field": "paper", "values": {"是": 6}} adds.
    rule: Mapped[dict] = mapped_column(JSON, nullable=False)
    cap_per_record: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    cap_per_year: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))  # per person, year and form
    evidence_required: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    evidence_hint: Mapped[str | None] = mapped_column(String(200))
    declarers: Mapped[list] = mapped_column(JSON, nullable=False)  # of DECLARERS' keys
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    sort: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)

    def __str__(self):
        return self.name

    # -- availability ---------------------------------------------------------------------------
    def refusal(self, category=None, declarer=None, day: date | None = None) -> str | None:
        """Why this form cannot be declared for ``category`` by ``declarer`` for an activity ending ``day``."""
        if not self.active:
            return NOT_ACTIVE
        if category is not None and category not in self.categories:
            return NOT_FOR_CATEGORY.format(category=category)
        if declarer is not None and declarer not in self.declarers:
            return NOT_FOR_DECLARER.format(declarer=DECLARERS.get(declarer, declarer))
        if day is not None and ((self.valid_from and day < self.valid_from) or (self.valid_to and day > self.valid_to)):
            return NOT_VALID.format(day=day.isoformat(), start=self.valid_from or "不限", end=self.valid_to or "不限")
        return None

    @classmethod
    def available(cls, declarer=None, category=None, day=None) -> list["LearningForm"]:
        forms = db.session.scalars(select(cls).where(cls.active.is_(True)).order_by(cls.sort, cls.id)).all()
        return [f for f in forms if f.refusal(category, declarer, day) is None]

    # -- the declaration's fields ------------------------------------------------------------------
    def schema(self) -> dict:
        """What the declaration page renders (JSON): the fields, the rule in words, caps and evidence."""
        return {"id": self.id, "code": self.code, "name": self.name, "categories": self.categories,
                "fields": self.fields, "rule": self.rule, "rule_text": self.rule_text(),
                "cap_per_record": _num(self.cap_per_record), "cap_per_year": _num(self.cap_per_year),
                "evidence_required": self.evidence_required, "evidence_hint": self.evidence_hint}

    def clean_values(self, raw: dict) -> tuple[dict, dict]:
        """(values, errors): each schema field's posted text checked and typed; errors are {field name: 中文}."""
        from ..spreadsheet import cells  # not at import time: cells reads forms.input, which imports models

        values, errors = {}, {}
        for f in self.fields:
            text = (raw.get(f["name"]) or "")
            text = cells.text(text) if isinstance(text, str) else text
            if text in (None, ""):
                if f.get("required"):
                    errors[f["name"]] = REQUIRED
                continue
            try:
                values[f["name"]] = _typed(f, text)
            except ValueError as e:
                errors[f["name"]] = str(e)
        return values, errors

    def credit(self, values: dict) -> Decimal:
        """The hours ``values`` earn under this form's rule (before caps)."""
        rule = self.rule or {}
        kind, field = rule.get("type"), rule.get("field")
        if kind == "rate":
            hours = Decimal(str(rule.get("rate", 0))) * Decimal(str(values.get(field) or 0))
        elif kind == "table":
            hours = Decimal(str((rule.get("amounts") or {}).get(values.get(field), 0)))
        else:  # declared
            hours = Decimal(str(values.get(field) or 0))
        factor = rule.get("factor")
        if factor:
            hours *= Decimal(str(factor.get("values", {}).get(values.get(factor.get("field")), 1)))
        bonus = rule.get("bonus")
        if bonus:
            hours += Decimal(str(bonus.get("values", {}).get(values.get(bonus.get("field")), 0)))
        return hours_of(max(hours, Decimal(0)))

    def cap_refusal(self, hours: Decimal) -> str | None:
        if self.cap_per_record is not None and hours > self.cap_per_record:
            return CAP_RECORD.format(cap=_num(self.cap_per_record))
        return None

    def rule_text(self) -> str:
        rule = self.rule or {}
        label = {f["name"]: f for f in self.fields}
        field = label.get(rule.get("field"), {})
        if rule.get("type") == "rate":
            text = f"每{field.get('unit') or '单位'}{_num(rule.get('rate'))}学时（按“{field.get('label', '')}”折算）"
        elif rule.get("type") == "table":
            text = "按" + field.get("label", "级别") + "：" + "，".join(
                f"{k}{_num(v)}学时" for k, v in (rule.get("amounts") or {}).items())
        else:
            text = f"按“{field.get('label', '认定学时')}”计"
        if rule.get("factor"):
            f = label.get(rule["factor"].get("field"), {})
            text += "；按" + f.get("label", "") + "折算：" + "，".join(
                f"{k}×{_num(v)}" for k, v in rule["factor"].get("values", {}).items())
        if rule.get("bonus"):
            f = label.get(rule["bonus"].get("field"), {})
            text += "；" + f.get("label", "") + "另加：" + "，".join(
                f"{k}{_num(v)}学时" for k, v in rule["bonus"].get("values", {}).items())
        return text

    def snapshot(self) -> dict:
        """What a declaration copies: the rule and caps in force."""
        return {"rule": self.rule, "cap_per_record": _num(self.cap_per_record), "cap_per_year": _num(self.cap_per_year)}


def _num(value):
    if value is None:
        return None
    value = Decimal(str(value))
    return int(value) if value == value.to_integral_value() else float(value)


def _typed(field: dict, text):
    from ..spreadsheet import cells

    kind = field.get("type", "text")
    if kind == "number":
        try:
            number = Decimal(str(cells.text(str(text))))
        except (InvalidOperation, ValueError):
            raise ValueError("请填写数字") from None
        if not number.is_finite() or number < 0:
            raise ValueError("请填写不小于 0 的数字")
        if field.get("max") is not None and number > Decimal(str(field["max"])):
            raise ValueError(f"不能超过 {field['max']}{field.get('unit') or ''}")
        return _num(number.quantize(Decimal("0.01")))
    if kind == "date":
        day = cells.day(text)
        if day is None:
            raise ValueError("请填写正确的日期，如 2026-11-28")
        return day.isoformat()
    if kind == "choice":
        if text not in (field.get("choices") or []):
            raise ValueError(f"请从下拉列表中选择（可选：{'、'.join(field.get('choices') or [])}）")
        return text
    text = str(text)
    if len(text) > int(field.get("max") or 200):
        raise ValueError(f"不能超过{int(field.get('max') or 200)}个字")
    return text


class HoursRule(db.Model):
    """The hours a person must earn in ``year``: ``total`` and a minimum per 计入科目 ({"公需科目": 30, ...})."""

    __tablename__ = "hours_rule"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True, nullable=False)
    total: Mapped[Decimal] = mapped_column(Numeric(6, 1), nullable=False, default=90)
    minimums: Mapped[dict] = mapped_column(JSON, nullable=False)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)

    def __str__(self):
        return f"{self.year}年"

    @classmethod
    def for_year(cls, year: int) -> "HoursRule":
        """The year's rule; a year nobody configured gets the national default (90, 公需 30, 专业 60), unsaved."""
        found = db.session.scalar(select(cls).where(cls.year == year))
        return found or cls(year=year, total=Decimal(90), minimums=dict(DEFAULT_MINIMUMS))


DEFAULT_MINIMUMS = {PUBLIC: 30, PROFESSIONAL: 60}

_DAYS = {"name": "days", "label": "培训天数", "type": "number", "required": True, "unit": "天", "max": 365}
_ORGANISER = {"name": "organizer", "label": "主办单位", "type": "text", "required": True, "max": 100}
_PLACE = {"name": "place", "label": "培训地点", "type": "text", "required": False, "max": 100}
_LEVEL3 = ["国家级", "省级", "市级"]
BOTH = [PUBLIC, PROFESSIONAL]
ALL_DECLARERS = ["person", "unit", "base"]

# The default catalogue (DOMAIN.md's table). Regional numbers are examples an operator edits, not law.
DEFAULT_FORMS = [
    dict(code="face_to_face", name="面授培训", categories=BOTH, declarers=ALL_DECLARERS,
         fields=[_ORGANISER, _PLACE, _DAYS,
                 {"name": "certificate_no", "label": "结业证书编号", "type": "text", "required": False, "max": 50}],
         rule={"type": "rate", "field": "days", "rate": 8}, cap_per_record=80, cap_per_year=None,
         evidence_hint="培训通知、结业证书或签到表"),
    dict(code="post_training", name="岗位培训", categories=[PROFESSIONAL], declarers=["unit"],
         fields=[_ORGANISER, _PLACE, _DAYS], rule={"type": "rate", "field": "days", "rate": 8},
         cap_per_record=80, cap_per_year=None, evidence_hint="培训通知、签到表、培训照片"),
    dict(code="online", name="网络培训", categories=BOTH, declarers=["person", "unit", "base"],
         fields=[{"name": "platform", "label": "学习平台", "type": "text", "required": True, "max": 100},
                 {"name": "course", "label": "课程名称", "type": "text", "required": True, "max": 100},
                 {"name": "hours", "label": "认定学时", "type": "number", "required": True, "unit": "学时", "max": 90}],
         rule={"type": "declared", "field": "hours"}, cap_per_record=90, cap_per_year=None,
         evidence_hint="平台出具的学时证明"),
    dict(code="conference", name="学术会议", categories=[PROFESSIONAL], declarers=["person", "unit"],
         fields=[{"name": "level", "label": "会议级别", "type": "choice", "required": True, "choices": _LEVEL3},
                 {"name": "meeting", "label": "会议名称", "type": "text", "required": True, "max": 100},
                 _ORGANISER,
                 {"name": "paper", "label": "是否宣读论文", "type": "choice", "required": True, "choices": ["是", "否"]}],
         rule={"type": "table", "field": "level", "amounts": {"国家级": 12, "省级": 8, "市级": 4},
               "bonus": {"field": "paper", "values": {"是": 6}}},
         cap_per_record=18, cap_per_year=36, evidence_hint="会议通知、参会证明或论文集"),
    dict(code="visiting", name="进修/访问学者", categories=[PROFESSIONAL], declarers=["person", "unit"],
         fields=[{"name": "host", "label": "进修单位", "type": "text", "required": True, "max": 100},
                 {"name": "months", "label": "进修时长", "type": "number", "required": True, "unit": "月", "max": 12}],
         rule={"type": "rate", "field": "months", "rate": 15}, cap_per_record=90, cap_per_year=90,
         evidence_hint="进修单位出具的证明"),
    dict(code="degree", name="学历教育", categories=[PROFESSIONAL], declarers=["person", "unit"],
         fields=[{"name": "school", "label": "就读学校", "type": "text", "required": True, "max": 100},
                 {"name": "courses", "label": "本年通过课程数", "type": "number", "required": True, "unit": "门",
                  "max": 20}],
         rule={"type": "rate", "field": "courses", "rate": 12}, cap_per_record=60, cap_per_year=60,
         evidence_hint="成绩单或学籍证明"),
    dict(code="paper", name="发表论文", categories=[PROFESSIONAL], declarers=["person", "unit"],
         fields=[{"name": "journal", "label": "期刊名称", "type": "text", "required": True, "max": 100},
                 {"name": "issn", "label": "刊号（ISSN/CN）", "type": "text", "required": True, "max": 50},
                 {"name": "level", "label": "期刊级别", "type": "choice", "required": True, "choices": _LEVEL3},
                 {"name": "rank", "label": "作者排名", "type": "choice", "required": True,
                  "choices": ["第一作者", "第二作者", "其他"]}],
         rule={"type": "table", "field": "level", "amounts": {"国家级": 24, "省级": 18, "市级": 12},
               "factor": {"field": "rank", "values": {"第一作者": 1, "第二作者": 0.5, "其他": 0.3}}},
         cap_per_record=24, cap_per_year=48, evidence_hint="期刊封面、目录及论文页"),
    dict(code="book", name="出版著作", categories=[PROFESSIONAL], declarers=["person", "unit"],
         fields=[{"name": "publisher", "label": "出版社", "type": "text", "required": True, "max": 100},
                 {"name": "isbn", "label": "ISBN", "type": "text", "required": True, "max": 20},
                 {"name": "role", "label": "本人角色", "type": "choice", "required": True,
                  "choices": ["主编", "副主编", "参编"]},
                 {"name": "words", "label": "本人撰写字数", "type": "number", "required": True, "unit": "万字",
                  "max": 200}],
         rule={"type": "rate", "field": "words", "rate": 5,
               "factor": {"field": "role", "values": {"主编": 1, "副主编": 0.8, "参编": 0.6}}},
         cap_per_record=60, cap_per_year=60, evidence_hint="著作封面、版权页及编写分工页"),
    dict(code="research", name="课题研究", categories=[PROFESSIONAL], declarers=["person", "unit"],
         fields=[{"name": "project", "label": "课题名称", "type": "text", "required": True, "max": 100},
                 {"name": "level", "label": "课题级别", "type": "choice", "required": True, "choices": _LEVEL3},
                 {"name": "rank", "label": "本人排名", "type": "choice", "required": True,
                  "choices": ["第1名", "第2名", "第3名", "第4名", "第5名"]}],
         rule={"type": "table", "field": "rank",
               "amounts": {"第1名": 64, "第2名": 56, "第3名": 48, "第4名": 40, "第5名": 32},
               "factor": {"field": "level", "values": {"国家级": 1, "省级": 0.75, "市级": 0.5}}},
         cap_per_record=64, cap_per_year=64, evidence_hint="立项或结题证明"),
    dict(code="patent", name="专利/科技成果", categories=[PROFESSIONAL], declarers=["person", "unit"],
         fields=[{"name": "type", "label": "成果类型", "type": "choice", "required": True,
                  "choices": ["发明专利", "实用新型专利", "外观设计专利", "科技成果奖"]},
                 {"name": "number", "label": "专利号/证书号", "type": "text", "required": True, "max": 50},
                 {"name": "rank", "label": "本人排名", "type": "choice", "required": True,
                  "choices": ["第1名", "第2名", "第3名及以后"]}],
         rule={"type": "table", "field": "type",
               "amounts": {"发明专利": 40, "实用新型专利": 20, "外观设计专利": 10, "科技成果奖": 40},
               "factor": {"field": "rank", "values": {"第1名": 1, "第2名": 0.6, "第3名及以后": 0.4}}},
         cap_per_record=40, cap_per_year=60, evidence_hint="专利证书或获奖证书"),
    dict(code="survey", name="考察调研", categories=BOTH, declarers=["person", "unit"],
         fields=[{"name": "topic", "label": "调研主题", "type": "text", "required": True, "max": 100},
                 _PLACE, _DAYS],
         rule={"type": "rate", "field": "days", "rate": 6}, cap_per_record=30, cap_per_year=30,
         evidence_hint="加盖单位公章的调研报告"),
    dict(code="other", name="其他", categories=BOTH, declarers=["person", "unit", "base"],
         fields=[{"name": "description", "label": "学习内容说明", "type": "text", "required": True, "max": 200},
                 {"name": "hours", "label": "申报学时", "type": "number", "required": True, "unit": "学时", "max": 40}],
         rule={"type": "declared", "field": "hours"}, cap_per_record=40, cap_per_year=40,
         evidence_hint="能证明学习内容和时长的材料"),
]


def seed_catalogue():
    """The default learning forms (those not there yet, by code) and this year's rule. Returns forms added."""
    have = set(db.session.scalars(select(LearningForm.code)))
    added = 0
    for sort, spec in enumerate(DEFAULT_FORMS):
        if spec["code"] not in have:
            db.session.add(LearningForm(sort=sort, evidence_required=True, active=True, **spec))
            added += 1
    year = now().year
    if db.session.scalar(select(HoursRule.id).where(HoursRule.year == year)) is None:
        db.session.add(HoursRule(year=year, total=90, minimums=dict(DEFAULT_MINIMUMS)))
    db.session.flush()
    return added
