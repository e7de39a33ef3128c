"""学时 data: the demo's records in every state, and ``seed --credits N`` for scale work.

Records are written by the database itself: one INSERT ... SELECT over a number series per batch for the
declarations and one for their records (one applicant each), joined to the approved staff by number, and one
INSERT ... SELECT of audit entries for each. Ids are given explicitly (the highest id + the series number), so a
record knows its declaration without reading anything back; PostgreSQL's id sequences are moved past them after.
The same database state yields the same rows, and repeated runs follow on from each other.

Every n-th row is what it is by arithmetic on its number: the person (spread over all staff by a stride prime to
their count), the form, the day, who declared it (个人 / 单位 / 继续教育基地) and its state (待审核 / 已通过 / 已驳回).
Hours are small against the yearly caps, so an approved record stays within them.
"""
import json
import math
import time
from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import ForeignKeyConstraint, func, select, text
from sqlalchemy.schema import AddConstraint, DropConstraint

from models import CreditRecord, Declaration, HoursRule, LearningForm, audit, db, now
from models.hours.catalogue import DEFAULT_MINIMUMS, seed_catalogue

from .bulk import SCALE_REASON

BATCH = {"postgresql": 500_000, "sqlite": 50_000}
FK_FREE_FROM = 100_000  # records: a load this big drops the foreign keys and adds them back at the end
DAYS = 300  # distinct activity end days, over this year and last
# Row q is declared by a person when q % 14 < 9, by its unit when < 12, else by a base; its state by q / 7 % 10:
# 0–3 待审核, 4–7 已通过, 8–9 已驳回 (every declarer has every state: q / 7 and q % 14 share only parity).
DECLARER_MIX = 14
REJECT_REASON = "证明材料不清晰，请重新上传后申报"
REVIEWER = "审核员"
SAMPLE_TEXT = "山东省专业技术人员继续教育协会"
DEMO_CREDITS = 3000


def _sample_values(form: LearningForm):
    """Field values a declaration of ``form`` may hold, the smallest the rule credits; None if it credits nothing."""
    values = {}
    for f in form.fields:
        kind = f.get("type")
        if kind == "number":
            values[f["name"]] = 1
        elif kind == "choice":
            values[f["name"]] = f["choices"][-1]
        elif kind == "date":
            values[f["name"]] = "2025-01-01"
        else:
            values[f["name"]] = SAMPLE_TEXT
    try:
        hours = form.credit(values)
    except (ValueError, KeyError, TypeError):
        return None
    return (values, hours) if hours > 0 and form.cap_refusal(hours) is None else None


def ensure_catalogue():
    """The default learning forms and the hours rules of this year and last (the demo and scale data need them)."""
    seed_catalogue()
    last = now().year - 1
    if db.session.scalar(select(HoursRule.id).where(HoursRule.year == last)) is None:
        db.session.add(HoursRule(year=last, total=90, minimums=dict(DEFAULT_MINIMUMS)))
    db.session.flush()


