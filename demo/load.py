"""Write the demo plan, and add scale staff.

Organizations, departments, roles and admin accounts are few and go through the ORM, so the audit listener
records them. Staff are many and go in as set-based Core inserts (demo.bulk), audited with record_bulk.
"""
import random
import time
from dataclasses import replace
from datetime import timedelta

import click
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from models import Account, AdminMembership, Department, Organization, Person, ReviewRecord, Role, audit, db, now
from models.title_series import seed_title_series

from .accounts import PASSWORD
from .bulk import SCALE_REASON, insert_people, taken_id_numbers
from .credits import load_demo_credits
from .ids import person_id_number
from .plan import SEED, Plan, build_plan, draw_person
from .profiles import profile_key_for
from .training_plans import add_training_plans

DEMO_REASON = "演示数据"
SCALE_SEQ = 1_000_000  # person_id_number seqs of scale staff start here, clear of the demo's
CHUNK = 5000


def demo_password_hash() -> str:
    """One scrypt hash shared by every demo account: hashing thousands of passwords one by one would take
    minutes, and they all have the same password anyway."""
    return generate_password_hash(PASSWORD)


def load_demo(plan: Plan | None = None) -> Plan:
    """Write the demo data set into an empty database in one transaction; returns the plan written."""
    plan = plan or build_plan()
    password_hash = demo_password_hash()
    seed_title_series()  # the 职称系列 rows the people point at (the migration's; a wiped database lacks them)
    with audit.reason(DEMO_REASON):
        org_ids = {}
        for spec in plan.orgs:
            org = Organization(
                name=spec.name, uscc=spec.uscc, kind=spec.kind, parent_id=org_ids.get(spec.parent),
                nature=spec.nature, industry=spec.industry, region=spec.region, address=spec.address,
                contact_name=spec.contact_name, contact_phone=spec.contact_phone,
                contact_email=spec.contact_email, status=spec.status,
                reviewed_at=None if spec.status == "pending" else now())
            db.session.add(org)
            db.session.flush()
            org.attach_to_tree()
            org_ids[spec.key] = org.id
        departments = {}
        for spec in plan.orgs:
            for name in spec.departments:
                departments[spec.key, name] = Department(org_id=org_ids[spec.key], name=name)
        roles = {(key, name): Role(org_id=org_ids[key], name=name, permissions=list(codes))
                 for key, name, codes in plan.roles}
        accounts = {a.id_number: Account(id_number=a.id_number, name=a.name, phone=a.phone, email=a.email,
                                         is_operator=a.is_operator, operator_role=a.operator_role,
                                         password_hash=password_hash)
                    for a in plan.accounts}
        db.session.add_all([*departments.values(), *roles.values(), *accounts.values()])
        db.session.flush()
        db.session.add_all([
            AdminMembership(account_id=accounts[a.id_number].id, org_id=org_ids[a.org], is_super=a.is_super,
                            role_id=roles[a.org, a.role].id if a.role else None)
            for a in plan.admins])
        db.session.flush()

        dept_ids = {key: d.id for key, d in departments.items()}
        registered = now() - timedelta(days=3)
        insert_people(
            [(p, org_ids[p.org], dept_ids.get((p.org, p.department)),
              registered if p.status != "approved" else None) for p in plan.persons],
            password_hash, DEMO_REASON)
        _review_rejections(plan, org_ids)
        add_training_plans(plan, org_ids)
        db.session.commit()
        load_demo_credits(DEMO_REASON)
    return plan


def _review_rejections(plan: Plan, org_ids: dict):
    """The 已审核 tab of the main unit shows why its rejected registration was turned down."""
    for p in plan.persons:
        if p.status != "rejected":
            continue
        reviewer = next(a for a in plan.admins if a.org == p.org and a.is_super)
        account = db.session.scalar(select(Account).where(Account.id_number == reviewer.id_number))
        person_id = db.session.scalar(select(Person.id).where(Person.id_number == p.id_number))
        db.session.add(ReviewRecord(
            target_type="person", target_id=person_id, org_id=org_ids[p.org], subject_name=p.name,
            subject_code=p.id_number, decision="rejected", reason=p.reject_reason, reviewer_id=account.id,
            reviewer_name=account.name))
    db.session.flush()


def _employers():
    """Approved employers with their profile and departments: [(org id, profile key, {dept name: id})]."""
    orgs = db.session.execute(
        select(Organization.id, Organization.name, Organization.industry)
        .where(Organization.kind == "employer", Organization.status == "approved").order_by(Organization.id)
    ).all()
    depts = {}
    for dept_id, org_id, name in db.session.execute(
            select(Department.id, Department.org_id, Department.name).order_by(Department.id)):
        depts.setdefault(org_id, {})[name] = dept_id
    return [(org_id, profile_key_for(name, industry), depts.get(org_id, {})) for org_id, name, industry in orgs]


def add_persons(n: int, progress=click.echo, status: str = "approved") -> int:
    """Add ``n`` staff (approved, or ``status``: pending registrations) spread over the approved employers;
    returns how many were added.

    ID numbers continue at SCALE_SEQ + the number of persons already stored, so repeated runs follow on from
    each other; any number that exists anyway (registered by hand, or after deletions) is skipped. The same
    database state always yields the same people.
    """
    employers = _employers()
    if n <= 0 or not employers:
        return 0
    password_hash = demo_password_hash()
    seed_title_series()
    seq = SCALE_SEQ + db.session.scalar(select(func.count()).select_from(Person))
    rng = random.Random(f"{SEED}:{seq}")
    added, started = 0, time.monotonic()
    while added < n:
        size = min(CHUNK, n - added)
        candidates = [person_id_number(s) for s in range(seq, seq + size)]
        seq += size
        taken = taken_id_numbers(candidates)
        rows = []
        for id_number in candidates:
            if id_number in taken:
                continue
            org_id, profile, depts = rng.choice(employers)
            person = replace(draw_person(rng, id_number, org_id, profile, list(depts)), status=status)
            rows.append((person, org_id, depts.get(person.department), None))
        added += insert_people(rows, password_hash, SCALE_REASON)
        db.session.commit()
        if progress:
            progress(f"已新增 {added}/{n} 名专技人员，用时 {time.monotonic() - started:.1f} 秒")
    return added

