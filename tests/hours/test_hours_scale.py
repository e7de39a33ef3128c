"""``seed --credits N``: N records, each with its declaration, over the approved staff, in every state and from
every declarer, audited, deterministic, and the lists show them."""
from sqlalchemy import delete, func, select

from models import AuditEntry, CreditRecord, Declaration, db
from models.hours import approval

from ..helpers import make_org, make_person, response_text


def test_seed_credits_adds_n_records_in_every_state(app, unit):
    staff = [make_person(unit.employer, f"职工{i}") for i in range(5)] + [make_person(unit.branch, "分公司职工")]
    make_org("规模测试继续教育基地", kind="base", parent=unit.province)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed", "--credits", "300"])
    assert result.exit_code == 0, result.output
    assert "已新增学时记录 300 条" in result.output
    records = CreditRecord.query.all()
    assert len(records) == 300 and db.session.scalar(select(func.count()).select_from(Declaration)) == 300
    assert {r.status for r in records} == {"pending", "approved", "rejected"}
    assert {r.declared_by for r in records} == {"person", "unit", "base"}
    assert {r.person_id for r in records} == {p.id for p in staff}
    for r in records:
        assert r.declaration.form_id == r.form_id and r.declaration.end_date == r.end_date
        assert (r.approved_hours is not None) == (r.status == "approved")
        expected_reviewer = unit.city.id if r.declared_by == "unit" and r.org_id == unit.employer.id else (
            unit.employer.id if r.declared_by == "unit" else r.org_id)
        assert r.review_org_id == expected_reviewer
    assert AuditEntry.query.filter_by(entity="credit_record", action="create").count() == 300
    assert AuditEntry.query.filter_by(entity="credit_declaration", action="create").count() == 300
    first = sorted((r.person_id, r.form_id, r.end_date, r.status, r.declared_by) for r in records)
    # Deterministic: the same state (no records) yields the same rows.
    db.session.execute(delete(CreditRecord))
    db.session.execute(delete(Declaration))
    db.session.commit()
    assert runner.invoke(args=["seed", "--credits", "300"]).exit_code == 0
    assert sorted((r.person_id, r.form_id, r.end_date, r.status, r.declared_by) for r in CreditRecord.query) == first
    # A second run follows on: new rows, and the ids keep counting (PostgreSQL's sequence was moved past them).
    assert runner.invoke(args=["seed", "--credits", "50"]).exit_code == 0
    assert CreditRecord.query.count() == 350
    waiting = CreditRecord.query.filter_by(status="pending", review_org_id=unit.employer.id).count()
    assert waiting and db.session.scalar(approval.pending_count_query(unit.employer.id)) == waiting


def test_seeded_records_are_listed_and_decidable(auth, client, app, unit):
    make_person(unit.employer, "职工")
    assert app.test_cli_runner().invoke(args=["seed", "--credits", "40"]).exit_code == 0
    auth.login(unit.admin)
    page = response_text(client.get("/admin/hours/records/"))
    assert "全部（40）" in page
    pending = CreditRecord.query.filter_by(status="pending", review_org_id=unit.employer.id).count()
    assert f"待审核（{pending}）" in response_text(client.get("/admin/hours/review/"))


def test_demo_credits_bring_the_catalogue_and_two_years_of_rules(app, unit):
    from demo.credits import DEMO_CREDITS, load_demo_credits
    from models import HoursRule, LearningForm, now

    make_person(unit.employer, "职工")
    assert load_demo_credits("演示数据") == DEMO_CREDITS
    assert {r.year for r in HoursRule.query} == {now().year, now().year - 1} and LearningForm.query.count() >= 9
    assert AuditEntry.query.filter_by(entity="credit_record", reason="演示数据").count() == DEMO_CREDITS
