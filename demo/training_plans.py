"""Demo 单位培训计划 of the main unit: one plan in every state, so each page and the 计划审核 queue have rows.

Written through models/hours/plans.py like a user's clicks (audited with the demo's reason): 草稿, 待审核, 已驳回,
已备案 not yet ended, and three ended 已备案 plans — hours not declared yet, declared and waiting in 济南市人社局's
计划审核, and approved.
"""
import io
from datetime import timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from models import Account, LearningForm, Organization, Person, db, now
from models.actor import Actor
from models.hours import plans
from models.hours.catalogue import seed_catalogue

from .orgs import MAIN_EMPLOYER

# A one-page PDF (a 签到表 stand-in): enough for the attachments' content check and the inline preview.
SIGN_IN_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
               b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n"
               b"%%EOF\n")


def _actor(plan, org_key, org_ids):
    admin = next(a for a in plan.admins if a.org == org_key and a.is_super)
    account = db.session.scalar(select(Account).where(Account.id_number == admin.id_number))
    return Actor(account.id, account.name, org_ids[org_key], org_ids[org_key])


def add_training_plans(plan, org_ids: dict) -> int:
    """The main unit's plans (its superior decides them); returns how many were written."""
    seed_catalogue()
    unit = _actor(plan, MAIN_EMPLOYER, org_ids)
    superior = _actor(plan, plan.org(MAIN_EMPLOYER).parent, org_ids)
    org = db.session.get(Organization, unit.org_id)
    face = db.session.scalar(select(LearningForm).where(LearningForm.code == "face_to_face"))
    staff = db.session.scalars(select(Person.id).where(Person.org_id == unit.org_id, Person.status == "approved")
                               .order_by(Person.id).limit(24)).all()
    today = now().date()

    def make(name, start, days, hours, **extra):
        return plans.create_plan(dict(name=name, category=extra.pop("category", "专业科目"), form_id=face.id,
                                      start_date=start, end_date=start + timedelta(days=days - 1), hours=hours,
                                      expected_participants=extra.pop("expected", 40), place="医院学术报告厅",
                                      organizer=org.name, content=extra.pop("content", "")), unit, org)

    def submitted(p):
        plans.submit_plan(p.id, unit)
        return p

    def filed(p):
        plans.decide_plan(submitted(p).id, "approved", superior)
        return p

    def declared(p, people):
        plans.declare_plan_hours(p, people, [FileStorage(io.BytesIO(SIGN_IN_PDF), filename=f"{p.name}签到表.pdf",
                                                         content_type="application/pdf")], unit)
        return p

    make("医疗质量与患者安全专题培训（草稿）", today + timedelta(days=30), 2, 16,
         content="医疗质量管理办法解读、不良事件上报与分析")
    submitted(make("新入职医师规范化培训", today + timedelta(days=20), 3, 24, expected=25,
                   content="病历书写规范、医患沟通、院感防控"))
    rejected = submitted(make("护理人员急救技能培训", today + timedelta(days=15), 2, 16, category="公需科目"))
    plans.decide_plan(rejected.id, "rejected", superior, "学时与培训天数不符：2天面授最多16学时，请核对培训内容后重新提交")
    filed(make("2026年院感防控能力提升培训", today + timedelta(days=5), 2, 16))
    filed(make("心血管疾病诊疗新进展研修班", today - timedelta(days=20), 3, 24))
    declared(filed(make("临床合理用药培训班", today - timedelta(days=40), 2, 16)), staff[:8])
    approved = declared(filed(make("医学伦理与依法执业培训", today - timedelta(days=70), 1, 8,
                                   category="公需科目")), staff[8:20])
    db.session.flush()
    plans.decide_plan_hours(approved.id, "approved", superior)
    db.session.flush()
    return 7