def _temp_tables(postgres: bool):
    """scale_people (rank -> approved person, its unit and that unit's superior), scale_forms, scale_days,
    scale_bases: the small tables every batch joins its series to."""
    conn = db.session.connection()
    temp = "CREATE TEMP TABLE"
    for name in ("scale_people", "scale_forms", "scale_days", "scale_bases"):
        conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
    conn.execute(text(
        f"{temp} scale_people AS SELECT row_number() OVER (ORDER BY p.id) - 1 AS rn, p.id, p.name, p.id_number, "
        "p.org_id, o.parent_id FROM person p JOIN organization o ON o.id = p.org_id WHERE p.status = 'approved'"))
    if postgres:
        conn.execute(text("ALTER TABLE scale_people ADD PRIMARY KEY (rn)"))
    else:
        conn.execute(text("CREATE UNIQUE INDEX scale_people_rn ON scale_people (rn)"))
    conn.execute(text(f"{temp} scale_forms (k INTEGER PRIMARY KEY, form_id INTEGER, category TEXT, hours NUMERIC, "
                      "vals TEXT, rule TEXT, cap NUMERIC, name TEXT)"))
    forms = []
    for form in db.session.scalars(select(LearningForm).where(LearningForm.active.is_(True))
                                   .order_by(LearningForm.sort, LearningForm.id)):
        sample = _sample_values(form)
        if sample and "person" in form.declarers:
            forms.append({"k": len(forms), "form_id": form.id, "category": form.categories[0],
                          "hours": float(sample[1]), "vals": json.dumps(sample[0], ensure_ascii=False),
                          "rule": json.dumps(form.snapshot(), ensure_ascii=False, default=str),
                          "cap": None if form.cap_per_year is None else float(form.cap_per_year), "name": form.name})
    if forms:
        conn.execute(text("INSERT INTO scale_forms VALUES (:k, :form_id, :category, :hours, :vals, :rule, :cap, "
                          ":name)"), forms)
    conn.execute(text(f"{temp} scale_days (k INTEGER PRIMARY KEY, end_day DATE, yr INTEGER)"))
    today = now().date()
    start = date(today.year - 1, 1, 10)
    span = (today - start).days
    days = [{"k": k, "end_day": start + timedelta(days=k * span // DAYS), "yr": (start + timedelta(
        days=k * span // DAYS)).year} for k in range(DAYS)]
    conn.execute(text("INSERT INTO scale_days VALUES (:k, :end_day, :yr)"), days)
    conn.execute(text(f"{temp} scale_bases AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, id FROM organization "
                      "WHERE kind = 'base' AND status = 'approved'"))
    count = lambda name: conn.execute(text(f"SELECT count(*) FROM {name}")).scalar()  # noqa: E731
    return count("scale_people"), len(forms), count("scale_bases")


def _stride(people: int) -> int:
    """A step prime to the number of staff: consecutive records go to people far apart, every person in turn."""
    step = 7919
    while math.gcd(step, people) != 1:
        step += 2
    return step


def _series(postgres: bool, n: int) -> str:
    if postgres:
        return f"(SELECT generate_series(0, {n - 1}) AS i) s"
    return f"(WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < {n - 1}) SELECT i FROM c) s"


@contextmanager
def _foreign_keys_checked_once(postgres: bool, n: int):
    """On PostgreSQL a big load runs without the two tables' foreign keys, which are added back at the end and so
    checked in one join each: row by row, their triggers (a locking lookup per key per row) cost ten times the
    insert itself. DDL is transactional there: the load and the keys commit together or not at all."""
    if not postgres or n < FK_FREE_FROM:
        yield True
        return
    constraints = [c for table in (CreditRecord.__table__, Declaration.__table__) for c in table.constraints
                   if isinstance(c, ForeignKeyConstraint)]
    for c in constraints:
        db.session.execute(DropConstraint(c))
    yield False
    for c in constraints:
        db.session.execute(AddConstraint(c))


def add_credits(n: int, progress=None, reason: str = SCALE_REASON) -> int:
    """``n`` credit records, each with its declaration, over the approved staff; returns how many were added."""
    if n <= 0:
        return 0
    postgres = db.engine.dialect.name == "postgresql"
    ensure_catalogue()
    with _foreign_keys_checked_once(postgres, n) as commit_batches:
        added = _add_credits(n, postgres, progress, reason, commit_batches)
    from models.hours.totals import rebuild

    rebuild()  # the records were written in bulk SQL: 学时汇总 is computed from them once
    db.session.commit()
    return added


def _add_credits(n, postgres, progress, reason, commit_batches) -> int:
    t, started, added = now(), time.monotonic(), 0
    # Where the series continues: the records already stored shift every choice, so a second run adds new rows.
    offset = db.session.scalar(select(func.count()).select_from(CreditRecord))
    json_cast = "::json" if postgres else ""
    while added < n:
        # Temp tables live on one connection; a batch that commits may get another from the pool next.
        people, forms, bases = _temp_tables(postgres)
        if not people or not forms:
            break
        stride = _stride(people)
        size = min(BATCH["postgresql" if postgres else "sqlite"], n - added)
        first_decl = db.session.scalar(select(func.coalesce(func.max(Declaration.id), 0)))
        first_rec = db.session.scalar(select(func.coalesce(func.max(CreditRecord.id), 0)))
        # q: the row's number over all runs; its person, form, day, declarer and state follow from it.
        rows = (f"FROM {_series(postgres, size)} "
                f"CROSS JOIN (SELECT CAST({offset + added} AS BIGINT) AS base) b "
                f"JOIN scale_people p ON p.rn = ((b.base + s.i) * {stride}) % {people} "
                f"JOIN scale_forms f ON f.k = (b.base + s.i) % {forms} "
                f"JOIN scale_days d ON d.k = (b.base + s.i) * 13 % {DAYS} "
                f"LEFT JOIN scale_bases sb ON sb.k = (b.base + s.i) % {max(bases, 1)} ")
        mix = DECLARER_MIX
        declarer = (f"CASE WHEN (b.base + s.i) % {mix} < 9 OR sb.id IS NULL THEN 'person' "
                    f"WHEN (b.base + s.i) % {mix} < 12 THEN 'unit' ELSE 'base' END")
        params = {"t": t, "reason": REJECT_REASON, "reviewer": REVIEWER}
        db.session.execute(text(
            "INSERT INTO credit_declaration (id, org_id, declared_by, person_id, form_id, category, year, title, "
            "start_date, end_date, \"values\", hours, rule, applicants, created_by_name, created_at) "
            f"SELECT {first_decl + 1} + s.i, CASE WHEN dk.by = 'base' THEN sb.id ELSE p.org_id END, dk.by, "
            "CASE WHEN dk.by = 'person' THEN p.id END, f.form_id, f.category, d.yr, f.name || '学时申报', "
            f"d.end_day, d.end_day, f.vals{json_cast}, f.hours, f.rule{json_cast}, 1, "
            "CASE WHEN dk.by = 'person' THEN p.name ELSE '单位管理员' END, :t "
            f"{rows} CROSS JOIN LATERAL (SELECT {declarer} AS by) dk" if postgres else
            "INSERT INTO credit_declaration (id, org_id, declared_by, person_id, form_id, category, year, title, "
            "start_date, end_date, \"values\", hours, rule, applicants, created_by_name, created_at) "
            f"SELECT {first_decl + 1} + s.i, CASE WHEN {declarer} = 'base' THEN sb.id ELSE p.org_id END, {declarer}, "
            f"CASE WHEN {declarer} = 'person' THEN p.id END, f.form_id, f.category, d.yr, f.name || '学时申报', "
            "d.end_day, d.end_day, f.vals, f.hours, f.rule, 1, "
            f"CASE WHEN {declarer} = 'person' THEN p.name ELSE '单位管理员' END, :t {rows}"), params)
        status = (f"CASE WHEN (b.base + s.i) / 7 % 10 < 4 THEN 'pending' "
                  f"WHEN (b.base + s.i) / 7 % 10 < 8 THEN 'approved' ELSE 'rejected' END")
        by = "dk.by" if postgres else declarer
        lateral = f"CROSS JOIN LATERAL (SELECT {declarer} AS by, {status} AS st) dk" if postgres else ""
        st = "dk.st" if postgres else status
        db.session.execute(text(
            "INSERT INTO credit_record (id, declaration_id, person_id, person_name, id_number, org_id, "
            "review_org_id, declared_by, declarer_org_id, form_id, category, year, end_date, hours, approved_hours, "
            "cap_per_year, status, reject_reason, reviewer_name, reviewed_at, created_at) "
            f"SELECT {first_rec + 1} + s.i, {first_decl + 1} + s.i, p.id, p.name, p.id_number, p.org_id, "
            f"CASE WHEN {by} = 'unit' THEN p.parent_id ELSE p.org_id END, {by}, "
            f"CASE WHEN {by} = 'unit' THEN p.org_id WHEN {by} = 'base' THEN sb.id END, f.form_id, f.category, d.yr, "
            f"d.end_day, f.hours, CASE WHEN {st} = 'approved' THEN f.hours END, f.cap, {st}, "
            f"CASE WHEN {st} = 'rejected' THEN :reason END, CASE WHEN {st} <> 'pending' THEN :reviewer END, "
            f"CASE WHEN {st} <> 'pending' THEN :t END, :t {rows} {lateral}"), params)
        last_rec = first_rec + size
        audit.record_bulk_select("credit_declaration", "create", select(Declaration.id).where(
            Declaration.id > first_decl, Declaration.id <= first_decl + size), None, reason)
        audit.record_bulk_select("credit_record", "create", select(CreditRecord.id).where(
            CreditRecord.id > first_rec, CreditRecord.id <= last_rec), None, reason)
        # The decisions too, so a decided record's trail reads 申报 → 通过 / 驳回 like one decided in the app.
        for status, action, changes in (
                ("approved", "approve", {"status": {"before": "pending", "after": "approved"}}),
                ("rejected", "reject", {"status": {"before": "pending", "after": "rejected"},
                                        "reject_reason": {"after": REJECT_REASON}})):
            audit.record_bulk_select("credit_record", action, select(CreditRecord.id).where(
                CreditRecord.id > first_rec, CreditRecord.id <= last_rec, CreditRecord.status == status),
                changes, reason)
        if postgres:
            for table in ("credit_declaration", "credit_record"):
                db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT max(id) FROM {table}))"))
        if commit_batches:
            db.session.commit()
        added += size
        if progress:
            progress(f"已新增学时记录 {added:,}/{n:,} 条，用时 {time.monotonic() - started:.1f} 秒")
    return added


def load_demo_credits(reason: str):
    """The demo's 学时: the catalogue, this year's and last year's rules, and a few thousand records in every state
    from person, unit and base declarations, over the demo staff, audited with ``reason``."""
    ensure_catalogue()
    db.session.commit()
    added = add_credits(DEMO_CREDITS, reason=reason)
    return added + add_staff_story(reason) + add_completion(reason)


# 张静, the documented staff account, opens 我的学时 on a year that tells a story: 公需 done, 专业 partly approved, one
# declaration waiting for the unit and one rejected with its reason.
STAFF_STORY = (  # (form code, 计入科目, values, title, month, declared by, decision)
    ("online", "公需科目", {"platform": "山东省专业技术人员继续教育网", "course": "数字经济与创新驱动", "hours": 30},
     "公需科目网络培训（数字经济）", 3, "unit", "approved"),
    ("conference", "专业科目", {"level": "省级", "meeting": "山东省心血管病学学术年会", "organizer": "山东省医学会",
                               "paper": "是"}, "山东省心血管病学学术年会", 5, "person", "approved"),
    ("face_to_face", "专业科目", {"organizer": "济南市第一人民医院", "place": "本院学术报告厅", "days": 3},
     "心血管介入诊疗新技术培训班", 9, "unit", "pending"),
    ("paper", "专业科目", {"journal": "中华心血管病杂志", "issn": "ISSN 0253-3758", "level": "国家级",
                          "rank": "第二作者"}, "论文：冠心病介入治疗随访研究", 10, "person", "rejected"),
)


def add_staff_story(reason: str):
    """The documented staff member's records, filed and decided through the model (routing, caps, audit)."""
    from models import Account, Organization, Person
    from models.actor import Actor
    from models.hours.approval import decide_credits
    from models.hours.records import declare

    from .accounts import BY_KEY

    person = db.session.scalar(select(Person).where(Person.id_number == BY_KEY["staff"].id_number))
    admin = db.session.scalar(select(Account).where(Account.id_number == BY_KEY["employer_admin"].id_number))
    if person is None or admin is None:
        return 0
    unit = db.session.get(Organization, person.org_id)
    unit_admin = Actor(admin.id, admin.name, unit.id, unit.id)
    year = now().year
    with audit.reason(reason):
        for code, category, values, title, month, by, decision in STAFF_STORY:
            form = db.session.scalar(select(LearningForm).where(LearningForm.code == code))
            day = date(year, min(month, now().month), 10)
            actor = unit_admin if by == "unit" else Actor(person.account_id, person.name, person_id=person.id)
            d = declare(form, category, values, [person.id], declared_by=by, actor=actor, org=unit, title=title,
                        start_date=day, end_date=day)
            ids = db.session.scalars(select(CreditRecord.id).where(CreditRecord.declaration_id == d.id)).all()
            if decision == "pending":
                continue
            # A unit's own declaration is its superior's to decide; the unit decides its staff's own.
            reviewer = unit_admin if by == "person" else Actor(None, "济南市人社局审核员", unit.parent_id, unit.parent_id)
            decide_credits(ids, decision, reviewer, REJECT_REASON if decision == "rejected" else None)
    db.session.commit()
    return len(STAFF_STORY)


# 继教完成情况 needs people who met a year's rule, and people just short of it. Within each demo unit, the n-th
# approved person (by id) gets, by n % 20: last year 0–9 公需 30 + 专业 64 (达标), 10–11 公需 24 (公需差 6),
# 12–13 专业 56 (专业差 4); this year 0–7 达标, 8–9 公需差 6, 10–11 专业差 4; the rest nothing more than the mix
# above. Declared by the unit as 网络培训 (公需) and 面授培训 (专业), approved by its superior: routing, caps and
# audit as in the app. 张静 keeps this year's story (专业 partly approved) and meets last year's rule.
COMPLETION_PLAN = {  # year offset (0 = this year) -> [(n % 20 range, 公需 hours, 专业 days of 8 hours)]
    1: [(range(0, 10), 30, 8), (range(10, 12), 24, 8), (range(12, 14), 30, 7)],
    0: [(range(0, 8), 30, 8), (range(8, 10), 24, 8), (range(10, 12), 30, 7)],
}
COMPLETION_MONTH = {1: (4, 10), 0: (3, 9)}  # 公需 / 专业 months of the activity


def add_completion(reason: str) -> int:
    """The records that make the demo's 达标 and 差几学时 people (see COMPLETION_PLAN); returns records added.
    Only units of the demo tree take part (a test's own units do not)."""
    from models import Account, Organization, Person
    from models.actor import Actor
    from models.hours.approval import decide_credits
    from models.hours.records import declare

    from .accounts import BY_KEY
    from .orgs import ORGS

    names = [spec.name for spec in ORGS if spec.kind == "employer"]
    units = db.session.scalars(select(Organization).where(Organization.name.in_(names),
                                                          Organization.status == "approved")
                               .order_by(Organization.id)).all()
    admin = db.session.scalar(select(Account).where(Account.id_number == BY_KEY["employer_admin"].id_number))
    if not units or admin is None:
        return 0
    story = BY_KEY["staff"].id_number
    online = db.session.scalar(select(LearningForm).where(LearningForm.code == "online"))
    face = db.session.scalar(select(LearningForm).where(LearningForm.code == "face_to_face"))
    today, added = now().date(), 0
    with audit.reason(reason):
        for unit in units:
            people = db.session.execute(select(Person.id, Person.id_number).where(
                Person.org_id == unit.id, Person.status == "approved").order_by(Person.id)).all()
            declarer = Actor(admin.id, "单位管理员", unit.id, unit.id)
            reviewer = Actor(None, "上级主管部门审核员", unit.parent_id, unit.parent_id)
            ids = []
            for back, groups in COMPLETION_PLAN.items():
                year = today.year - back
                for ranks, public, days in groups:
                    # 张静 keeps this year's story and meets last year's rule, whatever her rank: 我的证书 of the
                    # documented staff account then has a certificate to download.
                    group = [pid for n, (pid, number) in enumerate(people)
                             if (n % 20 if number != story else 0 if back else None) in ranks]
                    if not group:
                        continue
                    for form, category, values, title, month in (
                            (online, "公需科目", {"platform": "山东省专业技术人员继续教育网",
                                                 "course": "专业技术人员公需科目", "hours": public},
                             f"{year}年度公需科目网络培训", COMPLETION_MONTH[back][0]),
                            (face, "专业科目", {"organizer": unit.name, "place": "本单位培训中心", "days": days},
                             f"{year}年度专业科目集中培训", COMPLETION_MONTH[back][1])):
                        day = date(year, month, 15) if back else date(year, min(month, today.month), 1)
                        d = declare(form, category, values, group, declared_by="unit", actor=declarer, org=unit,
                                    title=title, start_date=day, end_date=day)
                        ids += db.session.scalars(select(CreditRecord.id)
                                                  .where(CreditRecord.declaration_id == d.id)).all()
            if ids:
                # A unit without a superior (none in the demo) would be the operator's to decide.
                decide_credits(ids, "approved", reviewer if unit.parent_id else Actor(None, "平台运维", None, None))
                added += len(ids)
    db.session.commit()
    return added
