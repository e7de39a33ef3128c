"""Numbering, tokens and revocation of 电子证书 (models/certificates/issue.py)."""
import re
import threading
from collections import Counter

from sqlalchemy import func, select

from models import AuditEntry, Certificate, HoursRule, Organization, db
from models.certificates import issue
from models.certificates.issue import CertificateCounter, REVOKED_REASON
from models.hours import approval
from models.hours.catalogue import PROFESSIONAL, PUBLIC

from ..helpers import make_person
from .data import OPERATOR, approved, meet


def certs():
    db.session.expire_all()
    return {c.person_id: c for c in Certificate.query.all()}


def audits(action):
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity == "certificate", AuditEntry.action == action))


def test_numbers_are_year_region_serial_and_stable(tree):
    a, b = make_person(tree.employer, "甲"), make_person(tree.employer, "乙")
    c = make_person(tree.qingdao, "丙")
    lazy = make_person(tree.employer, "丁")
    meet(tree, tree.employer, [a, b])
    meet(tree, tree.qingdao, [c])
    approved(tree, tree.employer, [lazy], 30, PUBLIC)  # 30 学时: not met
    assert issue(2026, [a.id, b.id, c.id, lazy.id], "王管理") == 3
    db.session.commit()
    got = certs()
    assert set(got) == {a.id, b.id, c.id}
    assert [got[a.id].number, got[b.id].number] == ["202601000001", "202601000002"]  # 济南市 = 01
    assert got[c.id].number == "202602000001"  # 青岛市 = 02, its own counter
    assert got[a.id].org_id == tree.employer.id and got[a.id].issued_by == "王管理"
    assert audits("issue") == 3
    before = {p: (x.number, x.token, x.issued_at) for p, x in got.items()}
    assert issue(2026, [a.id, b.id, c.id], "赵管理") == 0  # a reprint numbers nobody again
    db.session.commit()
    assert {p: (x.number, x.token, x.issued_at) for p, x in certs().items()} == before
    assert audits("issue") == 3
    counters = {(r.year, r.region_code): r.last_serial for r in CertificateCounter.query.all()}
    assert counters == {(2026, "01"): 2, (2026, "02"): 1}


def test_tokens_are_random_and_say_nothing_about_the_person(tree):
    people = [make_person(tree.employer, f"人{i}") for i in range(12)]
    meet(tree, tree.employer, people)
    issue(2026, [p.id for p in people], "王管理")
    db.session.commit()
    got = certs()
    tokens = [c.token for c in got.values()]
    assert len(set(tokens)) == 12
    for person in people:
        token = got[person.id].token
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", token)
        for part in (person.id_number, person.id_number[-6:], got[person.id].number, got[person.id].number[-6:]):
            assert part not in token


def test_a_unit_without_region_numbers_with_its_parents(tree):
    db.session.get(Organization, tree.branch.id).region = None
    db.session.commit()
    a = make_person(tree.branch, "甲")
    meet(tree, tree.branch, [a])
    issue(2026, [a.id], "王管理")
    db.session.commit()
    assert certs()[a.id].number == "202601000001"


def test_hours_removed_revoke_and_hours_back_reinstate_the_same_number(tree):
    a, b = make_person(tree.employer, "甲"), make_person(tree.employer, "乙")
    professional = meet(tree, tree.employer, [a, b])
    issue(2026, [a.id, b.id], "王管理")
    db.session.commit()
    first = certs()[a.id]
    number, token = first.number, first.token
    approval.delete_credits(professional[:1], OPERATOR, "重复申报")  # a's 专业科目 hours go: not met any more
    db.session.commit()
    got = certs()
    assert got[a.id].revoked_at is not None and got[a.id].revoke_reason == REVOKED_REASON
    assert got[b.id].revoked_at is None
    entry = AuditEntry.query.filter_by(entity="certificate", action="cancel").one()
    assert entry.entity_id == str(got[a.id].id) and entry.reason == REVOKED_REASON
    assert issue(2026, [a.id], "王管理") == 0  # not met: nothing to print, and no second number later
    approved(tree, tree.employer, [a], 64, PROFESSIONAL)  # met again
    got = certs()
    assert got[a.id].revoked_at is None and got[a.id].revoke_reason is None
    assert (got[a.id].number, got[a.id].token) == (number, token)
    assert audits("reinstate") == 1
    assert Certificate.query.count() == 2


def test_a_stricter_rule_revokes_the_year(tree):
    a = make_person(tree.employer, "甲")
    meet(tree, tree.employer, [a])
    issue(2026, [a.id], "王管理")
    db.session.commit()
    rule = HoursRule.for_year(2026)
    rule.total = 120
    db.session.add(rule)
    db.session.commit()  # the after-flush hook runs refresh_year
    assert certs()[a.id].revoked_at is not None
    rule.total = 90
    db.session.commit()
    assert certs()[a.id].revoked_at is None


def test_other_years_are_left_alone(tree):
    a = make_person(tree.employer, "甲")
    meet(tree, tree.employer, [a], year=2025)
    professional = meet(tree, tree.employer, [a], year=2026)
    issue(2025, [a.id], "王管理")
    issue(2026, [a.id], "王管理")
    db.session.commit()
    approval.delete_credits(professional, OPERATOR, "重复申报")
    db.session.commit()
    db.session.expire_all()
    by_year = {c.year: c for c in Certificate.query.all()}
    assert by_year[2025].revoked_at is None and by_year[2026].revoked_at is not None
    assert by_year[2025].number.startswith("202501")


THREADS = 8


def test_printing_at_the_same_moment_numbers_each_person_once(tree, app):
    """Eight admins print overlapping batches at once: one certificate per person, serials 1..N without a gap
    or a duplicate. On PostgreSQL the counter row's FOR UPDATE queues them; on SQLite the write lock does."""
    people = [make_person(tree.employer, f"人{i}") for i in range(30)]
    qingdao = [make_person(tree.qingdao, f"青{i}") for i in range(10)]
    meet(tree, tree.employer, people)
    meet(tree, tree.qingdao, qingdao)
    ids = [p.id for p in people + qingdao]
    start = threading.Barrier(THREADS)
    results, errors = [0] * THREADS, []

    def body(i):
        with app.app_context():
            batch = ids[i * 3:] + ids[:i * 3]  # each thread its own order and overlap
            start.wait()
            try:
                results[i] = issue(2026, batch[: 25 + i], f"管理员{i}")
                db.session.commit()
            except Exception as e:
                errors.append(repr(e))
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=body, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    got = certs()
    assert set(got) == set(ids) and sum(results) == len(ids)
    serials = Counter(c.number[:6] for c in got.values())
    assert serials == {"202601": 30, "202602": 10}
    for prefix, n in serials.items():
        assert sorted(int(c.number[6:]) for c in got.values() if c.number.startswith(prefix)) == list(range(1, n + 1))
    assert audits("issue") == len(ids)


def test_a_rebuild_of_the_summary_revokes_too(tree):
    from sqlalchemy import update

    from models import CreditRecord
    from models.hours.totals import rebuild

    a, b = make_person(tree.employer, "甲"), make_person(tree.employer, "乙")
    professional = meet(tree, tree.employer, [a, b])
    issue(2026, [a.id, b.id], "王管理")
    db.session.commit()
    # A change the summary did not follow (a raw fix in the database): the rebuild finds it.
    db.session.execute(update(CreditRecord.__table__).where(CreditRecord.__table__.c.id == professional[0])
                       .values(status="rejected"))
    rebuild()
    db.session.commit()
    got = certs()
    assert got[a.id].revoked_at is not None and got[b.id].revoked_at is None
