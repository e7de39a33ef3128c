"""The demo data set (seed --demo) and scale data (seed --persons N)."""
import hashlib
from pathlib import Path

from sqlalchemy import func, select

from demo import accounts as documented
from demo import add_persons, build_plan, load_demo
from demo.ids import person_id_number
from demo.load import DEMO_REASON, SCALE_REASON, SCALE_SEQ
from demo.orgs import MAIN_EMPLOYER, ORGS
from models import Account, AdminMembership, AuditEntry, Department, Organization, Person, ReviewRecord, Role, db
from models.validators import birth_date_of, gender_of, normalize_id_number

from .conftest import Auth, _wipe
from .helpers import make_account

README = Path(__file__).resolve().parent.parent / "README.md"


# -- the plan (no database) -----------------------------------------------------------------------------
def test_plan_is_deterministic_and_plausible():
    plan, again = build_plan(), build_plan()
    assert plan == again
    assert [(p.id_number, p.name) for p in plan.persons[:50]] == [(p.id_number, p.name) for p in again.persons[:50]]

    numbers = [a.id_number for a in plan.accounts] + [p.id_number for p in plan.persons]
    assert len(numbers) == len(set(numbers))
    for p in plan.persons:
        assert normalize_id_number(p.id_number) == p.id_number
        assert (p.gender, p.birth_date) == (gender_of(p.id_number), birth_date_of(p.id_number))
        assert p.title_date is None or p.birth_date < p.title_date
    assert 1900 <= len([p for p in plan.persons if p.status == "approved"]) <= 2200
    assert len([p for p in plan.persons if p.status == "pending"]) == 15
    assert [p.reject_reason for p in plan.persons if p.status == "rejected"] != [None]

    kinds = [o.kind for o in plan.orgs]
    assert kinds.count("base") == 3 and 20 <= kinds.count("employer") <= 30
    assert [o.parent for o in plan.orgs].count(None) == 1
    assert sorted(o.status for o in plan.orgs if o.status != "approved") == ["disabled", "pending", "pending"]
    for org in plan.orgs:
        if any(p.org == org.key for p in plan.persons):
            assert 3 <= len(org.departments) <= 6, org.name
        supers = [a for a in plan.admins if a.org == org.key and a.is_super]
        assert len(supers) == 1, org.name
    hospital = [p for p in plan.persons if p.org == MAIN_EMPLOYER and p.status == "approved"]
    assert {p.title_series for p in hospital} >= {"卫生技术"}
    assert "主治医师" in {p.title_name for p in hospital}


# -- the loaded database -------------------------------------------------------------------------------
def _people_rows():
    return sorted(db.session.execute(
        select(Person.id_number, Person.name, Organization.name, Department.name, Person.status,
               Person.title_name, Account.id_number)
        .join(Organization, Person.org_id == Organization.id)
        .outerjoin(Department, Person.department_id == Department.id)
        .join(Account, Person.account_id == Account.id)).all())


def _digest():
    orgs = sorted(db.session.execute(
        select(Organization.name, Organization.uscc, Organization.kind, Organization.status)).all())
    admins = sorted(db.session.execute(
        select(Account.id_number, Organization.name, AdminMembership.is_super)
        .join(Account, AdminMembership.account_id == Account.id)
        .join(Organization, AdminMembership.org_id == Organization.id)).all())
    return hashlib.sha256(repr((orgs, admins, _people_rows())).encode()).hexdigest()


def test_load_demo_matches_plan_and_is_repeatable(app):
    plan = load_demo()
    names = {o.key: o.name for o in plan.orgs}

    assert _people_rows() == sorted(
        (p.id_number, p.name, names[p.org], p.department, p.status, p.title_name, p.id_number)
        for p in plan.persons)
    assert db.session.scalar(select(func.count()).select_from(Organization)) == len(plan.orgs)
    assert db.session.scalar(select(func.count()).select_from(Department)) == sum(len(o.departments)
                                                                                 for o in plan.orgs)
    main = db.session.scalar(select(Organization).where(Organization.name == names[MAIN_EMPLOYER]))
    role_admin = db.session.scalar(select(AdminMembership).join(Account).where(
        Account.id_number == documented.BY_KEY["role_admin"].id_number))
    assert role_admin.org_id == main.id and not role_admin.is_super and role_admin.role.name == "审核员"
    assert db.session.scalar(select(func.count()).select_from(Role).where(Role.org_id == main.id)) == 2
    rejected = db.session.scalar(select(ReviewRecord))
    assert (rejected.decision, rejected.org_id, rejected.subject_code) == (
        "rejected", main.id, documented.BY_KEY["rejected_staff"].id_number)
    operator = db.session.scalar(select(Account).where(Account.id_number == documented.BY_KEY["operator"].id_number))
    assert operator.is_operator
    # One shared hash (see demo.load.demo_password_hash), and it is the documented password.
    hashes = db.session.scalars(select(Account.password_hash).distinct()).all()
    assert len(hashes) == 1 and operator.check_password(documented.PASSWORD)

    # Every created row has its audit entry, the bulk-inserted staff included.
    audited = dict(db.session.execute(
        select(AuditEntry.entity, func.count()).where(AuditEntry.action == "create", AuditEntry.reason == DEMO_REASON)
        .group_by(AuditEntry.entity)).all())
    for entity, model in (("account", Account), ("person", Person), ("organization", Organization),
                          ("department", Department), ("admin_membership", AdminMembership), ("role", Role)):
        assert audited[entity] == db.session.scalar(select(func.count()).select_from(model)), entity

    # The closure table agrees with the parents of the plan: every path starts at the province department.
    parents = {o.name: names.get(o.parent) for o in plan.orgs}
    for org in db.session.scalars(select(Organization)):
        path, name = [], org.name
        while name:
            path.insert(0, name)
            name = parents[name]
        assert [o.name for o in org.ancestors()] == path
        assert path[0] == "山东省人力资源和社会保障厅"

    first = _digest()
    db.session.remove()
    _wipe()
    load_demo()
    assert _digest() == first


