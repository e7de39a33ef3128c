"""The demo data set as a plan: plain rows from a pure function of a fixed seed.

Nothing here touches the database, so tests can build the plan twice and compare, and check the loaded
database against it. demo.load writes a plan; demo.load.add_persons draws scale staff with draw_person.
"""
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from models.validators import birth_date_of, gender_of

from . import accounts as documented
from .ids import person_id_number, uscc
from .names import person_name
from .orgs import MAIN_EMPLOYER, ORGS, PENDING_STAFF, REJECTED_PERSON_REASON
from .profiles import LEVEL_MIN_AGE, LEVEL_WEIGHTS, LEVELS, NO_TITLE_SHARE, PROFILES

SEED = 20251128
REF_DATE = date(2025, 6, 30)  # ages are measured and 取得时间 capped here, not at today: the plan never drifts
ADMIN_SEQ = 100  # person_id_number seqs: 1–99 documented accounts, 100–199 other unit admins, 1000+ demo staff
STAFF_SEQ = 1000

_USCC_PREFIX = {"机关": "11", "事业单位": "12", "社会团体": "51"}  # enterprises: 91
_AREA_CODES = {"济南市": "0531", "青岛市": "0532", "烟台市": "0535", "潍坊市": "0536", "省直": "0531"}
ROLES = {
    "审核员": ("review.person_registration", "review.person_change", "hours.review", "stats.staff"),
    "统计查询员": ("stats.title_distribution", "stats.completion", "stats.staff", "stats.certificates"),
}


@dataclass(frozen=True)
class PlannedOrg:
    key: str
    name: str
    kind: str
    parent: str | None
    status: str
    uscc: str
    nature: str
    industry: str
    region: str
    address: str
    contact_name: str
    contact_phone: str
    contact_email: str
    departments: tuple


@dataclass(frozen=True)
class PlannedAccount:
    """An administrator's or operator's login; staff accounts come from their PlannedPerson."""
    id_number: str
    name: str
    phone: str
    email: str
    is_operator: bool = False
    operator_role: str | None = None


@dataclass(frozen=True)
class PlannedAdmin:
    id_number: str
    org: str
    is_super: bool
    role: str | None = None


@dataclass(frozen=True)
class PlannedPerson:
    id_number: str
    name: str
    org: object  # an org key in the demo plan, an organization id for scale data
    department: str | None
    gender: str
    birth_date: date
    education: str
    major: str
    title_series: str | None
    title_name: str | None
    title_level: str
    title_date: date | None
    admin_post: str | None
    phone: str
    email: str
    status: str = "approved"
    reject_reason: str | None = None


@dataclass(frozen=True)
class Plan:
    orgs: tuple
    accounts: tuple
    roles: tuple  # (org key, role name, permission codes)
    admins: tuple
    persons: tuple

    def org(self, key) -> PlannedOrg:
        return next(o for o in self.orgs if o.key == key)


# -- drawing one person -----------------------------------------------------------------------------
def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"


def _age(birth: date) -> int:
    return REF_DATE.year - birth.year - ((REF_DATE.month, REF_DATE.day) < (birth.month, birth.day))


def _draw_title(rng, track, birth):
    """(series, name, level, date): a level the person is old enough for, the highest ones likelier (a
    57-year-old is rarely still 助理级); reached a few years after the level's usual minimum age."""
    age = _age(birth)
    levels = [lv for lv in LEVELS if lv in track.titles and LEVEL_MIN_AGE[lv] <= age]
    if not levels or rng.random() < NO_TITLE_SHARE:
        return None, None, "无", None
    stage = [3, 2] + [0.5] * (len(levels) - 2)  # LEVELS runs from the top down
    level = rng.choices(levels, [LEVEL_WEIGHTS[lv] * f for lv, f in zip(levels, stage)])[0]
    reached = rng.randint(LEVEL_MIN_AGE[level], min(age, LEVEL_MIN_AGE[level] + 12))
    earliest = date(birth.year + reached, birth.month, min(birth.day, 28))
    room = (min(earliest + timedelta(days=365), REF_DATE) - earliest).days
    return track.series, track.titles[level], level, earliest + timedelta(days=rng.randrange(max(room, 1)))


def _department_weight(spec) -> float:
    return spec[2] if spec is not None and len(spec) > 2 else 1.0


def draw_person(rng: random.Random, id_number: str, org, profile_key: str, departments) -> PlannedPerson:
    """A believable staff member of an employer with ``profile_key`` and these department names."""
    profile = PROFILES[profile_key]
    known = {spec[0]: spec for spec in profile.departments}
    if departments:
        department = rng.choices(departments, [_department_weight(known.get(d)) for d in departments])[0]
        track_keys = known[department][1] if department in known else tuple(profile.tracks)
    else:
        department, track_keys = None, tuple(profile.tracks)
    track = profile.tracks[rng.choice(track_keys)]
    gender, birth = gender_of(id_number), birth_date_of(id_number)
    name = person_name(rng, gender)
    education = rng.choices(list(profile.education), list(profile.education.values()))[0]
    series, title, level, title_date = _draw_title(rng, track, birth)
    post = None
    if level in ("正高级", "副高级", "中级") and rng.random() < 0.08:
        post = rng.choice(profile.posts.get(department) or profile.posts["*"])
    return PlannedPerson(
        id_number=id_number, name=name, org=org, department=department, gender=gender, birth_date=birth,
        education=education, major=rng.choice(track.majors), title_series=series, title_name=title,
        title_level=level, title_date=title_date, admin_post=post, phone=_mobile(rng),
        email=f"jx{id_number[-8:].lower()}@example.com",
    )


