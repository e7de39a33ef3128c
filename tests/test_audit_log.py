"""审计日志 (F31): a record's 变更历史, the log grouped per request, filters, export."""
from flask import current_app, render_template_string
from sqlalchemy import select

from models import AuditEntry, db
from models import audit
from models.audit_history import history
from tests.helpers import make_account, make_org, make_person
from tests.querycount import count_queries

def render(rows):
    with current_app.test_request_context("/admin/"):
        return render_template_string(MACRO, rows=rows)


MACRO = "{% from 'admin/audit_history.html' import audit_history %}{{ audit_history(rows) }}"


def test_history_newest_first_with_labels_and_limit(app):
    org = make_org("历史单位")
    person = make_person(org, "历史人")
    for n in range(3):
        assert person.major != f"专业{n}"  # loaded: an expired attribute's old value is not known to the flush
        person.major = f"专业{n}"
        db.session.commit()
    other = make_person(org, "别人")
    other.major = "不该出现"
    db.session.commit()
    rows = history([("person", person.id)], limit=2)
    assert [r.fields[0].after for r in rows] == ["专业2", "专业1"]
    assert rows[0].fields[0].label == "所学专业" and rows[0].fields[0].before == "专业1"
    assert rows[0].action_label == "修改" and rows[0].entity_label == "人员"
    everything = history([("person", person.id), ("account", person.account_id)], limit=50)
    expected = db.session.scalars(select(AuditEntry.id).where(
        ((AuditEntry.entity == "person") & (AuditEntry.entity_id == str(person.id)))
        | ((AuditEntry.entity == "account") & (AuditEntry.entity_id == str(person.account_id))))
        .order_by(AuditEntry.id.desc())).all()
    assert [r.id for r in everything] == expected
    assert {r.entity for r in everything} == {"person", "account"}
    pairs = [("person", person.id), ("account", person.account_id), ("organization", org.id)]
    with count_queries() as statements:
        history(pairs)
    assert len(statements) == 1


def test_history_macro_masks_passwords(app):
    account = make_account("密码人")
    assert not account.disabled
    account.set_password("Another99x")
    account.disabled = True
    db.session.commit()
    rows = history([("account", account.id)])
    html = render(rows)
    assert "已修改（内容不显示）" in html and "密码" in html
    assert account.password_hash not in html and "***" not in html
    assert "停用" in html and "<ins>是</ins>" in html
    assert render([]).strip().endswith("</p>")


def test_history_reason_and_explicit_events(app):
    org = make_org("原因单位")
    with audit.reason("电话核实后更正"):
        assert org.address is None
        org.address = "新地址"
    db.session.commit()
    audit.record("organization", org.id, "disable", {"status": {"before": "approved", "after": "disabled"}}, "测试")
    db.session.commit()
    rows = history([("organization", org.id)])
    assert rows[0].action_label == "停用" and rows[0].fields[0].after == "已停用" and rows[0].reason == "测试"
    assert rows[1].reason == "电话核实后更正" and rows[1].fields[0].label == "单位地址"