def test_documented_accounts_log_in_as_documented(app):
    load_demo()
    readme = README.read_text()
    orgs = {spec.key: spec.name for spec in ORGS}
    for doc in documented.ACCOUNTS:
        assert f"`{doc.id_number}`" in readme and doc.name in readme, doc.key
        auth = Auth(app.test_client())
        r = auth.login(doc.id_number, documented.PASSWORD, user_type=doc.user_type)
        if doc.refusal:
            assert r.status_code == 200 and doc.refusal in r.get_data(as_text=True), doc.key
            continue
        assert r.status_code == 302 and r.headers["Location"].split("?")[0].endswith(doc.lands_on), doc.key
        if doc.lands_on == "/choose-org":
            picker = auth.client.get("/choose-org").get_data(as_text=True)
            assert all(orgs[key] in picker for key in doc.orgs)
            chosen = db.session.scalar(select(Organization.id).where(Organization.name == orgs[doc.orgs[1]]))
            r = auth.post("/choose-org", {"org_id": chosen})
            assert r.status_code == 302 and r.headers["Location"].endswith("/admin/")
        page = auth.client.get("/me/" if doc.user_type == "person" else "/admin/")
        text = page.get_data(as_text=True)
        assert page.status_code == 200, doc.key
        if doc.orgs:
            assert orgs[doc.orgs[-1]] in text, doc.key
    assert documented.PASSWORD in readme


def test_about_half_of_each_unit_meets_a_years_rule_and_others_fall_just_short(app):
    """继教完成情况 and 电子证书 need both: people who met last year's and this year's 学时规则, and people a few
    hours short. Counted here from the approved records, against the rule of each year."""
    from sqlalchemy import text

    from models import HoursRule, now

    load_demo()
    this = now().year
    for year, low, high in ((this - 1, 0.40, 0.62), (this, 0.30, 0.55)):
        rule = HoursRule.for_year(year)
        need = {k: float(v) for k, v in rule.minimums.items()}
        rows = db.session.execute(text(
            "SELECT o.name, p.id, COALESCE(SUM(CASE WHEN r.category = '公需科目' THEN r.approved_hours END), 0), "
            "COALESCE(SUM(CASE WHEN r.category = '专业科目' THEN r.approved_hours END), 0), "
            "COALESCE(SUM(r.approved_hours), 0) FROM person p JOIN organization o ON o.id = p.org_id "
            "LEFT JOIN credit_record r ON r.person_id = p.id AND r.year = :y AND r.status = 'approved' "
            "WHERE p.status = 'approved' AND o.status = 'approved' AND o.kind = 'employer' GROUP BY o.name, p.id"),
            {"y": year}).all()
        by_unit = {}
        for unit, _pid, pub, prof, total in rows:
            met = float(total) >= float(rule.total) and float(pub) >= need["公需科目"] and float(prof) >= need["专业科目"]
            short = not met and float(total) >= float(rule.total) - 10
            counts = by_unit.setdefault(unit, [0, 0, 0])
            counts[0] += 1
            counts[1] += met
            counts[2] += short
        main = by_unit[next(o.name for o in ORGS if o.key == MAIN_EMPLOYER)]
        assert low <= main[1] / main[0] <= high and main[2] >= 5, (year, main)
        for unit, (n, met, short) in by_unit.items():
            assert 0.25 <= met / n <= 0.75, (year, unit, n, met)
        assert sum(c[2] for c in by_unit.values()) >= 100, year


# -- scale data ----------------------------------------------------------------------------------------
def test_add_persons_adds_valid_audited_staff_and_skips_taken_numbers(app):
    load_demo()
    before = db.session.scalar(select(func.count()).select_from(Person))
    # Someone registered by hand with the number the next run would take first: it is skipped, not a crash.
    make_account("占用者", id_number=person_id_number(SCALE_SEQ + before))

    assert add_persons(500, progress=None) == 500
    demo_numbers = {p.id_number for p in build_plan().persons}
    new = [p for p in db.session.scalars(select(Person)) if p.id_number not in demo_numbers]
    assert len(new) == 500 and len({p.id_number for p in new}) == 500
    for p in new:
        assert normalize_id_number(p.id_number) == p.id_number
        assert p.account.id_number == p.id_number and p.status == "approved"
        assert (p.gender, p.birth_date) == (gender_of(p.id_number), birth_date_of(p.id_number))
        assert p.org.kind == "employer" and p.org.status == "approved"
        assert p.department is None or p.department.org_id == p.org_id
    assert person_id_number(SCALE_SEQ + before) not in {p.id_number for p in new}
    assert len({p.org_id for p in new}) > 10
    audited = dict(db.session.execute(
        select(AuditEntry.entity, func.count()).where(AuditEntry.reason == SCALE_REASON, AuditEntry.action == "create")
        .group_by(AuditEntry.entity)).all())
    assert audited == {"account": 500, "person": 500}

    assert add_persons(300, progress=None) == 300
    total = db.session.scalar(select(func.count()).select_from(Person))
    assert total == before + 800
    assert db.session.scalar(select(func.count(func.distinct(Person.id_number)))) == total