# -- the whole demo ---------------------------------------------------------------------------------
def _departments(rng, spec) -> tuple:
    if not spec.profile or not spec.departments:
        return ()
    names = [d[0] for d in PROFILES[spec.profile].departments]
    if spec.key == MAIN_EMPLOYER:  # the documented staff member works in 心血管内科
        return ("心血管内科", "普通外科", "儿科", "护理部", "药学部", "检验科")
    return tuple(sorted(rng.sample(names, spec.departments), key=names.index))


def _plan_orgs(rng) -> list[PlannedOrg]:
    orgs = []
    for seq, spec in enumerate(ORGS, start=1):
        contact = person_name(rng, rng.choice("男女"))
        phone = (f"{_AREA_CODES[spec.region]}-{rng.randrange(80000000, 89999999)}" if spec.kind == "supervisor"
                 else _mobile(rng))
        orgs.append(PlannedOrg(
            key=spec.key, name=spec.name, kind=spec.kind, parent=spec.parent, status=spec.status,
            uscc=uscc(seq, _USCC_PREFIX.get(spec.nature, "91")), nature=spec.nature, industry=spec.industry,
            region=spec.region, address=spec.address, contact_name=contact, contact_phone=phone,
            contact_email=f"{spec.key.replace('_', '')}@example.com", departments=_departments(rng, spec)))
    return orgs


def _plan_admins(rng):
    """Every unit gets a super admin; documented accounts take their units, the rest get fresh accounts."""
    accounts, admins = [], []
    for doc in documented.ACCOUNTS:
        if doc.user_type in ("supervisor", "employer", "base", "operator"):
            accounts.append(PlannedAccount(doc.id_number, doc.name, doc.phone or _mobile(rng),
                                           f"{doc.key}@example.com", is_operator=doc.user_type == "operator",
                                           operator_role=doc.operator_role))
    supers = {org: doc for doc in documented.ACCOUNTS if doc.user_type != "person" and doc.key != "role_admin"
              for org in doc.orgs}
    seq = ADMIN_SEQ
    for spec in ORGS:
        if spec.key in supers:
            admins.append(PlannedAdmin(supers[spec.key].id_number, spec.key, True))
            continue
        id_number = person_id_number(seq)
        seq += 1
        accounts.append(PlannedAccount(id_number, person_name(rng, gender_of(id_number)), _mobile(rng),
                                       f"admin.{spec.key.replace('_', '')}@example.com"))
        admins.append(PlannedAdmin(id_number, spec.key, True))
    admins.append(PlannedAdmin(documented.BY_KEY["role_admin"].id_number, MAIN_EMPLOYER, False, "审核员"))
    return accounts, admins


def _plan_persons(rng, orgs: dict) -> list[PlannedPerson]:
    persons, seq = [], STAFF_SEQ

    def draw(spec, status="approved"):
        nonlocal seq
        person = draw_person(rng, person_id_number(seq), spec.key, spec.profile, orgs[spec.key].departments)
        seq += 1
        return replace(person, status=status)

    for spec in ORGS:
        persons.extend(draw(spec) for _ in range(spec.staff))
    for spec in ORGS:
        persons.extend(draw(spec, "pending") for _ in range(PENDING_STAFF.get(spec.key, 0)))

    main = ORGS[[s.key for s in ORGS].index(MAIN_EMPLOYER)]
    staff, pending, rejected = (documented.BY_KEY[k] for k in ("staff", "pending_staff", "rejected_staff"))
    persons.append(replace(
        draw_person(rng, staff.id_number, MAIN_EMPLOYER, main.profile, ["心血管内科"]),
        name=staff.name, education="硕士研究生", major="临床医学", title_series="卫生技术", title_name="主治医师",
        title_level="中级", title_date=date(2022, 12, 20), admin_post=None))
    persons.append(replace(draw_person(rng, pending.id_number, MAIN_EMPLOYER, main.profile, ["护理部"]),
                           name=pending.name, status="pending"))
    # The PENDING_STAFF count of the main unit includes the documented pending person.
    extra = next(i for i, p in enumerate(persons) if p.org == MAIN_EMPLOYER and p.status == "pending")
    del persons[extra]
    persons.append(replace(draw_person(rng, rejected.id_number, MAIN_EMPLOYER, main.profile, ["普通外科"]),
                           name=rejected.name, status="rejected", reject_reason=REJECTED_PERSON_REASON))
    return persons


def build_plan() -> Plan:
    """The same plan on every call: one Random with a fixed seed, drawn in a fixed order."""
    rng = random.Random(SEED)
    orgs = _plan_orgs(rng)
    accounts, admins = _plan_admins(rng)
    persons = _plan_persons(rng, {o.key: o for o in orgs})
    roles = tuple((MAIN_EMPLOYER, name, codes) for name, codes in ROLES.items())
    numbers = [a.id_number for a in accounts] + [p.id_number for p in persons]
    if len(set(numbers)) != len(numbers):
        raise AssertionError("demo plan: duplicate ID numbers")
    return Plan(tuple(orgs), tuple(accounts), roles, tuple(admins), tuple(persons))
